package dev.idflow.core.model;

import com.fasterxml.jackson.annotation.JsonValue;

/** The spec's StateName: created → processing → processed, then reviewed after an operator's change. */
public enum SessionStateName {
    CREATED, PROCESSING, PROCESSED, REVIEWED;

    @JsonValue
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static SessionStateName fromWire(String value) {
        return valueOf(value.toUpperCase(java.util.Locale.ROOT));
    }
}
