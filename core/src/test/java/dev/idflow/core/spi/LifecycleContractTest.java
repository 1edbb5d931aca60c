package dev.idflow.core.spi;

import static dev.idflow.core.spi.StorageFixtures.T0;
import static dev.idflow.core.spi.StorageFixtures.consumerId;
import static dev.idflow.core.spi.StorageFixtures.minimalFlow;
import static dev.idflow.core.spi.StorageFixtures.personId;
import static dev.idflow.core.spi.StorageFixtures.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.idflow.core.model.AuditRecord;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.FaceTemplate;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.model.MockeryScript;
import dev.idflow.core.model.PersonCertificate;
import dev.idflow.core.model.RetentionPolicy;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.model.StoredFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link DataLifecycle} (retention, purge, erasure) and {@link AuditTrail}, run on every
 * store (memory, H2, H2 with files in a directory, PostgreSQL) by a subclass that implements
 * {@link #storage()}: an empty store for every test, as {@link StorageContractTest}.
 */
public abstract class LifecycleContractTest {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private IdflowStorage store;

    protected abstract IdflowStorage storage();

    /** The directory a filesystem file store keeps content in; empty for stores that keep none on disk. */
    protected Optional<Path> contentDirectory() {
        return Optional.empty();
    }

    @BeforeEach
    void openEmptyStorage() {
        store = storage();
    }

    // ---- fixtures: one person's data of one consumer and kind ----

    private record PersonData(String consumer, String person, boolean test, Flow flow, List<ServiceSession> sessions,
                              List<StoredFile> files, FlowEvent event, FaceTemplate template, PersonCertificate certificate) {
    }

    private PersonData person(String consumer, String person, boolean test, Instant at) throws IOException {
        Flow flow = minimalFlow(consumer).personId(person).testFlow(test).createdAt(at).build();
        store.flows().insert(flow);
        ServiceSession s1 = test(session(consumer, person, flow.flowId(), "verilive", at), test);
        ServiceSession s2 = test(session(consumer, person, flow.flowId(), "otp", at.plusMillis(1)), test);
        // a consumer-driven liveness session names no flow
        ServiceSession s3 = test(session(consumer, person, null, "verilive", at.plusMillis(2)), test);
        for (ServiceSession s : List.of(s1, s2, s3)) {
            store.sessions().insert(s);
        }
        List<StoredFile> files = new ArrayList<>();
        files.add(save(consumer, person, flow.flowId(), s1.sessionId(), "bestframe", at, test));
        files.add(save(consumer, person, flow.flowId(), s1.sessionId(), "liveness_video", at, test));
        files.add(save(consumer, person, null, s3.sessionId(), "client_card", at, test));
        FlowEvent event = new FlowEvent("ev-" + SEQ.incrementAndGet(), FlowEvent.Type.FLOW_STARTED, consumer,
                flow.flowId(), null, null, at);
        assertThat(store.commit(new FlowChange(flow, List.of(), List.of(), List.of(event)))).isTrue();
        FaceTemplate template = new FaceTemplate("tpl-" + SEQ.incrementAndGet(), consumer, test, FaceTemplate.VERIFIED,
                person, null, "m@1", new byte[] {1, 2, 3}, s1.sessionId(), at);
        store.faceTemplates().add(template);
        PersonCertificate cert = new PersonCertificate("cert-" + SEQ.incrementAndGet(), consumer, person, test,
                "ab".repeat(32), "01", "CN=" + person, at, at.plus(Duration.ofDays(365)), new byte[] {4}, new byte[] {5}, at);
        store.personCertificates().add(cert);
        if (test) {
            store.mockery().put(new MockeryScript(consumer, person, "verilive",
                    StorageFixtures.object("{\"service_status\":\"pass\"}"), Map.of(), at));
        }
        return new PersonData(consumer, person, test, store.flows().findById(flow.flowId()).orElseThrow(),
                List.of(s1, s2, s3), files, event, template, cert);
    }

    private static ServiceSession test(ServiceSession s, boolean test) {
        return new ServiceSession(s.sessionId(), s.consumerId(), s.personId(), s.flowId(), s.stepId(), s.serviceName(),
                s.apiVersion(), test, s.state(), s.states(), s.status(), s.result(), s.liveness(), s.stepState(),
                s.reviewReason(), s.createdAt(), s.updatedAt(), s.version());
    }

    private StoredFile save(String consumer, String person, String flowId, String sessionId, String label, Instant at,
                            boolean test) throws IOException {
        StoredFile f = new StoredFile(StorageFixtures.fileId(), consumer, person, flowId, sessionId, label, "image/jpeg",
                label + ".bin", 0, at, test, null, true);
        return store.files().save(f, new ByteArrayInputStream(StorageFixtures.randomBytes(2048)));
    }

    private boolean present(StoredFile f) throws IOException {
        Optional<InputStream> in = store.files().open(f.fileId());
        if (in.isPresent()) {
            in.get().close();
        }
        return in.isPresent();
    }

    private void assertAllThere(PersonData d) throws IOException {
        assertThat(store.flows().findById(d.flow.flowId())).as("flow of " + d.person).isPresent();
        for (ServiceSession s : d.sessions) {
            assertThat(store.sessions().findById(s.sessionId())).as("session").isPresent();
        }
        for (StoredFile f : d.files) {
            assertThat(present(f)).as("file " + f.label()).isTrue();
        }
        assertThat(store.faceTemplates().find(d.consumer, d.test, d.template.templateId())).isPresent();
        assertThat(store.personCertificates().findByPerson(d.consumer, d.person, d.test)).hasSize(1);
        if (d.test) {
            assertThat(store.mockery().find(d.consumer, d.person, "verilive")).isPresent();
        }
    }

    private void assertAllGone(PersonData d) throws IOException {
        assertThat(store.flows().findById(d.flow.flowId())).as("flow").isEmpty();
        for (ServiceSession s : d.sessions) {
            assertThat(store.sessions().findById(s.sessionId())).as("session").isEmpty();
        }
        assertThat(store.sessions().findByFlowId(d.flow.flowId())).isEmpty();
        for (StoredFile f : d.files) {
            assertThat(present(f)).as("file " + f.label()).isFalse();
        }
        assertThat(store.faceTemplates().find(d.consumer, d.test, d.template.templateId())).isEmpty();
        assertThat(store.personCertificates().findByPerson(d.consumer, d.person, d.test)).isEmpty();
        if (d.test) {
            assertThat(store.mockery().find(d.consumer, d.person, "verilive")).isEmpty();
        }
    }

    private int eraseAll(String consumer, String person, boolean test, int limit, AuditRecord done) throws IOException {
        int total = 0;
        for (int calls = 0; calls < 1000; calls++) {
            int n = store.lifecycle().erasePerson(consumer, person, test, limit, done);
            if (n == 0) {
                return total;
            }
            assertThat(n).as("one batch").isLessThanOrEqualTo(limit * 8);
            total += n;
        }
        throw new AssertionError("erasure never finished");
    }

    private static AuditRecord record(String consumer, Instant at, String action) {
        return new AuditRecord("rec-" + String.format("%06d", SEQ.incrementAndGet()), consumer, at, "operator@bank", action,
                "person", "p", "details");
    }

    // ---- erasure ----

    @Test
    void erasureDeletesEveryThingOfThePersonOfThatKindAndConsumerOnly() throws IOException {
        String consumer = consumerId();
        String other = consumerId();
        String person = personId();
        PersonData test = person(consumer, person, true, T0);
        PersonData live = person(consumer, person, false, T0);
        PersonData otherConsumer = person(other, person, true, T0);
        PersonData otherPerson = person(consumer, personId(), true, T0);
        AuditRecord done = record(consumer, T0, "person.erase");

        int erased = eraseAll(consumer, person, true, 2, done);

        assertThat(erased).isGreaterThanOrEqualTo(1 + 3 + 3 + 1 + 1 + 1);
        assertAllGone(test);
        assertAllThere(live);
        assertAllThere(otherConsumer);
        assertAllThere(otherPerson);
        // the finishing call recorded the erasure, in its transaction; only once
        assertThat(store.audit().list(consumer, T0.minusSeconds(1), T0.plusSeconds(1), null, 10)).containsExactly(done);

        // idempotent: nothing left, nothing deleted, no failure
        assertThat(store.lifecycle().erasePerson(consumer, person, true, 2, null)).isZero();
        eraseAll(consumer, person, false, 100, null);
        assertAllGone(live);
        assertAllThere(otherConsumer);
    }

    @Test
    void erasureTakesTheWebhookDeliveriesOfThePersonsEventsWithThem() throws IOException {
        String consumer = consumerId();
        String person = personId();
        store.webhooks().saveEndpoint(new dev.idflow.core.model.WebhookEndpoint("wh_" + SEQ.incrementAndGet(), consumer,
                "https://hooks.example/erasure", new byte[] {7, 7, 7}, T0));
        PersonData erased = person(consumer, person, false, T0);
        PersonData kept = person(consumer, personId(), false, T0);
        assertThat(store.webhooks().deliveriesOfEvent(erased.event().eventId())).hasSize(1);

        eraseAll(consumer, person, false, 100, null);

        assertThat(store.webhooks().deliveriesOfEvent(erased.event().eventId())).isEmpty();
        assertThat(store.webhooks().deliveriesOfEvent(kept.event().eventId())).hasSize(1);
        assertThat(store.webhooks().deliveries(consumer, 100)).extracting(dev.idflow.core.model.WebhookDelivery::eventId)
                .containsExactly(kept.event().eventId());
    }

    @Test
    void anErasureBatchTakesAtMostItsLimitOfFlows() throws IOException {
        String consumer = consumerId();
        String person = personId();
        List<Flow> flows = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Flow f = minimalFlow(consumer).personId(person).testFlow(false).createdAt(T0.plusSeconds(i)).build();
            store.flows().insert(f);
            flows.add(f);
        }
        int n = store.lifecycle().erasePerson(consumer, person, false, 2, null);
        assertThat(n).isEqualTo(2);
        assertThat(flows.stream().filter(f -> store.flows().findById(f.flowId()).isPresent()).count()).isEqualTo(3);
        assertThat(store.lifecycle().erasePerson(consumer, person, false, 2, null)).isEqualTo(2);
        assertThat(store.lifecycle().erasePerson(consumer, person, false, 2, null)).isEqualTo(1);
        assertThat(store.lifecycle().erasePerson(consumer, person, false, 2, null)).isZero();
    }

    @Test
    void erasedContentIsGoneFromTheDirectoryToo() throws IOException {
        Optional<Path> dir = contentDirectory();
        String consumer = consumerId();
        String person = personId();
        Set<Path> before = dir.isPresent() ? listFiles(dir.get()) : Set.of();
        PersonData d = person(consumer, person, false, T0);
        if (dir.isPresent()) {
            Set<Path> added = new HashSet<>(listFiles(dir.get()));
            added.removeAll(before);
            assertThat(added).as("the person's files on disk").hasSize(d.files.size());
            eraseAll(consumer, person, false, 100, null);
            Set<Path> after = listFiles(dir.get());
            assertThat(after).doesNotContainAnyElementsOf(added);
        } else {
            eraseAll(consumer, person, false, 100, null);
        }
        assertAllGone(d);
    }

    private static Set<Path> listFiles(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            return new HashSet<>(paths.filter(Files::isRegularFile).toList());
        }
    }

    // ---- retention ----

    @Test
    void aPolicyIsStoredReplacedAndListed() {
        String consumer = consumerId();
        assertThat(store.lifecycle().retention(consumer)).isEmpty();
        RetentionPolicy p = new RetentionPolicy(consumer, Duration.ofDays(30), null, Duration.ofHours(12));
        store.lifecycle().setRetention(p);
        assertThat(store.lifecycle().retention(consumer)).contains(p);
        RetentionPolicy q = new RetentionPolicy(consumer, null, Duration.ofSeconds(90), null);
        store.lifecycle().setRetention(q);
        assertThat(store.lifecycle().retention(consumer)).contains(q);
        assertThat(store.lifecycle().retentions()).containsExactly(q);
    }

    @Test
    void flowsEndedBeforeTheCutoffGoWholeAndNothingElse() throws IOException {
        String consumer = consumerId();
        Instant cutoff = T0.plus(Duration.ofDays(10));
        List<PersonData> due = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            PersonData d = person(consumer, personId(), false, T0);
            end(d.flow, T0.plusSeconds(i));
            due.add(d);
        }
        PersonData recent = person(consumer, personId(), false, T0);
        end(recent.flow, cutoff.plusSeconds(1));
        PersonData running = person(consumer, personId(), false, T0);
        PersonData otherConsumer = person(consumerId(), personId(), false, T0);
        end(otherConsumer.flow, T0);

        assertThat(store.lifecycle().purgeFlows(consumer, cutoff, 2)).as("batch size").isEqualTo(2);
        assertThat(store.lifecycle().purgeFlows(consumer, cutoff, 2)).isEqualTo(1);
        assertThat(store.lifecycle().purgeFlows(consumer, cutoff, 2)).isZero();

        for (PersonData d : due) {
            assertThat(store.flows().findById(d.flow.flowId())).isEmpty();
            assertThat(store.sessions().findById(d.sessions.get(0).sessionId())).isEmpty();
            assertThat(store.sessions().findById(d.sessions.get(1).sessionId())).isEmpty();
            assertThat(present(d.files.get(0))).isFalse();
            assertThat(present(d.files.get(1))).isFalse();
        }
        for (PersonData d : List.of(recent, running, otherConsumer)) {
            assertThat(store.flows().findById(d.flow.flowId())).isPresent();
            assertThat(present(d.files.get(0))).isTrue();
        }
        // the events of purged flows are not delivered any more; the kept flows' still are
        List<FlowEvent> pending = store.events().claimUndelivered(T0.plus(Duration.ofDays(100)), Duration.ofSeconds(60), 100);
        assertThat(pending).extracting(FlowEvent::flowId).doesNotContainAnyElementsOf(
                due.stream().map(d -> d.flow.flowId()).toList());
        assertThat(pending).extracting(FlowEvent::flowId).contains(recent.flow.flowId(), running.flow.flowId());
    }

    private void end(Flow flow, Instant at) {
        Flow current = store.flows().findById(flow.flowId()).orElseThrow();
        assertThat(store.flows().update(current.toBuilder().endedAt(at).flowStatus(ExecutionStatus.PASS).deadlineAt(null)
                .build())).isTrue();
    }

    @Test
    void biometricsBeforeTheCutoffGoDocumentsAndListsStay() throws IOException {
        String consumer = consumerId();
        String person = personId();
        Instant cutoff = T0.plus(Duration.ofDays(1));
        PersonData old = person(consumer, person, false, T0);
        PersonData recent = person(consumer, personId(), false, cutoff.plusSeconds(5));
        FaceTemplate listed = new FaceTemplate("tpl-" + SEQ.incrementAndGet(), consumer, false, FaceTemplate.BLACKLIST,
                null, "case", "m@1", new byte[] {9}, null, T0);
        store.faceTemplates().add(listed);

        // 2 biometric files + 1 verified template are due; limit 1 takes one file and one template
        assertThat(store.lifecycle().purgeBiometrics(consumer, cutoff, 1)).isEqualTo(2);
        assertThat(store.lifecycle().purgeBiometrics(consumer, cutoff, 1)).isEqualTo(1);
        assertThat(store.lifecycle().purgeBiometrics(consumer, cutoff, 1)).isZero();

        assertThat(present(old.files.get(0))).as("bestframe").isFalse();
        assertThat(present(old.files.get(1))).as("video").isFalse();
        assertThat(present(old.files.get(2))).as("client_card, a document").isTrue();
        assertThat(store.faceTemplates().find(consumer, false, old.template.templateId())).isEmpty();
        assertThat(store.faceTemplates().find(consumer, false, listed.templateId())).as("the host's list entry").isPresent();
        assertThat(store.flows().findById(old.flow.flowId())).isPresent();
        assertAllThere(recent);

        assertThat(store.lifecycle().purgeDocuments(consumer, cutoff, 10)).isEqualTo(1);
        assertThat(present(old.files.get(2))).isFalse();
        assertAllThere(recent);
    }

    @Test
    void aPurgeIsClaimedByOneOfTwoCallers() throws Exception {
        String consumer = consumerId();
        assertThat(store.lifecycle().claimPurge(consumer, T0, Duration.ofSeconds(60))).as("no policy").isFalse();
        store.lifecycle().setRetention(new RetentionPolicy(consumer, Duration.ofDays(1), null, null));
        for (int round = 0; round < 5; round++) {
            Instant now = T0.plus(Duration.ofHours(round));
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<Boolean>> claims = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    claims.add(pool.submit(() -> {
                        start.await();
                        return store.lifecycle().claimPurge(consumer, now, Duration.ofSeconds(60));
                    }));
                }
                start.countDown();
                int won = 0;
                for (Future<Boolean> f : claims) {
                    won += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
                }
                assertThat(won).as("round " + round).isEqualTo(1);
            } finally {
                pool.shutdownNow();
            }
        }
        Instant last = T0.plus(Duration.ofHours(4));
        assertThat(store.lifecycle().claimPurge(consumer, last.plusSeconds(59), Duration.ofSeconds(60))).isFalse();
        assertThat(store.lifecycle().claimPurge(consumer, last.plusSeconds(60), Duration.ofSeconds(60))).as("lease ran out").isTrue();
        store.lifecycle().releasePurge(consumer);
        assertThat(store.lifecycle().claimPurge(consumer, last.plusSeconds(61), Duration.ofSeconds(60))).as("released").isTrue();
    }

    // ---- audit ----

    @Test
    void auditRecordsComeBackInTimeOrderByRangeAndPage() {
        String consumer = consumerId();
        List<AuditRecord> all = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            AuditRecord r = record(consumer, T0.plusSeconds(i / 2), "action." + i);
            store.audit().append(r);
            all.add(r);
        }
        store.audit().append(record(consumerId(), T0, "someone.else"));

        assertThat(store.audit().list(consumer, T0, T0.plusSeconds(10), null, 10)).containsExactlyElementsOf(all);
        assertThat(store.audit().list(consumer, T0.plusSeconds(1), T0.plusSeconds(2), null, 10))
                .containsExactly(all.get(2), all.get(3));
        List<AuditRecord> first = store.audit().list(consumer, T0, T0.plusSeconds(10), null, 3);
        assertThat(first).containsExactlyElementsOf(all.subList(0, 3));
        assertThat(store.audit().list(consumer, T0, T0.plusSeconds(10), first.get(2), 3))
                .containsExactlyElementsOf(all.subList(3, 5));
        assertThatThrownBy(() -> store.audit().append(all.get(0))).isInstanceOf(DuplicateKeyException.class);
    }

    @Test
    void theAuditTrailHasNoWayToChangeOrDeleteARecord() {
        Set<String> methods = new HashSet<>();
        for (Method m : AuditTrail.class.getMethods()) {
            methods.add(m.getName());
        }
        assertThat(methods).containsExactlyInAnyOrder("append", "list");
        // and the store's own class exposes nothing public beyond them
        Set<String> publicOnStore = new HashSet<>();
        for (Method m : store.audit().getClass().getMethods()) {
            if (m.getDeclaringClass() != Object.class) {
                publicOnStore.add(m.getName());
            }
        }
        assertThat(publicOnStore).containsExactlyInAnyOrder("append", "list");
        assertThat(Arrays.stream(AuditRecord.class.getRecordComponents()).map(c -> c.getName()).toList())
                .contains("actor", "action", "at", "targetId");
    }
}
