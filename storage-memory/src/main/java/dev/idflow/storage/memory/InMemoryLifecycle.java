package dev.idflow.storage.memory;

import dev.idflow.core.model.AuditRecord;
import dev.idflow.core.model.FaceTemplate;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.RetentionPolicy;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.DataLifecycle;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Retention and erasure in memory. Every batch holds the flow, session and outbox locks in the order
 * {@link InMemoryStorage#commit} takes them, so a commit sees a flow either whole or gone.
 */
final class InMemoryLifecycle implements DataLifecycle {
    private final InMemoryFlowRepository flows;
    private final InMemorySessionRepository sessions;
    private final InMemoryEventOutbox events;
    private final InMemoryFileStore files;
    private final InMemoryFaceTemplateRepository templates;
    private final InMemoryPersonCertificateRepository certificates;
    private final InMemoryMockeryRepository mockery;
    private final InMemoryAuditTrail audit;
    private final Map<String, RetentionPolicy> policies = new TreeMap<>();
    private final Map<String, Instant> claims = new HashMap<>();

    private final InMemoryWebhookStore webhooks;

    InMemoryLifecycle(InMemoryFlowRepository flows, InMemorySessionRepository sessions, InMemoryEventOutbox events,
                      InMemoryFileStore files, InMemoryFaceTemplateRepository templates,
                      InMemoryPersonCertificateRepository certificates, InMemoryMockeryRepository mockery,
                      InMemoryAuditTrail audit, InMemoryWebhookStore webhooks) {
        this.webhooks = webhooks;
        this.flows = flows;
        this.sessions = sessions;
        this.events = events;
        this.files = files;
        this.templates = templates;
        this.certificates = certificates;
        this.mockery = mockery;
        this.audit = audit;
    }

    @Override
    public synchronized void setRetention(RetentionPolicy policy) {
        policies.put(policy.consumerId(), policy);
    }

    @Override
    public synchronized Optional<RetentionPolicy> retention(String consumerId) {
        return Optional.ofNullable(policies.get(consumerId));
    }

    @Override
    public synchronized List<RetentionPolicy> retentions() {
        return List.copyOf(policies.values());
    }

    @Override
    public synchronized boolean claimPurge(String consumerId, Instant now, Duration lease) {
        if (!policies.containsKey(consumerId)) {
            return false;
        }
        Instant until = claims.get(consumerId);
        if (until != null && until.isAfter(now)) {
            return false;
        }
        claims.put(consumerId, now.plus(lease));
        return true;
    }

    @Override
    public synchronized void releasePurge(String consumerId) {
        claims.remove(consumerId);
    }

    @Override
    public int purgeBiometrics(String consumerId, Instant createdBefore, int limit) {
        int n = deleteFiles(files.select(f -> f.consumerId().equals(consumerId) && RetentionPolicy.isBiometric(f.label())
                && f.createdAt().isBefore(createdBefore), limit));
        return n + templates.removeWhere(t -> t.consumerId().equals(consumerId) && FaceTemplate.VERIFIED.equals(t.kind())
                && t.createdAt().isBefore(createdBefore), limit);
    }

    @Override
    public int purgeDocuments(String consumerId, Instant createdBefore, int limit) {
        return deleteFiles(files.select(f -> f.consumerId().equals(consumerId) && !RetentionPolicy.isBiometric(f.label())
                && f.createdAt().isBefore(createdBefore), limit));
    }

    @Override
    public int purgeFlows(String consumerId, Instant endedBefore, int limit) {
        synchronized (flows) {
            synchronized (sessions) {
                synchronized (events) {
                    List<Flow> due = flows.select(f -> f.consumerId().equals(consumerId) && f.endedAt() != null
                            && f.endedAt().isBefore(endedBefore), limit);
                    for (Flow flow : due) {
                        deleteFlow(flow.flowId());
                    }
                    return due.size();
                }
            }
        }
    }

    private void deleteFlow(String flowId) {
        deleteFiles(files.select(f -> flowId.equals(f.flowId()), Integer.MAX_VALUE));
        for (ServiceSession s : sessions.select(s -> flowId.equals(s.flowId()), Integer.MAX_VALUE)) {
            deleteFiles(files.select(f -> s.sessionId().equals(f.sessionId()), Integer.MAX_VALUE));
            sessions.remove(s.sessionId());
        }
        events.removeFlow(flowId);
        webhooks.forgetFlow(flowId);
        flows.remove(flowId);
    }

    @Override
    public int erasePerson(String consumerId, String personId, boolean test, int limit, AuditRecord done) {
        synchronized (flows) {
            synchronized (sessions) {
                synchronized (events) {
                    int n = deleteFiles(files.select(f -> f.consumerId().equals(consumerId) && f.personId().equals(personId)
                            && f.test() == test, limit));
                    for (ServiceSession s : sessions.select(s -> s.consumerId().equals(consumerId)
                            && s.personId().equals(personId) && s.testSession() == test, limit)) {
                        sessions.remove(s.sessionId());
                        n++;
                    }
                    for (Flow f : flows.select(f -> f.consumerId().equals(consumerId) && f.personId().equals(personId)
                            && f.testFlow() == test, limit)) {
                        deleteFlow(f.flowId());
                        n++;
                    }
                    n += templates.removeWhere(t -> t.consumerId().equals(consumerId) && personId.equals(t.personId())
                            && t.test() == test, limit);
                    n += certificates.deleteByPerson(consumerId, personId, test);
                    if (test) {
                        // sandbox scripts are test data by nature: only a test key writes them
                        n += mockery.removePerson(consumerId, personId);
                    }
                    if (n == 0 && done != null) {
                        audit.append(done);
                    }
                    return n;
                }
            }
        }
    }

    private int deleteFiles(List<StoredFile> which) {
        int n = 0;
        for (StoredFile f : new ArrayList<>(which)) {
            if (files.delete(f.fileId())) {
                n++;
            }
        }
        return n;
    }
}
