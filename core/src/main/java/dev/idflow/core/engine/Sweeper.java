package dev.idflow.core.engine;

import dev.idflow.core.model.Flow;
import dev.idflow.core.spi.IdflowStorage;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends flows whose ttl, step timeout or person's silence ran out. Runs on every node: flows are
 * claimed through the store ({@code claimDue}), so two nodes never work on the same flow at once, and
 * every ending is a compare-and-set, so a person's completion racing a timeout has one winner.
 */
public final class Sweeper {
    private static final Logger LOG = LoggerFactory.getLogger(Sweeper.class);
    /** Longer than any sweep of one batch takes; a node that dies mid-batch frees its flows after it. */
    static final Duration LEASE = Duration.ofSeconds(60);
    /**
     * An unbound file older than this belongs to no attempt that can still be judged (a liveness token
     * lives 600 s at most): its node died between saving it and the verdict's commit.
     */
    static final Duration UNBOUND_KEPT = Duration.ofDays(1);
    static final int PURGE_BATCH = 100;
    private final IdflowStorage storage;
    private final FlowEngine engine;
    private final int batchSize;

    public Sweeper(IdflowStorage storage, FlowEngine engine, int batchSize) {
        this.storage = storage;
        this.engine = engine;
        this.batchSize = batchSize;
    }

    /** Claims and settles due flows until none is due; returns how many flows it ended. */
    public int sweepOnce() {
        int ended = 0;
        while (true) {
            java.time.Instant now = engine.now();
            List<Flow> due = storage.flows().claimDue(now, LEASE, batchSize);
            for (Flow flow : due) {
                if (flow.deadlineAt() != null) {
                    engine.metrics().sweeperLag(Duration.between(flow.deadlineAt(), now));
                }
            }
            // decided on claimDue's copies, committed together (one transaction on the JDBI store), each a
            // compare-and-set; an outage is rethrown (the whole run pauses: StoragePause), one broken flow
            // stops no other: its claim expires and it is tried again
            ended += engine.sweepAll(due, (flow, e) -> LOG.error("sweeping flow {} failed", flow.flowId(), e));
            if (due.size() < batchSize) {
                purgeUnboundFiles();
                return ended;
            }
        }
    }

    /** One bounded batch per sweep: leftovers are few (crashes only), so they are gone after a few sweeps. */
    private void purgeUnboundFiles() {
        try {
            int purged = storage.files().purgeUnbound(engine.now().minus(UNBOUND_KEPT), PURGE_BATCH);
            if (purged > 0) {
                LOG.info("deleted {} unbound files older than {}", purged, UNBOUND_KEPT);
            }
        } catch (java.io.IOException | RuntimeException e) {
            if (dev.idflow.core.spi.StorageUnavailableException.isOutage(e)) {
                throw e instanceof RuntimeException r ? r : new dev.idflow.core.spi.StorageUnavailableException("storage unavailable", e);
            }
            // nothing depends on it: no download finds an unbound file, and the next sweep tries again
            LOG.warn("purging unbound files failed", e);
        }
    }
}
