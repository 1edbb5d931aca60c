package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.idflow.core.model.AuditRecord;
import dev.idflow.core.model.RetentionPolicy;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Reply;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Retention through a real Jetty: a consumer's biometric files go after their period while the flow stays,
 * then the whole flow goes after its own; a consumer without a policy keeps everything.
 */
class RetentionPurgeTest {
    static TestServer server;
    static PersonDevice acme;
    static PersonDevice globex;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
        acme = PersonDevice.testKey(server);
        globex = PersonDevice.testKeyOf(server, TestServer.OTHER_TEST_KEY);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static Created livenessFlow(String key, PersonDevice device, String person) throws Exception {
        Reply scripted = server.postJson("/mockery/result", Headers.test(key), "{\"person_id\":\"" + person
                + "\",\"result\":{\"service_name\":\"verilive\",\"service_status\":\"real\"}}");
        assertThat(scripted.status()).isEqualTo(200);
        Created flow = device.createFlow(person, "[{\"service_name\":\"verilive\"}]");
        device.start(flow.vlinkId());
        assertThat(device.doLiveness(flow.vlinkId()).get("success").asBoolean()).isTrue();
        assertThat(device.flow(flow.flowId()).get("flow_status").asText()).isEqualTo("pass");
        return flow;
    }

    @Test
    void biometricsGoFirstThenTheWholeFlowAndOnlyForTheConsumerWithAPolicy() throws Exception {
        String person = newPerson();
        String other = newPerson();
        server.idflow.retention().as("dpo@acme").set("acme", Duration.ofDays(1), null, Duration.ofDays(30));
        assertThat(server.idflow.retention().get("acme")).contains(
                new RetentionPolicy("acme", Duration.ofDays(1), null, Duration.ofDays(30)));
        Created flow = livenessFlow(TestServer.TEST_KEY, acme, person);
        Created kept = livenessFlow(TestServer.OTHER_TEST_KEY, globex, other);

        server.clock.advance(Duration.ofHours(23));
        server.idflow.purgeExpiredOnce();
        assertThat(acme.file("label=bestframe&flow_id=" + flow.flowId()).status()).as("not due yet").isEqualTo(200);

        server.clock.advance(Duration.ofHours(2));
        assertThat(server.idflow.purgeExpiredOnce()).isPositive();
        assertThat(acme.file("label=bestframe&flow_id=" + flow.flowId()).status()).isEqualTo(404);
        assertThat(acme.flowReply(flow.flowId()).status()).as("the flow stays for its own period").isEqualTo(200);
        assertThat(globex.file("label=bestframe&flow_id=" + kept.flowId()).status()).isEqualTo(200);

        server.clock.advance(Duration.ofDays(30));
        assertThat(server.idflow.purgeExpiredOnce()).isPositive();
        assertThat(acme.flowReply(flow.flowId()).status()).isEqualTo(404);
        assertThat(acme.resultReply(flow.flowId()).status()).isEqualTo(404);
        assertThat(acme.stateReply(flow.vlinkId()).status()).isEqualTo(404);
        assertThat(globex.flowReply(kept.flowId()).status()).as("no policy: kept").isEqualTo(200);
        assertThat(globex.file("label=bestframe&flow_id=" + kept.flowId()).status()).isEqualTo(200);
        assertThat(server.idflow.purgeExpiredOnce()).as("nothing more is due").isZero();

        List<AuditRecord> set = server.idflow.audit().list("acme", server.clock.instant().minus(Duration.ofDays(40)),
                server.clock.instant(), null).records().stream().filter(r -> r.action().equals("retention.set")).toList();
        assertThat(set).hasSize(1);
        assertThat(set.get(0).actor()).isEqualTo("dpo@acme");
    }

    @Test
    void aPolicyNeedsARegisteredConsumerAndPositivePeriods() {
        assertThatThrownBy(() -> server.idflow.retention().set("nobody", Duration.ofDays(1), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("consumerId");
        assertThatThrownBy(() -> server.idflow.retention().set("globex", Duration.ZERO, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("biometrics");
        assertThat(server.idflow.retention().get("globex")).isEmpty();
    }
}
