package dev.idflow.storage.memory;

import dev.idflow.core.model.Flow;
import dev.idflow.core.model.FlowInputData;
import dev.idflow.core.model.FlowTemplate;
import dev.idflow.core.spi.DuplicateKeyException;
import dev.idflow.core.spi.FlowQuery;
import dev.idflow.core.spi.FlowRepository;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Flows in memory. One lock guards the maps: every operation is short, and a single lock makes each
 * compare-and-set and each claim as atomic as the SQL stores' single statements.
 *
 * <p>A {@link Flow} is a record, but its template and input data hold Jackson trees that a caller can
 * change in place (everything else in it is immutable). So those trees are deep-copied on the way in and
 * on the way out, and the rest is shared: what a caller does with a flow it holds never reaches the
 * store, exactly as on PostgreSQL.
 */
final class InMemoryFlowRepository implements FlowRepository {
    private final Map<String, Flow> byId = new HashMap<>();
    /** Flow ids by vlink hash: the token itself is never held (see {@link Flow}). */
    private final Map<String, String> idByVlinkHash = new HashMap<>();
    private final Map<String, Instant> claimedUntil = new HashMap<>();

    @Override
    public synchronized void insert(Flow flow) {
        if (byId.containsKey(flow.flowId())) {
            throw new DuplicateKeyException("flow " + flow.flowId() + " exists");
        }
        if (idByVlinkHash.containsKey(flow.vlinkHash())) {
            throw new DuplicateKeyException("vlink exists");
        }
        byId.put(flow.flowId(), copy(flow));
        idByVlinkHash.put(flow.vlinkHash(), flow.flowId());
    }

    @Override
    public synchronized Optional<Flow> findById(String flowId) {
        return Optional.ofNullable(byId.get(flowId)).map(InMemoryFlowRepository::copy);
    }

    @Override
    public synchronized Optional<Flow> findByVlinkHash(String vlinkHash) {
        return Optional.ofNullable(idByVlinkHash.get(vlinkHash)).map(byId::get).map(InMemoryFlowRepository::copy);
    }

    /** A scan of every flow: memory holds few enough that the console's list needs no index here. */
    @Override
    public synchronized List<Flow> search(FlowQuery q) {
        return byId.values().stream()
                .filter(f -> f.consumerId().equals(q.consumerId()))
                .filter(f -> q.status() == null || f.flowStatus() == q.status())
                .filter(f -> q.endCause() == null || f.endCause() == q.endCause())
                .filter(f -> q.createdFrom() == null || !f.createdAt().isBefore(q.createdFrom()))
                .filter(f -> q.createdBefore() == null || f.createdAt().isBefore(q.createdBefore()))
                .filter(f -> q.personIds().isEmpty() || q.personIds().contains(f.personId()))
                .filter(f -> q.test() == null || f.testFlow() == q.test())
                .filter(f -> q.after() == null || q.after().admits(f.createdAt(), f.flowId()))
                .sorted(Comparator.comparing(Flow::createdAt).thenComparing(Flow::flowId).reversed())
                .limit(q.limit())
                .map(InMemoryFlowRepository::copy)
                .toList();
    }

    @Override
    public synchronized boolean update(Flow flow) {
        Flow stored = byId.get(flow.flowId());
        if (stored == null || stored.version() != flow.version()) {
            return false;
        }
        if (!stored.vlinkHash().equals(flow.vlinkHash())) {
            throw new IllegalArgumentException("a flow's vlink never changes");
        }
        // polled_at and last_activity_at are written without version checks; never move them backwards
        // the vlink's sealed copy is written once, at insert (as the SQL stores' UPDATE never names it)
        byId.put(flow.flowId(), copy(flow).toBuilder()
                .sealedVlink(stored.sealedVlink())
                .polledAt(latest(stored.polledAt(), flow.polledAt()))
                .lastActivityAt(latest(stored.lastActivityAt(), flow.lastActivityAt()))
                .version(flow.version() + 1).build());
        claimedUntil.remove(flow.flowId());
        return true;
    }

    /** Whether {@link #update} would succeed now; the caller holds the storage lock. */
    synchronized boolean canUpdate(Flow flow) {
        Flow stored = byId.get(flow.flowId());
        return stored != null && stored.version() == flow.version();
    }

    private static Instant latest(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b == null || a.isAfter(b) ? a : b;
    }

    @Override
    public synchronized void markPolled(String flowId, Instant at) {
        Flow stored = byId.get(flowId);
        if (stored != null) {
            byId.put(flowId, stored.toBuilder().polledAt(latest(stored.polledAt(), at)).build());
        }
    }

    @Override
    public synchronized void touchActivity(String flowId, Instant at) {
        Flow stored = byId.get(flowId);
        if (stored != null) {
            byId.put(flowId, stored.toBuilder().lastActivityAt(latest(stored.lastActivityAt(), at)).build());
        }
    }

    @Override
    public synchronized List<Flow> claimDue(Instant now, Duration lease, int limit) {
        List<Flow> due = new ArrayList<>();
        for (Flow flow : byId.values()) {
            if (flow.endedAt() == null && flow.deadlineAt() != null && !flow.deadlineAt().isAfter(now)) {
                Instant claim = claimedUntil.get(flow.flowId());
                if (claim == null || !claim.isAfter(now)) {
                    due.add(flow);
                }
            }
        }
        due.sort(Comparator.comparing(Flow::deadlineAt).thenComparing(Flow::flowId));
        List<Flow> claimed = due.subList(0, Math.min(limit, due.size()));
        Instant until = now.plus(lease);
        claimed.forEach(f -> claimedUntil.put(f.flowId(), until));
        return claimed.stream().map(InMemoryFlowRepository::copy).toList();
    }

    /** The model's records are immutable but for their Jackson trees: a copy detaches exactly those. */
    private static Flow copy(Flow flow) {
        FlowTemplate template = flow.template() == null ? null : flow.template().detached();
        FlowInputData inputData = flow.inputData() == null ? null : flow.inputData().detached();
        if (template == flow.template() && inputData == flow.inputData()) {
            return flow;
        }
        return flow.toBuilder().template(template).inputData(inputData).build();
    }

    /** Up to {@code limit} flows that {@code which} selects, oldest first (for the lifecycle's batches). */
    synchronized List<Flow> select(java.util.function.Predicate<Flow> which, int limit) {
        return byId.values().stream().filter(which)
                .sorted(java.util.Comparator.comparing(Flow::createdAt).thenComparing(Flow::flowId))
                .limit(limit).toList();
    }

    /** Forgets a flow (retention, erasure): true when it was there. */
    synchronized boolean remove(String flowId) {
        Flow gone = byId.remove(flowId);
        if (gone == null) {
            return false;
        }
        idByVlinkHash.remove(gone.vlinkHash());
        claimedUntil.remove(flowId);
        return true;
    }
}
