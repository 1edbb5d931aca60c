package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.attempt;
import static dev.idflow.servlet.PersonDevice.greyPicture;
import static dev.idflow.servlet.PersonDevice.metadata;
import static dev.idflow.servlet.PersonDevice.stateNames;
import static dev.idflow.servlet.PersonDevice.statuses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.model.SessionStateName;
import dev.idflow.servlet.PersonDevice.Created;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An operator changes a session's outcome through the Java API ({@code Idflow.review}), giving a
 * reason: the session becomes {@code reviewed}, the flow's check_type {@code edited}, and an ended
 * flow's flow_status is decided again. The bank reads all of it through the consumer API.
 */
class ReviewTest {
    static TestServer server;
    static PersonDevice live;
    static PersonDevice test;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
        live = PersonDevice.liveKey(server);
        test = PersonDevice.testKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** A live flow whose liveness step had no verdict (no face analysis): ended, fail. */
    private static Created undecidedLiveFlow() throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"verilive\"}]");
        JsonNode step = live.start(flow.vlinkId()).get("current_step");
        live.attempt(step.get("access_token").asText(),
                attempt(metadata(step.get("pipeline"), server.clock.instant().minusSeconds(8), null), greyPicture()));
        assertThat(live.flow(flow.flowId()).get("flow_status").asText()).isEqualTo("fail");
        return flow;
    }

    @Test
    void anOperatorPassingAnUndecidedSessionMakesItReviewedTheFlowEditedAndItsStatusPass() throws Exception {
        Created flow = undecidedLiveFlow();
        JsonNode before = live.result(flow.flowId());
        assertThat(before.get("check_type").asText()).isEqualTo("auto");
        String sessionId = statuses(before).get(0).get("session_id").asText();

        server.clock.advance(Duration.ofMinutes(10));
        ServiceSession reviewed = server.idflow.review(sessionId, ExecutionStatus.PASS, "operator checked the document");
        assertThat(reviewed.state()).isEqualTo(SessionStateName.REVIEWED);
        assertThat(reviewed.reviewReason()).isEqualTo("operator checked the document");

        JsonNode journal = live.journal(sessionId);
        assertThat(stateNames(journal.get("session_states")))
                .containsExactly("created", "processing", "processed", "reviewed");
        assertThat(Instant.parse(journal.get("session_states").get(3).get("created_at").asText()))
                .isEqualTo(server.clock.instant());

        JsonNode after = live.result(flow.flowId());
        assertThat(after.get("check_type").asText()).isEqualTo("edited");
        assertThat(after.get("flow_status").asText()).as("decided again from its sessions").isEqualTo("pass");
        assertThat(after.get("end_cause").asText()).as("how it ended does not change").isEqualTo("completed");
        JsonNode session = statuses(after).get(0);
        assertThat(session.get("session_state").asText()).isEqualTo("reviewed");
        assertThat(session.get("session_status").asText()).isEqualTo("pass");
        assertThat(session.get("frontend_session_status").asText()).isEqualTo("approved");
        assertThat(stateNames(session.get("session_states"))).endsWith("reviewed");
        // the analyzer's own result is kept as it was: the operator decided, not the analyzer
        assertThat(session.at("/session_result/service_status").asText()).isEqualTo("unknown");

        JsonNode read = live.flow(flow.flowId());
        assertThat(read.get("flow_status").asText()).isEqualTo("pass");
        assertThat(live.state(flow.vlinkId()).get("flow_status").asText()).isEqualTo("pass");
    }

    @Test
    void anOperatorFailingAPassedSessionFailsTheEndedFlow() throws Exception {
        String person = newPerson();
        test.script(person, "verilive", "real");
        Created flow = test.createFlow(person, "[{\"service_name\":\"consent\"},{\"service_name\":\"verilive\"}]");
        test.start(flow.vlinkId());
        test.consent(flow.vlinkId());
        test.doLiveness(flow.vlinkId());
        JsonNode before = test.result(flow.flowId());
        assertThat(before.get("flow_status").asText()).isEqualTo("pass");

        server.idflow.review(statuses(before).get(1).get("session_id").asText(), ExecutionStatus.FAIL,
                "the face does not match the document");

        JsonNode after = test.result(flow.flowId());
        assertThat(after.get("flow_status").asText()).isEqualTo("fail");
        assertThat(after.get("check_type").asText()).isEqualTo("edited");
        assertThat(statuses(after).get(1).get("frontend_session_status").asText()).isEqualTo("denied");
        assertThat(statuses(after).get(0).get("session_state").asText()).as("only the reviewed one").isEqualTo("processed");
    }

    @Test
    void reviewingASessionOfARunningFlowEditsItButLeavesItsStatusUnknown() throws Exception {
        Created flow = test.createFlow(newPerson(), "[{\"service_name\":\"consent\"},{\"service_name\":\"verilive\"}]");
        test.start(flow.vlinkId());
        test.consent(flow.vlinkId());
        String consentSession = statuses(test.result(flow.flowId())).get(0).get("session_id").asText();

        server.idflow.review(consentSession, ExecutionStatus.FAIL, "signature on paper missing");

        JsonNode result = test.result(flow.flowId());
        assertThat(result.get("check_type").asText()).isEqualTo("edited");
        assertThat(result.get("flow_status").asText()).isEqualTo("unknown");
        assertThat(result.has("end_cause")).isFalse();
        // the person goes on where they were
        assertThat(test.state(flow.vlinkId()).at("/current_step/step_id").asText()).isEqualTo("step-2");
    }

    @Test
    void aRunningSessionOrAReviewWithoutReasonIsRefused() throws Exception {
        Created flow = test.createFlow(newPerson(), "[{\"service_name\":\"verilive\"}]");
        String sessionId = test.start(flow.vlinkId()).at("/current_step/session_id").asText();

        assertThatThrownBy(() -> server.idflow.review(sessionId, ExecutionStatus.PASS, "looks fine"))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> server.idflow.review(sessionId, ExecutionStatus.PASS, " "))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> server.idflow.review("01KMWYGEEVW2TH4Q4SFFFFFFF5-S", ExecutionStatus.PASS, "x"))
                .isInstanceOf(IllegalArgumentException.class);

        JsonNode result = test.result(flow.flowId());
        assertThat(result.get("check_type").asText()).isEqualTo("auto");
        assertThat(statuses(result).get(0).get("session_state").asText()).isEqualTo("created");
    }
}
