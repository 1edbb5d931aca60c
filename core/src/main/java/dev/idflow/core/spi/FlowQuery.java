package dev.idflow.core.spi;

import dev.idflow.core.model.EndCause;
import dev.idflow.core.model.ExecutionStatus;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What {@link FlowRepository#search} looks for: one consumer's flows, newest first ({@code created_at}
 * descending, then {@code flow_id} descending), each filter optional (null = any).
 *
 * @param consumerId    required: a search never crosses consumers
 * @param status        the flow's {@code flow_status}
 * @param endCause      the flow's {@code end_cause}
 * @param createdFrom   inclusive lower bound of {@code created_at}
 * @param createdBefore exclusive upper bound of {@code created_at}
 * @param personIds     the flow's stored {@code person_id} is one of these (empty = any). A list, because
 *                      behind {@code SealedStorage} one person is stored under a person ref per kind (and
 *                      rows written before sealing under the clear id)
 * @param test          test flows only (true), live only (false), both (null)
 * @param after         the keyset cursor: only flows strictly after this position in the order; null = from the newest
 * @param limit         1 to 100
 */
public record FlowQuery(String consumerId, ExecutionStatus status, EndCause endCause, Instant createdFrom,
        Instant createdBefore, List<String> personIds, Boolean test, Position after, int limit) {

    public static final int MAX_LIMIT = 100;

    public FlowQuery {
        Objects.requireNonNull(consumerId, "consumerId");
        personIds = personIds == null ? List.of() : List.copyOf(personIds);
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 1 to " + MAX_LIMIT);
        }
    }

    public FlowQuery withPersonIds(List<String> ids) {
        return new FlowQuery(consumerId, status, endCause, createdFrom, createdBefore, ids, test, after, limit);
    }

    /** A position in the order: the last flow of the previous page. */
    public record Position(Instant createdAt, String flowId) {
        public Position {
            Objects.requireNonNull(createdAt, "createdAt");
            Objects.requireNonNull(flowId, "flowId");
        }

        /** Whether a flow created at {@code flowCreatedAt} with id {@code otherFlowId} comes strictly after this position. */
        public boolean admits(Instant flowCreatedAt, String otherFlowId) {
            int c = flowCreatedAt.compareTo(createdAt);
            return c < 0 || (c == 0 && otherFlowId.compareTo(flowId) < 0);
        }
    }
}
