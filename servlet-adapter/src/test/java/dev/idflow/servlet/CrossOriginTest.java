package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Reply;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A bank's own page on its own origin runs a liveness session from the browser: the origins the host
 * allowed get CORS answers on the liveness client API and the SDK's files; every other origin, and
 * every other path, gets none, so the browser refuses.
 */
class CrossOriginTest {
    private static final String BANK = "https://portal.bank.example";
    private static final String DEVELOPER = "http://localhost:3000";
    private static final String STRANGER = "https://evil.example";
    private static TestServer server;
    private static PersonDevice bank;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.withCors("/kyc", CorsOptions.allow(BANK, DEVELOPER));
        bank = PersonDevice.testKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** The headers of a reply whose name starts with Access-Control-, by lower-case name. */
    private static Map<String, String> corsHeaders(Reply reply) {
        return reply.headers().entrySet().stream()
                .filter(e -> e.getKey().toLowerCase().startsWith("access-control-"))
                .collect(Collectors.toMap(e -> e.getKey().toLowerCase(), e -> String.join(",", e.getValue())));
    }

    private static Headers from(String origin) {
        return new Headers().add("Origin", origin);
    }

    private static Reply preflight(String path, String origin, String method) throws Exception {
        return server.send("OPTIONS", path, from(origin).add("Access-Control-Request-Method", method)
                .add("Access-Control-Request-Headers", "authorization,content-type"),
                HttpRequest.BodyPublishers.noBody(), null);
    }

    private static String newSessionToken() throws Exception {
        return bank.livenessSession("{\"person_id\":\"cors-person-01\",\"duration\":600}").get("access_token").asText();
    }

    @Test
    void anAllowedOriginReadsTheSessionAndUploadsItsAttempt() throws Exception {
        String token = newSessionToken();
        Reply session = server.get("/liveness2/client/session", from(BANK).add("Authorization", "Bearer " + token));
        assertThat(session.status()).isEqualTo(200);
        assertThat(session.header("Access-Control-Allow-Origin")).contains(BANK);
        assertThat(session.header("Vary")).contains("Origin");
        assertThat(session.header("Access-Control-Allow-Credentials")).isEmpty();
        // a 429's Retry-After is the one header beyond the safelisted ones the SDK must read
        assertThat(session.header("Access-Control-Expose-Headers")).contains("Retry-After");

        JsonNode pipeline = json(session).get("pipeline");
        Reply attempt = server.postMultipart("/liveness2/client/attempts",
                from(DEVELOPER).add("Authorization", "Bearer " + token),
                PersonDevice.attempt(PersonDevice.metadata(pipeline, server.clock.instant().minusSeconds(10),
                        "FaceTime HD Camera"), PersonDevice.frame()));
        assertThat(attempt.status()).as(attempt.body()).isEqualTo(200);
        assertThat(attempt.header("Access-Control-Allow-Origin")).contains(DEVELOPER);
        assertThat(attempt.header("Vary")).contains("Origin");
        assertThat(attempt.header("Access-Control-Allow-Credentials")).isEmpty();
    }

