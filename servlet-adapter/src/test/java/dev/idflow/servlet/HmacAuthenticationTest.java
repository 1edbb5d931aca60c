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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Live keys sign ts + path-with-query (relative to the mount point, here /kyc) with HMAC-SHA256;
 * test keys may sign. Every failure is a 401; a bad API version is a 422.
 */
class HmacAuthenticationTest {
    static TestServer server;
    static String flowId;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
        flowId = createFlow(server, TestServer.TEST_KEY, newPerson());
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static long now() {
        return server.clock.instant().getEpochSecond();
    }

    /** A ts not yet used for a live POST /flow: each signed request is served once. */
    private static long fresh() {
        return server.freshTs(TestServer.LIVE_KEY, "/flow");
    }

    private static Headers liveAt(String signedPath, long ts) {
        return server.signed(TestServer.LIVE_KEY, TestServer.LIVE_SECRET, signedPath, ts);
    }

    private static Reply createWith(Headers headers) throws Exception {
        return server.postJson("/flow", headers, flowBody(newPerson(), "verilive"));
    }

    private static String hmac(String secret, String message) {
        return Crypto.hmacSha256Hex(secret.getBytes(StandardCharsets.UTF_8), message);
    }

    @Test
    void aLiveKeyWithAGoodSignatureIsServed() throws Exception {
        String liveFlow = assertSuccess(createWith(server.live("/flow")), 201).get("flow_id").asText();
        // its own live flow: a live key does not see the test flow of the other tests (KeyKindIsolationTest)
        assertSuccess(server.get("/flow/" + liveFlow, server.live("/flow/" + liveFlow)), 200);
    }

