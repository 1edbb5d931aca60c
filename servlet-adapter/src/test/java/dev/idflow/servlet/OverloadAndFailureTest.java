package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.assertErrorShape;
import static dev.idflow.servlet.ApiAssertions.assertSuccess;
import static dev.idflow.servlet.ApiAssertions.createFlow;
import static dev.idflow.servlet.ApiAssertions.createLivenessSession;
import static dev.idflow.servlet.ApiAssertions.flowBody;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.ApiAssertions.upload;
import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.spi.ApiKeyDirectory;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Multipart;
import dev.idflow.servlet.TestServer.Reply;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** 429 from a server with tiny rate limits; 500 from a store that fails with a database's words. */
class OverloadAndFailureTest {

    // ---- 429 ----

    /** One request of each operation, made with {@code headers} (a signed live key's headers are per path). */
    private interface Call {
        Reply make(TestServer server) throws Exception;
    }

    @Test
    void everyOperationAnswers429OnceAKeyHasUsedItsBurst() throws Exception {
        try (TestServer server = new TestServer("/kyc", storage -> storage, 1, 2)) {
            String person = newPerson();
            // set up with a key whose bucket the probes below do not touch
            String flowId = createFlow(server, TestServer.SIGNING_TEST_KEY, person);
            String sessionId = createLivenessSession(server, TestServer.SIGNING_TEST_KEY, person, flowId).get("session_id").asText();
            Headers probe = Headers.test(TestServer.TEST_KEY);
            List<Call> calls = List.of(
                    s -> s.postJson("/flow", probe, flowBody(newPerson(), "verilive")),
                    s -> s.get("/flow/" + flowId, probe),
                    s -> s.get("/flow/" + flowId + "/result", probe),
                    s -> s.get("/journal/session/" + sessionId, probe),
                    s -> s.postJson("/liveness2/session", probe, "{\"person_id\":\"" + person + "\"}"),
                    s -> s.get("/resources/file?label=bestframe&person_id=" + person, probe));
            for (Call call : calls) {
                server.clock.advance(Duration.ofSeconds(10)); // a full bucket: 2 requests
                assertThat(call.make(server).status()).isNotEqualTo(429);
                assertThat(call.make(server).status()).isNotEqualTo(429);

                Reply limited = call.make(server);

                assertError(limited, 429, "TOO_MANY_REQUESTS", "X-Verigram-Api-Key");
            }
            server.clock.advance(Duration.ofSeconds(10));
            call(server, s -> s.postJson("/mockery/result", probe, "{}"), 2);
            assertErrorShape(server.postJson("/mockery/result", probe, "{}"), 429, "TOO_MANY_REQUESTS");
            server.clock.advance(Duration.ofSeconds(10));
            call(server, s -> s.postMultipart("/resources/storage", probe, new Multipart().field("label", "signed_doc")), 2);
            assertErrorShape(server.postMultipart("/resources/storage", probe, new Multipart().field("label", "signed_doc")),
                    429, "TOO_MANY_REQUESTS");
        }
    }

    private static void call(TestServer server, Call call, int times) throws Exception {
        for (int i = 0; i < times; i++) {
            assertThat(call.make(server).status()).isNotEqualTo(429);
        }
    }

    @Test
    void theLimitIsPerKeyAndRefillsAsTimePasses() throws Exception {
        try (TestServer server = new TestServer("/kyc", storage -> storage, 1, 2)) {
            Headers acme = Headers.test(TestServer.TEST_KEY);
            String body = flowBody(newPerson(), "verilive");
            assertSuccess(server.postJson("/flow", acme, body), 201);
            assertSuccess(server.postJson("/flow", acme, body), 201);
            assertError(server.postJson("/flow", acme, body), 429, "TOO_MANY_REQUESTS", "X-Verigram-Api-Key");

            // another key, even of the same consumer, has its own bucket
            assertSuccess(server.postJson("/flow", Headers.test(TestServer.SIGNING_TEST_KEY), body), 201);
            assertSuccess(server.postJson("/flow", server.live("/flow"), body), 201);

            server.clock.advance(Duration.ofSeconds(1));
            assertSuccess(server.postJson("/flow", acme, body), 201);
            assertError(server.postJson("/flow", acme, body), 429, "TOO_MANY_REQUESTS", "X-Verigram-Api-Key");
        }
    }

    @Test
    void aRequestThatFailsAuthenticationIsUnauthorizedNotRateLimited() throws Exception {
        try (TestServer server = new TestServer("/kyc", storage -> storage, 1, 1)) {
            for (int i = 0; i < 3; i++) {
                assertError(server.postJson("/flow", Headers.test("no-such-key-0001"), "{}"), 401, "UNAUTHORIZED", "X-Verigram-Api-Key");
            }
        }
    }

    // ---- 500 ----

    /**
     * The store as idflow sees it: the in-memory one, until {@link #failing} is set; then every call
     * into it (reads, writes, commits) throws with a database's words. A dynamic proxy, so that it
     * keeps up with the storage SPI as it grows. {@link #keysFailing} does the same for API keys only.
     */
    static final class FailingStorage {
        static final String DATABASE_WORDS = "ERROR: relation \"idflow_flows\" does not exist\n"
                + "  Position: 15; SQL [SELECT flow_id, consumer_id FROM idflow_flows WHERE flow_id = ?]; "
                + "org.postgresql.util.PSQLException at jdbc:postgresql://db.internal:5432/idflow";
        volatile boolean failing;
        volatile boolean keysFailing;
        final IdflowStorage storage;

