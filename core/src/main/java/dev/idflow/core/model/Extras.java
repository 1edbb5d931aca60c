package dev.idflow.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Unknown JSON properties kept as sent: deep-copied in, read-only out, order preserved. */
final class Extras {
    private Extras() {
    }

    static Map<String, JsonNode> copy(Map<String, JsonNode> source) {
        if (source == null || source.isEmpty()) {
            return Map.of();
        }
        Map<String, JsonNode> copy = new LinkedHashMap<>();
        // an explicit null is an absent value: answers omit absent values rather than write null
        source.forEach((k, v) -> {
            if (v != null && !v.isNull()) {
                copy.put(k, v.deepCopy());
            }
        });
        return Collections.unmodifiableMap(copy);
    }
}
