package dev.idflow.core.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/** One entry of a session's state history. */
public record SessionState(
        @JsonProperty("state") SessionStateName state,
        @JsonProperty("created_at") Instant createdAt) {
}
