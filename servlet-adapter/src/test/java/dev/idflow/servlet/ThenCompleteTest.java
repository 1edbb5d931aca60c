package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.Screen;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import dev.idflow.servlet.HostServiceSpiTest.HookedStorage;
import dev.idflow.servlet.PersonDevice.Created;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link StepDecision#thenComplete}: irreversible work (issuing, signing with an HSM) runs once, after
 * the commit that made the session wait for it, and its outcome completes the session; a decision that
 * lost its race runs none; work that throws fails the session, never the person's request.
 */
class ThenCompleteTest {
    static TestServer server;
    static HookedStorage store;
    static PersonDevice live;

    /** The bank's credit bureau: asked once per committed session, after the commit. */
    static final class CreditBureau implements FlowService {
        static final Map<String, List<String>> decided = new ConcurrentHashMap<>();
        static final Map<String, List<String>> asked = new ConcurrentHashMap<>();
        static final Map<String, Boolean> storedWhenAsked = new ConcurrentHashMap<>();

        @Override
        public String name() {
            return "erd";
        }

        @Override
        public StepDecision open(StepContext step) {
            String flowId = step.flowId();
            String session = step.sessionId();
            boolean broken = step.inputData() != null && "broken".equals(step.inputData().fullName());
            decided.computeIfAbsent(flowId, f -> new CopyOnWriteArrayList<>()).add(session);
            return StepDecision.awaitOutside(Screen.of("wait"), null).thenComplete(() -> {
                asked.computeIfAbsent(flowId, f -> new CopyOnWriteArrayList<>()).add(session);
                storedWhenAsked.put(session, server.storage.sessions().findById(session)
                        .map(s -> s.stepState() != null).orElse(false));
                if (broken) {
                    throw new IllegalStateException("the bureau is down");
                }
                return ServiceOutcome.pass(JsonNodeFactory.instance.objectNode().put("service_status", "success")
                        .put("score", 712));
            });
        }
    }

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/idflow", storage -> store = new HookedStorage(storage), b -> b.service(new CreditBureau()));
        live = PersonDevice.liveKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void theWorkRunsOnceAfterTheCommitAndItsOutcomeCompletesTheSession() throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"erd\"},{\"service_name\":\"consent\"}]");

        JsonNode state = live.start(flow.vlinkId());

        assertThat(state.at("/current_step/service_name").asText()).as("completed within the request").isEqualTo("consent");
        String session = CreditBureau.decided.get(flow.flowId()).get(0);
        assertThat(CreditBureau.asked.get(flow.flowId())).containsExactly(session);
        assertThat(CreditBureau.storedWhenAsked.get(session)).as("the waiting session was committed first").isTrue();
        ServiceSession ended = server.storage.sessions().findById(session).orElseThrow();
        assertThat(ended.result().get("score").asInt()).isEqualTo(712);
        assertThat(ended.result().get("service_name").asText()).isEqualTo("erd");
    }

    @Test
    void aDecisionThatLostItsRaceRunsNoWork() throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"erd\"}]");
        store.beforeNextCommitOf(flow.flowId(), () -> {
            Flow stored = server.storage.flows().findById(flow.flowId()).orElseThrow();
            assertThat(server.storage.flows().update(stored)).isTrue();
        });

        JsonNode state = live.start(flow.vlinkId());

        assertThat(store.fired()).isTrue();
        assertThat(state.get("flow_status").asText()).isEqualTo("pass");
        List<String> decided = CreditBureau.decided.get(flow.flowId());
        assertThat(decided).as("decided twice: the first lost").hasSize(2);
        assertThat(CreditBureau.asked.get(flow.flowId())).as("asked once, for the committed decision")
                .containsExactly(decided.get(1));
    }

    @Test
    void workThatThrowsFailsTheSessionAndTheRequestStillAnswers() throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"erd\",\"max_retries\":1}]",
                "\"input_data\":{\"full_name\":\"broken\"}");

        JsonNode state = live.start(flow.vlinkId());

        assertThat(state.get("flow_status").asText()).isEqualTo("fail");
        List<ServiceSession> sessions = StepsOnTheWire.sessions(server, flow.flowId());
        assertThat(sessions).hasSize(2).allSatisfy(s -> assertThat(s.result().get("service_status").asText())
                .isEqualTo("error"));
        assertThat(CreditBureau.asked.get(flow.flowId())).hasSize(2);
    }
}
