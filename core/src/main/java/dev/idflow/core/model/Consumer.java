package dev.idflow.core.model;

import java.time.Instant;
import java.util.Objects;

/** A tenant of idflow: a bank, or one of its products. Owns flows, sessions and files. */
public record Consumer(String consumerId, String name, Instant createdAt) {
    public Consumer {
        Objects.requireNonNull(consumerId, "consumerId");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
