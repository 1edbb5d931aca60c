package dev.idflow.core.keys;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.AuditRecord;
import dev.idflow.core.model.FaceTemplate;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.model.FlowInputData;
import dev.idflow.core.model.MockeryScript;
import dev.idflow.core.model.PersonCertificate;
import dev.idflow.core.model.RetentionPolicy;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.model.WebhookDelivery;
import dev.idflow.core.model.WebhookEndpoint;
import dev.idflow.core.spi.ApiKeyDirectory;
import dev.idflow.core.spi.AuditTrail;
import dev.idflow.core.spi.DataLifecycle;
import dev.idflow.core.spi.EventOutbox;
import dev.idflow.core.spi.FaceTemplateRepository;
import dev.idflow.core.spi.FileQuery;
import dev.idflow.core.spi.FileStore;
import dev.idflow.core.spi.FlowChange;
import dev.idflow.core.spi.FlowQuery;
import dev.idflow.core.spi.FlowRepository;
import dev.idflow.core.spi.IdempotencyStore;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.KycListRepository;
import dev.idflow.core.spi.MockeryRepository;
import dev.idflow.core.spi.PersonCertificateRepository;
import dev.idflow.core.spi.PersonKeyVault;
import dev.idflow.core.spi.SessionRepository;
import dev.idflow.core.spi.SignatureLedger;
import dev.idflow.core.spi.WebhookStore;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Crypto-shredding around any {@link IdflowStorage}: what the store keeps of a person is sealed under the
 * person's own key ({@link PersonKeys}), and every person_id column holds the person's key id (a keyed digest,
 * {@link PersonRefs}) instead of the person_id. Sealed (AES-256-GCM, the row's table.column and id as
 * associated data): flow input_data ({@code {"$sealed":"…"}}) and callback_url; session result, step state
 * and review reason; file names and content ({@link SealedStreams}); mockery scripts; event payloads (webhook
 * bodies); face templates (again, inside the host's seal); certificates, their subject and keys. The person_id
 * itself is kept only in the key's material, sealed under the key. Erasure deletes the rows as before and then
 * destroys the person's key: what the database file still holds of the rows no longer opens.
 *
 * <p>Rows written before this layer (a plain person_id) are read as they are, and erased by their person_id.
 * A row whose key was destroyed reads as absent.
 */
public final class SealedStorage implements IdflowStorage {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SealedStorage.class);
    private static final String SEALED = "$sealed";
    private static final String KEY = "$key";
    private static final String PREFIX = "sealed:";

    private final IdflowStorage inner;
    private final PersonKeys keys;
    private final Flows flows = new Flows();
    private final Sessions sessions = new Sessions();
    private final Files files = new Files();
    private final Mockery mockery = new Mockery();
    private final Events events = new Events();
    private final Certificates certificates = new Certificates();
    private final Templates templates = new Templates();
    private final Lifecycle lifecycle = new Lifecycle();
    private final Webhooks webhooks = new Webhooks();

    public SealedStorage(IdflowStorage inner, PersonKeys keys) {
        this.inner = Objects.requireNonNull(inner, "inner");
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    /** The wrapped store. */
    public IdflowStorage inner() {
        return inner;
    }

    public PersonKeys keys() {
        return keys;
    }

    // ---------------------------------------------------------------- values

    private String keyId(String consumerId, String personId, boolean test) {
        return keys.refs().keyId(consumerId, personId, test);
    }

    private String sealText(PersonKeys.Key key, String place, String value) {
        return value == null ? null : PREFIX + keys.sealString(key, place, value);
    }

    private String openText(PersonKeys.Key key, String place, String value) {
        return value == null || !value.startsWith(PREFIX) ? value
                : keys.openString(key, place, value.substring(PREFIX.length()));
    }

    private ObjectNode sealNode(PersonKeys.Key key, String place, JsonNode value) {
        if (value == null) {
            return null;
        }
        ObjectNode n = Json.mapper().createObjectNode();
        n.put(SEALED, keys.sealString(key, place, value.toString()));
        return n;
    }

    private static boolean isSealed(JsonNode n) {
        return n != null && n.isObject() && n.has(SEALED) && n.get(SEALED).isTextual();
    }

    private ObjectNode openNode(PersonKeys.Key key, String place, ObjectNode value) {
        if (!isSealed(value)) {
            return value;
        }
        try {
            return (ObjectNode) Json.mapper().readTree(keys.openString(key, place, value.get(SEALED).asText()));
        } catch (JsonProcessingException e) {
            throw new PersonKeys.SealBroken("a sealed value of " + place + " is not JSON");
        }
    }

    private byte[] sealBytes(PersonKeys.Key key, String place, byte[] value) {
        return value == null ? null : keys.seal(key, place, value);
    }

    /** The key of a row's person column: present for a sealed row whose key lives, empty for an erased one. */
    private Optional<PersonKeys.Key> keyOf(String personColumn) {
        return keys.find(personColumn);
    }

    // ---------------------------------------------------------------- flows

    private Flow seal(Flow f) {
        if (PersonRefs.isKeyId(f.personId())) {
            return f;
        }
        PersonKeys.Key key = keys.forWrite(f.consumerId(), f.personId(), f.testFlow());
        FlowInputData input = f.inputData();
        if (input != null) {
            Map<String, JsonNode> sealed = new LinkedHashMap<>();
            sealed.put(SEALED, TextNode.valueOf(keys.sealString(key, "idflow_flow.input_data\n" + f.flowId(),
                    Json.mapper().valueToTree(input).toString())));
            input = new FlowInputData(null, null, null, null, null, null, sealed);
        }
        return f.toBuilder().personId(key.keyId()).inputData(input)
                .callbackUrl(sealText(key, "idflow_flow.callback_url\n" + f.flowId(), f.callbackUrl())).build();
    }

    private Optional<Flow> open(Flow f) {
        if (!PersonRefs.isKeyId(f.personId())) {
            return Optional.of(f);
        }
        Optional<PersonKeys.Key> k = keyOf(f.personId());
        if (k.isEmpty()) {
            return Optional.empty();
        }
        PersonKeys.Key key = k.get();
        FlowInputData input = f.inputData();
        if (input != null && input.extras() != null && input.extras().get(SEALED) instanceof TextNode t) {
            try {
                input = Json.mapper().readValue(keys.openString(key, "idflow_flow.input_data\n" + f.flowId(), t.asText()),
                        FlowInputData.class);
            } catch (JsonProcessingException e) {
                throw new PersonKeys.SealBroken("the input_data of flow " + f.flowId() + " is not JSON");
            }
        }
        return Optional.of(f.toBuilder().personId(key.personId()).inputData(input)
                .callbackUrl(openText(key, "idflow_flow.callback_url\n" + f.flowId(), f.callbackUrl())).build());
    }

    private final class Flows implements FlowRepository {
        @Override
        public void insert(Flow flow) {
            inner.flows().insert(seal(flow));
        }

        @Override
        public Optional<Flow> findById(String flowId) {
            return inner.flows().findById(flowId).flatMap(SealedStorage.this::open);
        }

        @Override
        public Optional<Flow> findByVlinkHash(String vlinkHash) {
            return inner.flows().findByVlinkHash(vlinkHash).flatMap(SealedStorage.this::open);
        }

        /**
         * The person filter goes through the person's refs, as every person lookup here: the inner store holds
         * the key id of each kind asked for (both when test is null) and, for rows written before sealing, the
         * clear person_id. A flow whose key was destroyed opens to nothing and is left out (a shorter page).
         */
        @Override
        public List<Flow> search(FlowQuery query) {
            FlowQuery asked = query;
            if (!query.personIds().isEmpty()) {
                List<String> refs = new ArrayList<>();
                for (String personId : query.personIds()) {
                    if (query.test() == null || query.test()) {
                        refs.add(keyId(query.consumerId(), personId, true));
                    }
                    if (query.test() == null || !query.test()) {
                        refs.add(keyId(query.consumerId(), personId, false));
                    }
                    refs.add(personId);
                }
                asked = query.withPersonIds(refs);
            }
            List<Flow> out = new ArrayList<>();
            for (Flow f : inner.flows().search(asked)) {
                open(f).ifPresent(out::add);
            }
            return out;
        }

        @Override
        public int sealClearVlinks(UnaryOperator<String> seal) {
            return inner.flows().sealClearVlinks(seal);
        }

        @Override
        public boolean update(Flow flow) {
            return inner.flows().update(seal(flow));
        }

        @Override
        public void markPolled(String flowId, Instant at) {
            inner.flows().markPolled(flowId, at);
        }

        @Override
        public void markPolled(java.util.Map<String, Instant> polls) {
            inner.flows().markPolled(polls);
        }

        @Override
        public boolean writesPollsBehind() {
            return inner.flows().writesPollsBehind();
        }

        @Override
        public void touchActivity(String flowId, Instant at) {
            inner.flows().touchActivity(flowId, at);
        }

        /**
         * A due flow whose key was destroyed (written by a node whose cached key outlived an erasure elsewhere)
         * is the erased person's: it is erased here, with its sessions and files, instead of being handed out.
         */
        @Override
        public List<Flow> claimDue(Instant now, Duration lease, int limit) {
            List<Flow> out = new ArrayList<>();
            for (Flow f : inner.flows().claimDue(now, lease, limit)) {
                Optional<Flow> opened = open(f);
                if (opened.isPresent()) {
                    out.add(opened.get());
                } else {
                    try {
                        while (inner.lifecycle().erasePerson(f.consumerId(), f.personId(), f.testFlow(), 100, null) > 0) {
                            // batches
                        }
                    } catch (IOException | RuntimeException e) {
                        LOG.warn("erasing the rows of destroyed key {} failed; the next claim tries again", f.personId(), e);
                    }
                }
            }
            return out;
        }
    }

    // ---------------------------------------------------------------- sessions

    private ServiceSession seal(ServiceSession s) {
        if (PersonRefs.isKeyId(s.personId())) {
            return s;
        }
        PersonKeys.Key key = keys.forWrite(s.consumerId(), s.personId(), s.testSession());
        String id = "\n" + s.sessionId();
        return new ServiceSession(s.sessionId(), s.consumerId(), key.keyId(), s.flowId(), s.stepId(), s.serviceName(),
                s.apiVersion(), s.testSession(), s.state(), s.states(), s.status(),
                sealNode(key, "idflow_session.result" + id, s.result()), s.liveness(),
                sealNode(key, "idflow_session.step_state" + id, s.stepState()),
                sealText(key, "idflow_session.review_reason" + id, s.reviewReason()), s.createdAt(), s.updatedAt(),
                s.version());
    }

    private Optional<ServiceSession> open(ServiceSession s) {
        if (!PersonRefs.isKeyId(s.personId())) {
            return Optional.of(s);
        }
        Optional<PersonKeys.Key> k = keyOf(s.personId());
        if (k.isEmpty()) {
            return Optional.empty();
        }
        PersonKeys.Key key = k.get();
        String id = "\n" + s.sessionId();
        return Optional.of(new ServiceSession(s.sessionId(), s.consumerId(), key.personId(), s.flowId(), s.stepId(),
                s.serviceName(), s.apiVersion(), s.testSession(), s.state(), s.states(), s.status(),
                openNode(key, "idflow_session.result" + id, s.result()), s.liveness(),
                openNode(key, "idflow_session.step_state" + id, s.stepState()),
                openText(key, "idflow_session.review_reason" + id, s.reviewReason()), s.createdAt(), s.updatedAt(),
                s.version()));
    }

    private List<ServiceSession> sealSessions(List<ServiceSession> list) {
        return list.stream().map(this::seal).toList();
    }

    private final class Sessions implements SessionRepository {
        @Override
        public void insert(ServiceSession session) {
            inner.sessions().insert(seal(session));
        }

        @Override
        public Optional<ServiceSession> findById(String sessionId) {
            return inner.sessions().findById(sessionId).flatMap(SealedStorage.this::open);
        }

        @Override
        public List<ServiceSession> findByFlowId(String flowId) {
            List<ServiceSession> out = new ArrayList<>();
            for (ServiceSession s : inner.sessions().findByFlowId(flowId)) {
                open(s).ifPresent(out::add);
            }
            return out;
        }

        @Override
        public Map<String, List<ServiceSession>> findByFlowIds(java.util.Collection<String> flowIds) {
            Map<String, List<ServiceSession>> out = new LinkedHashMap<>();
            inner.sessions().findByFlowIds(flowIds).forEach((flowId, sessions) -> {
                List<ServiceSession> opened = new ArrayList<>();
                for (ServiceSession s : sessions) {
                    open(s).ifPresent(opened::add);
                }
                if (!opened.isEmpty()) {
                    out.put(flowId, opened);
                }
            });
            return out;
        }

        @Override
        public Optional<ServiceSession> findByAccessTokenHash(String accessTokenHash) {
            return inner.sessions().findByAccessTokenHash(accessTokenHash).flatMap(SealedStorage.this::open);
        }

        @Override
        public boolean update(ServiceSession session) {
            return inner.sessions().update(seal(session));
        }

        @Override
        public int countCreatedSince(String consumerId, String personId, String serviceName, Instant since) {
            SessionRepository s = inner.sessions();
            return s.countCreatedSince(consumerId, keyId(consumerId, personId, true), serviceName, since)
                    + s.countCreatedSince(consumerId, keyId(consumerId, personId, false), serviceName, since)
                    + s.countCreatedSince(consumerId, personId, serviceName, since);
        }
    }

    // ---------------------------------------------------------------- files

    private Optional<StoredFile> open(StoredFile f) {
        if (!PersonRefs.isKeyId(f.personId())) {
            return Optional.of(f);
        }
        Optional<PersonKeys.Key> k = keyOf(f.personId());
        if (k.isEmpty()) {
            return Optional.empty();
        }
        PersonKeys.Key key = k.get();
        return Optional.of(new StoredFile(f.fileId(), f.consumerId(), key.personId(), f.flowId(), f.sessionId(),
                f.label(), f.contentType(), openText(key, "idflow_file.file_name\n" + f.fileId(), f.fileName()),
                SealedStreams.plainSize(f.size(), f.personId().length()), f.createdAt(), f.test(), f.attemptId(),
                f.bound()));
    }

    private final class Files implements FileStore {
        @Override
        public StoredFile save(StoredFile file, InputStream content) throws IOException {
            PersonKeys.Key key = keys.forWrite(file.consumerId(), file.personId(), file.test());
            StoredFile sealed = new StoredFile(file.fileId(), file.consumerId(), key.keyId(), file.flowId(),
                    file.sessionId(), file.label(), file.contentType(),
                    sealText(key, "idflow_file.file_name\n" + file.fileId(), file.fileName()),
                    file.size() < 0 ? file.size() : SealedStreams.sealedSize(file.size(), key.keyId().length()),
                    file.createdAt(), file.test(), file.attemptId(), file.bound());
            StoredFile saved;
            try (InputStream in = SealedStreams.sealing(keys, key, file.fileId(), content)) {
                saved = inner.files().save(sealed, in);
            }
            return file.withSize(SealedStreams.plainSize(saved.size(), key.keyId().length()));
        }

        @Override
        public Optional<StoredFile> findNewest(String consumerId, String label, FileQuery query) {
            if (query.kind() == FileQuery.Kind.PERSON) {
                FileQuery sealed = FileQuery.person(keyId(consumerId, query.id(), query.test()), query.test());
                Optional<StoredFile> found = inner.files().findNewest(consumerId, label, sealed)
                        .flatMap(SealedStorage.this::open);
                return found.isPresent() ? found
                        : inner.files().findNewest(consumerId, label, query).flatMap(SealedStorage.this::open);
            }
            return inner.files().findNewest(consumerId, label, query).flatMap(SealedStorage.this::open);
        }

        @Override
        public Optional<StoredFile> findInput(String consumerId, String personId, String uploadId, boolean test) {
            Optional<StoredFile> found = inner.files().findInput(consumerId, keyId(consumerId, personId, test), uploadId,
                    test).flatMap(SealedStorage.this::open);
            return found.isPresent() ? found
                    : inner.files().findInput(consumerId, personId, uploadId, test).flatMap(SealedStorage.this::open);
        }

        @Override
        public Optional<StoredFile> findById(String fileId) {
            // a file whose person key is gone (erased) is as if it were not there
            return inner.files().findById(fileId).flatMap(SealedStorage.this::open);
        }

        @Override
        public Optional<InputStream> open(String fileId) throws IOException {
            Optional<InputStream> stored = inner.files().open(fileId);
            if (stored.isEmpty()) {
                return stored;
            }
            return Optional.of(SealedStreams.opening(keys::find, fileId, stored.get()));
        }

        @Override
        public void bind(Collection<String> fileIds) {
            inner.files().bind(fileIds);
        }

        @Override
        public boolean delete(String fileId) throws IOException {
            return inner.files().delete(fileId);
        }

        @Override
        public int purgeUnbound(Instant createdBefore, int limit) throws IOException {
            return inner.files().purgeUnbound(createdBefore, limit);
        }
    }

    // ---------------------------------------------------------------- mockery (sandbox: test data)

    private final class Mockery implements MockeryRepository {
        private static String place(String keyId, String serviceName, String what) {
            return "idflow_mockery." + what + "\n" + keyId + "\n" + serviceName;
        }

        @Override
        public void put(MockeryScript script) {
            PersonKeys.Key key = keys.forWrite(script.consumerId(), script.personId(), true);
            Map<String, byte[]> sealedFiles = new LinkedHashMap<>();
            script.files().forEach((label, bytes) -> sealedFiles.put(label,
                    keys.seal(key, place(key.keyId(), script.serviceName(), "files") + "\n" + label, bytes)));
            inner.mockery().put(new MockeryScript(script.consumerId(), key.keyId(), script.serviceName(),
                    sealNode(key, place(key.keyId(), script.serviceName(), "result"), script.result()), sealedFiles,
                    script.createdAt()));
        }

        @Override
        public Optional<MockeryScript> find(String consumerId, String personId, String serviceName) {
            String keyId = keyId(consumerId, personId, true);
            Optional<MockeryScript> sealed = inner.mockery().find(consumerId, keyId, serviceName);
            if (sealed.isEmpty()) {
                return inner.mockery().find(consumerId, personId, serviceName);
            }
            Optional<PersonKeys.Key> k = keys.find(keyId);
            if (k.isEmpty()) {
                return Optional.empty();
            }
            MockeryScript s = sealed.get();
            Map<String, byte[]> plainFiles = new LinkedHashMap<>();
            s.files().forEach((label, bytes) -> plainFiles.put(label,
                    keys.open(k.get(), place(keyId, serviceName, "files") + "\n" + label, bytes)));
            return Optional.of(new MockeryScript(consumerId, personId, serviceName,
                    openNode(k.get(), place(keyId, serviceName, "result"), s.result()), plainFiles, s.createdAt()));
        }
    }

    // ---------------------------------------------------------------- events

    private FlowEvent seal(FlowEvent e, PersonKeys.Key key) {
        if (e.payload() == null || key == null) {
            return e;
        }
        ObjectNode p = Json.mapper().createObjectNode();
        p.put(KEY, key.keyId());
        p.put(SEALED, keys.sealString(key, "idflow_event.payload\n" + e.eventId(), e.payload().toString()));
        return new FlowEvent(e.eventId(), e.type(), e.consumerId(), e.flowId(), e.sessionId(), p, e.createdAt());
    }

    /** The event as sent; empty when its person was erased (its key destroyed). */
    private Optional<FlowEvent> open(FlowEvent e) {
        ObjectNode p = e.payload();
        if (p == null || !isSealed(p) || !p.has(KEY)) {
            return Optional.of(e);
        }
        Optional<PersonKeys.Key> k = keys.find(p.get(KEY).asText());
        if (k.isEmpty()) {
            return Optional.empty();
        }
        ObjectNode plain = openNode(k.get(), "idflow_event.payload\n" + e.eventId(), p);
        return Optional.of(new FlowEvent(e.eventId(), e.type(), e.consumerId(), e.flowId(), e.sessionId(), plain,
                e.createdAt()));
    }

    private final class Events implements EventOutbox {
        @Override
        public List<FlowEvent> claimUndelivered(Instant now, Duration lease, int limit) {
            List<FlowEvent> out = new ArrayList<>();
            for (FlowEvent e : inner.events().claimUndelivered(now, lease, limit)) {
                Optional<FlowEvent> opened = open(e);
                if (opened.isPresent()) {
                    out.add(opened.get());
                } else {
                    inner.events().markDelivered(e.eventId(), now); // its person was erased: nothing to tell
                }
            }
            return out;
        }

        @Override
        public void markDelivered(String eventId, Instant at) {
            inner.events().markDelivered(eventId, at);
        }
    }

    private final class Webhooks implements WebhookStore {
        @Override
        public void saveEndpoint(WebhookEndpoint endpoint) {
            inner.webhooks().saveEndpoint(endpoint);
        }

        @Override
        public Optional<WebhookEndpoint> findEndpoint(String endpointId) {
            return inner.webhooks().findEndpoint(endpointId);
        }

        @Override
        public List<WebhookEndpoint> endpoints(String consumerId) {
            return inner.webhooks().endpoints(consumerId);
        }

        @Override
        public boolean removeEndpoint(String consumerId, String endpointId, Instant at) {
            return inner.webhooks().removeEndpoint(consumerId, endpointId, at);
        }

        @Override
        public List<Due> claimDue(Instant now, Duration lease, int limit) {
            List<Due> out = new ArrayList<>();
            for (Due due : inner.webhooks().claimDue(now, lease, limit)) {
                Optional<FlowEvent> opened = open(due.event());
                if (opened.isPresent()) {
                    out.add(new Due(due.delivery(), due.endpoint(), opened.get()));
                } else {
                    WebhookDelivery d = due.delivery();
                    inner.webhooks().recordAttempt(new WebhookDelivery(d.deliveryId(), d.eventId(), d.endpointId(),
                            d.consumerId(), WebhookDelivery.State.DEAD, d.attempts() + 1, d.createdAt(),
                            d.nextAttemptAt(), now, null, "person erased", null));
                }
            }
            return out;
        }

        @Override
        public boolean recordAttempt(WebhookDelivery after) {
            return inner.webhooks().recordAttempt(after);
        }

        @Override
        public List<WebhookDelivery> deliveries(String consumerId, int limit) {
            return inner.webhooks().deliveries(consumerId, limit);
        }

        @Override
        public List<WebhookDelivery> deliveriesOfEvent(String eventId) {
            return inner.webhooks().deliveriesOfEvent(eventId);
        }

        @Override
        public long countPending() {
            return inner.webhooks().countPending();
        }
    }

    // ---------------------------------------------------------------- certificates

    private Optional<PersonCertificate> open(PersonCertificate c) {
        if (!PersonRefs.isKeyId(c.personId())) {
            return Optional.of(c);
        }
        Optional<PersonKeys.Key> k = keyOf(c.personId());
        if (k.isEmpty()) {
            return Optional.empty();
        }
        PersonKeys.Key key = k.get();
        String id = "\n" + c.certificateId();
        return Optional.of(new PersonCertificate(c.certificateId(), c.consumerId(), key.personId(), c.test(),
                c.issuerKey(), c.serialNumber(), openText(key, "idflow_person_certificate.subject" + id, c.subject()),
                c.notBefore(), c.notAfter(), keys.open(key, "idflow_person_certificate.certificate" + id, c.certificate()),
                c.sealedKey().length == 0 ? c.sealedKey()
                        : keys.open(key, "idflow_person_certificate.sealed_key" + id, c.sealedKey()),
                c.createdAt()));
    }

    private final class Certificates implements PersonCertificateRepository {
        @Override
        public void add(PersonCertificate c) {
            PersonKeys.Key key = keys.forWrite(c.consumerId(), c.personId(), c.test());
            String id = "\n" + c.certificateId();
            inner.personCertificates().add(new PersonCertificate(c.certificateId(), c.consumerId(), key.keyId(), c.test(),
                    c.issuerKey(), c.serialNumber(), sealText(key, "idflow_person_certificate.subject" + id, c.subject()),
                    c.notBefore(), c.notAfter(),
                    sealBytes(key, "idflow_person_certificate.certificate" + id, c.certificate()),
                    c.sealedKey().length == 0 ? c.sealedKey()
                            : sealBytes(key, "idflow_person_certificate.sealed_key" + id, c.sealedKey()),
                    c.createdAt()));
        }

        @Override
        public Optional<PersonCertificate> findById(String consumerId, boolean test, String certificateId) {
            return inner.personCertificates().findById(consumerId, test, certificateId).flatMap(SealedStorage.this::open);
        }

        @Override
        public List<PersonCertificate> findByPerson(String consumerId, String personId, boolean test) {
            List<PersonCertificate> out = new ArrayList<>();
            for (PersonCertificate c : inner.personCertificates().findByPerson(consumerId,
                    keyId(consumerId, personId, test), test)) {
                open(c).ifPresent(out::add);
            }
            List<PersonCertificate> before = inner.personCertificates().findByPerson(consumerId, personId, test);
            if (!before.isEmpty()) {
                out.addAll(before);
                out.sort(java.util.Comparator.comparing(PersonCertificate::createdAt)
                        .thenComparing(PersonCertificate::certificateId).reversed());
            }
            return out;
        }

        @Override
        public int deleteByPerson(String consumerId, String personId, boolean test) {
            return inner.personCertificates().deleteByPerson(consumerId, keyId(consumerId, personId, test), test)
                    + inner.personCertificates().deleteByPerson(consumerId, personId, test);
        }
    }

    // ---------------------------------------------------------------- face templates

    private FaceTemplate seal(FaceTemplate t) {
        if (t.personId() == null || PersonRefs.isKeyId(t.personId())) {
            return t;
        }
        PersonKeys.Key key = keys.forWrite(t.consumerId(), t.personId(), t.test());
        return new FaceTemplate(t.templateId(), t.consumerId(), t.test(), t.kind(), key.keyId(), t.reference(), t.model(),
                keys.seal(key, "idflow_face_template.template\n" + t.templateId(), t.sealedTemplate()), t.sessionId(),
                t.createdAt());
    }

    private Optional<FaceTemplate> open(FaceTemplate t) {
        if (!PersonRefs.isKeyId(t.personId())) {
            return Optional.of(t);
        }
        Optional<PersonKeys.Key> k = keyOf(t.personId());
        if (k.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new FaceTemplate(t.templateId(), t.consumerId(), t.test(), t.kind(), k.get().personId(),
                t.reference(), t.model(),
                keys.open(k.get(), "idflow_face_template.template\n" + t.templateId(), t.sealedTemplate()),
                t.sessionId(), t.createdAt()));
    }

    private List<FaceTemplate> openTemplates(List<FaceTemplate> list) {
        List<FaceTemplate> out = new ArrayList<>(list.size());
        for (FaceTemplate t : list) {
            open(t).ifPresent(out::add);
        }
        return out;
    }

    private final class Templates implements FaceTemplateRepository {
        @Override
        public boolean enable(String consumerId, Instant at) {
            return inner.faceTemplates().enable(consumerId, at);
        }

        @Override
        public boolean disable(String consumerId) {
            return inner.faceTemplates().disable(consumerId);
        }

        @Override
        public boolean enabled(String consumerId) {
            return inner.faceTemplates().enabled(consumerId);
        }

        @Override
        public void add(FaceTemplate template) {
            inner.faceTemplates().add(seal(template));
        }

        @Override
        public Optional<FaceTemplate> find(String consumerId, boolean test, String templateId) {
            return inner.faceTemplates().find(consumerId, test, templateId).flatMap(SealedStorage.this::open);
        }

        @Override
        public boolean remove(String consumerId, boolean test, String templateId) {
            return inner.faceTemplates().remove(consumerId, test, templateId);
        }

        @Override
        public List<FaceTemplate> list(String consumerId, boolean test, String kind) {
            return openTemplates(inner.faceTemplates().list(consumerId, test, kind));
        }

        @Override
        public List<FaceTemplate> candidates(String consumerId, boolean test, String model) {
            return openTemplates(inner.faceTemplates().candidates(consumerId, test, model));
        }

        @Override
        public int deleteByPerson(String consumerId, String personId) {
            FaceTemplateRepository t = inner.faceTemplates();
            return t.deleteByPerson(consumerId, keyId(consumerId, personId, true))
                    + t.deleteByPerson(consumerId, keyId(consumerId, personId, false))
                    + t.deleteByPerson(consumerId, personId);
        }
    }

    // ---------------------------------------------------------------- lifecycle

    private final class Lifecycle implements DataLifecycle {
        @Override
        public void setRetention(RetentionPolicy policy) {
            inner.lifecycle().setRetention(policy);
        }

        @Override
        public Optional<RetentionPolicy> retention(String consumerId) {
            return inner.lifecycle().retention(consumerId);
        }

        @Override
        public List<RetentionPolicy> retentions() {
            return inner.lifecycle().retentions();
        }

        @Override
        public boolean claimPurge(String consumerId, Instant now, Duration lease) {
            return inner.lifecycle().claimPurge(consumerId, now, lease);
        }

        @Override
        public void releasePurge(String consumerId) {
            inner.lifecycle().releasePurge(consumerId);
        }

        @Override
        public int purgeBiometrics(String consumerId, Instant createdBefore, int limit) throws IOException {
            return inner.lifecycle().purgeBiometrics(consumerId, createdBefore, limit);
        }

        @Override
        public int purgeDocuments(String consumerId, Instant createdBefore, int limit) throws IOException {
            return inner.lifecycle().purgeDocuments(consumerId, createdBefore, limit);
        }

        @Override
        public int purgeFlows(String consumerId, Instant endedBefore, int limit) throws IOException {
            return inner.lifecycle().purgeFlows(consumerId, endedBefore, limit);
        }

        /**
         * Rows of before sealing (by person_id), then the sealed rows (by key id), batch by batch; when nothing is
         * left, the person's key of that kind is destroyed (after the batch that recorded {@code done}).
         */
        @Override
        public int erasePerson(String consumerId, String personId, boolean test, int limit, AuditRecord done)
                throws IOException {
            int gone = inner.lifecycle().erasePerson(consumerId, personId, test, limit, null);
            if (gone > 0) {
                return gone;
            }
            String keyId = keyId(consumerId, personId, test);
            gone = inner.lifecycle().erasePerson(consumerId, keyId, test, limit, done);
            if (gone > 0) {
                return gone;
            }
            keys.destroy(keyId);
            return 0;
        }
    }

    // ---------------------------------------------------------------- the rest

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
        return inner.apiKeys();
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
        return inner.signatures();
    }

    @Override
    public KycListRepository kycLists() {
        return inner.kycLists();
    }

    @Override
    public PersonCertificateRepository personCertificates() {
        return certificates;
    }

    @Override
    public FaceTemplateRepository faceTemplates() {
        return templates;
    }

    @Override
    public DataLifecycle lifecycle() {
        return lifecycle;
    }

    @Override
    public AuditTrail audit() {
        return inner.audit();
    }

    @Override
    public WebhookStore webhooks() {
        return webhooks;
    }

    @Override
    public IdempotencyStore idempotencyKeys() {
        return inner.idempotencyKeys();
    }

    @Override
    public PersonKeyVault personKeys() {
        return keys.vault();
    }

    @Override
    public boolean commit(FlowChange change) {
        return inner.commit(sealed(change));
    }

    /** Each change sealed as {@link #commit} seals it; the inner store decides how many transactions. */
    @Override
    public List<Boolean> commitAll(List<FlowChange> changes) {
        return inner.commitAll(changes.stream().map(this::sealed).toList());
    }

    private FlowChange sealed(FlowChange change) {
        Flow f = change.flow();
        PersonKeys.Key key = PersonRefs.isKeyId(f.personId()) ? null
                : keys.forWrite(f.consumerId(), f.personId(), f.testFlow());
        List<FlowEvent> sealedEvents = change.events().stream().map(e -> seal(e, key)).toList();
        return new FlowChange(seal(f), sealSessions(change.newSessions()),
                sealSessions(change.changedSessions()), sealedEvents, change.bindFiles());
    }
}
