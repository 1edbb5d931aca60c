package dev.idflow.core.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import java.util.Objects;
import java.util.Set;

/**
 * What the hosted page shows for a step that waits for the person: a kind the page knows how to render
 * and what that kind needs (docs/CLIENT-API.md, "Screens"). The page renders kinds, not services, so a
 * host's own service reuses them: {@code consent}, {@code language}, {@code camera}, {@code form},
 * {@code otp}, {@code upload}, {@code documents}, {@code sign}, {@code wait}, {@code info}.
 * It reaches the person's device: it must hold nothing secret.
 */
public record Screen(String kind, ObjectNode data) {
    public static final Set<String> KINDS = Set.of("consent", "language", "camera", "form", "otp", "upload",
            "documents", "sign", "wait", "info");

    public Screen {
        Objects.requireNonNull(kind, "kind");
        if (!kind.matches("[a-z][a-z0-9_-]{0,31}")) {
            throw new IllegalArgumentException("screen kind: must match [a-z][a-z0-9_-]{0,31}");
        }
        data = data == null ? Json.mapper().createObjectNode() : data.deepCopy();
        data.remove("kind");
    }

    public static Screen of(String kind) {
        return new Screen(kind, null);
    }

    /** This screen with one more field. */
    public Screen with(String field, Object value) {
        ObjectNode copy = data.deepCopy();
        copy.set(field, value instanceof JsonNode node ? node : Json.mapper().valueToTree(value));
        return new Screen(kind, copy);
    }

    @Override
    public ObjectNode data() {
        return data.deepCopy();
    }

    /** As the page reads it: {@code {"kind": …, …data}}. */
    public ObjectNode toJson() {
        ObjectNode out = Json.mapper().createObjectNode().put("kind", kind);
        out.setAll(data.deepCopy());
        return out;
    }

    public static Screen fromJson(JsonNode json) {
        ObjectNode data = json.deepCopy();
        String kind = data.path("kind").asText();
        return new Screen(kind, data);
    }
}
