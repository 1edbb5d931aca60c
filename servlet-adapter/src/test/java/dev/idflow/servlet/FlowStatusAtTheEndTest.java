package dev.idflow.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** flow_status once a flow ends by a timeout, and HEAD on the consumer API's reads. */
class FlowStatusAtTheEndTest {
    private static TestServer server;
    private static PersonDevice device;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
        device = PersonDevice.testKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void aTimeoutAtAnAllowFailureLastStepPassesAFlowWhoseRequiredStepsPassed() throws Exception {
        PersonDevice.Created flow = device.createFlow("person-end-01",
                "[{\"service_name\":\"consent\"},{\"service_name\":\"consent\",\"allow_failure\":true,\"timeout\":10}]");
        device.start(flow.vlinkId());
        device.submit(flow.vlinkId(), "step-1", "{\"accepted\":true}");

        server.clock.advance(Duration.ofSeconds(11));
        server.idflow.sweepOnce();

        JsonNode ended = device.flow(flow.flowId());
        assertThat(ended.get("end_cause").asText()).isEqualTo("timeout");
        assertThat(ended.get("flow_status").asText()).isEqualTo("pass");
    }

    @Test
    void aTimeoutAtARequiredStepFailsTheFlow() throws Exception {
        PersonDevice.Created flow = device.createFlow("person-end-02",
                "[{\"service_name\":\"consent\",\"timeout\":10},{\"service_name\":\"consent\",\"allow_failure\":true}]");
        device.start(flow.vlinkId());

        server.clock.advance(Duration.ofSeconds(11));
        server.idflow.sweepOnce();

        JsonNode ended = device.flow(flow.flowId());
        assertThat(ended.get("end_cause").asText()).isEqualTo("timeout");
        assertThat(ended.get("flow_status").asText()).isEqualTo("fail");
    }

    @Test
    void headOnAFlowAnswersLikeGetWithoutABody() throws Exception {
        PersonDevice.Created flow = device.createFlow("person-end-03", "[{\"service_name\":\"consent\"}]");

        TestServer.Reply head = server.send("HEAD", "/flow/" + flow.flowId(),
                TestServer.Headers.test(TestServer.TEST_KEY), HttpRequest.BodyPublishers.noBody(), null);

        assertThat(head.status()).isEqualTo(200);
        assertThat(head.bytes()).isEmpty();
        assertThat(head.header("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
    }
}
