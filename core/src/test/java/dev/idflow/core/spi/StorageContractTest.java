package dev.idflow.core.spi;

import static dev.idflow.core.spi.StorageFixtures.T0;
import static dev.idflow.core.spi.StorageFixtures.consumer;
import static dev.idflow.core.spi.StorageFixtures.consumerId;
import static dev.idflow.core.spi.StorageFixtures.copyOf;
import static dev.idflow.core.spi.StorageFixtures.dueFlow;
import static dev.idflow.core.spi.StorageFixtures.dueFlows;
import static dev.idflow.core.spi.StorageFixtures.event;
import static dev.idflow.core.spi.StorageFixtures.eventId;
import static dev.idflow.core.spi.StorageFixtures.file;
import static dev.idflow.core.spi.StorageFixtures.fileId;
import static dev.idflow.core.spi.StorageFixtures.fileIdAfter;
import static dev.idflow.core.spi.StorageFixtures.flowId;
import static dev.idflow.core.spi.StorageFixtures.fullFlow;
import static dev.idflow.core.spi.StorageFixtures.fullLivenessSession;
import static dev.idflow.core.spi.StorageFixtures.liveKey;
import static dev.idflow.core.spi.StorageFixtures.livenessSession;
import static dev.idflow.core.spi.StorageFixtures.minimalFlow;
import static dev.idflow.core.spi.StorageFixtures.object;
import static dev.idflow.core.spi.StorageFixtures.personId;
import static dev.idflow.core.spi.StorageFixtures.randomBytes;
import static dev.idflow.core.spi.StorageFixtures.script;
import static dev.idflow.core.spi.StorageFixtures.session;
import static dev.idflow.core.spi.StorageFixtures.sessionId;
import static dev.idflow.core.spi.StorageFixtures.sessionIdAfter;
import static dev.idflow.core.spi.StorageFixtures.sha256;
import static dev.idflow.core.spi.StorageFixtures.testKey;
import static dev.idflow.core.spi.StorageFixtures.tree;
import static dev.idflow.core.spi.StorageFixtures.unorderedFileId;
import static dev.idflow.core.spi.StorageFixtures.unorderedSessionId;
import static dev.idflow.core.spi.StorageFixtures.vlinkHash;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.ApiKey;
import dev.idflow.core.model.Consumer;
import dev.idflow.core.model.EndCause;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.model.FlowInputData;
import dev.idflow.core.model.FlowTemplate;
import dev.idflow.core.model.KycListEntry;
import dev.idflow.core.model.LivenessDetails;
import dev.idflow.core.model.MockeryScript;
import dev.idflow.core.model.PersonCertificate;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.model.SessionStateName;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.model.WebhookDelivery;
import dev.idflow.core.model.WebhookEndpoint;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one contract every {@link IdflowStorage} passes: memory, H2 and PostgreSQL run these same
 * tests, so "stored", "newest", "claimed" and "compare-and-set" mean the same on every store.
 *
 * <p>A store extends this class and implements {@link #storage()}. It is called once before every
 * test and must return a store <b>holding no data</b>: a new instance, or a shared one (say one
 * database per test class) whose tables it has just emptied. Most tests would also pass on a
 * dirty store, since every id here is fresh, but {@code claimDue} looks at every flow in the store,
 * so the claim tests need it empty. A subclass may as well empty its tables in its own
 * {@code @BeforeEach}: JUnit runs that after this class's (which calls {@code storage()}), still
 * before the test. Concurrency tests use up to 8 threads at once; a pooled store needs that many
 * connections or lets threads wait for one.
 *
 * <p>Stored things refer to each other by id only, with no foreign keys: the tests store sessions
 * of flows, files of sessions and flows of consumers that were never stored themselves, as the engine
 * does (an upload's file is saved before its session, and a standalone session has no flow).
 *
 * <p>The tests say what a caller can observe: they compare values read back, never object identity,
 * and use whole milliseconds for every instant (the engine truncates to millis).
 */
public abstract class StorageContractTest {

    /** A lease long enough never to run out by itself during a test. */
    private static final Duration LEASE = Duration.ofMinutes(5);

    private IdflowStorage storage;

    /** The store under test, empty. Called once before each test; see the class comment. */
    protected abstract IdflowStorage storage();

    @BeforeEach
    void openEmptyStorage() {
        storage = storage();
    }

    protected FlowRepository flows() {
        return storage.flows();
    }

    protected SessionRepository sessions() {
        return storage.sessions();
    }

    protected FileStore files() {
        return storage.files();
    }

    protected ApiKeyDirectory apiKeys() {
        return storage.apiKeys();
    }

    protected MockeryRepository mockery() {
        return storage.mockery();
    }

    protected EventOutbox events() {
        return storage.events();
    }

    protected SignatureLedger signatures() {
        return storage.signatures();
    }

    protected KycListRepository kycLists() {
        return storage.kycLists();
    }

    protected PersonCertificateRepository personCertificates() {
        return storage.personCertificates();
    }

    protected IdempotencyStore idempotencyKeys() {
        return storage.idempotencyKeys();
    }

    // ================================================================ flows: round-trips

    @Test
    void everyFieldOfAFlowRoundTrips() {
        Flow flow = fullFlow(consumerId()).build();
        flows().insert(flow);

        Flow read = flows().findById(flow.flowId()).orElseThrow();

        assertSameFlow(read, flow);
    }

    @Test
    void aFlowWithOnlyRequiredFieldsComesBackWithNullsNotDefaults() {
        Flow flow = minimalFlow(consumerId()).build();
        flows().insert(flow);

        Flow read = flows().findById(flow.flowId()).orElseThrow();

        assertSameFlow(read, flow);
        assertThat(read.inputData()).isNull();
        assertThat(read.apiVersion()).isNull();
        assertThat(read.locale()).isNull();
        assertThat(read.callbackUrl()).isNull();
        assertThat(read.deadlineAt()).isNull();
        assertThat(read.endCause()).isNull();
        assertThat(read.version()).isZero();
    }

    @Test
    void insertKeepsTheVersionItIsGiven() {
        Flow flow = minimalFlow(consumerId()).version(17).build();
        flows().insert(flow);

        assertThat(flows().findById(flow.flowId()).orElseThrow().version()).isEqualTo(17);
    }

    @Test
    void unknownPipelineOptionsAndInputDataExtrasRoundTripExactly() throws Exception {
        String templateJson = """
                {"pipeline":[
                  {"service_name":"esign","action":"sign","files":[{"label":"x","n":1.50}]},
                  {"service_name":"verilive","native":false}]}""";
        String inputJson = """
                {"iin":"880101300123","files":[{"label":"contract","session_id":"s-1"}],"amount":10.00}""";
        FlowTemplate template = Json.mapper().readValue(templateJson, FlowTemplate.class);
        FlowInputData inputData = Json.mapper().readValue(inputJson, FlowInputData.class);
        Flow flow = minimalFlow(consumerId()).template(template).inputData(inputData).build();
        flows().insert(flow);

        Flow read = flows().findById(flow.flowId()).orElseThrow();

        assertThat(tree(read.template())).isEqualTo(Json.mapper().readTree(templateJson));
        assertThat(tree(read.inputData())).isEqualTo(Json.mapper().readTree(inputJson));
        // not just the same number: the same digits, as a client that sent 1.50 expects to see them
        JsonNode n = read.template().pipeline().get(0).options().get("files").get(0).get("n");
        assertThat(n.decimalValue()).isEqualTo(new BigDecimal("1.50"));
        assertThat(Json.mapper().writeValueAsString(read.template())).contains("\"n\":1.50");
        assertThat(Json.mapper().writeValueAsString(read.inputData())).contains("\"amount\":10.00");
        assertThat(read.template().pipeline().get(0).options()).containsOnlyKeys("action", "files");
        assertThat(read.template().pipeline().get(1).options().get("native").isBoolean()).isTrue();
        assertThat(read.inputData().iin()).isEqualTo("880101300123");
        assertThat(read.inputData().extras()).containsOnlyKeys("files", "amount");
    }

    @Test
    void changingAFlowAfterInsertingItOrReadingItDoesNotChangeTheStoredFlow() {
        Flow flow = fullFlow(consumerId()).build();
        JsonNode sentTemplate = tree(flow.template());
        JsonNode sentInput = tree(flow.inputData());
        flows().insert(flow);

        // callers can reach mutable JSON inside a flow; what they do with it must not leak into the store
        ((ObjectNode) flow.template().pipeline().get(1).options().get("files").get(0)).put("label", "changed");
        ((ObjectNode) flow.inputData().extras().get("meta")).put("channel", "changed");
        Flow read = flows().findById(flow.flowId()).orElseThrow();
        ((ObjectNode) read.template().pipeline().get(1).options().get("files").get(0)).put("label", "changed");
        ((ObjectNode) read.template().extras().get("vendor_flag")).put("y", 1);
        ((ObjectNode) read.inputData().extras().get("meta")).put("channel", "changed");

        Flow again = flows().findById(flow.flowId()).orElseThrow();
        assertThat(tree(again.template())).isEqualTo(sentTemplate);
        assertThat(tree(again.inputData())).isEqualTo(sentInput);
    }

    @Test
    void aFlowIsFoundByTheHashOfItsVlink() {
        Flow flow = fullFlow(consumerId()).build();
        flows().insert(flow);

        assertSameFlow(flows().findByVlinkHash(flow.vlinkHash()).orElseThrow(), flow);
    }

    @Test
    void aFlowKeepsTheSealedCopyOfItsVlinkAsGiven() {
        Flow flow = fullFlow(consumerId()).build();
        flows().insert(flow);

        assertThat(flows().findById(flow.flowId()).orElseThrow().sealedVlink()).isEqualTo(flow.sealedVlink());
    }

    @Test
    void anUpdateNeverChangesTheVlinksSealedCopy() {
        Flow flow = fullFlow(consumerId()).build();
        flows().insert(flow);

        assertThat(flows().update(flow.toBuilder().locale("ru").sealedVlink("c29tZXRoaW5nIGVsc2U=").build())).isTrue();

        assertThat(flows().findById(flow.flowId()).orElseThrow().sealedVlink()).isEqualTo(flow.sealedVlink());
    }

    @Test
    void aStoreHoldingNoClearVlinksHasNoneToSeal() {
        flows().insert(fullFlow(consumerId()).build());

        assertThat(flows().sealClearVlinks(token -> "sealed")).isZero();
    }

    @Test
    void unknownFlowIdsAndVlinksAreNotFound() {
        flows().insert(minimalFlow(consumerId()).build());

        assertThat(flows().findById(flowId())).isEmpty();
        assertThat(flows().findByVlinkHash(vlinkHash())).isEmpty();
    }

    @Test
    void aSecondFlowWithTheSameIdIsRejected() {
        Flow first = minimalFlow(consumerId()).build();
        flows().insert(first);
        Flow second = minimalFlow(consumerId()).flowId(first.flowId()).build();

        assertThatThrownBy(() -> flows().insert(second)).isInstanceOf(DuplicateKeyException.class);
        assertSameFlow(flows().findById(first.flowId()).orElseThrow(), first);
        assertThat(flows().findByVlinkHash(second.vlinkHash())).isEmpty();
    }

    @Test
    void aSecondFlowWithTheSameVlinkIsRejected() {
        Flow first = minimalFlow(consumerId()).build();
        flows().insert(first);
        Flow second = minimalFlow(consumerId()).vlinkHash(first.vlinkHash()).build();

        assertThatThrownBy(() -> flows().insert(second)).isInstanceOf(DuplicateKeyException.class);
        assertThat(flows().findById(second.flowId())).isEmpty();
        assertThat(flows().findByVlinkHash(first.vlinkHash()).orElseThrow().flowId()).isEqualTo(first.flowId());
    }

    // ================================================================ flows: the console's search

    private static FlowQuery query(String consumerId, int limit) {
        return new FlowQuery(consumerId, null, null, null, null, null, null, null, limit);
    }

    @Test
    void searchListsOnlyTheConsumersFlowsNewestFirstThenByFlowIdDescending() {
        String c = consumerId();
        Flow older = minimalFlow(c).createdAt(T0).build();
        Flow a = minimalFlow(c).createdAt(T0.plusSeconds(5)).build();
        Flow b = minimalFlow(c).createdAt(T0.plusSeconds(5)).build();
        flows().insert(older);
        flows().insert(a);
        flows().insert(b);
        flows().insert(minimalFlow(consumerId()).createdAt(T0.plusSeconds(9)).build());
        List<String> sameSecond = new ArrayList<>(List.of(a.flowId(), b.flowId()));
        sameSecond.sort(Collections.reverseOrder());
        assertThat(ids(flows().search(query(c, 100))))
                .containsExactly(sameSecond.get(0), sameSecond.get(1), older.flowId());
        assertThat(flows().search(query(c, 100)).get(2)).isEqualTo(older);
        assertThat(ids(flows().search(query(c, 2)))).containsExactly(sameSecond.get(0), sameSecond.get(1));
    }

    @Test
    void searchFiltersByStatusEndCauseDatesPersonAndKind() {
        String c = consumerId();
        String person = personId();
        Flow passed = minimalFlow(c).createdAt(T0).flowStatus(ExecutionStatus.PASS).endCause(EndCause.COMPLETED)
                .endedAt(T0.plusSeconds(1)).build();
        Flow timedOut = minimalFlow(c).createdAt(T0.plusSeconds(10)).flowStatus(ExecutionStatus.FAIL)
                .endCause(EndCause.TIMEOUT).endedAt(T0.plusSeconds(11)).build();
        Flow persons = minimalFlow(c).personId(person).createdAt(T0.plusSeconds(20)).testFlow(true).build();
        Flow live = minimalFlow(c).createdAt(T0.plusSeconds(30)).testFlow(false).build();
        for (Flow f : List.of(passed, timedOut, persons, live)) {
            flows().insert(f);
        }
        FlowQuery all = query(c, 100);
        assertThat(ids(flows().search(new FlowQuery(c, ExecutionStatus.PASS, null, null, null, null, null, null, 100))))
                .containsExactly(passed.flowId());
        assertThat(ids(flows().search(new FlowQuery(c, null, EndCause.TIMEOUT, null, null, null, null, null, 100))))
                .containsExactly(timedOut.flowId());
        assertThat(ids(flows().search(new FlowQuery(c, null, null, T0.plusSeconds(10), T0.plusSeconds(30), null, null,
                null, 100)))).as("from inclusive, before exclusive").containsExactly(persons.flowId(), timedOut.flowId());
        assertThat(ids(flows().search(all.withPersonIds(List.of(person, personId()))))).containsExactly(persons.flowId());
        assertThat(ids(flows().search(new FlowQuery(c, null, null, null, null, null, true, null, 100))))
                .containsExactly(persons.flowId());
        assertThat(ids(flows().search(new FlowQuery(c, null, null, null, null, null, false, null, 100))))
                .containsExactly(live.flowId(), timedOut.flowId(), passed.flowId());
        assertThat(flows().search(new FlowQuery(c, null, null, null, null, List.of(person), false, null, 100))).isEmpty();
    }

    @Test
    void searchPagesByCursorWithoutGapsOrDuplicatesWhileFlowsAreAdded() {
        String c = consumerId();
        List<Flow> stored = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            // pairs share a millisecond, so the flow id decides between them
            Flow f = minimalFlow(c).createdAt(T0.plusMillis(i / 2)).build();
            flows().insert(f);
            stored.add(f);
        }
        List<String> expected = stored.stream()
                .sorted(java.util.Comparator.comparing(Flow::createdAt).thenComparing(Flow::flowId).reversed())
                .map(Flow::flowId).toList();
        List<String> seen = new ArrayList<>();
        FlowQuery.Position after = null;
        for (int page = 0; page < 10; page++) {
            List<Flow> got = flows().search(new FlowQuery(c, null, null, null, null, null, null, after, 5));
            if (got.isEmpty()) {
                break;
            }
            seen.addAll(ids(got));
            Flow last = got.get(got.size() - 1);
            after = new FlowQuery.Position(last.createdAt(), last.flowId());
            // a newer flow arriving mid-paging belongs before the first page: no later page shows it
            flows().insert(minimalFlow(c).createdAt(T0.plusSeconds(60 + page)).build());
        }
        assertThat(seen).containsExactlyElementsOf(expected);
    }

    @Test
    void searchLimitIsOneToAHundred() {
        assertThatThrownBy(() -> query(consumerId(), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> query(consumerId(), 101)).isInstanceOf(IllegalArgumentException.class);
    }

    // ================================================================ flows: compare-and-set

    @Test
    void updateWithTheCurrentVersionStoresEveryChangeAndBumpsTheVersion() {
        Flow flow = minimalFlow(consumerId()).version(3).build();
        flows().insert(flow);
        Flow changed = fullFlow(flow.consumerId())
                .flowId(flow.flowId()).vlinkHash(flow.vlinkHash()).sealedVlink(flow.sealedVlink()).personId(flow.personId()).version(3).build();

        assertThat(flows().update(changed)).isTrue();

        Flow read = flows().findById(flow.flowId()).orElseThrow();
        assertSameFlow(read, changed.toBuilder().version(4).build());
    }

    @Test
    void updateCanClearFieldsBackToNullButNotThePollAndActivityTimes() {
        Flow flow = fullFlow(consumerId()).version(0).build();
        flows().insert(flow);
        Flow cleared = minimalFlow(flow.consumerId())
                .flowId(flow.flowId()).vlinkHash(flow.vlinkHash()).sealedVlink(flow.sealedVlink()).personId(flow.personId()).build();

        assertThat(flows().update(cleared)).isTrue();

        // polled_at and last_activity_at are written without version checks and never move backwards
        Flow expected = cleared.toBuilder().polledAt(flow.polledAt()).lastActivityAt(flow.lastActivityAt())
                .version(1).build();
        assertSameFlow(flows().findById(flow.flowId()).orElseThrow(), expected);
    }

    @Test
    void staleVersionUpdateChangesNothing() {
        Flow flow = minimalFlow(consumerId()).build();
        flows().insert(flow);
        assertThat(flows().update(flow.toBuilder().locale("ru").build())).isTrue();

        boolean updated = flows().update(flow.toBuilder().locale("kk").ttl(1).build());

        assertThat(updated).isFalse();
        Flow read = flows().findById(flow.flowId()).orElseThrow();
        assertThat(read.locale()).isEqualTo("ru");
        assertThat(read.ttl()).isEqualTo(flow.ttl());
        assertThat(read.version()).isEqualTo(1);
    }

    @Test
    void updateWithAVersionFromTheFutureChangesNothing() {
        Flow flow = minimalFlow(consumerId()).build();
        flows().insert(flow);

        assertThat(flows().update(flow.toBuilder().locale("ru").version(1).build())).isFalse();

        assertSameFlow(flows().findById(flow.flowId()).orElseThrow(), flow);
    }

    @Test
    void updateOfAnUnknownFlowReturnsFalseAndCreatesNothing() {
        Flow flow = minimalFlow(consumerId()).build();

        assertThat(flows().update(flow)).isFalse();

        assertThat(flows().findById(flow.flowId())).isEmpty();
        assertThat(flows().findByVlinkHash(flow.vlinkHash())).isEmpty();
    }

    @Test
    void ofConcurrentUpdatesFromOneVersionExactlyOneWins() throws Exception {
        Flow flow = minimalFlow(consumerId()).build();
        flows().insert(flow);
        Flow read = flows().findById(flow.flowId()).orElseThrow();
        int writers = 8;

        List<Boolean> results = concurrently(writers, i -> flows().update(read.toBuilder().ttl(1000 + i).build()));

        assertThat(results).containsOnlyOnce(true);
        int winner = results.indexOf(true);
        Flow stored = flows().findById(flow.flowId()).orElseThrow();
        assertThat(stored.ttl()).isEqualTo(1000 + winner);
        assertThat(stored.version()).isEqualTo(1);
    }

    @Test
    void concurrentReadModifyWriteLosesNoWrite() throws Exception {
        Flow flow = minimalFlow(consumerId()).ttl(0).build();
        flows().insert(flow);
        int writers = 4;
        int incrementsEach = 25;

        concurrently(writers, i -> {
            for (int done = 0; done < incrementsEach; ) {
                Flow current = flows().findById(flow.flowId()).orElseThrow();
                if (flows().update(current.toBuilder().ttl(current.ttl() + 1).build())) {
                    done++;
                }
            }
            return null;
        });

        Flow stored = flows().findById(flow.flowId()).orElseThrow();
        assertThat(stored.ttl()).isEqualTo(writers * incrementsEach);
        assertThat(stored.version()).isEqualTo(writers * incrementsEach);
    }

    @Test
    void markPolledRecordsTheTimeWithoutBumpingTheVersion() {
        Flow flow = fullFlow(consumerId()).version(5).build();
        flows().insert(flow);
        Instant polled = T0.plusSeconds(60).plusMillis(7);

        flows().markPolled(flow.flowId(), polled);

        Flow read = flows().findById(flow.flowId()).orElseThrow();
        assertSameFlow(read, flow.toBuilder().polledAt(polled).build());
    }

    @Test
    void anUpdateFromTheVersionReadBeforeAPollStillSucceeds() {
        Flow flow = minimalFlow(consumerId()).build();
        flows().insert(flow);
        flows().markPolled(flow.flowId(), T0.plusSeconds(1));

        assertThat(flows().update(flow.toBuilder().locale("ru").build())).isTrue();
        assertThat(flows().findById(flow.flowId()).orElseThrow().version()).isEqualTo(1);
    }

    @Test
    void markPolledOfAnUnknownFlowCreatesNothing() {
        String unknown = flowId();

        flows().markPolled(unknown, T0);

        assertThat(flows().findById(unknown)).isEmpty();
    }

    @Test
    void touchActivityRecordsTheTimeWithoutBumpingTheVersion() {
        Flow flow = fullFlow(consumerId()).version(5).build();
        flows().insert(flow);
        Instant active = flow.lastActivityAt().plusSeconds(60).plusMillis(3);

        flows().touchActivity(flow.flowId(), active);

        assertSameFlow(flows().findById(flow.flowId()).orElseThrow(), flow.toBuilder().lastActivityAt(active).build());
        assertThat(flows().update(flow.toBuilder().locale("ru").build())).isTrue();
    }

    @Test
    void touchActivityOfAnUnknownFlowCreatesNothing() {
        String unknown = flowId();

        flows().touchActivity(unknown, T0);

        assertThat(flows().findById(unknown)).isEmpty();
    }

    @Test
    void pollAndActivityTimesNeverMoveBackwards() {
        Flow flow = minimalFlow(consumerId()).build();
        flows().insert(flow);
        Instant later = T0.plusSeconds(20);
        Instant earlier = T0.plusSeconds(10);

        // two requests of one person or consumer, finishing out of order
        flows().markPolled(flow.flowId(), later);
        flows().markPolled(flow.flowId(), earlier);
        flows().touchActivity(flow.flowId(), later);
        flows().touchActivity(flow.flowId(), earlier);

        Flow read = flows().findById(flow.flowId()).orElseThrow();
        assertThat(read.polledAt()).isEqualTo(later);
        assertThat(read.lastActivityAt()).isEqualTo(later);
        assertThat(read.version()).isZero();
    }

    @Test
    void pollsWrittenManyAtOnceKeepTheLatestAndSkipFlowsThatAreGone() {
        Flow polledLater = minimalFlow(consumerId()).build();
        Flow polledOnce = minimalFlow(consumerId()).build();
        flows().insert(polledLater);
        flows().insert(polledOnce);
        // another node's newer poll landed first
        flows().markPolled(polledLater.flowId(), T0.plusSeconds(30));

        java.util.Map<String, Instant> flush = new java.util.HashMap<>();
        flush.put(polledLater.flowId(), T0.plusSeconds(20));
        flush.put(polledOnce.flowId(), T0.plusSeconds(21));
        flush.put("flow-that-was-erased", T0.plusSeconds(22));
        flows().markPolled(flush);

        Flow later = flows().findById(polledLater.flowId()).orElseThrow();
        Flow once = flows().findById(polledOnce.flowId()).orElseThrow();
        assertThat(later.polledAt()).isEqualTo(T0.plusSeconds(30));
        assertThat(once.polledAt()).isEqualTo(T0.plusSeconds(21));
        assertThat(later.version()).isZero();
        assertThat(once.version()).isZero();
        assertThat(flows().findById("flow-that-was-erased")).isEmpty();
        flows().markPolled(java.util.Map.of());
    }

    @Test
    void anUpdateFromACopyReadBeforeAPollOrActivityKeepsTheNewerTimes() {
        Flow flow = minimalFlow(consumerId()).polledAt(T0).lastActivityAt(T0).build();
        flows().insert(flow);
        Flow read = flows().findById(flow.flowId()).orElseThrow();
        Instant polled = T0.plusSeconds(5);
        Instant active = T0.plusSeconds(6);
        flows().markPolled(flow.flowId(), polled);
        flows().touchActivity(flow.flowId(), active);

        // the engine changed the flow from what it read before the poll and the person's call
        assertThat(flows().update(read.toBuilder().currentStepId("step-1").build())).isTrue();

        Flow stored = flows().findById(flow.flowId()).orElseThrow();
        assertThat(stored.currentStepId()).isEqualTo("step-1");
        assertThat(stored.polledAt()).isEqualTo(polled);
        assertThat(stored.lastActivityAt()).isEqualTo(active);
        assertThat(stored.version()).isEqualTo(1);
    }

    @Test
    void anUpdateCarryingNewerPollAndActivityTimesStoresThem() {
        Flow flow = minimalFlow(consumerId()).polledAt(T0).lastActivityAt(T0).build();
        flows().insert(flow);

        assertThat(flows().update(flow.toBuilder().polledAt(T0.plusSeconds(1)).lastActivityAt(T0.plusSeconds(2))
                .build())).isTrue();

        Flow stored = flows().findById(flow.flowId()).orElseThrow();
        assertThat(stored.polledAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(stored.lastActivityAt()).isEqualTo(T0.plusSeconds(2));
    }

    // ================================================================ flows: claiming due work

    @Test
    void claimDueTakesOnlyFlowsThatHaveNotEndedAndAreDue() {
        String consumer = consumerId();
        Instant now = T0.plusSeconds(100);
        Flow overdue = dueFlow(consumer, now.minusSeconds(50));
        Flow dueExactlyNow = dueFlow(consumer, now);
        Flow dueInAMoment = dueFlow(consumer, now.plusMillis(1));
        Flow noDeadline = minimalFlow(consumer).build();
        Flow ended = dueFlow(consumer, now.minusSeconds(60)).toBuilder()
                .endedAt(now.minusSeconds(70)).flowStatus(ExecutionStatus.PASS).endCause(EndCause.COMPLETED).build();
        List.of(overdue, dueExactlyNow, dueInAMoment, noDeadline, ended).forEach(flows()::insert);

        List<Flow> claimed = flows().claimDue(now, LEASE, 100);

        assertThat(claimed).extracting(Flow::flowId).containsExactly(overdue.flowId(), dueExactlyNow.flowId());
    }

    @Test
    void claimDueReturnsTheFlowsAsStored() {
        Flow flow = fullFlow(consumerId()).endedAt(null).endCause(null).flowStatus(ExecutionStatus.UNKNOWN)
                .deadlineAt(T0).build();
        flows().insert(flow);

        List<Flow> claimed = flows().claimDue(T0, LEASE, 10);

        assertThat(claimed).hasSize(1);
        assertSameFlow(claimed.get(0), flow);
    }

    @Test
    void claimDueRespectsTheLimitAndTakesTheEarliestDeadlinesFirst() {
        List<Flow> due = dueFlows(consumerId(), 7);
        List<Flow> shuffled = new ArrayList<>(due);
        Collections.shuffle(shuffled);
        shuffled.forEach(flows()::insert);
        Instant now = T0.plusSeconds(1);

        List<Flow> first = flows().claimDue(now, LEASE, 3);
        List<Flow> second = flows().claimDue(now, LEASE, 3);
        List<Flow> third = flows().claimDue(now, LEASE, 3);

        assertThat(first).extracting(Flow::flowId).containsExactlyElementsOf(ids(due.subList(0, 3)));
        assertThat(second).extracting(Flow::flowId).containsExactlyElementsOf(ids(due.subList(3, 6)));
        assertThat(third).extracting(Flow::flowId).containsExactlyElementsOf(ids(due.subList(6, 7)));
        assertThat(flows().claimDue(now, LEASE, 3)).isEmpty();
    }

    @Test
    void aClaimedFlowIsNotClaimedAgainWhileItsLeaseLives() {
        Flow flow = dueFlow(consumerId(), T0);
        flows().insert(flow);
        Duration lease = Duration.ofSeconds(30);

        assertThat(flows().claimDue(T0, lease, 10)).hasSize(1);

        assertThat(flows().claimDue(T0, lease, 10)).isEmpty();
        assertThat(flows().claimDue(T0.plus(lease).minusMillis(1), lease, 10)).isEmpty();
    }

    @Test
    void aClaimWhoseLeaseRanOutCanBeClaimedAgain() {
        Flow flow = dueFlow(consumerId(), T0);
        flows().insert(flow);
        Duration lease = Duration.ofSeconds(30);
        flows().claimDue(T0, lease, 10);

        // the node holding the claim died: once its lease is over, another node takes the flow
        Instant later = T0.plus(lease).plusMillis(1);
        assertThat(flows().claimDue(later, lease, 10)).extracting(Flow::flowId).containsExactly(flow.flowId());
        assertThat(flows().claimDue(later, lease, 10)).isEmpty();
    }

    @Test
    void aSuccessfulUpdateReleasesTheClaim() {
        Flow flow = dueFlow(consumerId(), T0);
        flows().insert(flow);
        Flow claimed = flows().claimDue(T0, LEASE, 10).get(0);

        // still due after the update (the sweeper moved the deadline, but not past now)
        assertThat(flows().update(claimed.toBuilder().deadlineAt(T0.plusMillis(1)).build())).isTrue();

        List<Flow> again = flows().claimDue(T0.plusMillis(1), LEASE, 10);
        assertThat(again).extracting(Flow::flowId).containsExactly(flow.flowId());
        assertThat(again.get(0).version()).isEqualTo(flow.version() + 1);
    }

    @Test
    void aFailedUpdateKeepsTheClaim() {
        Flow flow = dueFlow(consumerId(), T0);
        flows().insert(flow);
        flows().claimDue(T0, LEASE, 10);

        assertThat(flows().update(flow.toBuilder().version(flow.version() + 7).build())).isFalse();

        assertThat(flows().claimDue(T0, LEASE, 10)).isEmpty();
    }

    @Test
    void anUpdateThatEndsAFlowTakesItOutOfClaiming() {
        Flow flow = dueFlow(consumerId(), T0);
        flows().insert(flow);
        Flow claimed = flows().claimDue(T0, LEASE, 10).get(0);

        Flow ended = claimed.toBuilder().endedAt(T0).endCause(EndCause.TIMEOUT).flowStatus(ExecutionStatus.FAIL)
                .deadlineAt(null).build();
        assertThat(flows().update(ended)).isTrue();

        assertThat(flows().claimDue(T0.plus(LEASE).plusSeconds(1), LEASE, 10)).isEmpty();
    }

    @Test
    void twoClaimersClaimEveryDueFlowExactlyOnce() throws Exception {
        int count = 3000;
        List<Flow> due = dueFlows(consumerId(), count);
        due.forEach(flows()::insert);
        Instant now = T0.plusSeconds(10);

        // two nodes sweeping one store at once: they may interleave in any way, but a flow claimed by one
        // must be invisible to the other while the (long) lease lives
        List<List<String>> byClaimer = concurrently(2, i -> {
            List<String> mine = new ArrayList<>();
            for (List<Flow> batch = flows().claimDue(now, LEASE, 50); !batch.isEmpty();
                    batch = flows().claimDue(now, LEASE, 50)) {
                assertThat(batch.size()).isLessThanOrEqualTo(50);
                batch.forEach(f -> mine.add(f.flowId()));
            }
            return mine;
        });

        List<String> all = new ArrayList<>(byClaimer.get(0));
        all.addAll(byClaimer.get(1));
        assertThat(all).doesNotHaveDuplicates();
        assertThat(all).containsExactlyInAnyOrderElementsOf(ids(due));
    }

    // ================================================================ sessions

    @Test
    void everyFieldOfASessionRoundTrips() {
        ServiceSession session = fullLivenessSession(consumerId(), personId(), flowId());
        sessions().insert(session);

        ServiceSession read = sessions().findById(session.sessionId()).orElseThrow();

        assertSameSession(read, session);
        assertThat(read.states()).extracting(s -> s.state()).containsExactly(SessionStateName.CREATED,
                SessionStateName.PROCESSING, SessionStateName.PROCESSED, SessionStateName.REVIEWED,
                SessionStateName.PROCESSED);
        assertThat(read.liveness().pipeline()).containsExactly(List.of("smile"), List.of("turn_left", "turn_right"),
                List.of("blink"));
    }

    @Test
    void aSessionWithoutFlowResultOrLivenessComesBackWithNulls() {
        ServiceSession session = session(consumerId(), personId(), null, "file-storage", T0);
        sessions().insert(session);

        ServiceSession read = sessions().findById(session.sessionId()).orElseThrow();

        assertSameSession(read, session);
        assertThat(read.flowId()).isNull();
        assertThat(read.result()).isNull();
        assertThat(read.liveness()).isNull();
    }

    @Test
    void aSessionWithAnEmptyHistoryAndEmptyLivenessPipelineRoundTrips() {
        ServiceSession base = livenessSession(consumerId(), personId(), flowId(), sha256(), T0);
        ServiceSession session = new ServiceSession(base.sessionId(), base.consumerId(), base.personId(),
                base.flowId(), base.stepId(), base.serviceName(), base.apiVersion(), base.testSession(),
                base.state(), List.of(), base.status(), object("{}"),
                new LivenessDetails(base.liveness().sealedAccessToken(),
                        base.liveness().accessTokenHash(), List.of(), null, 0, base.liveness().expiresAt(), false),
                null, null, base.createdAt(), null, 0);
        sessions().insert(session);

        assertSameSession(sessions().findById(session.sessionId()).orElseThrow(), session);
    }

    @Test
    void theAttemptsReservedOnALivenessSessionRoundTripInOrder() {
        ServiceSession base = livenessSession(consumerId(), personId(), flowId(), sha256(), T0);
        ServiceSession reserved = base.withLiveness(base.liveness().reserving("attempt-b").reserving("attempt-a"),
                T0.plusSeconds(1));
        sessions().insert(reserved);

        ServiceSession read = sessions().findById(reserved.sessionId()).orElseThrow();
        assertSameSession(read, reserved);
        assertThat(read.liveness().reservedAttempts()).containsExactly("attempt-b", "attempt-a");
        assertThat(read.liveness().attemptsLeft()).isEqualTo(base.liveness().attemptsLeft() - 2);

        ServiceSession released = read.withLiveness(read.liveness().releasing("attempt-b"), T0.plusSeconds(2));
        assertThat(sessions().update(released)).isTrue();
        assertThat(sessions().findById(reserved.sessionId()).orElseThrow().liveness().reservedAttempts())
                .containsExactly("attempt-a");
    }

    @Test
    void unknownSessionIdsAndAccessTokensAreNotFound() {
        sessions().insert(livenessSession(consumerId(), personId(), flowId(), sha256(), T0));

        assertThat(sessions().findById(sessionId())).isEmpty();
        assertThat(sessions().findByAccessTokenHash(sha256())).isEmpty();
        assertThat(sessions().findByFlowId(flowId())).isEmpty();
    }

    @Test
    void aSecondSessionWithTheSameIdIsRejected() {
        ServiceSession first = session(consumerId(), personId(), flowId(), "kisc", T0);
        sessions().insert(first);
        ServiceSession second = copyOf(session(consumerId(), personId(), flowId(), "veridoc", T0.plusSeconds(1)),
                first.sessionId(), T0.plusSeconds(1));

        assertThatThrownBy(() -> sessions().insert(second)).isInstanceOf(DuplicateKeyException.class);
        assertSameSession(sessions().findById(first.sessionId()).orElseThrow(), first);
        assertThat(sessions().findByFlowId(second.flowId())).isEmpty();
    }

    @Test
    void aSecondSessionWithTheSameAccessTokenHashIsRejected() {
        String tokenHash = sha256();
        ServiceSession first = livenessSession(consumerId(), personId(), flowId(), tokenHash, T0);
        sessions().insert(first);
        ServiceSession second = livenessSession(consumerId(), personId(), flowId(), tokenHash, T0);

        assertThatThrownBy(() -> sessions().insert(second)).isInstanceOf(DuplicateKeyException.class);
        assertThat(sessions().findById(second.sessionId())).isEmpty();
        assertThat(sessions().findByAccessTokenHash(tokenHash).orElseThrow().sessionId())
                .isEqualTo(first.sessionId());
    }

    @Test
    void aLivenessSessionIsFoundByItsAccessTokenHash() {
        ServiceSession session = fullLivenessSession(consumerId(), personId(), flowId());
        ServiceSession other = livenessSession(session.consumerId(), session.personId(), session.flowId(), sha256(),
                T0);
        sessions().insert(session);
        sessions().insert(other);

        ServiceSession read = sessions().findByAccessTokenHash(session.liveness().accessTokenHash()).orElseThrow();

        assertSameSession(read, session);
    }

    @Test
    void findByAccessTokenHashSeesTheLatestVersion() {
        ServiceSession session = livenessSession(consumerId(), personId(), flowId(), sha256(), T0);
        sessions().insert(session);
        ServiceSession used = session.withLiveness(session.liveness().withAttemptsLeft(0), T0.plusSeconds(5));
        assertThat(sessions().update(used)).isTrue();

        ServiceSession read = sessions().findByAccessTokenHash(session.liveness().accessTokenHash()).orElseThrow();

        assertThat(read.liveness().attemptsLeft()).isZero();
        assertThat(read.version()).isEqualTo(1);
    }

    @Test
    void findByFlowIdListsAFlowsSessionsOldestFirstThenBySessionId() {
        String consumer = consumerId();
        String person = personId();
        String flow = flowId();
        List<String> tiedIds = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            tiedIds.add(unorderedSessionId());
        }
        // larger than every tied id, but created first: time decides before id
        String firstId = sessionIdAfter(Collections.max(tiedIds));
        ServiceSession first = copyOf(session(consumer, person, flow, "consent", T0), firstId, T0);
        List<ServiceSession> tied = new ArrayList<>();
        for (String id : tiedIds) {
            tied.add(copyOf(session(consumer, person, flow, "verilive", T0.plusMillis(1)), id, T0.plusMillis(1)));
        }
        ServiceSession last = session(consumer, person, flow, "esign", T0.plusSeconds(9));
        List<ServiceSession> all = new ArrayList<>(tied);
        all.add(first);
        all.add(last);
        all.add(session(consumer, person, flowId(), "consent", T0));       // another flow
        all.add(session(consumer, person, null, "file-storage", T0));      // no flow
        Collections.shuffle(all);
        all.forEach(sessions()::insert);

        List<ServiceSession> found = sessions().findByFlowId(flow);

        List<String> expected = new ArrayList<>();
        expected.add(firstId);
        expected.addAll(tiedIds.stream().sorted().toList());
        expected.add(last.sessionId());
        assertThat(found).extracting(ServiceSession::sessionId).containsExactlyElementsOf(expected);
        assertSameSession(found.get(0), first);
    }

    @Test
    void findByFlowIdsAnswersEachFlowAsFindByFlowIdDoesAndNothingForAFlowWithoutSessions() {
        String consumer = consumerId();
        String person = personId();
        String a = flowId();
        String b = flowId();
        String empty = flowId();
        String other = flowId();
        List<ServiceSession> all = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            all.add(session(consumer, person, a, "verilive", T0.plusSeconds(3 - i)));
        }
        all.add(session(consumer, person, b, "consent", T0));
        all.add(session(consumer, person, other, "consent", T0));
        Collections.shuffle(all);
        all.forEach(sessions()::insert);

        Map<String, List<ServiceSession>> found = sessions().findByFlowIds(List.of(a, b, empty));

        assertThat(found).containsOnlyKeys(a, b);
        assertThat(found.get(a)).extracting(ServiceSession::sessionId)
                .containsExactlyElementsOf(sessions().findByFlowId(a).stream().map(ServiceSession::sessionId).toList());
        assertThat(found.get(a)).extracting(ServiceSession::createdAt).isSorted();
        assertThat(found.get(b)).hasSize(1);
        assertSameSession(found.get(b).get(0), sessions().findByFlowId(b).get(0));
        assertThat(sessions().findByFlowIds(List.of())).isEmpty();
    }

    // ---------------------------------------------------------------- sessions: compare-and-set

    @Test
    void sessionUpdateWithTheCurrentVersionStoresEveryChangeAndBumpsTheVersion() {
        ServiceSession session = livenessSession(consumerId(), personId(), flowId(), sha256(), T0).withVersion(2);
        sessions().insert(session);
        ServiceSession changed = session
                .transition(SessionStateName.PROCESSING, T0.plusMillis(100))
                .transition(SessionStateName.PROCESSED, T0.plusMillis(200))
                .withOutcome(ExecutionStatus.PASS, object("{\"service_status\":\"real\",\"s\":0.50}"),
                        T0.plusMillis(200))
                .withLiveness(session.liveness().withAttemptsLeft(0), T0.plusMillis(200))
                .withReviewReason("looked fine");

        assertThat(sessions().update(changed)).isTrue();

        ServiceSession read = sessions().findById(session.sessionId()).orElseThrow();
        assertSameSession(read, changed.withVersion(3));
        assertThat(read.states()).extracting(s -> s.state()).containsExactly(SessionStateName.CREATED,
                SessionStateName.PROCESSING, SessionStateName.PROCESSED);
    }

    @Test
    void staleVersionSessionUpdateChangesNothing() {
        ServiceSession session = session(consumerId(), personId(), flowId(), "kisc", T0);
        sessions().insert(session);
        ServiceSession processing = session.transition(SessionStateName.PROCESSING, T0.plusSeconds(1));
        assertThat(sessions().update(processing)).isTrue();

        boolean updated = sessions().update(session.withOutcome(ExecutionStatus.FAIL, null, T0.plusSeconds(2)));

        assertThat(updated).isFalse();
        assertSameSession(sessions().findById(session.sessionId()).orElseThrow(), processing.withVersion(1));
    }

    @Test
    void sessionUpdateOfAnUnknownSessionReturnsFalseAndCreatesNothing() {
        ServiceSession session = livenessSession(consumerId(), personId(), flowId(), sha256(), T0);

        assertThat(sessions().update(session)).isFalse();

        assertThat(sessions().findById(session.sessionId())).isEmpty();
        assertThat(sessions().findByAccessTokenHash(session.liveness().accessTokenHash())).isEmpty();
        assertThat(sessions().findByFlowId(session.flowId())).isEmpty();
    }

    @Test
    void ofConcurrentSessionUpdatesFromOneVersionExactlyOneWins() throws Exception {
        ServiceSession session = livenessSession(consumerId(), personId(), flowId(), sha256(), T0);
        sessions().insert(session);
        int writers = 8;

        List<Boolean> results = concurrently(writers, i -> sessions().update(
                session.withLiveness(session.liveness().withAttemptsLeft(100 + i), T0.plusSeconds(1))));

        assertThat(results).containsOnlyOnce(true);
        ServiceSession stored = sessions().findById(session.sessionId()).orElseThrow();
        assertThat(stored.liveness().attemptsLeft()).isEqualTo(100 + results.indexOf(true));
        assertThat(stored.version()).isEqualTo(1);
    }

    @Test
    void concurrentSessionReadModifyWriteLosesNoWrite() throws Exception {
        ServiceSession session = livenessSession(consumerId(), personId(), flowId(), sha256(), T0);
        sessions().insert(session.withLiveness(session.liveness().withAttemptsLeft(0), T0));
        int writers = 4;
        int incrementsEach = 25;

        concurrently(writers, i -> {
            for (int done = 0; done < incrementsEach; ) {
                ServiceSession current = sessions().findById(session.sessionId()).orElseThrow();
                ServiceSession next = current.withLiveness(
                        current.liveness().withAttemptsLeft(current.liveness().attemptsLeft() + 1), T0);
                if (sessions().update(next)) {
                    done++;
                }
            }
            return null;
        });

        ServiceSession stored = sessions().findById(session.sessionId()).orElseThrow();
        assertThat(stored.liveness().attemptsLeft()).isEqualTo(writers * incrementsEach);
        assertThat(stored.version()).isEqualTo(writers * incrementsEach);
    }

    @Test
    void countCreatedSinceCountsOnlyThatConsumersPersonAndServiceFromTheBoundaryOn() {
        String consumer = consumerId();
        String person = personId();
        Instant since = T0.plusSeconds(60);
        List.of(
                session(consumer, person, flowId(), "verilive", since.minusMillis(1)),   // just before: no
                session(consumer, person, flowId(), "verilive", since),                  // at: yes
                session(consumer, person, null, "verilive", since.plusMillis(1)),        // after: yes
                session(consumer, person, flowId(), "verilive", since.plusSeconds(3600)), // much later: yes
                session(consumer, personId(), flowId(), "verilive", since),              // other person
                session(consumer, person, flowId(), "veriface", since),                  // other service
                session(consumerId(), person, flowId(), "verilive", since)               // other consumer
        ).forEach(sessions()::insert);

        assertThat(sessions().countCreatedSince(consumer, person, "verilive", since)).isEqualTo(3);
        assertThat(sessions().countCreatedSince(consumer, person, "verilive", since.plusMillis(1))).isEqualTo(2);
        assertThat(sessions().countCreatedSince(consumer, person, "verilive", since.minusMillis(1))).isEqualTo(4);
        assertThat(sessions().countCreatedSince(consumer, person, "verilive", since.plusSeconds(3601))).isZero();
        assertThat(sessions().countCreatedSince(consumer, person, "kisc", T0)).isZero();
    }

    // ================================================================ commit: one state-machine step

    @Test
    void commitAppliesTheFlowItsSessionsAndItsEventsTogether() {
        String consumer = consumerId();
        Flow flow = minimalFlow(consumer).build();
        flows().insert(flow);
        ServiceSession open = session(consumer, flow.personId(), flow.flowId(), "consent", T0);
        sessions().insert(open);
        Flow started = flow.toBuilder().startedAt(T0.plusSeconds(1)).currentStepId("step-2").build();
        ServiceSession processed = open.transition(SessionStateName.PROCESSED, T0.plusSeconds(1))
                .withOutcome(ExecutionStatus.PASS, null, T0.plusSeconds(1));
        ServiceSession next = livenessSession(consumer, flow.personId(), flow.flowId(), sha256(), T0.plusSeconds(1));
        FlowEvent ended = event(consumer, flow.flowId(), open.sessionId(), T0.plusSeconds(1));
        FlowEvent flowEvent = event(consumer, flow.flowId(), null, T0.plusSeconds(2));

        boolean committed = storage.commit(new FlowChange(started, List.of(next), List.of(processed),
                List.of(ended, flowEvent)));

        assertThat(committed).isTrue();
        assertSameFlow(flows().findById(flow.flowId()).orElseThrow(), started.toBuilder().version(1).build());
        assertSameSession(sessions().findById(open.sessionId()).orElseThrow(), processed.withVersion(1));
        assertSameSession(sessions().findById(next.sessionId()).orElseThrow(), next);
        assertSameSession(sessions().findByAccessTokenHash(next.liveness().accessTokenHash()).orElseThrow(), next);
        assertThat(sessions().findByFlowId(flow.flowId())).extracting(ServiceSession::sessionId)
                .containsExactly(open.sessionId(), next.sessionId());
        List<FlowEvent> events = events().claimUndelivered(T0.plusSeconds(3), LEASE, 10);
        assertThat(events).hasSize(2);
        assertSameEvent(events.get(0), ended);
        assertSameEvent(events.get(1), flowEvent);
    }

    @Test
    void commitOfJustTheFlowIsAnUpdate() {
        Flow flow = minimalFlow(consumerId()).version(9).build();
        flows().insert(flow);

        assertThat(storage.commit(new FlowChange(flow.toBuilder().locale("ru").build(), null, null, null))).isTrue();

        assertSameFlow(flows().findById(flow.flowId()).orElseThrow(),
                flow.toBuilder().locale("ru").version(10).build());
        assertThat(events().claimUndelivered(T0.plusSeconds(1), LEASE, 10)).isEmpty();
    }

    @Test
    void commitWithAStaleFlowVersionChangesNothing() {
        Fixture f = flowWithOpenSession();
        assertThat(flows().update(f.flow.toBuilder().locale("ru").build())).isTrue();

        boolean committed = storage.commit(f.change(f.flow.toBuilder().locale("kk").build()));

        assertThat(committed).isFalse();
        assertThat(flows().findById(f.flow.flowId()).orElseThrow().locale()).isEqualTo("ru");
        assertNothingOfTheChangeWasApplied(f);
    }

    @Test
    void commitWithAStaleSessionVersionChangesNothing() {
        Fixture f = flowWithOpenSession();
        assertThat(sessions().update(f.open.withReviewReason("someone else"))).isTrue();

        boolean committed = storage.commit(f.change(f.flow.toBuilder().locale("kk").build()));

        assertThat(committed).isFalse();
        assertSameFlow(flows().findById(f.flow.flowId()).orElseThrow(), f.flow);
        assertThat(sessions().findById(f.open.sessionId()).orElseThrow().reviewReason()).isEqualTo("someone else");
        assertNothingOfTheChangeWasApplied(f);
    }

    @Test
    void commitBindsTheFilesItNamesSoTheyAreFoundFromThenOn() throws IOException {
        Fixture f = flowWithOpenSession();
        StoredFile frame = unbound(file(f.flow.consumerId(), f.flow.personId(), f.flow.flowId(), f.open.sessionId(),
                "bestframe", T0));
        files().save(frame, new ByteArrayInputStream(randomBytes(16)));
        assertNotFound(frame);

        assertThat(storage.commit(f.change(f.flow.toBuilder().locale("kk").build(), List.of(frame.fileId())))).isTrue();

        for (FileQuery query : queriesOf(frame)) {
            assertThat(files().findNewest(frame.consumerId(), "bestframe", query)).contains(frame.asBound().withSize(16));
        }
    }

    @Test
    void commitWithAStaleVersionBindsNothing() throws IOException {
        Fixture f = flowWithOpenSession();
        StoredFile frame = unbound(file(f.flow.consumerId(), f.flow.personId(), f.flow.flowId(), f.open.sessionId(),
                "bestframe", T0));
        files().save(frame, new ByteArrayInputStream(randomBytes(16)));
        // another attempt's verdict landed first
        assertThat(sessions().update(f.open.withReviewReason("the other attempt"))).isTrue();

        assertThat(storage.commit(f.change(f.flow.toBuilder().locale("kk").build(), List.of(frame.fileId())))).isFalse();

        assertNotFound(frame);
        assertNothingOfTheChangeWasApplied(f);
    }

    @Test
    void commitWithADuplicateKeyBindsNothing() throws IOException {
        Fixture f = flowWithOpenSession();
        sessions().insert(f.next);
        StoredFile frame = unbound(file(f.flow.consumerId(), f.flow.personId(), f.flow.flowId(), f.open.sessionId(),
                "bestframe", T0));
        files().save(frame, new ByteArrayInputStream(randomBytes(16)));

        assertThatThrownBy(() -> storage.commit(f.change(f.flow.toBuilder().locale("kk").build(),
                List.of(frame.fileId())))).isInstanceOf(DuplicateKeyException.class);

        assertNotFound(frame);
    }

    @Test
    void commitOfAnUnknownFlowChangesNothing() {
        Fixture f = flowWithOpenSession();
        Flow stranger = minimalFlow(f.flow.consumerId()).build();

        assertThat(storage.commit(f.change(stranger))).isFalse();

        assertThat(flows().findById(stranger.flowId())).isEmpty();
        assertSameSession(sessions().findById(f.open.sessionId()).orElseThrow(), f.open);
        assertNothingOfTheChangeWasApplied(f);
    }

    @Test
    void commitWithANewSessionThatExistsChangesNothing() {
        Fixture f = flowWithOpenSession();
        ServiceSession existing = session(f.flow.consumerId(), f.flow.personId(), null, "kisc", T0);
        sessions().insert(existing);
        ServiceSession clash = copyOf(f.next, existing.sessionId(), f.next.createdAt());

        assertThatThrownBy(() -> storage.commit(new FlowChange(f.flow.toBuilder().locale("kk").build(),
                List.of(clash), List.of(f.processed), List.of(f.event)))).isInstanceOf(DuplicateKeyException.class);

        assertSameFlow(flows().findById(f.flow.flowId()).orElseThrow(), f.flow);
        assertSameSession(sessions().findById(f.open.sessionId()).orElseThrow(), f.open);
        assertSameSession(sessions().findById(existing.sessionId()).orElseThrow(), existing);
        assertNothingOfTheChangeWasApplied(f);
    }

    @Test
    void commitWithANewSessionWhoseAccessTokenExistsChangesNothing() {
        Fixture f = flowWithOpenSession();
        ServiceSession holder = livenessSession(f.flow.consumerId(), f.flow.personId(), null, sha256(), T0);
        sessions().insert(holder);
        ServiceSession clash = livenessSession(f.flow.consumerId(), f.flow.personId(), f.flow.flowId(),
                holder.liveness().accessTokenHash(), T0.plusSeconds(1));

        assertThatThrownBy(() -> storage.commit(new FlowChange(f.flow.toBuilder().locale("kk").build(),
                List.of(clash), List.of(f.processed), List.of(f.event)))).isInstanceOf(DuplicateKeyException.class);

        assertSameFlow(flows().findById(f.flow.flowId()).orElseThrow(), f.flow);
        assertThat(sessions().findById(clash.sessionId())).isEmpty();
        assertThat(sessions().findByAccessTokenHash(holder.liveness().accessTokenHash()).orElseThrow().sessionId())
                .isEqualTo(holder.sessionId());
        assertNothingOfTheChangeWasApplied(f);
    }

    @Test
    void commitWithTwoNewSessionsOfOneIdChangesNothing() {
        Fixture f = flowWithOpenSession();
        ServiceSession twin = copyOf(f.next, f.next.sessionId(), f.next.createdAt().plusMillis(1));

        assertThatThrownBy(() -> storage.commit(new FlowChange(f.flow.toBuilder().locale("kk").build(),
                List.of(f.next, twin), List.of(f.processed), List.of(f.event))))
                .isInstanceOf(DuplicateKeyException.class);

        assertSameFlow(flows().findById(f.flow.flowId()).orElseThrow(), f.flow);
        assertSameSession(sessions().findById(f.open.sessionId()).orElseThrow(), f.open);
        assertNothingOfTheChangeWasApplied(f);
    }

    @Test
    void commitWithTwoNewSessionsOfOneAccessTokenChangesNothing() {
        Fixture f = flowWithOpenSession();
        ServiceSession twin = livenessSession(f.flow.consumerId(), f.flow.personId(), f.flow.flowId(),
                f.next.liveness().accessTokenHash(), T0.plusSeconds(2));

        assertThatThrownBy(() -> storage.commit(new FlowChange(f.flow.toBuilder().locale("kk").build(),
                List.of(f.next, twin), List.of(f.processed), List.of(f.event))))
                .isInstanceOf(DuplicateKeyException.class);

        assertSameFlow(flows().findById(f.flow.flowId()).orElseThrow(), f.flow);
        assertThat(sessions().findById(twin.sessionId())).isEmpty();
        assertNothingOfTheChangeWasApplied(f);
    }

    @Test
    void commitWithAnEventThatExistsChangesNothing() {
        FlowEvent existing = commitOneEvent();
        Fixture f = flowWithOpenSession();
        FlowEvent clash = withId(f.event, existing.eventId());

        assertThatThrownBy(() -> storage.commit(new FlowChange(f.flow.toBuilder().locale("kk").build(),
                List.of(f.next), List.of(f.processed), List.of(clash)))).isInstanceOf(DuplicateKeyException.class);

        assertSameFlow(flows().findById(f.flow.flowId()).orElseThrow(), f.flow);
        assertThat(sessions().findById(f.open.sessionId()).orElseThrow().state()).isEqualTo(SessionStateName.CREATED);
        assertThat(sessions().findById(f.next.sessionId())).isEmpty();
        assertThat(events().claimUndelivered(T0.plus(Duration.ofDays(1)), LEASE, 100)).extracting(FlowEvent::eventId)
                .containsExactly(existing.eventId());
    }

    @Test
    void commitWithTwoEventsOfOneIdChangesNothing() {
        Fixture f = flowWithOpenSession();
        FlowEvent twin = withId(event(f.flow.consumerId(), f.flow.flowId(), null, T0.plusSeconds(5)),
                f.event.eventId());

        assertThatThrownBy(() -> storage.commit(new FlowChange(f.flow.toBuilder().locale("kk").build(),
                List.of(f.next), List.of(f.processed), List.of(f.event, twin))))
                .isInstanceOf(DuplicateKeyException.class);

        assertSameFlow(flows().findById(f.flow.flowId()).orElseThrow(), f.flow);
        assertNothingOfTheChangeWasApplied(f);
    }

    @Test
    void aSuccessfulCommitReleasesTheFlowsClaim() {
        Flow flow = dueFlow(consumerId(), T0);
        flows().insert(flow);
        Flow claimed = flows().claimDue(T0, LEASE, 10).get(0);

        assertThat(storage.commit(new FlowChange(claimed.toBuilder().deadlineAt(T0.plusMillis(1)).build(),
                null, null, null))).isTrue();

        assertThat(flows().claimDue(T0.plusMillis(1), LEASE, 10)).extracting(Flow::flowId)
                .containsExactly(flow.flowId());
    }

    @Test
    void aCommitFromACopyReadBeforeAPollOrActivityKeepsTheNewerTimes() {
        Flow flow = minimalFlow(consumerId()).build();
        flows().insert(flow);
        flows().markPolled(flow.flowId(), T0.plusSeconds(5));
        flows().touchActivity(flow.flowId(), T0.plusSeconds(6));

        assertThat(storage.commit(new FlowChange(flow.toBuilder().locale("ru").build(), null, null, null))).isTrue();

        Flow stored = flows().findById(flow.flowId()).orElseThrow();
        assertThat(stored.locale()).isEqualTo("ru");
        assertThat(stored.polledAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(stored.lastActivityAt()).isEqualTo(T0.plusSeconds(6));
    }

    @Test
    void ofConcurrentCommitsFromOneVersionExactlyOneLandsWhole() throws Exception {
        String consumer = consumerId();
        Flow flow = minimalFlow(consumer).build();
        flows().insert(flow);
        int writers = 8;
        List<ServiceSession> opened = new ArrayList<>();
        List<FlowEvent> emitted = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            opened.add(livenessSession(consumer, flow.personId(), flow.flowId(), sha256(), T0.plusMillis(i)));
            emitted.add(event(consumer, flow.flowId(), null, T0.plusMillis(i)));
        }

        // the person finishing a step and the sweeper timing it out, many times over: one wins, whole
        List<Boolean> results = concurrently(writers, i -> storage.commit(new FlowChange(
                flow.toBuilder().currentStepId("step-" + (i + 1)).build(), List.of(opened.get(i)), null,
                List.of(emitted.get(i)))));

        assertThat(results).containsOnlyOnce(true);
        int winner = results.indexOf(true);
        Flow stored = flows().findById(flow.flowId()).orElseThrow();
        assertThat(stored.currentStepId()).isEqualTo("step-" + (winner + 1));
        assertThat(stored.version()).isEqualTo(1);
        assertThat(sessions().findByFlowId(flow.flowId())).extracting(ServiceSession::sessionId)
                .containsExactly(opened.get(winner).sessionId());
        assertThat(events().claimUndelivered(T0.plusSeconds(1), LEASE, 100)).extracting(FlowEvent::eventId)
                .containsExactly(emitted.get(winner).eventId());
    }

    // ================================================================ event outbox

    @Test
    void eventsAreClaimedOldestFirstUpToTheLimit() {
        String consumer = consumerId();
        Flow flow = minimalFlow(consumer).build();
        flows().insert(flow);
        // two events at one instant: the event id decides
        String low = eventId();
        String high = eventId();
        FlowEvent first = event(consumer, flow.flowId(), null, T0);
        FlowEvent tieLow = withId(event(consumer, flow.flowId(), sessionId(), T0.plusMillis(1)), low);
        FlowEvent tieHigh = withId(event(consumer, flow.flowId(), null, T0.plusMillis(1)), high);
        FlowEvent last = event(consumer, flow.flowId(), null, T0.plusSeconds(1));
        assertThat(storage.commit(new FlowChange(flow, null, null, List.of(last, tieHigh, first, tieLow)))).isTrue();
        Instant now = T0.plusSeconds(2);

        List<FlowEvent> batch1 = events().claimUndelivered(now, LEASE, 3);
        List<FlowEvent> batch2 = events().claimUndelivered(now, LEASE, 3);

        assertThat(batch1).extracting(FlowEvent::eventId)
                .containsExactly(first.eventId(), tieLow.eventId(), tieHigh.eventId());
        assertThat(batch2).extracting(FlowEvent::eventId).containsExactly(last.eventId());
        assertSameEvent(batch1.get(1), tieLow);
        assertThat(events().claimUndelivered(now, LEASE, 3)).isEmpty();
    }

    @Test
    void aClaimedEventIsNotClaimedAgainUntilItsLeaseRunsOut() {
        FlowEvent event = commitOneEvent();
        Duration lease = Duration.ofSeconds(30);
        Instant now = T0.plusSeconds(1);

        assertThat(events().claimUndelivered(now, lease, 10)).hasSize(1);

        assertThat(events().claimUndelivered(now.plus(lease).minusMillis(1), lease, 10)).isEmpty();
        // the deliverer died: once its lease is over, another takes the event
        assertThat(events().claimUndelivered(now.plus(lease).plusMillis(1), lease, 10))
                .extracting(FlowEvent::eventId).containsExactly(event.eventId());
    }

    @Test
    void aDeliveredEventIsNeverClaimedAgain() {
        FlowEvent delivered = commitOneEvent();
        FlowEvent pending = commitOneEvent();
        Instant now = T0.plusSeconds(1);
        events().claimUndelivered(now, Duration.ofSeconds(30), 10);

        events().markDelivered(delivered.eventId(), now.plusSeconds(1));

        assertThat(events().claimUndelivered(now.plus(Duration.ofDays(1)), LEASE, 10))
                .extracting(FlowEvent::eventId).containsExactly(pending.eventId());
    }

    @Test
    void markingAnUnknownEventDeliveredChangesNothing() {
        FlowEvent pending = commitOneEvent();

        events().markDelivered(eventId(), T0);

        assertThat(events().claimUndelivered(T0.plusSeconds(1), LEASE, 10)).extracting(FlowEvent::eventId)
                .containsExactly(pending.eventId());
    }

    @Test
    void twoDeliverersClaimEveryEventExactlyOnce() throws Exception {
        String consumer = consumerId();
        Flow flow = minimalFlow(consumer).build();
        flows().insert(flow);
        List<FlowEvent> all = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            all.add(event(consumer, flow.flowId(), null, T0.plusMillis(i)));
        }
        assertThat(storage.commit(new FlowChange(flow, null, null, all))).isTrue();
        Instant now = T0.plusSeconds(10);

        // each deliverer marks its batch delivered, as a real one does, while the other is claiming
        List<List<String>> byDeliverer = concurrently(2, i -> {
            List<String> mine = new ArrayList<>();
            for (List<FlowEvent> batch = events().claimUndelivered(now, LEASE, 50); !batch.isEmpty();
                    batch = events().claimUndelivered(now, LEASE, 50)) {
                for (FlowEvent e : batch) {
                    mine.add(e.eventId());
                    events().markDelivered(e.eventId(), now);
                }
            }
            return mine;
        });

        List<String> claimed = new ArrayList<>(byDeliverer.get(0));
        claimed.addAll(byDeliverer.get(1));
        assertThat(claimed).doesNotHaveDuplicates();
        assertThat(claimed).containsExactlyInAnyOrderElementsOf(all.stream().map(FlowEvent::eventId).toList());
        assertThat(events().claimUndelivered(now.plus(Duration.ofDays(1)), LEASE, 10)).isEmpty();
    }

    // ================================================================ files

    @Test
    void saveStoresTheContentAndReturnsTheSizeActuallyWritten() throws IOException {
        StoredFile file = file(consumerId(), personId(), flowId(), sessionId(), "bestframe", T0);
        byte[] content = randomBytes(1234);

        StoredFile saved = files().save(file.withSize(999_999), new ByteArrayInputStream(content));

        assertThat(saved.size()).isEqualTo(1234);
        assertThat(saved.withSize(0)).isEqualTo(file.withSize(0));
        assertThat(readAll(file.fileId())).isEqualTo(content);
    }

    @Test
    void findInputFindsAnUploadByItsIdWhateverItsLabelOnlyForItsConsumerPersonAndKind() throws IOException {
        String consumer = consumerId();
        String person = personId();
        String upload = sessionId();
        StoredFile agreement = new StoredFile(fileId(), consumer, person, null, upload, "unspecified", "application/pdf",
                "loan.pdf", 0, T0, false, null, true);
        files().save(agreement, new ByteArrayInputStream(randomBytes(10)));
        files().save(new StoredFile(fileId(), consumer, person, null, sessionId(), "unspecified", "application/pdf",
                "other.pdf", 0, T0.plusSeconds(1), false, null, true), new ByteArrayInputStream(randomBytes(10)));

        assertThat(files().findInput(consumer, person, upload, false)).contains(agreement.withSize(10));
        assertThat(files().findInput(consumerId(), person, upload, false)).isEmpty();
        assertThat(files().findInput(consumer, personId(), upload, false)).isEmpty();
        assertThat(files().findInput(consumer, person, upload, true)).isEmpty();
        assertThat(files().findInput(consumer, person, sessionId(), false)).isEmpty();
    }

    @Test
    void everyFieldOfAFileRoundTrips() throws IOException {
        StoredFile file = new StoredFile(fileId(), consumerId(), personId(), flowId(), sessionId(), "signed_doc",
                "application/pdf", "договор №1 (final).pdf", 0, T0.plusMillis(321), false, null, true);
        StoredFile saved = files().save(file, new ByteArrayInputStream(randomBytes(10)));

        StoredFile read = files().findNewest(file.consumerId(), "signed_doc", FileQuery.flow(file.flowId(), false))
                .orElseThrow();

        assertThat(read).isEqualTo(saved);
        assertThat(read).isEqualTo(file.withSize(10));
    }

    @Test
    void aFileWithoutFlowSessionOrNameRoundTrips() throws IOException {
        StoredFile file = new StoredFile(fileId(), consumerId(), personId(), null, null, "client_card",
                "image/png", null, 0, T0, false, null, true);
        files().save(file, new ByteArrayInputStream(new byte[0]));

        StoredFile read = files().findNewest(file.consumerId(), "client_card", FileQuery.person(file.personId(), false))
                .orElseThrow();

        assertThat(read).isEqualTo(file.withSize(0));
        assertThat(readAll(file.fileId())).isEmpty();
    }

    @Test
    void aLargeFileStreamsBackByteForByte() throws IOException {
        StoredFile file = file(consumerId(), personId(), flowId(), sessionId(), "liveness_video", T0);
        byte[] content = randomBytes(5 * 1024 * 1024 + 17);

        StoredFile saved = files().save(file, new ByteArrayInputStream(content));

        assertThat(saved.size()).isEqualTo(content.length);
        assertThat(readAll(file.fileId())).isEqualTo(content);
        // a second read gets the whole content again
        assertThat(readAll(file.fileId())).isEqualTo(content);
    }

    @Test
    void findByIdFindsAFileBoundOrNotWithItsSizeAndNothingForAnUnknownId() throws IOException {
        StoredFile video = unbound(file(consumerId(), personId(), flowId(), sessionId(), "liveness_video", T0));
        files().save(video, new ByteArrayInputStream(randomBytes(21)));

        assertThat(files().findById(video.fileId())).contains(video.withSize(21));
        files().bind(List.of(video.fileId()));
        assertThat(files().findById(video.fileId())).contains(video.withSize(21).asBound());
        assertThat(files().findById(fileId())).isEmpty();
        files().delete(video.fileId());
        assertThat(files().findById(video.fileId())).isEmpty();
    }

    @Test
    void openingAnUnknownFileFindsNothing() throws IOException {
        files().save(file(consumerId(), personId(), null, null, "bestframe", T0),
                new ByteArrayInputStream(randomBytes(3)));

        assertThat(files().open(fileId())).isEmpty();
    }

    @Test
    void aSecondFileWithTheSameIdIsRejectedAndTheFirstIsKept() throws IOException {
        StoredFile first = file(consumerId(), personId(), flowId(), sessionId(), "bestframe", T0);
        byte[] content = randomBytes(100);
        files().save(first, new ByteArrayInputStream(content));
        StoredFile second = copyOf(file(consumerId(), personId(), flowId(), sessionId(), "bestframe",
                T0.plusSeconds(1)), first.fileId(), T0.plusSeconds(1));

        assertThatThrownBy(() -> files().save(second, new ByteArrayInputStream(randomBytes(50))))
                .isInstanceOf(DuplicateKeyException.class);

        assertThat(readAll(first.fileId())).isEqualTo(content);
        assertThat(files().findNewest(first.consumerId(), "bestframe", FileQuery.session(first.sessionId(), false)))
                .contains(first.withSize(100));
        assertThat(files().findNewest(second.consumerId(), "bestframe", FileQuery.person(second.personId(), false)))
                .isEmpty();
    }

    @Test
    void theNewestFileWinsByCreationTimeThenByFileId() throws IOException {
        String consumer = consumerId();
        String person = personId();
        String flow = flowId();
        String session = sessionId();
        for (String label : List.of("bestframe", "liveness_video", "signed_doc")) {
            StoredFile template = file(consumer, person, flow, session, label, T0);
            List<StoredFile> all = new ArrayList<>();
            all.add(copyOf(template, fileId(), T0));
            List<String> tiedIds = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String id = unorderedFileId();
                tiedIds.add(id);
                all.add(copyOf(template, id, T0.plusMillis(5)));
            }
            // the largest id, but created earlier: time decides before id
            all.add(copyOf(template, fileIdAfter(Collections.max(tiedIds)), T0.plusMillis(4)));
            Collections.shuffle(all);
            for (StoredFile f : all) {
                files().save(f, new ByteArrayInputStream(randomBytes(8)));
            }
            String newest = Collections.max(tiedIds);

            for (FileQuery query : List.of(FileQuery.session(session, false), FileQuery.flow(flow, false),
                    FileQuery.person(person, false))) {
                assertThat(files().findNewest(consumer, label, query)).map(StoredFile::fileId).contains(newest);
            }
        }
    }

    @Test
    void anUnboundFileIsFoundByNoQueryWhileOlderBoundOnesAre() throws IOException {
        StoredFile counted = file(consumerId(), personId(), flowId(), sessionId(), "bestframe", T0);
        StoredFile pending = unbound(copyOf(counted, fileId(), T0.plusSeconds(5)));
        files().save(counted, new ByteArrayInputStream(randomBytes(4)));
        files().save(pending, new ByteArrayInputStream(randomBytes(4)));

        // the newer file is not bound: every download still gets the one a verdict counted
        for (FileQuery query : queriesOf(counted)) {
            assertThat(files().findNewest(counted.consumerId(), "bestframe", query)).map(StoredFile::fileId)
                    .contains(counted.fileId());
        }

        files().bind(List.of(pending.fileId()));
        for (FileQuery query : queriesOf(counted)) {
            assertThat(files().findNewest(counted.consumerId(), "bestframe", query)).map(StoredFile::fileId)
                    .contains(pending.fileId());
        }
    }

    @Test
    void findNewestReturnsOnlyFilesOfTheQuerysKind() throws IOException {
        String consumer = consumerId();
        String person = personId();
        String flow = flowId();
        String session = sessionId();
        StoredFile live = file(consumer, person, flow, session, "bestframe", T0);
        // same consumer, person, flow, session and label, newer, planted with a test key
        StoredFile test = ofKind(file(consumer, person, flow, session, "bestframe", T0.plusSeconds(10)), true);
        files().save(live, new ByteArrayInputStream(randomBytes(4)));
        files().save(test, new ByteArrayInputStream(randomBytes(4)));

        for (boolean kind : List.of(false, true)) {
            for (FileQuery query : List.of(FileQuery.session(session, kind), FileQuery.flow(flow, kind),
                    FileQuery.person(person, kind))) {
                assertThat(files().findNewest(consumer, "bestframe", query)).map(StoredFile::fileId)
                        .contains(kind ? test.fileId() : live.fileId());
            }
        }
        assertThat(files().findNewest(consumer, "bestframe", FileQuery.person(person, true)).orElseThrow().test()).isTrue();
    }

    @Test
    void deleteRemovesAFileAndItsContent() throws IOException {
        StoredFile gone = unbound(file(consumerId(), personId(), flowId(), sessionId(), "liveness_video", T0));
        StoredFile kept = file(consumerId(), personId(), flowId(), sessionId(), "liveness_video", T0);
        files().save(gone, new ByteArrayInputStream(randomBytes(300_000)));
        files().save(kept, new ByteArrayInputStream(randomBytes(10)));

        assertThat(files().delete(gone.fileId())).isTrue();

        assertThat(files().open(gone.fileId())).isEmpty();
        files().bind(List.of(gone.fileId()));
        assertNotFound(gone);
        assertThat(files().delete(gone.fileId())).isFalse();
        assertThat(files().delete(fileId())).isFalse();
        assertThat(readAll(kept.fileId())).hasSize(10);
        // the id is free again: a deleted file leaves nothing a new save could clash with
        files().save(gone, new ByteArrayInputStream(randomBytes(3)));
        assertThat(readAll(gone.fileId())).hasSize(3);
    }

    @Test
    void purgeDeletesOnlyUnboundFilesOlderThanTheCutoffOldestFirst() throws IOException {
        String consumer = consumerId();
        StoredFile oldest = unbound(file(consumer, personId(), flowId(), sessionId(), "bestframe", T0));
        StoredFile old = unbound(file(consumer, personId(), flowId(), sessionId(), "liveness_video", T0.plusSeconds(1)));
        StoredFile recent = unbound(file(consumer, personId(), flowId(), sessionId(), "bestframe", T0.plusSeconds(100)));
        StoredFile boundOld = file(consumer, personId(), flowId(), sessionId(), "bestframe", T0);
        for (StoredFile f : List.of(oldest, old, recent, boundOld)) {
            files().save(f, new ByteArrayInputStream(randomBytes(300_000)));
        }

        assertThat(files().purgeUnbound(T0.plusSeconds(50), 1)).isEqualTo(1);
        assertThat(files().open(oldest.fileId())).isEmpty();
        assertThat(files().open(old.fileId())).isPresent();

        assertThat(files().purgeUnbound(T0.plusSeconds(50), 10)).isEqualTo(1);
        assertThat(files().open(old.fileId())).isEmpty();
        assertThat(readAll(recent.fileId())).hasSize(300_000);
        assertThat(readAll(boundOld.fileId())).hasSize(300_000);
        assertThat(files().purgeUnbound(T0.plusSeconds(50), 10)).isZero();
    }

    @Test
    void bindingAnUnknownFileOrTwiceChangesNothingElse() throws IOException {
        StoredFile frame = unbound(file(consumerId(), personId(), flowId(), sessionId(), "bestframe", T0));
        files().save(frame, new ByteArrayInputStream(randomBytes(4)));

        files().bind(List.of(fileId(), frame.fileId()));
        files().bind(List.of(frame.fileId()));

        assertThat(files().findNewest(frame.consumerId(), "bestframe", FileQuery.session(frame.sessionId(), false)))
                .contains(frame.asBound().withSize(4));
    }

    @Test
    void findNewestNeverReturnsAnotherConsumersFile() throws IOException {
        String mine = consumerId();
        String theirs = consumerId();
        String person = personId();
        String flow = flowId();
        String session = sessionId();
        StoredFile my = file(mine, person, flow, session, "bestframe", T0);
        // same person, flow, session and label, newer: a guess at another tenant's ids must find nothing
        StoredFile their = file(theirs, person, flow, session, "bestframe", T0.plusSeconds(10));
        files().save(my, new ByteArrayInputStream(randomBytes(4)));
        files().save(their, new ByteArrayInputStream(randomBytes(4)));

        for (FileQuery query : List.of(FileQuery.session(session, false), FileQuery.flow(flow, false), FileQuery.person(person, false))) {
            assertThat(files().findNewest(mine, "bestframe", query)).map(StoredFile::fileId).contains(my.fileId());
            assertThat(files().findNewest(theirs, "bestframe", query)).map(StoredFile::fileId)
                    .contains(their.fileId());
            assertThat(files().findNewest(consumerId(), "bestframe", query)).isEmpty();
        }
    }

    @Test
    void findNewestLooksOnlyAtTheLabelAndTheSessionFlowOrPersonAskedFor() throws IOException {
        String consumer = consumerId();
        String person = personId();
        String flow = flowId();
        String session = sessionId();
        StoredFile inSession = file(consumer, person, flow, session, "bestframe", T0);
        StoredFile otherSessionSameFlow = file(consumer, person, flow, sessionId(), "bestframe", T0.plusSeconds(1));
        StoredFile otherFlowSamePerson = file(consumer, person, flowId(), sessionId(), "bestframe",
                T0.plusSeconds(2));
        StoredFile otherPerson = file(consumer, personId(), flowId(), sessionId(), "bestframe", T0.plusSeconds(3));
        StoredFile otherLabel = file(consumer, person, flow, session, "liveness_video", T0.plusSeconds(4));
        for (StoredFile f : List.of(inSession, otherSessionSameFlow, otherFlowSamePerson, otherPerson, otherLabel)) {
            files().save(f, new ByteArrayInputStream(randomBytes(4)));
        }

        assertThat(files().findNewest(consumer, "bestframe", FileQuery.session(session, false)))
                .map(StoredFile::fileId).contains(inSession.fileId());
        assertThat(files().findNewest(consumer, "bestframe", FileQuery.flow(flow, false)))
                .map(StoredFile::fileId).contains(otherSessionSameFlow.fileId());
        assertThat(files().findNewest(consumer, "bestframe", FileQuery.person(person, false)))
                .map(StoredFile::fileId).contains(otherFlowSamePerson.fileId());
        assertThat(files().findNewest(consumer, "liveness_video", FileQuery.session(session, false)))
                .map(StoredFile::fileId).contains(otherLabel.fileId());
        assertThat(files().findNewest(consumer, "signed_doc", FileQuery.person(person, false))).isEmpty();
        assertThat(files().findNewest(consumer, "bestframe", FileQuery.session(sessionId(), false))).isEmpty();
        assertThat(files().findNewest(consumer, "bestframe", FileQuery.flow(flowId(), false))).isEmpty();
        assertThat(files().findNewest(consumer, "bestframe", FileQuery.person(personId(), false))).isEmpty();
        // an id of one kind is not matched against another kind
        assertThat(files().findNewest(consumer, "bestframe", FileQuery.person(session, false))).isEmpty();
        assertThat(files().findNewest(consumer, "bestframe", FileQuery.flow(person, false))).isEmpty();
    }

    // ================================================================ consumers and API keys

    @Test
    void aConsumerRoundTripsAndSavingItAgainReplacesItsName() {
        Consumer consumer = consumer(consumerId());
        apiKeys().saveConsumer(consumer);
        assertThat(apiKeys().findConsumer(consumer.consumerId())).contains(consumer);

        Consumer renamed = new Consumer(consumer.consumerId(), "Renamed bank", consumer.createdAt().plusSeconds(60));
        apiKeys().saveConsumer(renamed);

        // only the name is replaced: the consumer was still created when it was first saved
        assertThat(apiKeys().findConsumer(consumer.consumerId()))
                .contains(new Consumer(consumer.consumerId(), "Renamed bank", consumer.createdAt()));
        assertThat(apiKeys().findConsumer(consumerId())).isEmpty();
    }

    @Test
    void aConsumerWithoutANameRoundTrips() {
        Consumer consumer = new Consumer(consumerId(), null, T0);
        apiKeys().saveConsumer(consumer);

        assertThat(apiKeys().findConsumer(consumer.consumerId())).contains(consumer);
    }

    @Test
    void aLiveKeyRoundTripsWithItsEncryptedSecretByteForByte() {
        String consumer = consumerId();
        apiKeys().saveConsumer(consumer(consumer));
        ApiKey key = liveKey(consumer);
        apiKeys().saveKey(key);

        ApiKey read = apiKeys().findKeyByHash(key.keyHash()).orElseThrow();

        assertThat(read).isEqualTo(key);
        assertThat(read.encryptedSecret()).isEqualTo(key.encryptedSecret());
    }

    @Test
    void aTestKeyWithoutASecretRoundTrips() {
        String consumer = consumerId();
        apiKeys().saveConsumer(consumer(consumer));
        ApiKey key = testKey(consumer);
        apiKeys().saveKey(key);

        ApiKey read = apiKeys().findKeyByHash(key.keyHash()).orElseThrow();

        assertThat(read).isEqualTo(key);
        assertThat(read.encryptedSecret()).isNull();
    }

    @Test
    void unknownKeysAreNotFound() {
        String consumer = consumerId();
        apiKeys().saveConsumer(consumer(consumer));
        apiKeys().saveKey(liveKey(consumer));

        assertThat(apiKeys().findKeyByHash(sha256())).isEmpty();
    }

    @Test
    void aSecondKeyWithTheSameHashIsRejected() {
        String consumer = consumerId();
        apiKeys().saveConsumer(consumer(consumer));
        ApiKey first = liveKey(consumer);
        apiKeys().saveKey(first);
        ApiKey second = new ApiKey(first.keyHash(), consumer, first.mode(), randomBytes(60), "lk_Other",
                T0.plusSeconds(1));

        assertThatThrownBy(() -> apiKeys().saveKey(second)).isInstanceOf(DuplicateKeyException.class);
        assertThat(apiKeys().findKeyByHash(first.keyHash())).contains(first);
    }

    @Test
    void aConsumerMayHoldSeveralKeys() {
        String consumer = consumerId();
        apiKeys().saveConsumer(consumer(consumer));
        ApiKey live = liveKey(consumer);
        ApiKey test = testKey(consumer);
        apiKeys().saveKey(live);
        apiKeys().saveKey(test);

        assertThat(apiKeys().findKeyByHash(live.keyHash())).contains(live);
        assertThat(apiKeys().findKeyByHash(test.keyHash())).contains(test);
    }

    @Test
    void deleteKeyRevokesOnlyThatKey() {
        String consumer = consumerId();
        apiKeys().saveConsumer(consumer(consumer));
        ApiKey revoked = liveKey(consumer);
        ApiKey kept = testKey(consumer);
        apiKeys().saveKey(revoked);
        apiKeys().saveKey(kept);

        assertThat(apiKeys().deleteKey(revoked.keyHash())).isTrue();

        assertThat(apiKeys().findKeyByHash(revoked.keyHash())).isEmpty();
        assertThat(apiKeys().findKeyByHash(kept.keyHash())).contains(kept);
        assertThat(apiKeys().findConsumer(consumer)).isPresent();
        assertThat(apiKeys().deleteKey(revoked.keyHash())).isFalse();
        assertThat(apiKeys().deleteKey(sha256())).isFalse();
    }

    // ================================================================ signed requests (replay)

    @Test
    void aSignedRequestIsUsedOnceAndItsRepeatIsRefused() {
        String key = sha256();
        String signature = sha256();

        assertThat(signatures().firstUse(key, 1_700_000_000L, signature, T0.plusSeconds(360))).isTrue();
        assertThat(signatures().firstUse(key, 1_700_000_000L, signature, T0.plusSeconds(360))).isFalse();
        assertThat(signatures().firstUse(key, 1_700_000_000L, signature, T0.plusSeconds(999))).isFalse();
    }

    @Test
    void anotherSignatureOrTheSameSignatureOfAnotherKeyIsAnotherRequest() {
        String key = sha256();
        String signature = sha256();
        signatures().firstUse(key, 1_700_000_000L, signature, T0.plusSeconds(360));

        assertThat(signatures().firstUse(key, 1_700_000_000L, sha256(), T0.plusSeconds(360))).isTrue();
        assertThat(signatures().firstUse(sha256(), 1_700_000_000L, signature, T0.plusSeconds(360))).isTrue();
    }

    @Test
    void ofEightRacingUsesOfOneSignedRequestExactlyOneIsFirst() throws Exception {
        String key = sha256();
        String signature = sha256();

        List<Boolean> firsts = concurrently(8, i -> signatures().firstUse(key, 1_700_000_000L, signature, T0.plusSeconds(360)));

        assertThat(firsts).containsOnlyOnce(true).hasSize(8);
    }

    @Test
    void purgingDeletesOnlyExpiredRecordsAndAtMostTheNumberAsked() {
        String key = sha256();
        List<String> expired = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            expired.add(sha256());
            signatures().firstUse(key, 1_700_000_000L + i, expired.get(i), T0.plusSeconds(i));
        }
        String live = sha256();
        signatures().firstUse(key, 1_700_000_100L, live, T0.plusSeconds(60));

        assertThat(signatures().purgeExpired(T0.plusSeconds(30), 3)).isEqualTo(3);
        assertThat(signatures().purgeExpired(T0.plusSeconds(30), 3)).isEqualTo(2);
        assertThat(signatures().purgeExpired(T0.plusSeconds(30), 3)).isZero();

        assertThat(signatures().firstUse(key, 1_700_000_100L, live, T0.plusSeconds(60)))
                .as("a record not yet expired stays").isFalse();
        assertThat(signatures().firstUse(key, 1_700_000_000L, expired.get(0), T0.plusSeconds(400)))
                .as("a purged record is forgotten").isTrue();
        assertThat(signatures().purgeExpired(T0.plusSeconds(60), 10)).as("expiry is exclusive").isZero();
    }

    // ================================================================ mockery

    @Test
    void aMockeryScriptRoundTripsWithItsFiles() {
        MockeryScript script = script(consumerId(), personId(), "kisc", "success", T0);
        mockery().put(script);

        MockeryScript read = mockery().find(script.consumerId(), script.personId(), "kisc").orElseThrow();

        assertThat(read).isEqualTo(script);
        assertThat(read.result()).isEqualTo(script.result());
        Map<String, byte[]> files = read.files();
        assertThat(files).containsOnlyKeys("bestframe", "liveness_video", "empty");
        script.files().forEach((label, bytes) -> assertThat(files.get(label)).as(label).isEqualTo(bytes));
    }

    @Test
    void aMockeryScriptWithoutFilesRoundTrips() {
        MockeryScript script = new MockeryScript(consumerId(), personId(), "veriface",
                object("{\"service_status\":\"fail\"}"), null, T0);
        mockery().put(script);

        MockeryScript read = mockery().find(script.consumerId(), script.personId(), "veriface").orElseThrow();

        assertThat(read).isEqualTo(script);
        assertThat(read.files()).isEmpty();
    }

    @Test
    void aNewMockeryScriptReplacesTheOldOneForTheSameConsumerPersonAndService() {
        String consumer = consumerId();
        String person = personId();
        MockeryScript old = script(consumer, person, "kisc", "success", T0);
        MockeryScript sameForOtherService = script(consumer, person, "veriface", "success", T0);
        MockeryScript sameForOtherPerson = script(consumer, personId(), "kisc", "success", T0);
        MockeryScript sameForOtherConsumer = script(consumerId(), person, "kisc", "success", T0);
        List.of(old, sameForOtherService, sameForOtherPerson, sameForOtherConsumer).forEach(mockery()::put);
        MockeryScript replacement = new MockeryScript(consumer, person, "kisc",
                object("{\"service_status\":\"fail\"}"), Map.of("signed_doc", randomBytes(5)),
                T0.plusSeconds(30));

        mockery().put(replacement);

        assertThat(mockery().find(consumer, person, "kisc")).contains(replacement);
        assertThat(mockery().find(consumer, person, "veriface")).contains(sameForOtherService);
        assertThat(mockery().find(consumer, sameForOtherPerson.personId(), "kisc")).contains(sameForOtherPerson);
        assertThat(mockery().find(sameForOtherConsumer.consumerId(), person, "kisc")).contains(sameForOtherConsumer);
    }

    @Test
    void anUnscriptedServiceHasNoMockery() {
        MockeryScript script = script(consumerId(), personId(), "kisc", "success", T0);
        mockery().put(script);

        assertThat(mockery().find(script.consumerId(), script.personId(), "veriface")).isEmpty();
        assertThat(mockery().find(script.consumerId(), personId(), "kisc")).isEmpty();
        assertThat(mockery().find(consumerId(), script.personId(), "kisc")).isEmpty();
    }

    // ================================================================ KYC lists

    @Test
    void aKycEntryIsAddedOnceAndAddingItAgainKeepsTheFirst() {
        String consumer = consumerId();

        assertThat(kycLists().add(consumer, "blocked", "iin", "900101300123", T0)).isTrue();
        assertThat(kycLists().add(consumer, "blocked", "iin", "900101300123", T0.plusSeconds(60))).isFalse();

        assertThat(kycLists().list(consumer, "blocked"))
                .containsExactly(new KycListEntry(consumer, "blocked", "iin", "900101300123", T0));
        assertThat(kycLists().listNames(consumer)).containsExactly("blocked");
    }

    @Test
    void removingAnEntryTakesOnlyItOffAndAnEmptiedListIsGone() {
        String consumer = consumerId();
        kycLists().add(consumer, "blocked", "iin", "900101300123", T0);
        kycLists().add(consumer, "blocked", "person_id", "900101300123", T0);
        kycLists().add(consumer, "vip", "iin", "900101300123", T0);

        assertThat(kycLists().remove(consumer, "blocked", "iin", "900101300123")).isTrue();
        assertThat(kycLists().remove(consumer, "blocked", "iin", "900101300123")).as("already gone").isFalse();

        assertThat(kycLists().matches(consumer, List.of("blocked", "vip"), "iin", "900101300123")).containsExactly("vip");
        assertThat(kycLists().list(consumer, "blocked"))
                .containsExactly(new KycListEntry(consumer, "blocked", "person_id", "900101300123", T0));

        assertThat(kycLists().remove(consumer, "blocked", "person_id", "900101300123")).isTrue();
        assertThat(kycLists().list(consumer, "blocked")).isEmpty();
        assertThat(kycLists().listNames(consumer)).containsExactly("vip");
        assertThat(kycLists().remove(consumer, "never", "iin", "900101300123")).isFalse();
    }

    @Test
    void matchesNamesEachAskedListHoldingTheValueForThatFieldSortedAndOnce() {
        String consumer = consumerId();
        kycLists().add(consumer, "sanctions", "iin", "900101300123", T0);
        kycLists().add(consumer, "fraud", "iin", "900101300123", T0);
        kycLists().add(consumer, "fraud", "iin", "850505400456", T0);
        kycLists().add(consumer, "pep", "person_id", "900101300123", T0);
        kycLists().add(consumer, "not-asked", "iin", "900101300123", T0);

        assertThat(kycLists().matches(consumer, List.of("sanctions", "pep", "fraud", "fraud", "empty"), "iin", "900101300123"))
                .as("pep holds the value under person_id only; not-asked is not asked")
                .containsExactly("fraud", "sanctions");
        assertThat(kycLists().matches(consumer, List.of("sanctions", "pep"), "person_id", "900101300123"))
                .containsExactly("pep");
        assertThat(kycLists().matches(consumer, List.of("sanctions", "fraud", "pep"), "iin", "900101300124")).isEmpty();
        assertThat(kycLists().matches(consumer, List.of(), "iin", "900101300123")).isEmpty();
    }

    @Test
    void valuesOtherThanPhoneNumbersMatchExactly() {
        String consumer = consumerId();
        kycLists().add(consumer, "blocked", "person_id", "Client.42", T0);

        assertThat(kycLists().matches(consumer, List.of("blocked"), "person_id", "Client.42")).containsExactly("blocked");
        assertThat(kycLists().matches(consumer, List.of("blocked"), "person_id", "client.42")).isEmpty();
        assertThat(kycLists().matches(consumer, List.of("blocked"), "person_id", " Client.42")).isEmpty();
        assertThat(kycLists().add(consumer, "blocked", "person_id", "+7 701 234 5678", T0)).isTrue();
        assertThat(kycLists().matches(consumer, List.of("blocked"), "person_id", "77012345678")).isEmpty();
    }

    @Test
    void aPhoneNumberIsKeptAndMatchedAsItsDigits() {
        String consumer = consumerId();

        assertThat(kycLists().add(consumer, "blocked", "phone_number", "+7 701 234 5678", T0)).isTrue();
        assertThat(kycLists().add(consumer, "blocked", "phone_number", "7 (701) 234-56-78", T0))
                .as("the same number written otherwise").isFalse();

        assertThat(kycLists().list(consumer, "blocked"))
                .containsExactly(new KycListEntry(consumer, "blocked", "phone_number", "77012345678", T0));
        for (String written : List.of("77012345678", "+77012345678", "+7 701 234 56 78", "7.701.234.56.78")) {
            assertThat(kycLists().matches(consumer, List.of("blocked"), "phone_number", written)).as(written)
                    .containsExactly("blocked");
        }
        assertThat(kycLists().matches(consumer, List.of("blocked"), "phone_number", "87012345678"))
                .as("no other rewriting: a leading 8 is another number").isEmpty();
        assertThat(kycLists().remove(consumer, "blocked", "phone_number", "+7-701-234-56-78")).isTrue();
        assertThat(kycLists().listNames(consumer)).isEmpty();
    }

    @Test
    void aValueNoEntryCanHoldMatchesNothingInsteadOfFailing() {
        String consumer = consumerId();
        kycLists().add(consumer, "blocked", "phone_number", "77012345678", T0);

        for (String input : new String[] {null, "", "   ", "n/a", "+", "7701+2345678", "7".repeat(257)}) {
            assertThat(kycLists().matches(consumer, List.of("blocked"), "phone_number", input)).as(String.valueOf(input)).isEmpty();
        }
        assertThat(kycLists().matches(consumer, List.of("blocked"), "iin", "x".repeat(257))).isEmpty();
    }

    @Test
    void aConsumerNeverSeesMatchesOrChangesAnotherConsumersLists() {
        String owner = consumerId();
        String other = consumerId();
        kycLists().add(owner, "blocked", "iin", "900101300123", T0);

        assertThat(kycLists().matches(other, List.of("blocked"), "iin", "900101300123")).isEmpty();
        assertThat(kycLists().list(other, "blocked")).isEmpty();
        assertThat(kycLists().listNames(other)).isEmpty();
        assertThat(kycLists().remove(other, "blocked", "iin", "900101300123")).isFalse();
        assertThat(kycLists().add(other, "blocked", "iin", "900101300123", T0.plusSeconds(5))).isTrue();
        assertThat(kycLists().remove(other, "blocked", "iin", "900101300123")).isTrue();

        assertThat(kycLists().list(owner, "blocked"))
                .containsExactly(new KycListEntry(owner, "blocked", "iin", "900101300123", T0));
    }

    @Test
    void aListIsOrderedByFieldThenValueAndListNamesAreSortedTheSameOnEveryStore() {
        String consumer = consumerId();
        kycLists().add(consumer, "mixed", "phone_number", "77012345678", T0);
        kycLists().add(consumer, "mixed", "iin", "900101300123", T0);
        kycLists().add(consumer, "mixed", "person_id", "b-2", T0);
        kycLists().add(consumer, "mixed", "person_id", "B_1", T0);
        kycLists().add(consumer, "mixed", "iin", "850505400456", T0);
        kycLists().add(consumer, "mixed", "person_id", "b_1", T0);
        kycLists().add(consumer, "mixed", "person_id", "b1", T0);
        for (String name : List.of("ab", "a_c", "a-b", "9", "a")) {
            kycLists().add(consumer, name, "iin", "900101300123", T0);
        }

        // Java's String order: '-' (0x2d) < '1' < 'B' < '_' (0x5f) < 'b', whatever a database's collation says
        assertThat(kycLists().list(consumer, "mixed")).extracting(e -> e.field() + ":" + e.value()).containsExactly(
                "iin:850505400456", "iin:900101300123",
                "person_id:B_1", "person_id:b-2", "person_id:b1", "person_id:b_1",
                "phone_number:77012345678");
        assertThat(kycLists().listNames(consumer)).containsExactly("9", "a", "a-b", "a_c", "ab", "mixed");
        assertThat(kycLists().matches(consumer, List.of("mixed", "ab", "a_c", "a-b"), "iin", "900101300123"))
                .containsExactly("a-b", "a_c", "ab", "mixed");
    }

    @Test
    void aFieldOtherThanPersonIdIinOrPhoneNumberIsRefusedByEveryMethod() {
        String consumer = consumerId();
        for (String field : new String[] {null, "", " ", "email", "IIN", "phone"}) {
            assertThatThrownBy(() -> kycLists().add(consumer, "blocked", field, "x", T0)).as(String.valueOf(field))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("field must be one of person_id, iin, phone_number");
            assertThatThrownBy(() -> kycLists().remove(consumer, "blocked", field, "x")).as(String.valueOf(field))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("field");
            assertThatThrownBy(() -> kycLists().matches(consumer, List.of("blocked"), field, "x")).as(String.valueOf(field))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("field");
        }
        assertThat(kycLists().listNames(consumer)).isEmpty();
    }

    @Test
    void aListNameOutsideLowercaseLettersDigitsUnderscoreAndDashIsRefused() {
        String consumer = consumerId();
        for (String name : new String[] {null, "", "Blocked", "black list", "list.1", "списки", "a".repeat(65)}) {
            assertThatThrownBy(() -> kycLists().add(consumer, name, "iin", "900101300123", T0)).as(String.valueOf(name))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("listName must be 1–64 characters of a-z, 0-9, _ and -");
            assertThatThrownBy(() -> kycLists().remove(consumer, name, "iin", "900101300123")).as(String.valueOf(name))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("listName");
            assertThatThrownBy(() -> kycLists().matches(consumer, Collections.singletonList(name), "iin", "900101300123"))
                    .as(String.valueOf(name)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("listName");
            assertThatThrownBy(() -> kycLists().list(consumer, name)).as(String.valueOf(name))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("listName");
        }
        assertThat(kycLists().add(consumer, "a".repeat(64), "iin", "900101300123", T0)).as("64 is allowed").isTrue();
        assertThat(kycLists().add(consumer, "sanctions_2024-q1", "iin", "900101300123", T0)).isTrue();
        assertThat(kycLists().listNames(consumer)).containsExactly("a".repeat(64), "sanctions_2024-q1");
    }

    @Test
    void aValueMustBeOneTo256CharactersAndAPhoneNumberDigits() {
        String consumer = consumerId();
        for (String value : new String[] {null, "", "  ", "x".repeat(257)}) {
            assertThatThrownBy(() -> kycLists().add(consumer, "blocked", "person_id", value, T0)).as(String.valueOf(value))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("value must be 1–256 characters");
        }
        for (String phone : new String[] {"n/a", "+", "--", "7701+2345678", "++77012345678", "7701234567x"}) {
            assertThatThrownBy(() -> kycLists().add(consumer, "blocked", "phone_number", phone, T0)).as(phone)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("value must be")
                    .hasMessageContaining("a phone_number holds digits");
        }
        assertThatThrownBy(() -> kycLists().add(consumer, "blocked", "iin", "x".repeat(257), T0))
                .as("the message names the rule, never the person's value").hasMessageNotContaining("xxx");
        assertThat(kycLists().listNames(consumer)).isEmpty();

        assertThat(kycLists().add(consumer, "long", "person_id", "é".repeat(256), T0)).as("256 characters fit").isTrue();
        assertThat(kycLists().list(consumer, "long")).extracting(KycListEntry::value).containsExactly("é".repeat(256));
    }

    @Test
    void ofEightRacingAddsOfOneEntryExactlyOneIsNew() throws Exception {
        String consumer = consumerId();

        List<Boolean> added = concurrently(8, i -> kycLists().add(consumer, "blocked", "phone_number",
                i % 2 == 0 ? "+7 701 234 5678" : "77012345678", T0.plusMillis(i)));

        assertThat(added).containsOnlyOnce(true).hasSize(8);
        assertThat(kycLists().list(consumer, "blocked")).hasSize(1);
    }

    // ================================================================ person certificates (esign)

    private static PersonCertificate certificate(String consumer, String person, boolean test, String issuer,
                                                 Instant notBefore, Instant notAfter, Instant createdAt) {
        return new PersonCertificate(fileId(), consumer, person, test, issuer, "0" + Long.toHexString(createdAt.toEpochMilli()),
                "CN=Иванов Иван,SERIALNUMBER=IIN900101300123", notBefore, notAfter, randomBytes(700), randomBytes(180),
                createdAt);
    }

    @Test
    void aPersonCertificateRoundTripsWholeIncludingItsSealedKey() {
        String consumer = consumerId();
        String person = personId();
        PersonCertificate c = certificate(consumer, person, false, "a".repeat(64), T0, T0.plus(Duration.ofDays(365)), T0);
        personCertificates().add(c);

        assertThat(personCertificates().findById(consumer, false, c.certificateId())).contains(c);
        assertThat(personCertificates().findByPerson(consumer, person, false)).containsExactly(c);
        PersonCertificate read = personCertificates().findById(consumer, false, c.certificateId()).orElseThrow();
        assertThat(read.certificate()).isEqualTo(c.certificate());
        assertThat(read.sealedKey()).isEqualTo(c.sealedKey());
        assertThat(read.subject()).isEqualTo("CN=Иванов Иван,SERIALNUMBER=IIN900101300123");
    }

    @Test
    void aPersonCertificateIdIsStoredOnce() {
        String consumer = consumerId();
        PersonCertificate c = certificate(consumer, personId(), false, "a".repeat(64), T0, T0.plusSeconds(3600), T0);
        personCertificates().add(c);
        PersonCertificate again = new PersonCertificate(c.certificateId(), consumer, personId(), true, "b".repeat(64),
                "01", "CN=Other", T0, T0.plusSeconds(60), randomBytes(10), randomBytes(10), T0);

        assertThatThrownBy(() -> personCertificates().add(again)).isInstanceOf(DuplicateKeyException.class);
        assertThat(personCertificates().findById(consumer, false, c.certificateId())).contains(c);
    }

    @Test
    void personCertificatesAreKeptApartByKindAndConsumerAndComeNewestFirst() {
        String consumer = consumerId();
        String person = personId();
        String issuer = "c".repeat(64);
        PersonCertificate older = certificate(consumer, person, false, issuer, T0, T0.plus(Duration.ofDays(30)), T0);
        PersonCertificate newer = certificate(consumer, person, false, issuer, T0, T0.plus(Duration.ofDays(30)),
                T0.plusSeconds(5));
        PersonCertificate test = certificate(consumer, person, true, issuer, T0, T0.plus(Duration.ofDays(30)), T0.plusSeconds(9));
        PersonCertificate stranger = certificate(consumerId(), person, false, issuer, T0, T0.plus(Duration.ofDays(30)),
                T0.plusSeconds(9));
        PersonCertificate otherPerson = certificate(consumer, personId(), false, issuer, T0, T0.plus(Duration.ofDays(30)),
                T0.plusSeconds(9));
        for (PersonCertificate c : List.of(newer, test, older, stranger, otherPerson)) {
            personCertificates().add(c);
        }

        assertThat(personCertificates().findByPerson(consumer, person, false)).containsExactly(newer, older);
        assertThat(personCertificates().findByPerson(consumer, person, true)).containsExactly(test);
        assertThat(personCertificates().findById(consumer, true, older.certificateId())).as("a live one, asked as test").isEmpty();
        assertThat(personCertificates().findById(consumer, false, test.certificateId())).as("a test one, asked as live").isEmpty();
        assertThat(personCertificates().findById(consumer, false, stranger.certificateId())).as("another consumer's").isEmpty();
    }

    @Test
    void theValidCertificateIsTheNewestOfItsIssuerWithinItsValidity() {
        String consumer = consumerId();
        String person = personId();
        String issuer = "d".repeat(64);
        PersonCertificate expired = certificate(consumer, person, false, issuer, T0.minus(Duration.ofDays(10)),
                T0.minusSeconds(1), T0.plusSeconds(30));
        PersonCertificate valid = certificate(consumer, person, false, issuer, T0.minus(Duration.ofDays(1)),
                T0.plus(Duration.ofDays(1)), T0);
        PersonCertificate otherCa = certificate(consumer, person, false, "e".repeat(64), T0.minus(Duration.ofDays(1)),
                T0.plus(Duration.ofDays(1)), T0.plusSeconds(60));
        PersonCertificate notYet = certificate(consumer, person, false, issuer, T0.plusSeconds(10), T0.plus(Duration.ofDays(1)),
                T0.plusSeconds(90));
        for (PersonCertificate c : List.of(expired, valid, otherCa, notYet)) {
            personCertificates().add(c);
        }

        assertThat(personCertificates().findValid(consumer, person, false, issuer, T0)).contains(valid);
        assertThat(personCertificates().findValid(consumer, person, false, issuer, T0.plusSeconds(10))).contains(notYet);
        assertThat(personCertificates().findValid(consumer, person, false, issuer, T0.plus(Duration.ofDays(1)))).isEmpty();
        assertThat(personCertificates().findValid(consumer, person, true, issuer, T0)).as("no test one").isEmpty();
    }

    @Test
    void erasingAPersonDeletesTheirCertificatesOfThatKindOnly() {
        String consumer = consumerId();
        String person = personId();
        PersonCertificate live1 = certificate(consumer, person, false, "f".repeat(64), T0, T0.plusSeconds(3600), T0);
        PersonCertificate live2 = certificate(consumer, person, false, "f".repeat(64), T0, T0.plusSeconds(3600), T0.plusSeconds(1));
        PersonCertificate test = certificate(consumer, person, true, "f".repeat(64), T0, T0.plusSeconds(3600), T0);
        PersonCertificate stranger = certificate(consumerId(), person, false, "f".repeat(64), T0, T0.plusSeconds(3600), T0);
        for (PersonCertificate c : List.of(live1, live2, test, stranger)) {
            personCertificates().add(c);
        }

        assertThat(personCertificates().deleteByPerson(consumer, person, false)).isEqualTo(2);
        assertThat(personCertificates().findByPerson(consumer, person, false)).isEmpty();
        assertThat(personCertificates().findById(consumer, false, live1.certificateId())).isEmpty();
        assertThat(personCertificates().findByPerson(consumer, person, true)).containsExactly(test);
        assertThat(personCertificates().findById(stranger.consumerId(), false, stranger.certificateId())).contains(stranger);
        assertThat(personCertificates().deleteByPerson(consumer, person, false)).as("idempotent").isZero();
    }

    // ================================================================ webhooks

    private WebhookEndpoint endpoint(String consumer, Instant at) {
        WebhookEndpoint e = new WebhookEndpoint("wh_" + eventId(), consumer, "https://hooks.example/" + eventId(),
                randomBytes(40), at);
        storage.webhooks().saveEndpoint(e);
        return e;
    }

    private FlowEvent commitEventOf(String consumer, Instant at) {
        Flow flow = minimalFlow(consumer).build();
        flows().insert(flow);
        FlowEvent e = event(consumer, flow.flowId(), null, at);
        assertThat(storage.commit(new FlowChange(flow, null, null, List.of(e)))).isTrue();
        return e;
    }

    @Test
    void anEndpointIsStoredAsGivenAndListedByConsumerOldestFirst() {
        String consumer = consumerId();
        WebhookEndpoint second = endpoint(consumer, T0.plusSeconds(1));
        WebhookEndpoint first = endpoint(consumer, T0);
        endpoint(consumerId(), T0);

        assertThat(storage.webhooks().findEndpoint(first.endpointId())).contains(first);
        assertThat(storage.webhooks().findEndpoint(first.endpointId()).orElseThrow().sealedSecret())
                .isEqualTo(first.sealedSecret());
        assertThat(storage.webhooks().endpoints(consumer)).containsExactly(first, second);
        assertThat(storage.webhooks().findEndpoint("wh_unknown")).isEmpty();
        assertThatThrownBy(() -> storage.webhooks().saveEndpoint(first)).isInstanceOf(DuplicateKeyException.class);
    }

    @Test
    void aCommitWritesOnePendingDeliveryPerEndpointOfTheEventsConsumer() {
        String consumer = consumerId();
        WebhookEndpoint a = endpoint(consumer, T0);
        WebhookEndpoint b = endpoint(consumer, T0);
        endpoint(consumerId(), T0); // another consumer's: not written for this event

        FlowEvent event = commitEventOf(consumer, T0.plusSeconds(1));

        List<WebhookDelivery> written = storage.webhooks().deliveriesOfEvent(event.eventId());
        assertThat(written).extracting(WebhookDelivery::endpointId)
                .containsExactlyInAnyOrder(a.endpointId(), b.endpointId());
        for (WebhookDelivery d : written) {
            assertThat(d.deliveryId()).isEqualTo(WebhookDelivery.idOf(d.endpointId(), event.eventId()));
            assertThat(d.state()).isEqualTo(WebhookDelivery.State.PENDING);
            assertThat(d.attempts()).isZero();
            assertThat(d.consumerId()).isEqualTo(consumer);
            assertThat(d.createdAt()).isEqualTo(event.createdAt());
            assertThat(d.nextAttemptAt()).isEqualTo(event.createdAt());
            assertThat(d.lastStatus()).isNull();
            assertThat(d.deliveredAt()).isNull();
        }
        List<WebhookStore.Due> due = storage.webhooks().claimDue(T0.plusSeconds(1), LEASE, 10);
        assertThat(due).hasSize(2);
        for (WebhookStore.Due d : due) {
            assertSameEvent(d.event(), event);
            assertThat(d.endpoint()).isEqualTo(d.delivery().endpointId().equals(a.endpointId()) ? a : b);
        }
    }

    @Test
    void anEventBeforeAnyEndpointOrAFailedCommitWritesNoDelivery() {
        String consumer = consumerId();
        FlowEvent before = commitEventOf(consumer, T0);
        endpoint(consumer, T0.plusSeconds(1));
        Flow flow = minimalFlow(consumer).version(9).build(); // never stored: the commit's compare-and-set fails
        FlowEvent lost = event(consumer, flow.flowId(), null, T0.plusSeconds(2));

        assertThat(storage.commit(new FlowChange(flow, null, null, List.of(lost)))).isFalse();

        assertThat(storage.webhooks().deliveriesOfEvent(before.eventId())).isEmpty();
        assertThat(storage.webhooks().deliveriesOfEvent(lost.eventId())).isEmpty();
        assertThat(storage.webhooks().claimDue(T0.plus(Duration.ofDays(1)), LEASE, 10)).isEmpty();
    }

    @Test
    void dueDeliveriesAreClaimedEarliestFirstOnceWhileTheirLeaseLives() {
        String consumer = consumerId();
        endpoint(consumer, T0);
        FlowEvent late = commitEventOf(consumer, T0.plusSeconds(2));
        FlowEvent early = commitEventOf(consumer, T0.plusSeconds(1));
        commitEventOf(consumer, T0.plusSeconds(10)); // not due yet
        Duration lease = Duration.ofSeconds(30);
        Instant now = T0.plusSeconds(5);

        assertThat(storage.webhooks().claimDue(now, lease, 1)).extracting(d -> d.event().eventId())
                .containsExactly(early.eventId());
        assertThat(storage.webhooks().claimDue(now, lease, 10)).extracting(d -> d.event().eventId())
                .containsExactly(late.eventId());
        assertThat(storage.webhooks().claimDue(now, lease, 10)).isEmpty();
        assertThat(storage.webhooks().claimDue(now.plus(lease).minusMillis(1), lease, 10)) // only the third, due by now
                .extracting(d -> d.event().createdAt()).containsExactly(T0.plusSeconds(10));
        // the senders died: once the leases are over, the deliveries are claimable again
        assertThat(storage.webhooks().claimDue(now.plus(lease).plusSeconds(1), lease, 10)).hasSize(2);
    }

    @Test
    void anAttemptIsRecordedOnceAndMovesTheDelivery() {
        String consumer = consumerId();
        endpoint(consumer, T0);
        long waiting = storage.webhooks().countPending();
        FlowEvent event = commitEventOf(consumer, T0);
        assertThat(storage.webhooks().countPending()).as("the backlog").isEqualTo(waiting + 1);
        WebhookDelivery claimed = storage.webhooks().claimDue(T0, LEASE, 10).get(0).delivery();
        WebhookDelivery failed = claimed.afterAttempt(WebhookDelivery.State.PENDING, T0.plusSeconds(1), 500, null,
                T0.plusSeconds(11));

        assertThat(storage.webhooks().recordAttempt(failed)).isTrue();
        assertThat(storage.webhooks().recordAttempt(failed)).as("a second sender's record of the same attempt").isFalse();
        assertThat(storage.webhooks().countPending()).as("a failed attempt still waits").isEqualTo(waiting + 1);

        assertThat(storage.webhooks().deliveriesOfEvent(event.eventId())).containsExactly(failed);
        // the claim was released with the record, and the delivery is due again only at its next attempt
        assertThat(storage.webhooks().claimDue(T0.plusSeconds(10), LEASE, 10)).isEmpty();
        WebhookDelivery again = storage.webhooks().claimDue(T0.plusSeconds(11), LEASE, 10).get(0).delivery();
        assertThat(again).isEqualTo(failed);
        WebhookDelivery delivered = again.afterAttempt(WebhookDelivery.State.DELIVERED, T0.plusSeconds(12), 204, null, null);
        assertThat(storage.webhooks().recordAttempt(delivered)).isTrue();
        assertThat(storage.webhooks().deliveriesOfEvent(event.eventId())).containsExactly(delivered);
        assertThat(delivered.deliveredAt()).isEqualTo(T0.plusSeconds(12));
        assertThat(storage.webhooks().countPending()).as("delivered: no longer waiting").isEqualTo(waiting);
        assertThat(storage.webhooks().claimDue(T0.plus(Duration.ofDays(2)), LEASE, 10)).isEmpty();
        assertThat(storage.webhooks().recordAttempt(delivered.afterAttempt(WebhookDelivery.State.DEAD,
                T0.plusSeconds(13), null, "late", null))).as("a delivered one is final").isFalse();
    }

    @Test
    void removingAnEndpointEndsItsPendingDeliveriesAndWritesNoMore() {
        String consumer = consumerId();
        WebhookEndpoint gone = endpoint(consumer, T0);
        WebhookEndpoint kept = endpoint(consumer, T0);
        FlowEvent event = commitEventOf(consumer, T0);

        assertThat(storage.webhooks().removeEndpoint(consumerId(), gone.endpointId(), T0.plusSeconds(1)))
                .as("another consumer's").isFalse();
        assertThat(storage.webhooks().removeEndpoint(consumer, gone.endpointId(), T0.plusSeconds(1))).isTrue();
        assertThat(storage.webhooks().removeEndpoint(consumer, gone.endpointId(), T0.plusSeconds(1))).isFalse();

        assertThat(storage.webhooks().endpoints(consumer)).containsExactly(kept);
        WebhookDelivery dead = storage.webhooks().deliveriesOfEvent(event.eventId()).stream()
                .filter(d -> d.endpointId().equals(gone.endpointId())).findFirst().orElseThrow();
        assertThat(dead.state()).isEqualTo(WebhookDelivery.State.DEAD);
        assertThat(dead.lastError()).isEqualTo("endpoint removed");
        assertThat(storage.webhooks().claimDue(T0.plusSeconds(2), LEASE, 10)).extracting(d -> d.endpoint().endpointId())
                .containsExactly(kept.endpointId());
        FlowEvent later = commitEventOf(consumer, T0.plusSeconds(3));
        assertThat(storage.webhooks().deliveriesOfEvent(later.eventId())).extracting(WebhookDelivery::endpointId)
                .containsExactly(kept.endpointId());
    }

    @Test
    void theDeliveryLogIsTheConsumersNewestFirst() {
        String consumer = consumerId();
        endpoint(consumer, T0);
        FlowEvent first = commitEventOf(consumer, T0);
        FlowEvent second = commitEventOf(consumer, T0.plusSeconds(1));
        FlowEvent third = commitEventOf(consumer, T0.plusSeconds(2));
        String other = consumerId();
        endpoint(other, T0);
        commitEventOf(other, T0.plusSeconds(3));

        assertThat(storage.webhooks().deliveries(consumer, 2)).extracting(WebhookDelivery::eventId)
                .containsExactly(third.eventId(), second.eventId());
        assertThat(storage.webhooks().deliveries(consumer, 10)).extracting(WebhookDelivery::eventId)
                .containsExactly(third.eventId(), second.eventId(), first.eventId());
    }

    @Test
    void concurrentSendersNeverClaimOneDeliveryTwice() throws Exception {
        String consumer = consumerId();
        endpoint(consumer, T0);
        endpoint(consumer, T0);
        Flow flow = minimalFlow(consumer).build();
        flows().insert(flow);
        List<FlowEvent> events = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            events.add(event(consumer, flow.flowId(), null, T0.plusMillis(i)));
        }
        assertThat(storage.commit(new FlowChange(flow, null, null, events))).isTrue();
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<List<String>>> claims = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                claims.add(pool.submit(() -> {
                    start.await();
                    List<String> mine = new ArrayList<>();
                    List<WebhookStore.Due> batch;
                    do {
                        batch = storage.webhooks().claimDue(T0.plusSeconds(1), LEASE, 7);
                        batch.forEach(d -> mine.add(d.delivery().deliveryId()));
                    } while (!batch.isEmpty());
                    return mine;
                }));
            }
            start.countDown();
            List<String> all = new ArrayList<>();
            for (Future<List<String>> f : claims) {
                all.addAll(f.get(60, TimeUnit.SECONDS));
            }
            assertThat(all).hasSize(120).doesNotHaveDuplicates();
        } finally {
            pool.shutdownNow();
        }
    }

    // ================================================================ helpers

    /** {@code f} saved as an attempt's file: tagged, findable only once a commit binds it. */
    private static StoredFile unbound(StoredFile f) {
        return new StoredFile(f.fileId(), f.consumerId(), f.personId(), f.flowId(), f.sessionId(), f.label(),
                f.contentType(), f.fileName(), f.size(), f.createdAt(), f.test(), "attempt-" + f.fileId(), false);
    }

    private static StoredFile ofKind(StoredFile f, boolean test) {
        return new StoredFile(f.fileId(), f.consumerId(), f.personId(), f.flowId(), f.sessionId(), f.label(),
                f.contentType(), f.fileName(), f.size(), f.createdAt(), test, f.attemptId(), f.bound());
    }

    /** The session, flow and person queries that would find {@code f}, of its kind. */
    private static List<FileQuery> queriesOf(StoredFile f) {
        return List.of(FileQuery.session(f.sessionId(), f.test()), FileQuery.flow(f.flowId(), f.test()),
                FileQuery.person(f.personId(), f.test()));
    }

    private void assertNotFound(StoredFile f) {
        for (FileQuery query : queriesOf(f)) {
            assertThat(files().findNewest(f.consumerId(), f.label(), query)).as("%s by %s", f.fileId(), query).isEmpty();
        }
    }

    /** Every field equal; the JSON parts compared as the trees a client would see. */
    protected static void assertSameFlow(Flow actual, Flow expected) {
        assertThat(actual).usingRecursiveComparison().ignoringFields("template", "inputData").isEqualTo(expected);
        assertThat(tree(actual.template())).isEqualTo(tree(expected.template()));
        assertThat(tree(actual.inputData())).isEqualTo(tree(expected.inputData()));
        assertThat(actual.template().pipeline()).hasSameSizeAs(expected.template().pipeline());
    }

    /** Every field equal; the result and the step state compared as JSON trees. */
    protected static void assertSameSession(ServiceSession actual, ServiceSession expected) {
        assertThat(actual).usingRecursiveComparison().ignoringFields("result", "stepState").isEqualTo(expected);
        assertThat(actual.result()).isEqualTo(expected.result());
        assertThat(actual.stepState()).isEqualTo(expected.stepState());
        assertThat(actual.states()).containsExactlyElementsOf(expected.states());
    }

    /** Every field equal; the payload compared as a JSON tree. */
    protected static void assertSameEvent(FlowEvent actual, FlowEvent expected) {
        assertThat(actual).usingRecursiveComparison().ignoringFields("payload").isEqualTo(expected);
        assertThat(actual.payload()).isEqualTo(expected.payload());
    }

    /** A flow with one open session, and a change that would close it, open the next and report it. */
    private Fixture flowWithOpenSession() {
        String consumer = consumerId();
        Flow flow = minimalFlow(consumer).build();
        flows().insert(flow);
        ServiceSession open = session(consumer, flow.personId(), flow.flowId(), "consent", T0);
        sessions().insert(open);
        ServiceSession processed = open.transition(SessionStateName.PROCESSED, T0.plusSeconds(1));
        ServiceSession next = livenessSession(consumer, flow.personId(), flow.flowId(), sha256(), T0.plusSeconds(1));
        FlowEvent event = event(consumer, flow.flowId(), open.sessionId(), T0.plusSeconds(1));
        return new Fixture(flow, open, processed, next, event);
    }

    private record Fixture(Flow flow, ServiceSession open, ServiceSession processed, ServiceSession next,
                           FlowEvent event) {
        FlowChange change(Flow changed) {
            return new FlowChange(changed, List.of(next), List.of(processed), List.of(event));
        }

        FlowChange change(Flow changed, List<String> bindFiles) {
            return new FlowChange(changed, List.of(next), List.of(processed), List.of(event), bindFiles);
        }
    }

    /** Neither the closed session, nor the next one, nor the event of {@code f}'s change is visible. */
    private void assertNothingOfTheChangeWasApplied(Fixture f) {
        assertThat(sessions().findById(f.open.sessionId()).orElseThrow().state()).isEqualTo(SessionStateName.CREATED);
        assertThat(sessions().findById(f.next.sessionId())).isEmpty();
        assertThat(sessions().findByAccessTokenHash(f.next.liveness().accessTokenHash())).isEmpty();
        assertThat(events().claimUndelivered(T0.plus(Duration.ofDays(1)), LEASE, 100)).isEmpty();
    }

    private FlowEvent commitOneEvent() {
        Flow flow = minimalFlow(consumerId()).build();
        flows().insert(flow);
        FlowEvent event = event(flow.consumerId(), flow.flowId(), null, T0);
        assertThat(storage.commit(new FlowChange(flow, null, null, List.of(event)))).isTrue();
        return event;
    }

    private static FlowEvent withId(FlowEvent e, String eventId) {
        return new FlowEvent(eventId, e.type(), e.consumerId(), e.flowId(), e.sessionId(), e.payload(), e.createdAt());
    }

    private byte[] readAll(String fileId) throws IOException {
        Optional<InputStream> opened = files().open(fileId);
        assertThat(opened).as("file %s", fileId).isPresent();
        try (InputStream in = opened.get()) {
            return in.readAllBytes();
        }
    }

    private static List<String> ids(List<Flow> flows) {
        return flows.stream().map(Flow::flowId).toList();
    }

    // ---------------------------------------------------------------- idempotency keys

    private static final Duration KEY_KEPT = Duration.ofHours(24);
    private static final Duration KEY_LEASE = Duration.ofSeconds(60);

    private Optional<IdempotencyStore.Entry> claimKey(String scope, String key, String hash, String claimId, Instant now) {
        return idempotencyKeys().claim(scope, key, hash, claimId, now, now.plus(KEY_KEPT), now.plus(KEY_LEASE));
    }

    @Test
    void anIdempotencyKeyIsClaimedOnceAndThenAnswersWithTheStoredAnswer() {
        String scope = consumerId() + "/live";
        String hash = sha256();
        assertThat(claimKey(scope, "key-1", hash, "claim-a", T0)).as("a new key is the caller's").isEmpty();

        IdempotencyStore.Entry running = claimKey(scope, "key-1", hash, "claim-b", T0.plusSeconds(1)).orElseThrow();
        assertThat(running.completed()).as("in progress").isFalse();
        assertThat(running.claimId()).isEqualTo("claim-a");
        assertThat(running.requestHash()).isEqualTo(hash);

        assertThat(idempotencyKeys().complete(scope, "key-1", "claim-b", 201, "other", "{}"))
                .as("only the claimant completes").isFalse();
        assertThat(idempotencyKeys().complete(scope, "key-1", "claim-a", 201, "01FLOW-F", "{\"flow_id\":\"01FLOW-F\"}"))
                .isTrue();
        assertThat(idempotencyKeys().complete(scope, "key-1", "claim-a", 500, null, null))
                .as("an answer is stored once").isFalse();

        IdempotencyStore.Entry done = claimKey(scope, "key-1", sha256(), "claim-c", T0.plusSeconds(2)).orElseThrow();
        assertThat(done.completed()).isTrue();
        assertThat(done.status()).isEqualTo(201);
        assertThat(done.resourceId()).isEqualTo("01FLOW-F");
        assertThat(done.answer()).isEqualTo("{\"flow_id\":\"01FLOW-F\"}");
        assertThat(done.requestHash()).as("the first request's hash, for the caller to compare").isEqualTo(hash);
        assertThat(done.createdAt()).isEqualTo(T0);
        assertThat(done.expiresAt()).isEqualTo(T0.plus(KEY_KEPT));
    }

    @Test
    void anIdempotencyKeyBelongsToItsScope() {
        String hash = sha256();
        assertThat(claimKey("acme/live", "shared", hash, "a", T0)).isEmpty();
        assertThat(claimKey("acme/test", "shared", hash, "b", T0)).as("the other kind of key").isEmpty();
        assertThat(claimKey("other/live", "shared", hash, "c", T0)).as("another consumer").isEmpty();
        assertThat(claimKey("acme/live", "shared", hash, "d", T0)).isPresent();
    }

    @Test
    void aReleasedKeyIsFreeAgainButACompletedOneIsNotReleased() {
        String scope = consumerId() + "/test";
        assertThat(claimKey(scope, "k", sha256(), "a", T0)).isEmpty();
        idempotencyKeys().release(scope, "k", "someone-else");
        assertThat(claimKey(scope, "k", sha256(), "b", T0)).as("only the claimant releases").isPresent();
        idempotencyKeys().release(scope, "k", "a");
        assertThat(claimKey(scope, "k", sha256(), "b", T0)).as("released: the next request runs").isEmpty();
        assertThat(idempotencyKeys().complete(scope, "k", "b", 201, "id", "{}")).isTrue();
        idempotencyKeys().release(scope, "k", "b");
        assertThat(claimKey(scope, "k", sha256(), "c", T0).orElseThrow().completed()).isTrue();
    }

    @Test
    void anExpiredKeyOrARunOutLeaseIsTakenAfresh() {
        String scope = consumerId() + "/live";
        String first = sha256();
        assertThat(claimKey(scope, "lease", first, "a", T0)).isEmpty();
        assertThat(claimKey(scope, "lease", first, "b", T0.plus(KEY_LEASE).minusMillis(1))).isPresent();
        assertThat(claimKey(scope, "lease", first, "b", T0.plus(KEY_LEASE)))
                .as("the claimant's lease ran out (its node died)").isEmpty();
        assertThat(idempotencyKeys().complete(scope, "lease", "a", 201, "late", "{}"))
                .as("the old claimant can no longer complete").isFalse();

        assertThat(claimKey(scope, "day", first, "a", T0)).isEmpty();
        assertThat(idempotencyKeys().complete(scope, "day", "a", 201, "id-1", "{}")).isTrue();
        assertThat(claimKey(scope, "day", sha256(), "b", T0.plus(KEY_KEPT).minusMillis(1))).isPresent();
        String second = sha256();
        assertThat(claimKey(scope, "day", second, "b", T0.plus(KEY_KEPT))).as("24 h later the key is new").isEmpty();
        IdempotencyStore.Entry again = claimKey(scope, "day", second, "c", T0.plus(KEY_KEPT)).orElseThrow();
        assertThat(again.requestHash()).isEqualTo(second);
        assertThat(again.completed()).isFalse();
        assertThat(again.resourceId()).isNull();
    }

    @Test
    void ofConcurrentClaimsOfOneKeyExactlyOneTakesIt() throws Exception {
        String scope = consumerId() + "/live";
        String hash = sha256();
        List<Boolean> taken = concurrently(8, i -> claimKey(scope, "race", hash, "claim-" + i, T0).isEmpty());
        assertThat(taken).containsOnlyOnce(true);

        // and once it expired, again exactly one of many
        List<Boolean> retaken = concurrently(8, i -> claimKey(scope, "race", hash, "late-" + i, T0.plus(KEY_KEPT)).isEmpty());
        assertThat(retaken).containsOnlyOnce(true);
    }

    @Test
    void expiredKeysArePurgedInBatchesOldestFirst() {
        String scope = consumerId() + "/live";
        for (int i = 0; i < 5; i++) {
            idempotencyKeys().claim(scope, "old-" + i, sha256(), "a", T0, T0.plusSeconds(i), T0.plusSeconds(60));
        }
        idempotencyKeys().claim(scope, "live", sha256(), "a", T0, T0.plusSeconds(60), T0.plusSeconds(60));
        assertThat(idempotencyKeys().purgeExpired(T0.plusSeconds(30), 3)).isEqualTo(3);
        assertThat(idempotencyKeys().purgeExpired(T0.plusSeconds(30), 3)).isEqualTo(2);
        assertThat(idempotencyKeys().purgeExpired(T0.plusSeconds(30), 3)).isZero();
        assertThat(claimKey(scope, "live", sha256(), "b", T0.plusSeconds(30))).as("kept").isPresent();
        assertThat(claimKey(scope, "old-4", sha256(), "b", T0.plusSeconds(30))).as("purged").isEmpty();
    }

    /** An action indexed by thread number. */
    protected interface IndexedTask<T> {
        T run(int index) throws Exception;
    }

    /**
     * Runs {@code threads} copies of {@code task} at once (released together, so they really race) and
     * returns their results in thread order; any failure in a thread fails the test.
     */
    protected static <T> List<T> concurrently(int threads, IndexedTask<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch ready = new CountDownLatch(threads);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int index = i;
                Callable<T> call = () -> {
                    ready.countDown();
                    go.await();
                    return task.run(index);
                };
                futures.add(pool.submit(call));
            }
            ready.await();
            go.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- retention, erasure, audit trail: the same store, through LifecycleContractTest ----

    /** The directory a filesystem file store keeps content in; empty for stores that keep none on disk. */
    protected java.util.Optional<java.nio.file.Path> contentDirectory() {
        return java.util.Optional.empty();
    }

    /** {@link LifecycleContractTest} on this very store, so every store that passes this contract passes that one. */
    @org.junit.jupiter.api.Nested
    class Lifecycle extends LifecycleContractTest {
        @Override
        protected IdflowStorage storage() {
            return StorageContractTest.this.storage();
        }

        @Override
        protected java.util.Optional<java.nio.file.Path> contentDirectory() {
            return StorageContractTest.this.contentDirectory();
        }
    }
}
