package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.clientError;
import static dev.idflow.servlet.PersonDevice.statuses;
import static dev.idflow.servlet.StepsOnTheWire.refusedAtCreate;
import static dev.idflow.servlet.StepsOnTheWire.sessions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.servlet.PersonDevice.Created;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code interrupter}: the flow waits on a {@code wait} screen until the host (or its operator) resumes it
 * with {@code Idflow.completeSession}; the host finds the waiting session in the flow's result. A
 * failure is retried per max_retries; a step whose timeout runs out first is ended by the sweeper, and a
 * late completion is refused.
 */
class InterrupterServiceTest {
    static TestServer server;
    static PersonDevice device;

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestServer("/idflow");
        device = PersonDevice.testKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static final String MESSAGE = "{\"en\":\"Your application is being reviewed\",\"ru\":\"Ваша заявка на проверке\"}";

    private static Created held(String stepMembers) throws Exception {
        return device.createFlow(newPerson(), "[{\"service_name\":\"interrupter\"" + stepMembers
                + "},{\"service_name\":\"consent\"}]");
    }

    /** The waiting session, as the host finds it: the flow result's entry for the step, still active. */
    private static String waitingSession(Created flow) throws Exception {
        List<JsonNode> entries = statuses(device.result(flow.flowId()));
        JsonNode waiting = entries.get(entries.size() - 1);
        assertThat(waiting.get("service_name").asText()).isEqualTo("interrupter");
        assertThat(waiting.get("step_id").asText()).isEqualTo("step-1");
        assertThat(waiting.get("frontend_session_status").asText()).isEqualTo("active");
        return waiting.get("session_id").asText();
    }

    /** Resumes the flow from another thread, as an operator's console or the host's queue would. */
    private static boolean completeFromAnotherThread(String sessionId, ServiceOutcome outcome) throws Exception {
        return CompletableFuture.supplyAsync(() -> server.idflow.completeSession(sessionId, outcome))
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    void thePageWaitsWithTheMessageUntilTheHostResumesTheFlowThenShowsTheNextStep() throws Exception {
        Created flow = held(",\"message\":" + MESSAGE);
        JsonNode started = device.start(flow.vlinkId());
        JsonNode screen = started.at("/current_step/screen");
        assertThat(started.at("/current_step/service_name").asText()).isEqualTo("interrupter");
        assertThat(screen.get("kind").asText()).isEqualTo("wait");
        assertThat(screen.get("message")).isEqualTo(ApiAssertions.JSON.readTree(MESSAGE));

        // the page polls; nothing changes until someone outside resumes the flow
        for (int poll = 0; poll < 3; poll++) {
            server.clock.advance(Duration.ofSeconds(2));
            JsonNode state = device.state(flow.vlinkId());
            assertThat(state.at("/current_step/step_id").asText()).isEqualTo("step-1");
            assertThat(state.at("/current_step/screen")).isEqualTo(screen);
        }
        // the person has nothing to answer on a wait screen
        clientError(device.submitReply(flow.vlinkId(), "step-1", "{\"accepted\":true}"), 422, "INVALID_PAYLOAD");

        String sessionId = waitingSession(flow);
        ObjectNode given = ApiAssertions.JSON.createObjectNode().put("reviewer", "operator-7")
                .put("service_status", "approved by hand");
        assertThat(completeFromAnotherThread(sessionId, ServiceOutcome.pass(given))).isTrue();

        JsonNode resumed = device.state(flow.vlinkId());
        assertThat(resumed.at("/current_step/step_id").asText()).isEqualTo("step-2");
        assertThat(resumed.at("/current_step/screen/kind").asText()).isEqualTo("consent");
        JsonNode entry = statuses(device.result(flow.flowId())).get(0);
        assertThat(entry.get("session_id").asText()).isEqualTo(sessionId);
        assertThat(entry.get("session_status").asText()).isEqualTo("pass");
        assertThat(entry.get("frontend_session_status").asText()).isEqualTo("approved");
        ObjectNode result = sessions(server, flow.flowId()).get(0).result();
        assertThat(result.get("service_name").asText()).isEqualTo("interrupter");
        assertThat(result.get("service_status").asText()).as("from the outcome's status").isEqualTo("success");
        assertThat(result.get("reviewer").asText()).as("the fields given are kept").isEqualTo("operator-7");

        assertThat(server.idflow.completeSession(sessionId, ServiceOutcome.pass(null)))
                .as("a session completed already no longer waits").isFalse();
    }

    @Test
    void withoutAMessageTheWaitScreenHasNone() throws Exception {
        Created flow = held("");
        JsonNode screen = device.start(flow.vlinkId()).at("/current_step/screen");
        assertThat(screen.get("kind").asText()).isEqualTo("wait");
        assertThat(screen.has("message")).isFalse();
    }

    @Test
    void aFailedReviewIsRetriedWithANewWaitingSessionThenFailsTheFlowWhenRetriesRunOut() throws Exception {
        Created flow = held(",\"max_retries\":1");
        device.start(flow.vlinkId());
        String first = waitingSession(flow);
        assertThat(completeFromAnotherThread(first, ServiceOutcome.fail(
                ApiAssertions.JSON.createObjectNode().put("reason", "documents unclear")))).isTrue();

        JsonNode retried = device.state(flow.vlinkId());
        assertThat(retried.at("/current_step/step_id").asText()).isEqualTo("step-1");
        assertThat(retried.at("/current_step/screen/kind").asText()).isEqualTo("wait");
        String second = waitingSession(flow);
        assertThat(second).isNotEqualTo(first);
        ServiceSession failed = sessions(server, flow.flowId()).get(0);
        assertThat(failed.status()).isEqualTo(ExecutionStatus.FAIL);
        assertThat(failed.result().get("service_status").asText()).isEqualTo("fail");
        assertThat(failed.result().get("reason").asText()).isEqualTo("documents unclear");

        assertThat(completeFromAnotherThread(second, ServiceOutcome.fail(null))).isTrue();
        JsonNode ended = device.state(flow.vlinkId());
        assertThat(ended.get("flow_status").asText()).isEqualTo("fail");
        assertThat(ended.get("end_cause").asText()).isEqualTo("completed");
        assertThat(ended.has("current_step")).isFalse();
        assertThat(device.result(flow.flowId()).get("sessions_count").asInt()).isEqualTo(2);
    }

    @Test
    void aFailedReviewOfAStepThatMayFailMovesTheFlowOn() throws Exception {
        Created flow = held(",\"max_retries\":1,\"allow_failure\":true");
        device.start(flow.vlinkId());
        assertThat(server.idflow.completeSession(waitingSession(flow), ServiceOutcome.fail(null))).isTrue();
        assertThat(server.idflow.completeSession(waitingSession(flow), ServiceOutcome.fail(null))).isTrue();
        assertThat(device.state(flow.vlinkId()).at("/current_step/service_name").asText()).isEqualTo("consent");
    }

    @Test
    void aStepWhoseTimeoutRunsOutIsEndedByTheSweeperAndALateCompletionIsRefused() throws Exception {
        Created flow = held(",\"timeout\":60");
        device.start(flow.vlinkId());
        String sessionId = waitingSession(flow);

        server.clock.advance(Duration.ofSeconds(61));
        assertThat(server.idflow.sweepOnce()).isGreaterThanOrEqualTo(1);

        JsonNode ended = device.state(flow.vlinkId());
        assertThat(ended.get("flow_status").asText()).isEqualTo("fail");
        assertThat(ended.get("end_cause").asText()).isEqualTo("timeout");
        assertThat(ended.has("current_step")).isFalse();
        JsonNode entry = statuses(device.result(flow.flowId())).get(0);
        assertThat(entry.get("frontend_session_status").asText()).isEqualTo("expired");

        assertThat(completeFromAnotherThread(sessionId, ServiceOutcome.pass(null)))
                .as("the sweeper won: the session no longer waits").isFalse();
        assertThat(device.state(flow.vlinkId()).get("end_cause").asText()).isEqualTo("timeout");
    }

    @Test
    void aPersonWhoClosesThePageWhileTheBankReviewsIsNotDisconnectedTheStepsTimeoutBoundsTheWait() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"interrupter\",\"timeout\":86400},"
                + "{\"service_name\":\"consent\",\"timeout\":3600}]");
        device.start(flow.vlinkId());
        String sessionId = waitingSession(flow);

