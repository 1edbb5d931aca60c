package dev.idflow.core.model;

import com.fasterxml.jackson.annotation.JsonValue;

/** The spec's ExecutionStatus: a binary decision once a flow or session has ended. */
public enum ExecutionStatus {
    PASS, FAIL, UNKNOWN;

    @JsonValue
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static ExecutionStatus fromWire(String value) {
        return valueOf(value.toUpperCase(java.util.Locale.ROOT));
    }
}
