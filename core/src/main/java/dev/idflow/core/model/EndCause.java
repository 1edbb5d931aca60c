package dev.idflow.core.model;

import com.fasterxml.jackson.annotation.JsonValue;

/** The spec's FlowEndCause. */
public enum EndCause {
    /** The pipeline ran to its end, pass or fail. */
    COMPLETED,
    /** An unexpected server error ended the flow. */
    FAILED,
    /** A step outlived its timeout, or the flow its ttl. */
    TIMEOUT,
    /** The person went quiet past the inactivity threshold after a session started. */
    DISCONNECTED;

    @JsonValue
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static EndCause fromWire(String value) {
        return valueOf(value.toUpperCase(java.util.Locale.ROOT));
    }
}
