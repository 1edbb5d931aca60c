package dev.idflow.bench.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes what the HTTP scenarios read, through the demo's own API (a test key without a secret: the
 * {@code X-Verigram-Api-Key} and {@code X-Verigram-Api-Version} headers, as DemoTest sends them): the flows
 * of the GET scenarios ({@code POST /flow} of a one-step consent template), a flow taken to its end through
 * its vlink for {@code GET /flow/{id}/result}, an uploaded file for the download, and liveness sessions for
 * the attempts. {@code Seeder URL KEY N FILE} creates N flows and writes their ids to FILE, one a line.
 */
public final class Seeder {
    static final ObjectMapper JSON = new ObjectMapper();
    /** The body of every flow the harness creates, POST /flow's scenario included. */
    static final String FLOW_BODY = "{\"person_id\":\"bench-person-0001\",\"template\":{\"pipeline\":"
            + "[{\"service_name\":\"consent\"}]}}";
    static final String SESSION_BODY = "{\"person_id\":\"bench-session-person\"}";
    static final String UPLOAD_LABEL = "benchfile";
    static final String UPLOAD_PERSON = "bench-download-person";

    private final String base;
    private final String key;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    Seeder(String base, String key) {
        this.base = base;
        this.key = key;
    }

    public static void main(String[] args) throws Exception {
        Seeder seeder = new Seeder(args[0], args[1]);
        List<String> ids = seeder.flows(Integer.parseInt(args[2]), 8);
        Files.write(Path.of(args[3]), ids);
        System.out.println(ids.size() + " flows created, ids in " + args[3]);
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("X-Verigram-Api-Key", key).header("X-Verigram-Api-Version", "2");
    }

