package dev.idflow.core;

import dev.idflow.core.model.RetentionPolicy;
import dev.idflow.core.spi.ApiKeyDirectory;
import dev.idflow.core.spi.DataLifecycle;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * How long each consumer's data is kept. The background work ({@link Idflow#startBackground}) purges what
 * is due on every node, each consumer's purge claimed through the database; {@link Idflow#purgeExpiredOnce()}
 * runs it once.
 *
 * <pre>{@code
 * idflow.retention().set("retail", Duration.ofDays(30), Duration.ofDays(365), Duration.ofDays(400));
 * }</pre>
 */
public final class Retention {
    private final DataLifecycle lifecycle;
    private final ApiKeyDirectory consumers;
    private final Auditor auditor;
    private final String actor;

    Retention(DataLifecycle lifecycle, ApiKeyDirectory consumers, Auditor auditor, String actor) {
        this.lifecycle = lifecycle;
        this.consumers = consumers;
        this.auditor = auditor;
        this.actor = actor;
    }

    /** The same, recording changes in the audit trail as made by {@code actor}. */
    public Retention as(String actor) {
        return new Retention(lifecycle, consumers, auditor, Objects.requireNonNull(actor, "actor"));
    }

    /**
     * Sets the consumer's periods (null: kept until erased): {@code biometrics} for frames, videos, best frames
     * and verified faces, {@code documents} for other files (PDFs, uploads), {@code flows} for whole ended flows.
     */
    public RetentionPolicy set(String consumerId, Duration biometrics, Duration documents, Duration flows) {
        Objects.requireNonNull(consumerId, "consumerId");
        if (consumers.findConsumer(consumerId).isEmpty()) {
            throw new IllegalArgumentException("consumerId: no consumer " + consumerId + " is registered (Idflow.registerConsumer)");
        }
        RetentionPolicy policy = new RetentionPolicy(consumerId, biometrics, documents, flows);
        lifecycle.setRetention(policy);
        auditor.record(consumerId, actor, "retention.set", "consumer", consumerId,
                "biometrics=" + biometrics + ", documents=" + documents + ", flows=" + flows);
        return policy;
    }

    public Optional<RetentionPolicy> get(String consumerId) {
        return lifecycle.retention(Objects.requireNonNull(consumerId, "consumerId"));
    }

    /**
     * A period as the demo's command line takes it: ISO-8601 ({@code P30D}, {@code PT12H}) or a number with
     * d, h, m or s ({@code 30d}, {@code 12h}).
     *
     * @throws IllegalArgumentException naming the rule
     */
    public static Duration parsePeriod(String text) {
        String rule = "a period must be ISO-8601 (P30D, PT12H) or a positive number followed by d, h, m or s (30d, 12h)";
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(rule);
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        Duration d;
        try {
            if (t.matches("[0-9]{1,9}[dhms]")) {
                long n = Long.parseLong(t.substring(0, t.length() - 1));
                d = switch (t.charAt(t.length() - 1)) {
                    case 'd' -> Duration.ofDays(n);
                    case 'h' -> Duration.ofHours(n);
                    case 'm' -> Duration.ofMinutes(n);
                    default -> Duration.ofSeconds(n);
                };
            } else {
                d = Duration.parse(text.trim().toUpperCase(Locale.ROOT));
            }
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(rule + "; got " + text);
        }
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(rule + "; got " + text);
        }
        return d;
    }
}
