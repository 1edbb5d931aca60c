package dev.idflow.core.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.InputRejected;
import dev.idflow.core.spi.PersonInput;
import dev.idflow.core.spi.Screen;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.util.List;
import java.util.Map;

/** {@code language-selector}: the person picks kk, ru or en; the flow speaks it from then on. */
public final class LanguageSelectorService implements FlowService {
    public static final String NAME = "language-selector";
    static final List<String> LOCALES = List.of("kk", "ru", "en");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public StepDecision open(StepContext step) {
        return StepDecision.awaitPerson(Screen.of("language").with("locales", LOCALES), null);
    }

    @Override
    public StepDecision act(StepContext step, PersonInput input) {
        if (!(input instanceof PersonInput.Submit submit)) {
            throw InputRejected.unexpected(NAME, input);
        }
        JsonNode locale = submit.body().get("locale");
        if (locale == null || !LOCALES.contains(locale.asText())) {
            throw InputRejected.invalid("locale", locale == null ? "required" : "option", "must be one of kk, ru, en");
        }
        ObjectNode result = Json.mapper().createObjectNode().put("service_name", NAME).put("locale", locale.asText());
        // "locale" among the outcome's data is the flow's language (ServiceOutcome)
        return StepDecision.finish(ServiceOutcome.pass(result).withData(Map.of("locale", locale.asText())));
    }
}
