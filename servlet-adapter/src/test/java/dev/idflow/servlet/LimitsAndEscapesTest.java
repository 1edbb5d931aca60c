package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.assertNoInternals;
import static dev.idflow.servlet.PersonDevice.clientError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.Idflow;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.FlowTemplate;
import dev.idflow.core.model.FlowUi;
import dev.idflow.core.model.PipelineStep;
import dev.idflow.core.spi.FlowRepository;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.ServiceHandler;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Reply;
import dev.idflow.storage.memory.InMemoryStorage;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Finding 8: inputs that are too big for the engine are refused, and nothing escapes as an HTML 500. */
class LimitsAndEscapesTest {
    private static final Headers KEY = Headers.test(TestServer.TEST_KEY);

    private static String steps(int count, String service) {
        return String.join(",", Collections.nCopies(count, "{\"service_name\":\"" + service + "\"}"));
    }

    private static String flowWith(String template) {
        return "{\"person_id\":\"" + newPerson() + "\",\"template\":" + template + "}";
    }

    // ---- pipeline, translation and css sizes ----

    @Test
    void aPipelineOfFiftyOneStepsIsRefusedNamingTheLimit() throws Exception {
        try (TestServer server = new TestServer("/kyc")) {
            JsonNode body = assertError(server.postJson("/flow", KEY, flowWith("{\"pipeline\":[" + steps(51, "consent") + "]}")),
                    422, "INVALID_PAYLOAD", "template.pipeline");
            assertThat(body.get("error_msg").asText()).contains("at most 50 steps");
        }
    }

    @Test
    void aPipelineOfThreeThousandStepsIsRefusedAtCreate() throws Exception {
        try (TestServer server = new TestServer("/kyc")) {
            JsonNode body = assertError(server.postJson("/flow", KEY, flowWith("{\"pipeline\":[" + steps(3000, "kisc") + "]}")),
                    422, "INVALID_PAYLOAD", "template.pipeline");
            assertThat(body.get("error_msg").asText()).contains("at most 50 steps");
        }
    }

    @Test
    void aPipelineOfFiftyStepsIsAccepted() throws Exception {
        try (TestServer server = new TestServer("/kyc")) {
            assertThat(server.postJson("/flow", KEY, flowWith("{\"pipeline\":[" + steps(50, "consent") + "]}")).status())
                    .isEqualTo(201);
        }
    }

    @Test
    void anOversizedCssIsRefusedNamingTheLimit() throws Exception {
        try (TestServer server = new TestServer("/kyc")) {
            String css = "a{}".repeat(30_000);
            JsonNode body = assertError(server.postJson("/flow", KEY, flowWith("{\"pipeline\":[" + steps(1, "consent")
                    + "],\"ui\":{\"css\":\"" + css + "\"}}")), 422, "INVALID_PAYLOAD", "template.ui.css");
            assertThat(body.get("error_msg").asText()).contains("65536");
        }
    }

    @Test
    void translationsAreCappedInLocalesStringsAndLength() throws Exception {
        try (TestServer server = new TestServer("/kyc")) {
            StringBuilder locales = new StringBuilder();
            for (int i = 0; i < 17; i++) {
                locales.append(i == 0 ? "" : ",").append("\"l").append(i).append("\":{\"title\":\"x\"}");
            }
            assertThat(assertError(server.postJson("/flow", KEY, flowWith("{\"pipeline\":[" + steps(1, "consent")
                    + "],\"ui\":{\"translation\":{" + locales + "}}}")), 422, "INVALID_PAYLOAD", "template.ui.translation")
                    .get("error_msg").asText()).contains("at most 16 locales");

            StringBuilder strings = new StringBuilder();
            for (int i = 0; i < 501; i++) {
                strings.append(i == 0 ? "" : ",").append("\"s").append(i).append("\":\"x\"");
            }
            assertThat(assertError(server.postJson("/flow", KEY, flowWith("{\"pipeline\":[" + steps(1, "consent")
                    + "],\"ui\":{\"translation\":{\"ru\":{" + strings + "}}}}")), 422, "INVALID_PAYLOAD", "template.ui.translation[ru]")
                    .get("error_msg").asText()).contains("at most 500 strings");

            assertThat(assertError(server.postJson("/flow", KEY, flowWith("{\"pipeline\":[" + steps(1, "consent")
                    + "],\"ui\":{\"translation\":{\"ru\":{\"title\":\"" + "x".repeat(2001) + "\"}}}}")), 422, "INVALID_PAYLOAD",
                    "template.ui.translation[ru][title]").get("error_msg").asText()).contains("at most 2000 characters");
        }
    }

