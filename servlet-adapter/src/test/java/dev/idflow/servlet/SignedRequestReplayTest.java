package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.assertSuccess;
import static dev.idflow.servlet.ApiAssertions.createFlow;
import static dev.idflow.servlet.ApiAssertions.flowBody;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.internal.Crypto;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Reply;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A signed request is served once. The signature covers ts and path, not the body: without this rule a
 * request captured in flight or from a log could be sent again within the 300 s window, even with
 * another body.
 */
class SignedRequestReplayTest {
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** A ts not yet used by this class's requests to {@code path} with {@code key}: each test starts clean. */
    private static long fresh(String key, String path) {
        return server.freshTs(key, path);
    }

    private static void assertReplayRefused(Reply reply) {
        assertThat(assertError(reply, 401, "UNAUTHORIZED", "X-Verigram-Hmac-SHA256").get("error_msg").asText())
                .contains("already used");
    }

    private Headers signedFlowCreation() {
        return server.signed(TestServer.LIVE_KEY, TestServer.LIVE_SECRET, "/flow", fresh(TestServer.LIVE_KEY, "/flow"));
    }

    @Test
    void theSameSignedRequestSentTwiceIsServedOnceThenUnauthorized() throws Exception {
        Headers captured = signedFlowCreation();
        String body = flowBody(newPerson(), "verilive");

        assertSuccess(server.postJson("/flow", captured, body), 201);
        assertReplayRefused(server.postJson("/flow", captured, body));
    }

    @Test
    void aCapturedSignatureSentWithAnotherBodyIsUnauthorized() throws Exception {
        Headers captured = signedFlowCreation();
        assertSuccess(server.postJson("/flow", captured, flowBody(newPerson(), "verilive")), 201);

        Reply substituted = server.postJson("/flow", captured, flowBody("attacker-chosen-person", "verilive"));

        assertReplayRefused(substituted);
    }

    @Test
    void theUsedSignatureInUpperCaseIsTheSameRequest() throws Exception {
        long ts = fresh(TestServer.LIVE_KEY, "/flow");
        String signature = Crypto.hmacSha256Hex(TestServer.LIVE_SECRET.getBytes(StandardCharsets.UTF_8), ts + "/flow");
        Headers lower = Headers.test(TestServer.LIVE_KEY).add("X-Verigram-Ts", Long.toString(ts))
                .add("X-Verigram-Hmac-SHA256", signature);
        Headers upper = Headers.test(TestServer.LIVE_KEY).add("X-Verigram-Ts", Long.toString(ts))
                .add("X-Verigram-Hmac-SHA256", " " + signature.toUpperCase(Locale.ROOT) + " ");

        assertSuccess(server.postJson("/flow", lower, flowBody(newPerson(), "verilive")), 201);
        assertReplayRefused(server.postJson("/flow", upper, flowBody(newPerson(), "verilive")));
    }

    @Test
    void aReplayedReadIsUnauthorizedToo() throws Exception {
        String flowId = createFlow(server, TestServer.TEST_KEY, newPerson());
        Headers captured = server.signed(TestServer.LIVE_KEY, TestServer.LIVE_SECRET, "/flow/" + flowId,
                fresh(TestServer.LIVE_KEY, "/flow/" + flowId));

        assertThat(server.get("/flow/" + flowId, captured).status()).isNotEqualTo(401);
        assertReplayRefused(server.get("/flow/" + flowId, captured));
    }

    @Test
    void aTestKeysSignedRequestIsServedOnceTooWhileItsUnsignedCallsAreNotLimited() throws Exception {
        Headers captured = server.signed(TestServer.SIGNING_TEST_KEY, TestServer.SIGNING_TEST_SECRET, "/flow",
                fresh(TestServer.SIGNING_TEST_KEY, "/flow"));
        String body = flowBody(newPerson(), "verilive");

        assertSuccess(server.postJson("/flow", captured, body), 201);
        assertReplayRefused(server.postJson("/flow", captured, body));
        assertSuccess(server.postJson("/flow", Headers.test(TestServer.SIGNING_TEST_KEY), body), 201);
        assertSuccess(server.postJson("/flow", Headers.test(TestServer.SIGNING_TEST_KEY), body), 201);
    }

    @Test
    void aRefusedSignatureIsNotRecordedSoItCannotBlockTheRealRequest() throws Exception {
        long ts = fresh(TestServer.LIVE_KEY, "/flow");
        // someone who knows the ts and path but not the secret sends junk first
        Headers junk = Headers.test(TestServer.LIVE_KEY).add("X-Verigram-Ts", Long.toString(ts))
                .add("X-Verigram-Hmac-SHA256", "00".repeat(32));
        assertError(server.postJson("/flow", junk, flowBody(newPerson(), "verilive")), 401, "UNAUTHORIZED", "X-Verigram-Hmac-SHA256");

        Headers genuine = server.signed(TestServer.LIVE_KEY, TestServer.LIVE_SECRET, "/flow", ts);
        assertSuccess(server.postJson("/flow", genuine, flowBody(newPerson(), "verilive")), 201);
    }

    @Test
    void theSameRequestSignedAgainWithAnotherTimestampIsServed() throws Exception {
        String body = flowBody(newPerson(), "verilive");
        long ts = fresh(TestServer.LIVE_KEY, "/flow");
        assertSuccess(server.postJson("/flow", server.signed(TestServer.LIVE_KEY, TestServer.LIVE_SECRET, "/flow", ts), body), 201);

        long another = fresh(TestServer.LIVE_KEY, "/flow");

        assertThat(another).isNotEqualTo(ts);
        assertSuccess(server.postJson("/flow", server.signed(TestServer.LIVE_KEY, TestServer.LIVE_SECRET, "/flow", another), body), 201);
    }
}
