package dev.idflow.servlet;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Multipart;
import dev.idflow.servlet.TestServer.Reply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/CLIENT-API.md's examples for native apps and for CORS are what the server does: each documented
 * request ({@code <!-- example: name -->}, a request block and an answer block) is sent as written to a
 * real server, and each documented answer ({@code <!-- answer: name -->}) is produced by the situation
 * the text describes; the server's answer must be the documented one — its status, its headers as
 * shown, and its JSON member by member, with only ids and tokens (new each time) allowed to differ.
 * Once a documented id or token has been answered, the real one stands for it in what follows.
 */
class NativeAppExamplesTest {
    private static final Path DOC = Path.of("..", "docs", "CLIENT-API.md");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The documented API key and page origin, given to the server as they are written. */
    private static final String DOC_KEY = "test-key-bank-0001-5b8e2c7a9d4f1063";
    private static final String DOC_ORIGIN = "https://portal.bank.example";
    /** The documented created_at: the server's clock stands there when the session is opened. */
    private static final Instant DOC_CREATED_AT = Instant.parse("2026-03-02T09:30:00Z");
    private static final String MOUNT = "/kyc";
    private static final Pattern MARKER = Pattern.compile("<!-- (example|answer): ([a-z0-9-]+) -->");
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern ID = Pattern.compile("[0-9A-HJKMNP-TV-Z]{26}-[A-Z]");
    private static final Pattern PLACEHOLDER = Pattern.compile("<(JPEG bytes of frame \\d+|MP4 bytes of the recording)>");
    /** Headers a client library sets itself, which java.net.http refuses to take from a caller. */
    private static final Set<String> CLIENT_SET = Set.of("host", "content-length", "connection");

    private static TestServer server;
    /** Documented id or token → the one the server answered in its place. */
    private static final Map<String, String> real = new HashMap<>();

    /** One documented example: a request and its answer, or an answer alone. */
    record Example(String name, String request, String answer) {
    }

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.withCors(MOUNT, CorsOptions.allow(DOC_ORIGIN));
        server.idflow.addTestKey("acme", DOC_KEY);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void everyDocumentedRequestIsAnsweredAsDocumentedAndEveryDocumentedAnswerIsTheServers() throws Exception {
        Map<String, Example> examples = examples();
        Map<String, Callable<Reply>> situations = situations();
        Set<String> known = new TreeSet<>(List.of("create-session", "script-sandbox", "read-session", "attempt",
                "cors-preflight", "cors-refused"));
        known.addAll(situations.keySet());
        // an example added to the page without a check here, or one this test checks that the page lost
        assertThat(new TreeSet<>(examples.keySet())).isEqualTo(known);

        server.clock.set(DOC_CREATED_AT);
        // the documented order: what each answers, the next one uses
        for (String name : List.of("create-session", "script-sandbox", "read-session", "attempt",
                "cors-preflight", "cors-refused")) {
            Example example = examples.get(name);
            assertThat(example.request()).as(name + " has a request").isNotNull();
            assertAnswers(name, perform(example.request()), example.answer());
        }
        for (Map.Entry<String, Callable<Reply>> situation : situations.entrySet()) {
            Example example = examples.get(situation.getKey());
            assertThat(example.request()).as(example.name() + " is an answer only").isNull();
            assertAnswers(example.name(), situation.getValue().call(), example.answer());
        }
    }

    /**
     * How each documented answer comes about, as the page tells it; in this order (the last one moves
     * the clock past a session's life).
     */
    private static Map<String, Callable<Reply>> situations() {
        Map<String, Callable<Reply>> s = new LinkedHashMap<>();
        s.put("attempt-failed", () -> {
            String token = newSession("person-4712", 1);
            ObjectNode meta = PersonDevice.metadata(JSON.readTree("[[\"turn-left\"],[\"smile\"]]"),
                    server.clock.instant().minusSeconds(10), "camera2 1 (front)");
            // the actions in another order than asked
            ArrayNode actions = (ArrayNode) meta.get("actions");
            String first = actions.get(0).get("action").asText();
            ((ObjectNode) actions.get(0)).put("action", actions.get(1).get("action").asText());
            ((ObjectNode) actions.get(1)).put("action", first);
            return attempt(token, PersonDevice.attempt(meta, PersonDevice.frame()));
        });
        s.put("no-token", () -> server.get("/liveness2/client/session", new Headers()));
        s.put("unknown-token", () -> server.get("/liveness2/client/session",
                PersonDevice.bearer("00000000-0000-4000-8000-000000000000")));
        s.put("no-attempts-left", () -> {
            // the documented session passed with its attempt: it takes no other
            String token = real.get("8a6f0f3e-2b1d-4c59-9f7e-3d2a1b0c9e84");
            assertThat(token).as("the documented session's token").isNotNull();
            return attempt(token, honest(token));
        });
        s.put("bad-upload", () -> {
            String token = newSession("person-4713", 1);
            return attempt(token, new Multipart().file("frame", "frame-1.jpg", "image/jpeg", PersonDevice.frame()));
        });
        s.put("too-many-requests", () -> {
            // idflow's own limits, which the other server lifts
            try (TestServer throttled = TestServer.withDefaultThrottles(MOUNT, builder -> { })) {
                String token = PersonDevice.testKey(throttled)
                        .livenessSession("{\"person_id\":\"person-4714\"}").get("access_token").asText();
                for (int i = 0; i < 100; i++) {
                    Reply reply = throttled.get("/liveness2/client/session", PersonDevice.bearer(token));
                    if (reply.status() == 429) {
                        return reply;
                    }
                }
                throw new AssertionError("a hundred reads at once were never refused");
            }
        });
        s.put("attempt-expired", () -> {
            String token = newSession("person-4715", 1);
            String attempt = JSON.writeValueAsString(honestMetadata(token));
            server.clock.advance(Duration.ofSeconds(301));
            return attempt(token, new Multipart().field("metadata", attempt)
                    .file("frame", "frame-1.jpg", "image/jpeg", PersonDevice.frame()));
        });
        return s;
    }