    HttpResponse<byte[]> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<byte[]> postJson(String path, String body, boolean consumer) throws IOException, InterruptedException {
        HttpRequest.Builder b = consumer ? request(path) : HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        return send(b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
        return send(request(path).GET().build());
    }

    static JsonNode json(HttpResponse<byte[]> response, int expected, String what) throws IOException {
        if (response.statusCode() != expected) {
            throw new IllegalStateException(what + ": HTTP " + response.statusCode() + " (expected " + expected + "): "
                    + new String(response.body(), StandardCharsets.UTF_8));
        }
        return JSON.readTree(response.body());
    }

    /** One flow: POST /flow; its id. */
    String flow() throws IOException, InterruptedException {
        return json(postJson("/flow", FLOW_BODY, true), 201, "POST /flow").get("flow_id").asText();
    }

    /** {@code n} flows created by {@code threads} clients at once; their ids. */
    List<String> flows(int n, int threads) throws Exception {
        return inParallel(n, threads, this::flow);
    }

    /** One answer of a seeding request. */
    @FunctionalInterface
    private interface Make {
        String make() throws IOException, InterruptedException;
    }

    /** {@code n} results of {@code make}, by {@code threads} clients at once. */
    private static List<String> inParallel(int n, int threads, Make make) throws Exception {
        List<String> out = Collections.synchronizedList(new ArrayList<>(n));
        AtomicInteger left = new AtomicInteger(n);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                running.add(pool.submit(() -> {
                    while (left.getAndDecrement() > 0) {
                        out.add(make.make());
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return new ArrayList<>(out);
    }

    /** A consent flow created, started and accepted through its vlink, as the person's page does: its id. */
    String endedFlow() throws IOException, InterruptedException {
        JsonNode flow = json(postJson("/flow", FLOW_BODY, true), 201, "POST /flow");
        String vlink = flow.get("vlink").asText();
        String vlinkId = vlink.substring(vlink.lastIndexOf('/') + 1);
        json(postJson("/hf/" + vlinkId + "/api/start", "{}", false), 200, "vlink start");
        JsonNode submitted = json(postJson("/hf/" + vlinkId + "/api/steps/step-1/submit", "{\"accepted\":true}", false), 200,
                "consent submit");
        if (!"pass".equals(submitted.path("flow_status").asText())) {
            throw new IllegalStateException("the consent flow did not pass: " + submitted);
        }
        return flow.get("flow_id").asText();
    }

    /** Uploads {@code content} as the download scenario's file (POST /resources/storage, multipart). */
    void upload(byte[] content) throws IOException, InterruptedException {
        Multipart body = new Multipart("bench-upload").field("label", UPLOAD_LABEL).field("person_id", UPLOAD_PERSON)
                .file("upload_file", "bench.txt", "text/plain", content);
        HttpResponse<byte[]> answer = send(request("/resources/storage").header("Content-Type", body.contentType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes())).build());
        if (answer.statusCode() / 100 != 2) {
            throw new IllegalStateException("upload: HTTP " + answer.statusCode() + ": " + new String(answer.body(), StandardCharsets.UTF_8));
        }
    }

    /** The download scenario's path. */
    static String downloadPath() {
        return "/resources/file?label=" + UPLOAD_LABEL + "&person_id=" + UPLOAD_PERSON;
    }

    private final AtomicInteger people = new AtomicInteger();

    /** One liveness session (POST /liveness2/session) of a person of its own: its access token. */
    String sessionToken() throws IOException, InterruptedException {
        String body = "{\"person_id\":\"bench-live-" + System.identityHashCode(this) + "-" + people.incrementAndGet() + "\"}";
        return json(postJson("/liveness2/session", body, true), 201, "POST /liveness2/session").get("access_token").asText();
    }

    /** {@code n} session tokens, made by {@code threads} clients at once. */
    List<String> sessionTokens(int n, int threads) throws Exception {
        return inParallel(n, threads, this::sessionToken);
    }

    /**
     * The body of a liveness attempt as the web SDK sends it to {@code POST /liveness2/client/attempts}:
     * metadata, one 320×240 JPEG frame and a small WebM video (the same bytes for every attempt).
     */
    static Multipart attemptBody() {
        String now = Instant.now().toString();
        String meta = "{\"platform\":\"web\",\"started_at\":\"" + now + "\",\"ended_at\":\"" + now
                + "\",\"actions\":[],\"frames\":[{\"taken_at\":\"" + now + "\"}]}";
        return new Multipart("bench-attempt").file("frame", "frame-0.jpg", "image/jpeg", frame())
                .field("metadata", meta).file("video", "attempt.webm", "video/webm", webm(16 * 1024));
    }

    /** A real JPEG: a coloured background and a face-like oval. */
    static byte[] frame() {
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(320, 240, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = image.createGraphics();
        g.setColor(new java.awt.Color(0x3a6ea5));
        g.fillRect(0, 0, 320, 240);
        g.setColor(new java.awt.Color(224, 172, 105));
        g.fillOval(106, 40, 106, 160);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            javax.imageio.ImageIO.write(image, "jpg", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The EBML header a WebM sniffer accepts, then pseudo-random bytes: the demo stores the video, it does not play it. */
    static byte[] webm(int size) {
        byte[] head = {0x1a, 0x45, (byte) 0xdf, (byte) 0xa3, (byte) 0x9f, 0x42, (byte) 0x86, (byte) 0x81, 0x01, 0x42,
            (byte) 0xf7, (byte) 0x81, 0x01, 0x42, (byte) 0xf2, (byte) 0x81, 0x04, 0x42, (byte) 0xf3, (byte) 0x81, 0x08,
            0x42, (byte) 0x82, (byte) 0x84, 'w', 'e', 'b', 'm'};
        byte[] video = new byte[Math.max(size, head.length)];
        new java.util.Random(42).nextBytes(video);
        System.arraycopy(head, 0, video, 0, head.length);
        return video;
    }

    /** A multipart/form-data body with a fixed boundary. */
    static final class Multipart {
        private final String boundary;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Multipart(String boundary) {
            this.boundary = boundary + "-7f3a9c1e5b";
        }

        Multipart field(String name, String value) {
            return part("Content-Disposition: form-data; name=\"" + name + "\"\r\n", value.getBytes(StandardCharsets.UTF_8));
        }

        Multipart file(String name, String filename, String type, byte[] content) {
            return part("Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename + "\"\r\n"
                    + "Content-Type: " + type + "\r\n", content);
        }

        private Multipart part(String headers, byte[] content) {
            out.writeBytes(("--" + boundary + "\r\n" + headers + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.writeBytes(content);
            out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
            return this;
        }

        String contentType() {
            return "multipart/form-data; boundary=" + boundary;
        }

        byte[] bytes() {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(out.toByteArray());
            all.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
            return all.toByteArray();
        }
    }
}
