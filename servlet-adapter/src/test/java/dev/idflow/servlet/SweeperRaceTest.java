package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.json;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.statuses;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.Idflow;
import dev.idflow.core.model.FlowEvent;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A completion racing a timeout has exactly one winner. Many people submit and make attempts through
 * HTTP while two sweepers (two idflow nodes on one in-memory store, with the clock already past the
 * deadline) end what is due, and both nodes deliver events: every flow ends exactly once, its
 * end_cause agrees with its sessions and with what the person was answered, and every event reaches
 * the listeners once.
 */
class SweeperRaceTest {
    static TestServer server;
    static PersonDevice device;
    /** A second node: its own engine, sweeper and event delivery over the same store. */
    static Idflow otherNode;
    static final ConcurrentLinkedQueue<FlowEvent> delivered = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc", b -> b.listener(delivered::add));
        device = PersonDevice.testKey(server);
        otherNode = Idflow.builder().storage(server.storage).clock(server.clock).publicBaseUrl(server.baseUrl)
                .secretKey(new byte[32]).listener(delivered::add).build();
    }

    @AfterAll
    static void stop() throws Exception {
        otherNode.close();
        server.close();
    }

    /** What one person was answered: did their step get through before the flow ended? */
    enum Outcome { WON, LOST }

    @Test
    void consentsRacingStepTimeoutsEndEveryFlowOnceWithOneWinner() throws Exception {
        int flows = 48;
        List<Created> created = new ArrayList<>();
        for (int i = 0; i < flows; i++) {
            String person = newPerson();
            device.script(person, "verilive", "real");
            Created flow = device.createFlow(person, "[{\"service_name\":\"consent\",\"timeout\":10},"
                    + "{\"service_name\":\"verilive\",\"timeout\":60}]");
            device.start(flow.vlinkId());
            created.add(flow);
        }
        server.clock.advance(Duration.ofSeconds(11)); // every consent step is past its timeout now

        Map<String, Outcome> answered = race(created, flow -> {
            Reply submitted = device.submitReply(flow.vlinkId(), "step-1", "{\"accepted\":true}");
            if (submitted.status() == 409) {
                assertThat(json(submitted).get("error_code").asText()).isEqualTo("FLOW_ENDED");
                return Outcome.LOST;
            }
            assertThat(submitted.status()).as(submitted.body()).isEqualTo(200);
            // the consent got through: the liveness step (60 s) is not due, nobody can end it now
            JsonNode answer = device.doLiveness(flow.vlinkId());
            assertThat(answer.get("success").asBoolean()).isTrue();
            return Outcome.WON;
        });

        Set<String> flowIds = created.stream().map(Created::flowId).collect(Collectors.toSet());
        int timeouts = 0;
        for (Created flow : created) {
            JsonNode result = device.result(flow.flowId());
            String cause = result.get("end_cause").asText();
            List<JsonNode> sessions = statuses(result);
            assertNoOpenSession(sessions);
            if (answered.get(flow.flowId()) == Outcome.WON) {
                assertThat(cause).as("the person's consent won").isEqualTo("completed");
                assertThat(result.get("flow_status").asText()).isEqualTo("pass");
                assertThat(sessions).hasSize(2)
                        .allSatisfy(s -> assertThat(s.get("session_status").asText()).isEqualTo("pass"));
            } else {
                timeouts++;
                assertThat(cause).as("the sweeper won").isEqualTo("timeout");
                assertThat(result.get("flow_status").asText()).isEqualTo("fail");
                assertThat(sessions).hasSize(1);
                assertThat(sessions.get(0).get("session_status").asText()).isEqualTo("fail");
                assertThat(sessions.get(0).get("frontend_session_status").asText()).isEqualTo("expired");
            }
            assertEventsOnce(flow.flowId(), result);
        }
        assertThat(sweptByRace.get() + sweptAfter.get()).as("each timeout counted by exactly one sweep").isEqualTo(timeouts);
        assertEveryEventDeliveredOnce(flowIds);
        System.out.printf("consent vs timeout: %d of %d flows completed, %d timed out%n", flows - timeouts, flows, timeouts);
    }

    @Test
    void attemptsRacingTheInactivityThresholdEndEveryFlowOnceWithOneWinner() throws Exception {
        int flows = 48;
        List<Created> created = new ArrayList<>();
        for (int i = 0; i < flows; i++) {
            String person = newPerson();
            device.script(person, "verilive", "real");
            Created flow = device.createFlow(person, "[{\"service_name\":\"consent\",\"timeout\":3600},"
                    + "{\"service_name\":\"verilive\",\"timeout\":3600}]");
            device.start(flow.vlinkId());
            device.consent(flow.vlinkId());
            created.add(flow);
        }
        Map<String, JsonNode> steps = new ConcurrentHashMap<>();
        for (Created flow : created) {
            steps.put(flow.flowId(), device.state(flow.vlinkId()).get("current_step"));
        }
        // the person went quiet past the 300 s threshold; the token (600 s) is still valid
        server.clock.advance(Duration.ofSeconds(301));

        Map<String, Outcome> answered = race(created, flow -> {
            JsonNode step = steps.get(flow.flowId());
            Reply reply = device.attemptReply(step.get("access_token").asText(), device.honestAttempt(step));
            if (reply.status() == 409) {
                assertThat(json(reply).get("error_code").asText()).isEqualTo("NO_ATTEMPTS_LEFT");
                return Outcome.LOST;
            }
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            assertThat(json(reply).get("success").asBoolean()).isTrue();
            return Outcome.WON;
        });

        Set<String> flowIds = created.stream().map(Created::flowId).collect(Collectors.toSet());
        int disconnected = 0;
        for (Created flow : created) {
            JsonNode result = device.result(flow.flowId());
            List<JsonNode> sessions = statuses(result);
            assertNoOpenSession(sessions);
            assertThat(sessions).hasSize(2);
            if (answered.get(flow.flowId()) == Outcome.WON) {
                assertThat(result.get("end_cause").asText()).isEqualTo("completed");
                assertThat(result.get("flow_status").asText()).isEqualTo("pass");
                assertThat(sessions.get(1).at("/session_result/service_status").asText()).isEqualTo("real");
            } else {
                disconnected++;
                assertThat(result.get("end_cause").asText()).isEqualTo("disconnected");
                assertThat(result.get("flow_status").asText()).isEqualTo("fail");
                assertThat(sessions.get(1).get("session_status").asText()).isEqualTo("fail");
            }
            assertEventsOnce(flow.flowId(), result);
        }
        assertThat(sweptByRace.get() + sweptAfter.get()).isEqualTo(disconnected);
        assertEveryEventDeliveredOnce(flowIds);
        System.out.printf("attempt vs inactivity: %d of %d flows completed, %d disconnected%n",
                flows - disconnected, flows, disconnected);
    }

    // ---------------------------------------------------------------- the race

    @FunctionalInterface
    interface PersonStep {
        Outcome run(Created flow) throws Exception;
    }

    private final AtomicInteger sweptByRace = new AtomicInteger();
    private final AtomicInteger sweptAfter = new AtomicInteger();

    /**
     * Runs every person's step on 12 threads while both nodes sweep and deliver events in a loop. The
     * sweepers start once half of the people are under way: the first ones finish unopposed, a dozen
     * are in flight against the sweeps, the rest come late. Then sweeps and delivers what is left.
     */
    private Map<String, Outcome> race(List<Created> flows, PersonStep step) throws Exception {
        Map<String, Outcome> answered = new ConcurrentHashMap<>();
        ExecutorService people = Executors.newFixedThreadPool(12);
        ExecutorService nodes = Executors.newFixedThreadPool(2);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch underWay = new CountDownLatch(flows.size() / 2);
        AtomicBoolean done = new AtomicBoolean();
        java.util.concurrent.Semaphore ticks = new java.util.concurrent.Semaphore(0);
        try {
            List<Future<?>> sweepers = new ArrayList<>();
            for (Idflow node : List.of(server.idflow, otherNode)) {
                sweepers.add(nodes.submit(() -> {
                    underWay.await();
                    while (!done.get()) {
                        // a sweep each time a person sends a request: sweeps and requests interleave
                        // without the sweepers spinning the CPU away from the people
                        if (ticks.tryAcquire(10, TimeUnit.MILLISECONDS)) {
                            sweptByRace.addAndGet(node.sweepOnce());
                            node.deliverEventsOnce();
                        }
                    }
                    return null;
                }));
            }
            List<Future<?>> persons = new ArrayList<>();
            for (Created flow : flows) {
                persons.add(people.submit(() -> {
                    go.await();
                    underWay.countDown();
                    ticks.release(2);
                    answered.put(flow.flowId(), step.run(flow));
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : persons) {
                f.get(60, TimeUnit.SECONDS);
            }
            done.set(true);
            for (Future<?> f : sweepers) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            done.set(true);
            people.shutdownNow();
            nodes.shutdownNow();
        }
        sweptAfter.addAndGet(server.idflow.sweepOnce() + otherNode.sweepOnce());
        server.idflow.deliverEventsOnce();
        otherNode.deliverEventsOnce();
        assertThat(answered).hasSize(flows.size());
        return answered;
    }

    // ---------------------------------------------------------------- checks

    private static void assertNoOpenSession(List<JsonNode> sessions) {
        assertThat(sessions).allSatisfy(s -> assertThat(s.get("session_state").asText()).isEqualTo("processed"));
    }

    /** One FLOW_STARTED, one SESSION_ENDED per session, one FLOW_ENDED that says how the flow ended. */
    private static void assertEventsOnce(String flowId, JsonNode result) {
        List<FlowEvent> events = delivered.stream().filter(e -> e.flowId().equals(flowId)).toList();
        Function<FlowEvent.Type, List<FlowEvent>> ofType = t -> events.stream().filter(e -> e.type() == t).toList();
        assertThat(ofType.apply(FlowEvent.Type.FLOW_STARTED)).hasSize(1);
        List<FlowEvent> ended = ofType.apply(FlowEvent.Type.FLOW_ENDED);
        assertThat(ended).as("flow %s ended exactly once", flowId).hasSize(1);
        assertThat(ended.get(0).payload().get("end_cause").asText()).isEqualTo(result.get("end_cause").asText());
        assertThat(ended.get(0).payload().get("flow_status").asText()).isEqualTo(result.get("flow_status").asText());
        List<String> sessionIds = new ArrayList<>();
        result.get("service_statuses").forEach(s -> sessionIds.add(s.get("session_id").asText()));
        assertThat(ofType.apply(FlowEvent.Type.SESSION_ENDED)).extracting(FlowEvent::sessionId)
                .containsExactlyInAnyOrderElementsOf(sessionIds);
    }

    private static void assertEveryEventDeliveredOnce(Set<String> flowIds) {
        List<String> ids = delivered.stream().filter(e -> flowIds.contains(e.flowId())).map(FlowEvent::eventId).toList();
        assertThat(new HashSet<>(ids)).as("no event delivered twice, across both nodes").hasSize(ids.size());
    }
}
