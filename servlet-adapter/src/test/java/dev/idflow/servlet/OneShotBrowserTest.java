package dev.idflow.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.spi.LivenessAnalyzer;
import dev.idflow.servlet.TestServer.Reply;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A {@code verilive-one-shot} step on the real hosted page in headless Chromium with its fake camera: the
 * page's camera screen handles a session that asks for no action and sends the selfie. Chromium's fake
 * camera calls itself "fake_device_0", which idflow's rules rightly take for a virtual camera
 * ({@code virtual_camera_risk}) in a live flow, so the pass runs as a test flow whose mockery script says
 * {@code real} (as the other browser tests do), and the live flow shows that rule's failure with words.
 */
class OneShotBrowserTest {
    private static TestServer server;
    private static final List<LivenessAnalyzer.Attempt> seen = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        HostedBrowser.requireChromium();
        server = new TestServer("/kyc", b -> b.selfieAnalysis(attempt -> {
            seen.add(attempt);
            return new LivenessAnalyzer.Verdict("real", List.of(), List.of());
        }));
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aPersonTakesOneSelfieOnTheHostedPageAndTheFlowPasses() throws Exception {
        PersonDevice test = PersonDevice.testKey(server);
        String person = ApiAssertions.newPerson();
        test.script(person, "verilive-one-shot", "real");
        PersonDevice.Created flow = test.createFlow("{\"person_id\":\"" + person
                + "\",\"locale\":\"en\",\"template\":{\"status_page\":true,\"pipeline\":[{\"service_name\":\"verilive-one-shot\"}]}}");

        try (HostedBrowser b = HostedBrowser.phone()) {
            b.driver.get(flow.vlink());
            b.click("start");
            b.screen("live-intro");
            b.click("live-begin");
            b.screen("live-capture");
            b.screen("status", Duration.ofSeconds(40));
            assertThat(b.heading()).isEqualTo("Verification passed");
            b.screenshot("one-shot-en-passed");
        }

        JsonNode result = test.result(flow.flowId());
        assertThat(result.get("flow_status").asText()).isEqualTo("pass");
        JsonNode session = PersonDevice.statuses(result).get(0);
        assertThat(session.get("service_name").asText()).isEqualTo("verilive-one-shot");
        assertThat(session.at("/session_result/service_status").asText()).isEqualTo("real");
        Reply bestframe = test.file("label=bestframe&session_id=" + session.get("session_id").asText());
        assertThat(bestframe.status()).isEqualTo(200);
    }

    @Test
    void aLiveFlowJudgesTheSelfieByIdflowsRulesAndSaysWhyItFailed() throws Exception {
        PersonDevice live = PersonDevice.liveKey(server);
        PersonDevice.Created flow = live.createFlow("{\"person_id\":\"" + ApiAssertions.newPerson()
                + "\",\"locale\":\"en\",\"template\":{\"pipeline\":[{\"service_name\":\"verilive-one-shot\",\"max_retries\":1}]}}");

        try (HostedBrowser b = HostedBrowser.phone()) {
            b.driver.get(flow.vlink());
            b.click("start");
            b.click("live-begin");
            b.screen("live-failed", Duration.ofSeconds(40));
            assertThat(b.heading()).isEqualTo("The face check did not succeed");
        }

        JsonNode session = PersonDevice.statuses(live.result(flow.flowId())).get(0);
        assertThat(session.at("/session_result/error_codes/0").asText()).isEqualTo("virtual_camera_risk");
        assertThat(seen).as("a rule's failure never reaches the engine").isEmpty();
    }
}