    @Test
    void theSignatureIsTheLowercaseHexHmacOfTimestampAndPathComputedIndependently() throws Exception {
        long ts = fresh();
        // javax.crypto directly, not idflow's Crypto: the wire format is what is under test
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(TestServer.LIVE_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String signature = java.util.HexFormat.of().formatHex(mac.doFinal((ts + "/flow").getBytes(StandardCharsets.UTF_8)));

        Reply reply = createWith(Headers.test(TestServer.LIVE_KEY).add("X-Verigram-Ts", Long.toString(ts))
                .add("X-Verigram-Hmac-SHA256", signature));

        assertSuccess(reply, 201);
    }

    @Test
    void anUppercaseHexSignatureIsAccepted() throws Exception {
        long ts = fresh();
        Headers headers = Headers.test(TestServer.LIVE_KEY).add("X-Verigram-Ts", Long.toString(ts))
                .add("X-Verigram-Hmac-SHA256", hmac(TestServer.LIVE_SECRET, ts + "/flow").toUpperCase(Locale.ROOT));

        assertSuccess(createWith(headers), 201);
    }

    @Test
    void aSignatureMadeWithAnotherSecretIsUnauthorized() throws Exception {
        assertError(createWith(server.signed(TestServer.LIVE_KEY, "another-secret-entirely", "/flow", now())),
                401, "UNAUTHORIZED", "X-Verigram-Hmac-SHA256");
    }

    @Test
    void aTimestampMoreThan300SecondsOldIsUnauthorized() throws Exception {
        assertError(createWith(liveAt("/flow", now() - 301)), 401, "UNAUTHORIZED", "X-Verigram-Ts");
    }

    @Test
    void aTimestampMoreThan60SecondsAheadIsUnauthorized() throws Exception {
        // a future ts would lengthen the life of a captured request: only a minute of clock drift is allowed
        assertError(createWith(liveAt("/flow", now() + 61)), 401, "UNAUTHORIZED", "X-Verigram-Ts");
        assertError(createWith(liveAt("/flow", now() + 299)), 401, "UNAUTHORIZED", "X-Verigram-Ts");
        assertError(createWith(liveAt("/flow", Long.MIN_VALUE)), 401, "UNAUTHORIZED", "X-Verigram-Ts");
    }

    @Test
    void aTimestampExactly300SecondsOldOr60SecondsAheadIsAccepted() throws Exception {
        assertSuccess(createWith(liveAt("/flow", now() - 300)), 201);
        assertSuccess(createWith(liveAt("/flow", now() + 60)), 201);
    }

    @Test
    void theSignatureCoversThePathRelativeToTheMountPoint() throws Exception {
        assertThat(server.mountPath).isEqualTo("/kyc");
        assertError(createWith(server.live("/kyc/flow")), 401, "UNAUTHORIZED", "X-Verigram-Hmac-SHA256");
        assertSuccess(createWith(server.live("/flow")), 201);
    }

    @Test
    void aSignatureOfAnotherPathIsUnauthorized() throws Exception {
        String other = createFlow(server, TestServer.TEST_KEY, newPerson());

        assertError(server.get("/flow/" + flowId, server.live("/flow/" + other)), 401, "UNAUTHORIZED", "X-Verigram-Hmac-SHA256");
        assertError(server.get("/flow/" + flowId + "/result", server.live("/flow/" + flowId)),
                401, "UNAUTHORIZED", "X-Verigram-Hmac-SHA256");
    }

    @Test
    void theSignatureCoversTheQueryStringAsSent() throws Exception {
        String person = newPerson();
        uploadLive(person, ApiAssertions.pdf("doc"));
        String query = "/resources/file?label=signed_doc&person_id=" + person;

        Reply good = server.get(query, server.live(query));
        assertThat(good.status()).isEqualTo(200);
        assertThat(good.bytes()).isEqualTo(ApiAssertions.pdf("doc"));
        ApiAssertions.assertConformant(good);

        assertError(server.get(query, server.live("/resources/file")), 401, "UNAUTHORIZED", "X-Verigram-Hmac-SHA256");
        assertError(server.get(query, server.live("/resources/file?label=bestframe&person_id=" + person)),
                401, "UNAUTHORIZED", "X-Verigram-Hmac-SHA256");
        assertError(server.get(query, server.live("/resources/file?person_id=" + person + "&label=signed_doc")),
                401, "UNAUTHORIZED", "X-Verigram-Hmac-SHA256");
    }

    private static void uploadLive(String person, byte[] content) throws Exception {
        Reply stored = server.postMultipart("/resources/storage", server.live("/resources/storage"),
                new TestServer.Multipart().field("label", "signed_doc").field("person_id", person)
                        .file("upload_file", "doc.pdf", "application/pdf", content));
        assertThat(stored.status()).as("upload answered %s", stored.body()).isEqualTo(201);
    }

    @Test
    void aPercentEncodedQueryIsSignedAsSentNotDecoded() throws Exception {
        String person = "a+b@bank.example";
        uploadLive(person, ApiAssertions.pdf("nine"));
        String query = "/resources/file?label=signed_doc&person_id=a%2Bb%40bank.example";

        assertThat(server.get(query, server.live(query)).status()).isEqualTo(200);
        assertError(server.get(query, server.live("/resources/file?label=signed_doc&person_id=" + person)),
                401, "UNAUTHORIZED", "X-Verigram-Hmac-SHA256");
    }

    @Test
    void aLiveKeyWithoutTimestampIsUnauthorized() throws Exception {
        Headers headers = Headers.test(TestServer.LIVE_KEY)
                .add("X-Verigram-Hmac-SHA256", hmac(TestServer.LIVE_SECRET, now() + "/flow"));
        assertError(createWith(headers), 401, "UNAUTHORIZED", "X-Verigram-Ts");
    }

    @Test
    void aLiveKeyWithoutSignatureIsUnauthorized() throws Exception {
        Headers headers = Headers.test(TestServer.LIVE_KEY).add("X-Verigram-Ts", Long.toString(now()));
        assertError(createWith(headers), 401, "UNAUTHORIZED", "X-Verigram-Hmac-SHA256");
    }

    @Test
    void aLiveKeyWithNeitherTimestampNorSignatureIsUnauthorized() throws Exception {
        assertError(createWith(Headers.test(TestServer.LIVE_KEY)), 401, "UNAUTHORIZED", "X-Verigram-Ts");
    }

    @Test
    void aRequestWithoutApiKeyIsUnauthorizedEvenWhenSigned() throws Exception {
        long ts = now();
        Headers headers = new Headers().add("X-Verigram-Api-Version", "2")
                .add("X-Verigram-Ts", Long.toString(ts))
                .add("X-Verigram-Hmac-SHA256", hmac(TestServer.LIVE_SECRET, ts + "/flow"));
        assertError(createWith(headers), 401, "UNAUTHORIZED", "X-Verigram-Api-Key");
    }

    @Test
    void anUnknownApiKeyIsUnauthorized() throws Exception {
        assertError(createWith(server.signed("live-key-nobody-0001", TestServer.LIVE_SECRET, "/flow", now())),
                401, "UNAUTHORIZED", "X-Verigram-Api-Key");
        assertError(createWith(Headers.test("test-key-nobody-0001")), 401, "UNAUTHORIZED", "X-Verigram-Api-Key");
    }

    @Test
    void theKeyIsMatchedExactlyNotByPrefixOrCase() throws Exception {
        assertError(createWith(Headers.test(TestServer.TEST_KEY.toUpperCase(Locale.ROOT))), 401, "UNAUTHORIZED", "X-Verigram-Api-Key");
        assertError(createWith(Headers.test(TestServer.TEST_KEY.substring(0, 10))), 401, "UNAUTHORIZED", "X-Verigram-Api-Key");
    }

    @ParameterizedTest(name = "X-Verigram-Ts {0}")
    @ValueSource(strings = {"yesterday", "1.7e9", "0x65", "12 34", "99999999999999999999999"})
    void aNonNumericTimestampIsUnauthorized(String ts) throws Exception {
        Headers headers = Headers.test(TestServer.LIVE_KEY).add("X-Verigram-Ts", ts)
                .add("X-Verigram-Hmac-SHA256", hmac(TestServer.LIVE_SECRET, ts + "/flow"));
        assertError(createWith(headers), 401, "UNAUTHORIZED", "X-Verigram-Ts");
    }

    @Test
    void aTimestampInMillisecondsIsUnauthorized() throws Exception {
        long ms = server.clock.millis();
        assertError(createWith(liveAt("/flow", ms)), 401, "UNAUTHORIZED", "X-Verigram-Ts");
    }

    @Test
    void aTestKeyMayCallUnsigned() throws Exception {
        assertSuccess(createWith(Headers.test(TestServer.TEST_KEY)), 201);
        assertSuccess(createWith(Headers.test(TestServer.SIGNING_TEST_KEY)), 201);
    }

    @Test
    void aTestKeyWithASecretThatSignsCorrectlyIsServed() throws Exception {
        long ts = server.freshTs(TestServer.SIGNING_TEST_KEY, "/flow");
        assertSuccess(createWith(server.signed(TestServer.SIGNING_TEST_KEY, TestServer.SIGNING_TEST_SECRET, "/flow", ts)), 201);
    }

    @Test
    void aTestKeyThatSignsWronglyIsUnauthorized() throws Exception {
        assertError(createWith(server.signed(TestServer.SIGNING_TEST_KEY, "not-the-test-secret", "/flow", now())),
                401, "UNAUTHORIZED", "X-Verigram-Hmac-SHA256");
        assertError(createWith(server.signed(TestServer.SIGNING_TEST_KEY, TestServer.SIGNING_TEST_SECRET, "/flow", now() - 301)),
                401, "UNAUTHORIZED", "X-Verigram-Ts");
    }

    @Test
    void aTestKeyWithoutSecretCannotSign() throws Exception {
        assertError(createWith(server.signed(TestServer.TEST_KEY, "whatever-secret", "/flow", now())),
                401, "UNAUTHORIZED", "X-Verigram-Hmac-SHA256");
    }

    @Test
    void aTestKeySendingOnlyHalfASignatureIsUnauthorized() throws Exception {
        assertError(createWith(Headers.test(TestServer.SIGNING_TEST_KEY).add("X-Verigram-Ts", Long.toString(now()))),
                401, "UNAUTHORIZED", "X-Verigram-Hmac-SHA256");
        assertError(createWith(Headers.test(TestServer.SIGNING_TEST_KEY).add("X-Verigram-Hmac-SHA256",
                hmac(TestServer.SIGNING_TEST_SECRET, now() + "/flow"))), 401, "UNAUTHORIZED", "X-Verigram-Ts");
    }

    @Test
    void aMissingApiVersionIsUnsupported() throws Exception {
        assertError(createWith(new Headers().add("X-Verigram-Api-Key", TestServer.TEST_KEY)),
                422, "UNSUPPORTED_API_VERSION", "X-Verigram-Api-Version");
    }

    @ParameterizedTest(name = "X-Verigram-Api-Version {0}")
    @ValueSource(strings = {"3", "1", "2.1", "v2", "2.0.1", "latest"})
    void anotherApiVersionIsUnsupported(String version) throws Exception {
        Reply reply = createWith(new Headers().add("X-Verigram-Api-Key", TestServer.TEST_KEY).add("X-Verigram-Api-Version", version));
        assertError(reply, 422, "UNSUPPORTED_API_VERSION", "X-Verigram-Api-Version");
    }

    @ParameterizedTest(name = "X-Verigram-Api-Version {0}")
    @ValueSource(strings = {"2", "2.0", "2.0.0"})
    void apiVersionTwoIsAcceptedInEachSpelling(String version) throws Exception {
        assertSuccess(createWith(new Headers().add("X-Verigram-Api-Key", TestServer.TEST_KEY).add("X-Verigram-Api-Version", version)), 201);
        long ts = fresh();
        Headers live = new Headers().add("X-Verigram-Api-Key", TestServer.LIVE_KEY).add("X-Verigram-Api-Version", version)
                .add("X-Verigram-Ts", Long.toString(ts)).add("X-Verigram-Hmac-SHA256", hmac(TestServer.LIVE_SECRET, ts + "/flow"));
        assertSuccess(createWith(live), 201);
    }

    @Test
    void aBadSignatureIsUnauthorizedBeforeTheVersionIsLookedAt() throws Exception {
        Headers headers = new Headers().add("X-Verigram-Api-Key", TestServer.LIVE_KEY).add("X-Verigram-Api-Version", "3")
                .add("X-Verigram-Ts", Long.toString(now())).add("X-Verigram-Hmac-SHA256", "00");
        assertError(createWith(headers), 401, "UNAUTHORIZED", "X-Verigram-Hmac-SHA256");
    }

    @Test
    void everyOperationChecksTheSignature() throws Exception {
        String bad = "/not-what-was-sent";
        assertError(server.get("/flow/" + flowId, server.live(bad)), 401, "UNAUTHORIZED", null);
        assertError(server.get("/flow/" + flowId + "/result", server.live(bad)), 401, "UNAUTHORIZED", null);
        assertError(server.get("/journal/session/01KMWYGEEVW2TH4Q4SFFFFFFF5-S", server.live(bad)), 401, "UNAUTHORIZED", null);
        assertError(server.postJson("/liveness2/session", server.live(bad), "{\"person_id\":\"" + newPerson() + "\"}"),
                401, "UNAUTHORIZED", null);
        assertError(server.get("/resources/file?label=bestframe&person_id=abcdefg", server.live(bad)), 401, "UNAUTHORIZED", null);
        ApiAssertions.assertErrorShape(server.postJson("/mockery/result", server.live(bad), "{}"), 401, "UNAUTHORIZED");
        ApiAssertions.assertErrorShape(server.postMultipart("/resources/storage", server.live(bad),
                new TestServer.Multipart().field("label", "signed_doc")), 401, "UNAUTHORIZED");
    }
}
