package dev.idflow.core.model;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.internal.validation.HttpUrl;
import dev.idflow.core.internal.validation.OneOf;
import java.util.LinkedHashMap;
import java.util.Map;

/** The spec's FlowConfigUi: how the hosted page looks. Unknown properties are kept. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FlowUi(
        @JsonProperty("theme") @OneOf({"default", "bts"}) String theme,
        @JsonProperty("logo_url") @HttpUrl String logoUrl,
        @JsonProperty("favicon_url") @HttpUrl String faviconUrl,
        @JsonProperty("translation") Map<String, Map<String, String>> translation,
        @JsonProperty("css") String css,
        @JsonAnySetter Map<String, JsonNode> extras) {

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
