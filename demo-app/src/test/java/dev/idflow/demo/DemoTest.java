package dev.idflow.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo as people start it: from its command line, on each storage. */
class DemoTest {
    private static final String DEMO_KEY = "demo-test-key-1-6f2c9a4e1b7d3058";
    private static final String PG_KEY = "pg-test-key-1-8e3b5d1f7a2c904617";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    @Test
    void withoutConsumersItPrintsAWorkingTestKeyAndACurlLine() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DemoMain.Demo demo = DemoMain.Demo.start(DemoOptions.parse(new String[] {
                "--port", "0", "--storage", "memory"}), new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            String printed = out.toString(StandardCharsets.UTF_8);
            String key = printed.replaceAll("(?s).*test API key: (\\S+).*", "$1");
            assertThat(printed).contains("curl -s -X POST").contains(key);
            HttpResponse<String> created = createFlow(demo.port(), key);
            assertThat(created.statusCode()).isEqualTo(201);
        } finally {
            demo.stop();
        }
    }

    @Test
    void aFlowCreatedBeforeARestartIsServedAfterItOnTheSameDataDir() throws Exception {
        String[] args = {"--port", "0", "--data-dir", dataDir.toString(), "--consumer", "bank:" + DEMO_KEY};
        DemoMain.Demo first = DemoMain.Demo.start(DemoOptions.parse(args), new PrintStream(new ByteArrayOutputStream()));
        String flowId;
        try {
            HttpResponse<String> created = createFlow(first.port(), DEMO_KEY);
            assertThat(created.statusCode()).isEqualTo(201);
            flowId = JSON.readTree(created.body()).get("flow_id").asText();
        } finally {
            first.stop();
        }
        DemoMain.Demo second = DemoMain.Demo.start(DemoOptions.parse(args), new PrintStream(new ByteArrayOutputStream()));
        try {
            HttpResponse<String> read = get(second.port(), "/flow/" + flowId, DEMO_KEY);
            assertThat(read.statusCode()).isEqualTo(200);
            JsonNode flow = JSON.readTree(read.body());
            assertThat(flow.get("flow_id").asText()).isEqualTo(flowId);
            assertThat(flow.at("/template/pipeline/0/action").asText()).isEqualTo("sign");
        } finally {
            second.stop();
        }
    }

    @Test
    void itsDataDirectoryIsTheOwnersOnlyAndSoAreTheFilesInIt() throws Exception {
        Path dir = dataDir.resolve("new-data-dir");
        String[] args = {"--port", "0", "--data-dir", dir.toString(), "--consumer", "bank:demo-perm-key-1-5b8e2f0c7a3d9146e2b0"};
        DemoMain.Demo demo = DemoMain.Demo.start(DemoOptions.parse(args), new PrintStream(new ByteArrayOutputStream()));
        try {
            assertThat(createFlow(demo.port(), "demo-perm-key-1-5b8e2f0c7a3d9146e2b0").statusCode()).isEqualTo(201);
        } finally {
            demo.stop();
        }

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(regularFiles(dir)).isNotEmpty().anyMatch(f -> f.getFileName().toString().equals("idflow.mv.db"))
                .allSatisfy(f -> assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
                        .as("%s", f).isEqualTo("rw-------"));
    }

    @Test
    void aDataDirectoryAnOlderDemoLeftReadableIsTightenedAtTheNextStart() throws Exception {
        String[] args = {"--port", "0", "--data-dir", dataDir.toString(), "--consumer", "bank:demo-perm-key-2-c4a1e7d3b9f05826a1c3"};
        DemoMain.Demo.start(DemoOptions.parse(args), new PrintStream(new ByteArrayOutputStream())).stop();
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (Path f : regularFiles(dataDir)) {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        }

        DemoMain.Demo.start(DemoOptions.parse(args), new PrintStream(new ByteArrayOutputStream())).stop();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir))).isEqualTo("rwx------");
        assertThat(regularFiles(dataDir)).allSatisfy(f -> assertThat(
                PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).as("%s", f).isEqualTo("rw-------"));
    }

    private static List<Path> regularFiles(Path dir) throws java.io.IOException {
        try (java.util.stream.Stream<Path> entries = Files.list(dir)) {
            return entries.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void itRunsOnARealPostgresql() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            String url = pg.getJdbcUrl("postgres", "postgres");
            DemoMain.Demo demo = DemoMain.Demo.start(DemoOptions.parse(new String[] {"--port", "0", "--storage", "postgres",
                    "--jdbc-url", url, "--jdbc-user", "postgres", "--jdbc-password", "postgres",
                    "--data-dir", dataDir.toString(), "--consumer", "bank:" + PG_KEY}),
                    new PrintStream(new ByteArrayOutputStream()));
            try {
                HttpResponse<String> created = createFlow(demo.port(), PG_KEY);
                assertThat(created.statusCode()).isEqualTo(201);
                String flowId = JSON.readTree(created.body()).get("flow_id").asText();
                assertThat(get(demo.port(), "/flow/" + flowId, PG_KEY).statusCode()).isEqualTo(200);
            } finally {
                demo.stop();
            }
        }
    }

    @Test
    void aConsumerKeyOrSecretShorterThan32CharactersIsAUsageErrorNamingTheRule() {
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--consumer", "bank:live-key-123:" + "s".repeat(32)}))
                .isInstanceOf(DemoOptions.UsageException.class)
                .hasMessageContaining("--consumer bank").hasMessageContaining("API key")
                .hasMessageContaining("32 to 256").hasMessageContaining("128 bits")
                .hasMessageNotContaining("live-key-123");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--consumer", "bank:" + "k".repeat(32) + ":live-secret-456"}))
                .isInstanceOf(DemoOptions.UsageException.class)
                .hasMessageContaining("API secret").hasMessageContaining("128 bits")
                .hasMessageNotContaining("live-secret-456");
    }

    @Test
    void faceAnalysisIsOnByDefaultAndAnOptionTurnsItOff() {
        assertThat(DemoOptions.parse(new String[] {"--port", "0"}).faceAnalysis()).isTrue();
        assertThat(DemoOptions.parse(new String[] {"--no-face-analysis", "--port", "0"}).faceAnalysis()).isFalse();
        assertThat(DemoOptions.parse(new String[] {"--port", "0", "--no-face-analysis"}).faceAnalysis()).isFalse();
        assertThat(DemoOptions.USAGE).contains("--no-face-analysis");
    }

    @Test
    void theCommandLineNamesWhatIsWrong() {
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--storage", "oracle"}))
                .hasMessageContaining("--storage");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--storage", "postgres"}))
                .hasMessageContaining("--jdbc-url");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--consumer", "onlyid"}))
                .hasMessageContaining("ID:KEY");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--sweep-interval", "soon"}))
                .hasMessageContaining("--sweep-interval");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--port"})).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--rate-limit", "fast"})).hasMessageContaining("--rate-limit");
        assertThat(DemoOptions.parse(new String[] {"--rate-limit", "50:500"}).liveRps()).isEqualTo(500);
        DemoOptions options = DemoOptions.parse(new String[] {"--port", "9090", "--consumer", "a:" + "k".repeat(32) + ":" + "s".repeat(32),
                "--consumer", "b:" + "t".repeat(32), "--inactivity-timeout", "20s", "--sweep-interval=1s"});
        assertThat(options.baseUrl()).isEqualTo("http://localhost:9090");
        assertThat(options.storage()).isEqualTo("h2");
        assertThat(options.inactivityTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(options.sweepInterval()).isEqualTo(Duration.ofSeconds(1));
        List<String> secrets = new ArrayList<>();
        options.consumers().forEach(c -> secrets.add(String.valueOf(c.secret())));
        assertThat(secrets).containsExactly("s".repeat(32), "null");
    }

    @Test
    void operatorsLogInToTheConsoleApiWithBasicAndSeeOnlyTheirConsumers() throws Exception {
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--operator", "alice"}))
                .isInstanceOf(DemoOptions.UsageException.class).hasMessageContaining("--operator");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--operator", "alice:pw:nobank"}))
                .isInstanceOf(DemoOptions.UsageException.class).hasMessageContaining("nobank");
        DemoOptions options = DemoOptions.parse(new String[] {"--port", "0", "--storage", "memory", "--no-face-analysis",
                "--operator", "alice:alice-pw-123:demo", "--operator", "root:root-pw-123"});
        assertThat(options.operators().get(0).toString()).doesNotContain("alice-pw-123");
        DemoMain.Demo demo = DemoMain.Demo.start(options, new PrintStream(new ByteArrayOutputStream()));
        try {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.util.function.BiFunction<String, String, HttpResponse<String>> get = (auth, path) -> {
                try {
                    var b = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + demo.port() + path));
                    if (auth != null) {
                        b.header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(auth.getBytes()));
                    }
                    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            assertThat(get.apply(null, "/console/api/session").statusCode()).isEqualTo(401);
            assertThat(get.apply("alice:wrong", "/console/api/session").statusCode()).isEqualTo(401);
            HttpResponse<String> alice = get.apply("alice:alice-pw-123", "/console/api/session");
            assertThat(alice.statusCode()).isEqualTo(200);
            assertThat(alice.body()).contains("\"consumers\":[\"demo\"]");
            assertThat(get.apply("alice:alice-pw-123", "/console/api/consumers/demo/flows").statusCode()).isEqualTo(200);
            assertThat(get.apply("alice:alice-pw-123", "/console/api/consumers/other/flows").statusCode()).isEqualTo(404);
            assertThat(get.apply("root:root-pw-123", "/console/api/session").body()).contains("\"all_consumers\":true");
        } finally {
            demo.stop();
        }
    }

    @Test
    void kycListValuesFromTheCommandLineAreOnTheConsumersListsAtStart() throws Exception {
        DemoOptions options = DemoOptions.parse(new String[] {"--port", "0", "--storage", "memory",
                "--kyc-list", "demo:blocked:iin:880101300123", "--kyc-list=demo:blocked:phone_number:+7 701 234 5678",
                "--kyc-list", "demo:vip:person_id:client:42"});
        assertThat(options.kycLists()).extracting(DemoOptions.KycListValue::value)
                .containsExactly("880101300123", "+7 701 234 5678", "client:42");
        assertThat(options.kycLists().get(0).toString()).doesNotContain("880101300123");
        DemoMain.Demo demo = DemoMain.Demo.start(options, new PrintStream(new ByteArrayOutputStream()));
        try {
            assertThat(demo.idflow.kycLists().listNames("demo")).containsExactly("blocked", "vip");
            assertThat(demo.idflow.kycLists().list("demo", "blocked")).extracting(e -> e.field() + "=" + e.value())
                    .containsExactly("iin=880101300123", "phone_number=77012345678");
            assertThat(demo.idflow.kycLists().list("demo", "vip")).extracting(e -> e.value()).containsExactly("client:42");
        } finally {
            demo.stop();
        }
    }

    @Test
    void aLiveKeyMayNameOtpAndNotificationBecauseTheDemoSendsItsMessagesToItsLog() throws Exception {
        String key = "live-demo-key-1-3c7e9a1f5b2d8046";
        String secret = "live-demo-secret-1-9d4b2f7a1c6e3058";
        DemoMain.Demo demo = DemoMain.Demo.start(DemoOptions.parse(new String[] {"--port", "0", "--storage", "memory",
                "--consumer", "bank:" + key + ":" + secret}), new PrintStream(new ByteArrayOutputStream()));
        try {
            String ts = Long.toString(java.time.Instant.now().getEpochSecond());
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + demo.port() + "/flow"))
                    .header("X-Verigram-Api-Key", key).header("X-Verigram-Api-Version", "2")
                    .header("X-Verigram-Ts", ts)
                    .header("X-Verigram-Hmac-SHA256", dev.idflow.core.internal.Crypto.hmacSha256Hex(
                            secret.getBytes(StandardCharsets.UTF_8), ts + "/flow"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"person_id\":\"demo-person-2\","
                            + "\"input_data\":{\"phone_number\":\"+77011234567\"},\"template\":{\"pipeline\":"
                            + "[{\"service_name\":\"notification\",\"text\":\"Hello\"},{\"service_name\":\"otp\"}]}}"))
                    .build(), HttpResponse.BodyHandlers.ofString());

            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        } finally {
            demo.stop();
        }
    }

    @Test
    void aSignedTestKeysSignatureIsCheckedAgainstItsSecret() throws Exception {
        String key = "test-signing-key-1-5e2a9c7f1b3d4068";
        String secret = "test-signing-secret-1-7c4e1a9f2b3d";
        DemoMain.Demo demo = DemoMain.Demo.start(DemoOptions.parse(new String[] {"--port", "0", "--storage", "memory",
                "--signed-test-key", "lender:" + key + ":" + secret}), new PrintStream(new ByteArrayOutputStream()));
        try {
            String body = "{\"person_id\":\"demo-person-3\",\"result\":{\"service_name\":\"kisc\","
                    + "\"service_status\":\"success\"},\"files\":{\"kisc_face_image\":\"\"}}";
            HttpRequest.Builder mockery = HttpRequest.newBuilder(URI.create("http://localhost:" + demo.port() + "/mockery/result"))
                    .header("X-Verigram-Api-Key", key).header("X-Verigram-Api-Version", "2")
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
            String ts = Long.toString(java.time.Instant.now().getEpochSecond());
            HttpResponse<String> forged = http.send(mockery.copy().header("X-Verigram-Ts", ts)
                    .header("X-Verigram-Hmac-SHA256", dev.idflow.core.internal.Crypto.hmacSha256Hex(
                            "another-secret-of-32-characters-x".getBytes(StandardCharsets.UTF_8), ts + "/mockery/result"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(forged.statusCode()).as("signed with another secret").isEqualTo(401);

            HttpResponse<String> signed = http.send(mockery.header("X-Verigram-Ts", ts)
                    .header("X-Verigram-Hmac-SHA256", dev.idflow.core.internal.Crypto.hmacSha256Hex(
                            secret.getBytes(StandardCharsets.UTF_8), ts + "/mockery/result")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(signed.statusCode()).as(signed.body()).isEqualTo(200);
        } finally {
            demo.stop();
        }
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--signed-test-key", "lender:" + key}))
                .isInstanceOf(DemoOptions.UsageException.class).hasMessageContaining("--signed-test-key")
                .hasMessageContaining("SECRET");
    }

    @Test
    void aWrongKycListValueIsAUsageErrorNamingThePartThatIsWrong() {
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--kyc-list", "demo:blocked:iin"}))
                .isInstanceOf(DemoOptions.UsageException.class).hasMessageContaining("CONSUMER:LIST:FIELD:VALUE");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--kyc-list", ":blocked:iin:880101300123"}))
                .isInstanceOf(DemoOptions.UsageException.class).hasMessageContaining("CONSUMER");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--kyc-list", "demo:Blocked List:iin:880101300123"}))
                .isInstanceOf(DemoOptions.UsageException.class).hasMessageContaining("LIST must be 1-64 characters");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--kyc-list", "demo:blocked:email:a@b.kz"}))
                .isInstanceOf(DemoOptions.UsageException.class)
                .hasMessageContaining("FIELD must be one of person_id, iin, phone_number");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--kyc-list", "demo:blocked:phone_number:call me"}))
                .isInstanceOf(DemoOptions.UsageException.class).hasMessageContaining("VALUE")
                .hasMessageContaining("phone_number").hasMessageNotContaining("call me");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--kyc-list", "demo:blocked:iin:   "}))
                .isInstanceOf(DemoOptions.UsageException.class).hasMessageContaining("VALUE must be 1-256 characters");
        // a consumer the demo does not have: without --consumer it has only "demo"
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--kyc-list", "bank:blocked:iin:880101300123"}))
                .isInstanceOf(DemoOptions.UsageException.class).hasMessageContaining("CONSUMER bank")
                .hasMessageContaining("--consumer");
        assertThat(DemoOptions.parse(new String[] {"--consumer", "bank:" + "k".repeat(32),
                "--kyc-list", "bank:blocked:iin:880101300123"}).kycLists()).hasSize(1);
        assertThat(DemoOptions.USAGE).contains("--kyc-list CONSUMER:LIST:FIELD:VALUE");
    }

    @Test
    void aBankPageOnACorsOriginMayCallTheLivenessClientApiAndNoOtherOriginMay() throws Exception {
        DemoOptions options = DemoOptions.parse(new String[] {"--port", "0", "--storage", "memory",
                "--consumer", "bank:" + DEMO_KEY, "--cors-origin", "https://portal.bank.example",
                "--cors-origin=http://localhost:3000/"});
        assertThat(options.cors().allowedOrigins()).containsExactly("https://portal.bank.example", "http://localhost:3000");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DemoMain.Demo demo = DemoMain.Demo.start(options, new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("https://portal.bank.example, http://localhost:3000");
            String base = "http://localhost:" + demo.port();
            HttpResponse<String> allowed = http.send(preflight(base, "http://localhost:3000"), HttpResponse.BodyHandlers.ofString());
            assertThat(allowed.statusCode()).isEqualTo(204);
            assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).contains("http://localhost:3000");
            assertThat(allowed.headers().firstValue("Access-Control-Allow-Headers")).contains("Authorization, Content-Type");
            HttpResponse<String> other = http.send(preflight(base, "https://evil.example"), HttpResponse.BodyHandlers.ofString());
            assertThat(other.statusCode()).isEqualTo(403);
            assertThat(JSON.readTree(other.body()).get("error_code").asText()).isEqualTo("ORIGIN_NOT_ALLOWED");
            assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

            HttpResponse<String> session = http.send(HttpRequest.newBuilder(URI.create(base + "/liveness2/session"))
                    .header("X-Verigram-Api-Key", DEMO_KEY).header("X-Verigram-Api-Version", "2")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"person_id\":\"demo-person-3\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(session.statusCode()).as(session.body()).isEqualTo(201);
            String token = JSON.readTree(session.body()).get("access_token").asText();
            HttpResponse<String> read = http.send(HttpRequest.newBuilder(URI.create(base + "/liveness2/client/session"))
                    .header("Origin", "https://portal.bank.example").header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(read.statusCode()).isEqualTo(200);
            assertThat(read.headers().firstValue("Access-Control-Allow-Origin")).contains("https://portal.bank.example");
            // the bank's backend call is never a browser's: no CORS on the consumer API
            assertThat(session.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        } finally {
            demo.stop();
        }
    }

    @Test
    void aCorsOriginThatIsNoOriginIsAUsageErrorNamingTheRule() {
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--cors-origin", "https://portal.bank.example/login"}))
                .isInstanceOf(DemoOptions.UsageException.class).hasMessageStartingWith("--cors-origin: ")
                .hasMessageContaining("\"https://portal.bank.example/login\"")
                .hasMessageContaining("scheme://host[:port]");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--cors-origin", "*"}))
                .isInstanceOf(DemoOptions.UsageException.class).hasMessageContaining("wildcard");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--cors-origin"})).hasMessageContaining("needs a value");
        assertThat(DemoOptions.parse(new String[0]).cors().allowedOrigins()).isEmpty();
        assertThat(DemoOptions.USAGE).contains("--cors-origin ORIGIN").contains("repeatable");
    }

    private static HttpRequest preflight(String base, String origin) {
        return HttpRequest.newBuilder(URI.create(base + "/liveness2/client/attempts"))
                .header("Origin", origin).header("Access-Control-Request-Method", "POST")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build();
    }

    private HttpResponse<String> createFlow(int port, String key) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/flow"))
                .header("X-Verigram-Api-Key", key).header("X-Verigram-Api-Version", "2")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"person_id\":\"demo-person-1\",\"template\":{\"pipeline\":"
                        + "[{\"service_name\":\"esign\",\"action\":\"sign\",\"files\":[\"input_files\"]}]}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void esignIssuesFromTheDemosTestCaKeptInTheDataDirAndReusesTheCertificateAfterARestart() throws Exception {
        String key = "demo-esign-key-1-3c9e5a7b1d2f4068";
        String[] args = {"--port", "0", "--data-dir", dataDir.toString(), "--consumer", "bank:" + key};
        String pipeline = "{\"person_id\":\"demo-signer-1\",\"input_data\":{\"full_name\":\"Демо Подписант\","
                + "\"iin\":\"900101300123\"},\"template\":{\"pipeline\":[{\"service_name\":\"esign\","
                + "\"action\":\"issue\",\"skip_exists\":true}]}}";
        JsonNode firstStatus;
        byte[] testCa;
        DemoMain.Demo first = DemoMain.Demo.start(DemoOptions.parse(args), new PrintStream(new ByteArrayOutputStream()));
        try {
            firstStatus = issueThroughTheVlink(first.port(), key, pipeline);
            assertThat(firstStatus.get("reused").asBoolean()).isFalse();
            assertThat(firstStatus.get("issuer").asText()).isEqualTo("CN=idflow demo TEST CA,O=idflow");
            assertThat(firstStatus.get("subject").asText()).isEqualTo("CN=Демо Подписант,SERIALNUMBER=IIN900101300123");
        } finally {
            first.stop();
        }
        Path esign = dataDir.resolve("esign");
        assertThat(esign.resolve("live-ca.p12")).exists();
        testCa = Files.readAllBytes(esign.resolve("test-ca.p12"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(esign.resolve("test-ca.p12"))))
                .isEqualTo("rw-------");

        DemoMain.Demo second = DemoMain.Demo.start(DemoOptions.parse(args), new PrintStream(new ByteArrayOutputStream()));
        try {
            JsonNode again = issueThroughTheVlink(second.port(), key, pipeline);
            assertThat(again.get("reused").asBoolean()).as("the same CA, the certificate still valid").isTrue();
            assertThat(again.get("serial_number").asText()).isEqualTo(firstStatus.get("serial_number").asText());
        } finally {
            second.stop();
        }
        assertThat(Files.readAllBytes(esign.resolve("test-ca.p12"))).as("the CA was kept, not made again").isEqualTo(testCa);
    }

    /** Creates the flow, starts it through its vlink as the person's page would, and reads its cert_status. */
    private JsonNode issueThroughTheVlink(int port, String key, String body) throws Exception {
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/flow"))
                .header("X-Verigram-Api-Key", key).header("X-Verigram-Api-Version", "2")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode flow = JSON.readTree(created.body());
        String vlink = flow.get("vlink").asText();
        String vlinkId = vlink.substring(vlink.lastIndexOf('/') + 1);
        HttpResponse<String> started = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/hf/"
                        + vlinkId + "/api/start")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
        assertThat(JSON.readTree(started.body()).get("flow_status").asText()).isEqualTo("pass");
        HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                        + "/resources/file?label=cert_status&flow_id=" + flow.get("flow_id").asText()))
                .header("X-Verigram-Api-Key", key).header("X-Verigram-Api-Version", "2")
                .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
        return JSON.readTree(status.body());
    }

    private HttpResponse<String> get(int port, String path, String key) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("X-Verigram-Api-Key", key).header("X-Verigram-Api-Version", "2").GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
