package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.statuses;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.Idflow;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.Screen;
import dev.idflow.core.spi.ServiceFile;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Reply;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The example of the README's "Write your own service", run end to end on a real Jetty: {@link KiscGateway} and
 * {@link BankKiscService} are the guide's code, word for word; {@link TestGateway} stands in for the
 * bank's gateway and answers when a test tells it to, on a thread of its own.
 */
class GuideExampleTest {

    // ---------------------------------------------------------------- the guide's example

    /** The bank's own client of the state register: asynchronous, it answers on a thread of its own. */
    interface KiscGateway {
        /** Sends a lookup; the answer comes later to the listener given to {@link #onAnswer}. */
        void send(Lookup lookup) throws IOException;

        void onAnswer(Consumer<Answer> listener);

        record Lookup(String requestId, String iin) {
        }

        record Answer(String requestId, boolean found, String iin, String fullName) {
        }
    }

    /**
     * {@code kisc}: the person's IIN looked up in the state register through the bank's gateway. The
     * step waits (the page shows "wait") until the register answers; the answer completes the session.
     */
    static final class BankKiscService implements FlowService {
        private static final Logger LOG = LoggerFactory.getLogger(BankKiscService.class);
        private final KiscGateway gateway;

        BankKiscService(KiscGateway gateway) {
            this.gateway = gateway;
        }

        @Override
        public String name() {
            return "kisc";
        }

        /** One option: {@code message}, the text of the wait screen (a string, or {locale: string}). */
        @Override
        public List<String> checkOptions(Map<String, JsonNode> options) {
            JsonNode message = options.get("message");
            if (message == null || message.isTextual() || (message.isObject() && !message.isEmpty())) {
                return List.of();
            }
            return List.of("message: must be a text or an object of texts by locale");
        }

        @Override
        public StepDecision open(StepContext step) {
            String iin = step.inputData() == null ? null : step.inputData().iin();
            if (iin == null || !iin.matches("[0-9]{12}")) {
                return StepDecision.fail(result("fail").put("error", "iin_required"));
            }
            if (step.testFlow()) {
                // the sandbox: nothing reaches the register (a mockery script, if any, has answered already)
                return StepDecision.finish(outcome(new KiscGateway.Answer(step.sessionId(), true, iin, "TEST PERSON")));
            }
            JsonNode message = step.options().getOrDefault("message", JsonNodeFactory.instance.objectNode()
                    .put("en", "Checking your data in the state register")
                    .put("ru", "Проверяем ваши данные в государственном реестре"));
            String sessionId = step.sessionId();
            // open() is decided again when its commit loses a race: the lookup is sent by the effect,
            // which runs once, after the commit that opened the session
            return StepDecision.awaitOutside(Screen.of("wait").with("message", message), null)
                    .then(() -> gateway.send(new KiscGateway.Lookup(sessionId, iin)));
        }

        /** The register's answer, on the gateway's thread: it completes the session it was asked for. */
        static void answered(Idflow idflow, KiscGateway.Answer answer) {
            if (!idflow.completeSession(answer.requestId(), outcome(answer))) {
                // the step timed out, or the flow ended, before the register answered: nothing to do
                LOG.info("a kisc answer came after its step had ended (session {})", answer.requestId());
            }
        }

        /** The session's outcome: the result, the register's record as a file, the name for later steps. */
        static ServiceOutcome outcome(KiscGateway.Answer answer) {
            if (!answer.found()) {
                return ServiceOutcome.fail(result("fail").put("error", "not_found"));
            }
            ObjectNode result = result("success").put("iin", answer.iin()).put("full_name", answer.fullName())
                    .put("country_code", "KAZ");
            return ServiceOutcome.pass(result)
                    .withFiles(Map.of("kisc_pii", new ServiceFile("application/json", result.toString().getBytes(UTF_8))))
                    .withData(Map.of("full_name", answer.fullName()));
        }

        private static ObjectNode result(String status) {
            return JsonNodeFactory.instance.objectNode().put("service_name", "kisc").put("service_status", status);
        }
    }

    // ---------------------------------------------------------------- the set-up, as a host does it

