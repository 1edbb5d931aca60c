package dev.idflow.core.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.FileTypes;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.MockeryScript;
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
public final class SandboxService implements FlowService {
    private static final Set<String> PASSING = Set.of("success", "pass", "passed", "real", "approved", "ok", "valid", "found");
    private static final Set<String> FAILING = Set.of("fail", "failed", "failure", "attack", "denied", "rejected",
            "invalid", "error", "not_found");

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
            script.get().files().forEach((label, bytes) -> files.put(label, new ServiceFile(FileTypes.sniff(bytes), bytes)));
            return StepDecision.finish(new ServiceOutcome(statusOf(result.path("service_status").asText()), result,
                    files, null));
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
