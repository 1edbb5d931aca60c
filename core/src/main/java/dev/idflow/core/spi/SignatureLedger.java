package dev.idflow.core.spi;

import java.time.Instant;

/**
 * The signed requests already served, so that each is served once across every node: a captured
 * request (its ts and signature) replayed within the timestamp window is refused. Only hashes are
 * kept, never a signature itself.
 */
public interface SignatureLedger {

    /**
     * Records the use of the request signed at {@code ts} (unix seconds) by the key with
     * {@code keyHash}, whose signature hashes to {@code signatureHash}: true the first time, false when
     * this (keyHash, signatureHash) is already recorded, by this node or any other sharing the store.
     * Two uses at once: exactly one gets true (the store's unique key decides, not a prior read). The
     * record is kept at least until {@code expiresAt}; callers never ask about a request older than that.
     */
    boolean firstUse(String keyHash, long ts, String signatureHash, Instant expiresAt);

    /** Deletes at most {@code max} records whose {@code expiresAt} is before {@code now}; returns how many. */
    int purgeExpired(Instant now, int max);
}
