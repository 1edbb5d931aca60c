package dev.idflow.core.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.InputRejected;
import dev.idflow.core.spi.PersonInput;
import dev.idflow.core.spi.Screen;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.util.List;
import java.util.Map;

/**
 * {@code consent}: the person accepts or declines the processing of their data. Screen {@code consent}
 * (with the step's {@code text} option, if any); answer {@code {"accepted": true|false}}; declining fails
 * the step.
 */
public final class ConsentService implements FlowService {
    public static final String NAME = "consent";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> checkOptions(Map<String, JsonNode> options) {
        JsonNode text = options.get("text");
        return text == null || Texts.isText(text) ? List.of() : List.of("text: must be a text or an object of texts by locale");
    }

    @Override
    public StepDecision open(StepContext step) {
        Screen screen = Screen.of("consent");
        if (step.options().get("text") != null) {
            screen = screen.with("text", step.options().get("text"));
        }
        return StepDecision.awaitPerson(screen, null);
    }

    @Override
    public StepDecision act(StepContext step, PersonInput input) {
        if (!(input instanceof PersonInput.Submit submit)) {
            throw InputRejected.unexpected(NAME, input);
        }
        JsonNode accepted = submit.body().get("accepted");
        if (accepted == null || !accepted.isBoolean()) {
            throw InputRejected.invalid("accepted", accepted == null ? "required" : "type", "is required (true or false)");
        }
        ObjectNode result = Json.mapper().createObjectNode().put("service_name", NAME).put("accepted", accepted.asBoolean());
        return StepDecision.finish(new ServiceOutcome(accepted.asBoolean() ? ExecutionStatus.PASS : ExecutionStatus.FAIL,
                result, null, null));
    }
}
