package dev.idflow.storage.memory;

import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.spi.ApiKeyDirectory;
import dev.idflow.core.spi.DuplicateKeyException;
import dev.idflow.core.spi.EventOutbox;
import dev.idflow.core.spi.FlowChange;
import dev.idflow.core.spi.FaceTemplateRepository;
import dev.idflow.core.spi.FileStore;
import dev.idflow.core.spi.FlowRepository;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.KycListRepository;
import dev.idflow.core.spi.MockeryRepository;
import dev.idflow.core.spi.SessionRepository;
import dev.idflow.core.spi.SignatureLedger;
import java.util.HashSet;
import java.util.Set;

/**
 * The whole storage SPI in memory: for unit tests, the sandbox and the demo. Thread-safe; values are
 * immutable records copied in and out; version checks behave exactly as the SQL stores' do, so the
 * contract tests mean the same here as on PostgreSQL.
 */
public final class InMemoryStorage implements IdflowStorage {
    private final InMemoryFlowRepository flows = new InMemoryFlowRepository();
    private final InMemorySessionRepository sessions = new InMemorySessionRepository();
    private final InMemoryFileStore files = new InMemoryFileStore();
    private final InMemoryApiKeyDirectory apiKeys = new InMemoryApiKeyDirectory();
    private final InMemoryMockeryRepository mockery = new InMemoryMockeryRepository();
    private final InMemoryEventOutbox events = new InMemoryEventOutbox();
    private final InMemorySignatureLedger signatures = new InMemorySignatureLedger();
    private final InMemoryKycListRepository kycLists = new InMemoryKycListRepository();
    private final InMemoryPersonCertificateRepository personCertificates = new InMemoryPersonCertificateRepository();
    private final InMemoryFaceTemplateRepository faceTemplates = new InMemoryFaceTemplateRepository();
    private final InMemoryIdempotencyStore idempotencyKeys = new InMemoryIdempotencyStore();
    private final InMemoryWebhookStore webhooks = new InMemoryWebhookStore();
    private final InMemoryAuditTrail audit = new InMemoryAuditTrail();
    private final InMemoryLifecycle lifecycle = new InMemoryLifecycle(flows, sessions, events, files, faceTemplates,
            personCertificates, mockery, audit, webhooks);

    @Override
    public FlowRepository flows() {
        return flows;
    }

    @Override
    public SessionRepository sessions() {
        return sessions;
    }

    @Override
    public FileStore files() {
        return files;
    }

    @Override
    public ApiKeyDirectory apiKeys() {
        return apiKeys;
    }

    @Override
    public MockeryRepository mockery() {
        return mockery;
    }

    @Override
    public EventOutbox events() {
        return events;
    }

    @Override
    public SignatureLedger signatures() {
        return signatures;
    }

    @Override
    public KycListRepository kycLists() {
        return kycLists;
    }

    @Override
    public dev.idflow.core.spi.PersonCertificateRepository personCertificates() {
        return personCertificates;
    }

    @Override
    public FaceTemplateRepository faceTemplates() {
        return faceTemplates;
    }

    @Override
    public dev.idflow.core.spi.DataLifecycle lifecycle() {
        return lifecycle;
    }

    @Override
    public dev.idflow.core.spi.AuditTrail audit() {
        return audit;
    }

    @Override
    public dev.idflow.core.spi.WebhookStore webhooks() {
        return webhooks;
    }

    @Override
    public dev.idflow.core.spi.IdempotencyStore idempotencyKeys() {
        return idempotencyKeys;
    }

    /**
     * All or nothing: every check first, then every write, while holding the flow, session and
     * outbox locks, then the webhook store's (always taken in this order, so two commits cannot deadlock). The repositories'
     * own methods take the same locks, so no reader sees half a commit.
     */
    @Override
    public boolean commit(FlowChange change) {
        synchronized (flows) {
            synchronized (sessions) {
                synchronized (events) {
                    if (!flows.canUpdate(change.flow())) {
                        return false;
                    }
                    for (ServiceSession s : change.changedSessions()) {
                        if (!sessions.canUpdate(s)) {
                            return false;
                        }
                    }
                    // every key the change inserts is checked against the store and against the rest of the
                    // change before anything is written: a clash found half-way would leave half a commit
                    Set<String> newKeys = new HashSet<>();
                    for (ServiceSession s : change.newSessions()) {
                        String tokenHash = s.liveness() == null ? null : s.liveness().accessTokenHash();
                        if (!sessions.canInsert(s) || !newKeys.add("session:" + s.sessionId())
                                || (tokenHash != null && !newKeys.add("token:" + tokenHash))) {
                            throw new DuplicateKeyException("session " + s.sessionId() + " or its access token exists");
                        }
                    }
                    for (FlowEvent e : change.events()) {
                        if (events.contains(e.eventId()) || !newKeys.add("event:" + e.eventId())) {
                            throw new DuplicateKeyException("event " + e.eventId() + " exists");
                        }
                    }
                    // every check passed: nothing below can fail, so the files are bound exactly when the rest lands
                    files.bind(change.bindFiles());
                    flows.update(change.flow());
                    change.changedSessions().forEach(sessions::update);
                    change.newSessions().forEach(sessions::insert);
                    change.events().forEach(events::add);
                    // the webhook store's lock comes last; its own methods take only it
                    change.events().forEach(webhooks::fanOut);
                    return true;
                }
            }
        }
    }
}
