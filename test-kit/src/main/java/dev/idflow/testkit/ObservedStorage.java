package dev.idflow.testkit;

import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.model.WebhookDelivery;
import dev.idflow.core.model.WebhookEndpoint;
import dev.idflow.core.spi.ApiKeyDirectory;
import dev.idflow.core.spi.AuditTrail;
import dev.idflow.core.spi.DataLifecycle;
import dev.idflow.core.spi.EventOutbox;
import dev.idflow.core.spi.FaceTemplateRepository;
import dev.idflow.core.spi.FileStore;
import dev.idflow.core.spi.FlowChange;
import dev.idflow.core.spi.FlowRepository;
import dev.idflow.core.spi.IdempotencyStore;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.KycListRepository;
import dev.idflow.core.spi.MockeryRepository;
import dev.idflow.core.spi.PersonCertificateRepository;
import dev.idflow.core.spi.SessionRepository;
import dev.idflow.core.spi.SignatureLedger;
import dev.idflow.core.spi.WebhookStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The in-memory store as idflow sees it, with one thing added: each webhook attempt idflow records is
 * also handed to {@link WebhookDeliveries}, with the event and the endpoint it was for. Everything else
 * is the store's own behaviour, unchanged.
 */
final class ObservedStorage implements IdflowStorage {
    /** One recorded attempt: the delivery after it, its event, its endpoint. */
    record Attempt(WebhookDelivery delivery, FlowEvent event, WebhookEndpoint endpoint) {
    }

    private final IdflowStorage store;
    private final WebhookStore webhooks;

    ObservedStorage(IdflowStorage store, Consumer<Attempt> attempts) {
        this.store = store;
        this.webhooks = new ObservedWebhookStore(store.webhooks(), attempts);
    }

    @Override public FlowRepository flows() { return store.flows(); }
    @Override public SessionRepository sessions() { return store.sessions(); }
    @Override public FileStore files() { return store.files(); }
    @Override public ApiKeyDirectory apiKeys() { return store.apiKeys(); }
    @Override public MockeryRepository mockery() { return store.mockery(); }
    @Override public EventOutbox events() { return store.events(); }
    @Override public SignatureLedger signatures() { return store.signatures(); }
    @Override public KycListRepository kycLists() { return store.kycLists(); }
    @Override public PersonCertificateRepository personCertificates() { return store.personCertificates(); }
    @Override public FaceTemplateRepository faceTemplates() { return store.faceTemplates(); }
    @Override public DataLifecycle lifecycle() { return store.lifecycle(); }
    @Override public AuditTrail audit() { return store.audit(); }
    @Override public WebhookStore webhooks() { return webhooks; }
    @Override public IdempotencyStore idempotencyKeys() { return store.idempotencyKeys(); }
    @Override public boolean commit(FlowChange change) { return store.commit(change); }

    private static final class ObservedWebhookStore implements WebhookStore {
        private final WebhookStore store;
        private final Consumer<Attempt> attempts;
        /** What each claimed delivery was for: recordAttempt gets only the delivery. */
        private final Map<String, Due> claimed = new ConcurrentHashMap<>();

        ObservedWebhookStore(WebhookStore store, Consumer<Attempt> attempts) {
            this.store = store;
            this.attempts = attempts;
        }

        @Override public void saveEndpoint(WebhookEndpoint endpoint) { store.saveEndpoint(endpoint); }
        @Override public Optional<WebhookEndpoint> findEndpoint(String endpointId) { return store.findEndpoint(endpointId); }
        @Override public List<WebhookEndpoint> endpoints(String consumerId) { return store.endpoints(consumerId); }

        @Override
        public boolean removeEndpoint(String consumerId, String endpointId, Instant at) {
            return store.removeEndpoint(consumerId, endpointId, at);
        }

        @Override
        public List<Due> claimDue(Instant now, Duration lease, int limit) {
            List<Due> due = store.claimDue(now, lease, limit);
            due.forEach(d -> claimed.put(d.delivery().deliveryId(), d));
            return due;
        }

        @Override
        public boolean recordAttempt(WebhookDelivery after) {
            boolean recorded = store.recordAttempt(after);
            Due due = claimed.remove(after.deliveryId());
            // a delivery idflow ends without sending (its endpoint removed, its event gone) names nothing to report
            if (recorded && due != null && due.event() != null && due.endpoint() != null) {
                attempts.accept(new Attempt(after, due.event(), due.endpoint()));
            }
            return recorded;
        }

        @Override public List<WebhookDelivery> deliveries(String consumerId, int limit) { return store.deliveries(consumerId, limit); }
        @Override public List<WebhookDelivery> deliveriesOfEvent(String eventId) { return store.deliveriesOfEvent(eventId); }
        @Override public long countPending() { return store.countPending(); }
    }
}
