package dev.idflow.core.spi;

import dev.idflow.core.model.Flow;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** Flows, read and changed by compare-and-set on {@link Flow#version()}. */
public interface FlowRepository {

    /** Stores a new flow as given (its version is kept). Same flow id or vlink hash → {@link DuplicateKeyException}. */
    void insert(Flow flow);

    Optional<Flow> findById(String flowId);

    /**
     * The flow whose {@link Flow#vlinkHash()} is {@code vlinkHash} (the SHA-256 hex of the vlink token the
     * person holds). Lookup is by hash so that no store keeps or indexes the token itself.
     */
    Optional<Flow> findByVlinkHash(String vlinkHash);

    /**
     * For stores that once kept vlink tokens in clear (the SQL schemas before V3): seals each such token
     * with {@code seal}, stores the sealed copy and forgets the clear one; returns how many it sealed.
     * Idflow calls it once at every start; a store that never held clear tokens has nothing to do.
     * Two nodes starting together may both seal one row: either sealed copy opens to the same token.
     */
    default int sealClearVlinks(UnaryOperator<String> seal) {
        return 0;
    }

    /**
     * Stores {@code flow} if the stored version still equals {@code flow.version()}; the stored copy
     * then carries version + 1 and no claim. {@code polledAt} and {@code lastActivityAt} never move
     * backwards (they are written without version checks, see {@link #markPolled}, {@link #touchActivity}).
     * The vlink never changes: a different {@code vlinkHash} is a caller's bug (IllegalArgumentException),
     * and the stored {@code sealedVlink} is kept whatever the copy carries. Returns false, changing nothing, when another writer got
     * there first (or the flow does not exist): the caller reads again and decides anew.
     */
    boolean update(Flow flow);

    /** Records that the consumer polled the flow. Not a state change: no version check, no version bump. */
    void markPolled(String flowId, Instant at);

    /**
     * Records many polls at once (the write-behind's flush, {@code dev.idflow.core.engine.PollMarks}): for each
     * flow id, {@code polledAt} becomes the given instant unless the stored one is already later (never
     * backwards, so two nodes' flushes in either order keep the latest). Ids of flows that no longer exist are
     * skipped. A store writes them in one round trip where it can; by default, one {@link #markPolled} each.
     */
    default void markPolled(java.util.Map<String, Instant> polls) {
        polls.forEach(this::markPolled);
    }

    /**
     * Whether idflow should buffer this store's polls and write them behind, coalesced, in batches
     * ({@link #markPolled(java.util.Map)} about every second) rather than one {@link #markPolled} per
     * {@code GET /flow/{id}}: true for a store where each write takes a row lock and a round trip (SQL).
     * A store whose write is a map update (memory) keeps the default, false, and is written directly.
     */
    default boolean writesPollsBehind() {
        return false;
    }

    /**
     * Records the person's activity (a call through the vlink). Not a state change: no version check,
     * no version bump. Like {@code polledAt}, {@code lastActivityAt} never moves backwards: an
     * {@link #update} or commit carrying an older value keeps the newer stored one.
     */
    void touchActivity(String flowId, Instant at);

    /**
     * Claims up to {@code limit} flows that have not ended and whose {@code deadlineAt} is at or before
     * {@code now}, and that no one holds a live claim on; each claim lasts {@code lease}. Two callers,
     * on one node or two, never receive the same flow while its claim lives. A successful
     * {@link #update} releases the claim; so does the lease running out (a node that died mid-work).
     */
    List<Flow> claimDue(Instant now, Duration lease, int limit);

    /**
     * One page of a consumer's flows matching {@code query}, newest first ({@code created_at} descending,
     * then {@code flow_id} descending), at most {@code query.limit()}, starting strictly after
     * {@code query.after()}. Keyset paging: a flow created while an operator pages is either before the
     * first page or found by none, and no flow is skipped or repeated across pages. The operator console
     * lists with it. A store that cannot search says so (UnsupportedOperationException).
     */
    default List<Flow> search(FlowQuery query) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot search flows");
    }
}
