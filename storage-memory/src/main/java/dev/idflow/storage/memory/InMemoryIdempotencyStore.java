package dev.idflow.storage.memory;

import dev.idflow.core.spi.IdempotencyStore;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Idempotency-Keys in a map: {@code compute} on one key is atomic, so of two claims at once exactly one
 * takes the key, as the SQL stores' primary key and guarded update decide it.
 */
final class InMemoryIdempotencyStore implements IdempotencyStore {
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    private static String id(String scope, String key) {
        return scope + "\n" + key;
    }

    @Override
    public Optional<Entry> claim(String scope, String key, String requestHash, String claimId, Instant now,
                                 Instant expiresAt, Instant leaseUntil) {
        Entry[] inTheWay = new Entry[1];
        entries.compute(id(scope, key), (k, old) -> {
            boolean free = old == null || !old.expiresAt().isAfter(now)
                    || (!old.completed() && !old.leaseUntil().isAfter(now));
            if (!free) {
                inTheWay[0] = old;
                return old;
            }
            return new Entry(scope, key, requestHash, claimId, now, expiresAt, leaseUntil, null, null, null);
        });
        return Optional.ofNullable(inTheWay[0]);
    }

    @Override
    public boolean complete(String scope, String key, String claimId, int status, String resourceId, String answer) {
        boolean[] done = new boolean[1];
        entries.computeIfPresent(id(scope, key), (k, old) -> {
            if (!old.claimId().equals(claimId) || old.completed()) {
                return old;
            }
            done[0] = true;
            return new Entry(scope, key, old.requestHash(), claimId, old.createdAt(), old.expiresAt(),
                    old.leaseUntil(), status, resourceId, answer);
        });
        return done[0];
    }

    @Override
    public void release(String scope, String key, String claimId) {
        entries.computeIfPresent(id(scope, key),
                (k, old) -> old.claimId().equals(claimId) && !old.completed() ? null : old);
    }

    @Override
    public int purgeExpired(Instant now, int max) {
        List<Map.Entry<String, Entry>> due = entries.entrySet().stream()
                .filter(e -> !e.getValue().expiresAt().isAfter(now))
                .sorted(Comparator.comparing(e -> e.getValue().expiresAt()))
                .limit(max)
                .toList();
        int purged = 0;
        for (Map.Entry<String, Entry> e : due) {
            if (entries.remove(e.getKey(), e.getValue())) {
                purged++;
            }
        }
        return purged;
    }
}
