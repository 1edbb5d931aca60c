package dev.idflow.storage.memory;

import dev.idflow.core.model.AuditRecord;
import dev.idflow.core.spi.AuditTrail;
import dev.idflow.core.spi.DuplicateKeyException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The audit trail in memory: appended, listed, never changed. */
final class InMemoryAuditTrail implements AuditTrail {
    static final Comparator<AuditRecord> ORDER = Comparator.comparing(AuditRecord::at).thenComparing(AuditRecord::recordId);
    private final Map<String, AuditRecord> byId = new TreeMap<>();

    @Override
    public synchronized void append(AuditRecord record) {
        if (byId.putIfAbsent(record.recordId(), record) != null) {
            throw new DuplicateKeyException("audit record " + record.recordId() + " exists");
        }
    }

    @Override
    public synchronized List<AuditRecord> list(String consumerId, Instant from, Instant to, AuditRecord after, int limit) {
        List<AuditRecord> out = new ArrayList<>();
        for (AuditRecord r : byId.values()) {
            if (r.consumerId().equals(consumerId) && !r.at().isBefore(from) && r.at().isBefore(to)
                    && (after == null || ORDER.compare(r, after) > 0)) {
                out.add(r);
            }
        }
        out.sort(ORDER);
        return out.size() > limit ? List.copyOf(out.subList(0, limit)) : out;
    }
}
