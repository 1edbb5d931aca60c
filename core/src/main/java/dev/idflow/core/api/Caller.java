package dev.idflow.core.api;

import dev.idflow.core.model.KeyMode;

/** Who is calling the consumer API: the consumer, and whether with a test or a live key. */
public record Caller(String consumerId, KeyMode keyMode, String keyHash) {
    public boolean test() {
        return keyMode == KeyMode.TEST;
    }
}
