package dev.idflow.storage.jdbi;

import static dev.idflow.storage.jdbi.DirectCall.call;
import static dev.idflow.storage.jdbi.DirectCall.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.Idflow;
import dev.idflow.core.api.ApiResponse;
import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.testing.SettableClock;
import dev.idflow.storage.jdbi.TestDatabases.Kind;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Two idflow nodes (two engines, two pools) on one real PostgreSQL: people finishing their consent
 * step race both nodes' sweepers timing the same step out. Every flow must end exactly once, with an
 * end cause that matches what the person was told, and every event must reach the listeners once.
 */
class EngineTwoNodesTest {
    private static final String KEY = "two-nodes-test-key-4b9e2f7a1c6d3085";
    private static final int FLOWS = 120;

    @Test
    void completionsRacingSweepsOnTwoNodesEndEveryFlowOnceAndDeliverEveryEventOnce() throws Exception {
        try (HikariDataSource db1 = TestDatabases.fresh(Kind.POSTGRESQL); HikariDataSource db2 = TestDatabases.secondNode(db1)) {
            SettableClock clock = SettableClock.startingNow();
            List<FlowEvent> delivered = new CopyOnWriteArrayList<>();
            Idflow node1 = node(JdbiStorage.builder(db1).build(), clock, delivered);
            Idflow node2 = node(JdbiStorage.builder(db2).build(), clock, delivered);
            node1.registerConsumer("bank", "Bank");
            node1.addTestKey("bank", KEY);

            List<String[]> flows = new ArrayList<>(); // flow id, vlink id
            for (int i = 0; i < FLOWS; i++) {
                JsonNode created = json(call(i % 2 == 0 ? node1 : node2, "POST", "/flow", KEY,
                        "{\"person_id\":\"person-" + (100000 + i) + "\",\"template\":{\"pipeline\":"
                                + "[{\"service_name\":\"consent\",\"timeout\":10}]}}"), 201);
                String vlink = created.get("vlink").asText();
                flows.add(new String[] {created.get("flow_id").asText(), vlink.substring(vlink.lastIndexOf('/') + 1)});
            }
            for (String[] f : flows) {
                json(call(node1, "POST", "/hf/" + f[1] + "/api/start", null, ""), 200);
            }
            // the step's 10 s are over: every submit now races every sweep
            clock.advance(Duration.ofSeconds(10));

            Map<String, Integer> personToldPassed = new ConcurrentHashMap<>();
            ExecutorService pool = Executors.newFixedThreadPool(6);
            List<Future<?>> work = new ArrayList<>();
            int i = 0;
            for (String[] f : flows) {
                if (i++ % 20 == 10) {
                    // sweeps of both nodes interleaved with the people's submits
                    work.add(pool.submit(() -> node1.sweepOnce()));
                    work.add(pool.submit(() -> node2.sweepOnce()));
                    work.add(pool.submit(() -> node1.deliverEventsOnce()));
                    work.add(pool.submit(() -> node2.deliverEventsOnce()));
                }
                work.add(pool.submit(() -> {
                    Idflow node = ThreadLocalRandom.current().nextBoolean() ? node1 : node2;
                    ApiResponse answer = call(node, "POST", "/hf/" + f[1] + "/api/steps/step-1/submit", null,
                            "{\"accepted\":true}");
                    personToldPassed.merge(f[0], answer.status() == 200 ? 1 : 0, Integer::sum);
                    return null;
                }));
            }
            for (Future<?> w : work) {
                w.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();
            node1.sweepOnce();
            node2.sweepOnce();
            node1.deliverEventsOnce();
            node2.deliverEventsOnce();

            assertThat(delivered.stream().map(FlowEvent::eventId).distinct().count())
                    .as("no event reached the listeners twice").isEqualTo(delivered.size());
            Map<String, Long> endings = delivered.stream().filter(e -> e.type() == FlowEvent.Type.FLOW_ENDED)
                    .collect(Collectors.groupingBy(FlowEvent::flowId, Collectors.counting()));
            assertThat(endings).hasSize(FLOWS);
            assertThat(endings.values()).allMatch(n -> n == 1);
            int completed = 0;
            for (String[] f : flows) {
                JsonNode flow = json(call(node2, "GET", "/flow/" + f[0], KEY, null), 200);
                String cause = flow.get("end_cause").asText();
                boolean personWon = personToldPassed.get(f[0]) == 1;
                // exactly one of the two outcomes won, and everyone agrees which
                assertThat(cause).as("flow %s", f[0]).isEqualTo(personWon ? "completed" : "timeout");
                assertThat(flow.get("flow_status").asText()).isEqualTo(personWon ? "pass" : "fail");
                completed += personWon ? 1 : 0;
            }
            assertThat(delivered.stream().filter(e -> e.type() == FlowEvent.Type.FLOW_STARTED).count()).isEqualTo(FLOWS);
            assertThat(completed).as("the race really raced: both sides won some").isBetween(1, FLOWS - 1);
            System.out.printf("two nodes: %d of %d flows completed by the person, %d timed out by a sweeper%n",
                    completed, FLOWS, FLOWS - completed);
        }
    }

    private static Idflow node(JdbiStorage storage, SettableClock clock, List<FlowEvent> delivered) {
        return Idflow.builder().storage(storage).clock(clock).publicBaseUrl("https://bank.example/kyc")
                .secretKey(new byte[32]).rateLimits(10_000, 10_000, 10_000, 10_000)
                .listener(delivered::add).build();
    }
}
