package dev.idflow.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;

/**
 * A token bucket per API key, on this node. Limits protect the node; they are not a billing
 * quota, so per-node buckets (no shared state) are the intended trade-off.
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

    private static final class Bucket {
        private double tokens;
        private long lastNanos;

        Bucket(int burst, long now) {
            tokens = burst;
            lastNanos = now;
        }

        synchronized boolean take(Limit limit, long now) {
            tokens = Math.min(limit.burst(), tokens + (now - lastNanos) / 1e9 * limit.perSecond());
            lastNanos = now;
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }
    }

    private final Cache<String, Bucket> buckets = Caffeine.newBuilder()
            .expireAfterAccess(Duration.ofMinutes(10)).maximumSize(100_000).build();
    private final Clock clock;

    public RateLimiter(Clock clock) {
        this.clock = clock;
    }

    public boolean tryAcquire(String key, Limit limit) {
        long now = nanos();
        return buckets.get(key, k -> new Bucket(limit.burst(), now)).take(limit, now);
    }

    private long nanos() {
        java.time.Instant i = clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
