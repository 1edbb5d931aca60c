package dev.idflow.core.engine;

import dev.idflow.core.internal.Ids;
import dev.idflow.core.model.AuditRecord;
import dev.idflow.core.model.RetentionPolicy;
import dev.idflow.core.spi.IdflowStorage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Supplier;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention, erasure and the audit trail, on {@link dev.idflow.core.spi.DataLifecycle} and
 * {@link dev.idflow.core.spi.AuditTrail}. The purge runs from the background loop on every node; each
 * consumer's purge is claimed through the store ({@code claimPurge}), so one node purges a consumer at a
 * time, and each batch is one short transaction of at most {@link #BATCH} rows.
 */
public final class DataKeeper {
    private static final Logger LOG = LoggerFactory.getLogger(DataKeeper.class);
    public static final int BATCH = 100;
    /** Batches of one kind of data per consumer and run: a large backlog is worked off over a few runs. */
    static final int MAX_BATCHES = 20;
    static final Duration LEASE = Duration.ofSeconds(60);
    /** The actor recorded when the host called an operation without naming one. */
    public static final String HOST = "host";

    private final IdflowStorage storage;
    private final Supplier<Instant> clock;
    private final Ids ids;

    /** The key of {@link #personRef}: derived from the server's pepper, the same on every node. */
    private final dev.idflow.core.keys.PersonRefs refs;

    public DataKeeper(IdflowStorage storage, Supplier<Instant> clock, Ids ids, byte[] pepper) {
        this.refs = new dev.idflow.core.keys.PersonRefs(pepper);
        this.storage = storage;
        this.clock = clock;
        this.ids = ids;
    }

    /** Appends one record to the trail; the actor defaults to {@link #HOST}. */
    public AuditRecord audit(String consumerId, String actor, String action, String targetType, String targetId,
                             String details) {
        AuditRecord record = record(consumerId, actor, action, targetType, targetId, details);
        storage.audit().append(record);
        return record;
    }

    private AuditRecord record(String consumerId, String actor, String action, String targetType, String targetId,
                               String details) {
        // a person is named by a keyed digest, never by their id: the record of an erasure keeps nothing of them
        String target = "person".equals(targetType) && targetId != null ? personRef(consumerId, targetId) : targetId;
        return new AuditRecord(ids.auditId(), consumerId, clock.get(), actor == null || actor.isBlank() ? HOST : actor,
                action, targetType, target, details);
    }

    /**
     * How the audit trail names a person of a consumer: {@code hmac:} and 32 hex digits of HMAC-SHA256 under a
     * key derived from the server's pepper. The same person gives the same reference on every node, so a
     * question ("was this person erased?") is answered by computing it; the trail alone tells nobody's id.
     */
    public String personRef(String consumerId, String personId) {
        return refs.ref(consumerId, personId);
    }

    /**
     * Erases everything of {@code personId} of the consumer and kind, batch by batch, and records it (in the
     * transaction of the batch that found nothing left). Idempotent: erasing again finds nothing and records
     * the request again. Returns the rows deleted.
     */
    public int erasePerson(String consumerId, String personId, boolean test, String actor) {
        AuditRecord done = record(consumerId, actor, "person.erase", "person", personId, test ? "test data" : "live data");
        int total = 0;
        try {
            while (true) {
                int gone = storage.lifecycle().erasePerson(consumerId, personId, test, BATCH, done);
                if (gone == 0) {
                    return total;
                }
                total += gone;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("erasing a person's files failed; erase again to finish", e);
        }
    }

    /** Purges what is due of every consumer with a policy whose purge this caller could claim; returns rows deleted. */
    public int purgeDue() {
        int total = 0;
        Instant now = clock.get();
        for (RetentionPolicy policy : storage.lifecycle().retentions()) {
            if (!storage.lifecycle().claimPurge(policy.consumerId(), now, LEASE)) {
                continue;
            }
            try {
                total += purge(policy, now);
            } catch (IOException | RuntimeException e) {
                if (dev.idflow.core.spi.StorageUnavailableException.isOutage(e)) {
                    throw e instanceof RuntimeException r ? r
                            : new dev.idflow.core.spi.StorageUnavailableException("storage unavailable", e);
                }
                // the next run tries again; what went stays gone
                LOG.warn("purging the expired data of consumer {} failed", policy.consumerId(), e);
            } finally {
                storage.lifecycle().releasePurge(policy.consumerId());
            }
        }
        return total;
    }

    private int purge(RetentionPolicy policy, Instant now) throws IOException {
        String consumer = policy.consumerId();
        int total = 0;
        if (policy.flows() != null) {
            Instant before = now.minus(policy.flows());
            total += batches(() -> storage.lifecycle().purgeFlows(consumer, before, BATCH));
        }
        if (policy.biometrics() != null) {
            Instant before = now.minus(policy.biometrics());
            total += batches(() -> storage.lifecycle().purgeBiometrics(consumer, before, BATCH));
        }
        if (policy.documents() != null) {
            Instant before = now.minus(policy.documents());
            total += batches(() -> storage.lifecycle().purgeDocuments(consumer, before, BATCH));
        }
        if (total > 0) {
            LOG.info("retention: deleted {} expired items of consumer {}", total, consumer);
        }
        return total;
    }

    @FunctionalInterface
    private interface Batch {
        int run() throws IOException;
    }

    private static int batches(Batch batch) throws IOException {
        int total = 0;
        for (int i = 0; i < MAX_BATCHES; i++) {
            int n = batch.run();
            total += n;
            if (n < BATCH) {
                break;
            }
        }
        return total;
    }
}
