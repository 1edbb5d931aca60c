package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.assertSuccess;
import static dev.idflow.servlet.ApiAssertions.flowBody;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.model.Flow;
import dev.idflow.core.spi.FlowRepository;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Reply;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Idempotency-Key header of POST /flow and POST /liveness2/session through a real Jetty (PRODUCT.md
 * "Events and data lifecycle"): a replay answers the first answer and creates nothing, another body is
 * refused, two at once make one flow, keys are per consumer and kind of key, and live 24 h. The store's
 * side (claims racing on H2 and PostgreSQL) is in the storage contract.
 */
class IdempotencyKeyTest {
    static final String TOO_LONG = "k123456789k123456789k123456789k123456789k123456789k123456789k123456789k123456789"
            + "k123456789k123456789k123456789k123456789k12345678";
    static TestServer server;
    /** Flows inserted, per person. */
    static final Map<String, AtomicInteger> inserted = new ConcurrentHashMap<>();
    /** When set, a flow insert of this person waits for the latch (a slow create). */
    static final AtomicReference<String> slowPerson = new AtomicReference<>();
    static final CountDownLatch slowRelease = new CountDownLatch(1);

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc", IdempotencyKeyTest::countingInserts, 1000, 1000);
    }

    @AfterAll
    static void stop() throws Exception {
        slowRelease.countDown();
        server.close();
    }

    private static Headers acme(String key) {
        return Headers.test(TestServer.TEST_KEY).add("Idempotency-Key", key);
    }

    private static int flowsOf(String person) {
        return inserted.getOrDefault(person, new AtomicInteger()).get();
    }

    @Test
    void theSameKeyAndBodyAnswerTheFirstAnswerAgainAndCreateOneFlow() throws Exception {
        String person = newPerson();
        String key = UUID.randomUUID().toString();
        Reply first = server.postJson("/flow", acme(key), flowBody(person, "verilive"));
        JsonNode created = assertSuccess(first, 201);
        assertThat(first.header("Idempotent-Replayed")).isEmpty();

        Reply again = server.postJson("/flow", acme(key), flowBody(person, "verilive"));
        JsonNode replayed = assertSuccess(again, 201);
        assertThat(replayed).isEqualTo(created);
        assertThat(again.body()).as("the same bytes").isEqualTo(first.body());
        assertThat(again.header("Idempotent-Replayed")).contains("true");
        assertThat(flowsOf(person)).isEqualTo(1);

        // the same members in another order and spacing are the same body
        String reordered = "{ \"template\": {\"pipeline\":[{\"service_name\":\"verilive\"}]}, \"person_id\": \"" + person + "\" }";
        assertThat(assertSuccess(server.postJson("/flow", acme(key), reordered), 201)).isEqualTo(created);
        assertThat(flowsOf(person)).isEqualTo(1);

        // without a key every POST creates
        assertSuccess(server.postJson("/flow", Headers.test(TestServer.TEST_KEY), flowBody(person, "verilive")), 201);
        assertThat(flowsOf(person)).isEqualTo(2);
    }

    @Test
    void theSameKeyWithAnotherBodyOrOnAnotherOperationIsRefused() throws Exception {
        String person = newPerson();
        String key = "order-" + UUID.randomUUID();
        assertSuccess(server.postJson("/flow", acme(key), flowBody(person, "verilive")), 201);

        JsonNode other = assertError(server.postJson("/flow", acme(key), flowBody(person, "consent")), 422,
                "INVALID_PAYLOAD", "Idempotency-Key");
        assertThat(other.get("error_msg").asText()).contains("another request");
        assertError(server.postJson("/liveness2/session", acme(key), "{\"person_id\":\"" + person + "\"}"), 422,
                "INVALID_PAYLOAD", "Idempotency-Key");
        assertThat(flowsOf(person)).as("nothing more was created").isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"has space", "slash/key", "semi;colon", "quote\"d", "", TOO_LONG})
    void aKeyOutsideItsSyntaxIsRefusedNamingTheHeaderAndTheRule(String key) throws Exception {
        String person = newPerson();
        JsonNode body = assertError(server.postJson("/flow", acme(key), flowBody(person, "verilive")), 422,
                "INVALID_PAYLOAD", "Idempotency-Key");
        assertThat(body.get("error_msg").asText()).contains("1 to 128 characters");
        assertThat(flowsOf(person)).isZero();
    }

    @Test
    void aRefusedCreateGivesItsKeyBack() throws Exception {
        String person = newPerson();
        String key = UUID.randomUUID().toString();
        assertError(server.postJson("/flow", acme(key), "{\"person_id\":\"" + person + "\"}"), 422, "INVALID_PAYLOAD", "template");
        // fixed and sent again with the same key: it runs (a refusal is not kept as the key's answer)
        assertSuccess(server.postJson("/flow", acme(key), flowBody(person, "verilive")), 201);
        assertThat(flowsOf(person)).isEqualTo(1);
    }

    @Test
    void anotherConsumerOrTheOtherKindOfKeyDoesNotSeeTheKey() throws Exception {
        String person = newPerson();
        String key = UUID.randomUUID().toString();
        String body = flowBody(person, "verilive");
        String mine = assertSuccess(server.postJson("/flow", acme(key), body), 201).get("flow_id").asText();
        String globex = assertSuccess(server.postJson("/flow",
                Headers.test(TestServer.OTHER_TEST_KEY).add("Idempotency-Key", key), body), 201).get("flow_id").asText();
        String live = assertSuccess(server.postJson("/flow", server.live("/flow").add("Idempotency-Key", key), body), 201)
                .get("flow_id").asText();
        assertThat(List.of(mine, globex, live)).doesNotHaveDuplicates();
        assertThat(flowsOf(person)).isEqualTo(3);
        // and each scope replays its own
        assertThat(assertSuccess(server.postJson("/flow", server.live("/flow").add("Idempotency-Key", key), body), 201)
                .get("flow_id").asText()).isEqualTo(live);
        Flow stored = server.storage.flows().findById(live).orElseThrow();
        assertThat(stored.testFlow()).isFalse();
    }

    @Test
    void after24HoursTheKeyIsNewAgain() throws Exception {
        String person = newPerson();
        String key = UUID.randomUUID().toString();
        String first = assertSuccess(server.postJson("/flow", acme(key), flowBody(person, "verilive")), 201)
                .get("flow_id").asText();
        server.clock.advance(Duration.ofHours(24).minusSeconds(1));
        assertThat(assertSuccess(server.postJson("/flow", acme(key), flowBody(person, "verilive")), 201)
                .get("flow_id").asText()).isEqualTo(first);
        server.clock.advance(Duration.ofSeconds(1));
        String second = assertSuccess(server.postJson("/flow", acme(key), flowBody(person, "consent")), 201)
                .get("flow_id").asText();
        assertThat(second).isNotEqualTo(first);
        assertThat(flowsOf(person)).isEqualTo(2);
        // the background purge forgets keys past their 24 h, a bounded batch at a time
        server.clock.advance(Duration.ofHours(24));
        assertThat(server.idflow.purgeIdempotencyKeysOnce()).isPositive();
        assertThat(server.idflow.purgeIdempotencyKeysOnce()).as("nothing left past its time").isZero();
    }

    @Test
    void twoCreatesAtOnceWithOneKeyMakeOneFlowAndBothGetItsAnswer() throws Exception {
        String person = newPerson();
        String key = UUID.randomUUID().toString();
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch ready = new CountDownLatch(threads);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Reply>> replies = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                replies.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return server.postJson("/flow", acme(key), flowBody(person, "verilive"));
                }));
            }
            ready.await();
            go.countDown();
            List<String> bodies = new ArrayList<>();
            for (Future<Reply> f : replies) {
                Reply reply = f.get(60, TimeUnit.SECONDS);
                assertSuccess(reply, 201);
                bodies.add(reply.body());
            }
            assertThat(bodies).as("every answer is the one flow's").containsOnly(bodies.get(0));
            assertThat(flowsOf(person)).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aSecondRequestWhileTheFirstStillRunsGets429WithRetryAfterAndThenTheAnswer() throws Exception {
        String person = newPerson();
        String key = UUID.randomUUID().toString();
        slowPerson.set(person);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Reply> first = pool.submit(() -> server.postJson("/flow", acme(key), flowBody(person, "verilive")));
            // the first holds its key inside the insert; the second waits for it (5 s), then is told to come back
            while (flowsOf(person) == 0 && !first.isDone()) {
                Thread.sleep(10);
            }
            Reply busy = server.postJson("/flow", acme(key), flowBody(person, "verilive"));
            assertError(busy, 429, "TOO_MANY_REQUESTS", "Idempotency-Key");
            assertThat(busy.header("Retry-After")).contains("1");
            slowRelease.countDown();
            JsonNode created = assertSuccess(first.get(30, TimeUnit.SECONDS), 201);
            assertThat(assertSuccess(server.postJson("/flow", acme(key), flowBody(person, "verilive")), 201))
                    .isEqualTo(created);
            assertThat(flowsOf(person)).isEqualTo(1);
        } finally {
            slowPerson.set(null);
            pool.shutdownNow();
        }
    }

    @Test
    void aLivenessSessionIsReplayedWithItsAccessTokenAndFirstAnswer() throws Exception {
        String person = newPerson();
        String key = UUID.randomUUID().toString();
        String body = "{\"person_id\":\"" + person + "\",\"max_retries\":1}";
        Reply first = server.postJson("/liveness2/session", acme(key), body);
        JsonNode created = assertSuccess(first, 201);
        Reply again = server.postJson("/liveness2/session", acme(key), body);
        JsonNode replayed = assertSuccess(again, 201);
        assertThat(replayed).isEqualTo(created);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(replayed.get("access_token").asText()).isNotBlank();
        assertThat(flowsOf(person)).isEqualTo(1);

        // the key's stored answer holds no bearer token and no person_id
        String scope = "acme/test";
        var entry = server.storage.idempotencyKeys().claim(scope, key, "probe", "probe", server.clock.instant(),
                server.clock.instant().plusSeconds(1), server.clock.instant().plusSeconds(1)).orElseThrow();
        assertThat(entry.answer()).doesNotContain(created.get("access_token").asText()).doesNotContain(person)
                .contains(created.get("session_id").asText());
    }

    /** The store as idflow sees it: flow inserts counted per person, and held for {@link #slowPerson}. */
    private static IdflowStorage countingInserts(IdflowStorage real) {
        FlowRepository flows = (FlowRepository) Proxy.newProxyInstance(FlowRepository.class.getClassLoader(),
                new Class<?>[] {FlowRepository.class}, (proxy, method, args) -> {
                    if (method.getName().equals("insert")) {
                        Flow flow = (Flow) args[0];
                        inserted.computeIfAbsent(flow.personId(), p -> new AtomicInteger()).incrementAndGet();
                        if (flow.personId().equals(slowPerson.get())) {
                            slowRelease.await(30, TimeUnit.SECONDS);
                        }
                    }
                    return invoke(method, real.flows(), args);
                });
        return (IdflowStorage) Proxy.newProxyInstance(IdflowStorage.class.getClassLoader(),
                new Class<?>[] {IdflowStorage.class}, (proxy, method, args) ->
                        method.getName().equals("flows") ? flows : invoke(method, real, args));
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
