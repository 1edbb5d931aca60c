package dev.idflow.core.engine;

import dev.idflow.core.spi.FlowRepository;
import dev.idflow.core.spi.StorageUnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-behind of {@code polled_at}: a consumer's {@code GET /flow/{id}} records its poll here, in a
 * per-node map (flow id → latest instant, coalesced, never moving backwards), and a daemon thread flushes
 * the map about every second as batches ({@link FlowRepository#markPolled(Map)}: one round trip per batch,
 * each row guarded so a flush never moves a stored time backwards). So no request waits on a flow's row
 * lock for a poll, and 16 clients polling one flow make one write a second, not 16 per request round.
 *
 * <p>A store that does not ask for it ({@link FlowRepository#writesPollsBehind()} false: memory) is written
 * directly, as before. The flush thread starts with the first buffered poll; {@link #close()} stops it and
 * flushes what is left. A poll is durable about a second after its answer: a node that dies loses at most
 * its last second of polls, which no decision depends on (the sweeper reads no {@code polled_at}; the
 * deadline comes from the ttl, the step's timeout and the person's activity).
 *
 * <p>A flush that fails (a database outage) puts what it took back, merged with anything newer polled
 * meanwhile (the later instant wins), and is tried again at the next tick: nothing is lost and nothing
 * spins; one log line when it starts failing, one when it works again.
 */
public final class PollMarks implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PollMarks.class);
    /** Rows per batch: one short transaction each, so a flush holds few row locks for a moment. */
    static final int BATCH = 500;

    private final FlowRepository flows;
    private final boolean behind;
    private final Duration every;
    private final ConcurrentHashMap<String, Instant> pending = new ConcurrentHashMap<>();
    private final Object flushing = new Object();
    /** Written under this object's lock, read without it on every poll. */
    private volatile ScheduledExecutorService flusher;
    private boolean closed;
    private boolean failing;

    /** Polls of {@code flows}, written behind every {@code every} when the store asks for it. */
    public PollMarks(FlowRepository flows, Duration every) {
        this.flows = flows;
        this.behind = flows.writesPollsBehind();
        this.every = every;
    }

    /**
     * Records that the consumer polled {@code flowId} at {@code at}. Buffered to the millisecond, the
     * precision the SQL stores keep: many clients polling one flow in the same millisecond then find
     * their instant there already and write nothing, so the hot flow's map entry (one lock of the map's
     * per key) is taken about once a millisecond, not once a request; and the flush thread's state is
     * read without a lock once it runs.
     */
    public void mark(String flowId, Instant at) {
        if (!behind) {
            flows.markPolled(flowId, at);
            return;
        }
        Instant ms = at.truncatedTo(ChronoUnit.MILLIS);
        Instant buffered = pending.get(flowId);
        if (buffered == null || ms.isAfter(buffered)) {
            pending.merge(flowId, ms, PollMarks::later);
        }
        if (flusher == null) {
            startFlusher();
        }
    }

    /** How many polls wait to be written (for tests and metrics). */
    public int pending() {
        return pending.size();
    }

    /**
     * Writes every buffered poll now; returns how many flows it wrote. Thrown by a failing store, after
     * putting back what it could not write. The flush thread calls it; so do {@link #close()} and a host
     * that stops its background work.
     */
    public int flush() {
        synchronized (flushing) {
            if (pending.isEmpty()) {
                return 0;
            }
            // take each entry out atomically: a poll landing after its remove makes a new entry, flushed next time
            Map<String, Instant> taken = new TreeMap<>();
            for (String id : pending.keySet()) {
                Instant at = pending.remove(id);
                if (at != null) {
                    taken.put(id, at);
                }
            }
            List<Map<String, Instant>> batches = new ArrayList<>();
            Map<String, Instant> batch = new LinkedHashMap<>();
            for (Map.Entry<String, Instant> e : taken.entrySet()) {
                batch.put(e.getKey(), e.getValue());
                if (batch.size() == BATCH) {
                    batches.add(batch);
                    batch = new LinkedHashMap<>();
                }
            }
            if (!batch.isEmpty()) {
                batches.add(batch);
            }
            int written = 0;
            Iterator<Map<String, Instant>> left = batches.iterator();
            try {
                while (left.hasNext()) {
                    Map<String, Instant> next = left.next();
                    try {
                        flows.markPolled(next);
                    } catch (RuntimeException e) {
                        putBack(next);
                        throw e;
                    }
                    written += next.size();
                }
            } finally {
                left.forEachRemaining(this::putBack);
            }
            return written;
        }
    }

    /** Stops the flush thread and writes what is left (a failure is logged: those polls are lost with the node). */
    @Override
    public void close() {
        ScheduledExecutorService f;
        synchronized (this) {
            closed = true;
            f = flusher;
            flusher = null;
        }
        if (f != null) {
            f.shutdown();
            try {
                f.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (behind) {
            try {
                flush();
            } catch (RuntimeException e) {
                LOG.warn("could not write the last {} polls at close: {}", pending.size(), reason(e));
            }
        }
    }

    private void putBack(Map<String, Instant> polls) {
        polls.forEach((id, at) -> pending.merge(id, at, PollMarks::later));
    }

    private synchronized void startFlusher() {
        if (flusher != null) {
            return;
        }
        if (closed) {
            // polls after close (a request finishing while the host shuts down) are written directly
            drainDirectly();
            return;
        }
        flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "idflow-poll-marks");
            t.setDaemon(true);
            return t;
        });
        flusher.scheduleWithFixedDelay(this::tick, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void drainDirectly() {
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.warn("could not write polls after close: {}", reason(e));
        }
    }

    private void tick() {
        try {
            flush();
            if (failing) {
                failing = false;
                LOG.info("writing polls again");
            }
        } catch (Throwable e) {
            // nothing may leave a scheduled task (it would never run again); the polls were put back
            if (!failing) {
                failing = true;
                LOG.warn("could not write {} polls, trying again every {}: {}", pending.size(), every, reason(e));
            }
        }
    }

    private static String reason(Throwable e) {
        return e instanceof StorageUnavailableException ? e.getMessage() : e.toString();
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
