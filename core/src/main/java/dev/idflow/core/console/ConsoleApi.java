package dev.idflow.core.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.Idflow;
import dev.idflow.core.api.FlowViews;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.EndCause;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.FileLabels;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.KycListEntry;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.model.SessionState;
import dev.idflow.core.spi.FileQuery;
import dev.idflow.core.spi.FlowQuery;
import dev.idflow.core.spi.ServiceOutcome;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The operator console's API as plain Java: every operation takes the {@link Operator} the host
 * authenticated, sees only the consumers it grants (anything else is "not found", as if unknown) and
 * records every change in the audit trail with the operator's principal (through Idflow's own methods).
 * Answers are JSON trees; refusals are {@link ConsoleException}s naming the field and the rule. No servlet
 * type here: the servlet adapter maps HTTP onto {@link #handle}.
 */
public final class ConsoleApi {
    public static final int DEFAULT_LIMIT = 50;
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final Idflow idflow;
    /** How long a CSRF token of {@code GET /session} is accepted after it was issued. */
    public static final java.time.Duration CSRF_VALIDITY = CsrfTokens.VALIDITY;

    private final CsrfTokens csrf;
    private final ConsoleFiles files;
    private final ConsoleStats stats;

    /** Where the console records what an operator read or changed itself (Idflow's audit trail). */
    @FunctionalInterface
    public interface AuditSink {
        void record(String consumerId, String actor, String action, String targetType, String targetId, String details);
    }

    /**
     * {@code csrfKey}: the key the CSRF tokens are HMACs under (Idflow derives it from its secret);
     * {@code audit}: where a file download is recorded.
     */
    public ConsoleApi(Idflow idflow, byte[] csrfKey, AuditSink audit) {
        this.idflow = idflow;
        this.csrf = new CsrfTokens(csrfKey);
        this.files = new ConsoleFiles(idflow.storage().files(), audit);
        this.stats = new ConsoleStats(idflow.storage());
    }

    // ---------------------------------------------------------------- CSRF

    /**
     * A CSRF token for the operator, issued now (Idflow's clock): accepted for {@link #CSRF_VALIDITY}, only
     * for this principal, on every node. Opaque to clients.
     */
    public String csrfToken(String principal) {
        return csrf.issue(principal, idflow.clock().instant());
    }

    /** Whether {@code token} is a token of this principal still in time (its MAC compared in constant time). */
    public boolean csrfValid(String principal, String token) {
        return csrf.valid(principal, token, idflow.clock().instant());
    }

    // ---------------------------------------------------------------- routing

    /** One answer: status and JSON body (null for 204). */
    public record Answer(int status, JsonNode body) {
    }

    /** Whether {@code method} changes something (and so needs the CSRF token). */
    public static boolean changes(String method) {
        return !"GET".equals(method) && !"HEAD".equals(method);
    }

    /**
     * Routes one request: {@code path} relative to the console API's root (e.g. {@code /flows/F1}), already
     * URL-decoded segments, {@code query} the single-valued parameters, {@code body} the JSON body of a change
     * (null when none). Throws {@link ConsoleException}.
     */
    public Answer handle(Operator op, String method, String path, Map<String, String> query, JsonNode body) {
        String[] p = path.replaceAll("^/+|/+$", "").split("/");
        String m = method;
        if (p.length == 1 && p[0].equals("session") && m.equals("GET")) {
            return ok(session(op));
        }
        if (p.length == 2 && p[0].equals("flows") && m.equals("GET")) {
            return ok(flow(op, p[1]));
        }
        if (p.length == 3 && p[0].equals("sessions") && p[2].equals("review") && m.equals("POST")) {
            return ok(review(op, p[1], body));
        }
        if (p.length == 3 && p[0].equals("sessions") && p[2].equals("resume") && m.equals("POST")) {
            return ok(resume(op, p[1], body));
        }
        if (p.length >= 3 && p[0].equals("consumers")) {
            String c = p[1];
            if (p.length == 3 && p[2].equals("flows") && m.equals("GET")) {
                return ok(listFlows(op, c, query));
            }
            if (p.length == 3 && p[2].equals("stats") && m.equals("GET")) {
                return ok(stats(op, c, query));
            }
            if (p.length == 3 && p[2].equals("audit") && m.equals("GET")) {
                return ok(audit(op, c, query));
            }
            if (p.length == 3 && p[2].equals("retention") && m.equals("GET")) {
                return ok(retention(op, c));
            }
            if (p.length == 3 && p[2].equals("erase-person") && m.equals("POST")) {
                return ok(erasePerson(op, c, body));
            }
            if (p.length == 3 && p[2].equals("kyc-lists") && m.equals("GET")) {
                return ok(kycListNames(op, c));
            }
            if (p.length == 4 && p[2].equals("kyc-lists") && m.equals("GET")) {
                return ok(kycList(op, c, p[3]));
            }
            if (p.length == 5 && p[2].equals("kyc-lists") && p[4].equals("entries") && m.equals("POST")) {
                return ok(kycAdd(op, c, p[3], body));
            }
            if (p.length == 5 && p[2].equals("kyc-lists") && p[4].equals("entries") && m.equals("DELETE")) {
                return ok(kycRemove(op, c, p[3], query));
            }
        }
        throw new ConsoleException(404, "NOT_FOUND", null, "no console operation " + method + " " + path);
    }

    private static Answer ok(JsonNode body) {
        return new Answer(200, body);
    }

    // ---------------------------------------------------------------- operations

    /** Who the operator is, the consumers granted (all registered ones for an all-consumers grant) and the CSRF token. */
    public ObjectNode session(Operator op) {
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("principal", op.principal());
        out.put("csrf_token", csrfToken(op.principal()));
        ArrayNode consumers = out.putArray("consumers");
        if (op.allConsumers()) {
            out.put("all_consumers", true);
        } else {
            op.consumerIds().stream().sorted().forEach(consumers::add);
        }
        return out;
    }

    /** A page of one granted consumer's flows, newest first. Parameters: see docs/CONSOLE-API.md. */
    public ObjectNode listFlows(Operator op, String consumerId, Map<String, String> q) {
        granted(op, consumerId);
        for (String name : q.keySet()) {
            if (!Set.of("status", "end_cause", "created_from", "created_before", "person_id", "test", "cursor", "limit")
                    .contains(name)) {
                throw ConsoleException.invalid(name, "is not a parameter of this list (status, end_cause, created_from, "
                        + "created_before, person_id, test, cursor, limit)");
            }
        }
        ExecutionStatus status = enumParam(q, "status", "must be pass, fail or unknown", ExecutionStatus::fromWire);
        EndCause endCause = enumParam(q, "end_cause", "must be completed, failed, timeout or disconnected",
                EndCause::fromWire);
        Instant from = instant(q, "created_from");
        Instant before = instant(q, "created_before");
        String personId = q.get("person_id");
        if (personId != null && (personId.isEmpty() || personId.length() > 255)) {
            throw ConsoleException.invalid("person_id", "must be 1 to 255 characters");
        }
        Boolean test = testParameter(q);
        int limit = DEFAULT_LIMIT;
        if (q.containsKey("limit")) {
            try {
                limit = Integer.parseInt(q.get("limit"));
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > FlowQuery.MAX_LIMIT) {
                throw ConsoleException.invalid("limit", "must be an integer from 1 to " + FlowQuery.MAX_LIMIT);
            }
        }
        FlowQuery.Position after = q.containsKey("cursor") ? decodeCursor(q.get("cursor")) : null;
        // one more than asked (up to the store's maximum): whether a next page exists
        int fetch = Math.min(limit + 1, FlowQuery.MAX_LIMIT);
        FlowQuery fq = new FlowQuery(consumerId, status, endCause, from, before,
                personId == null ? List.of() : List.of(personId), test, after, fetch);
        List<Flow> found = idflow.storage().flows().search(fq);
        boolean more = found.size() > limit || (fetch == limit && found.size() == limit);
        List<Flow> page = found.size() > limit ? found.subList(0, limit) : found;
        ObjectNode out = Json.mapper().createObjectNode();
        ArrayNode flows = out.putArray("flows");
        for (Flow f : page) {
            ObjectNode row = flows.addObject();
            row.put("flow_id", f.flowId());
            row.put("person_id", f.personId());
            row.put("test", f.testFlow());
            row.put("flow_status", f.flowStatus().wire());
            row.put("end_cause", f.endCause() == null ? null : f.endCause().wire());
            row.put("current_step_id", f.currentStepId());
            row.put("edited", f.edited());
            row.put("created_at", f.createdAt().toString());
            row.put("ended_at", f.endedAt() == null ? null : f.endedAt().toString());
        }
        if (more && !page.isEmpty()) {
            Flow last = page.get(page.size() - 1);
            out.put("next_cursor", encodeCursor(last));
        } else {
            out.putNull("next_cursor");
        }
        return out;
    }

    /** Flows per day by outcome, the steps' funnel and the liveness attempts: see docs/CONSOLE-API.md. */
    public ObjectNode stats(Operator op, String consumerId, Map<String, String> q) {
        granted(op, consumerId);
        return stats.stats(consumerId, q, idflow.clock().instant());
    }

    /**
     * A file of a granted consumer by its id (as a flow's detail names it), to be streamed by the caller:
     * {@code GET /files/{file_id}} is bytes, not JSON, so it is not {@link #handle}'s. 404 as unknown otherwise.
     */
    public ConsoleFiles.Download file(Operator op, String fileId) {
        return files.find(op, fileId);
    }

    /** How far back the audit list reaches when {@code from} is not given. */
    public static final java.time.Duration AUDIT_DEFAULT_SPAN = java.time.Duration.ofDays(30);

    /**
     * A page of one granted consumer's audit trail, oldest first, {@code from ≤ at < before} (default: the
     * last {@link #AUDIT_DEFAULT_SPAN} up to now), {@link dev.idflow.core.Audit#PAGE} records a page.
     */
    public ObjectNode audit(Operator op, String consumerId, Map<String, String> q) {
        granted(op, consumerId);
        for (String name : q.keySet()) {
            if (!Set.of("from", "before", "cursor").contains(name)) {
                throw ConsoleException.invalid(name, "is not a parameter of the audit list (from, before, cursor)");
            }
        }
        Instant now = idflow.clock().instant();
        Instant before = q.containsKey("before") ? instant(q, "before") : now.plusMillis(1);
        Instant from = q.containsKey("from") ? instant(q, "from") : before.minus(AUDIT_DEFAULT_SPAN);
        if (!from.isBefore(before)) {
            throw ConsoleException.invalid("from", "must be before before");
        }
        String cursor = q.get("cursor");
        if (cursor != null && (cursor.isEmpty() || cursor.length() > 200)) {
            throw ConsoleException.invalid("cursor", "must be the next_cursor of the previous page");
        }
        dev.idflow.core.Audit.Page page;
        try {
            page = idflow.audit().list(consumerId, from, before, cursor);
        } catch (IllegalArgumentException e) {
            throw ConsoleException.invalid("cursor", "must be the next_cursor of the previous page");
        }
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("from", from.toString());
        out.put("before", before.toString());
        ArrayNode entries = out.putArray("entries");
        for (var r : page.records()) {
            ObjectNode e = entries.addObject();
            e.put("at", r.at().toString());
            e.put("actor", r.actor());
            e.put("action", r.action());
            e.put("target_type", r.targetType());
            e.put("target_id", r.targetId());
            e.put("details", r.details());
        }
        out.put("next_cursor", page.nextCursor());
        return out;
    }

    /** A flow's detail: the consumer API's projection, its sessions in full, a timeline and its files. */
    public ObjectNode flow(Operator op, String flowId) {
        Flow f = grantedFlow(op, flowId);
        List<ServiceSession> sessions = idflow.storage().sessions().findByFlowId(flowId);
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("consumer_id", f.consumerId());
        out.put("test", f.testFlow());
        out.set("flow", FlowViews.flow(f, sessions));
        ArrayNode ss = out.putArray("sessions");
        List<ObjectNode> timeline = new ArrayList<>();
        timeline.add(event(f.createdAt(), "flow.created", null, null));
        if (f.startedAt() != null) {
            timeline.add(event(f.startedAt(), "flow.started", null, null));
        }
        ArrayNode files = out.putArray("files");
        for (ServiceSession s : sessions) {
            ObjectNode o = ss.addObject();
            o.put("session_id", s.sessionId());
            o.put("step_id", s.stepId());
            o.put("service_name", s.serviceName());
            o.put("state", s.state().name().toLowerCase(java.util.Locale.ROOT));
            o.put("status", s.status() == null ? null : s.status().wire());
            o.set("result", s.result());
            o.set("error_codes", errorCodes(s.result()));
            o.put("review_reason", s.reviewReason());
            o.put("attempts_left", s.liveness() == null ? null : s.liveness().attemptsLeft());
            o.put("created_at", s.createdAt() == null ? null : s.createdAt().toString());
            o.put("updated_at", s.updatedAt() == null ? null : s.updatedAt().toString());
            for (SessionState st : s.states() == null ? List.<SessionState>of() : s.states()) {
                timeline.add(event(st.createdAt(), "session." + st.state().name().toLowerCase(java.util.Locale.ROOT),
                        s.sessionId(), s.serviceName()));
            }
            for (String label : FileLabels.ALL) {
                idflow.storage().files().findNewest(f.consumerId(), label, FileQuery.session(s.sessionId(), f.testFlow()))
                        .ifPresent(file -> {
                            ObjectNode fo = files.addObject();
                            fo.put("session_id", s.sessionId());
                            fo.put("label", label);
                            fo.put("file_id", file.fileId());
                            ConsoleFiles.describe(fo, file);
                        });
            }
        }
        if (f.endedAt() != null) {
            timeline.add(event(f.endedAt(), "flow.ended", null, null)
                    .put("end_cause", f.endCause() == null ? null : f.endCause().wire()));
        }
        // by time (Instant.toString's text omits zero fractions, so its order is not the time order)
        timeline.sort(Comparator.comparing(n -> n.get("at").asText().isEmpty() ? Instant.EPOCH
                : Instant.parse(n.get("at").asText())));
        out.putArray("timeline").addAll(timeline);
        return out;
    }

    /** Approve (pass) or deny (fail) a processed session with a reason: {@link Idflow#review}, audited with the principal. */
    public ObjectNode review(Operator op, String sessionId, JsonNode body) {
        ServiceSession s = grantedSession(op, sessionId);
        JsonNode b = object(body);
        ExecutionStatus outcome = decision(b);
        String reason = text(b, "reason", 1000);
        ServiceSession reviewed;
        try {
            reviewed = idflow.review(s.sessionId(), outcome, reason, op.principal());
        } catch (IllegalStateException e) {
            throw new ConsoleException(409, "SESSION_NOT_PROCESSED", null, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ConsoleException(409, "SESSION_NOT_REVIEWABLE", null, e.getMessage());
        }
        Flow flow = idflow.storage().flows().findById(reviewed.flowId()).orElseThrow();
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("session_id", reviewed.sessionId());
        out.put("state", reviewed.state().name().toLowerCase(java.util.Locale.ROOT));
        out.put("status", reviewed.status() == null ? null : reviewed.status().wire());
        out.set("flow", FlowViews.flow(flow, idflow.storage().sessions().findByFlowId(flow.flowId())));
        return out;
    }

    /** Resumes a held {@code interrupter} step with pass or fail: {@link Idflow#resumeSession}, audited. */
    public ObjectNode resume(Operator op, String sessionId, JsonNode body) {
        ServiceSession s = grantedSession(op, sessionId);
        if (!"interrupter".equals(s.serviceName())) {
            throw new ConsoleException(409, "NOT_AN_INTERRUPTER", null,
                    "session " + sessionId + " is a " + s.serviceName() + " step; only interrupter steps are resumed");
        }
        ExecutionStatus outcome = decision(object(body));
        boolean done;
        try {
            done = idflow.resumeSession(sessionId, new ServiceOutcome(outcome, null, Map.of(), null), op.principal());
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new ConsoleException(409, "SESSION_NOT_WAITING", null, e.getMessage());
        }
        if (!done) {
            throw new ConsoleException(409, "SESSION_NOT_WAITING", null,
                    "session " + sessionId + " no longer waits (timed out, its flow ended, or resumed already)");
        }
        return Json.mapper().createObjectNode().put("session_id", sessionId).put("resumed", true);
    }

    public ObjectNode kycListNames(Operator op, String consumerId) {
        granted(op, consumerId);
        ObjectNode out = Json.mapper().createObjectNode();
        ArrayNode names = out.putArray("lists");
        idflow.kycLists().listNames(consumerId).forEach(names::add);
        return out;
    }

    public ObjectNode kycList(Operator op, String consumerId, String listName) {
        granted(op, consumerId);
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("list", listName);
        ArrayNode entries = out.putArray("entries");
        for (KycListEntry e : kycCall(() -> idflow.kycLists().list(consumerId, listName))) {
            entries.addObject().put("field", e.field()).put("value", e.value())
                    .put("added_at", e.addedAt() == null ? null : e.addedAt().toString());
        }
        return out;
    }

    public ObjectNode kycAdd(Operator op, String consumerId, String listName, JsonNode body) {
        granted(op, consumerId);
        JsonNode b = object(body);
        String field = kycField(b.get("field") == null ? null : b.get("field").asText(null));
        String value = text(b, "value", KycListEntry.MAX_VALUE_LENGTH);
        boolean added = kycCall(() -> idflow.kycLists().as(op.principal()).add(consumerId, listName, field, value));
        return Json.mapper().createObjectNode().put("added", added);
    }

    public ObjectNode kycRemove(Operator op, String consumerId, String listName, Map<String, String> q) {
        granted(op, consumerId);
        String field = kycField(q.get("field"));
        String value = q.get("value");
        if (value == null || value.isEmpty()) {
            throw ConsoleException.invalid("value", "is required");
        }
        boolean removed = kycCall(() -> idflow.kycLists().as(op.principal()).remove(consumerId, listName, field, value));
        return Json.mapper().createObjectNode().put("removed", removed);
    }

    /** Erases a person of a granted consumer, test and live; {@code confirm} must repeat the person_id. */
    public ObjectNode erasePerson(Operator op, String consumerId, JsonNode body) {
        granted(op, consumerId);
        JsonNode b = object(body);
        String personId = text(b, "person_id", 255);
        JsonNode confirm = b.get("confirm");
        if (confirm == null || !confirm.isTextual() || !confirm.asText().equals(personId)) {
            throw ConsoleException.invalid("confirm", "must equal person_id, to confirm the erasure");
        }
        int rows = idflow.erasePerson(consumerId, personId, op.principal());
        return Json.mapper().createObjectNode().put("person_id", personId).put("erased_rows", rows);
    }

    /** The consumer's retention periods (ISO-8601 durations), or nulls when none is set (kept until erased). */
    public ObjectNode retention(Operator op, String consumerId) {
        granted(op, consumerId);
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("consumer_id", consumerId);
        var policy = idflow.retention().get(consumerId);
        out.put("biometrics", policy.map(p -> p.biometrics()).map(Object::toString).orElse(null));
        out.put("documents", policy.map(p -> p.documents()).map(Object::toString).orElse(null));
        out.put("flows", policy.map(p -> p.flows()).map(Object::toString).orElse(null));
        return out;
    }

    // ---------------------------------------------------------------- helpers

    private static void granted(Operator op, String consumerId) {
        if (!op.grants(consumerId)) {
            throw ConsoleException.notFound("consumer " + consumerId);
        }
    }

    private Flow grantedFlow(Operator op, String flowId) {
        Optional<Flow> f = idflow.storage().flows().findById(flowId);
        if (f.isEmpty() || !op.grants(f.get().consumerId())) {
            throw ConsoleException.notFound("flow " + flowId);
        }
        return f.get();
    }

    private ServiceSession grantedSession(Operator op, String sessionId) {
        Optional<ServiceSession> s = idflow.storage().sessions().findById(sessionId);
        if (s.isEmpty() || !op.grants(s.get().consumerId())) {
            throw ConsoleException.notFound("session " + sessionId);
        }
        return s.get();
    }

    private static JsonNode object(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ConsoleException.invalid("body", "must be a JSON object");
        }
        return body;
    }

    private static ExecutionStatus decision(JsonNode b) {
        JsonNode d = b.get("outcome");
        if (d == null || !d.isTextual() || !(d.asText().equals("pass") || d.asText().equals("fail"))) {
            throw ConsoleException.invalid("outcome", "must be \"pass\" (approve) or \"fail\" (deny)");
        }
        return ExecutionStatus.fromWire(d.asText());
    }

    private static String text(JsonNode b, String field, int max) {
        JsonNode v = b.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw ConsoleException.invalid(field, "is required (a non-blank string)");
        }
        if (v.asText().length() > max) {
            throw ConsoleException.invalid(field, "must be at most " + max + " characters");
        }
        return v.asText();
    }

    private static String kycField(String field) {
        if (field == null || !KycListEntry.FIELDS.contains(field)) {
            throw ConsoleException.invalid("field", "must be one of " + String.join(", ", KycListEntry.FIELDS));
        }
        return field;
    }

    private static <T> T kycCall(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (IllegalArgumentException e) {
            throw new ConsoleException(422, "INVALID_INPUT", null, e.getMessage());
        }
    }

    private static ArrayNode errorCodes(ObjectNode result) {
        ArrayNode codes = Json.mapper().createArrayNode();
        if (result != null) {
            for (String name : List.of("error_code", "error_codes", "errors", "reasons")) {
                JsonNode v = result.get(name);
                if (v != null && v.isTextual()) {
                    codes.add(v.asText());
                } else if (v != null && v.isArray()) {
                    v.forEach(x -> codes.add(x.isTextual() ? x.asText() : x.toString()));
                }
            }
        }
        return codes;
    }

    private static ObjectNode event(Instant at, String kind, String sessionId, String service) {
        ObjectNode e = Json.mapper().createObjectNode();
        e.put("at", at == null ? "" : at.toString());
        e.put("kind", kind);
        if (sessionId != null) {
            e.put("session_id", sessionId);
            e.put("service_name", service);
        }
        return e;
    }

    private static <E> E enumParam(Map<String, String> q, String name, String rule,
                                   java.util.function.Function<String, E> parse) {
        String v = q.get(name);
        if (v == null) {
            return null;
        }
        try {
            return parse.apply(v);
        } catch (IllegalArgumentException e) {
            throw ConsoleException.invalid(name, rule);
        }
    }

    /** The optional {@code test} parameter: true, false, or null when absent. */
    static Boolean testParameter(Map<String, String> q) {
        if (!q.containsKey("test")) {
            return null;
        }
        return switch (q.get("test")) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ConsoleException.invalid("test", "must be true or false");
        };
    }

    private static Instant instant(Map<String, String> q, String name) {
        String v = q.get(name);
        if (v == null) {
            return null;
        }
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw ConsoleException.invalid(name, "must be an ISO-8601 UTC instant, e.g. 2026-01-31T00:00:00Z");
        }
    }

    /** The cursor: base64url of "created_at flow_id", opaque to callers. */
    static String encodeCursor(Flow last) {
        return B64.encodeToString((last.createdAt() + " " + last.flowId()).getBytes(StandardCharsets.UTF_8));
    }

    static FlowQuery.Position decodeCursor(String cursor) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            int space = text.indexOf(' ');
            return new FlowQuery.Position(Instant.parse(text.substring(0, space)), text.substring(space + 1));
        } catch (RuntimeException e) {
            throw ConsoleException.invalid("cursor", "must be a next_cursor this list returned");
        }
    }
}
