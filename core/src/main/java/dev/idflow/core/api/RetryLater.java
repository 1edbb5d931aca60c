package dev.idflow.core.api;

/**
 * A 429 that tells the client when to come back: answered with a {@code Retry-After} header of
 * {@link #seconds()}. Every 429 idflow answers is one: a rate limit or a lockout of the dispatcher,
 * or the node's image decoders all busy.
 */
public final class RetryLater extends ApiException {
    private final long seconds;

    public RetryLater(String message, long seconds) {
        super(429, "TOO_MANY_REQUESTS", message);
        this.seconds = Math.max(1, seconds);
    }

    public long seconds() {
        return seconds;
    }
}
