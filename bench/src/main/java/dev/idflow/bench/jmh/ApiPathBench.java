package dev.idflow.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.Idflow;
import dev.idflow.core.api.ApiRequest;
import dev.idflow.core.api.ApiResponse;
import dev.idflow.core.api.UploadPart;
import dev.idflow.core.internal.Json;
import dev.idflow.core.keys.HeapKeyVault;
import dev.idflow.storage.memory.InMemoryStorage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The consumer API's request path inside core, without HTTP (issue #12, docs/PERFORMANCE.md "JMH"): one
 * {@code ApiDispatcher.handle} per operation, on the memory store, plain and sealed (per-person keys), and the
 * parts it is made of: the API-key check alone (an unknown path behind a valid key answers 404 after
 * authenticating) and the JSON mapping of a flow's answer. What HTTP adds on top is the harness's (bench/run).
 *
 * <p>{@code bench/jmh [JMH options]}, e.g. {@code bench/jmh -f 1 -wi 3 -i 5 ApiPathBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ApiPathBench {
    private static final String KEY = "bench-" + "k".repeat(40);
    private static final byte[] FLOW_BODY = ("{\"person_id\":\"bench-person-0001\",\"template\":{\"pipeline\":"
            + "[{\"service_name\":\"consent\"}]}}").getBytes(StandardCharsets.UTF_8);

    private static final byte[] SESSION_BODY = "{\"person_id\":\"bench-session-person\"}"
            .getBytes(StandardCharsets.UTF_8);

    /** memory: the memory store as a test uses it; sealed: the same store behind per-person encryption. */
    @Param({"memory", "sealed"})
    public String storage;

    private Idflow idflow;
    private String flowId;
    private JsonNode flowAnswer;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        Idflow.Builder b = Idflow.builder().storage(new InMemoryStorage()).publicBaseUrl("http://localhost/kyc")
                .secretKey(secret).rateLimits(1e9, 1_000_000_000, 1e9, 1_000_000_000);
        if (storage.equals("sealed")) {
            b.personKeys(new HeapKeyVault());
        }
        idflow = b.build();
        idflow.registerConsumer("bench", "Bench");
        idflow.addTestKey("bench", KEY);
        ApiResponse created = idflow.api().handle(request("POST", "/flow", FLOW_BODY));
        if (created.status() != 201) {
            throw new IllegalStateException("POST /flow: " + created.status() + " " + body(created));
        }
        flowId = Json.mapper().readTree(body(created)).get("flow_id").asText();
        flowAnswer = Json.mapper().readTree(body(idflow.api().handle(request("GET", "/flow/" + flowId, null))));
    }

    @Benchmark
    public byte[] getFlow() throws IOException {
        return body(idflow.api().handle(request("GET", "/flow/" + flowId, null)));
    }

    @Benchmark
    public byte[] getFlowResult() throws IOException {
        return body(idflow.api().handle(request("GET", "/flow/" + flowId + "/result", null)));
    }

    @Benchmark
    public byte[] postFlow() throws IOException {
        return body(idflow.api().handle(request("POST", "/flow", FLOW_BODY)));
    }

    @Benchmark
    public byte[] postLivenessSession() throws IOException {
        return body(idflow.api().handle(request("POST", "/liveness2/session", SESSION_BODY)));
    }

    /** Authentication and routing only: a valid key, a path no operation has (404 after the key checked out). */
    @Benchmark
    public int authenticateOnly() {
        return idflow.api().handle(request("GET", "/no-such-operation", null)).status();
    }

    /** The JSON mapping of a flow's answer alone (a tree as GET /flow/{id} answers it, to bytes). */
    @Benchmark
    public byte[] writeFlowJson() throws IOException {
        return Json.mapper().writeValueAsBytes(flowAnswer);
    }

    private static byte[] body(ApiResponse response) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        response.writeBody(out);
        return out.toByteArray();
    }

    private static ApiRequest request(String method, String path, byte[] body) {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("X-Verigram-Api-Key", KEY);
        headers.put("X-Verigram-Api-Version", "2");
        if (body != null) {
            headers.put("Content-Type", "application/json");
            headers.put("Content-Length", Integer.toString(body.length));
        }
        return new ApiRequest() {
            @Override
            public String method() {
                return method;
            }

            @Override
            public String rawPath() {
                return path;
            }

            @Override
            public String rawQuery() {
                return null;
            }

            @Override
            public String header(String name) {
                return headers.get(name);
            }

            @Override
            public InputStream body() {
                return new ByteArrayInputStream(body == null ? new byte[0] : body);
            }

            @Override
            public List<UploadPart> parts() {
                return List.of();
            }

            @Override
            public String clientAddress() {
                return "127.0.0.1";
            }
        };
    }
}
