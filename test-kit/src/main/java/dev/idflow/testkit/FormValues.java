package dev.idflow.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;

/** A valid answer to a form field of each type the flow-form service knows. */
final class FormValues {
    /** An IIN with a valid check digit. */
    static final String IIN = "880101300123";

    private FormValues() {
    }

    /** A value the field accepts; null when the kit cannot make one up (a text field with a pattern). */
    static JsonNode valid(JsonNode field) {
        return switch (field.path("type").asText()) {
            case "text" -> field.has("pattern") ? null : TextNode.valueOf("Test answer");
            case "number" -> field.has("min") ? field.get("min") : field.has("max") ? field.get("max") : IntNode.valueOf(1);
            case "date" -> TextNode.valueOf("1990-01-01");
            case "select" -> field.path("options").isEmpty() ? null : field.path("options").get(0).path("value");
            case "checkbox" -> BooleanNode.TRUE;
            case "phone" -> TextNode.valueOf("+77011234567");
            case "email" -> TextNode.valueOf("person@example.com");
            case "iin" -> TextNode.valueOf(IIN);
            default -> null;
        };
    }
}
