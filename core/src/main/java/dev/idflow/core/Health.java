package dev.idflow.core;

import dev.idflow.core.spi.IdflowStorage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * {@link Idflow#health()}: the database answers a cheap read (a primary-key lookup of a flow that cannot
 * exist) within {@link #DATABASE_TIMEOUT}, and the background loop, where this node runs it, finished a
 * run within three intervals (at least a minute). The read runs on one daemon thread of its own, so a
 * database that hangs costs that one thread, never one per health request: a check still stuck makes the
 * next ones time out at once.
 */
public final class Health {
    /** How long the database may take to answer the health read. */
    public static final Duration DATABASE_TIMEOUT = Duration.ofSeconds(2);
    /** The flow id looked up: well-formed, and never issued (ULIDs of time 0 with all-zero random bits). */
    private static final String PROBE_FLOW_ID = "00000000000000000000000000-F";

    public enum Status { UP, DOWN }

    /** One check: its status and a short detail (never a stack trace, SQL or secret). */
    public record Check(Status status, String detail) {
    }

    /** The whole answer: UP when every check is. {@code checks} keeps its order (database, background). */
    public record Report(Status status, Map<String, Check> checks) {
        public Report {
            checks = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(checks));
        }
    }

    /** The background loop's state on this node: its interval, and when it last finished a run (or null). */
    record Background(Duration interval, Instant startedAt, Instant lastRun) {
    }

    private final IdflowStorage storage;
    private final Clock clock;
    private final Supplier<Background> background;
    private final ExecutorService prober = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "idflow-health");
        t.setDaemon(true);
        return t;
    });

    Health(IdflowStorage storage, Clock clock, Supplier<Background> background) {
        this.storage = storage;
        this.clock = clock;
        this.background = background;
    }

    Report check() {
        Map<String, Check> checks = new LinkedHashMap<>();
        checks.put("database", database());
        Background state = background.get();
        if (state != null) {
            checks.put("background", background(state));
        }
        Status status = checks.values().stream().allMatch(c -> c.status() == Status.UP) ? Status.UP : Status.DOWN;
        return new Report(status, checks);
    }

    private Check database() {
        long start = System.nanoTime();
        Future<?> read;
        try {
            read = prober.submit(() -> storage.flows().findById(PROBE_FLOW_ID));
        } catch (RuntimeException e) {
            return new Check(Status.DOWN, "the health check could not run");
        }
        try {
            read.get(DATABASE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return new Check(Status.UP, "answered in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
        } catch (TimeoutException e) {
            read.cancel(true);
            return new Check(Status.DOWN, "no answer within " + DATABASE_TIMEOUT.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Check(Status.DOWN, "interrupted");
        } catch (Exception e) {
            // the failure's class only: a driver's message may name hosts or users
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return new Check(Status.DOWN, "the storage failed: " + cause.getClass().getSimpleName());
        }
    }

    private Check background(Background state) {
        Duration allowed = state.interval().multipliedBy(3);
        if (allowed.compareTo(Duration.ofMinutes(1)) < 0) {
            allowed = Duration.ofMinutes(1);
        }
        Duration since = Duration.between(state.lastRun() == null ? state.startedAt() : state.lastRun(), clock.instant());
        if (since.compareTo(allowed) > 0) {
            return new Check(Status.DOWN, (state.lastRun() == null ? "no run finished since it started " : "last run finished ")
                    + since.toSeconds() + " s ago (allowed " + allowed.toSeconds() + " s)");
        }
        if (state.lastRun() == null) {
            return new Check(Status.UP, "started " + since.toSeconds() + " s ago, no run finished yet");
        }
        return new Check(Status.UP, "last run finished " + since.toSeconds() + " s ago");
    }

    void close() {
        prober.shutdownNow();
    }
}
