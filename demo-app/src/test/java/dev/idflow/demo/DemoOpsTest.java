package dev.idflow.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's /metrics (Prometheus text with idflow's meters) and /health (200 UP, 503 DOWN without its database). */
class DemoOpsTest {
    private static final String KEY = "demo-ops-key-1-7d2b9e4f1a6c30581";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    private DemoMain.Demo start() throws Exception {
        return DemoMain.Demo.start(DemoOptions.parse(new String[] {"--port", "0", "--data-dir", dataDir.toString(),
                "--consumer", "bank:" + KEY, "--sweep-interval", "1s"}), new PrintStream(new ByteArrayOutputStream()));
    }

    private HttpResponse<String> get(DemoMain.Demo demo, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + demo.port() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsAnswerPrometheusTextWithIdflowsMetersThatMoveWithTheApi() throws Exception {
        DemoMain.Demo demo = start();
        try {
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> created = http.send(HttpRequest.newBuilder(
                                URI.create("http://localhost:" + demo.port() + "/flow"))
                        .header("X-Verigram-Api-Key", KEY).header("X-Verigram-Api-Version", "2")
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"person_id\":\"ops-person-" + i + "\",\"template\":"
                                + "{\"pipeline\":[{\"service_name\":\"consent\"}]}}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(created.statusCode()).isEqualTo(201);
            }
            HttpResponse<String> metrics = get(demo, "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
            assertThat(metrics.body()).contains("# TYPE idflow_flow_creations_total counter")
                    .containsPattern("idflow_flow_creations_total\\{kind=\"test\"} 2\\.0");
            assertThat(metrics.body()).doesNotContain("ops-person-");
        } finally {
            demo.stop();
        }
    }

    @Test
    void healthIsUpWithItsDatabaseAndBackgroundWorkAndDownWhenTheDatabaseIsGone() throws Exception {
        DemoMain.Demo demo = start();
        try {
            HttpResponse<String> up = get(demo, "/health");
            assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
            assertThat(up.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
            JsonNode body = JSON.readTree(up.body());
            assertThat(body.get("status").asText()).isEqualTo("UP");
            assertThat(body.at("/checks/database/status").asText()).isEqualTo("UP");
            assertThat(body.at("/checks/background/status").asText()).isEqualTo("UP");

            // the database goes away (its pool closed): the check fails, within its timeout
            demo.storage.close();
            long start = System.nanoTime();
            HttpResponse<String> down = get(demo, "/health");
            assertThat(System.nanoTime() - start).isLessThan(java.util.concurrent.TimeUnit.SECONDS.toNanos(10));
            assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
            JsonNode failed = JSON.readTree(down.body());
            assertThat(failed.get("status").asText()).isEqualTo("DOWN");
            assertThat(failed.at("/checks/database/status").asText()).isEqualTo("DOWN");
            assertThat(failed.at("/checks/database/detail").asText()).startsWith("the storage failed").doesNotContain("jdbc:");
        } finally {
            demo.stop();
        }
    }
}
