package dev.idflow.storage.jdbi;

import dev.idflow.core.spi.StorageUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * idflow's own short-circuit in front of the host's pool. After {@code threshold} failed
 * {@code getConnection} calls in a row it opens: every caller is refused at once with
 * {@link StorageUnavailableException} instead of waiting for the pool's connection timeout (HikariCP's
 * default is 30 s). While open, one caller at a time is let through as a probe, at most once every
 * {@code probeEvery}; the first connection anyone gets closes it again. One log line when it opens, one
 * when it closes. Node-local: each node finds out for itself, and each heals by itself.
 *
 * <p>Thread-safe: every transition happens under this object's lock, and nothing slow (no connection
 * attempt) runs under it.
 */
final class ConnectionBreaker {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionBreaker.class);

    /** What {@link #acquire()} let the caller do. */
    enum Permit { NORMAL, PROBE }

    private final int threshold;
    private final Duration probeEvery;
    private final Clock clock;
    private int failuresInARow;
    private Instant openedAt;
    private Instant nextProbe;
    private boolean probing;
    private long refused;

    ConnectionBreaker(int threshold, Duration probeEvery, Clock clock) {
        if (threshold < 1) {
            throw new IllegalArgumentException("connectionBreaker failures: must be 1 or more, was " + threshold);
        }
        if (probeEvery == null || probeEvery.isNegative() || probeEvery.isZero()) {
            throw new IllegalArgumentException("connectionBreaker every: must be a positive duration, was " + probeEvery);
        }
        this.threshold = threshold;
        this.probeEvery = probeEvery;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * May the caller try to get a connection? {@link Permit#NORMAL} while closed; {@link Permit#PROBE}
     * for the one caller that probes an open breaker; otherwise throws at once.
     *
     * @throws StorageUnavailableException while open and no probe is due
     */
    synchronized Permit acquire() {
        if (openedAt == null) {
            return Permit.NORMAL;
        }
        Instant now = clock.instant();
        if (!probing && !now.isBefore(nextProbe)) {
            probing = true;
            return Permit.PROBE;
        }
        refused++;
        throw new StorageUnavailableException("the database is unreachable (" + threshold
                + " connection attempts failed in a row); refused at once, probing every " + probeEvery.toMillis() + " ms");
    }

    /** The caller got a connection: closes the breaker if it was open. */
    synchronized void succeeded(Permit permit) {
        failuresInARow = 0;
        if (permit == Permit.PROBE) {
            probing = false;
        }
        if (openedAt != null) {
            LOG.info("database reachable again after {} s; connection breaker closed ({} requests refused at once meanwhile)",
                    Duration.between(openedAt, clock.instant()).toMillis() / 1000.0, refused);
            openedAt = null;
            nextProbe = null;
            refused = 0;
        }
    }

    /** The caller's attempt failed: may open the breaker, or schedules the next probe. */
    synchronized void failed(Permit permit, Throwable cause) {
        failuresInARow++;
        Instant now = clock.instant();
        if (permit == Permit.PROBE) {
            probing = false;
            nextProbe = now.plus(probeEvery);
            return;
        }
        if (openedAt == null && failuresInARow >= threshold) {
            openedAt = now;
            nextProbe = now.plus(probeEvery);
            // the class only: a driver's message may name hosts or users
            LOG.warn("database unreachable: {} connection attempts failed in a row (last: {}); connection breaker open, "
                    + "requests fail at once, probing every {} ms", failuresInARow, cause.getClass().getSimpleName(),
                    probeEvery.toMillis());
        }
    }

    synchronized boolean isOpen() {
        return openedAt != null;
    }
}
