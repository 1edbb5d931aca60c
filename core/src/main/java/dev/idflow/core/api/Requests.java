package dev.idflow.core.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.validation.HttpUrl;
import dev.idflow.core.internal.validation.OneOf;
import dev.idflow.core.model.FlowInputData;
import dev.idflow.core.model.FlowTemplate;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;

/** Request bodies of the consumer API, with the spec's rules as constraints. */
final class Requests {
    static final String PERSON_ID_PATTERN = "^[a-zA-Z0-9_@.+-]*$";
    static final String PERSON_ID_RULE = "must be 6–48 characters of a-z, A-Z, 0-9, _ @ . + -";

    private Requests() {
    }

    /** The spec's CreateFlow, plus {@code ttl} (the Flow schema's, 60–31536000 s). */
    record CreateFlow(
            @NotNull(message = "is required") @Size(min = 6, max = 48) @Pattern(regexp = PERSON_ID_PATTERN) String personId,
            @HttpUrl String callbackUrl,
            @OneOf({"kk", "ru", "en"}) String locale,
            @Valid FlowInputData inputData,
            @Valid FlowTemplate template,
            @Size(min = 1, max = 128) String templateId,
            @Min(60) @Max(31_536_000) Integer ttl) {
    }

    /** The spec's Liveness2CreateSession. */
    record CreateLivenessSession(
            @NotNull(message = "is required") @Size(min = 6, max = 48) @Pattern(regexp = PERSON_ID_PATTERN) String personId,
            @Min(120) @Max(600) Integer duration,
            String flowId,
            @Size(min = 1, max = 12) List<@NotNull @NotEmpty List<@NotNull @OneOf({"zoom-in", "zoom-out", "turn-left",
                    "turn-right", "turn-straight", "smile", "blink", "tilt-up", "tilt-down", "shake", "tongue-out",
                    "open-mouth"}) String>> pipeline,
            @OneOf({"web", "android", "ios"}) String platform,
            @Min(0) @Max(100) Integer maxRetries) {
    }

    /** {@code POST /mockery/result}: the scripted outcome of a person's next sessions of a service. */
    record Mockery(
            @NotNull(message = "is required") @Size(min = 6, max = 48) @Pattern(regexp = PERSON_ID_PATTERN) String personId,
            @NotNull(message = "is required") ObjectNode result,
            // real clients name files outside the download enum (kisc_face_image): any step label is kept;
            // an empty value is "no such file" (ConsumerApi skips it)
            Map<@Pattern(regexp = "[a-z0-9_-]{1,64}", message = "must be 1–64 characters of a-z, 0-9, _ and -") String,
                    @NotNull String> files) {
    }
}
