package dev.idflow.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The demo's Jetty as an attacker meets it over a raw socket: slow bodies and silent connections are
 * cut off (finding 7), and what Jetty refuses itself answers the API's JSON error, never cached.
 */
class DemoHttpDefencesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Small limits, so that each test ends in a few seconds. */
    private static final DemoMain.ConnectionLimits LIMITS = new DemoMain.ConnectionLimits(Duration.ofSeconds(1), 1000);

    private DemoMain.Demo demo;
    private String key;

    @BeforeEach
    void start() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        demo = DemoMain.Demo.start(DemoOptions.parse(new String[] {"--port", "0", "--storage", "memory"}),
                new PrintStream(out, true, StandardCharsets.UTF_8), LIMITS);
        key = out.toString(StandardCharsets.UTF_8).replaceAll("(?s).*test API key: (\\S+).*", "$1");
    }

    @AfterEach
    void stop() {
        demo.stop();
    }

    // ---- slow clients ----

    @Test
    void aBodyTrickledByteByByteIsCutOffWithinSeconds() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", demo.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /flow HTTP/1.1\r\nHost: localhost\r\nX-Verigram-Api-Key: " + key
                    + "\r\nX-Verigram-Api-Version: 2.0.0\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            CompletableFuture<byte[]> answer = readToEnd(socket);
            long started = System.nanoTime();
            // 5 bytes a second: far below the minimum rate, yet never silent for the idle timeout
            while (!answer.isDone() && System.nanoTime() - started < TimeUnit.SECONDS.toNanos(8)) {
                try {
                    out.write(' ');
                    out.flush();
                } catch (IOException closed) {
                    break;
                }
                Thread.sleep(200);
            }
            byte[] answered = answer.get(3, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(6));
            if (answered.length > 0) {
                // an answer, if any, is the refusal of an unreadable body, not a failure of the server
                assertThat(parse(answered).status).isBetween(400, 499);
            }
        }
        // the server still serves everyone else
        assertThat(rawGet("/openapi.json").status).isEqualTo(200);
    }

    @Test
    void aConnectionThatFallsSilentMidRequestIsClosedAfterTheIdleTimeout() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", demo.port())) {
            socket.getOutputStream().write("GET /openapi.json HTTP/1.1\r\nHost: local".getBytes(StandardCharsets.US_ASCII));
            long started = System.nanoTime();
            readToEnd(socket).get(5, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
        }
    }

    // ---- what Jetty refuses itself ----

    @Test
    void badPercentEncodingAnswersJson() throws Exception {
        assertJsonError(rawGet("/flow/%zz"), 400, "BAD_REQUEST");
    }

    @Test
    void anEncodedDotDotSlashAnswersJson() throws Exception {
        assertJsonError(rawGet("/flow/%2e%2e%2f"), 400, "BAD_REQUEST");
    }

    @Test
    void aTwentyKilobyteHeaderAnswersJson() throws Exception {
        assertJsonError(raw("GET /openapi.json HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + "a".repeat(20_000)
                + "\r\nConnection: close\r\n\r\n"), 431, "HEADERS_TOO_LARGE");
    }

    @Test
    void anOverlongUriAnswersJson() throws Exception {
        assertJsonError(rawGet("/flow/" + "a".repeat(20_000)), 414, "URI_TOO_LONG");
    }

    @Test
    void anHtmlAcceptGetsJsonToo() throws Exception {
        assertJsonError(raw("GET /flow/%zz HTTP/1.1\r\nHost: localhost\r\nAccept: text/html\r\nConnection: close\r\n\r\n"),
                400, "BAD_REQUEST");
    }

    private static void assertJsonError(Raw reply, int status, String errorCode) throws IOException {
        assertThat(reply.status).as("status of %s", reply.body).isEqualTo(status);
        assertThat(reply.headers.get("content-type")).as("Content-Type").startsWith("application/json");
        assertThat(reply.headers.get("cache-control")).isEqualTo("no-store");
        assertThat(reply.headers.get("x-content-type-options")).isEqualTo("nosniff");
        JsonNode body = JSON.readTree(reply.body);
        assertThat(List.copyOf(iterable(body.fieldNames()))).containsExactlyInAnyOrder("error_code", "error_msg");
        assertThat(body.get("error_code").asText()).isEqualTo(errorCode);
        assertThat(reply.body).doesNotContain("<html").doesNotContain("Exception");
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    // ---- a raw HTTP/1.1 client ----

    private record Raw(int status, Map<String, String> headers, String body) {
    }

    private Raw rawGet(String path) throws Exception {
        return raw("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    }

    private Raw raw(String request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", demo.port())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return parse(readToEnd(socket).get(5, TimeUnit.SECONDS));
        }
    }

    /** Everything the server sends until it closes the connection (or 10 s pass). */
    private static CompletableFuture<byte[]> readToEnd(Socket socket) {
        return CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            try {
                socket.setSoTimeout(10_000);
                InputStream in = socket.getInputStream();
                byte[] buffer = new byte[8192];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    all.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // a reset after the answer counts as the end
            }
            return all.toByteArray();
        });
    }

    private static Raw parse(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        assertThat(end).as("a response head in %s", text).isPositive();
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        String body = text.substring(end + 4);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            StringBuilder joined = new StringBuilder();
            String rest = body;
            while (true) {
                int lineEnd = rest.indexOf("\r\n");
                int size = Integer.parseInt(rest.substring(0, lineEnd).trim(), 16);
                if (size == 0) {
                    break;
                }
                joined.append(rest, lineEnd + 2, lineEnd + 2 + size);
                rest = rest.substring(lineEnd + 2 + size + 2);
            }
            body = joined.toString();
        }
        return new Raw(status, headers, body);
    }
}
