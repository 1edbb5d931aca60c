package dev.idflow.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.idflow.core.model.Flow;
import dev.idflow.core.spi.FlowRepository;
import dev.idflow.core.spi.StorageUnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The write-behind of polled_at on a store that asks for it. The flush thread waits an hour here, so every
 * write seen is a flush the test made: nothing depends on timing.
 */
class PollMarksTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final Duration NEVER_BY_ITSELF = Duration.ofHours(1);

    @Test
    void manyPollsOfOneFlowAreWrittenAsOneRowInOneBatch() {
        Polls store = new Polls(true);
        try (PollMarks marks = new PollMarks(store, NEVER_BY_ITSELF)) {
            for (int i = 0; i < 100; i++) {
                marks.mark("flow-a", T0.plusMillis(i));
            }
            marks.mark("flow-b", T0);

            assertThat(store.batches).isEmpty();
            assertThat(marks.flush()).isEqualTo(2);
            assertThat(store.batches).hasSize(1);
            assertThat(store.stored).containsEntry("flow-a", T0.plusMillis(99)).containsEntry("flow-b", T0);
            assertThat(marks.flush()).isZero();
        }
    }

    @Test
    void aPollFinishingLateNeverMovesTheBufferedTimeBackwards() {
        Polls store = new Polls(true);
        try (PollMarks marks = new PollMarks(store, NEVER_BY_ITSELF)) {
            marks.mark("flow-a", T0.plusSeconds(5));
            marks.mark("flow-a", T0.plusSeconds(3));
            marks.flush();
            assertThat(store.stored).containsEntry("flow-a", T0.plusSeconds(5));
        }
    }

    @Test
    void manyFlowsAreWrittenInBoundedBatches() {
        Polls store = new Polls(true);
        try (PollMarks marks = new PollMarks(store, NEVER_BY_ITSELF)) {
            for (int i = 0; i < PollMarks.BATCH * 2 + 1; i++) {
                marks.mark("flow-" + i, T0);
            }
            assertThat(marks.flush()).isEqualTo(PollMarks.BATCH * 2 + 1);
            assertThat(store.batches).extracting(Map::size).containsExactly(PollMarks.BATCH, PollMarks.BATCH, 1);
        }
    }

    @Test
    void aFlushDuringAnOutageLosesNoPollAndKeepsTheNewestOne() {
        Polls store = new Polls(true);
        try (PollMarks marks = new PollMarks(store, NEVER_BY_ITSELF)) {
            marks.mark("flow-a", T0.plusSeconds(1));
            marks.mark("flow-b", T0.plusSeconds(1));
            store.down = true;
            assertThatThrownBy(marks::flush).isInstanceOf(StorageUnavailableException.class);
            assertThat(marks.pending()).isEqualTo(2);

            // a newer poll meanwhile wins over the one put back; an older one does not
            marks.mark("flow-a", T0.plusSeconds(9));
            marks.mark("flow-b", T0);
            store.down = false;
            assertThat(marks.flush()).isEqualTo(2);
            assertThat(store.stored).containsEntry("flow-a", T0.plusSeconds(9)).containsEntry("flow-b", T0.plusSeconds(1));
        }
    }

    @Test
    void closingWritesWhatIsLeftAndPollsAfterCloseAreWrittenDirectly() {
        Polls store = new Polls(true);
        PollMarks marks = new PollMarks(store, NEVER_BY_ITSELF);
        marks.mark("flow-a", T0);
        marks.close();
        assertThat(store.stored).containsEntry("flow-a", T0);

        marks.mark("flow-b", T0.plusSeconds(1));
        assertThat(store.stored).containsEntry("flow-b", T0.plusSeconds(1));
        assertThat(marks.pending()).isZero();
    }

    @Test
    void theFlushThreadWritesBufferedPollsByItself() throws InterruptedException {
        Polls store = new Polls(true);
        try (PollMarks marks = new PollMarks(store, Duration.ofMillis(10))) {
            marks.mark("flow-a", T0);
            // waits for an outcome, not for a time: the loop ends as soon as the thread flushed
            for (int i = 0; i < 1000 && store.stored().isEmpty(); i++) {
                Thread.sleep(10);
            }
            assertThat(store.stored()).containsEntry("flow-a", T0);
        }
    }

    @Test
    void aStoreThatDoesNotAskForItIsWrittenAtOnce() {
        Polls store = new Polls(false);
        try (PollMarks marks = new PollMarks(store, NEVER_BY_ITSELF)) {
            marks.mark("flow-a", T0);
            assertThat(store.stored).containsEntry("flow-a", T0);
            assertThat(marks.pending()).isZero();
        }
    }

    /** Only the poll methods: keeps the latest per flow, as every store does; fails while {@code down}. */
    private static final class Polls implements FlowRepository {
        private final boolean behind;
        final Map<String, Instant> stored = new HashMap<>();
        final List<Map<String, Instant>> batches = new ArrayList<>();
        volatile boolean down;

        Polls(boolean behind) {
            this.behind = behind;
        }

        synchronized Map<String, Instant> stored() {
            return new HashMap<>(stored);
        }

        @Override
        public boolean writesPollsBehind() {
            return behind;
        }

        @Override
        public synchronized void markPolled(String flowId, Instant at) {
            if (down) {
                throw new StorageUnavailableException("the database is down", null);
            }
            stored.merge(flowId, at, (a, b) -> a.isAfter(b) ? a : b);
        }

        @Override
        public synchronized void markPolled(Map<String, Instant> polls) {
            if (down) {
                throw new StorageUnavailableException("the database is down", null);
            }
            batches.add(Map.copyOf(polls));
            polls.forEach(this::markPolled);
        }

        @Override
        public void insert(Flow flow) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<Flow> findById(String flowId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<Flow> findByVlinkHash(String vlinkHash) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean update(Flow flow) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void touchActivity(String flowId, Instant at) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Flow> claimDue(Instant now, Duration lease, int limit) {
            throw new UnsupportedOperationException();
        }
    }
}
