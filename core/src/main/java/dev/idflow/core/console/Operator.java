package dev.idflow.core.console;

import java.util.Objects;
import java.util.Set;

/**
 * Who calls the console API: the host's principal name and the consumers the host granted them. The host
 * decides both (idflow never handles passwords); {@code allConsumers} grants every consumer there is.
 */
public record Operator(String principal, Set<String> consumerIds, boolean allConsumers) {
    public Operator {
        Objects.requireNonNull(principal, "principal");
        if (principal.isBlank()) {
            throw new IllegalArgumentException("principal: must not be blank");
        }
        consumerIds = consumerIds == null ? Set.of() : Set.copyOf(consumerIds);
    }

    public static Operator of(String principal, Set<String> consumerIds) {
        return new Operator(principal, consumerIds, false);
    }

    public static Operator ofAllConsumers(String principal) {
        return new Operator(principal, Set.of(), true);
    }

    public boolean grants(String consumerId) {
        return consumerId != null && (allConsumers || consumerIds.contains(consumerId));
    }
}
