package dev.idflow.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real PostgreSQL stopped and started again under a running demo: while it is down every request is
 * answered within 2 s with the JSON 500 and /health says DOWN; once it is back requests are served
 * again within seconds by the same demo, which was never restarted.
 */
class DatabaseOutageTest {
    private static final long TWO_SECONDS = TimeUnit.SECONDS.toNanos(2);

    @TempDir
    Path dir;

    record Answer(String what, int status, String body, long nanos) {
    }

    @Test
    void anOutageFailsFastAndHealsWithoutARestart() throws Exception {
        int pgPort = pgPort();
        Path pgData = dir.resolve("pg");
        EmbeddedPostgres pg = postgres(pgPort, pgData);
        DemoMain.Demo demo = null;
        try {
            demo = DemoMain.Demo.start(DemoOptions.parse(new String[] {"--port", "0", "--storage", "postgres",
                    "--jdbc-url", pg.getJdbcUrl("postgres", "postgres"), "--jdbc-user", "postgres", "--jdbc-password", "postgres",
                    "--data-dir", dir.resolve("data").toString(), "--consumer", "bank:" + FaultLoad.KEY,
                    "--rate-limit", "100000:100000", "--no-face-analysis", "--sweep-interval", "1s"}),
                    new PrintStream(new ByteArrayOutputStream()));
            int port = demo.port();
            HttpResponse<String> before = FaultLoad.post(port, "/flow", FaultLoad.consentFlow("outage-person-1"), true);
            assertThat(before.statusCode()).as(before.body()).isEqualTo(201);
            String flowId = FaultLoad.JSON.readTree(before.body()).get("flow_id").asText();

            pg.close(); // the server stops; its data directory stays
            List<Answer> answers = hammer(port, flowId, TimeUnit.SECONDS.toNanos(4));

            List<Answer> api = answers.stream().filter(a -> !a.what().equals("health")).toList();
            assertThat(api).as("API requests while down").hasSizeGreaterThan(10).allSatisfy(a -> {
                assertThat(a.status()).as(a.what()).isEqualTo(500);
                JsonNode body = FaultLoad.JSON.readTree(a.body());
                assertThat(body.path("error_code").asText()).isEqualTo("INTERNAL_ERROR");
            });
            assertThat(answers).allSatisfy(a -> assertThat(a.nanos()).as("%s answered in %d ms", a.what(), a.nanos() / 1_000_000)
                    .isLessThanOrEqualTo(TWO_SECONDS));
            assertThat(answers.stream().filter(a -> a.what().equals("health")).toList()).isNotEmpty()
                    .allSatisfy(a -> assertThat(a.status()).isEqualTo(503));

            pg = postgres(pgPort, pgData); // back, same data
            long back = System.nanoTime();
            int status = 0;
            while (System.nanoTime() - back < TimeUnit.SECONDS.toNanos(15)) {
                status = FaultLoad.post(port, "/flow", FaultLoad.consentFlow("outage-person-2"), true).statusCode();
                if (status == 201) {
                    break;
                }
                Thread.sleep(50);
            }
            long healedMillis = (System.nanoTime() - back) / 1_000_000;
            assertThat(status).as("POST /flow after the database came back").isEqualTo(201);
            assertThat(healedMillis).as("served again within seconds").isLessThan(10_000);
            assertThat(FaultLoad.get(port, "/flow/" + flowId).statusCode()).isEqualTo(200);
            System.out.printf("DatabaseOutageTest: %d answers while down, the slowest %d ms; served again %d ms after the "
                    + "database returned%n", answers.size(), answers.stream().mapToLong(Answer::nanos).max().orElse(0) / 1_000_000,
                    healedMillis);
        } finally {
            if (demo != null) {
                demo.stop();
            }
            pg.close();
        }
    }

    /** Three threads: creates, reads, health checks, for {@code nanos}; every answer timed. */
    private static List<Answer> hammer(int port, String flowId, long nanos) throws InterruptedException {
        List<Answer> answers = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (String what : List.of("create", "read", "health")) {
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    long start = System.nanoTime();
                    try {
                        HttpResponse<String> r = switch (what) {
                            case "create" -> FaultLoad.post(port, "/flow", FaultLoad.consentFlow("outage-person-3"), true);
                            case "read" -> FaultLoad.get(port, "/flow/" + flowId);
                            default -> FaultLoad.get(port, "/health");
                        };
                        answers.add(new Answer(what, r.statusCode(), r.body(), System.nanoTime() - start));
                    } catch (IOException | InterruptedException e) {
                        answers.add(new Answer(what, -1, e.toString(), System.nanoTime() - start));
                    }
                }
            });
            t.start();
            threads.add(t);
        }
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(nanos));
        stop.set(true);
        for (Thread t : threads) {
            t.join(15_000);
        }
        return new ArrayList<>(answers);
    }

    private static EmbeddedPostgres postgres(int port, Path data) throws IOException {
        return EmbeddedPostgres.builder().setPort(port).setDataDirectory(data).setCleanDataDirectory(false).start();
    }

    /** A free port among those this work may use for its own PostgreSQL (55420-55429). */
    private static int pgPort() throws IOException {
        for (int port = 55422; port <= 55429; port++) {
            try (ServerSocket socket = new ServerSocket(port)) {
                return port;
            } catch (IOException taken) {
                // next
            }
        }
        return FaultLoad.freePort();
    }
}
