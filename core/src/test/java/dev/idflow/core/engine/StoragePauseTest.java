package dev.idflow.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.spi.StorageUnavailableException;
import dev.idflow.core.testing.SettableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A background loop's pause during an outage, on an injected clock. */
class StoragePauseTest {
    private final SettableClock clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final StoragePause pause = new StoragePause("background work", clock, Duration.ofSeconds(1), Duration.ofSeconds(5));

    @Test
    void anOutagePausesWithWaitsThatDoubleUpToTheMaximumAndASuccessResumes() {
        assertThat(pause.skip()).isFalse();
        assertThat(pause.failed(new RuntimeException(new StorageUnavailableException("down")))).isTrue();
        assertThat(pause.paused()).isTrue();
        long[] waits = new long[5];
        for (int i = 0; i < waits.length; i++) {
            long waited = 0;
            while (pause.skip()) {
                clock.advance(Duration.ofMillis(100));
                waited += 100;
            }
            waits[i] = waited;
            pause.failed(new StorageUnavailableException("still down"));
        }
        assertThat(waits).containsExactly(1000, 2000, 4000, 5000, 5000);
        while (pause.skip()) {
            clock.advance(Duration.ofMillis(100));
        }
        pause.succeeded();
        assertThat(pause.paused()).isFalse();
        assertThat(pause.skip()).isFalse();
    }

    @Test
    void otherFailuresAreNotAnOutage() {
        assertThat(pause.failed(new IllegalStateException("a bug"))).isFalse();
        assertThat(pause.paused()).isFalse();
        assertThat(pause.skip()).isFalse();
    }

    @Test
    void itsReasonIsIdflowsOwnMessageOrTheRootCausesClassNeverADriversMessage() {
        assertThat(StoragePause.shortReason(new RuntimeException("x", new StorageUnavailableException("the database is unreachable"))))
                .isEqualTo("the database is unreachable");
        assertThat(StoragePause.shortReason(new RuntimeException(new java.sql.SQLException("host db.bank.kz user idflow", "08006"))))
                .isEqualTo("SQLException");
    }
}
