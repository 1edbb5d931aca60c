package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.statuses;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.model.FlowEvent;
import dev.idflow.servlet.PersonDevice.Created;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Flow events for the host application: a flow started, each session ended, the flow ended — each
 * delivered to the listeners once, from the outbox the change was committed with; a listener that
 * throws gets the event again after the claim's lease.
 */
class EventsTest {
    static TestServer server;
    static PersonDevice device;
    static final List<FlowEvent> delivered = new CopyOnWriteArrayList<>();
    static final List<FlowEvent> refused = new CopyOnWriteArrayList<>();
    static final AtomicBoolean listenerBroken = new AtomicBoolean();

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc", b -> b.listener(event -> {
            if (listenerBroken.get()) {
                refused.add(event);
                throw new IllegalStateException("the host's database is down");
            }
            delivered.add(event);
        }));
        device = PersonDevice.testKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @BeforeEach
    void drain() {
        listenerBroken.set(false);
        server.idflow.deliverEventsOnce();
        delivered.clear();
        refused.clear();
    }

    private static List<FlowEvent> of(String flowId) {
        return delivered.stream().filter(e -> e.flowId().equals(flowId)).toList();
    }

    private static List<FlowEvent> of(String flowId, FlowEvent.Type type) {
        return of(flowId).stream().filter(e -> e.type() == type).toList();
    }

    @Test
    void aPassingFlowTellsOfItsStartEachSessionAndItsEndOnceEach() throws Exception {
        String person = newPerson();
        device.script(person, "verilive", "real");
        Created flow = device.createFlow(person, "[{\"service_name\":\"consent\"},{\"service_name\":\"verilive\"}]");
        device.start(flow.vlinkId());
        device.start(flow.vlinkId()); // idempotent: no second start
        device.consent(flow.vlinkId());
        device.doLiveness(flow.vlinkId());
        assertThat(of(flow.flowId())).as("nothing is delivered before delivery runs").isEmpty();

        assertThat(server.idflow.deliverEventsOnce()).isGreaterThanOrEqualTo(4);

        List<FlowEvent> events = of(flow.flowId());
        assertThat(events).extracting(FlowEvent::type).containsExactly(FlowEvent.Type.FLOW_STARTED,
                FlowEvent.Type.SESSION_ENDED, FlowEvent.Type.SESSION_ENDED, FlowEvent.Type.FLOW_ENDED);
        List<String> sessionIds = statuses(device.result(flow.flowId())).stream()
                .map(s -> s.get("session_id").asText()).toList();
        assertThat(of(flow.flowId(), FlowEvent.Type.SESSION_ENDED)).extracting(FlowEvent::sessionId)
                .containsExactlyElementsOf(sessionIds);
        FlowEvent ended = of(flow.flowId(), FlowEvent.Type.FLOW_ENDED).get(0);
        assertThat(ended.payload().get("flow_status").asText()).isEqualTo("pass");
        assertThat(ended.payload().get("end_cause").asText()).isEqualTo("completed");
        assertThat(ended.payload().get("person_id").asText()).isEqualTo(person);
        assertThat(ended.consumerId()).isEqualTo("acme");
        assertThat(events).extracting(FlowEvent::eventId).doesNotHaveDuplicates();

        // delivered means delivered: nothing comes again
        assertThat(server.idflow.deliverEventsOnce()).isZero();
        server.clock.advance(Duration.ofMinutes(5));
        assertThat(server.idflow.deliverEventsOnce()).isZero();
        assertThat(of(flow.flowId())).hasSize(4);
    }

    @Test
    void aFlowFailingAfterRetriesTellsOfEverySession() throws Exception {
        String person = newPerson();
        device.script(person, "verilive", "attack");
        Created flow = device.createFlow(person, "[{\"service_name\":\"verilive\",\"max_retries\":2}]");
        device.start(flow.vlinkId());
        for (int i = 0; i < 3; i++) {
            device.doLiveness(flow.vlinkId());
        }
        server.idflow.deliverEventsOnce();

        assertThat(of(flow.flowId(), FlowEvent.Type.FLOW_STARTED)).hasSize(1);
        assertThat(of(flow.flowId(), FlowEvent.Type.SESSION_ENDED)).hasSize(3)
                .extracting(FlowEvent::sessionId).doesNotHaveDuplicates();
        List<FlowEvent> ended = of(flow.flowId(), FlowEvent.Type.FLOW_ENDED);
        assertThat(ended).hasSize(1);
        assertThat(ended.get(0).payload().get("flow_status").asText()).isEqualTo("fail");
    }

    @Test
    void aSweptFlowTellsOfItsClosedSessionAndItsEndOnce() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"verilive\",\"timeout\":10}]");
        device.start(flow.vlinkId());
        server.clock.advance(Duration.ofSeconds(11));
        server.idflow.sweepOnce();
        server.idflow.sweepOnce();
        server.idflow.deliverEventsOnce();

        assertThat(of(flow.flowId())).extracting(FlowEvent::type).containsExactly(FlowEvent.Type.FLOW_STARTED,
                FlowEvent.Type.SESSION_ENDED, FlowEvent.Type.FLOW_ENDED);
        FlowEvent ended = of(flow.flowId(), FlowEvent.Type.FLOW_ENDED).get(0);
        assertThat(ended.payload().get("end_cause").asText()).isEqualTo("timeout");
        assertThat(ended.payload().get("flow_status").asText()).isEqualTo("fail");
    }

    @Test
    void anUnstartedFlowThatTimesOutTellsOnlyOfItsEnd() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"verilive\"}]", "\"ttl\":60");
        server.clock.advance(Duration.ofSeconds(61));
        server.idflow.sweepOnce();
        server.idflow.deliverEventsOnce();
        assertThat(of(flow.flowId())).extracting(FlowEvent::type).containsExactly(FlowEvent.Type.FLOW_ENDED);
    }

    @Test
    void aListenerThatThrowsGetsTheEventAgainAfterTheLease() throws Exception {
        listenerBroken.set(true);
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]");
        device.start(flow.vlinkId());

        assertThat(server.idflow.deliverEventsOnce()).isZero();
        assertThat(refused).extracting(FlowEvent::flowId).containsExactly(flow.flowId());
        // claimed, not delivered: nobody gets it again before the lease runs out
        assertThat(server.idflow.deliverEventsOnce()).isZero();
        server.clock.advance(Duration.ofSeconds(30));
        assertThat(server.idflow.deliverEventsOnce()).isZero();
        assertThat(refused).hasSize(1);

        listenerBroken.set(false);
        server.clock.advance(Duration.ofSeconds(31)); // 61 s after the first try
        assertThat(server.idflow.deliverEventsOnce()).isEqualTo(1);
        assertThat(of(flow.flowId())).extracting(FlowEvent::type).containsExactly(FlowEvent.Type.FLOW_STARTED);
        assertThat(of(flow.flowId()).get(0).eventId()).isEqualTo(refused.get(0).eventId());
        assertThat(server.idflow.deliverEventsOnce()).isZero();

        device.consent(flow.vlinkId());
        server.idflow.deliverEventsOnce();
        assertThat(of(flow.flowId())).extracting(FlowEvent::type).containsExactly(FlowEvent.Type.FLOW_STARTED,
                FlowEvent.Type.SESSION_ENDED, FlowEvent.Type.FLOW_ENDED);
    }

    @Test
    void theSamePersonsRequestsAtOnceStartTheFlowOnceAndPassTheStepOnce() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"consent\"},{\"service_name\":\"consent\"}]");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            // the page opened in several tabs at once
            List<java.util.concurrent.Future<TestServer.Reply>> starts = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                starts.add(pool.submit(() -> device.startReply(flow.vlinkId())));
            }
            java.util.Set<String> sessions = new java.util.HashSet<>();
            for (var f : starts) {
                sessions.add(PersonDevice.clientOk(f.get()).at("/current_step/step_id").asText());
            }
            assertThat(sessions).containsExactly("step-1");
            // a double-tapped consent
            List<java.util.concurrent.Future<TestServer.Reply>> submits = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                submits.add(pool.submit(() -> device.submitReply(flow.vlinkId(), "step-1", "{\"accepted\":true}")));
            }
            int passed = 0;
            for (var f : submits) {
                TestServer.Reply reply = f.get();
                if (reply.status() == 200) {
                    passed++;
                } else {
                    PersonDevice.clientError(reply, 409, "STEP_NOT_CURRENT");
                }
            }
            assertThat(passed).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        server.idflow.deliverEventsOnce();
        assertThat(of(flow.flowId())).extracting(FlowEvent::type)
                .containsExactly(FlowEvent.Type.FLOW_STARTED, FlowEvent.Type.SESSION_ENDED);
        JsonNode result = device.result(flow.flowId());
        assertThat(result.get("sessions_count").asInt()).isEqualTo(2);
        assertThat(device.state(flow.vlinkId()).at("/current_step/step_id").asText()).isEqualTo("step-2");
    }

    @Test
    void aReviewIsNotAFlowEndingAgain() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]");
        device.start(flow.vlinkId());
        device.consent(flow.vlinkId());
        server.idflow.deliverEventsOnce();
        JsonNode session = statuses(device.result(flow.flowId())).get(0);

        server.idflow.review(session.get("session_id").asText(), dev.idflow.core.model.ExecutionStatus.FAIL, "forged");
        server.idflow.deliverEventsOnce();
        assertThat(of(flow.flowId(), FlowEvent.Type.FLOW_ENDED)).hasSize(1);
    }
}