    @Test
    void anAllowedOriginCanReadTheRefusalsToo() throws Exception {
        // an expired or wrong token must reach the page's script as a 401, not as a CORS failure
        Reply unknown = server.get("/liveness2/client/session", from(BANK).add("Authorization", "Bearer not-a-token"));
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.header("Access-Control-Allow-Origin")).contains(BANK);
        Reply wrongMethod = server.send("PUT", "/liveness2/client/attempts", from(BANK),
                HttpRequest.BodyPublishers.noBody(), null);
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.header("Access-Control-Allow-Origin")).contains(BANK);
    }

    @Test
    void anAllowedOriginGetsTheHeadersOnTheSdksFiles() throws Exception {
        // whatever answers under /sdk/ (a file, or a 404 for a name that is none) carries them
        Reply file = server.get("/sdk/no-such-file.js", from(BANK));
        assertThat(file.header("Access-Control-Allow-Origin")).contains(BANK);
        assertThat(file.header("Vary")).contains("Origin");
        assertThat(preflight("/sdk/idflow-liveness.js", BANK, "GET").status()).isEqualTo(204);
    }

    @Test
    void aPreflightFromAnAllowedOriginIsAnswered204WithWhatTheSdkSends() throws Exception {
        for (String path : List.of("/liveness2/client/session", "/liveness2/client/attempts", "/sdk/idflow-liveness.js")) {
            Reply reply = preflight(path, BANK, "POST");
            assertThat(reply.status()).as(path).isEqualTo(204);
            assertThat(reply.body()).as(path).isEmpty();
            assertThat(corsHeaders(reply)).as(path).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "access-control-allow-origin", BANK,
                    "access-control-allow-methods", "GET, POST",
                    "access-control-allow-headers", "Authorization, Content-Type",
                    "access-control-max-age", "600"));
            assertThat(reply.header("Vary")).as(path).contains("Origin");
        }
        // the same path with a trailing slash is the same operation for the dispatcher, so for CORS too
        assertThat(preflight("/liveness2/client/session/", DEVELOPER, "GET").status()).isEqualTo(204);
    }

    @Test
    void aPreflightFromAnotherOriginIsRefusedAsJsonWithNoCorsHeaders() throws Exception {
        for (String path : List.of("/liveness2/client/session", "/liveness2/client/attempts", "/sdk/idflow-liveness.js")) {
            Reply reply = preflight(path, STRANGER, "POST");
            assertThat(reply.status()).as(path).isEqualTo(403);
            assertThat(reply.header("Content-Type").orElse("")).startsWith("application/json");
            JsonNode body = json(reply);
            assertThat(body.get("error_code").asText()).isEqualTo("ORIGIN_NOT_ALLOWED");
            assertThat(body.get("error_msg").asText()).isEqualTo("Origin: https://evil.example is not allowed");
            assertThat(corsHeaders(reply)).as(path).isEmpty();
        }
        // an origin that only starts like an allowed one is another origin
        assertThat(preflight("/liveness2/client/session", BANK + ".evil.example", "GET").status()).isEqualTo(403);
        assertThat(preflight("/liveness2/client/session", "null", "GET").status()).isEqualTo(403);
    }

    @Test
    void aSimpleRequestFromAnotherOriginIsAnsweredAsUsualWithoutCorsHeaders() throws Exception {
        String token = newSessionToken();
        Reply session = server.get("/liveness2/client/session", from(STRANGER).add("Authorization", "Bearer " + token));
        // the server answers as for anyone with the token; the browser keeps the answer from the page
        assertThat(session.status()).isEqualTo(200);
        assertThat(corsHeaders(session)).isEmpty();
        assertThat(session.header("Vary")).contains("Origin");
        Reply sdk = server.get("/sdk/idflow-liveness.js", from(STRANGER));
        assertThat(corsHeaders(sdk)).isEmpty();
    }

    @Test
    void aPlainOptionsRequestIsNoPreflightAndStillAnswered405() throws Exception {
        Reply noRequestMethod = server.send("OPTIONS", "/liveness2/client/session", from(BANK),
                HttpRequest.BodyPublishers.noBody(), null);
        assertThat(noRequestMethod.status()).isEqualTo(405);
        assertThat(noRequestMethod.header("Allow")).contains("GET");
        Reply noOrigin = server.send("OPTIONS", "/liveness2/client/session",
                new Headers().add("Access-Control-Request-Method", "GET"), HttpRequest.BodyPublishers.noBody(), null);
        assertThat(noOrigin.status()).isEqualTo(405);
        assertThat(corsHeaders(noOrigin)).isEmpty();
    }

    @Test
    void theConsumerApiAndTheHostedPageNeverCarryCorsHeaders() throws Exception {
        PersonDevice.Created flow = bank.createFlow("cors-person-02", "[{\"service_name\":\"consent\"}]");
        Headers key = Headers.test(TestServer.TEST_KEY).add("Origin", BANK);
        List<Reply> replies = List.of(
                server.postJson("/flow", key, "{\"person_id\":\"cors-person-03\",\"template\":{\"pipeline\":"
                        + "[{\"service_name\":\"consent\"}]}}"),
                server.get("/flow/" + flow.flowId(), key),
                server.postJson("/liveness2/session", key, "{\"person_id\":\"cors-person-04\"}"),
                server.get("/openapi.json", from(BANK)),
                server.get("/hf/" + flow.vlinkId(), from(BANK)),
                server.get("/hf/" + flow.vlinkId() + "/api/state", from(BANK)),
                server.postJson("/hf/" + flow.vlinkId() + "/api/start", from(BANK), ""),
                preflight("/flow", BANK, "POST"),
                preflight("/liveness2/session", BANK, "POST"),
                preflight("/hf/" + flow.vlinkId() + "/api/state", BANK, "GET"));
        for (Reply reply : replies) {
            assertThat(corsHeaders(reply)).as("%s %s", reply.status(), reply.body()).isEmpty();
        }
        // the preflights of paths outside CORS are what they were: a method the path does not have
        assertThat(preflight("/flow", BANK, "POST").status()).isEqualTo(405);
        assertThat(server.get("/flow/" + flow.flowId(), key).status()).isEqualTo(200);
    }

    @Test
    void withoutCorsOptionsNoOriginIsAllowed() throws Exception {
        try (TestServer plain = new TestServer("/kyc")) {
            Reply preflight = plain.send("OPTIONS", "/liveness2/client/session",
                    from(BANK).add("Access-Control-Request-Method", "GET"), HttpRequest.BodyPublishers.noBody(), null);
            assertThat(preflight.status()).isEqualTo(403);
            assertThat(json(preflight).get("error_code").asText()).isEqualTo("ORIGIN_NOT_ALLOWED");
            assertThat(corsHeaders(preflight)).isEmpty();
            Reply session = plain.get("/liveness2/client/session", from(BANK).add("Authorization", "Bearer x"));
            assertThat(corsHeaders(session)).isEmpty();
            // nothing depends on the origin, so nothing says it does
            assertThat(session.header("Vary")).isEmpty();
        }
    }

    @Test
    void anOriginIsSchemeHostAndPortAndNothingElse() {
        assertThat(CorsOptions.allow("HTTPS://Portal.Bank.Example/", "https://bank.example:443", "http://localhost:80",
                "http://localhost:08080", "http://127.0.0.1:3000", "http://[::1]:3000", "capacitor://localhost")
                .allowedOrigins()).containsExactly("https://portal.bank.example", "https://bank.example",
                "http://localhost", "http://localhost:8080", "http://127.0.0.1:3000", "http://[::1]:3000",
                "capacitor://localhost");
        assertThat(CorsOptions.none().allowedOrigins()).isEmpty();
        assertThat(CorsOptions.allow(BANK).allows(BANK)).isTrue();
        assertThat(CorsOptions.allow(BANK).allows(null)).isFalse();
        assertThat(CorsOptions.allow(BANK).allows(BANK + ":8443")).isFalse();

        assertThatThrownBy(() -> CorsOptions.allow("https://bank.example/login"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"https://bank.example/login\"").hasMessageContaining("path");
        assertThatThrownBy(() -> CorsOptions.allow("https://*.bank.example"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"https://*.bank.example\"").hasMessageContaining("wildcard");
        assertThatThrownBy(() -> CorsOptions.allow("*")).hasMessageContaining("wildcard");
        for (String bad : List.of("bank.example", "null", "https://", "https://bank.example:99999",
                "https://user@bank.example", "https://bank.example?x=1", "https://bank..example", "")) {
            assertThatThrownBy(() -> CorsOptions.allow(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"" + bad + "\"")
                    .hasMessageContaining("scheme://host[:port]");
        }
        assertThatThrownBy(() -> CorsOptions.allow((String) null)).isInstanceOf(NullPointerException.class);
    }
}
