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
        source.forEach((k, v) -> copy.put(k, v == null ? null : v.deepCopy()));
        return Collections.unmodifiableMap(copy);
    }
}
