package dev.idflow.core.model;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;

/**
 * The spec's FlowTemplate: the pipeline of steps, the page's look, and whether a status page ends it.
 * A pipeline has at most {@value #MAX_STEPS} steps: every step is a session and an entry of every
 * state and result answer, and a bank's flow has a handful.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FlowTemplate(
        @JsonProperty("pipeline") @NotEmpty @Size(max = FlowTemplate.MAX_STEPS, message = "at most {max} steps")
        List<@NotNull @Valid PipelineStep> pipeline,
        @JsonProperty("ui") @Valid FlowUi ui,
        @JsonProperty("status_page") Boolean statusPage,
        @JsonAnySetter Map<String, JsonNode> extras) {

    public static final int MAX_STEPS = 50;

    public FlowTemplate {
        pipeline = pipeline == null ? null : List.copyOf(pipeline);
        extras = Extras.copy(extras);
    }

    public static FlowTemplate of(PipelineStep... steps) {
        return new FlowTemplate(List.of(steps), null, null, null);
    }

    @Override
    @JsonAnyGetter
    public Map<String, JsonNode> extras() {
        return extras;
    }

    /**
     * This template sharing nothing mutable with it: the records take immutable copies of their lists and
     * maps at construction, and what stays mutable is the Jackson trees in extras and options, which their
     * constructors deep-copy. So a template holding no tree is returned as it is, and otherwise only the
     * records that hold trees are rebuilt (the stores hand out templates so, never their own).
     */
    public FlowTemplate detached() {
        boolean trees = !extras.isEmpty() || (ui != null && !ui.extras().isEmpty());
        if (!trees && pipeline != null) {
            for (PipelineStep step : pipeline) {
                trees |= !step.options().isEmpty();
            }
        }
        if (!trees) {
            return this;
        }
        List<PipelineStep> steps = pipeline == null ? null : pipeline.stream()
                .map(s -> s.options().isEmpty() ? s
                        : new PipelineStep(s.serviceName(), s.allowFailure(), s.timeout(), s.maxRetries(), s.options()))
                .toList();
        FlowUi look = ui == null || ui.extras().isEmpty() ? ui
                : new FlowUi(ui.theme(), ui.logoUrl(), ui.faviconUrl(), ui.translation(), ui.css(), ui.extras());
        return new FlowTemplate(steps, look, statusPage, extras);
    }

    /** This template with every step's spec defaults filled in. */
    public FlowTemplate withDefaults() {
        return new FlowTemplate(pipeline.stream().map(PipelineStep::withDefaults).toList(), ui, statusPage, extras);
    }

    /** The id of the step at {@code index} (0-based): stable, derived from its position in the pipeline. */
    public static String stepId(int index) {
        return "step-" + (index + 1);
    }

    /** The 0-based index of {@code stepId} in this pipeline, or -1. */
    public int indexOf(String stepId) {
        if (stepId == null || !stepId.startsWith("step-")) {
            return -1;
        }
        try {
            int index = Integer.parseInt(stepId.substring(5)) - 1;
            return index >= 0 && index < pipeline.size() ? index : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