    private static String newSession(String person, int maxRetries) throws Exception {
        return PersonDevice.testKey(server).livenessSession("{\"person_id\":\"" + person + "\",\"max_retries\":" + maxRetries
                + ",\"pipeline\":[[\"turn-left\"],[\"smile\"]]}").get("access_token").asText();
    }

    private static ObjectNode honestMetadata(String token) throws Exception {
        JsonNode session = JSON.readTree(server.get("/liveness2/client/session", PersonDevice.bearer(token)).body());
        return PersonDevice.metadata(session.get("pipeline"), server.clock.instant().minusSeconds(10), "camera2 1 (front)");
    }

    private static Multipart honest(String token) throws Exception {
        return PersonDevice.attempt(honestMetadata(token), PersonDevice.frame());
    }

    private static Reply attempt(String token, Multipart body) throws Exception {
        return server.postMultipart("/liveness2/client/attempts", PersonDevice.bearer(token), body);
    }

    // ---------------------------------------------------------------- the page's examples

    /** The page's examples by name, in the order written. */
    private static Map<String, Example> examples() throws IOException {
        List<String> lines = Files.readAllLines(DOC, UTF_8);
        Map<String, Example> out = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = MARKER.matcher(lines.get(i).trim());
            if (!m.matches()) {
                continue;
            }
            List<String> blocks = new ArrayList<>();
            int want = m.group(1).equals("example") ? 2 : 1;
            int j = i + 1;
            while (blocks.size() < want) {
                assertThat(j).as("%s: %d http block(s) after its marker", m.group(2), want).isLessThan(lines.size());
                if (MARKER.matcher(lines.get(j).trim()).matches()) {
                    fail(m.group(2) + ": the next marker came before its http block(s)");
                }
                if (lines.get(j).equals("```http")) {
                    StringBuilder block = new StringBuilder();
                    for (j++; !lines.get(j).equals("```"); j++) {
                        block.append(lines.get(j)).append('\n');
                    }
                    blocks.add(block.toString());
                }
                j++;
            }
            Example previous = out.put(m.group(2), new Example(m.group(2), want == 2 ? blocks.get(0) : null,
                    blocks.get(want - 1)));
            assertThat(previous).as("%s documented once", m.group(2)).isNull();
        }
        return out;
    }

    /** Sends a documented request as written: its method, path (below the mount), headers and body. */
    private static Reply perform(String request) throws Exception {
        String text = substitute(request);
        int blank = text.indexOf("\n\n");
        String head = blank < 0 ? text : text.substring(0, blank);
        String body = blank < 0 ? "" : text.substring(blank + 2);
        String[] headLines = head.split("\n");
        String[] requestLine = headLines[0].split(" ");
        assertThat(requestLine).hasSize(3);
        assertThat(requestLine[2]).isEqualTo("HTTP/1.1");
        assertThat(requestLine[1]).startsWith(MOUNT + "/");
        Headers headers = new Headers();
        String contentType = "";
        for (int i = 1; i < headLines.length; i++) {
            int colon = headLines[i].indexOf(':');
            String name = headLines[i].substring(0, colon);
            String value = headLines[i].substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Type")) {
                contentType = value;
            }
            if (!CLIENT_SET.contains(name.toLowerCase(Locale.ROOT))) {
                headers.add(name, value);
            }
        }
        byte[] bytes = contentType.startsWith("multipart/form-data") ? multipart(body) : body.strip().getBytes(UTF_8);
        return server.send(requestLine[0], requestLine[1].substring(MOUNT.length()), headers,
                bytes.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(bytes),
                null);
    }

    /** A documented multipart body on the wire: CRLF line ends, each {@code <… bytes …>} a real file. */
    private static byte[] multipart(String body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String line : body.split("\n")) {
            Matcher placeholder = PLACEHOLDER.matcher(line);
            if (placeholder.matches()) {
                out.writeBytes(placeholder.group(1).startsWith("JPEG") ? PersonDevice.frame() : mp4());
            } else {
                out.writeBytes(line.getBytes(UTF_8));
            }
            out.writeBytes("\r\n".getBytes(UTF_8));
        }
        return out.toByteArray();
    }

    /** The first bytes of an MP4 (the ftyp box), then a recording's worth of anything. */
    private static byte[] mp4() {
        byte[] video = new byte[32 * 1024];
        new Random(11).nextBytes(video);
        byte[] head = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm'};
        System.arraycopy(head, 0, video, 0, head.length);
        return video;
    }

    private static String substitute(String text) {
        String out = text;
        for (Map.Entry<String, String> e : real.entrySet()) {
            out = out.replace(e.getKey(), e.getValue());
        }
        return out;
    }

    // ---------------------------------------------------------------- the comparison

    private static void assertAnswers(String name, Reply reply, String documented) throws IOException {
        String doc = documented;
        int blank = doc.indexOf("\n\n");
        String head = blank < 0 ? doc.strip() : doc.substring(0, blank);
        String body = blank < 0 ? "" : doc.substring(blank + 2).strip();
        String[] headLines = head.split("\n");
        assertThat(headLines[0]).as(name).startsWith("HTTP/1.1 ");
        int status = Integer.parseInt(headLines[0].split(" ")[1]);
        assertThat(reply.status()).as("%s: status (answer %s)", name, reply.body()).isEqualTo(status);
        Set<String> documentedNames = new TreeSet<>();
        for (int i = 1; i < headLines.length; i++) {
            int colon = headLines[i].indexOf(':');
            String header = headLines[i].substring(0, colon);
            documentedNames.add(header.toLowerCase(Locale.ROOT));
            assertThat(reply.header(header)).as("%s: header %s", name, header)
                    .contains(substitute(headLines[i].substring(colon + 1).trim()));
        }
        // no CORS header the page does not show: where it shows none, there is none
        reply.headers().keySet().stream().map(h -> h.toLowerCase(Locale.ROOT))
                .filter(h -> h.startsWith("access-control-"))
                .forEach(h -> assertThat(documentedNames).as("%s: undocumented header %s", name, h).contains(h));
        if (reply.report() != null) {
            assertThat(reply.messages()).as("%s: the contract's verdict", name).isEmpty();
        }
        if (body.isEmpty()) {
            assertThat(reply.body()).as(name + ": no body").isEmpty();
            return;
        }
        assertSame(name, JSON.readTree(body), JSON.readTree(reply.body()));
    }

    /**
     * The server's JSON is the documented one: the same members, the same values; a documented id or
     * token may stand for a new one of the same kind, which it then stands for everywhere after.
     */
    private static void assertSame(String at, JsonNode documented, JsonNode answered) {
        if (documented.isObject()) {
            assertThat(answered.isObject()).as("%s is an object: %s", at, answered).isTrue();
            Set<String> want = new TreeSet<>();
            documented.fieldNames().forEachRemaining(want::add);
            Set<String> got = new TreeSet<>();
            answered.fieldNames().forEachRemaining(got::add);
            assertThat(got).as("%s: members", at).isEqualTo(want);
            want.forEach(field -> assertSame(at + "." + field, documented.get(field), answered.get(field)));
        } else if (documented.isArray()) {
            assertThat(answered.isArray()).as("%s is an array: %s", at, answered).isTrue();
            assertThat(answered.size()).as("%s: length", at).isEqualTo(documented.size());
            for (int i = 0; i < documented.size(); i++) {
                assertSame(at + "[" + i + "]", documented.get(i), answered.get(i));
            }
        } else if (documented.isTextual() && answered.isTextual()) {
            String doc = documented.asText();
            String got = answered.asText();
            if (real.containsKey(doc)) {
                assertThat(got).as("%s stands for the documented %s", at, doc).isEqualTo(real.get(doc));
            } else if (!doc.equals(got) && sameKind(doc, got)) {
                real.put(doc, got);
            } else {
                assertThat(got).as(at).isEqualTo(doc);
            }
        } else {
            assertThat(answered).as(at).isEqualTo(documented);
        }
    }

    private static boolean sameKind(String documented, String answered) {
        return (UUID.matcher(documented).matches() && UUID.matcher(answered).matches())
                || (ID.matcher(documented).matches() && ID.matcher(answered).matches()
                && documented.charAt(27) == answered.charAt(27));
    }
}
