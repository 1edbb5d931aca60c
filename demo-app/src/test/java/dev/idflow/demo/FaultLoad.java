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
import java.util.Set;
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

    /**
     * Threads writing files until stopped or the demo is gone: uploads to {@code POST /resources/storage}
     * (a person of its own each, text of random length up to 256 KiB) and liveness attempts with frames and
     * a video (a session and person of their own each; half of them scripted {@code real} in the sandbox, the
     * rest judged by the demo's own sandbox verdict). Each is recorded as sent before its request and as
     * acknowledged once its answer arrived.
     */
    static final class FileWriters {
        static final String UPLOAD_LABEL = "faultup";
        /** person id → the bytes uploaded for them. */
        final Map<String, byte[]> uploadsSent = new ConcurrentHashMap<>();
        final Set<String> uploadsAcked = ConcurrentHashMap.newKeySet();
        /** session id → {first frame (the best frame), video}. */
        final Map<String, byte[][]> attemptsSent = new ConcurrentHashMap<>();
        final Set<String> attemptsAcked = ConcurrentHashMap.newKeySet();
        /** session id → its person. */
        final Map<String, String> sessionPerson = new ConcurrentHashMap<>();
        /** Answers other than success to a whole request (a 429 gives the attempt back: not a fault). */
        final List<String> refused = java.util.Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();
        private final int port;

        FileWriters(int port) {
            this.port = port;
        }

        FileWriters start(int n) {
            for (int i = 0; i < n; i++) {
                Thread t = new Thread(this::run, "fault-file-writer-" + i);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
            return this;
        }

        private void run() {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (!stop.get()) {
                try {
                    if (random.nextBoolean()) {
                        upload(random);
                    } else {
                        attempt(random);
                    }
                } catch (IOException e) {
                    return; // the demo is gone: what got no answer was never acknowledged
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private void upload(ThreadLocalRandom random) throws IOException, InterruptedException {
            String person = "fault-up-" + java.util.UUID.randomUUID();
            StringBuilder text = new StringBuilder("upload for " + person + "\n");
            int length = random.nextInt(16, 256 * 1024);
            while (text.length() < length) {
                text.append(Long.toHexString(random.nextLong())).append(random.nextInt(8) == 0 ? '\n' : ' ');
            }
            byte[] content = text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            Multipart body = new Multipart().field("label", UPLOAD_LABEL).field("person_id", person)
                    .file("upload_file", "upload.txt", "text/plain", content);
            uploadsSent.put(person, content);
            HttpResponse<String> answer = HTTP.send(body.request(port, "/resources/storage")
                    .header("X-Verigram-Api-Key", KEY).header("X-Verigram-Api-Version", "2").build(),
                    HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() / 100 == 2) {
                uploadsAcked.add(person);
                acked();
            } else {
                refused.add("upload: " + answer.statusCode() + " " + answer.body());
            }
        }

        private void attempt(ThreadLocalRandom random) throws IOException, InterruptedException {
            String person = "fault-live-" + java.util.UUID.randomUUID();
            if (random.nextBoolean() && post(port, "/mockery/result", "{\"person_id\":\"" + person
                    + "\",\"result\":{\"service_name\":\"verilive\",\"service_status\":\"real\"}}", true).statusCode() != 200) {
                return;
            }
            HttpResponse<String> created = post(port, "/liveness2/session", "{\"person_id\":\"" + person + "\"}", true);
            if (created.statusCode() != 201) {
                return;
            }
            JsonNode session = JSON.readTree(created.body());
            String sessionId = session.get("session_id").asText();
            String token = session.get("access_token").asText();
            sessionPerson.put(sessionId, person);
            int frames = random.nextInt(1, 4);
            String now = java.time.Instant.now().toString();
            StringBuilder meta = new StringBuilder("{\"platform\":\"web\",\"started_at\":\"" + now + "\",\"ended_at\":\""
                    + now + "\",\"actions\":[],\"frames\":[");
            Multipart body = new Multipart();
            byte[] best = null;
            for (int i = 0; i < frames; i++) {
                meta.append(i == 0 ? "" : ",").append("{\"taken_at\":\"").append(now).append("\"}");
                byte[] frame = frame(random);
                best = best == null ? frame : best;
                body.file("frame", "frame-" + i + ".jpg", "image/jpeg", frame);
            }
            byte[] video = webm(random);
            body.field("metadata", meta.append("]}").toString()).file("video", "attempt.webm", "video/webm", video);
            attemptsSent.put(sessionId, new byte[][] {best, video});
            HttpResponse<String> answer = HTTP.send(body.request(port, "/liveness2/client/attempts")
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() == 200) {
                attemptsAcked.add(sessionId);
                acked();
            } else {
                refused.add("attempt: " + answer.statusCode() + " " + answer.body());
            }
        }

        private final java.util.concurrent.atomic.AtomicReference<Runnable> onNextAck = new java.util.concurrent.atomic.AtomicReference<>();

        private void acked() {
            Runnable once = onNextAck.getAndSet(null);
            if (once != null) {
                once.run(); // in the thread that just got the answer
            }
        }

        /** Runs {@code action} once, right after the next acknowledged upload or attempt, in the writer that saw it. */
        void onNextAck(Runnable action) {
            onNextAck.set(action);
        }

        /** Whether an upload and an attempt were acknowledged (the demo's first ones after a start are slow). */
        boolean bothAcked() {
            return !uploadsAcked.isEmpty() && !attemptsAcked.isEmpty();
        }

        void stopAndJoin() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(15_000);
            }
        }

        /** Takes in what another (stopped) set of writers sent and had acknowledged. */
        void absorb(FileWriters other) {
            uploadsSent.putAll(other.uploadsSent);
            uploadsAcked.addAll(other.uploadsAcked);
            attemptsSent.putAll(other.attemptsSent);
            attemptsAcked.addAll(other.attemptsAcked);
            sessionPerson.putAll(other.sessionPerson);
            refused.addAll(other.refused);
        }
    }

    /** A real JPEG of a random colour with a face-like oval, so that every attempt's frames differ. */
    static byte[] frame(ThreadLocalRandom random) {
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(320, 240, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = image.createGraphics();
        g.setColor(new java.awt.Color(random.nextInt(0x1000000)));
        g.fillRect(0, 0, 320, 240);
        g.setColor(new java.awt.Color(224, 172, 105));
        g.fillOval(106, 40, 106, 160);
        g.dispose();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            javax.imageio.ImageIO.write(image, "jpg", out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Bytes a WebM sniffer accepts (the EBML header), then random bytes: the demo stores, not plays, it. */
    static byte[] webm(ThreadLocalRandom random) {
        byte[] head = {0x1a, 0x45, (byte) 0xdf, (byte) 0xa3, (byte) 0x9f, 0x42, (byte) 0x86, (byte) 0x81, 0x01, 0x42,
            (byte) 0xf7, (byte) 0x81, 0x01, 0x42, (byte) 0xf2, (byte) 0x81, 0x04, 0x42, (byte) 0xf3, (byte) 0x81, 0x08,
            0x42, (byte) 0x82, (byte) 0x84, 'w', 'e', 'b', 'm'};
        byte[] video = new byte[head.length + random.nextInt(1, 64 * 1024)];
        random.nextBytes(video);
        System.arraycopy(head, 0, video, 0, head.length);
        return video;
    }

    /** A multipart/form-data body. */
    static final class Multipart {
        private final String boundary = "fault-" + java.util.UUID.randomUUID();
        private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

        Multipart field(String name, String value) {
            return part("Content-Disposition: form-data; name=\"" + name + "\"\r\n",
                    value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        Multipart file(String name, String filename, String type, byte[] content) {
            return part("Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename + "\"\r\n"
                    + "Content-Type: " + type + "\r\n", content);
        }

        private Multipart part(String headers, byte[] content) {
            out.writeBytes(("--" + boundary + "\r\n" + headers + "\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.writeBytes(content);
            out.writeBytes("\r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return this;
        }

        HttpRequest.Builder request(int port, String path) {
            byte[] body = java.util.Arrays.copyOf(out.toByteArray(), out.size());
            byte[] end = ("--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] all = java.util.Arrays.copyOf(body, body.length + end.length);
            System.arraycopy(end, 0, all, body.length, end.length);
            return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary).timeout(Duration.ofSeconds(20))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(all));
        }
    }

    /** What {@link #fileViolations} looked at. */
    record FilesChecked(int uploadsAcked, int uploadsVisible, int uploadsAbsent, int attemptsAcked, int sessionsWithVerdict,
            int sessionsWithout, int downloads) {
    }

    static HttpResponse<byte[]> download(int port, String query) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/resources/file?" + query))
                .header("X-Verigram-Api-Key", KEY).header("X-Verigram-Api-Version", "2")
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /**
     * The files invariant over the API, for everything sent so far (acknowledged or not): an acknowledged
     * upload downloads whole; an unacknowledged one downloads whole or not at all; a session whose journal
     * shows a verdict (the commit that binds its files) has its best frame and video downloadable by session,
     * person and flow, byte for byte; a session with no verdict has no file visible by any of them.
     * Adds each violation to {@code violations}.
     */
    static FilesChecked fileViolations(int port, FileWriters w, List<String> violations) throws Exception {
        int uploadsVisible = 0;
        int uploadsAbsent = 0;
        int withVerdict = 0;
        int without = 0;
        int downloads = 0;
        for (Map.Entry<String, byte[]> e : w.uploadsSent.entrySet()) {
            String person = e.getKey();
            boolean acked = w.uploadsAcked.contains(person);
            HttpResponse<byte[]> got = download(port, "label=" + FileWriters.UPLOAD_LABEL + "&person_id=" + person);
            downloads++;
            if (got.statusCode() == 200) {
                uploadsVisible++;
                if (!java.util.Arrays.equals(got.body(), e.getValue())) {
                    violations.add("upload " + person + (acked ? " (acknowledged)" : "") + ": downloads " + got.body().length
                            + " bytes that are not the " + e.getValue().length + " uploaded");
                }
            } else {
                uploadsAbsent++;
                if (acked) {
                    violations.add("acknowledged upload " + person + ": download " + got.statusCode());
                } else if (got.statusCode() != 404 && got.statusCode() != 422) {
                    violations.add("unacknowledged upload " + person + ": download " + got.statusCode() + " (not a not-found)");
                }
            }
        }
        for (Map.Entry<String, byte[][]> e : w.attemptsSent.entrySet()) {
            String session = e.getKey();
            String person = w.sessionPerson.get(session);
            boolean acked = w.attemptsAcked.contains(session);
            HttpResponse<String> journal = get(port, "/journal/session/" + session);
            if (journal.statusCode() != 200) {
                violations.add("session " + session + ": journal " + journal.statusCode());
                continue;
            }
            JsonNode read = JSON.readTree(journal.body());
            boolean verdict = read.hasNonNull("result");
            String flow = read.path("flow_id").asText();
            if (acked && !verdict) {
                violations.add("acknowledged attempt of session " + session + ": no verdict in its journal");
            }
            if (verdict) {
                withVerdict++;
            } else {
                without++;
            }
            String[] labels = {"bestframe", "liveness_video"};
            for (int i = 0; i < labels.length; i++) {
                for (String by : new String[] {"session_id=" + session, "person_id=" + person, "flow_id=" + flow}) {
                    HttpResponse<byte[]> got = download(port, "label=" + labels[i] + "&" + by);
                    downloads++;
                    if (verdict && (got.statusCode() != 200 || !java.util.Arrays.equals(got.body(), e.getValue()[i]))) {
                        violations.add("session " + session + " names its " + labels[i] + " (a verdict) but " + by + " gives "
                                + got.statusCode() + (got.statusCode() == 200 ? " with other bytes" : ""));
                    }
                    if (!verdict && got.statusCode() == 200) {
                        violations.add("session " + session + " has no verdict, yet its " + labels[i] + " downloads by " + by);
                    }
                    if (!verdict && got.statusCode() != 200 && got.statusCode() != 404) {
                        violations.add("session " + session + ": " + labels[i] + " by " + by + " answers " + got.statusCode());
                    }
                }
            }
        }
        return new FilesChecked(w.uploadsAcked.size(), uploadsVisible, uploadsAbsent, w.attemptsAcked.size(), withVerdict,
                without, downloads);
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
