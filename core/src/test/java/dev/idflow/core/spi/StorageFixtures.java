package dev.idflow.core.spi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.f4b6a3.ulid.UlidFactory;
import dev.idflow.core.internal.Crypto;
import dev.idflow.core.internal.Ids;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.ApiKey;
import dev.idflow.core.model.Consumer;
import dev.idflow.core.model.EndCause;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.model.FlowInputData;
import dev.idflow.core.model.FlowTemplate;
import dev.idflow.core.model.KeyMode;
import dev.idflow.core.model.LivenessDetails;
import dev.idflow.core.model.MockeryScript;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.model.SessionState;
import dev.idflow.core.model.SessionStateName;
import dev.idflow.core.model.StoredFile;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Values for storage tests: every id is fresh (so tests never collide, even on a shared database),
 * every instant is whole milliseconds (the engine truncates to millis, and every store keeps at least
 * that), and the "full" builders fill every field with a non-default value so a round-trip proves
 * each column is really stored.
 */
public final class StorageFixtures {

    /** A fixed moment with a millisecond part, far from the epoch and from "now". */
    public static final Instant T0 = Instant.parse("2025-03-04T05:06:07.089Z");

    /** A pipeline with per-service options the spec does not name; they must come back exactly. */
    public static final String TEMPLATE_JSON = """
            {"pipeline":[
               {"service_name":"verilive","native":false,"timeout":120},
               {"service_name":"esign","action":"sign","allow_failure":true,"max_retries":3,
                "files":[{"label":"x","n":1.50,"deep":{"a":[1,2,{"b":null}]}}]},
               {"service_name":"consent","text":"Я согласен / I agree ✓"}],
             "ui":{"theme":"bts","logo_url":"https://bank.example/logo.png","css":".a{color:red}",
                   "translation":{"ru":{"title":"Привет"},"en":{"title":"Hello"}},"brand_color":"#112233"},
             "status_page":true,
             "vendor_flag":{"x":[true,false]}}
            """;

    /** input_data with spec fields and extras ({@code files}, a nested object, a decimal). */
    public static final String INPUT_DATA_JSON = """
            {"iin":"880101300123","phone_number":"+77010000000","full_name":"Айгерим Test",
             "card_number":"4400430000000000","bin_field":"123456789012","org_name":"ТОО Ромашка",
             "files":[{"label":"contract","session_id":"01KMWYGEEVW2TH4Q4SFFFFFFF5-S"}],
             "amount":10.00,"meta":{"channel":"web","tags":["a","b"]}}
            """;

    private static final Ids IDS = new Ids(new SecureRandom(), Clock.systemUTC());
    private static final UlidFactory UNORDERED = UlidFactory.newInstance(new SecureRandom());

    private StorageFixtures() {
    }

    // ---- ids ----

    public static String flowId() {
        return IDS.flowId();
    }

    public static String sessionId() {
        return IDS.sessionId();
    }

    public static String fileId() {
        return IDS.fileId();
    }

    /**
     * A session id whose random part is fresh, not the previous id plus one: ids minted together sort in
     * no particular order, so a store cannot pass an order-by-id test by the accident of insertion or
     * hash order.
     */
    public static String unorderedSessionId() {
        return UNORDERED.create() + "-S";
    }

    /** A fresh session id that sorts after {@code other}. */
    public static String sessionIdAfter(String other) {
        String id = sessionId();
        while (id.compareTo(other) <= 0) {
            id = sessionId();
        }
        return id;
    }

    /** A fresh file id that sorts after {@code other}. */
    public static String fileIdAfter(String other) {
        String id = fileId();
        while (id.compareTo(other) <= 0) {
            id = fileId();
        }
        return id;
    }

    /** A file id as {@link #unorderedSessionId()}. */
    public static String unorderedFileId() {
        return UNORDERED.create().toString();
    }

    public static String vlinkId() {
        return IDS.vlinkToken();
    }

    /** The lookup key of a fresh vlink token: its SHA-256 hex, what flows store instead of the token. */
    public static String vlinkHash() {
        return dev.idflow.core.internal.Crypto.sha256Hex(vlinkId());
    }

    /** A consumer id no other test uses, so ownership filters are tested against strangers only. */
    public static String consumerId() {
        return "c-" + IDS.token(9);
    }

    /** A person id matching the spec's pattern and length (6–48). */
    public static String personId() {
        return "p." + IDS.token(9).replace('-', '_');
    }

    /** A SHA-256 hex, as key and access-token hashes are stored. */
    public static String sha256() {
        return Crypto.sha256Hex(IDS.token(16));
    }