        // two hours of silence: far past the inactivity threshold (300 s), within the step's timeout
        server.clock.advance(Duration.ofHours(2));
        server.idflow.sweepOnce();
        JsonNode result = device.result(flow.flowId());
        assertThat(result.path("end_cause").isMissingNode() || result.get("end_cause").isNull())
                .as("still held for the review: %s", result).isTrue();

        assertThat(completeFromAnotherThread(sessionId, ServiceOutcome.pass(null))).isTrue();
        JsonNode state = device.state(flow.vlinkId());
        assertThat(state.at("/current_step/service_name").asText()).isEqualTo("consent");

        // once the person is asked for something again, their silence counts again
        server.clock.advance(Duration.ofSeconds(301));
        server.idflow.sweepOnce();
        assertThat(device.state(flow.vlinkId()).get("end_cause").asText()).isEqualTo("disconnected");
    }

    @Test
    void completingASessionThatWaitsForThePersonIsAMistakeOfTheHost() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]");
        device.start(flow.vlinkId());
        String consent = statuses(device.result(flow.flowId())).get(0).get("session_id").asText();
        assertThatThrownBy(() -> server.idflow.completeSession(consent, ServiceOutcome.pass(null)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("waits for the person");
        assertThat(device.state(flow.vlinkId()).at("/current_step/screen/kind").asText())
                .as("the consent still waits for the person").isEqualTo("consent");
        assertThatThrownBy(() -> server.idflow.completeSession("01HZZZZZZZZZZZZZZZZZZZZZZZ-S", ServiceOutcome.pass(null)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aMessageThatIsNotATextIsRefusedAtCreate() throws Exception {
        refusedAtCreate(server, "{\"service_name\":\"interrupter\",\"message\":42}", "template.pipeline[0].message");
        refusedAtCreate(server, "{\"service_name\":\"interrupter\",\"message\":{\"en\":[\"a\"]}}", "template.pipeline[0].message");
    }
}
