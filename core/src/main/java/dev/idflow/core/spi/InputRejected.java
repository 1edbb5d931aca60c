package dev.idflow.core.spi;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * A person's answer refused, with what to fix: the field ({@code answers.iin}, {@code code},
 * {@code files.id_card}), the rule it broke ({@code required}, {@code pattern}, {@code wrong_code}, …, the
 * vocabulary of docs/CLIENT-API.md, which the page words in the person's language) and a sentence for
 * the developer. The step stays open. With {@code retryAfterSeconds}, it is "too soon" (a resend before
 * its cooldown): 429 with {@code Retry-After}.
 */
public final class InputRejected extends RuntimeException {
    private final String field;
    private final String rule;
    private final long retryAfterSeconds;

    private InputRejected(String field, String rule, String message, long retryAfterSeconds) {
        super(field + ": " + message, null, false, false);
        this.field = Objects.requireNonNull(field, "field");
        this.rule = Objects.requireNonNull(rule, "rule");
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 422: {@code field} broke {@code rule}; {@code message} says how ("must be 12 digits"). */
    public static InputRejected invalid(String field, String rule, String message) {
        return new InputRejected(field, rule, message, -1);
    }

    /** 429: ask again in {@code seconds}. */
    public static InputRejected tooSoon(String field, long seconds, String message) {
        return new InputRejected(field, "too_soon", message, Math.max(1, seconds));
    }

    /** 422: a step of {@code service} takes no answer of this kind (a resend to a consent, a file to a form). */
    public static InputRejected unexpected(String service, PersonInput input) {
        String kind = input instanceof PersonInput.Resend ? "resend" : input instanceof PersonInput.Upload ? "files" : "submit";
        return invalid("step_id", "type", "a " + service + " step is not answered through " + kind);
    }

    public String field() {
        return field;
    }

    public String rule() {
        return rule;
    }

    public OptionalLong retryAfterSeconds() {
        return retryAfterSeconds < 0 ? OptionalLong.empty() : OptionalLong.of(retryAfterSeconds);
    }
}