    @Test
    void aTemplateRegisteredInJavaGetsTheSameLimits() throws Exception {
        try (TestServer server = new TestServer("/kyc")) {
            List<PipelineStep> many = new ArrayList<>();
            for (int i = 0; i < 51; i++) {
                many.add(dev.idflow.core.internal.Json.mapper().convertValue(Map.of("service_name", "consent"), PipelineStep.class));
            }
            assertThatThrownBy(() -> server.idflow.registerTemplate("long", new FlowTemplate(many, null, null, null)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pipeline: at most 50 steps");
            FlowUi bigCss = new FlowUi(null, null, null, null, "a".repeat(70_000), null);
            assertThatThrownBy(() -> server.idflow.registerTemplate("css",
                    new FlowTemplate(many.subList(0, 1), bigCss, null, null)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ui.css");
        }
    }

    // ---- the engine walks steps without recursing ----

    @Test
    void aFiftyStepSandboxFlowOfInstantServicesStartsAndCompletesAtOneStackDepth() throws Exception {
        List<Integer> depths = Collections.synchronizedList(new ArrayList<>());
        ServiceHandler kisc = new ServiceHandler() {
            @Override
            public String serviceName() {
                return "kisc";
            }

            @Override
            public Outcome execute(Call call) {
                depths.add(Thread.currentThread().getStackTrace().length);
                return new Outcome(ExecutionStatus.PASS, dev.idflow.core.internal.Json.mapper().createObjectNode()
                        .put("service_name", "kisc").put("service_status", "success"), Map.of());
            }
        };
        try (TestServer server = new TestServer("/kyc", b -> b.service(kisc))) {
            PersonDevice device = PersonDevice.testKey(server);
            PersonDevice.Created flow = device.createFlow(newPerson(), "[" + steps(50, "kisc") + "]");

            JsonNode started = device.start(flow.vlinkId());

            assertThat(started.get("flow_status").asText()).isEqualTo("pass");
            assertThat(device.flow(flow.flowId()).get("flow_status").asText()).isEqualTo("pass");
            assertThat(depths).hasSize(50);
            // every step is walked from the same loop (the first two frames nearer): a pipeline's length
            // cannot exhaust the stack (a recursion grew it by a few frames per step)
            assertThat(Collections.max(depths) - Collections.min(depths)).isLessThanOrEqualTo(2);
        }
    }

    // ---- JSON that is too deep or too long ----

    @Test
    void deeplyNestedJsonIsRefusedNamingTheRule() throws Exception {
        try (TestServer server = new TestServer("/kyc")) {
            String deep = "{\"person_id\":\"" + newPerson() + "\",\"input_data\":{\"x\":" + "[".repeat(250) + "]".repeat(250) + "}}";
            JsonNode body = assertError(server.postJson("/flow", KEY, deep), 422, "INVALID_PAYLOAD", "body");
            assertThat(body.get("error_msg").asText()).contains("nested").contains("64");
        }
    }

    @Test
    void aTwelveHundredDigitNumberIsRefusedNamingTheRule() throws Exception {
        try (TestServer server = new TestServer("/kyc")) {
            String huge = "{\"person_id\":\"" + newPerson() + "\",\"ttl\":" + "9".repeat(1200) + "}";
            JsonNode body = assertError(server.postJson("/flow", KEY, huge), 422, "INVALID_PAYLOAD", "body");
            assertThat(body.get("error_msg").asText()).contains("number").contains("digits");
        }
    }

    @Test
    void theClientApiRefusesDeepJsonAndHugeNumbersTheSameWay() throws Exception {
        try (TestServer server = new TestServer("/kyc")) {
            PersonDevice device = PersonDevice.testKey(server);
            PersonDevice.Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]");
            Reply deep = server.postJson("/hf/" + flow.vlinkId() + "/api/start", new Headers(),
                    "{\"x\":" + "[".repeat(250) + "]".repeat(250) + "}");
            assertThat(clientError(deep, 422, "INVALID_PAYLOAD").get("error_msg").asText()).startsWith("body:").contains("64");
            Reply huge = server.postJson("/hf/" + flow.vlinkId() + "/api/start", new Headers(),
                    "{\"x\":" + "1".repeat(1200) + "}");
            assertThat(clientError(huge, 422, "INVALID_PAYLOAD").get("error_msg").asText()).startsWith("body:").contains("digits");

            device.start(flow.vlinkId());
            JsonNode state = device.state(flow.vlinkId());
            Reply submit = server.postJson("/hf/" + flow.vlinkId() + "/api/steps/"
                    + state.at("/current_step/step_id").asText() + "/submit", new Headers(), "[".repeat(300));
            assertThat(clientError(submit, 422, "INVALID_PAYLOAD").get("error_msg").asText()).startsWith("body:");
        }
    }

    // ---- errors (not exceptions) answer the JSON 500 ----

    @Test
    void aServiceHandlerThrowingAnErrorAnswersTheJson500WithoutItsClassName() throws Exception {
        ServiceHandler broken = new ServiceHandler() {
            @Override
            public String serviceName() {
                return "kisc";
            }

            @Override
            public Outcome execute(Call call) {
                throw new StackOverflowError("deep in the bank's integration");
            }
        };
        try (TestServer server = new TestServer("/kyc", b -> b.service(broken))) {
            PersonDevice device = PersonDevice.testKey(server);
            PersonDevice.Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"kisc\"}]");

            Reply start = device.startReply(flow.vlinkId());

            JsonNode body = clientError(start, 500, "INTERNAL_ERROR");
            assertThat(body.get("error_msg").asText()).contains("reference").doesNotContain("StackOverflow");
            assertNoInternals(start);
        }
    }

    @Test
    void theLogOfAnErrorOnAVlinkNamesTheReferenceButNeverTheVlink() throws Exception {
        ServiceHandler broken = new ServiceHandler() {
            @Override
            public String serviceName() {
                return "kisc";
            }

            @Override
            public Outcome execute(Call call) {
                throw new AssertionError("broken integration");
            }
        };
        try (TestServer server = new TestServer("/kyc", b -> b.service(broken))) {
            PersonDevice device = PersonDevice.testKey(server);
            PersonDevice.Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"kisc\"}]");
            java.io.PrintStream stderr = System.err;
            java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
            Reply start;
            System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            try {
                start = device.startReply(flow.vlinkId());
            } finally {
                System.setErr(stderr);
            }
            String reference = clientError(start, 500, "INTERNAL_ERROR").get("error_msg").asText().replaceAll(".*reference ", "");
            String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(log).contains(reference).contains("/hf/***/api/start").doesNotContain(flow.vlinkId());
        }
    }

    @Test
    void anAnalyzerThrowingAnAssertionErrorAnswersTheJson500() throws Exception {
        try (TestServer server = new TestServer("/kyc", b -> b.faceAnalysis(attempt -> {
            throw new AssertionError("engine broke");
        }))) {
            PersonDevice device = PersonDevice.liveKey(server);
            PersonDevice.Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"verilive\"}]");
            JsonNode step = device.start(flow.vlinkId()).get("current_step");

            Reply attempt = device.attemptReply(step.get("access_token").asText(), device.honestAttempt(step));

            JsonNode body = clientError(attempt, 500, "INTERNAL_ERROR");
            assertThat(body.get("error_msg").asText()).doesNotContain("AssertionError");
        }
    }

