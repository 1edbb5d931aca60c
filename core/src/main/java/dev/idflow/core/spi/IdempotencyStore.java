package dev.idflow.core.spi;

import java.time.Instant;
import java.util.Optional;

/**
 * The {@code Idempotency-Key}s consumers sent with their creates, so that a retried {@code POST /flow} or
 * {@code POST /liveness2/session} gets the first answer again instead of a second flow, on every node.
 *
 * <p>A key lives in a <em>scope</em> (the consumer and the kind of its API key, test or live): another
 * consumer, or the same consumer's other kind of key, never sees it. A request first {@link #claim}s its
 * key; the one claimant runs the operation and then {@link #complete}s the key with its answer, or
 * {@link #release}s it when the operation failed (the next try runs it again). What is stored is only what
 * the consumer could read anyway (ids, times, counts): never a bearer token, which the caller rebuilds
 * from the sealed copy kept with the resource.
 */
public interface IdempotencyStore {

    /**
     * A key's record. {@code status} is null while its claimant still runs the operation (then
     * {@code leaseUntil} says until when the claim holds: a node that died mid-way leaves a claim another
     * may take after it), else the stored answer: its status, the resource it created and its body.
     */
    record Entry(String scope, String key, String requestHash, String claimId, Instant createdAt,
                 Instant expiresAt, Instant leaseUntil, Integer status, String resourceId, String answer) {
        public boolean completed() {
            return status != null;
        }
    }

    /**
     * Takes {@code key} in {@code scope} for the request hashing to {@code requestHash}, as {@code claimId}:
     * empty when this caller took it (the key was unknown, expired — {@code expiresAt} not after
     * {@code now} —, or a claim whose lease ran out); else the record in the way, unchanged (in progress
     * or completed; its request hash may differ). Two claims at once: exactly one gets empty (the store's
     * unique key and a guarded update decide, not a prior read).
     */
    Optional<Entry> claim(String scope, String key, String requestHash, String claimId, Instant now,
                          Instant expiresAt, Instant leaseUntil);

    /**
     * Stores the answer of the key claimed as {@code claimId}; false (storing nothing) when that claim is
     * no longer the key's (its lease ran out and another took it).
     */
    boolean complete(String scope, String key, String claimId, int status, String resourceId, String answer);

    /** Forgets the key claimed as {@code claimId} if it is not completed: the next request runs afresh. */
    void release(String scope, String key, String claimId);

    /** Deletes at most {@code max} keys whose {@code expiresAt} is not after {@code now}, oldest first; returns how many. */
    int purgeExpired(Instant now, int max);
}
