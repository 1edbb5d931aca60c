package dev.idflow.core.model;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.internal.validation.HttpUrl;
import dev.idflow.core.internal.validation.OneOf;
import jakarta.validation.constraints.Size;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The spec's FlowConfigUi: how the hosted page looks. Unknown properties are kept. Translations and
 * css are sent with every page and state answer, so their sizes are capped: at most
 * {@value #MAX_LOCALES} locales of at most {@value #MAX_STRINGS} strings of at most
 * {@value #MAX_STRING_LENGTH} characters (names at most {@value #MAX_NAME_LENGTH}), and css of at
 * most {@value #MAX_CSS_LENGTH} characters (64 KiB).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FlowUi(
        @JsonProperty("theme") @OneOf({"default", "bts"}) String theme,
        @JsonProperty("logo_url") @HttpUrl String logoUrl,
        @JsonProperty("favicon_url") @HttpUrl String faviconUrl,
        @JsonProperty("translation") @Size(max = FlowUi.MAX_LOCALES, message = "at most {max} locales")
        Map<@Size(max = FlowUi.MAX_NAME_LENGTH, message = "a locale name must be at most {max} characters") String,
                @Size(max = FlowUi.MAX_STRINGS, message = "at most {max} strings per locale")
                Map<@Size(max = FlowUi.MAX_NAME_LENGTH, message = "a string name must be at most {max} characters") String,
                        @Size(max = FlowUi.MAX_STRING_LENGTH, message = "must be at most {max} characters") String>> translation,
        @JsonProperty("css") @Size(max = FlowUi.MAX_CSS_LENGTH, message = "must be at most {max} characters") String css,
        @JsonAnySetter Map<String, JsonNode> extras) {

    public static final int MAX_LOCALES = 16;
    public static final int MAX_STRINGS = 500;
    public static final int MAX_STRING_LENGTH = 2000;
    public static final int MAX_NAME_LENGTH = 128;
    public static final int MAX_CSS_LENGTH = 64 * 1024;

    public FlowUi {
        if (translation != null) {
            Map<String, Map<String, String>> copy = new LinkedHashMap<>();
            translation.forEach((locale, strings) -> copy.put(locale,
                    strings == null ? null : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(strings))));
            translation = java.util.Collections.unmodifiableMap(copy);
        }
        extras = Extras.copy(extras);
    }

    @Override
    @JsonAnyGetter
    public Map<String, JsonNode> extras() {
        return extras;
    }
}