    static TestServer server;
    static TestGateway gateway;
    static PersonDevice live;

    @BeforeAll
    static void start() throws Exception {
        gateway = new TestGateway();
        server = new TestServer("/kyc", builder -> builder.service(new BankKiscService(gateway)));
        Idflow idflow = server.idflow;
        gateway.onAnswer(answer -> BankKiscService.answered(idflow, answer));
        live = PersonDevice.liveKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        server.close();
    }

    /** The bank's gateway as the tests need it: it keeps the lookups sent, and answers on its own thread when told. */
    static final class TestGateway implements KiscGateway, AutoCloseable {
        final BlockingQueue<Lookup> sent = new LinkedBlockingQueue<>();
        private final ExecutorService thread = Executors.newSingleThreadExecutor();
        private volatile Consumer<Answer> listener;

        @Override
        public void send(Lookup lookup) {
            sent.add(lookup);
        }

        @Override
        public void onAnswer(Consumer<Answer> listener) {
            this.listener = listener;
        }

        /** The register answers: the listener is called on the gateway's thread. */
        Future<?> answer(Answer answer) {
            return thread.submit(() -> listener.accept(answer));
        }

        Lookup nextLookup() throws InterruptedException {
            Lookup lookup = sent.poll(10, TimeUnit.SECONDS);
            assertThat(lookup).as("a lookup was sent").isNotNull();
            return lookup;
        }

        @Override
        public void close() {
            thread.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- the example at work

    @Test
    void theKiscServiceLooksThePersonUpAsynchronouslyAndTheFlowMovesOnWhenTheRegisterAnswers() throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"consent\"},{\"service_name\":\"kisc\"}]",
                "\"input_data\":{\"iin\":\"900101300123\"}");
        live.start(flow.vlinkId());

        JsonNode waiting = live.consent(flow.vlinkId()).get("current_step");

        assertThat(waiting.get("service_name").asText()).isEqualTo("kisc");
        assertThat(waiting.at("/screen/kind").asText()).isEqualTo("wait");
        assertThat(waiting.at("/screen/message/ru").asText()).isEqualTo("Проверяем ваши данные в государственном реестре");
        KiscGateway.Lookup lookup = gateway.nextLookup();
        String sessionId = statuses(live.result(flow.flowId())).get(1).get("session_id").asText();
        assertThat(lookup).isEqualTo(new KiscGateway.Lookup(sessionId, "900101300123"));

        gateway.answer(new KiscGateway.Answer(lookup.requestId(), true, "900101300123", "ALIYEV ARMAN")).get(10, TimeUnit.SECONDS);

        JsonNode ended = live.state(flow.vlinkId());
        assertThat(ended.get("end_cause").asText()).isEqualTo("completed");
        assertThat(ended.get("flow_status").asText()).isEqualTo("pass");
        JsonNode result = live.result(flow.flowId());
        assertThat(result.get("person_name").asText()).isEqualTo("ALIYEV ARMAN");
        assertThat(result.get("iin").asText()).isEqualTo("900101300123");
        Reply pii = live.file("label=kisc_pii&session_id=" + sessionId, "application/json");
        assertThat(pii.status()).isEqualTo(200);
        assertThat(ApiAssertions.json(pii).get("full_name").asText()).isEqualTo("ALIYEV ARMAN");
        assertThat(gateway.sent).as("one lookup for one session").isEmpty();
    }

