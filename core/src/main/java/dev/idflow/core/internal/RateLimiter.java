package dev.idflow.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;

/**
 * Token buckets (per API key, per vlink token, per access token, per client address) and counts of
 * failed authentications per client address, on this node. Limits protect the node; they are not a
 * billing quota, so per-node buckets (no shared state) are the intended trade-off: behind a load
 * balancer of N nodes a client gets up to N times a limit. Keys are the caller's choice and must
 * never be a credential itself (a token's hash, not the token). Each cache holds at most 100 000
 * entries; an entry pushed out by a flood of new keys starts again full, so a flood can only make a
 * limit more lenient for a moment, never refuse a caller that kept to it.
 */
public final class RateLimiter {
    /** Requests per second sustained, and the burst allowed above it. */
    public record Limit(double perSecond, int burst) {
        public Limit {
            if (perSecond <= 0 || burst < 1) {
                throw new IllegalArgumentException("a rate limit needs perSecond > 0 and burst >= 1");
            }
        }
    }

    /**
     * After {@code failures} failed authentications within {@code window}, the address is refused for
     * {@code lockout} (at most an hour), whatever it sends.
     */
    public record FailureLimit(int failures, Duration window, Duration lockout) {
        public FailureLimit {
            if (failures < 1 || window == null || window.isNegative() || window.isZero()
                    || lockout == null || lockout.isNegative() || lockout.isZero() || lockout.compareTo(MAX_LOCKOUT) > 0) {
                throw new IllegalArgumentException("a failure limit needs failures >= 1, a positive window and a lockout "
                        + "of more than 0 and at most " + MAX_LOCKOUT);
            }
        }
    }

    /** At most this long a lockout; the failure counts are kept (idle) this long too. */
    static final Duration MAX_LOCKOUT = Duration.ofHours(1);

    /** A request is let through, or refused until {@code retryAfterSeconds} (at least 1) have passed. */
    public record Decision(boolean allowed, long retryAfterSeconds) {
        static final Decision ALLOWED = new Decision(true, 0);
    }

    private static final class Bucket {
        private double tokens;
        private long lastNanos;

        Bucket(int burst, long now) {
            tokens = burst;
            lastNanos = now;
        }

        /** 0 when a token was taken, else the nanoseconds until one is there. */
        synchronized long take(Limit limit, long now) {
            tokens = Math.min(limit.burst(), tokens + Math.max(0, now - lastNanos) / 1e9 * limit.perSecond());
            lastNanos = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) / limit.perSecond() * 1e9);
        }
    }

    private static final class Failures {
        private long windowStart;
        private int count;
        private long lockedUntil;

        synchronized void record(FailureLimit limit, long now) {
            if (now - windowStart > limit.window().toNanos()) {
                windowStart = now;
                count = 0;
            }
            count++;
            if (count >= limit.failures()) {
                lockedUntil = now + limit.lockout().toNanos();
                windowStart = now;
                count = 0;
            }
        }

        synchronized long lockedFor(long now) {
            return Math.max(0, lockedUntil - now);
        }
    }

    private final Cache<String, Bucket> buckets = Caffeine.newBuilder()
            .expireAfterAccess(Duration.ofMinutes(10)).maximumSize(100_000).build();
    private final Cache<String, Failures> failures = Caffeine.newBuilder()
            .expireAfterAccess(MAX_LOCKOUT).maximumSize(100_000).build();
    private final Clock clock;

    public RateLimiter(Clock clock) {
        this.clock = clock;
    }

    public boolean tryAcquire(String key, Limit limit) {
        return acquire(key, limit).allowed();
    }

    /** Takes a token from {@code key}'s bucket, or says how long until there is one. */
    public Decision acquire(String key, Limit limit) {
        long now = nanos();
        long wait = buckets.get(key, k -> new Bucket(limit.burst(), now)).take(limit, now);
        return wait == 0 ? Decision.ALLOWED : new Decision(false, seconds(wait));
    }

    /** Counts a failed authentication of {@code key} (a client address). */
    public void recordFailure(String key, FailureLimit limit) {
        long now = nanos();
        failures.get(key, k -> new Failures()).record(limit, now);
    }

    /** Whether {@code key} is locked out after too many failures, and for how long. */
    public Decision checkFailures(String key) {
        Failures f = failures.getIfPresent(key);
        long locked = f == null ? 0 : f.lockedFor(nanos());
        return locked == 0 ? Decision.ALLOWED : new Decision(false, seconds(locked));
    }

    /** Retry-After is whole seconds, rounded up, at least 1. */
    private static long seconds(long nanos) {
        return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }

    private long nanos() {
        java.time.Instant i = clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
