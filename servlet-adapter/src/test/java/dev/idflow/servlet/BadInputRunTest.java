package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.JSON;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Crypto;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Multipart;
import dev.idflow.servlet.TestServer.Reply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A bad-input run derived from the contract: thousands of requests built by walking the request
 * schemas and parameters of every operation (the contract's, and those idflow adds in its served
 * /openapi.json) and mutating them — bodies, headers, paths, queries, multipart parts, the client
 * API's tokens and bodies, and HTTP that only a raw socket can send. Every answer must keep to the
 * rules, whatever the input:
 * <ul>
 *   <li>no 5xx, ever;</li>
 *   <li>a consumer-API status is one the operation lists (the client API is ours: any 4xx);</li>
 *   <li>every answer but a download is JSON, schema-valid, errors a SaasErrorResponse with an
 *       UPPER_SNAKE error_code and an error_msg; Cache-Control: no-store on every answer;</li>
 *   <li>input the contract's schema forbids (a missing required field, a wrong type, a number out of
 *       range, a string too short or long or off its pattern or enum, no valid key) is refused;</li>
 *   <li>a refused request writes nothing: no flow, session, file, mockery script or event is
 *       inserted or changed. The rule covers the consumer API and the client API's refusals before
 *       authentication succeeds (an unknown vlink, a bad bearer token). It does not cover a client
 *       request refused after its token was accepted: POST /liveness2/client/attempts reserves the
 *       attempt before it reads the body, so an attempt refused for its content has legitimately used
 *       that attempt (and a call through a vlink records the person's activity).</li>
 * </ul>
 * Where the rules leave room, the choices made here:
 * <ul>
 *   <li>400, 414 and 431 count as listed for every operation: they are the container's refusals of
 *       malformed HTTP (a bad URI encoding, an ambiguous path, an oversized header) before idflow
 *       sees the request, which issue 8 accepts with a JSON body and no-store; idflow itself never
 *       answers them. The JSON and no-store rules still apply to them.</li>
 *   <li>What the contract does not forbid has no expected outcome, only the rules above: an unknown
 *       field, null for an optional field, a duplicate key, another Content-Type on a JSON body, a
 *       3000-item array (the contract sets no maxItems), an unconstrained string of any content.</li>
 *   <li>A flow the run manages to create is then read and (a test flow) started and shown by the
 *       person's API: accepting input that later breaks the flow is caught there.</li>
 *   <li>The client API's bodies are ours, not the contract's: judged by the status (2xx/4xx) and
 *       shape rules only.</li>
 * </ul>
 * Deterministic: every random choice comes from one seed, printed (override with
 * {@code -Didflow.badinput.seed=N}). A failure names each request (method, path, body excerpt), the
 * answer and the rule it broke.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputRunTest {
    private static final long SEED = Long.getLong("idflow.badinput.seed", 20_261_208L);
    private static final Pattern UPPER_SNAKE = Pattern.compile("^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$");
    /** Writes of the repositories the no-write rule watches (a read never counts). */
    private static final Pattern WRITE = Pattern.compile(
            "^(insert|update|save|put|commit|mark|touch|delete|remove|bind|claim|reserve|record|store|add).*");
    private static final Set<String> WATCHED = Set.of("flows", "sessions", "files", "mockery", "events");
    private static final Set<Integer> CONTAINER_REFUSALS = Set.of(400, 414, 431);

    private final Random random = new Random(SEED);
    private static final byte[] FRAME = PersonDevice.frame();
    private Writes writes = new Writes();
    private TestServer server;
    private JsonNode contract;
    private JsonNode served;
    private final List<Operation> operations = new ArrayList<>();
    private int requests;

    // fixtures: real ids of acme (the caller) and of globex (another consumer)
    private String acmeFlow;
    private String acmeFlowPerson;
    private String acmeVlink;
    private String acmeSession;
    private String acmeSessionPerson;
    private String acmeAccessToken;
    private String acmeUploadSession;
    private String acmeUploadPerson;
    private String globexFlow;
    private String globexSession;
    private String consentVlink;
    private String consentStep;
    private String missingFlow;
    private String missingSession;

    @BeforeAll
    void start() throws Exception {
        // a per-key rate limit no run reaches: a 429 would hide the answer under test
        server = new TestServer("/kyc", writes::wrap, 1_000_000, 1_000_000);
        System.out.println("BadInputRunTest seed " + SEED + " (rerun with -Didflow.badinput.seed=" + SEED + ")");
        contract = JSON.readTree(TestServer.specPath().toFile());
        Reply doc = server.get("/openapi.json", new Headers());
        assertThat(doc.status()).isEqualTo(200);
        served = JSON.readTree(doc.body());
        readOperations();

        acmeFlowPerson = newPerson();
        JsonNode created = ApiAssertions.assertSuccess(server.postJson("/flow", Headers.test(TestServer.TEST_KEY),
                ApiAssertions.flowBody(acmeFlowPerson, "verilive")), 201);
        acmeFlow = created.get("flow_id").asText();
        String vlink = created.get("vlink").asText();
        acmeVlink = vlink.substring(vlink.lastIndexOf('/') + 1);
        acmeSessionPerson = acmeFlowPerson;
        JsonNode session = ApiAssertions.assertSuccess(server.postJson("/liveness2/session",
                Headers.test(TestServer.TEST_KEY), "{\"person_id\":\"" + acmeFlowPerson + "\",\"flow_id\":\""
                        + acmeFlow + "\",\"max_retries\":100}"), 201);
        acmeSession = session.get("session_id").asText();
        acmeAccessToken = session.get("access_token").asText();
        acmeUploadPerson = newPerson();
        acmeUploadSession = ApiAssertions.upload(server, TestServer.TEST_KEY, acmeUploadPerson, "bestframe",
                "image/jpeg", "face.jpg", FRAME);
        globexFlow = ApiAssertions.createFlow(server, TestServer.OTHER_TEST_KEY, newPerson());
        globexSession = ApiAssertions.createLivenessSession(server, TestServer.OTHER_TEST_KEY, newPerson(), null)
                .get("session_id").asText();
        JsonNode consent = ApiAssertions.assertSuccess(server.postJson("/flow", Headers.test(TestServer.TEST_KEY),
                "{\"person_id\":\"" + newPerson() + "\",\"template\":{\"pipeline\":[{\"service_name\":\"consent\"},"
                        + "{\"service_name\":\"language-selector\"}]}}"), 201);
        String consentLink = consent.get("vlink").asText();
        consentVlink = consentLink.substring(consentLink.lastIndexOf('/') + 1);
        Reply started = server.postJson("/hf/" + consentVlink + "/api/start", new Headers(), "{}");
        assertThat(started.status()).as("start answered %s", started.body()).isEqualTo(200);
        consentStep = JSON.readTree(started.body()).at("/current_step/step_id").asText();
        // the no-write rule means something only if the view sees idflow's writes: the fixtures made some
        assertThat(writes.since(0)).as("writes seen through the storage view")
                .contains("flows.insert", "sessions.insert", "files.save", "storage.commit");
        // well-formed ids that name nothing: the same shape as real ones, the ULID part changed
        missingFlow = "01ARZ3NDEKTSV4RRFFQ69G5FAV-F";
        missingSession = "01ARZ3NDEKTSV4RRFFQ69G5FAV-S";
    }

    @AfterAll
    void stop() throws Exception {
        System.out.println("BadInputRunTest seed " + SEED + ": " + requests + " requests");
        server.close();
    }

    // =========================================================================== the runs

    @Test
    void malformedBodiesOfEveryJsonOperationAreRefusedCleanlyAndWriteNothing() throws Exception {
        Run run = new Run("bodies");
        for (Operation op : operations) {
            if (!op.consumer() || op.jsonSchema() == null) {
                continue;
            }
            for (Mutation m : bodyMutations(op)) {
                run.json(op, Caller.TEST, m);
                // a live key reads bodies the same way; a quarter of the cases, chosen by the seed, shows it
                // (the sandbox mockery takes test keys only: a live key's refusal there is a header case)
                if (random.nextInt(4) == 0 && !op.path().equals("/mockery/result")) {
                    run.json(op, Caller.LIVE, m);
                }
            }
            // several mutations at once, chosen by the seed
            List<Mutation> singles = bodyMutations(op).stream().filter(m -> m.at() != null).toList();
            for (int i = 0; i < 150; i++) {
                Mutation a = singles.get(random.nextInt(singles.size()));
                Mutation b = singles.get(random.nextInt(singles.size()));
                if (a.combinesWith(b)) {
                    run.json(op, Caller.TEST, a.and(b));
                }
            }
        }
        run.assertClean();
    }

    @Test
    void badHeadersAreRefusedWithTheListedStatusAndWriteNothing() throws Exception {
        Run run = new Run("headers");
        for (Operation op : operations) {
            if (!op.consumer()) {
                continue;
            }
            for (HeaderCase h : headerCases()) {
                Exchange request = op.validRequest(this);
                run.send(request.withHeaders(h.headers(this, request.pathWithQuery())).named("headers: " + h.name()),
                        op, h.mustRefuse());
            }
        }
        run.assertClean();
    }

    @Test
    void malformedPathIdsAreRefusedAndWriteNothing() throws Exception {
        Run run = new Run("paths");
        for (Operation op : operations) {
            if (!op.consumer() || !op.path().contains("{")) {
                continue;
            }
            boolean flow = op.path().contains("{flow_id}");
            Map<String, Boolean> ids = new LinkedHashMap<>();
            String own = flow ? acmeFlow : acmeSession;
            String wrongKind = flow ? acmeSession : acmeFlow;
            ids.put(wrongKind, true);
            ids.put(flow ? globexFlow : globexSession, true);
            ids.put(flow ? missingFlow : missingSession, true);
            ids.put(own.substring(0, own.length() - 2), true);
            ids.put(own.substring(0, own.length() - 2) + "-X", true);
            ids.put(own + own, true);
            ids.put("x", true);
            ids.put("-F", true);
            ids.put("-S", true);
            ids.put("%20", true);
            ids.put("%00", true);
            ids.put("%0D%0AX-Injected:%201", true);
            ids.put("%2F", true);
            ids.put("..", true);
            ids.put("%2e%2e", true);
            ids.put("%2e%2e%2f%2e%2e%2fopenapi.json", true);
            ids.put("%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82-F", true);
            ids.put("%F0%9F%98%80-S", true);
            ids.put("%C0%AE%C0%AE", true);
            ids.put("%FF%FE", true);
            ids.put("a".repeat(3000), true);
            ids.put(own.toLowerCase(java.util.Locale.ROOT), false);
            ids.put(own + ";jsessionid=1", true);
            ids.put(own + "%3B", true);
            ids.put("'%20OR%20'1'='1", true);
            ids.put("%24%7Bjndi:ldap://x/a%7D", true);
            for (Map.Entry<String, Boolean> id : ids.entrySet()) {
                String path = op.path().replace(flow ? "{flow_id}" : "{session_id}", id.getKey());
                run.send(new Exchange("GET", path, Headers.test(TestServer.TEST_KEY), null, null).named("path id"),
                        op, id.getValue());
                run.send(new Exchange("GET", path, server.live(path), null, null).named("path id, live key"),
                        op, id.getValue());
            }
            run.send(new Exchange("GET", op.path().replace(flow ? "{flow_id}" : "{session_id}", own) + "/",
                    Headers.test(TestServer.TEST_KEY), null, null).named("trailing slash"), op, false);
        }
        // no operation at these paths, or not with this method: a JSON 404/405, never a 5xx
        for (String path : List.of("/flow/", "/flow//result", "/flow/" + acmeFlow + "/result/x", "/journal/session",
                "/journal/session/", "/journal//", "/resources", "/resources/file/x", "/liveness2", "//flow",
                "/flow/" + acmeFlow + "/../" + globexFlow, "/FLOW", "/%66low", "/hf", "/hf/", "/hf/x/api",
                "/hf/" + acmeVlink + "/api/steps/s1", "/liveness2/client", "/mockery", "/x".repeat(400))) {
            run.send(new Exchange("GET", path, Headers.test(TestServer.TEST_KEY), null, null).named("no operation"),
                    null, true);
        }
        for (Operation op : operations) {
            String other = op.method().equals("GET") ? "POST" : "GET";
            for (String method : List.of(other, "PUT", "DELETE", "PATCH")) {
                Exchange valid = op.validRequest(this);
                run.send(new Exchange(method, valid.pathWithQuery(), valid.headers(), valid.body(), valid.contentType())
                        .named("method not allowed"), null, true);
            }
        }
        run.assertClean();
    }

    @Test
    void badFileQueriesAreRefusedAndWriteNothing() throws Exception {
        Run run = new Run("queries");
        Operation op = operation("GET", "/resources/file");
        JsonNode labelSchema = resolve(served, parameter(op, "label").get("schema"));
        String label = labelSchema.get("enum").get(0).asText();
        Map<String, String> ids = new LinkedHashMap<>();
        ids.put("session_id", acmeUploadSession);
        ids.put("flow_id", acmeFlow);
        ids.put("person_id", acmeUploadPerson);
        List<String> names = new ArrayList<>(ids.keySet());
        // every subset of the three ids, with every kind of label
        Map<String, Boolean> labels = new LinkedHashMap<>();
        labels.put(null, true);
        labels.put("", true);
        labels.put(label, false);
        labels.put(label.toUpperCase(java.util.Locale.ROOT), true);
        labels.put("nope", true);
        labels.put(label + "%00", true);
        labels.put("%2e%2e%2fetc%2fpasswd", true);
        labels.put("x".repeat(5000), true);
        for (int subset = 0; subset < 8; subset++) {
            for (Map.Entry<String, Boolean> l : labels.entrySet()) {
                StringBuilder q = new StringBuilder();
                if (l.getKey() != null) {
                    q.append("label=").append(l.getKey());
                }
                int given = 0;
                for (int i = 0; i < 3; i++) {
                    if ((subset & (1 << i)) != 0) {
                        given++;
                        q.append(q.length() == 0 ? "" : "&").append(names.get(i)).append('=').append(ids.get(names.get(i)));
                    }
                }
                boolean mustRefuse = l.getValue() || given != 1;
                String path = "/resources/file" + (q.length() == 0 ? "" : "?" + q);
                run.send(new Exchange("GET", path, Headers.test(TestServer.TEST_KEY), null, null).named("file query"),
                        op, mustRefuse);
                run.send(new Exchange("GET", path, server.live(path), null, null).named("file query, live key"),
                        op, mustRefuse);
            }
        }
        List<String> bad = new ArrayList<>(List.of(
                "label=" + label + "&label=" + label + "&session_id=" + acmeUploadSession,
                "label=" + label + "&session_id=" + acmeUploadSession + "&session_id=" + acmeUploadSession,
                "label=" + label + "&session_id=" + acmeFlow,
                "label=" + label + "&flow_id=" + acmeUploadSession,
                "label=" + label + "&session_id=" + globexSession,
                "label=" + label + "&flow_id=" + globexFlow,
                "label=" + label + "&session_id=" + missingSession,
                "label=" + label + "&flow_id=" + missingFlow,
                "label=" + label + "&person_id=short",
                "label=" + label + "&person_id=" + "p".repeat(49),
                "label=" + label + "&person_id=bad%20person%20id",
                "label=" + label + "&person_id=%D0%BF%D0%B5%D1%80%D1%81%D0%BE%D0%BD%D0%B0",
                "label=" + label + "&person_id=person%00id",
                "label=" + label + "&person_id=" + acmeUploadPerson + "%0A",
                "label=" + label + "&person_id",
                "label=" + label + "&person_id=",
                "label=" + label + "&&&",
                "label=" + label + "&flow_id=" + acmeFlow + "&flow_id=",
                "label=" + label + "&session_id=%FF%FE",
                "label=%E2%80%AE" + label + "&person_id=" + acmeUploadPerson,
                "label=" + label + "&person_id=" + "a%25".repeat(20)));
        for (String q : bad) {
            String path = "/resources/file?" + q;
            run.send(new Exchange("GET", path, Headers.test(TestServer.TEST_KEY), null, null).named("file query"), op, true);
        }
        // percent-encoded names and values mean what they decode to; these either work or are refused cleanly
        for (String q : List.of("%6cabel=" + label + "&session_id=" + acmeUploadSession,
                "label=" + label + "&session%5Fid=" + acmeUploadSession,
                "label=" + label.replace("e", "%65") + "&person_id=" + acmeUploadPerson,
                "label=" + label + "&person_id=" + acmeUploadPerson + "&unknown=1",
                "label=" + label + "&=x&session_id=" + acmeUploadSession,
                "label=" + label + "&person_id=" + acmeUploadPerson + "&api_key=" + TestServer.OTHER_TEST_KEY,
                "label=" + label + "&session_id=" + acmeUploadSession + "#fragment")) {
            String path = "/resources/file?" + q;
            run.send(new Exchange("GET", path, Headers.test(TestServer.TEST_KEY), null, null).named("file query, encoded"),
                    op, false);
        }
        run.assertClean();
    }

    @Test
    void badUploadsAreRefusedAndLeaveNoFile() throws Exception {
        Run run = new Run("multipart");
        Operation op = operation("POST", "/resources/storage");
        JsonNode schema = resolve(served, op.node().at("/requestBody/content/multipart~1form-data/schema"));
        List<String> required = new ArrayList<>();
        schema.path("required").forEach(r -> required.add(r.asText()));
        String label = resolve(served, parameter(operation("GET", "/resources/file"), "label").get("schema"))
                .get("enum").get(0).asText();
        byte[] jpeg = FRAME;
        // each required part missing, as the schema names them
        for (String missing : required) {
            Multipart m = new Multipart();
            if (!missing.equals("label")) {
                m.field("label", label);
            }
            if (!missing.equals("person_id")) {
                m.field("person_id", newPerson());
            }
            if (!missing.equals("upload_file")) {
                m.file("upload_file", "face.jpg", "image/jpeg", jpeg);
            }
            run.multipart(op, "missing " + missing, m, true);
        }
        run.multipart(op, "no parts", new Multipart(), true);
        run.multipart(op, "upload_file as a text field", new Multipart().field("label", label)
                .field("person_id", newPerson()).field("upload_file", "not a file"), true);
        // any label of a-z, 0-9, _ and - is an input file's own (a missing or empty one is "unspecified")
        for (String badLabel : List.of("no pe", label.toUpperCase(java.util.Locale.ROOT), "../" + label,
                "x".repeat(2000), "метка")) {
            run.multipart(op, "label " + excerpt(badLabel, 20), new Multipart().field("label", badLabel)
                    .field("person_id", newPerson()).file("upload_file", "face.jpg", "image/jpeg", jpeg), true);
        }
        for (String person : personIdMutations()) {
            run.multipart(op, "person_id " + excerpt(person, 20), new Multipart().field("label", label)
                    .field("person_id", person).file("upload_file", "face.jpg", "image/jpeg", jpeg), true);
        }
        run.multipart(op, "parts given twice", new Multipart().field("label", label).field("label", "nope")
                .field("person_id", newPerson()).field("person_id", "x")
                .file("upload_file", "face.jpg", "image/jpeg", jpeg).file("upload_file", "b.jpg", "image/jpeg", jpeg), false);
        run.multipart(op, "empty file", new Multipart().field("label", label).field("person_id", newPerson())
                .file("upload_file", "empty.jpg", "image/jpeg", new byte[0]), false);
        run.multipart(op, "a file name that is a path", new Multipart().field("label", label).field("person_id", newPerson())
                .file("upload_file", "../../etc/passwd\r\nX: y", "image/jpeg", jpeg), false);
        run.multipart(op, "an HTML file", new Multipart().field("label", label).field("person_id", newPerson())
                .file("upload_file", "x.html", "text/html", "<script>alert(1)</script>".getBytes(StandardCharsets.UTF_8)), false);
        run.multipart(op, "over the upload limit", new Multipart().field("label", label).field("person_id", newPerson())
                .file("upload_file", "big.bin", "application/octet-stream", new byte[(int) TestServer.MAX_UPLOAD + 1]), true);
        // bodies that are not the multipart they claim to be
        String person = newPerson();
        byte[] valid = new Multipart().field("label", label).field("person_id", person)
                .file("upload_file", "face.jpg", "image/jpeg", jpeg).bytes();
        Map<String, Exchange> raw = new LinkedHashMap<>();
        raw.put("no boundary in the content type", upload(valid, "multipart/form-data"));
        raw.put("another boundary", upload(valid, "multipart/form-data; boundary=not-the-one"));
        raw.put("truncated body", upload(java.util.Arrays.copyOf(valid, valid.length / 2), new Multipart().contentType()));
        raw.put("JSON instead", upload(("{\"label\":\"" + label + "\",\"person_id\":\"" + person + "\"}")
                .getBytes(StandardCharsets.UTF_8), "application/json"));
        raw.put("a form instead", upload(("label=" + label + "&person_id=" + person + "&upload_file=x")
                .getBytes(StandardCharsets.UTF_8), "application/x-www-form-urlencoded"));
        raw.put("no content type", upload(valid, null));
        raw.put("empty body", upload(new byte[0], new Multipart().contentType()));
        raw.put("garbage", upload(randomBytes(4096), new Multipart().contentType()));
        for (Map.Entry<String, Exchange> e : raw.entrySet()) {
            run.send(e.getValue().named("multipart: " + e.getKey()), op, true);
        }
        run.assertClean();
    }

    @Test
    void theClientApiNeverAnswers5xxAndRefusesUnauthenticatedCallsWithoutWriting() throws Exception {
        Run run = new Run("client");
        // unknown vlinks: refused before anything is known, so nothing may be written
        List<String> vlinks = List.of("x", "nope", acmeVlink.substring(1), acmeVlink + "x", acmeVlink.toUpperCase(),
                "%00", "%20", "..", "%2e%2e", "a".repeat(3000), acmeFlow, acmeSession, "%D0%BF", "%F0%9F%98%80");
        for (String vlink : vlinks) {
            if (vlink.equals(acmeVlink.toUpperCase()) && vlink.equals(acmeVlink)) {
                continue;
            }
            run.client(new Exchange("GET", "/hf/" + vlink + "/api/state", new Headers(), null, null)
                    .named("unknown vlink"), true);
            run.client(new Exchange("POST", "/hf/" + vlink + "/api/start", new Headers(), bytes("{}"), "application/json")
                    .named("unknown vlink"), true);
            run.client(new Exchange("POST", "/hf/" + vlink + "/api/steps/" + consentStep + "/submit", new Headers(),
                    bytes("{\"accepted\":true}"), "application/json").named("unknown vlink"), true);
        }
        // bad bearer tokens
        List<String> tokens = new ArrayList<>(List.of("", "Bearer", "Bearer ", "Bearer x", "bearer " + "0".repeat(36),
                "Basic " + Base64.getEncoder().encodeToString("a:b".getBytes(StandardCharsets.UTF_8)),
                "Bearer " + acmeAccessToken.substring(1), "Bearer " + acmeAccessToken + "x",
                "Bearer " + acmeAccessToken.toUpperCase(java.util.Locale.ROOT).replace('-', '_'),
                "Bearer " + java.util.UUID.nameUUIDFromBytes(bytes("seed" + SEED)), "Bearer " + acmeVlink,
                "Bearer " + "x".repeat(4000), "Bearer " + acmeAccessToken + ", Bearer x", "Token " + acmeAccessToken));
        for (String token : tokens) {
            Headers h = token.isEmpty() ? new Headers() : new Headers().add("Authorization", token);
            run.client(new Exchange("GET", "/liveness2/client/session", h, null, null).named("bad bearer"), true);
            Multipart attempt = PersonDevice.attempt(PersonDevice.metadata(JSON.readTree("[[\"smile\"]]"),
                    server.clock.instant().minusSeconds(10), "cam"), FRAME);
            run.client(new Exchange("POST", "/liveness2/client/attempts", h, attempt.bytes(), attempt.contentType())
                    .named("bad bearer"), true);
        }
        // bodies of the client API's JSON operations, from the served document's schemas; the vlink is
        // valid, so a refusal may record the person's activity: only the status and shape rules apply
        for (Operation op : operations) {
            if (op.consumer() || op.jsonSchema() == null) {
                continue;
            }
            for (Mutation m : bodyMutations(op)) {
                run.json(op, Caller.NONE, m);
            }
        }
        for (String step : List.of("x", "s99", "%00", "..", "a".repeat(2000), consentStep + "x", "-1", "%2F")) {
            run.client(new Exchange("POST", "/hf/" + consentVlink + "/api/steps/" + step + "/submit", new Headers(),
                    bytes("{\"accepted\":true}"), "application/json").named("bad step id"), false);
        }
        // attempts with a valid token and bad metadata or frames: any 4xx, never a 5xx
        Map<String, Multipart> attempts = new LinkedHashMap<>();
        byte[] frame = FRAME;
        attempts.put("no parts", new Multipart());
        attempts.put("no metadata", new Multipart().file("frame", "f.jpg", "image/jpeg", frame));
        attempts.put("no frame", new Multipart().field("metadata", "{}"));
        for (String meta : List.of("", "null", "[]", "\"x\"", "{", "not json", "{\"a\":1}{}", nested(300, "[", "]"),
                nested(300, "{\"a\":", "}").replace("{\"a\":}", "{}"), "{\"started_at\":\"yesterday\"}",
                "{\"started_at\":\"1970-01-01T00:00:00Z\",\"ended_at\":\"9999-12-31T23:59:59Z\"}",
                "{\"bestframe_index\":" + "9".repeat(1200) + "}", "{\"bestframe_index\":-1}",
                "{\"bestframe_index\":\"0\"}", "{\"actions\":" + repeat("{\"action\":\"smile\"}", 3000) + "}",
                "{\"actions\":\"smile\"}", "{\"actions\":[null,1,\"x\"]}", "{\"mobile\":\"yes\",\"platform\":{}}",
                "{\"user_agent\":\"" + "u".repeat(200_000) + "\"}", "{\"a\":\"\\u0000\\ud800\"}")) {
            attempts.put("metadata " + excerpt(meta, 40), new Multipart().field("metadata", meta)
                    .file("frame", "f.jpg", "image/jpeg", frame));
        }
        attempts.put("frame not an image", new Multipart().field("metadata", "{}")
                .file("frame", "f.jpg", "image/jpeg", bytes("<svg xmlns='http://www.w3.org/2000/svg'/>")));
        attempts.put("frame as a text field", new Multipart().field("metadata", "{}").field("frame", "abc"));
        attempts.put("truncated JPEG", new Multipart().field("metadata", "{}")
                .file("frame", "f.jpg", "image/jpeg", java.util.Arrays.copyOf(frame, frame.length / 3)));
        Multipart many = new Multipart().field("metadata", "{}");
        for (int i = 0; i < 60; i++) {
            many.file("frame", "f" + i + ".jpg", "image/jpeg", frame);
        }
        attempts.put("60 frames", many);
        attempts.put("video that is not one", new Multipart().field("metadata", "{}")
                .file("frame", "f.jpg", "image/jpeg", frame).file("video", "v.webm", "video/webm", randomBytes(2048)));
        for (Map.Entry<String, Multipart> e : attempts.entrySet()) {
            run.client(new Exchange("POST", "/liveness2/client/attempts", PersonDevice.bearer(acmeAccessToken),
                    e.getValue().bytes(), e.getValue().contentType()).named("attempt: " + e.getKey()), false);
        }
        run.client(new Exchange("POST", "/liveness2/client/attempts", PersonDevice.bearer(acmeAccessToken),
                bytes("{\"metadata\":{}}"), "application/json").named("attempt: JSON instead of multipart"), false);
        run.assertClean();
    }

    @Test
    void malformedHttpIsAnsweredAsJsonWithNoStore() throws Exception {
        Run run = new Run("raw HTTP");
        String key = "X-Verigram-Api-Key: " + TestServer.TEST_KEY + "\r\nX-Verigram-Api-Version: 2.0.0\r\n";
        List<String[]> cases = new ArrayList<>();
        for (String target : List.of("/flow/%zz", "/flow/%", "/flow/%2", "/flow/%2e%2e%2f", "/flow/%2e%2e%2f%2e%2e%2fopenapi.json",
                "/flow/..%2F..%2Fopenapi.json", "/flow/%00", "/flow/%C0%AE", "/flow/%ff%fe", "/journal/session/%zz",
                "/resources/file?label=%zz&person_id=" + acmeUploadPerson, "/resources/file?label=bestframe&person_id=%ZZabcdef",
                "/resources/file?label=bestframe&person_id=" + acmeUploadPerson + "%",
                "/flow/" + "\u00e9\u00e9", "/flow/a\u0001b", "/resources/file?label=bestframe&person_id=\u043f\u0435\u0440\u0441\u043e\u043d\u0430",
                "/flow/" + acmeFlow + "?" + "q".repeat(9000), "/" + "a".repeat(9000), "/flow/" + acmeFlow + "#frag",
                "/flow/./" + acmeFlow, "/flow/../flow/" + acmeFlow, "/flow/" + acmeFlow + "/..", "/flow\\" + acmeFlow)) {
            cases.add(new String[] {"target " + excerpt(target, 50), "GET " + serverPath(target) + " HTTP/1.1\r\n" + key});
        }
        cases.add(new String[] {"huge API key header", "GET " + serverPath("/flow/" + acmeFlow) + " HTTP/1.1\r\n"
                + "X-Verigram-Api-Key: " + "k".repeat(20_000) + "\r\nX-Verigram-Api-Version: 2.0.0\r\n"});
        cases.add(new String[] {"300 headers", "GET " + serverPath("/flow/" + acmeFlow) + " HTTP/1.1\r\n" + key
                + "X-Pad: 0123456789012345678901234567890123456789\r\n".repeat(300)});
        cases.add(new String[] {"control character in a header", "GET " + serverPath("/flow/" + acmeFlow) + " HTTP/1.1\r\n"
                + "X-Verigram-Api-Key: test\u0001key\r\nX-Verigram-Api-Version: 2.0.0\r\n"});
        cases.add(new String[] {"UTF-8 in the API key", "GET " + serverPath("/flow/" + acmeFlow) + " HTTP/1.1\r\n"
                + "X-Verigram-Api-Key: \u043a\u043b\u044e\u0447\r\nX-Verigram-Api-Version: 2.0.0\r\n"});
        cases.add(new String[] {"header without a colon", "GET " + serverPath("/flow/" + acmeFlow) + " HTTP/1.1\r\n" + key
                + "NoColonHere\r\n"});
        cases.add(new String[] {"folded header", "GET " + serverPath("/flow/" + acmeFlow) + " HTTP/1.1\r\n"
                + "X-Verigram-Api-Key: " + TestServer.TEST_KEY + "\r\n  continued\r\nX-Verigram-Api-Version: 2.0.0\r\n"});
        cases.add(new String[] {"space in a header name", "GET " + serverPath("/flow/" + acmeFlow) + " HTTP/1.1\r\n" + key
                + "X Verigram: 1\r\n"});
        cases.add(new String[] {"unknown HTTP version", "GET " + serverPath("/flow/" + acmeFlow) + " HTTP/9.9\r\n" + key});
        cases.add(new String[] {"unknown method", "BREW " + serverPath("/flow/" + acmeFlow) + " HTTP/1.1\r\n" + key});
        cases.add(new String[] {"absolute-form target", "GET http://evil.example" + serverPath("/flow/" + acmeFlow)
                + " HTTP/1.1\r\n" + key});
        cases.add(new String[] {"two API keys", "GET " + serverPath("/flow/" + acmeFlow) + " HTTP/1.1\r\n" + key
                + "X-Verigram-Api-Key: " + TestServer.OTHER_TEST_KEY + "\r\n"});
        String body = ApiAssertions.flowBody(newPerson(), "verilive");
        cases.add(new String[] {"bad chunk size", "POST " + serverPath("/flow") + " HTTP/1.1\r\n" + key
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + body + "\r\n0\r\n", ""});
        cases.add(new String[] {"Content-Length and chunked", "POST " + serverPath("/flow") + " HTTP/1.1\r\n" + key
                + "Content-Type: application/json\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n", ""});
        cases.add(new String[] {"two Content-Lengths", "POST " + serverPath("/flow") + " HTTP/1.1\r\n" + key
                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\nContent-Length: 2\r\n\r\n"
                + body, ""});
        cases.add(new String[] {"negative Content-Length", "POST " + serverPath("/flow") + " HTTP/1.1\r\n" + key
                + "Content-Type: application/json\r\nContent-Length: -5\r\n\r\n" + body, ""});
        cases.add(new String[] {"Content-Length of 1200 digits", "POST " + serverPath("/flow") + " HTTP/1.1\r\n" + key
                + "Content-Type: application/json\r\nContent-Length: " + "9".repeat(1200) + "\r\n\r\n" + body, ""});
        cases.add(new String[] {"body shorter than its Content-Length would leave", "POST " + serverPath("/flow")
                + " HTTP/1.1\r\n" + key + "Content-Type: application/json\r\nContent-Length: 5\r\n\r\n" + body, ""});
        cases.add(new String[] {"chunked JSON cut at 300 levels", "POST " + serverPath("/flow") + " HTTP/1.1\r\n" + key
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(300) + "\r\n" + "[".repeat(300) + "\r\n0\r\n\r\n", ""});
        for (String[] c : cases) {
            String request = c[1].contains("\r\n\r\n") ? c[1] : c[1] + "Host: 127.0.0.1\r\nConnection: close\r\n\r\n";
            if (c.length > 2) {
                int split = request.indexOf("\r\n") + 2;
                request = request.substring(0, split) + "Host: 127.0.0.1\r\nConnection: close\r\n" + request.substring(split);
            }
            run.raw(c[0], request);
        }
        run.assertClean();
    }

    @Test
    void throttledAnswersAreWellFormedAndWriteNothing() throws Exception {
        Writes counted = new Writes();
        try (TestServer small = new TestServer("/kyc", counted::wrap, 0.001, 3)) {
            TestServer main = server;
            Writes mainWrites = writes;
            server = small;
            writes = counted;
            try {
                Run run = new Run("429");
                for (Operation op : operations) {
                    if (!op.consumer()) {
                        continue;
                    }
                    for (int i = 0; i < 4; i++) {
                        Exchange request = op.validRequest(this);
                        Reply reply = run.send(request.named("throttle"), op, false);
                        if (reply != null && reply.status() == 429) {
                            run.require(request, reply, reply.header("Retry-After").filter(v -> v.matches("\\d+")).isPresent(),
                                    "a 429 says when to come back (Retry-After in seconds)");
                        }
                    }
                }
                run.require(null, null, run.statuses.getOrDefault(429, 0) > 0, "the small limit answered some 429s");
                run.assertClean();
            } finally {
                server = main;
                writes = mainWrites;
            }
        }
    }

    // =========================================================================== the contract

    /** An operation of the served document; statuses from the contract file where it has the operation. */
    record Operation(String method, String path, JsonNode node, Set<Integer> statuses, boolean consumer, JsonNode jsonSchema) {
        Pattern pattern() {
            return Pattern.compile("^" + path.replaceAll("\\{[^}]+}", "[^/]+") + "$");
        }

        /** A request the operation accepts, with the caller's usual credentials. */
        Exchange validRequest(BadInputRunTest t) throws IOException {
            String p = path.replace("{flow_id}", t.acmeFlow).replace("{session_id}", t.acmeSession)
                    .replace("{vlink_id}", t.acmeVlink).replace("{step_id}", t.consentStep);
            if (p.equals("/resources/file")) {
                p += "?label=bestframe&session_id=" + t.acmeUploadSession;
            }
            Headers h = consumer ? Headers.test(TestServer.TEST_KEY)
                    : p.startsWith("/liveness2/client") ? PersonDevice.bearer(t.acmeAccessToken) : new Headers();
            if (jsonSchema != null) {
                return new Exchange(method, p, h, bytes(t.example(jsonSchema, "", t.served).toString()), "application/json");
            }
            if (p.equals("/resources/storage")) {
                Multipart m = new Multipart().field("label", "bestframe").field("person_id", newPerson())
                        .file("upload_file", "face.jpg", "image/jpeg", FRAME);
                return new Exchange(method, p, h, m.bytes(), m.contentType());
            }
            if (p.equals("/liveness2/client/attempts")) {
                Multipart m = PersonDevice.attempt(PersonDevice.metadata(JSON.readTree("[[\"smile\"]]"),
                        t.server.clock.instant().minusSeconds(10), "cam"), FRAME);
                return new Exchange(method, p, h, m.bytes(), m.contentType());
            }
            return new Exchange(method, p, h, method.equals("POST") ? new byte[0] : null,
                    method.equals("POST") ? "application/json" : null);
        }
    }

    private void readOperations() {
        served.get("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
            if (op.getKey().equals("parameters")) {
                return;
            }
            String method = op.getKey().toUpperCase(java.util.Locale.ROOT);
            JsonNode inContract = contract.path("paths").path(path.getKey()).path(op.getKey());
            JsonNode listed = inContract.isMissingNode() ? op.getValue().get("responses") : inContract.get("responses");
            Set<Integer> statuses = new java.util.TreeSet<>();
            listed.fieldNames().forEachRemaining(s -> statuses.add(Integer.parseInt(s)));
            boolean consumer = !path.getKey().startsWith("/hf/") && !path.getKey().startsWith("/liveness2/client/");
            JsonNode body = resolve(served, op.getValue().path("requestBody")).at("/content/application~1json/schema");
            operations.add(new Operation(method, path.getKey(), op.getValue(), statuses, consumer,
                    body.isMissingNode() ? null : body));
        }));
        assertThat(operations).as("operations of the served document").hasSizeGreaterThanOrEqualTo(13);
    }

    private Operation operation(String method, String path) {
        return operations.stream().filter(o -> o.method().equals(method) && o.path().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError("no operation " + method + " " + path + " in /openapi.json"));
    }

    private Optional<Operation> operationFor(String method, String pathWithQuery) {
        String path = pathWithQuery.contains("?") ? pathWithQuery.substring(0, pathWithQuery.indexOf('?')) : pathWithQuery;
        String m = method.equals("HEAD") ? "GET" : method;
        return operations.stream().filter(o -> o.method().equals(m) && o.pattern().matcher(path).matches()).findFirst();
    }

    private JsonNode parameter(Operation op, String name) {
        for (JsonNode p : op.node().path("parameters")) {
            JsonNode r = resolve(served, p);
            if (r.path("name").asText().equals(name)) {
                return r;
            }
        }
        throw new AssertionError("no parameter " + name + " on " + op.path());
    }

    private static JsonNode resolve(JsonNode doc, JsonNode node) {
        JsonNode n = node;
        while (n != null && n.has("$ref")) {
            n = doc.at(n.get("$ref").asText().substring(1));
        }
        return n;
    }

    /**
     * A value the schema accepts. The contract names no example for most fields, so one is made: the
     * first enum value, the minimum (or default) of a number, a URL for format uri, a fresh person for
     * a PersonId. Two choices follow the contract's words rather than its schema: CreateFlow takes a
     * template or a template_id (not both: template_id is left out), and a scripted verilive result's
     * service_status is a VeriliveResult's ("real"); a liveness session's flow_id is left out (the
     * path cases give real and wrong ids).
     */
    JsonNode example(JsonNode schemaNode, String at, JsonNode doc) {
        JsonNode ref = schemaNode.path("$ref");
        JsonNode s = resolve(doc, schemaNode);
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (ref.asText().endsWith("/PersonId")) {
            return f.textNode(newPerson());
        }
        if (s.has("oneOf")) {
            return example(s.get("oneOf").get(0), at, doc);
        }
        if (s.has("enum")) {
            return s.get("enum").get(0);
        }
        String type = s.path("type").asText(s.has("properties") ? "object" : "string");
        switch (type) {
            case "integer", "number" -> {
                if (s.has("default")) {
                    return s.get("default");
                }
                return f.numberNode(s.has("minimum") ? s.get("minimum").asLong() : 1);
            }
            case "boolean" -> {
                return f.booleanNode(true);
            }
            case "array" -> {
                ArrayNode a = f.arrayNode();
                a.add(example(s.get("items"), at + "[0]", doc));
                return a;
            }
            case "object" -> {
                ObjectNode o = f.objectNode();
                if (s.has("properties")) {
                    s.get("properties").fields().forEachRemaining(p -> {
                        String field = at.isEmpty() ? p.getKey() : at + "." + p.getKey();
                        if (!field.equals("template_id") && !(field.equals("flow_id") && s.has("properties")
                                && s.get("properties").has("duration"))) {
                            o.set(p.getKey(), example(p.getValue(), field, doc));
                        }
                    });
                } else if (s.path("additionalProperties").isObject()) {
                    String k = at.endsWith("files") ? "bestframe" : "en";
                    o.set(k, example(s.get("additionalProperties"), at + "." + k, doc));
                }
                if (at.equals("result") && o.has("service_status")) {
                    o.put("service_status", "real");
                }
                return o;
            }
            default -> {
                String format = s.path("format").asText();
                return switch (format) {
                    case "uri" -> f.textNode("https://bank.example/return");
                    case "date-time" -> f.textNode(server.clock.instant().toString());
                    case "uuid" -> f.textNode(new java.util.UUID(random.nextLong(), random.nextLong()).toString());
                    case "byte" -> f.textNode(Base64.getEncoder().encodeToString(FRAME));
                    default -> f.textNode("v".repeat(Math.max(5, s.path("minLength").asInt(0))));
                };
            }
        }
    }

    // =========================================================================== body mutations

    /** A change to a valid body, and whether the contract forbids the result. */
    record Mutation(String name, boolean mustRefuse, java.util.function.UnaryOperator<String> apply, String at) {
        Mutation(String name, boolean mustRefuse, java.util.function.UnaryOperator<String> apply) {
            this(name, mustRefuse, apply, null);
        }

        /** Two field mutations combine when neither field contains the other (then both stay bad). */
        boolean combinesWith(Mutation other) {
            return at != null && other.at != null && !(at + ".").startsWith(other.at + ".")
                    && !(other.at + ".").startsWith(at + ".") && !at.startsWith(other.at + "[")
                    && !other.at.startsWith(at + "[");
        }

        /** Both changes; null (not applicable) when either does not apply. */
        Mutation and(Mutation other) {
            return new Mutation(name + " + " + other.name, mustRefuse || other.mustRefuse, json -> {
                String first = apply.apply(json);
                return first == null ? null : other.apply.apply(first);
            }, at + "+" + other.at);
        }

        boolean changesContentType() {
            return name.contains("content type");
        }
    }

    /** Every field of the operation's schema, walked; each field gets the mutations its schema calls for. */
    List<Mutation> bodyMutations(Operation op) {
        List<Mutation> out = new ArrayList<>();
        walk(op.jsonSchema(), "", false, out);
        String someField = resolve(served, op.jsonSchema()).path("properties").fieldNames().next();
        boolean bodyRequired = op.node().path("requestBody").path("required").asBoolean(false)
                || resolve(served, op.jsonSchema()).has("required");
        out.add(whole("empty body", bodyRequired, j -> ""));
        for (String bad : List.of("null", "[]", "\"text\"", "123", "true", "{", "}", "{\"" + someField + "\":", "not json",
                "[{}]", nested(300, "[", "]"), "\u0000", "{\"a\":1}{\"a\":2}", "{'single':'quotes'}", "{\"a\":01}",
                "{\"a\":NaN}", "{\"a\":1,}", "{\"a\":\"\\x00\"}", "{/* comment */}")) {
            out.add(whole("body " + excerpt(bad, 30), true, j -> bad));
        }
        out.add(whole("trailing garbage", true, j -> j + "x"));
        out.add(whole("a second object after the first", true, j -> j + "{}"));
        out.add(whole("duplicate key", false, j -> j.replaceFirst("\\{\"" + someField + "\":",
                "{\"" + someField + "\":\"dup\",\"" + someField + "\":")));
        out.add(whole("unknown field nested 300 levels", false, j -> "{\"zz_deep\":" + nested(300, "{\"a\":", "}")
                .replace("{\"a\":}", "{}") + "," + j.substring(1)));
        out.add(whole("300 nested arrays in an unknown field", false, j -> "{\"zz_deep\":" + nested(300, "[", "]") + ","
                + j.substring(1)));
        out.add(whole("a number of 1200 digits in an unknown field", false, j -> "{\"zz_big\":" + "9".repeat(1200) + ","
                + j.substring(1)));
        out.add(whole("a 2 MB unknown field", false, j -> "{\"zz_big\":\"" + "b".repeat(2 << 20) + "\"," + j.substring(1)));
        out.add(whole("byte order mark", false, j -> "\uFEFF" + j));
        out.add(whole("a field name in unicode escapes", false, j -> j.replaceFirst("\\{\"" + someField.charAt(0),
                "{\"\\\\u" + String.format("%04x", (int) someField.charAt(0)))));
        out.add(new Mutation("content type text/plain", false, j -> "\u0001text/plain\u0001" + j));
        out.add(new Mutation("no content type", false, j -> "\u0001\u0001" + j));
        out.add(new Mutation("content type multipart", false, j -> "\u0001multipart/form-data; boundary=x\u0001" + j));
        out.add(new Mutation("content type form", true, j -> "\u0001application/x-www-form-urlencoded\u0001"
                + someField + "=value"));
        out.add(new Mutation("content type application/json; charset=latin1", false,
                j -> "\u0001application/json; charset=ISO-8859-1\u0001" + j));
        out.add(whole("invalid UTF-8 in a string", true, j -> j.replaceFirst(":\"", ":\"\uDC80")));
        return out;
    }

    private static Mutation whole(String name, boolean mustRefuse, java.util.function.UnaryOperator<String> apply) {
        return new Mutation(name, mustRefuse, apply);
    }

    private void walk(JsonNode schemaNode, String at, boolean required, List<Mutation> out) {
        JsonNode s = resolve(served, schemaNode);
        boolean personId = schemaNode.path("$ref").asText().endsWith("/PersonId");
        if (!at.isEmpty()) {
            out.add(field(at, "missing", required, null, true));
            out.add(field(at, "null", required, JsonNodeFactory.instance.nullNode(), false));
        }
        String type = s.has("enum") && !s.has("type") ? "string" : s.path("type").asText(s.has("properties") ? "object" : "string");
        if (!at.isEmpty()) {
            for (Map.Entry<String, JsonNode> wrong : wrongTypes().entrySet()) {
                if (!wrong.getKey().equals(type) && !(type.equals("number") && wrong.getKey().equals("integer"))) {
                    out.add(field(at, "a " + wrong.getKey() + " for a " + type, true, wrong.getValue(), false));
                }
            }
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        switch (type) {
            case "integer", "number" -> {
                if (s.has("minimum")) {
                    out.add(field(at, "minimum - 1", true, f.numberNode(s.get("minimum").asLong() - 1), false));
                    out.add(field(at, "minimum", false, f.numberNode(s.get("minimum").asLong()), false));
                }
                if (s.has("maximum")) {
                    out.add(field(at, "maximum + 1", true, f.numberNode(s.get("maximum").asLong() + 1), false));
                    out.add(field(at, "maximum", false, f.numberNode(s.get("maximum").asLong()), false));
                }
                boolean bounded = s.has("maximum");
                out.add(field(at, "2^31", bounded, f.numberNode(2_147_483_648L), false));
                out.add(field(at, "-2^63 - 1", s.has("minimum"), f.numberNode(new java.math.BigInteger("-9223372036854775809")), false));
                out.add(field(at, "1200 digits", bounded, f.numberNode(new java.math.BigInteger("9".repeat(1200))), false));
                out.add(field(at, "1e400", bounded || type.equals("integer"), f.numberNode(new java.math.BigDecimal("1e400")), false));
                if (type.equals("integer")) {
                    out.add(field(at, "a fraction", true, f.numberNode(new java.math.BigDecimal("10.5")), false));
                    out.add(field(at, "a numeric string", true, f.textNode("300"), false));
                }
            }
            case "boolean" -> {
                out.add(field(at, "the string true", true, f.textNode("true"), false));
                out.add(field(at, "1", true, f.numberNode(1), false));
            }
            case "array" -> {
                JsonNode item = example(s.get("items"), at + "[0]", served);
                out.add(field(at, "empty", false, f.arrayNode(), false));
                ArrayNode huge = f.arrayNode();
                for (int i = 0; i < 3000; i++) {
                    huge.add(item);
                }
                out.add(field(at, "3000 items", false, huge, false));
                // every enum value in turn (for a pipeline: every service, those that finish on their own too)
                ArrayNode varied = f.arrayNode();
                ArrayNode last = f.arrayNode();
                for (int i = 0; i < 3000; i++) {
                    int n = i;
                    varied.add(vary(s.get("items"), size -> n % size));
                    last.add(vary(s.get("items"), size -> size - 1));
                }
                out.add(field(at, "3000 varied items", false, varied, false));
                out.add(field(at, "3000 items with the last enum values", false, last, false));
                out.add(field(at, "a null item", true, f.arrayNode().add(f.nullNode()), false));
                out.add(field(at, "an item of another type", true,
                        f.arrayNode().add(resolve(served, s.get("items")).path("type").asText().equals("integer")
                                ? f.textNode("x") : f.numberNode(7)), false));
                walk(s.get("items"), at + "[0]", false, out);
            }
            case "object" -> {
                if (!at.isEmpty()) {
                    out.add(field(at, "an unknown field", false, null, false, "zz_unknown"));
                    out.add(field(at, "empty", !resolve(served, schemaNode).path("required").isEmpty(), f.objectNode(), false));
                }
                Set<String> requiredFields = new java.util.HashSet<>();
                s.path("required").forEach(r -> requiredFields.add(r.asText()));
                s.path("properties").fields().forEachRemaining(p -> walk(p.getValue(),
                        at.isEmpty() ? p.getKey() : at + "." + p.getKey(), requiredFields.contains(p.getKey()), out));
                if (s.path("additionalProperties").isObject()) {
                    String k = at.endsWith("files") ? "bestframe" : "en";
                    walk(s.get("additionalProperties"), at + "." + k, false, out);
                    out.add(field(at, "10000 entries", false, null, false, "zz_many"));
                }
            }
            default -> {
                int min = s.path("minLength").asInt(0);
                boolean enumerated = s.has("enum");
                if (enumerated) {
                    String first = s.get("enum").get(0).asText();
                    for (JsonNode value : s.get("enum")) {
                        out.add(field(at, "the enum value " + value.asText(), false, value, false));
                    }
                    out.add(field(at, "not in the enum", true, f.textNode("nope"), false));
                    out.add(field(at, "the enum value in upper case", !first.equals(first.toUpperCase(java.util.Locale.ROOT)),
                            f.textNode(first.toUpperCase(java.util.Locale.ROOT)), false));
                    out.add(field(at, "the enum value with a space", true, f.textNode(first + " "), false));
                }
                String format = s.path("format").asText();
                out.add(field(at, "empty", min > 0 || enumerated || format.equals("uri"), f.textNode(""), false));
                if (min > 0) {
                    out.add(field(at, "minLength - 1", true, f.textNode("p".repeat(min - 1)), false));
                }
                if (s.has("maxLength")) {
                    out.add(field(at, "maxLength + 1", true, f.textNode("p".repeat(s.get("maxLength").asInt() + 1)), false));
                }
                boolean constrained = personId || enumerated || s.has("pattern") || format.equals("uri") || format.equals("byte");
                out.add(field(at, "100000 characters", s.has("maxLength") || enumerated, f.textNode("L".repeat(100_000)), false));
                out.add(field(at, "Cyrillic", constrained, f.textNode("\u043f\u0435\u0440\u0441\u043e\u043d\u0430-\u0438\u0434"), false));
                out.add(field(at, "emoji", constrained, f.textNode("person-\uD83D\uDE00\uD83D\uDE00"), false));
                out.add(field(at, "a NUL and controls", constrained, f.textNode("person\u0000\u0007\u001b[31m"), false));
                out.add(field(at, "a right-to-left override", constrained, f.textNode("person\u202Edi-nosrep"), false));
                out.add(field(at, "a lone surrogate escape", constrained, null, false, "\\ud800"));
                out.add(field(at, "markup", constrained, f.textNode("<script>alert(1)</script>"), false));
                if (s.has("pattern")) {
                    out.add(field(at, "off the pattern", true, f.textNode("bad person id!"), false));
                    out.add(field(at, "off the pattern, with a newline", true, f.textNode("person-ok\n"), false));
                }
                if (s.path("format").asText().equals("uri")) {
                    out.add(field(at, "not a URI", true, f.textNode("not a uri at all"), false));
                    out.add(field(at, "a javascript: URI", false, f.textNode("javascript:alert(1)"), false));
                    out.add(field(at, "a relative URI", false, f.textNode("/relative/path"), false));
                }
                if (at.endsWith("flow_id") || at.endsWith("session_id")) {
                    for (String id : List.of(acmeSession, globexFlow, missingFlow, "x", acmeFlow + "x")) {
                        out.add(field(at, "the id " + id, true, f.textNode(id), false));
                    }
                }
            }
        }
    }

    /** A valid value of the schema whose enums take the value {@code pick} chooses (given the enum's size). */
    private JsonNode vary(JsonNode schemaNode, java.util.function.IntUnaryOperator pick) {
        JsonNode s = resolve(served, schemaNode);
        if (s.has("enum")) {
            return s.get("enum").get(pick.applyAsInt(s.get("enum").size()));
        }
        if (s.path("type").asText().equals("array")) {
            return JsonNodeFactory.instance.arrayNode().add(vary(s.get("items"), pick));
        }
        JsonNode value = example(schemaNode, "", served);
        if (value instanceof ObjectNode o) {
            s.path("properties").fields().forEachRemaining(p -> {
                if (resolve(served, p.getValue()).has("enum")) {
                    o.set(p.getKey(), vary(p.getValue(), pick));
                }
            });
        }
        return value;
    }

    private static Map<String, JsonNode> wrongTypes() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        Map<String, JsonNode> m = new LinkedHashMap<>();
        m.put("string", f.textNode("text"));
        m.put("integer", f.numberNode(12345));
        m.put("number", f.numberNode(new java.math.BigDecimal("1.5")));
        m.put("boolean", f.booleanNode(true));
        m.put("array", f.arrayNode().add("x"));
        m.put("object", f.objectNode().put("a", 1));
        return m;
    }

    /**
     * A mutation of the field at {@code at} (dotted, [0] for an array's first item): removed, or set to
     * {@code value}, or (with {@code special}) given an unknown member, many entries or a raw escape.
     * Null (the case is skipped) when the body has no such field, e.g. after another mutation.
     */
    private Mutation field(String at, String what, boolean mustRefuse, JsonNode value, boolean remove, String... special) {
        return new Mutation(at + ": " + what, mustRefuse, json -> applyTo(json, at, value, remove, special), at);
    }

    private static String applyTo(String json, String at, JsonNode value, boolean remove, String... special) {
        {
            JsonNode root;
            try {
                root = JSON.readTree(json);
            } catch (IOException e) {
                return null;
            }
            List<Object> path = new ArrayList<>();
            for (String part : at.split("\\.")) {
                String name = part;
                int indices = 0;
                while (name.endsWith("[0]")) {
                    name = name.substring(0, name.length() - 3);
                    indices++;
                }
                path.add(name);
                for (int i = 0; i < indices; i++) {
                    path.add(0);
                }
            }
            JsonNode parent = root;
            for (int i = 0; i < path.size() - 1 && parent != null; i++) {
                parent = path.get(i) instanceof String name ? parent.get(name)
                        : parent.isArray() && !parent.isEmpty() ? parent.get(0) : null;
            }
            Object last = path.get(path.size() - 1);
            JsonNode target = parent == null ? null : last instanceof String name ? parent.get(name)
                    : parent.isArray() && !parent.isEmpty() ? parent.get(0) : null;
            if (parent == null || (target == null && !(last instanceof String && parent.isObject()))) {
                return null;
            }
            if (special.length > 0) {
                switch (special[0]) {
                    case "zz_unknown" -> {
                        if (!(target instanceof ObjectNode o)) {
                            return null;
                        }
                        o.put("zz_unknown", "?");
                    }
                    case "zz_many" -> {
                        if (!(target instanceof ObjectNode o)) {
                            return null;
                        }
                        JsonNode one = o.elements().hasNext() ? o.elements().next() : JsonNodeFactory.instance.textNode("v");
                        if (one.toString().length() > 100) {
                            one = JsonNodeFactory.instance.textNode("dg==");
                        }
                        for (int i = 0; i < 10_000; i++) {
                            o.set("k" + i, one);
                        }
                    }
                    default -> {
                        set(parent, last, JsonNodeFactory.instance.textNode("\u0001RAW\u0001"));
                        return root.toString().replace("\"\\u0001RAW\\u0001\"", "\"" + special[0] + "\"");
                    }
                }
                return root.toString();
            }
            if (remove) {
                if (parent instanceof ObjectNode o) {
                    o.remove((String) last);
                } else {
                    ((ArrayNode) parent).remove(0);
                }
            } else {
                set(parent, last, value);
            }
            return root.toString();
        }
    }

    private static void set(JsonNode parent, Object key, JsonNode value) {
        if (parent instanceof ObjectNode o) {
            o.set((String) key, value);
        } else {
            ((ArrayNode) parent).set(0, value);
        }
    }

    // =========================================================================== header mutations

    enum Caller { TEST, LIVE, NONE }

    record HeaderCase(String name, boolean mustRefuse, java.util.function.BiFunction<BadInputRunTest, String, Headers> make) {
        Headers headers(BadInputRunTest t, String path) {
            return make.apply(t, path);
        }
    }

    private List<HeaderCase> headerCases() {
        List<HeaderCase> c = new ArrayList<>();
        c.add(new HeaderCase("none", true, (t, p) -> new Headers()));
        c.add(new HeaderCase("no API key", true, (t, p) -> new Headers().add("X-Verigram-Api-Version", "2.0.0")));
        c.add(new HeaderCase("no API version", true, (t, p) -> new Headers().add("X-Verigram-Api-Key", TestServer.TEST_KEY)));
        for (String version : List.of("", "1.0.0", "2.0.0.0", "3.0.0", "2.0.0-beta", "v2.0.0", " 2.0.0x", "\u0662.0.0", "2.0.0;")) {
            c.add(new HeaderCase("API version '" + version + "'", true, (t, p) -> new Headers()
                    .add("X-Verigram-Api-Key", TestServer.TEST_KEY).add("X-Verigram-Api-Version", version)));
        }
        for (String key : List.of("", "nope", TestServer.TEST_KEY + "x", TestServer.TEST_KEY.toUpperCase(java.util.Locale.ROOT),
                TestServer.TEST_KEY.substring(1), "k".repeat(4000), "' OR '1'='1", TestServer.LIVE_SECRET)) {
            c.add(new HeaderCase("API key '" + excerpt(key, 20) + "'", true, (t, p) -> Headers.test(key)));
        }
        c.add(new HeaderCase("live key unsigned", true, (t, p) -> Headers.test(TestServer.LIVE_KEY)));
        long now = server.clock.instant().getEpochSecond();
        for (String ts : List.of("", "abc", "-1", "0", "1e9", "9".repeat(1200), Long.toString(now - 3600),
                Long.toString(now + 3600), Long.toString(now) + ".5", " " + now, Long.toString(now * 1000))) {
            c.add(new HeaderCase("ts '" + excerpt(ts, 20) + "'", true, (t, p) -> Headers.test(TestServer.LIVE_KEY)
                    .add("X-Verigram-Ts", ts).add("X-Verigram-Hmac-SHA256", Crypto.hmacSha256Hex(
                            TestServer.LIVE_SECRET.getBytes(StandardCharsets.UTF_8), ts + p))));
        }
        c.add(new HeaderCase("stale ts, signed", true, (t, p) -> t.server.signed(TestServer.LIVE_KEY, TestServer.LIVE_SECRET,
                p, t.server.clock.instant().getEpochSecond() - 3600)));
        c.add(new HeaderCase("signature for another path", true, (t, p) -> t.server.signed(TestServer.LIVE_KEY,
                TestServer.LIVE_SECRET, p + "x", t.server.clock.instant().getEpochSecond())));
        c.add(new HeaderCase("signature with another secret", true, (t, p) -> t.server.signed(TestServer.LIVE_KEY,
                "wrong-secret", p, t.server.clock.instant().getEpochSecond())));
        for (String sig : List.of("", "00", "zz", "0".repeat(64), "g".repeat(64), "a".repeat(5000))) {
            c.add(new HeaderCase("signature '" + excerpt(sig, 12) + "'", true, (t, p) -> Headers.test(TestServer.LIVE_KEY)
                    .add("X-Verigram-Ts", Long.toString(t.server.clock.instant().getEpochSecond()))
                    .add("X-Verigram-Hmac-SHA256", sig)));
        }
        c.add(new HeaderCase("signature without ts", true, (t, p) -> Headers.test(TestServer.LIVE_KEY)
                .add("X-Verigram-Hmac-SHA256", "0".repeat(64))));
        c.add(new HeaderCase("ts without signature", true, (t, p) -> Headers.test(TestServer.LIVE_KEY)
                .add("X-Verigram-Ts", Long.toString(t.server.clock.instant().getEpochSecond()))));
        c.add(new HeaderCase("two API keys", false, (t, p) -> Headers.test(TestServer.TEST_KEY)
                .add("X-Verigram-Api-Key", TestServer.OTHER_TEST_KEY)));
        c.add(new HeaderCase("two API versions", false, (t, p) -> Headers.test(TestServer.TEST_KEY)
                .add("X-Verigram-Api-Version", "1.0.0")));
        c.add(new HeaderCase("odd Accept", false, (t, p) -> Headers.test(TestServer.TEST_KEY)
                .add("Accept", "text/html;q=0.1, */*;q=0, image/*;q=2, x".repeat(20))));
        c.add(new HeaderCase("Accept-Encoding gzip", false, (t, p) -> Headers.test(TestServer.TEST_KEY)
                .add("Accept-Encoding", "gzip, deflate, br")));
        return c;
    }

    // =========================================================================== sending and judging

    /** One request as sent. {@code contentType} null means none. */
    record Exchange(String method, String pathWithQuery, Headers headers, byte[] body, String contentType, String name) {
        Exchange(String method, String pathWithQuery, Headers headers, byte[] body, String contentType) {
            this(method, pathWithQuery, headers, body, contentType, "");
        }

        Exchange named(String n) {
            return new Exchange(method, pathWithQuery, headers, body, contentType, n);
        }

        Exchange withHeaders(Headers h) {
            return new Exchange(method, pathWithQuery, h, body, contentType, name);
        }

        String describe() {
            return name + " | " + method + " " + excerpt(pathWithQuery, 120)
                    + (body == null || body.length == 0 ? "" : " body " + excerpt(new String(body, StandardCharsets.UTF_8), 160));
        }
    }

    private Exchange upload(byte[] body, String contentType) {
        return new Exchange("POST", "/resources/storage", Headers.test(TestServer.TEST_KEY), body, contentType);
    }

    /** The failures of one run, by rule, and the statuses seen. */
    final class Run {
        final String area;
        final Map<String, List<String>> failures = new TreeMap<>();
        final Map<Integer, Integer> statuses = new TreeMap<>();
        int sent;
        long sendNanos;
        long judgeNanos;

        Run(String area) {
            this.area = area;
        }

        void json(Operation op, Caller caller, Mutation m) throws Exception {
            Exchange valid = op.validRequest(BadInputRunTest.this);
            String text = m.apply().apply(new String(valid.body(), StandardCharsets.UTF_8));
            if (text == null) {
                return; // the field is not there to change
            }
            if (!op.consumer()) {
                valid = onAFreshFlow(valid);
            }
            String contentType = "application/json";
            if (text.startsWith("\u0001")) {
                int end = text.indexOf('\u0001', 1);
                contentType = end == 1 ? null : text.substring(1, end);
                text = text.substring(end + 1);
            }
            byte[] body = bytes(text);
            if (m.name().startsWith("invalid UTF-8")) {
                body = text.replace("\uDC80", "\u0000").getBytes(StandardCharsets.UTF_8);
                for (int i = 0; i < body.length; i++) {
                    if (body[i] == 0) {
                        body[i] = (byte) 0xC3; // a lead byte with no continuation
                    }
                }
            }
            Headers h = caller == Caller.TEST ? Headers.test(TestServer.TEST_KEY)
                    : caller == Caller.LIVE ? server.live(valid.pathWithQuery()) : valid.headers();
            Exchange request = new Exchange(op.method(), valid.pathWithQuery(), h, body, contentType,
                    (caller == Caller.NONE ? "" : caller.name().toLowerCase(java.util.Locale.ROOT) + " key, ") + m.name());
            // The contract's schemas bind the consumer API; the client API's bodies are ours, judged by
            // the status and shape rules only, and refused after its vlink was accepted (the person's
            // activity is recorded), so outside the no-write rule.
            Reply reply = send(request, op, op.consumer() && m.mustRefuse(), op.consumer());
            if (reply != null && reply.status() == 201 && op.path().equals("/flow")) {
                followCreatedFlow(request, reply, caller);
            }
        }

        void multipart(Operation op, String name, Multipart m, boolean mustRefuse) throws Exception {
            send(new Exchange("POST", op.path(), Headers.test(TestServer.TEST_KEY), m.bytes(), m.contentType())
                    .named("multipart: " + name), op, mustRefuse);
        }

        /**
         * The request moved to a flow of its own, so that an earlier case cannot have used up what it
         * tests: a new flow for a start, a new started flow at its consent step for a submit.
         */
        private Exchange onAFreshFlow(Exchange request) throws Exception {
            boolean submit = request.pathWithQuery().endsWith("/submit");
            JsonNode created = JSON.readTree(server.postJson("/flow", Headers.test(TestServer.TEST_KEY),
                    "{\"person_id\":\"" + newPerson() + "\",\"template\":{\"pipeline\":[{\"service_name\":\""
                            + (submit ? "consent" : "verilive") + "\"}]}}").body());
            String vlink = created.get("vlink").asText();
            String vlinkId = vlink.substring(vlink.lastIndexOf('/') + 1);
            if (!submit) {
                return new Exchange(request.method(), "/hf/" + vlinkId + "/api/start", request.headers(), request.body(),
                        request.contentType(), request.name());
            }
            JsonNode started = JSON.readTree(server.postJson("/hf/" + vlinkId + "/api/start", new Headers(), "{}").body());
            return new Exchange(request.method(), "/hf/" + vlinkId + "/api/steps/"
                    + started.at("/current_step/step_id").asText() + "/submit", request.headers(), request.body(),
                    request.contentType(), request.name());
        }

        /** A client-API request; before authentication a refusal must write nothing. */
        void client(Exchange request, boolean beforeAuthentication) throws Exception {
            send(request, operationFor(request.method(), request.pathWithQuery()).orElse(null), beforeAuthentication,
                    beforeAuthentication);
        }

        /** A flow the run managed to create is read, and (a test flow) started by the person: neither may fail. */
        private void followCreatedFlow(Exchange request, Reply reply, Caller caller) throws Exception {
            JsonNode created = JSON.readTree(reply.body());
            String flowId = created.path("flow_id").asText();
            String path = "/flow/" + flowId;
            Headers h = caller == Caller.LIVE ? server.live(path) : Headers.test(TestServer.TEST_KEY);
            send(new Exchange("GET", path, h, null, null).named("read the flow of: " + request.name()),
                    operation("GET", "/flow/{flow_id}"), false);
            if (caller == Caller.TEST) {
                String vlink = created.path("vlink").asText();
                String vlinkId = vlink.substring(vlink.lastIndexOf('/') + 1);
                send(new Exchange("POST", "/hf/" + vlinkId + "/api/start", new Headers(), bytes("{}"), "application/json")
                        .named("start the flow of: " + request.name()), operation("POST", "/hf/{vlink_id}/api/start"),
                        false, false);
                send(new Exchange("GET", "/hf/" + vlinkId + "/api/state", new Headers(), null, null)
                        .named("state of the flow of: " + request.name()), operation("GET", "/hf/{vlink_id}/api/state"),
                        false, false);
            }
        }

        Reply send(Exchange request, Operation op, boolean mustRefuse) throws Exception {
            return send(request, op, mustRefuse, true);
        }

        Reply send(Exchange request, Operation op, boolean mustRefuse, boolean noWriteIfRefused) throws Exception {
            long before = writes.count();
            Reply reply;
            long t0 = System.nanoTime();
            try {
                reply = exchange(request);
            } catch (IOException closed) {
                // Jetty closes a connection whose request body a refusal left unread (a 2 MB body refused
                // at the 1 MB limit); the client may already have picked that pooled connection for the
                // next request. Once more, on a fresh connection: a server that really drops requests
                // fails this too.
                try {
                    reply = exchange(request);
                } catch (IOException e) {
                    fail("the server answers (no reset connection)", request, null, e.toString());
                    return null;
                }
            }
            long t1 = System.nanoTime();
            judge(request, reply, op, mustRefuse, noWriteIfRefused, before);
            sendNanos += t1 - t0;
            judgeNanos += System.nanoTime() - t1;
            return reply;
        }

        /** A request only a raw socket sends (java.net.http refuses to); judged by the same rules. */
        void raw(String name, String request) throws Exception {
            Exchange described = new Exchange(request.substring(0, request.indexOf(' ')),
                    request.substring(request.indexOf(' ') + 1, Math.max(request.indexOf(' ') + 1, request.indexOf(" HTTP/"))),
                    new Headers(), null, null, "raw: " + name);
            long before = writes.count();
            Reply reply;
            try {
                reply = rawExchange(request.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                fail("the server answers (no reset connection)", described, null, e.toString());
                return;
            }
            String target = described.pathWithQuery().startsWith(server.mountPath)
                    ? described.pathWithQuery().substring(server.mountPath.length()) : described.pathWithQuery();
            judge(described, reply, operationFor(described.method(), target).orElse(null), false, true, before);
        }

        private void judge(Exchange request, Reply reply, Operation op, boolean mustRefuse, boolean noWriteIfRefused,
                           long writesBefore) throws Exception {
            sent++;
            requests++;
            int status = reply.status();
            statuses.merge(status, 1, Integer::sum);
            require(request, reply, status < 500, "no 5xx");
            if (op != null && op.consumer()) {
                // 400, 414 and 431 are the container's refusals of malformed HTTP (a bad URI encoding, an
                // ambiguous path, a huge header) before idflow sees the request; idflow never answers them
                require(request, reply, op.statuses().contains(status) || CONTAINER_REFUSALS.contains(status),
                        "a status the operation lists", () -> "listed: " + op.statuses());
            } else {
                require(request, reply, status < 500 && status >= 200, "an answer of 2xx or 4xx");
            }
            if (mustRefuse) {
                require(request, reply, status >= 400, "input the contract forbids is refused (4xx)");
            }
            boolean download = op != null && op.path().equals("/resources/file") && status == 200;
            require(request, reply, reply.header("Cache-Control").map(v -> v.contains("no-store")).orElse(false),
                    "Cache-Control: no-store");
            if (!download) {
                boolean json = reply.header("Content-Type").map(ct -> ct.startsWith("application/json")).orElse(false);
                JsonNode body = null;
                try {
                    body = JSON.readTree(reply.body());
                } catch (IOException e) {
                    body = null;
                }
                require(request, reply, json && body != null && !body.isMissingNode(), "the body is JSON");
                if (status >= 400 && body != null) {
                    List<String> fields = ApiAssertions.fieldNames(body);
                    boolean shape = body.isObject() && body.path("error_code").isTextual()
                            && body.path("error_msg").isTextual() && !body.path("error_msg").asText().isBlank()
                            && (fields.size() == 2 || ApiAssertions.isWrongAnswer(body));
                    require(request, reply, shape, "an error is a SaasErrorResponse {error_code, error_msg} (on the "
                            + "client API a wrong answer also names its field and rule)");
                    require(request, reply, !shape || UPPER_SNAKE.matcher(body.get("error_code").asText()).matches(),
                            "error_code is UPPER_SNAKE");
                    require(request, reply, !reply.body().contains("Exception") && !reply.body().contains("\tat ")
                            && !reply.body().contains("java."), "no internals in the answer");
                }
            }
            if (op != null) {
                List<String> problems = schemaProblems(request, reply, op);
                require(request, reply, problems.isEmpty(), "the answer is valid against the operation's schema",
                        () -> String.join("; ", problems));
            }
            if (status >= 400 && noWriteIfRefused) {
                long after = writes.count();
                require(request, reply, after == writesBefore, "a refused request writes nothing",
                        () -> "wrote " + writes.since(writesBefore));
            }
        }

        private List<String> schemaProblems(Exchange request, Reply reply, Operation op) throws Exception {
            com.atlassian.oai.validator.report.ValidationReport report = reply.report() != null ? reply.report()
                    : server.validateAgainstServedDocument(op.method(), stripQuery(request.pathWithQuery()), reply);
            List<String> out = new ArrayList<>();
            for (var m : report.getMessages()) {
                // the status rule is judged above (and for the client API, any 4xx is ours to choose);
                // a raw path the validator cannot match is judged by the shape rules alone
                if (m.getKey().equals("validation.response.status.unknown") || m.getKey().equals("validation.request.path.missing")
                        || m.getKey().equals("validation.response.path.missing")) {
                    continue;
                }
                out.add(m.getKey() + ": " + excerpt(m.getMessage(), 200));
            }
            return out;
        }

        void require(Exchange request, Reply reply, boolean ok, String rule) {
            require(request, reply, ok, rule, null);
        }

        /** Records a broken rule; {@code detail} (what was wrong exactly) goes with the case, not the rule's name. */
        void require(Exchange request, Reply reply, boolean ok, String rule, java.util.function.Supplier<String> detail) {
            if (!ok) {
                fail(rule, request, reply, detail == null ? null : detail.get());
            }
        }

        private void fail(String rule, Exchange request, Reply reply, String detail) {
            failures.computeIfAbsent(rule, k -> new ArrayList<>()).add(
                    (request == null ? "" : request.describe())
                            + (reply == null ? "" : " -> " + reply.status() + " " + reply.header("Content-Type").orElse("")
                            + " " + excerpt(reply.body(), 200))
                            + (detail == null ? "" : " [" + excerpt(detail, 400) + "]"));
        }

        void assertClean() {
            System.out.println("BadInputRunTest " + area + ": " + sent + " requests, statuses " + statuses
                    + " send " + sendNanos / 1_000_000 + " ms, judge " + judgeNanos / 1_000_000 + " ms");
            StringBuilder message = new StringBuilder();
            int lines = 0;
            for (Map.Entry<String, List<String>> e : failures.entrySet()) {
                message.append("\n== ").append(e.getKey()).append(": ").append(e.getValue().size()).append(" cases");
                for (String line : e.getValue()) {
                    if (lines++ < 400) {
                        message.append("\n  ").append(line);
                    }
                }
            }
            if (lines > 400) {
                message.append("\n  … ").append(lines - 400).append(" more");
            }
            if (!failures.isEmpty()) {
                throw new AssertionError("seed " + SEED + ", " + area + ": "
                        + failures.values().stream().mapToInt(List::size).sum() + " of " + sent
                        + " requests broke a rule:" + message);
            }
        }
    }

    private Reply exchange(Exchange request) throws IOException, InterruptedException {
        HttpRequest.BodyPublisher body = request.body() == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(request.body());
        try {
            URI.create(server.baseUrl + request.pathWithQuery());
            return server.send(request.method(), request.pathWithQuery(), request.headers(), body, request.contentType());
        } catch (IllegalArgumentException refusedByTheClient) {
            // java.net.http will not send this URI or header: a raw socket will
            StringBuilder raw = new StringBuilder(request.method()).append(' ').append(serverPath(request.pathWithQuery()))
                    .append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
            List<String> pairs = request.headers().pairs;
            for (int i = 0; i < pairs.size(); i += 2) {
                raw.append(pairs.get(i)).append(": ").append(pairs.get(i + 1)).append("\r\n");
            }
            if (request.contentType() != null) {
                raw.append("Content-Type: ").append(request.contentType()).append("\r\n");
            }
            byte[] content = request.body() == null ? new byte[0] : request.body();
            raw.append("Content-Length: ").append(content.length).append("\r\n\r\n");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(raw.toString().getBytes(StandardCharsets.UTF_8));
            out.writeBytes(content);
            return rawExchange(out.toByteArray());
        }
    }

    private String serverPath(String pathWithQuery) {
        return server.mountPath + pathWithQuery;
    }

    /** Sends bytes as they are and reads the answer to the end (Connection: close). */
    private Reply rawExchange(byte[] request) throws IOException {
        URI base = URI.create(server.baseUrl);
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
                socket.shutdownOutput();
            } catch (IOException closedEarly) {
                // the server may answer and close before the whole request is written: read what it said
            }
            InputStream in = socket.getInputStream();
            byte[] all = in.readAllBytes();
            String text = new String(all, StandardCharsets.ISO_8859_1);
            int headEnd = text.indexOf("\r\n\r\n");
            if (!text.startsWith("HTTP/") || headEnd < 0) {
                throw new IOException("no HTTP answer: " + excerpt(text, 100));
            }
            String[] lines = text.substring(0, headEnd).split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.computeIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
                            k -> new ArrayList<>()).add(lines[i].substring(colon + 1).trim());
                }
            }
            byte[] body = java.util.Arrays.copyOfRange(all, headEnd + 4, all.length);
            if (headers.getOrDefault("transfer-encoding", List.of()).stream().anyMatch(v -> v.contains("chunked"))) {
                body = dechunk(body);
            }
            return new Reply(status, new String(body, StandardCharsets.UTF_8), body, headers, null);
        }
    }

    private static byte[] dechunk(byte[] chunked) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < chunked.length) {
            int lineEnd = indexOf(chunked, i);
            if (lineEnd < 0) {
                break;
            }
            String size = new String(chunked, i, lineEnd - i, StandardCharsets.ISO_8859_1).split(";")[0].trim();
            int n = size.isEmpty() ? 0 : Integer.parseInt(size, 16);
            if (n == 0) {
                break;
            }
            out.write(chunked, lineEnd + 2, Math.min(n, chunked.length - lineEnd - 2));
            i = lineEnd + 2 + n + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    // =========================================================================== storage writes

    /**
     * Counts the writes idflow makes to the watched repositories through a view of the store (a
     * dynamic proxy, so the SPI may grow without this test changing); reads are never counted, nor a
     * compare-and-set that failed or a call that threw (both change nothing).
     */
    static final class Writes {
        private final AtomicLong count = new AtomicLong();
        private final ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();

        long count() {
            return count.get();
        }

        /** The writes after the {@code from}-th, by name. */
        String since(long from) {
            return log.stream().skip(from).collect(Collectors.joining(", "));
        }

        IdflowStorage wrap(IdflowStorage storage) {
            return proxy(IdflowStorage.class, storage, "storage");
        }

        private <T> T proxy(Class<T> type, Object target, String name) {
            return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, method, args) -> {
                Object result;
                try {
                    result = method.invoke(target, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
                if (method.getDeclaringClass() == Object.class) {
                    return result;
                }
                if (result != null && method.getParameterCount() == 0 && method.getReturnType().isInterface()
                        && WATCHED.contains(method.getName())) {
                    return proxy(method.getReturnType(), result, method.getName());
                }
                boolean watched = WATCHED.contains(name) || (name.equals("storage") && method.getName().equals("commit"));
                boolean changed = !Boolean.FALSE.equals(result) && !(result instanceof java.util.Collection<?> c && c.isEmpty())
                        && !(result instanceof Optional<?> o && o.isEmpty());
                if (watched && changed && WRITE.matcher(method.getName()).matches()) {
                    count.incrementAndGet();
                    log.add(name + "." + method.getName());
                }
                return result;
            }));
        }
    }

    // =========================================================================== small helpers

    private List<String> personIdMutations() {
        return List.of("", "short", "p".repeat(49), "bad person id", "person\u0000id", "\u043f\u0435\u0440\u0441\u043e\u043d\u0430",
                "person-\uD83D\uDE00", "person/../../x", "person-ok\nsecond-line");
    }

    private static String nested(int depth, String open, String close) {
        return open.repeat(depth) + close.repeat(depth);
    }

    private static String repeat(String item, int n) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append(item);
        }
        return b.append(']').toString();
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String stripQuery(String pathWithQuery) {
        return pathWithQuery.contains("?") ? pathWithQuery.substring(0, pathWithQuery.indexOf('?')) : pathWithQuery;
    }

    static String excerpt(String s, int max) {
        if (s == null) {
            return "";
        }
        String flat = s.replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0");
        StringBuilder out = new StringBuilder();
        for (char ch : flat.toCharArray()) {
            out.append(ch < 0x20 ? String.format("\\u%04x", (int) ch) : String.valueOf(ch));
        }
        String clean = out.toString();
        return clean.length() <= max ? clean : clean.substring(0, max) + "…(" + s.length() + " chars)";
    }

}
