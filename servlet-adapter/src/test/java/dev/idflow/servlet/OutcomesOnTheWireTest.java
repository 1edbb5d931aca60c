package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.assertSuccess;
import static dev.idflow.servlet.ApiAssertions.createFlow;
import static dev.idflow.servlet.ApiAssertions.createLivenessSession;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.ApiAssertions.object;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.model.EndCause;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.model.SessionStateName;
import dev.idflow.servlet.TestServer.Headers;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Ended flows and sessions with a verdict read back through the API as the contract describes them.
 * The engine that writes verdicts (liveness analysis, the sweeper) is a later issue, so these states
 * are written into the store directly, the way the engine will write them.
 */
class OutcomesOnTheWireTest {
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static Headers acme() {
        return Headers.test(TestServer.TEST_KEY);
    }

    private static Flow end(String flowId, ExecutionStatus status, EndCause cause) {
        Flow flow = server.storage.flows().findById(flowId).orElseThrow();
        Instant now = server.clock.instant();
        Flow ended = flow.toBuilder().endedAt(now).updatedAt(now).flowStatus(status).endCause(cause).deadlineAt(null).build();
        assertThat(server.storage.flows().update(ended)).isTrue();
        return ended;
    }

    private static void judge(String sessionId, ExecutionStatus status, String result) {
        ServiceSession session = server.storage.sessions().findById(sessionId).orElseThrow();
        Instant now = server.clock.instant();
        ServiceSession judged = session.transition(SessionStateName.PROCESSING, now)
                .transition(SessionStateName.PROCESSED, now)
                .withOutcome(status, object(result), now);
        assertThat(server.storage.sessions().update(judged)).isTrue();
    }

    @Test
    void aFlowWhoseTtlRanOutReadsAsEndedByTimeout() throws Exception {
        String flowId = createFlow(server, TestServer.TEST_KEY, newPerson());
        end(flowId, ExecutionStatus.FAIL, EndCause.TIMEOUT);

        JsonNode flow = assertSuccess(server.get("/flow/" + flowId, acme()), 200);

        assertThat(flow.get("flow_status").asText()).isEqualTo("fail");
        assertThat(flow.get("end_cause").asText()).isEqualTo("timeout");
        assertThat(Instant.parse(flow.get("ended_at").asText())).isEqualTo(server.clock.instant());
        // nobody started it: there is still no result to read
        assertError(server.get("/flow/" + flowId + "/result", acme()), 404, "FLOW_NOT_STARTED", "flow_id");
    }

    @Test
    void aLivenessSessionCannotJoinAnEndedFlow() throws Exception {
        String person = newPerson();
        String flowId = createFlow(server, TestServer.TEST_KEY, person);
        end(flowId, ExecutionStatus.FAIL, EndCause.TIMEOUT);

        assertError(server.postJson("/liveness2/session", acme(), "{\"person_id\":\"" + person + "\",\"flow_id\":\"" + flowId + "\"}"),
                422, "INVALID_PAYLOAD", "flow_id");
        assertThat(server.storage.sessions().findByFlowId(flowId)).isEmpty();
    }

    @Test
    void aJudgedLivenessSessionShowsItsVeriliveResultInTheJournalAndTheFlowResult() throws Exception {
        String person = newPerson();
        String flowId = createFlow(server, TestServer.TEST_KEY, person);
        String sessionId = createLivenessSession(server, TestServer.TEST_KEY, person, flowId).get("session_id").asText();
        String result = "{\"service_name\":\"verilive\",\"service_status\":\"attack\",\"error_codes\":[\"virtual_camera_risk\"],"
                + "\"warnings\":[\"high_velocity\"],\"start_time\":\"2026-01-02T03:04:05Z\",\"end_time\":\"2026-01-02T03:04:09.5Z\"}";
        judge(sessionId, ExecutionStatus.FAIL, result);
        end(flowId, ExecutionStatus.FAIL, EndCause.COMPLETED);

        JsonNode session = assertSuccess(server.get("/journal/session/" + sessionId, acme()), 200);
        JsonNode projection = assertSuccess(server.get("/flow/" + flowId + "/result", acme()), 200);

        assertThat(session.get("result")).isEqualTo(object(result));
        assertThat(session.get("session_states")).hasSize(3);
        assertThat(session.at("/session_states/2/state").asText()).isEqualTo("processed");
        assertThat(projection.get("flow_status").asText()).isEqualTo("fail");
        assertThat(projection.get("end_cause").asText()).isEqualTo("completed");
        assertThat(projection.has("ended_at")).isTrue();
        JsonNode status = projection.at("/service_statuses/0");
        assertThat(status.get("session_status").asText()).isEqualTo("fail");
        assertThat(status.get("session_state").asText()).isEqualTo("processed");
        assertThat(status.get("frontend_session_status").asText()).isEqualTo("denied");
        assertThat(status.get("session_result")).isEqualTo(object(result));
    }

    @Test
    void aLivenessSessionThatTimedOutIsExpiredForTheFrontEnd() throws Exception {
        String person = newPerson();
        String flowId = createFlow(server, TestServer.TEST_KEY, person);
        String sessionId = createLivenessSession(server, TestServer.TEST_KEY, person, flowId).get("session_id").asText();
        judge(sessionId, ExecutionStatus.FAIL, "{\"service_name\":\"verilive\",\"service_status\":\"unknown\",\"error_codes\":[\"timeout\"]}");

        JsonNode projection = assertSuccess(server.get("/flow/" + flowId + "/result", acme()), 200);

        assertThat(projection.at("/service_statuses/0/frontend_session_status").asText()).isEqualTo("expired");
    }

    @Test
    void anotherServicesResultStaysOffTheWireBecauseTheContractTypesItAsVerilive() throws Exception {
        String person = newPerson();
        String sessionId = ApiAssertions.upload(server, TestServer.TEST_KEY, person, "kisc_pii", "application/json", "p.json",
                new byte[] {'{', '}'});
        ServiceSession session = server.storage.sessions().findById(sessionId).orElseThrow();
        ObjectNode kisc = object("{\"service_name\":\"kisc\",\"service_status\":\"success\",\"person_name\":\"Test\"}");
        assertThat(server.storage.sessions().update(session.withOutcome(ExecutionStatus.PASS, kisc, server.clock.instant()))).isTrue();

        JsonNode journal = assertSuccess(server.get("/journal/session/" + sessionId, acme()), 200);

        assertThat(journal.has("result")).isFalse();
    }
}
