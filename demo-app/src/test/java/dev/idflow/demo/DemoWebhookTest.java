package dev.idflow.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's --webhook: a receiver on this machine gets the events, signed, once; a restart keeps one endpoint. */
class DemoWebhookTest {
    private static final String KEY = "demo-webhook-key-1-4a8c2e6f0b3d5179";
    private static final String SECRET = "demo-webhook-secret-1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    @Test
    void theReceiverGetsEachEventSignedAndARestartKeepsOneEndpoint() throws Exception {
        List<String[]> received = new CopyOnWriteArrayList<>(); // signature, body
        java.util.concurrent.atomic.AtomicInteger down = new java.util.concurrent.atomic.AtomicInteger(2);
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hook", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (down.getAndDecrement() > 0) { // the receiver is down at first: two 503s
                    exchange.sendResponseHeaders(503, -1);
                    return;
                }
                received.add(new String[] {exchange.getRequestHeaders().getFirst("X-Idflow-Signature"), body});
                exchange.sendResponseHeaders(204, -1);
            } finally {
                exchange.close();
            }
        });
        receiver.start();
        String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
        String[] args = {"--port", "0", "--data-dir", dataDir.toString(), "--consumer", "bank:" + KEY,
                "--sweep-interval", "100ms", "--webhook", "bank:" + url + ":" + SECRET};
        try {
            DemoMain.Demo demo = DemoMain.Demo.start(DemoOptions.parse(args), new PrintStream(new ByteArrayOutputStream()));
            try {
                HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + demo.port() + "/flow"))
                        .header("X-Verigram-Api-Key", KEY).header("X-Verigram-Api-Version", "2")
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"person_id\":\"demo-person-9\",\"template\":"
                                + "{\"pipeline\":[{\"service_name\":\"consent\"}]}}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(created.statusCode()).isEqualTo(201);
                String vlink = JSON.readTree(created.body()).get("vlink").asText();
                String token = vlink.substring(vlink.lastIndexOf('/') + 1);
                HttpResponse<String> started = http.send(HttpRequest.newBuilder(
                                URI.create("http://localhost:" + demo.port() + "/hf/" + token + "/api/start"))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(started.statusCode()).isEqualTo(200);

                // 503, then 2-4 s later 503 again, then 2-8 s later the delivery
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (received.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(received).hasSize(1);
                assertThat(down.get()).as("it was tried while the receiver was down").isNegative();
                assertThat(demo.idflow.webhooks().deliveries("bank", 10)).singleElement()
                        .satisfies(d -> assertThat(d.attempts()).isEqualTo(3));
                String signature = received.get(0)[0];
                String body = received.get(0)[1];
                String t = signature.substring(2, signature.indexOf(','));
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                assertThat(signature).endsWith(",v1=" + HexFormat.of().formatHex(
                        mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8))));
                JsonNode event = JSON.readTree(body);
                assertThat(event.get("type").asText()).isEqualTo("flow_started");
                assertThat(event.get("flow_id").asText()).isEqualTo(JSON.readTree(created.body()).get("flow_id").asText());
            } finally {
                demo.stop();
            }
            DemoMain.Demo again = DemoMain.Demo.start(DemoOptions.parse(args), new PrintStream(new ByteArrayOutputStream()));
            try {
                assertThat(again.idflow.webhooks().list("bank")).hasSize(1);
            } finally {
                again.stop();
            }
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void aWrongWebhookIsAUsageErrorNamingThePart() {
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--webhook", "bank"}))
                .hasMessageStartingWith("--webhook: must be CONSUMER:URL:SECRET");
        assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--consumer", "bank:" + KEY, "--webhook",
                "other:http://127.0.0.1:9/hook:" + SECRET}))
                .hasMessageStartingWith("--webhook: CONSUMER other is not a consumer of this demo");
        DemoOptions.WebhookValue v = DemoOptions.parseWebhook("bank:http://127.0.0.1:9000/hook:" + SECRET);
        assertThat(v.url()).isEqualTo("http://127.0.0.1:9000/hook");
        assertThat(v.secret()).isEqualTo(SECRET);
        assertThat(v.toString()).doesNotContain(SECRET);
        assertThatThrownBy(() -> DemoMain.Demo.start(DemoOptions.parse(new String[] {"--port", "0", "--storage", "memory",
                "--consumer", "bank:" + KEY, "--webhook", "bank:https://10.0.0.1/hook:" + SECRET}),
                new PrintStream(new ByteArrayOutputStream())))
                .hasMessageStartingWith("--webhook: url: host 10.0.0.1 resolves to the private address 10.0.0.1");
    }
}
