package dev.idflow.storage.memory;

import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.spi.DuplicateKeyException;
import dev.idflow.core.spi.SessionRepository;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Sessions in memory; one lock, as {@link InMemoryFlowRepository}. Indexed by flow and by (consumer, person), as
 * the JDBI store's indexes, so that a flow's read and the per-person count do not scan every session.
 */
final class InMemorySessionRepository implements SessionRepository {
    private static final Comparator<ServiceSession> OLDEST_FIRST =
            Comparator.comparing(ServiceSession::createdAt).thenComparing(ServiceSession::sessionId);

    private final Map<String, ServiceSession> byId = new HashMap<>();
    private final Map<String, String> idByTokenHash = new HashMap<>();
    private final Map<String, Set<String>> idsByFlow = new HashMap<>();
    private final Map<String, Set<String>> idsByPerson = new HashMap<>();

    private static String personKey(ServiceSession s) {
        return s.consumerId() + '\u0000' + s.personId();
    }

    private static void index(Map<String, Set<String>> index, String key, String sessionId) {
        if (key != null) {
            index.computeIfAbsent(key, k -> new HashSet<>(4)).add(sessionId);
        }
    }

    private static void unindex(Map<String, Set<String>> index, String key, String sessionId) {
        if (key == null) {
            return;
        }
        Set<String> ids = index.get(key);
        if (ids != null && ids.remove(sessionId) && ids.isEmpty()) {
            index.remove(key);
        }
    }

    private void indexAll(ServiceSession s) {
        index(idsByFlow, s.flowId(), s.sessionId());
        index(idsByPerson, personKey(s), s.sessionId());
    }

    private void unindexAll(ServiceSession s) {
        unindex(idsByFlow, s.flowId(), s.sessionId());
        unindex(idsByPerson, personKey(s), s.sessionId());
    }

    private List<ServiceSession> sessionsOf(Set<String> ids) {
        if (ids == null) {
            return List.of();
        }
        List<ServiceSession> out = new ArrayList<>(ids.size());
        for (String id : ids) {
            out.add(byId.get(id));
        }
        out.sort(OLDEST_FIRST);
        return out;
    }

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
        indexAll(session);
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
        return List.copyOf(sessionsOf(idsByFlow.get(flowId)));
    }

    /** Under one lock: every flow's list is read at the same moment. */
    @Override
    public synchronized Map<String, List<ServiceSession>> findByFlowIds(Collection<String> flowIds) {
        Map<String, List<ServiceSession>> out = new LinkedHashMap<>();
        for (String flowId : flowIds) {
            Set<String> ids = idsByFlow.get(flowId);
            if (ids != null && !out.containsKey(flowId)) {
                out.put(flowId, List.copyOf(sessionsOf(ids)));
            }
        }
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
        unindexAll(stored);
        ServiceSession next = session.withVersion(session.version() + 1);
        byId.put(session.sessionId(), next);
        indexAll(next);
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
        Set<String> ids = idsByPerson.get(consumerId + '\u0000' + personId);
        if (ids == null) {
            return 0;
        }
        int n = 0;
        for (String id : ids) {
            ServiceSession s = byId.get(id);
            if (s.serviceName().equals(serviceName) && !s.createdAt().isBefore(since)) {
                n++;
            }
        }
        return n;
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
        unindexAll(gone);
        if (gone.liveness() != null && gone.liveness().accessTokenHash() != null) {
            idByTokenHash.remove(gone.liveness().accessTokenHash());
        }
        return true;
    }
}
