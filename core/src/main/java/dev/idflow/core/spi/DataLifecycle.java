package dev.idflow.core.spi;

import dev.idflow.core.model.AuditRecord;
import dev.idflow.core.model.RetentionPolicy;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Retention and erasure: how long each consumer's data is kept, the purge of what is due, and the erasure of
 * everything about a person. Every method works in bounded batches (at most {@code limit} flows, sessions,
 * files or templates a call), each batch its own short transaction, so no call holds locks for long; the
 * caller repeats until a call answers less than it could.
 *
 * <p>File content goes with its metadata: from the database, and from the directory of a filesystem file
 * store (after the transaction that deleted the row, as {@link FileStore#delete}).
 */
public interface DataLifecycle {

    /** Stores (replaces) the consumer's retention periods. */
    void setRetention(RetentionPolicy policy);

    Optional<RetentionPolicy> retention(String consumerId);

    /** Every consumer that has a retention policy. */
    List<RetentionPolicy> retentions();

    /**
     * Claims the purge of {@code consumerId}'s due data until {@code now + lease}: true for exactly one of any
     * number of callers, on one node or many, while the claim lives. {@link #releasePurge} ends it early.
     * False also when the consumer has no policy.
     */
    boolean claimPurge(String consumerId, Instant now, Duration lease);

    /** Ends a claim this caller holds. */
    void releasePurge(String consumerId);

    /**
     * Deletes up to {@code limit} of the consumer's biometric files ({@link RetentionPolicy#isBiometric})
     * created before {@code createdBefore}, and up to {@code limit} of its {@code verified} face templates
     * created before it; returns how many of both went. Test and live alike.
     */
    int purgeBiometrics(String consumerId, Instant createdBefore, int limit) throws IOException;

    /** Deletes up to {@code limit} of the consumer's other (non-biometric) files created before {@code createdBefore}. */
    int purgeDocuments(String consumerId, Instant createdBefore, int limit) throws IOException;

    /**
     * Deletes up to {@code limit} of the consumer's flows that ended before {@code endedBefore}, each with its
     * sessions, files (content too) and events; returns how many flows went.
     */
    int purgeFlows(String consumerId, Instant endedBefore, int limit) throws IOException;

    /**
     * One batch of a person's erasure, of one consumer and one kind ({@code test} or live): up to {@code limit}
     * of the person's files, then sessions, then flows (with their events), and every face template, person
     * certificate and (test) mockery script of the person; returns how many rows went. A call that finds
     * nothing left answers 0 and appends {@code done} to the audit trail, in its transaction where the store
     * has one: the trail says an erasure finished only when nothing was left.
     */
    int erasePerson(String consumerId, String personId, boolean test, int limit, AuditRecord done) throws IOException;
}
