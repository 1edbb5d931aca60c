package dev.idflow.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the fault tests share: the demo as a child JVM (so that it can be killed with SIGKILL), writers
 * that record a write only once its answer arrived, and the check that every acknowledged write is there.
 */
final class FaultLoad {
    static final String KEY = "fault-test-key-0017-7a1c6e30589d4b2f";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** How far a flow got, as its answers said: each later one implies the earlier. */
    enum Ack { CREATED, STARTED, PASSED }

    private FaultLoad() {
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The demo in a JVM of its own, on this test's classpath; its output goes to a file. */
    static final class DemoProcess {
        private final List<String> args;
        private final Path log;
        final int port;
        private Process process;

        DemoProcess(Path log, int port, String... extra) {
            this.log = log;
            this.port = port;
            this.args = new ArrayList<>(List.of("--port", Integer.toString(port), "--consumer", "bank:" + KEY,
                    "--no-face-analysis", "--sweep-interval", "1s", "--rate-limit", "100000:100000"));
            this.args.addAll(List.of(extra));
        }

        void start() throws Exception {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-cp", System.getProperty("java.class.path"), DemoMain.class.getName()));
            command.addAll(args);
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (System.nanoTime() < end) {
                if (!process.isAlive()) {
                    throw new AssertionError("the demo exited at start:\n" + Files.readString(log));
                }
                try {
                    if (get("/health").statusCode() == 200) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                Thread.sleep(100);
            }
            throw new AssertionError("the demo did not answer /health within 120 s:\n" + Files.readString(log));
        }

        /** Sends SIGKILL (Linux) without waiting. */
        void killNow() {
            process.destroyForcibly();
        }

        /** SIGKILL on Linux: no shutdown hook, no close, no flush. */
        void kill9() throws InterruptedException {
            process.destroyForcibly().waitFor();
        }

        void stop() throws InterruptedException {
            if (process != null && process.isAlive()) {
                process.destroy();
                if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            }
        }

        HttpResponse<String> get(String path) throws IOException, InterruptedException {
            return FaultLoad.get(port, path);
        }
    }

    static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("X-Verigram-Api-Key", KEY).header("X-Verigram-Api-Version", "2")
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(int port, String path, String body, boolean consumer) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (consumer) {
            request.header("X-Verigram-Api-Key", KEY).header("X-Verigram-Api-Version", "2");
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String consentFlow(String person) {
        return "{\"person_id\":\"" + person + "\",\"template\":{\"pipeline\":[{\"service_name\":\"consent\"}]}}";
    }

    /** Threads creating, starting and submitting consent flows until stopped or the demo is gone. */
    static final class Writers {
        final Map<String, Ack> acked = new ConcurrentHashMap<>();
        final AtomicInteger answers = new AtomicInteger();
        final AtomicLong lastAckNanos = new AtomicLong();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();
        private final int port;

        Writers(int port) {
            this.port = port;
        }

        Writers start(int n) {
            for (int i = 0; i < n; i++) {
                Thread t = new Thread(this::run, "fault-writer-" + i);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
            return this;
        }

        private final java.util.concurrent.atomic.AtomicReference<Runnable> onNextAck = new java.util.concurrent.atomic.AtomicReference<>();

        private void ack(String flowId, Ack what) {
            acked.put(flowId, what);
            answers.incrementAndGet();
            lastAckNanos.set(System.nanoTime());
            Runnable once = onNextAck.getAndSet(null);
            if (once != null) {
                once.run(); // in the thread that just got the answer: the kill follows it within a millisecond
            }
        }

        /** Runs {@code action} once, right after the next acknowledged write, in the writer that saw it. */
        void onNextAck(Runnable action) {
            onNextAck.set(action);
        }

        private void run() {
            String person = "fault-person-" + ThreadLocalRandom.current().nextInt(1_000_000);
            while (!stop.get()) {
                try {
                    HttpResponse<String> created = post(port, "/flow", consentFlow(person), true);
                    if (created.statusCode() != 201) {
                        continue;
                    }
                    JsonNode flow = JSON.readTree(created.body());
                    String flowId = flow.get("flow_id").asText();
                    ack(flowId, Ack.CREATED);
                    String vlink = flow.get("vlink").asText().substring(flow.get("vlink").asText().lastIndexOf('/') + 1);
                    if (post(port, "/hf/" + vlink + "/api/start", "{}", false).statusCode() == 200) {
                        ack(flowId, Ack.STARTED);
                    }
                    HttpResponse<String> submitted = post(port, "/hf/" + vlink + "/api/steps/step-1/submit",
                            "{\"accepted\":true}", false);
                    if (submitted.statusCode() == 200 && "pass".equals(JSON.readTree(submitted.body()).path("flow_status").asText())) {
                        ack(flowId, Ack.PASSED);
                    }
                } catch (IOException e) {
                    return; // the demo is gone: what got no answer was never acknowledged
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        boolean anyPassed() {
            return acked.containsValue(Ack.PASSED);
        }

        void stopAndJoin() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(15_000);
            }
        }
    }

    /** Every acknowledged write that is not as acknowledged (empty when all are there). */
    static Map<String, String> missing(int port, Map<String, Ack> acked) throws Exception {
        Map<String, String> missing = new LinkedHashMap<>();
        for (Map.Entry<String, Ack> e : acked.entrySet()) {
            HttpResponse<String> read = get(port, "/flow/" + e.getKey());
            if (read.statusCode() != 200) {
                missing.put(e.getKey(), e.getValue() + ": GET " + read.statusCode());
                continue;
            }
            JsonNode flow = JSON.readTree(read.body());
            if (e.getValue() != Ack.CREATED && flow.path("started_at").isMissingNode()) {
                missing.put(e.getKey(), e.getValue() + ": not started");
            }
            if (e.getValue() == Ack.PASSED && !"pass".equals(flow.path("flow_status").asText())) {
                missing.put(e.getKey(), e.getValue() + ": flow_status " + flow.path("flow_status").asText());
            }
        }
        return missing;
    }
}
