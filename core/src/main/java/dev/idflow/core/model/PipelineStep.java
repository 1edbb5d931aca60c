package dev.idflow.core.model;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.internal.validation.OneOf;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.util.Map;

/**
 * One step of a pipeline. Per-service options a client sends beside the spec's fields
 * ({@code "native": false}, {@code "action": "sign"}, {@code "files": [...]}) are kept in
 * {@link #options()} and written back exactly as sent.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PipelineStep(
        @JsonProperty("service_name") @NotNull @OneOf(catalogue = OneOf.Catalogue.SERVICE_NAME) String serviceName,
        @JsonProperty("allow_failure") Boolean allowFailure,
        @JsonProperty("timeout") @Min(10) @Max(172800) Integer timeout,
        @JsonProperty("max_retries") @Min(1) @Max(10) Integer maxRetries,
        @JsonAnySetter Map<String, JsonNode> options) {

    public static final boolean DEFAULT_ALLOW_FAILURE = false;
    public static final int DEFAULT_TIMEOUT = 300;
    public static final int DEFAULT_MAX_RETRIES = 5;

    public PipelineStep {
        options = Extras.copy(options);
    }

    public static PipelineStep of(String serviceName) {
        return new PipelineStep(serviceName, null, null, null, null);
    }

    @Override
    @JsonAnyGetter
    public Map<String, JsonNode> options() {
        return options;
    }

    /** This step with the spec's defaults filled in where the client gave none. */
    public PipelineStep withDefaults() {
        return new PipelineStep(serviceName,
                allowFailure == null ? DEFAULT_ALLOW_FAILURE : allowFailure,
                timeout == null ? DEFAULT_TIMEOUT : timeout,
                maxRetries == null ? DEFAULT_MAX_RETRIES : maxRetries,
                options);
    }
}