    @Test
    void aConsumerOperationHitByAnErrorAnswersTheContractsJson500() throws Exception {
        BreakingStorage breaking = new BreakingStorage(new InMemoryStorage());
        try (TestServer server = new TestServer("/kyc", s -> breaking.storage, 1000, 1000)) {
            breaking.breakWith = new OutOfMemoryError("Java heap space");
            Reply reply = server.postJson("/flow", KEY, ApiAssertions.flowBody(newPerson(), "verilive"));
            JsonNode body = assertError(reply, 500, "INTERNAL_ERROR", null);
            assertThat(body.get("error_msg").asText()).doesNotContain("OutOfMemory");
            assertNoInternals(reply);
        }
    }

    @Test
    void theBackgroundLoopSurvivesAnError() throws Exception {
        BreakingStorage breaking = new BreakingStorage(new InMemoryStorage());
        Idflow idflow = Idflow.builder().storage(breaking.storage).publicBaseUrl("http://localhost/kyc")
                .secretKey(new byte[32]).build();
        // armed after build(): the builder reads the flows once itself (sealing older clear vlinks)
        breaking.breakTimes.set(1);
        breaking.breakWith = new AssertionError("a sweep that breaks");
        try {
            idflow.startBackground(Duration.ofMillis(20));
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (breaking.claims.get() < 3 && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            // the first sweep threw an Error; the loop went on sweeping
            assertThat(breaking.claims.get()).isGreaterThanOrEqualTo(3);
        } finally {
            idflow.close();
        }
    }

    /**
     * The in-memory store, whose flow repository throws {@link #breakWith} (an Error) on its next
     * {@link #breakTimes} calls (every call by default), counting the sweeper's claims.
     */
    static final class BreakingStorage {
        volatile Throwable breakWith;
        final AtomicInteger breakTimes = new AtomicInteger(Integer.MAX_VALUE);
        final AtomicInteger claims = new AtomicInteger();
        final IdflowStorage storage;

        BreakingStorage(IdflowStorage delegate) {
            FlowRepository flows = delegate.flows();
            FlowRepository breakingFlows = (FlowRepository) Proxy.newProxyInstance(FlowRepository.class.getClassLoader(),
                    new Class<?>[] {FlowRepository.class}, (proxy, method, args) -> {
                        if (method.getName().equals("claimDue")) {
                            claims.incrementAndGet();
                        }
                        Throwable t = breakWith;
                        if (t != null && method.getDeclaringClass() != Object.class
                                && breakTimes.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
                            throw t;
                        }
                        try {
                            return method.invoke(flows, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            this.storage = (IdflowStorage) Proxy.newProxyInstance(IdflowStorage.class.getClassLoader(),
                    new Class<?>[] {IdflowStorage.class}, (proxy, method, args) -> {
                        if (method.getName().equals("flows")) {
                            return breakingFlows;
                        }
                        try {
                            return method.invoke(delegate, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }
    }
}
