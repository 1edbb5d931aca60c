package dev.idflow.testkit;

import dev.idflow.core.Idflow;
import dev.idflow.core.testing.SettableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * idflow's clock in a test: it stands still until the test moves it. {@link #advance} then runs, on the
 * test's thread and before it returns, what idflow's background work would have done by then: the
 * sweeper (ttl, step timeouts, a person gone quiet → {@code timeout}, {@code disconnected}), the delivery
 * of events to listeners, and the webhook deliveries now due. So a five-minute timeout is tested in
 * milliseconds. A bank's own code may use it as its {@link Clock} too.
 */
public final class TestClock extends Clock {
    private final SettableClock clock;
    private volatile Idflow idflow;

    TestClock(Instant start) {
        this.clock = new SettableClock(start);
    }

    void attach(Idflow idflow) {
        this.idflow = idflow;
    }

    /**
     * Moves the clock forward by {@code duration}, then runs the sweeper, the event delivery and the
     * webhook sending once each; returns how many flows the sweeper ended.
     */
    public int advance(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("duration: must not be negative (idflow's times never run backwards); was "
                    + duration);
        }
        clock.advance(duration);
        return runDueWork();
    }

    /** Runs what is due at the clock's time now, without moving it; returns how many flows the sweeper ended. */
    public int runDueWork() {
        Idflow running = idflow;
        if (running == null) {
            return 0;
        }
        int ended = running.sweepOnce();
        running.deliverEventsOnce();
        running.webhooks().sendOnce();
        return ended;
    }

    @Override
    public Instant instant() {
        return clock.instant();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        if (!ZoneOffset.UTC.equals(zone)) {
            throw new IllegalArgumentException("zone: idflow's clocks are UTC; was " + zone);
        }
        return this;
    }

    SettableClock settable() {
        return clock;
    }
}
