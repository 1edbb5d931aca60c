package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.assertSuccess;
import static dev.idflow.servlet.ApiAssertions.flowBody;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.bearer;
import static dev.idflow.servlet.PersonDevice.clientError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Reply;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Finding 7: the client API and failed authentication are throttled; every 429 says when to come back. */
class ThrottlingTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static long retryAfter(Reply reply) {
        assertThat(reply.header("Retry-After")).as("Retry-After of a 429").isPresent();
        long seconds = Long.parseLong(reply.header("Retry-After").orElseThrow());
        assertThat(seconds).isPositive();
        return seconds;
    }

    // ---- failed authentication, per client address ----

    @Test
    void randomApiKeysGet429WithRetryAfterOnceTheAddressFailedTwentyTimesEvenWithAValidKey() throws Exception {
        try (TestServer server = TestServer.withDefaultThrottles("/kyc", b -> { })) {
            for (int i = 0; i < 20; i++) {
                assertError(server.postJson("/flow", Headers.test("guess-" + random(16)), "{}"), 401, "UNAUTHORIZED",
                        "X-Verigram-Api-Key");
            }

            Reply guessed = server.postJson("/flow", Headers.test("guess-" + random(16)), "{}");
            assertError(guessed, 429, "TOO_MANY_REQUESTS", "X-Verigram-Api-Key");
            assertThat(retryAfter(guessed)).isBetween(1L, 300L);
            Reply valid = server.postJson("/flow", Headers.test(TestServer.TEST_KEY), flowBody(newPerson(), "verilive"));
            assertError(valid, 429, "TOO_MANY_REQUESTS", "X-Verigram-Api-Key");
            retryAfter(valid);

            server.clock.advance(Duration.ofMinutes(5).plusSeconds(1));
            assertSuccess(server.postJson("/flow", Headers.test(TestServer.TEST_KEY), flowBody(newPerson(), "verilive")), 201);
        }
    }

    @Test
    void randomBearerTokensGet429WithRetryAfter() throws Exception {
        try (TestServer server = TestServer.withDefaultThrottles("/kyc", b -> { })) {
            for (int i = 0; i < 20; i++) {
                clientError(server.get("/liveness2/client/session", bearer(random(32))), 401, "UNAUTHORIZED");
            }

            Reply limited = server.get("/liveness2/client/session", bearer(random(32)));

            clientError(limited, 429, "TOO_MANY_REQUESTS");
            retryAfter(limited);
        }
    }

    @Test
    void randomVlinksGet429AndSoDoesTheConsumerApiFromThatAddress() throws Exception {
        try (TestServer server = TestServer.withDefaultThrottles("/kyc", b -> { })) {
            for (int i = 0; i < 20; i++) {
                clientError(server.get("/hf/" + random(16) + "/api/state", new Headers()), 404, "LINK_NOT_FOUND");
            }

            clientError(server.get("/hf/" + random(16) + "/api/state", new Headers()), 429, "TOO_MANY_REQUESTS");
            Reply consumer = server.get("/flow/01K0000000000000000000000-F", Headers.test(TestServer.TEST_KEY));
            assertError(consumer, 429, "TOO_MANY_REQUESTS", "X-Verigram-Api-Key");
            retryAfter(consumer);
        }
    }

    // ---- per vlink and per access token ----

    @Test
    void pollingOneVlinkTooFastGets429WithRetryAfterAndThenRecovers() throws Exception {
        try (TestServer server = TestServer.withDefaultThrottles("/kyc", b -> { })) {
            PersonDevice device = PersonDevice.testKey(server);
            PersonDevice.Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]");
            for (int i = 0; i < 20; i++) {
                device.state(flow.vlinkId());
            }

            Reply limited = device.stateReply(flow.vlinkId());

            assertThat(clientError(limited, 429, "TOO_MANY_REQUESTS").get("error_msg").asText()).startsWith("vlink:");
            assertThat(retryAfter(limited)).isEqualTo(1L);
            // another link from the same address has its own bucket
            PersonDevice.Created other = device.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]");
            device.state(other.vlinkId());
            server.clock.advance(Duration.ofSeconds(1));
            device.state(flow.vlinkId());
        }
    }

    @Test
    void reloadingTheHostedPageTooFastGets429AndSharesTheLinksBudgetWithItsPolling() throws Exception {
        try (TestServer server = TestServer.withDefaultThrottles("/kyc", b -> { })) {
            PersonDevice device = PersonDevice.testKey(server);
            PersonDevice.Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]");
            for (int i = 0; i < 10; i++) {
                assertThat(server.get("/hf/" + flow.vlinkId(), new TestServer.Headers()).status()).isEqualTo(200);
                assertThat(server.get("/hf/" + flow.vlinkId() + "/custom.css", new TestServer.Headers()).status())
                        .isEqualTo(200);
            }

            Reply page = server.get("/hf/" + flow.vlinkId(), new TestServer.Headers());
            Reply polled = device.stateReply(flow.vlinkId());

            assertThat(page.status()).isEqualTo(429);
            assertThat(retryAfter(page)).isEqualTo(1L);
            assertThat(page.header("Cache-Control")).hasValue("no-store");
            clientError(polled, 429, "TOO_MANY_REQUESTS");
            // the static assets touch no store and stay served
            assertThat(server.get("/hf/assets/favicon.svg", new TestServer.Headers()).status()).isEqualTo(200);
            server.clock.advance(Duration.ofSeconds(1));
            assertThat(server.get("/hf/" + flow.vlinkId(), new TestServer.Headers()).status()).isEqualTo(200);
        }
    }

    @Test
    void oneAccessTokenUsedTooFastGets429() throws Exception {
        try (TestServer server = TestServer.withDefaultThrottles("/kyc", b -> { })) {
            PersonDevice device = PersonDevice.testKey(server);
            PersonDevice.Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"verilive\"}]");
            String token = device.start(flow.vlinkId()).at("/current_step/access_token").asText();
            for (int i = 0; i < 20; i++) {
                PersonDevice.clientOk(device.clientSession(token));
            }

            Reply limited = device.clientSession(token);

            assertThat(clientError(limited, 429, "TOO_MANY_REQUESTS").get("error_msg").asText()).startsWith("Authorization:");
            retryAfter(limited);
        }
    }

    @Test
    void theClientApiIsThrottledPerAddress() throws Exception {
        try (TestServer server = TestServer.withDefaultThrottles("/kyc", b -> b.clientAddressRateLimit(1, 5))) {
            PersonDevice device = PersonDevice.testKey(server);
            for (int i = 0; i < 5; i++) {
                device.state(device.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]").vlinkId());
            }

            Reply limited = device.stateReply(device.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]").vlinkId());

            assertThat(clientError(limited, 429, "TOO_MANY_REQUESTS").get("error_msg").asText()).startsWith("client:");
            retryAfter(limited);
        }
    }

    @Test
    void thePerKeyLimitSaysWhenToComeBack() throws Exception {
        try (TestServer server = new TestServer("/kyc", storage -> storage, 0.5, 1)) {
            Headers key = Headers.test(TestServer.TEST_KEY);
            assertSuccess(server.postJson("/flow", key, flowBody(newPerson(), "verilive")), 201);

            Reply limited = server.postJson("/flow", key, flowBody(newPerson(), "verilive"));

            assertError(limited, 429, "TOO_MANY_REQUESTS", "X-Verigram-Api-Key");
            assertThat(retryAfter(limited)).isEqualTo(2L);
        }
    }

    // ---- a person is never throttled ----

    @Test
    void aPersonsNormalPaceIsNeverThrottled() throws Exception {
        try (TestServer server = TestServer.withDefaultThrottles("/kyc", b -> { })) {
            PersonDevice device = PersonDevice.testKey(server);
            PersonDevice.Created flow = device.createFlow(newPerson(),
                    "[{\"service_name\":\"consent\"},{\"service_name\":\"verilive\",\"max_retries\":3}]");
            // the page loads twice (a reload) and starts
            device.state(flow.vlinkId());
            device.start(flow.vlinkId());
            device.state(flow.vlinkId());
            device.start(flow.vlinkId());
            pollEverySecond(device, flow, 90);
            device.consent(flow.vlinkId());
            pollEverySecond(device, flow, 30);
            for (int attempt = 0; attempt < 4; attempt++) {
                JsonNode state = device.state(flow.vlinkId());
                if (!state.has("current_step")) {
                    break;
                }
                JsonNode step = state.get("current_step");
                PersonDevice.clientOk(device.clientSession(step.get("access_token").asText()));
                Reply answer = device.attemptReply(step.get("access_token").asText(), device.honestAttempt(step));
                assertThat(answer.status()).as("attempt %s answered %s", attempt, answer.body()).isNotEqualTo(429);
                pollEverySecond(device, flow, 5);
            }
        }
    }

    /** The page's poll of its state, once a second on the server's clock. */
    private static void pollEverySecond(PersonDevice device, PersonDevice.Created flow, int seconds) throws Exception {
        for (int i = 0; i < seconds; i++) {
            device.advance(Duration.ofSeconds(1));
            Reply state = device.stateReply(flow.vlinkId());
            assertThat(state.status()).as("poll %s answered %s", i, state.body()).isEqualTo(200);
        }
    }
}
