package dev.idflow.core.api;

import dev.idflow.core.spi.InputRejected;

/**
 * A person's answer refused on the client API: 422 {@code INVALID_PAYLOAD} whose body also names the
 * {@code field} and the {@code rule} it broke, so the hosted page can word it in the person's language
 * next to the field (docs/CLIENT-API.md, "Wrong answers").
 */
final class InputError extends ApiException {
    private final String field;
    private final String rule;

    InputError(InputRejected rejected) {
        super(422, "INVALID_PAYLOAD", rejected.getMessage());
        this.field = rejected.field();
        this.rule = rejected.rule();
    }

    /** The client API's answer: a RetryLater for a "too soon", else this 422. */
    static ApiException of(InputRejected rejected) {
        if (rejected.retryAfterSeconds().isPresent()) {
            return new RetryLater(rejected.getMessage(), rejected.retryAfterSeconds().getAsLong());
        }
        return new InputError(rejected);
    }

    String field() {
        return field;
    }

    String rule() {
        return rule;
    }

    /** The body: the spec's error shape, with the field and the rule. */
    record Body(String errorCode, String errorMsg, String field, String rule) {
    }
}