    @Test
    void aPersonTheRegisterDoesNotFindIsLookedUpAgainInTheRetrysNewSession() throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"kisc\",\"max_retries\":1,"
                + "\"message\":\"One moment\"}]", "\"input_data\":{\"iin\":\"900101300123\"}");
        JsonNode step = live.start(flow.vlinkId()).get("current_step");
        assertThat(step.at("/screen/message").asText()).as("the step's own option").isEqualTo("One moment");
        KiscGateway.Lookup first = gateway.nextLookup();

        gateway.answer(new KiscGateway.Answer(first.requestId(), false, null, null)).get(10, TimeUnit.SECONDS);
        KiscGateway.Lookup retry = gateway.nextLookup();
        gateway.answer(new KiscGateway.Answer(retry.requestId(), true, "900101300123", "ALIYEV ARMAN")).get(10, TimeUnit.SECONDS);

        assertThat(retry.requestId()).isNotEqualTo(first.requestId());
        List<JsonNode> sessions = statuses(live.result(flow.flowId()));
        assertThat(sessions).extracting(s -> s.get("session_status").asText()).containsExactly("fail", "pass");
        assertThat(live.result(flow.flowId()).get("flow_status").asText()).isEqualTo("pass");
    }

    @Test
    void anAnswerAfterTheStepTimedOutChangesNothing() throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"kisc\",\"timeout\":30}]",
                "\"input_data\":{\"iin\":\"900101300123\"}");
        live.start(flow.vlinkId());
        KiscGateway.Lookup lookup = gateway.nextLookup();

        server.clock.advance(Duration.ofSeconds(31));
        server.idflow.sweepOnce();
        gateway.answer(new KiscGateway.Answer(lookup.requestId(), true, "900101300123", "ALIYEV ARMAN")).get(10, TimeUnit.SECONDS);

        JsonNode result = live.result(flow.flowId());
        assertThat(result.get("end_cause").asText()).isEqualTo("timeout");
        assertThat(result.get("flow_status").asText()).isEqualTo("fail");
        assertThat(result.has("person_name")).isFalse();
    }

    @Test
    void aTestFlowReachesNoRegister() throws Exception {
        PersonDevice test = PersonDevice.testKey(server);
        Created flow = test.createFlow(newPerson(), "[{\"service_name\":\"kisc\"}]", "\"input_data\":{\"iin\":\"900101300123\"}");

        JsonNode ended = test.start(flow.vlinkId());

        assertThat(ended.get("flow_status").asText()).isEqualTo("pass");
        assertThat(test.result(flow.flowId()).get("person_name").asText()).isEqualTo("TEST PERSON");
        assertThat(gateway.sent).isEmpty();
    }

    @Test
    void aStepWithoutAnIinFailsAtOnceWithoutAskingTheRegister() throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"kisc\",\"max_retries\":1}]");

        JsonNode ended = live.start(flow.vlinkId());

        assertThat(ended.get("flow_status").asText()).isEqualTo("fail");
        assertThat(live.result(flow.flowId()).get("sessions_count").asInt()).isEqualTo(2);
        assertThat(gateway.sent).isEmpty();
    }

    @Test
    void aStepWhoseOptionTheServiceDoesNotUnderstandIsRefusedWhenTheFlowIsCreated() throws Exception {
        Reply refused = server.postJson("/flow", server.live("/flow"), "{\"person_id\":\"" + newPerson()
                + "\",\"template\":{\"pipeline\":[{\"service_name\":\"kisc\",\"message\":5}]}}");

        JsonNode body = assertError(refused, 422, "INVALID_PAYLOAD", "template.pipeline[0].message");
        assertThat(body.get("error_msg").asText()).endsWith("must be a text or an object of texts by locale");
    }

    @Test
    void theReadmesExampleIsThisTestsCode() throws IOException {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md"));
        String guide = readme.substring(readme.indexOf("## Write your own service"));
        List<String> source = java.nio.file.Files.readAllLines(
                java.nio.file.Path.of("src", "test", "java", "dev", "idflow", "servlet", "GuideExampleTest.java"));
        int from = indexOf(source, "the guide's example") + 2;
        int to = indexOf(source, "the set-up, as a host does it");
        StringBuilder example = new StringBuilder();
        for (String line : source.subList(from, to)) {
            example.append(line.startsWith("    ") ? line.substring(4) : line).append('\n');
        }
        String block = guide.substring(guide.indexOf("```java\n") + 8, guide.indexOf("```\n", guide.indexOf("```java\n") + 8));

        assertThat(block.strip()).isEqualTo(example.toString().strip());
    }

    private static int indexOf(List<String> lines, String marker) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("// ----") && lines.get(i).contains(marker)) {
                return i;
            }
        }
        throw new AssertionError("no line marked " + marker);
    }
}
