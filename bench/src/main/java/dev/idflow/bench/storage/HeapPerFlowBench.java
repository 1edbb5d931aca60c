package dev.idflow.bench.storage;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Ids;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.FlowInputData;
import dev.idflow.core.model.FlowTemplate;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.model.SessionState;
import dev.idflow.core.model.SessionStateName;
import dev.idflow.storage.memory.InMemoryStorage;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.openjdk.jol.info.GraphLayout;

/**
 * Target: the memory store holds a typical flow in at most 4 KB of heap. A typical flow: created with input
 * data (iin, phone, name) and a two-step template parsed from JSON for each flow (as a request does), started,
 * one verilive session with a result, processed. N flows go into an {@link InMemoryStorage}; JOL walks the
 * store's object graph (everything reachable from it, counted once) and the figure is (size with N − size
 * empty) / N.
 *
 * <p>{@code java -cp … dev.idflow.bench.storage.HeapPerFlowBench [flows]} (default 20,000)
 */
public final class HeapPerFlowBench {
    private HeapPerFlowBench() {
    }

    static final String TEMPLATE = "{\"pipeline\":[{\"service_name\":\"verilive\",\"timeout\":300},"
            + "{\"service_name\":\"consent\",\"text\":\"I agree\"}],\"ui\":{\"theme\":\"bts\"}}";

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        InMemoryStorage storage = new InMemoryStorage();
        long empty = GraphLayout.parseInstance(storage).totalSize();
        Ids ids = new Ids(new SecureRandom(), Clock.systemUTC());
        Instant t = Instant.parse("2026-06-01T10:00:00Z");
        for (int i = 0; i < n; i++) {
            add(storage, ids, t.plusMillis(i), i);
        }
        GraphLayout layout = GraphLayout.parseInstance(storage);
        long full = layout.totalSize();
        double perFlow = (full - empty) / (double) n;
        System.out.println(layout.toFootprint().lines().limit(30).reduce("", (a, b) -> a + b + "\n"));
        System.out.printf("RESULT heap per flow (memory store, JOL): %.0f bytes = %.2f KB per flow over %,d flows"
                + " (target <= 4 KB: %s)%n", perFlow, perFlow / 1024, n, perFlow <= 4096 ? "met" : "MISSED");
        // what a read costs the request path: findById hands out a copy (for the record, not a target)
        java.util.List<String> flowIds = storage.flows().search(new dev.idflow.core.spi.FlowQuery("bank-one", null, null, null,
                null, null, null, null, 100)).stream().map(Flow::flowId).toList();
        for (int round = 0; round < 5; round++) {
            long start = System.nanoTime();
            int calls = 200_000;
            for (int i = 0; i < calls; i++) {
                if (storage.flows().findById(flowIds.get(i % flowIds.size())).isEmpty()) {
                    throw new IllegalStateException("flow gone");
                }
            }
            System.out.printf("findById: %.2f µs per call (round %d, one thread)%n", (System.nanoTime() - start) / 1e3 / calls, round);
        }
    }

    static void add(InMemoryStorage storage, Ids ids, Instant at, int i) throws Exception {
        String flowId = ids.flowId();
        String personId = "person-" + i;
        FlowTemplate template = Json.mapper().readValue(TEMPLATE, FlowTemplate.class);
        FlowInputData input = Json.mapper().readValue("{\"iin\":\"88010130" + String.format("%04d", i % 10000)
                + "\",\"phone_number\":\"+7701" + String.format("%07d", i) + "\",\"full_name\":\"Person " + i + "\"}",
                FlowInputData.class);
        Flow created = Flow.builder().flowId(flowId).consumerId(new String("bank-one")).vlinkHash(ids.flowId() + "h")
                .apiVersion(new String("2.0.0")).locale(new String("ru")).personId(personId).template(template)
                .inputData(input).ttl(3600).createdAt(at).flowStatus(ExecutionStatus.UNKNOWN).version(0)
                .deadlineAt(at.plusSeconds(3600)).build();
        storage.flows().insert(created);
        Flow started = Flow.builder().flowId(flowId).consumerId(created.consumerId()).vlinkHash(created.vlinkHash())
                .apiVersion(created.apiVersion()).locale(created.locale()).personId(personId).template(template)
                .inputData(input).ttl(3600).createdAt(at).updatedAt(at.plusSeconds(5)).startedAt(at.plusSeconds(5))
                .currentStepId(new String("step-1")).currentStepStartedAt(at.plusSeconds(5))
                .lastActivityAt(at.plusSeconds(30)).initialDeviceType(new String("mobile")).devicePlatform(new String("android"))
                .flowStatus(ExecutionStatus.UNKNOWN).deadlineAt(at.plusSeconds(305)).version(0).build();
        if (!storage.flows().update(started)) {
            throw new IllegalStateException("update lost");
        }
        ObjectNode result = (ObjectNode) Json.mapper().readTree("{\"service_name\":\"verilive\",\"service_status\":\"pass\","
                + "\"error_codes\":[],\"warnings\":[],\"score\":0.97,\"start_time\":\"2026-06-01T10:00:05.000Z\"}");
        ServiceSession session = new ServiceSession(ids.sessionId(), created.consumerId(), personId, flowId,
                new String("step-1"), new String("verilive"), created.apiVersion(), false, SessionStateName.PROCESSED,
                List.of(new SessionState(SessionStateName.CREATED, at.plusSeconds(5)),
                        new SessionState(SessionStateName.PROCESSING, at.plusSeconds(20)),
                        new SessionState(SessionStateName.PROCESSED, at.plusSeconds(30))),
                ExecutionStatus.PASS, result, null, null, null, at.plusSeconds(5), at.plusSeconds(30), 0);
        storage.sessions().insert(session);
    }
}
