package dev.idflow.core.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.FileTypes;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.MockeryScript;
import dev.idflow.core.spi.DocumentPages;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.PersonInput;
import dev.idflow.core.spi.ServiceFile;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A service in a test flow when the host's implementation of it, if any, must not reach the outside
 * world (PRODUCT.md, "Sandbox"): the consumer's mockery script for the person decides the session at
 * once; without one, the host's implementation runs (its own sandbox behaviour), and without that the
 * session passes with plausible data of the same shape as a live answer.
 */
public final class SandboxService implements FlowService, DocumentPages {
    private static final Set<String> PASSING = Set.of("success", "pass", "passed", "real", "approved", "ok", "valid", "found");
    private static final Set<String> FAILING = Set.of("fail", "failed", "failure", "attack", "denied", "rejected",
            "invalid", "error", "not_found");

    /** The services whose answer says who the person is (see {@link #identityData}). */
    private static final Set<String> IDENTITY = Set.of("kisc", "egov-doc", "veridoc", "redoc");

    private final String name;
    private final FlowService host;

    /** {@code host}: the host's implementation of {@code name}, or null. */
    public SandboxService(String name, FlowService host) {
        this.name = name;
        this.host = host;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> checkOptions(Map<String, JsonNode> options) {
        return host == null ? List.of() : host.checkOptions(options);
    }

    @Override
    public StepDecision open(StepContext step) throws Exception {
        Optional<MockeryScript> script = step.sandboxScript();
        if (script.isPresent()) {
            ObjectNode result = script.get().result();
            Map<String, ServiceFile> files = new LinkedHashMap<>();
            script.get().files().forEach((label, bytes) -> files.put(label, new ServiceFile(FileTypes.of(bytes), bytes)));
            return StepDecision.finish(new ServiceOutcome(statusOf(result.path("service_status").asText()), result,
                    files, identityData(name, result)));
        }
        if (host != null) {
            return host.open(step);
        }
        return StepDecision.finish(SandboxResults.plausible(name, step));
    }

    @Override
    public StepDecision act(StepContext step, PersonInput input) throws Exception {
        return host != null ? host.act(step, input) : FlowService.super.act(step, input);
    }

    @Override
    public StepDecision complete(StepContext step, ServiceOutcome outcome) throws Exception {
        return host != null ? host.complete(step, outcome) : FlowService.super.complete(step, outcome);
    }

    /** The host's documents, when its service shows some (a scripted session finishes at once and shows none). */
    @Override
    public List<ShownDocument> shownDocuments(StepContext step) throws Exception {
        return host instanceof DocumentPages pages ? pages.shownDocuments(step) : List.of();
    }

    @Override
    public byte[] renderPage(StepContext step, ShownDocument document, int page) throws Exception {
        if (host instanceof DocumentPages pages) {
            return pages.renderPage(step, document, page);
        }
        throw new IllegalStateException("service " + name + " shows no documents");
    }

    /**
     * What a scripted answer of a service that establishes who the person is (kisc, egov-doc, veridoc,
     * redoc) tells later steps: its top-level {@code iin} and {@code full_name} (else {@code person_name},
     * else its name's words), filled into the flow's input_data where that has none, as the plausible
     * answer does. So a client card after a scripted kisc names the person kisc found. Other services'
     * scripts tell nothing: a list check never renames the person.
     */
    static Map<String, String> identityData(String service, ObjectNode result) {
        Map<String, String> data = new LinkedHashMap<>();
        if (!IDENTITY.contains(service)) {
            return data;
        }
        String iin = text(result, "iin");
        if (iin != null) {
            data.put("iin", iin);
        }
        String name = text(result, "full_name");
        if (name == null) {
            name = text(result, "person_name");
        }
        if (name == null) {
            String joined = String.join(" ", java.util.stream.Stream.of("last_name", "first_name", "middle_name")
                    .map(f -> text(result, f)).filter(java.util.Objects::nonNull).toList());
            name = joined.isEmpty() ? null : joined;
        }
        if (name != null) {
            data.put("full_name", name);
        }
        return data;
    }

    private static String text(ObjectNode result, String field) {
        JsonNode v = result.get(field);
        return v != null && v.isTextual() && !v.asText().isBlank() ? v.asText().trim() : null;
    }

    /** A scripted or reported service_status as an ExecutionStatus. */
    public static ExecutionStatus statusOf(String serviceStatus) {
        String s = serviceStatus == null ? "" : serviceStatus.toLowerCase(Locale.ROOT);
        if (PASSING.contains(s)) {
            return ExecutionStatus.PASS;
        }
        return FAILING.contains(s) ? ExecutionStatus.FAIL : ExecutionStatus.UNKNOWN;
    }

    static ObjectNode success(String name) {
        return Json.mapper().createObjectNode().put("service_name", name).put("service_status", "success");
    }
}
