package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.attempt;
import static dev.idflow.servlet.PersonDevice.frame;
import static dev.idflow.servlet.PersonDevice.metadata;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.servlet.PersonDevice.Created;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the device reports about time is checked against the server's clock, and the times a result
 * records are the server's (PRODUCT.md, "Security decisions"). Live flows: the analyzer decides.
 */
class DeviceTimesTest {
    static TestServer server;
    static PersonDevice device;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
        device = PersonDevice.liveKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** A started live flow of one liveness step; the clock stands where the step's session was created. */
    private static JsonNode livenessStep() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"verilive\"}]");
        device.start(flow.vlinkId());
        return device.state(flow.vlinkId()).get("current_step");
    }

    @Test
    void actionTimesTenYearsInThePastFailTheAttemptAsMotionInconsistency() throws Exception {
        JsonNode step = livenessStep();
        server.clock.advance(Duration.ofSeconds(20));
        ObjectNode replayed = metadata(step.get("pipeline"), server.clock.instant().minus(Duration.ofDays(3653)), null);

        JsonNode answer = device.attempt(step.get("access_token").asText(), attempt(replayed, frame()));

        assertThat(answer.get("success").asBoolean()).isFalse();
        JsonNode result = device.journal(step.get("session_id").asText()).get("result");
        assertThat(result.get("service_status").asText()).isEqualTo("attack");
        assertThat(result.get("error_codes").toString()).contains("\"motion_inconsistency\"");
    }

    @Test
    void theResultsStartAndEndTimesAreTheServersNotTheDevices() throws Exception {
        Instant created = server.clock.instant();
        JsonNode step = livenessStep();
        server.clock.advance(Duration.ofSeconds(20));
        Instant received = server.clock.instant();
        ObjectNode meta = metadata(step.get("pipeline"), received.minusSeconds(12), null)
                .put("started_at", "2016-01-01T00:00:00Z").put("ended_at", "2036-01-01T00:00:00Z");

        device.attempt(step.get("access_token").asText(), attempt(meta, frame()));

        JsonNode result = device.journal(step.get("session_id").asText()).get("result");
        assertThat(result.get("error_codes").toString()).doesNotContain("motion_inconsistency");
        assertThat(Instant.parse(result.get("start_time").asText())).as("when the server created the session")
                .isEqualTo(created);
        assertThat(Instant.parse(result.get("end_time").asText())).as("when the server received the attempt")
                .isEqualTo(received);
    }
}
