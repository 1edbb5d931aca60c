package dev.idflow.core.engine;

import dev.idflow.core.spi.StorageUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a background loop rides out a storage outage: the first failure that says the storage is
 * unreachable ({@link StorageUnavailableException#isOutage}) logs one line and pauses the loop; while
 * paused it tries again after a wait that doubles from {@code firstWait} up to {@code maxWait}; the
 * first run that succeeds logs one line and resumes. No stack trace, no line per run or per item.
 * Node-local and cheap: each node finds out for itself (the database decides nothing here).
 */
public final class StoragePause {
    private static final Logger LOG = LoggerFactory.getLogger(StoragePause.class);
    private final String loop;
    private final Clock clock;
    private final Duration firstWait;
    private final Duration maxWait;
    private Instant downSince;
    private Instant nextTry;
    private Duration wait;
    private int failures;

    public StoragePause(String loop, Clock clock, Duration firstWait, Duration maxWait) {
        this.loop = Objects.requireNonNull(loop, "loop");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (firstWait.isNegative() || maxWait.compareTo(firstWait) < 0) {
            throw new IllegalArgumentException("firstWait: must be 0 or more, and maxWait at least firstWait");
        }
        this.firstWait = firstWait;
        this.maxWait = maxWait;
    }

    /** True while paused and the next try is not due yet: skip this run. */
    public synchronized boolean skip() {
        return downSince != null && clock.instant().isBefore(nextTry);
    }

    /** Whether the loop is paused by an outage. */
    public synchronized boolean paused() {
        return downSince != null;
    }

    /**
     * A run failed with {@code e}: true when it is an outage (logged once per outage; the loop pauses),
     * false when it is something else, which the caller logs as it always did.
     */
    public synchronized boolean failed(Throwable e) {
        if (!StorageUnavailableException.isOutage(e)) {
            return false;
        }
        Instant now = clock.instant();
        failures++;
        if (downSince == null) {
            downSince = now;
            wait = firstWait;
            LOG.warn("{}: storage unavailable ({}); paused, trying again every {} s at most", loop,
                    shortReason(e), maxWait.toMillis() / 1000.0);
        } else {
            Duration doubled = wait.multipliedBy(2);
            wait = doubled.compareTo(maxWait) > 0 ? maxWait : doubled;
        }
        nextTry = now.plus(wait);
        return true;
    }

    /** A run went through: resumes (one line) if paused. */
    public synchronized void succeeded() {
        if (downSince != null) {
            LOG.info("{}: storage available again after {} s ({} failed tries); resumed", loop,
                    Duration.between(downSince, clock.instant()).toMillis() / 1000.0, failures);
            downSince = null;
            nextTry = null;
            failures = 0;
        }
    }

    /** The outage's class and idflow's own message, never a driver's (which may name hosts or users). */
    static String shortReason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof StorageUnavailableException) {
                return t.getMessage();
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName();
    }
}
