package dev.idflow.storage.memory;

import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.spi.DuplicateKeyException;
import dev.idflow.core.spi.SessionRepository;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Sessions in memory; one lock, as {@link InMemoryFlowRepository}. */
final class InMemorySessionRepository implements SessionRepository {
    private final Map<String, ServiceSession> byId = new HashMap<>();
    private final Map<String, String> idByTokenHash = new HashMap<>();

    @Override
    public synchronized void insert(ServiceSession session) {
        if (byId.containsKey(session.sessionId())) {
            throw new DuplicateKeyException("session " + session.sessionId() + " exists");
        }
        String tokenHash = session.liveness() == null ? null : session.liveness().accessTokenHash();
        if (tokenHash != null && idByTokenHash.containsKey(tokenHash)) {
            throw new DuplicateKeyException("access token exists");
        }
        byId.put(session.sessionId(), session);
        if (tokenHash != null) {
            idByTokenHash.put(tokenHash, session.sessionId());
        }
    }

    @Override
    public synchronized Optional<ServiceSession> findById(String sessionId) {
        return Optional.ofNullable(byId.get(sessionId));
    }

    @Override
    public synchronized List<ServiceSession> findByFlowId(String flowId) {
        return byId.values().stream()
                .filter(s -> flowId.equals(s.flowId()))
                .sorted(Comparator.comparing(ServiceSession::createdAt).thenComparing(ServiceSession::sessionId))
                .toList();
    }

    /** One scan for the whole page of flows, not one per flow. */
    @Override
    public synchronized Map<String, List<ServiceSession>> findByFlowIds(java.util.Collection<String> flowIds) {
        java.util.Set<String> wanted = java.util.Set.copyOf(flowIds);
        Map<String, List<ServiceSession>> out = new HashMap<>();
        for (ServiceSession s : byId.values()) {
            if (s.flowId() != null && wanted.contains(s.flowId())) {
                out.computeIfAbsent(s.flowId(), k -> new java.util.ArrayList<>()).add(s);
            }
        }
        out.values().forEach(l -> l.sort(Comparator.comparing(ServiceSession::createdAt)
                .thenComparing(ServiceSession::sessionId)));
        return out;
    }

    @Override
    public synchronized Optional<ServiceSession> findByAccessTokenHash(String accessTokenHash) {
        return Optional.ofNullable(idByTokenHash.get(accessTokenHash)).map(byId::get);
    }

    @Override
    public synchronized boolean update(ServiceSession session) {
        ServiceSession stored = byId.get(session.sessionId());
        if (stored == null || stored.version() != session.version()) {
            return false;
        }
        String oldHash = stored.liveness() == null ? null : stored.liveness().accessTokenHash();
        String newHash = session.liveness() == null ? null : session.liveness().accessTokenHash();
        if (newHash != null && !newHash.equals(oldHash) && idByTokenHash.containsKey(newHash)) {
            throw new DuplicateKeyException("access token exists");
        }
        if (oldHash != null) {
            idByTokenHash.remove(oldHash);
        }
        if (newHash != null) {
            idByTokenHash.put(newHash, session.sessionId());
        }
        byId.put(session.sessionId(), session.withVersion(session.version() + 1));
        return true;
    }

    /** Whether {@link #update} would succeed now; the caller holds the storage lock. */
    synchronized boolean canUpdate(ServiceSession session) {
        ServiceSession stored = byId.get(session.sessionId());
        return stored != null && stored.version() == session.version();
    }

    /** Whether {@link #insert} would succeed now; the caller holds the storage lock. */
    synchronized boolean canInsert(ServiceSession session) {
        String tokenHash = session.liveness() == null ? null : session.liveness().accessTokenHash();
        return !byId.containsKey(session.sessionId()) && (tokenHash == null || !idByTokenHash.containsKey(tokenHash));
    }

    @Override
    public synchronized int countCreatedSince(String consumerId, String personId, String serviceName, Instant since) {
        return (int) byId.values().stream()
                .filter(s -> s.consumerId().equals(consumerId) && s.personId().equals(personId)
                        && s.serviceName().equals(serviceName) && !s.createdAt().isBefore(since))
                .count();
    }

    /** Up to {@code limit} sessions that {@code which} selects (for the lifecycle's batches). */
    synchronized List<ServiceSession> select(java.util.function.Predicate<ServiceSession> which, int limit) {
        return byId.values().stream().filter(which)
                .sorted(java.util.Comparator.comparing(ServiceSession::createdAt).thenComparing(ServiceSession::sessionId))
                .limit(limit).toList();
    }

    /** Forgets a session (retention, erasure): true when it was there. */
    synchronized boolean remove(String sessionId) {
        ServiceSession gone = byId.remove(sessionId);
        if (gone == null) {
            return false;
        }
        if (gone.liveness() != null && gone.liveness().accessTokenHash() != null) {
            idByTokenHash.remove(gone.liveness().accessTokenHash());
        }
        return true;
    }
}
