package dev.idflow.storage.jdbi;

import static dev.idflow.storage.jdbi.DirectCall.call;
import static dev.idflow.storage.jdbi.DirectCall.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.Idflow;
import dev.idflow.core.model.WebhookDelivery;
import dev.idflow.core.testing.SettableClock;
import dev.idflow.storage.jdbi.TestDatabases.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Two idflow nodes (two pools, two senders) on one real PostgreSQL send the webhooks of the same events
 * at the same time: every event reaches the endpoint exactly once, and the log says so.
 */
class WebhooksTwoNodesTest {
    private static final String KEY = "two-nodes-webhook-key-8d2c4e6f1a3b5970";
    private static final String SECRET = "two-nodes-secret-0123456789";
    private static final int FLOWS = 40;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void eachEventIsDeliveredOnceWhenBothNodesSendAtOnce() throws Exception {
        try (HikariDataSource db1 = TestDatabases.fresh(Kind.POSTGRESQL); HikariDataSource db2 = TestDatabases.secondNode(db1);
             WebhookReceiver receiver = new WebhookReceiver()) {
            SettableClock clock = SettableClock.startingNow();
            Idflow node1 = node(JdbiStorage.builder(db1).build(), clock);
            Idflow node2 = node(JdbiStorage.builder(db2).build(), clock);
            node1.registerConsumer("bank", "Bank");
            node1.addTestKey("bank", KEY);
            node1.webhooks().register("bank", receiver.url(), SECRET);
            // a receiver that takes a moment, so both nodes' senders are at work at once
            AtomicInteger inFlight = new AtomicInteger();
            AtomicInteger mostAtOnce = new AtomicInteger();
            receiver.answer = () -> {
                mostAtOnce.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                inFlight.decrementAndGet();
                return 200;
            };
            for (int i = 0; i < FLOWS; i++) {
                Idflow on = i % 2 == 0 ? node1 : node2;
                JsonNode created = json(call(on, "POST", "/flow", KEY, "{\"person_id\":\"person-" + (100000 + i)
                        + "\",\"template\":{\"pipeline\":[{\"service_name\":\"consent\"}]}}"), 201);
                String vlink = created.get("vlink").asText();
                String token = vlink.substring(vlink.lastIndexOf('/') + 1);
                json(call(on, "POST", "/hf/" + token + "/api/start", null, ""), 200);
                json(call(on, "POST", "/hf/" + token + "/api/steps/step-1/submit", null, "{\"accepted\":true}"), 200);
            }
            int events = FLOWS * 3;

            ExecutorService pool = Executors.newFixedThreadPool(4);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> sends = new ArrayList<>();
            for (Idflow node : List.of(node1, node2, node1, node2)) {
                sends.add(pool.submit(() -> {
                    go.await();
                    return node.webhooks().sendOnce();
                }));
            }
            go.countDown();
            int delivered = 0;
            for (Future<Integer> f : sends) {
                delivered += f.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();

            Map<String, Long> perEvent = receiver.received.stream().map(r -> {
                try {
                    return JSON.readTree(r.body()).get("event_id").asText();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).collect(Collectors.groupingBy(id -> id, Collectors.counting()));
            assertThat(perEvent).hasSize(events);
            assertThat(perEvent.values()).as("no event was sent twice").allMatch(n -> n == 1);
            assertThat(delivered).isEqualTo(events);
            assertThat(node2.webhooks().deliveries("bank", 1000)).hasSize(events)
                    .allMatch(d -> d.state() == WebhookDelivery.State.DELIVERED && d.attempts() == 1);
            assertThat(node1.webhooks().sendOnce() + node2.webhooks().sendOnce()).isZero();
            assertThat(mostAtOnce.get()).as("the senders really overlapped").isGreaterThan(1);
            System.out.printf("two nodes: %d webhooks delivered once each, at most %d at once%n", events, mostAtOnce.get());
        }
    }

    private static Idflow node(JdbiStorage storage, SettableClock clock) {
        return Idflow.builder().storage(storage).clock(clock).publicBaseUrl("https://bank.example/kyc")
                .secretKey(new byte[32]).rateLimits(10_000, 10_000, 10_000, 10_000)
                .webhookAllowLoopback(true).webhookConcurrency(4)
                .webhookTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5)).build();
    }
}
