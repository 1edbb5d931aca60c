package dev.idflow.core.services;

import com.fasterxml.jackson.databind.JsonNode;

/** Option values that are "text or {locale: text}" (PRODUCT.md, step options). */
final class Texts {
    private Texts() {
    }

    /** Whether {@code node} is a text: a string, or an object of strings by locale. */
    static boolean isText(JsonNode node) {
        if (node == null) {
            return false;
        }
        if (node.isTextual()) {
            return true;
        }
        if (!node.isObject() || node.isEmpty()) {
            return false;
        }
        for (JsonNode value : node) {
            if (!value.isTextual()) {
                return false;
            }
        }
        return true;
    }

    /** The text in {@code locale}, else English, else the first one given; null for none. */
    static String in(JsonNode node, String locale) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isObject()) {
            if (node.path(locale).isTextual()) {
                return node.get(locale).asText();
            }
            if (node.path("en").isTextual()) {
                return node.get("en").asText();
            }
            for (JsonNode value : node) {
                if (value.isTextual()) {
                    return value.asText();
                }
            }
        }
        return null;
    }
}
