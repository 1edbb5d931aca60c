package dev.idflow.core.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.Screen;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.util.List;
import java.util.Map;

/**
 * {@code interrupter}: holds the flow ("your application is being reviewed") until the host or an
 * operator resumes it with {@code Idflow.completeSession(sessionId, outcome)}. The person's page shows
 * a {@code wait} screen with the step's {@code message} option (a text or {locale: text}; without it,
 * the page's own words) and polls. The host finds the waiting session in the flow's result
 * ({@code GET /flow/{id}/result}: the step's {@code service_statuses} entry, {@code active}).
 *
 * <p>The outcome given decides: a pass moves the flow on, a failure is retried (a new waiting session)
 * while {@code max_retries} allows, then fails the flow unless the step may fail. Its result keeps the
 * fields given, with {@code service_name} and a {@code service_status} of {@code success}, {@code fail}
 * or {@code unknown} from the outcome's status. When the step's {@code timeout} runs out first, the
 * sweeper ends the flow ({@code timeout}) and a later completion returns false.
 */
public final class InterrupterService implements FlowService {
    public static final String NAME = "interrupter";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> checkOptions(Map<String, JsonNode> options) {
        JsonNode message = options.get("message");
        return message == null || Texts.isText(message) ? List.of()
                : List.of("message: must be a text or an object of texts by locale");
    }

    @Override
    public StepDecision open(StepContext step) {
        Screen screen = Screen.of("wait");
        JsonNode message = step.options().get("message");
        if (message != null) {
            screen = screen.with("message", message);
        }
        return StepDecision.awaitOutside(screen, null);
    }

    @Override
    public StepDecision complete(StepContext step, ServiceOutcome outcome) {
        ObjectNode result = outcome.result();
        result.put("service_name", NAME);
        result.put("service_status", outcome.status() == ExecutionStatus.PASS ? "success"
                : outcome.status() == ExecutionStatus.FAIL ? "fail" : "unknown");
        return StepDecision.finish(new ServiceOutcome(outcome.status(), result, outcome.files(), outcome.data()));
    }
}