        FailingStorage(IdflowStorage delegate) {
            this.storage = wrap(IdflowStorage.class, delegate, false);
        }

        private <T> T wrap(Class<T> type, T target, boolean keys) {
            return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
                if (method.getDeclaringClass() == Object.class) {
                    return method.invoke(target, args);
                }
                Class<?> returned = method.getReturnType();
                boolean repository = method.getParameterCount() == 0 && returned.isInterface()
                        && returned.getPackageName().equals(IdflowStorage.class.getPackageName());
                if (repository) {
                    @SuppressWarnings("unchecked")
                    Class<Object> repositoryType = (Class<Object>) returned;
                    Object repositoryOf = method.invoke(target);
                    // a part the store does not have (personKeys() of the memory store) stays absent
                    return repositoryOf == null ? null : wrap(repositoryType, repositoryOf, returned == ApiKeyDirectory.class);
                }
                if (keys ? keysFailing : failing) {
                    throw new IllegalStateException(DATABASE_WORDS);
                }
                try {
                    return method.invoke(target, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }));
        }
    }

    /** A 500 that tells the client nothing of what failed inside. */
    private static void assertOpaqueInternalError(Reply reply, boolean contractOperation) {
        if (contractOperation) {
            assertError(reply, 500, "INTERNAL_ERROR", null);
        } else {
            assertErrorShape(reply, 500, "INTERNAL_ERROR");
        }
        String lower = reply.body().toLowerCase(java.util.Locale.ROOT);
        for (String leak : List.of("relation", "idflow_flows", "select", "sql", "postgres", "psql", "jdbc", "db.internal",
                "exception", "illegalstate", "java.", "dev.idflow", "\tat ", ".java:", "caused by")) {
            assertThat(lower).as("a 500 body must not mention %s", leak).doesNotContain(leak);
        }
    }

    @Test
    void everyOperationAnswersAnOpaque500WhenTheStoreFails() throws Exception {
        FailingStorage[] failing = new FailingStorage[1];
        try (TestServer server = new TestServer("/kyc", storage -> (failing[0] = new FailingStorage(storage)).storage, 1000, 1000)) {
            String person = newPerson();
            String flowId = createFlow(server, TestServer.TEST_KEY, person);
            String sessionId = createLivenessSession(server, TestServer.TEST_KEY, person, flowId).get("session_id").asText();
            String uploadId = upload(server, TestServer.TEST_KEY, person, "signed_doc", "application/pdf", "a.pdf", ApiAssertions.PDF);
            Headers acme = Headers.test(TestServer.TEST_KEY);

            failing[0].failing = true;

            List<Reply> contract = new ArrayList<>();
            contract.add(server.postJson("/flow", acme, flowBody(newPerson(), "verilive")));
            contract.add(server.postJson("/flow", server.live("/flow"), flowBody(newPerson(), "verilive")));
            contract.add(server.get("/flow/" + flowId, acme));
            contract.add(server.get("/flow/" + flowId + "/result", acme));
            contract.add(server.get("/journal/session/" + sessionId, acme));
            contract.add(server.postJson("/liveness2/session", acme, "{\"person_id\":\"" + person + "\"}"));
            contract.add(server.postJson("/liveness2/session", acme, "{\"person_id\":\"" + person + "\",\"flow_id\":\"" + flowId + "\"}"));
            contract.add(server.get("/resources/file?label=signed_doc&session_id=" + uploadId, acme));
            contract.add(server.get("/resources/file?label=signed_doc&flow_id=" + flowId, acme));
            contract.add(server.get("/resources/file?label=signed_doc&person_id=" + person, acme));
            for (Reply reply : contract) {
                assertOpaqueInternalError(reply, true);
            }
            assertOpaqueInternalError(server.postMultipart("/resources/storage", acme, new Multipart().field("label", "signed_doc")
                    .field("person_id", person).file("upload_file", "b.pdf", "application/pdf", ApiAssertions.pdf("b"))), false);
            assertOpaqueInternalError(server.postJson("/mockery/result", acme, "{\"person_id\":\"" + person
                    + "\",\"result\":{\"service_name\":\"verilive\",\"service_status\":\"real\"}}"), false);

            failing[0].failing = false;
            assertSuccess(server.get("/flow/" + flowId, acme), 200);
        }
    }

    @Test
    void aFailingKeyDirectoryIsAnOpaque500NotA401() throws Exception {
        FailingStorage[] failing = new FailingStorage[1];
        try (TestServer server = new TestServer("/kyc", storage -> (failing[0] = new FailingStorage(storage)).storage, 1000, 1000)) {
            failing[0].keysFailing = true;

            assertOpaqueInternalError(server.postJson("/flow", Headers.test(TestServer.TEST_KEY), flowBody(newPerson(), "verilive")), true);
        }
    }
}