    public static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        IDS.random().nextBytes(b);
        return b;
    }

    // ---- JSON ----

    public static FlowTemplate template(String json) {
        try {
            return Json.mapper().readValue(json, FlowTemplate.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static FlowInputData inputData(String json) {
        try {
            return Json.mapper().readValue(json, FlowInputData.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static ObjectNode object(String json) {
        try {
            return (ObjectNode) Json.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The JSON tree Json.mapper() writes for {@code value}: how a client would see it. */
    public static JsonNode tree(Object value) {
        try {
            return Json.mapper().readTree(Json.mapper().writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    // ---- flows ----

    /** A flow with only the required fields; every nullable field null, every flag false. */
    public static Flow.Builder minimalFlow(String consumerId) {
        return Flow.builder()
                .flowId(flowId())
                .consumerId(consumerId)
                .vlinkHash(vlinkHash())
                .personId(personId())
                .template(template("{\"pipeline\":[{\"service_name\":\"verilive\"}]}"))
                .createdAt(T0)
                .flowStatus(ExecutionStatus.UNKNOWN);
    }

    /** A flow with every field set to something other than its default. */
    public static Flow.Builder fullFlow(String consumerId) {
        return Flow.builder()
                .flowId(flowId())
                .consumerId(consumerId)
                .vlinkHash(vlinkHash())
                .sealedVlink(java.util.Base64.getEncoder().encodeToString(IDS.vlinkToken().getBytes()))
                .apiVersion("2.0.0")
                .locale("kk")
                .personId(personId())
                .template(template(TEMPLATE_JSON))
                .templateId("onboarding-v2")
                .testFlow(true)
                .callbackUrl("https://bank.example/done?x=1&y=%20")
                .inputData(inputData(INPUT_DATA_JSON))
                .initialDeviceType("mobile")
                .devicePlatform("android")
                .ttl(7200)
                .createdAt(T0)
                .updatedAt(T0.plusMillis(1_001))
                .polledAt(T0.plusMillis(2_002))
                .startedAt(T0.plusMillis(3_003))
                .currentStepId("step-2")
                .currentStepStartedAt(T0.plusMillis(4_004))
                .lastActivityAt(T0.plusMillis(5_005))
                .endedAt(T0.plusMillis(6_006))
                .flowStatus(ExecutionStatus.FAIL)
                .endCause(EndCause.DISCONNECTED)
                .edited(true)
                .deadlineAt(T0.plusMillis(7_007))
                .version(41);
    }

    /** A not-ended flow the sweeper must look at from {@code deadlineAt}. */
    public static Flow dueFlow(String consumerId, Instant deadlineAt) {
        return minimalFlow(consumerId).ttl(86_400).deadlineAt(deadlineAt).build();
    }

    // ---- sessions ----

    /** A plain session (no liveness, no result) of {@code serviceName}, created at {@code createdAt}. */
    public static ServiceSession session(String consumerId, String personId, String flowId, String serviceName,
                                         Instant createdAt) {
        return new ServiceSession(sessionId(), consumerId, personId, flowId, flowId == null ? null : "step-1",
                serviceName, null, false, SessionStateName.CREATED,
                List.of(new SessionState(SessionStateName.CREATED, createdAt)), ExecutionStatus.UNKNOWN,
                null, null, null, null, createdAt, null, 0);
    }

    /** A verilive session with every field set, including liveness details, a result and a history. */
    public static ServiceSession fullLivenessSession(String consumerId, String personId, String flowId) {
        LivenessDetails liveness = new LivenessDetails(
                "3f1c2a4e-8b7d-4c6a-9e5f-0a1b2c3d4e5f", sha256(),
                List.of(List.of("smile"), List.of("turn_left", "turn_right"), List.of("blink")),
                "ios", 3, T0.plus(Duration.ofSeconds(300)), true);
        ObjectNode result = object("""
                {"service_name":"verilive","service_status":"attack","error_codes":["virtual_camera_risk"],
                 "warnings":[],"score":0.9350,"start_time":"2025-03-04T05:06:08.000Z","nested":{"k":[1,null,"v"]}}
                """);
        List<SessionState> history = List.of(
                new SessionState(SessionStateName.CREATED, T0),
                new SessionState(SessionStateName.PROCESSING, T0.plusMillis(10)),
                new SessionState(SessionStateName.PROCESSED, T0.plusMillis(20)),
                new SessionState(SessionStateName.REVIEWED, T0.plusMillis(30)),
                // the history is what happened, in order, even when a state repeats
                new SessionState(SessionStateName.PROCESSED, T0.plusMillis(30)));
        return new ServiceSession(sessionId(), consumerId, personId, flowId, "step-1", "verilive", "2.0",
                true, SessionStateName.PROCESSED, history, ExecutionStatus.FAIL, result, liveness,
                object("{\"screen\":{\"kind\":\"otp\",\"destination\":\"+7 *** *** 45 67\"},\"state\":{\"tries\":[1,2.5,\"Ə\"]},\"awaits\":\"person\"}"),
                "operator: document mismatch", T0, T0.plusMillis(30), 7);
    }

    /** A verilive session whose access token hashes to {@code accessTokenHash}. */
    public static ServiceSession livenessSession(String consumerId, String personId, String flowId,
                                                 String accessTokenHash, Instant createdAt) {
        LivenessDetails liveness = new LivenessDetails(IDS.accessToken(), accessTokenHash,
                List.of(List.of("smile")), null, 1, createdAt.plusSeconds(300), false);
        return session(consumerId, personId, flowId, "verilive", createdAt).withLiveness(liveness, createdAt);
    }

    /** {@code s} with another id and creation time (and a fresh liveness token hash if it has one). */
    public static ServiceSession copyOf(ServiceSession s, String sessionId, Instant createdAt) {
        LivenessDetails liveness = s.liveness() == null ? null : new LivenessDetails(IDS.accessToken(), sha256(),
                s.liveness().pipeline(), s.liveness().platform(), s.liveness().attemptsLeft(),
                s.liveness().expiresAt(), s.liveness().consumerDriven());
        return new ServiceSession(sessionId, s.consumerId(), s.personId(), s.flowId(), s.stepId(), s.serviceName(),
                s.apiVersion(), s.testSession(), s.state(), s.states(), s.status(), s.result(), liveness,
                s.stepState(), s.reviewReason(), createdAt, s.updatedAt(), s.version());
    }

    // ---- files ----

    public static StoredFile file(String consumerId, String personId, String flowId, String sessionId, String label,
                                  Instant createdAt) {
        return new StoredFile(fileId(), consumerId, personId, flowId, sessionId, label, "image/jpeg",
                label + ".jpg", 0, createdAt, false, null, true);
    }

    /** {@code f} with another file id and creation time. */
    public static StoredFile copyOf(StoredFile f, String fileId, Instant createdAt) {
        return new StoredFile(fileId, f.consumerId(), f.personId(), f.flowId(), f.sessionId(), f.label(),
                f.contentType(), f.fileName(), f.size(), createdAt, false, null, true);
    }

    // ---- keys, consumers, mockery ----

    public static Consumer consumer(String consumerId) {
        return new Consumer(consumerId, "Bank «Тест» " + consumerId, T0);
    }

    public static ApiKey liveKey(String consumerId) {
        return new ApiKey(sha256(), consumerId, KeyMode.LIVE, randomBytes(60), "lk_Ab3d", T0.plusMillis(123));
    }

    public static ApiKey testKey(String consumerId) {
        return new ApiKey(sha256(), consumerId, KeyMode.TEST, null, "tk_Zz9y", T0.plusMillis(456));
    }

    public static MockeryScript script(String consumerId, String personId, String serviceName, String status,
                                       Instant createdAt) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("bestframe", randomBytes(1024));
        files.put("liveness_video", randomBytes(3));
        files.put("empty", new byte[0]);
        return new MockeryScript(consumerId, personId, serviceName,
                object("{\"service_name\":\"" + serviceName + "\",\"service_status\":\"" + status
                        + "\",\"extra\":{\"n\":2.50,\"list\":[1,\"two\",null]}}"),
                files, createdAt);
    }

    // ---- events ----

    /** An event about {@code flowId} (a session event when {@code sessionId} is given). */
    public static FlowEvent event(String consumerId, String flowId, String sessionId, Instant createdAt) {
        return new FlowEvent(eventId(), sessionId == null ? FlowEvent.Type.FLOW_ENDED : FlowEvent.Type.SESSION_ENDED,
                consumerId, flowId, sessionId,
                object("{\"flow_status\":\"pass\",\"end_cause\":\"completed\",\"n\":1.50,\"s\":[\"a\",null]}"),
                createdAt);
    }

    public static String eventId() {
        return IDS.fileId() + "-E";
    }

    /** {@code n} flows of one consumer, due at T0 + i ms (so their deadline order is their list order). */
    public static List<Flow> dueFlows(String consumerId, int n) {
        List<Flow> flows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            flows.add(dueFlow(consumerId, T0.plusMillis(i)));
        }
        return flows;
    }
}
