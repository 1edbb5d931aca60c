package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.JSON;
import static dev.idflow.servlet.ApiAssertions.assertConformant;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.assertNoInternals;
import static dev.idflow.servlet.PersonDevice.clientError;
import static dev.idflow.servlet.PersonDevice.clientOk;
import static dev.idflow.servlet.PersonDevice.statuses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.FlowTemplate;
import dev.idflow.core.model.PipelineStep;
import dev.idflow.core.spi.ApiKeyDirectory;
import dev.idflow.core.spi.EventOutbox;
import dev.idflow.core.spi.FileStore;
import dev.idflow.core.spi.FlowChange;
import dev.idflow.core.spi.FlowRepository;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.InputRejected;
import dev.idflow.core.spi.MockeryRepository;
import dev.idflow.core.spi.PersonInput;
import dev.idflow.core.spi.Screen;
import dev.idflow.core.spi.ServiceFile;
import dev.idflow.core.spi.ServiceHandler;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.SessionRepository;
import dev.idflow.core.spi.SignatureLedger;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Reply;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A host's own services through the service SPI, on a real Jetty, registered with
 * {@code builder.service(...)}: in live flows (the live key, every request signed) the host's service
 * runs; in test flows the sandbox wraps it (a mockery script decides first). Every kind of decision:
 * finishing at once, waiting for the person on a screen of its own, waiting for an outside system that
 * completes the session later from another thread, timing out, failing and being retried; the work
 * after the commit, also across a lost race; a host service replacing a built-in one; one that throws;
 * and a service written against the first SPI, {@link ServiceHandler}.
 */
class HostServiceSpiTest {
    static TestServer server;
    static HookedStorage store;
    static PersonDevice live;
    static PersonDevice test;
    /** The threads the bank's registries answer on. */
    static final ExecutorService registries = Executors.newFixedThreadPool(2);

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc", storage -> store = new HookedStorage(storage), b -> b
                .service(new RegisterKisc())
                .service(new EgovDocumentNumber())
                .service(new DebtorsRegister())
                .service(new SilentVeridoc())
                .service(new AmlLists())
                .service(new AmlScreening())
                .service(new BankConsent())
                .service(new BrokenInfrared())
                .service(new PhoneOwnerHandler()));
        live = PersonDevice.liveKey(server);
        test = PersonDevice.testKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        registries.shutdownNow();
        server.close();
    }

    // ---------------------------------------------------------------- finishing at once

    /** The bank's KISC lookup: answers at once with what the state register holds for the IIN. */
    static final class RegisterKisc implements FlowService {
        static final AtomicInteger opened = new AtomicInteger();

        @Override
        public String name() {
            return "kisc";
        }

        @Override
        public StepDecision open(StepContext step) {
            opened.incrementAndGet();
            String iin = step.inputData().iin();
            ObjectNode result = JSON.createObjectNode().put("service_name", "kisc").put("service_status", "success")
                    .put("iin", iin).put("country_code", "KAZ");
            byte[] pii = ("{\"iin\":\"" + iin + "\",\"full_name\":\"ALIYEV ARMAN\"}").getBytes(StandardCharsets.UTF_8);
            // the name goes to later steps through the data (input_data.full_name), not through the result
            return StepDecision.finish(ServiceOutcome.pass(result)
                    .withFiles(Map.of("kisc_pii", new ServiceFile("application/json", pii)))
                    .withData(Map.of("full_name", "ALIYEV ARMAN")));
        }
    }

    @Test
    void aServiceThatFinishesAtOnceShowsItsResultItsFilesAndItsDataThroughTheConsumerApi() throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"kisc\"}]", "\"input_data\":{\"iin\":\"900101300123\"}");
        int before = RegisterKisc.opened.get();

        JsonNode state = live.start(flow.vlinkId());

        assertThat(RegisterKisc.opened.get()).as("the host's service ran, once").isEqualTo(before + 1);
        assertThat(state.get("end_cause").asText()).isEqualTo("completed");
        assertThat(state.get("flow_status").asText()).isEqualTo("pass");
        JsonNode result = live.result(flow.flowId());
        assertThat(result.get("country_code").asText()).as("from the service's result").isEqualTo("KAZ");
        assertThat(result.get("iin").asText()).isEqualTo("900101300123");
        assertThat(result.get("person_name").asText()).as("the service's data filled input_data.full_name").isEqualTo("ALIYEV ARMAN");
        assertThat(live.flow(flow.flowId()).at("/input_data/full_name").asText()).isEqualTo("ALIYEV ARMAN");
        JsonNode kisc = statuses(result).get(0);
        assertThat(kisc.get("service_name").asText()).isEqualTo("kisc");
        assertThat(kisc.get("session_status").asText()).isEqualTo("pass");
        assertThat(kisc.get("frontend_session_status").asText()).isEqualTo("approved");

        Reply pii = live.file("label=kisc_pii&session_id=" + kisc.get("session_id").asText(), "application/json");
        assertThat(pii.status()).as(pii.body()).isEqualTo(200);
        assertConformant(pii);
        assertThat(pii.body()).isEqualTo("{\"iin\":\"900101300123\",\"full_name\":\"ALIYEV ARMAN\"}");
        assertThat(pii.header("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
        assertThat(pii.header("Cache-Control")).hasValue("no-store");
    }

    @Test
    void inATestFlowTheSandboxWrapsTheHostsServiceAMockeryScriptDecidesFirst() throws Exception {
        String scripted = newPerson();
        Reply script = server.postJson("/mockery/result", TestServer.Headers.test(TestServer.TEST_KEY), """
                {"person_id":"%s","result":{"service_name":"kisc","service_status":"success",
                 "person_name":"SCRIPTED PERSON","iin":"010101500011"}}""".formatted(scripted));
        assertThat(script.status()).as(script.body()).isEqualTo(200);
        int before = RegisterKisc.opened.get();

        Created byScript = test.createFlow(scripted, "[{\"service_name\":\"kisc\"}]", "\"input_data\":{\"iin\":\"900101300123\"}");
        test.start(byScript.vlinkId());

        assertThat(RegisterKisc.opened.get()).as("the script answered: the bank's register was not asked").isEqualTo(before);
        assertThat(test.result(byScript.flowId()).get("person_name").asText()).isEqualTo("SCRIPTED PERSON");

        Created unscripted = test.createFlow(newPerson(), "[{\"service_name\":\"kisc\"}]",
                "\"input_data\":{\"iin\":\"900101300123\"}");
        test.start(unscripted.vlinkId());

        assertThat(RegisterKisc.opened.get()).as("no script: the host's own service runs").isEqualTo(before + 1);
        JsonNode result = test.result(unscripted.flowId());
        assertThat(result.get("person_name").asText()).as("the host's answer, not the sandbox's").isEqualTo("ALIYEV ARMAN");
        assertThat(result.get("flow_status").asText()).isEqualTo("pass");
    }

    @Test
    void aLiveFlowByTemplateIdNamingAServiceTheHostImplementsIsAcceptedAndTheServiceRuns() throws Exception {
        server.idflow.registerTemplate("bank-kisc", FlowTemplate.of(PipelineStep.of("consent"), PipelineStep.of("kisc")));
        int before = RegisterKisc.opened.get();

        Created flow = live.createFlow("{\"person_id\":\"" + newPerson() + "\",\"template_id\":\"bank-kisc\","
                + "\"input_data\":{\"iin\":\"900101300123\"}}");
        live.start(flow.vlinkId());
        JsonNode ended = live.consent(flow.vlinkId());

        assertThat(RegisterKisc.opened.get()).isEqualTo(before + 1);
        assertThat(ended.get("end_cause").asText()).isEqualTo("completed");
        assertThat(ended.get("flow_status").asText()).isEqualTo("pass");
        assertThat(live.result(flow.flowId()).get("person_name").asText()).isEqualTo("ALIYEV ARMAN");
    }

    // ---------------------------------------------------------------- waiting for the person

    /** The person types the number of their document, which the bank then fetches from eGov. */
    static final class EgovDocumentNumber implements FlowService {
        static final Map<String, String> accepted = new ConcurrentHashMap<>();

        @Override
        public String name() {
            return "egov-doc";
        }

        @Override
        public StepDecision open(StepContext step) {
            return StepDecision.awaitPerson(Screen.of("form").with("fields", List.of(Map.of(
                    "name", "doc_number", "type", "text", "required", true, "pattern", "[0-9]{9}",
                    "label", Map.of("en", "Document number", "ru", "Номер документа", "kk", "Құжат нөмірі")))), null);
        }

        @Override
        public StepDecision act(StepContext step, PersonInput input) {
            if (!(input instanceof PersonInput.Submit submit)) {
                throw InputRejected.unexpected(name(), input);
            }
            JsonNode number = submit.body().path("answers").get("doc_number");
            if (number == null || number.asText().isEmpty()) {
                throw InputRejected.invalid("answers.doc_number", "required", "is required");
            }
            if (!number.isTextual() || !number.asText().matches("[0-9]{9}")) {
                throw InputRejected.invalid("answers.doc_number", "pattern", "must be 9 digits");
            }
            return StepDecision.finish(ServiceOutcome.pass(JSON.createObjectNode().put("service_name", "egov-doc")
                    .put("service_status", "success").put("doc_number", number.asText())))
                    .then(() -> accepted.put(step.sessionId(), number.asText()));
        }
    }

    @Test
    void aServiceWaitsForThePersonOnItsOwnScreenRefusesAWrongAnswerNamingTheFieldAndKeepsTheStepOpen() throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"egov-doc\"},{\"service_name\":\"consent\"}]");
        JsonNode step = live.start(flow.vlinkId()).get("current_step");

        assertThat(step.get("service_name").asText()).isEqualTo("egov-doc");
        assertThat(step.at("/screen/kind").asText()).isEqualTo("form");
        assertThat(step.at("/screen/fields/0/name").asText()).isEqualTo("doc_number");
        assertThat(step.at("/screen/fields/0/pattern").asText()).isEqualTo("[0-9]{9}");
        assertThat(step.at("/screen/fields/0/label/ru").asText()).isEqualTo("Номер документа");

        JsonNode wrong = clientError(live.submitReply(flow.vlinkId(), "step-1", "{\"answers\":{\"doc_number\":\"12AB\"}}"),
                422, "INVALID_PAYLOAD");
        assertThat(wrong.get("field").asText()).isEqualTo("answers.doc_number");
        assertThat(wrong.get("rule").asText()).isEqualTo("pattern");
        assertThat(wrong.get("error_msg").asText()).isEqualTo("answers.doc_number: must be 9 digits");
        JsonNode missing = clientError(live.submitReply(flow.vlinkId(), "step-1", "{\"answers\":{}}"), 422, "INVALID_PAYLOAD");
        assertThat(missing.get("field").asText()).isEqualTo("answers.doc_number");
        assertThat(missing.get("rule").asText()).isEqualTo("required");

        JsonNode still = live.state(flow.vlinkId());
        assertThat(still.at("/current_step/step_id").asText()).as("the step stays open").isEqualTo("step-1");
        assertThat(still.at("/current_step/screen/kind").asText()).isEqualTo("form");
        assertThat(FlowLifecycleTest.stepStatuses(still)).containsExactly("active", "pending");
        JsonNode open = statuses(live.result(flow.flowId())).get(0);
        assertThat(open.get("frontend_session_status").asText()).as("nothing of a wrong answer is stored").isEqualTo("active");
        String sessionId = open.get("session_id").asText();
        assertThatThrownBy(() -> server.idflow.completeSession(sessionId, ServiceOutcome.pass(null)))
                .as("only the person answers this step").isInstanceOf(IllegalStateException.class);

        JsonNode moved = live.submit(flow.vlinkId(), "step-1", "{\"answers\":{\"doc_number\":\"012345678\"}}");

        assertThat(moved.at("/current_step/service_name").asText()).isEqualTo("consent");
        assertThat(FlowLifecycleTest.stepStatuses(moved)).containsExactly("passed", "active");
        assertThat(EgovDocumentNumber.accepted).containsEntry(sessionId, "012345678");
    }

    @Test
    void twoSubmitsAtOnceMoveTheStepOnceAndTheLaterHearsTheStepIsNoLongerCurrent() throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"egov-doc\"},{\"service_name\":\"consent\"}]");
        live.start(flow.vlinkId());
        AtomicReference<Reply> other = new AtomicReference<>();
        // the person's second tab submits while the first tab's answer is decided but not yet committed
        store.beforeNextCommitOf(flow.flowId(), () -> other.set(
                live.submitReply(flow.vlinkId(), "step-1", "{\"answers\":{\"doc_number\":\"222222222\"}}")));

        Reply first = live.submitReply(flow.vlinkId(), "step-1", "{\"answers\":{\"doc_number\":\"111111111\"}}");

        assertThat(store.fired()).isTrue();
        JsonNode won = clientOk(other.get());
        assertThat(won.at("/current_step/service_name").asText()).isEqualTo("consent");
        clientError(first, 409, "STEP_NOT_CURRENT");
        List<JsonNode> sessions = statuses(live.result(flow.flowId()));
        assertThat(sessions).hasSize(2);
        assertThat(sessions.get(0).get("session_status").asText()).isEqualTo("pass");
        assertThat(EgovDocumentNumber.accepted).as("the winner's answer, once")
                .containsEntry(sessions.get(0).get("session_id").asText(), "222222222")
                .doesNotContainValue("111111111");
    }

    // ---------------------------------------------------------------- waiting for an outside system

    /** The register of debtors answers asynchronously: the request goes out after the commit, the answer comes on the bank's thread. */
    static final class DebtorsRegister implements FlowService {
        /** Each person's register answers once the test lets it. */
        static final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
        /** The register's answers as the host handed them to idflow, by session: completeSession's verdict. */
        static final Map<String, Future<Boolean>> answers = new ConcurrentHashMap<>();

        @Override
        public String name() {
            return "erd";
        }

        @Override
        public StepDecision open(StepContext step) {
            String session = step.sessionId();
            CountDownLatch gate = gates.get(step.personId());
            return StepDecision.awaitOutside(Screen.of("wait").with("message",
                            Map.of("en", "Checking the register of debtors", "ru", "Проверяем реестр должников")), null)
                    .then(() -> answers.put(session, registries.submit(() -> {
                        gate.await(10, TimeUnit.SECONDS);
                        return server.idflow.completeSession(session, ServiceOutcome.pass(JSON.createObjectNode()
                                .put("service_name", "erd").put("service_status", "success").put("found", false)));
                    })));
        }
    }

    @Test
    void aSessionCompletedLaterFromAnotherThreadShowsWaitUntilThenAndTheFlowMovesOnAfter() throws Exception {
        String person = newPerson();
        CountDownLatch registerMayAnswer = new CountDownLatch(1);
        DebtorsRegister.gates.put(person, registerMayAnswer);
        Created flow = live.createFlow(person, "[{\"service_name\":\"erd\"},{\"service_name\":\"consent\"}]");

        JsonNode step = live.start(flow.vlinkId()).get("current_step");

        assertThat(step.get("service_name").asText()).isEqualTo("erd");
        assertThat(step.at("/screen/kind").asText()).isEqualTo("wait");
        assertThat(step.at("/screen/message/en").asText()).isEqualTo("Checking the register of debtors");
        String sessionId = statuses(live.result(flow.flowId())).get(0).get("session_id").asText();
        Future<Boolean> answered = DebtorsRegister.answers.get(sessionId);
        assertThat(answered).as("the request went out once the step's opening was committed").isNotNull();
        server.clock.advance(Duration.ofSeconds(5));
        assertThat(live.state(flow.vlinkId()).at("/current_step/screen/kind").asText()).isEqualTo("wait");
        JsonNode notThePersons = clientError(live.submitReply(flow.vlinkId(), "step-1", "{}"), 422, "INVALID_PAYLOAD");
        assertThat(notThePersons.get("error_msg").asText()).startsWith("step_id: ");

        registerMayAnswer.countDown();

        assertThat(answered.get(10, TimeUnit.SECONDS)).as("completeSession took the answer").isTrue();
        JsonNode after = live.state(flow.vlinkId());
        assertThat(after.at("/current_step/service_name").asText()).isEqualTo("consent");
        assertThat(FlowLifecycleTest.stepStatuses(after)).containsExactly("passed", "active");
        assertThat(server.idflow.completeSession(sessionId, ServiceOutcome.pass(null)))
                .as("a second answer for the same session").isFalse();
        JsonNode ended = live.consent(flow.vlinkId());
        assertThat(ended.get("end_cause").asText()).isEqualTo("completed");
        assertThat(ended.get("flow_status").asText()).isEqualTo("pass");
    }

    /** A document vendor that never answers. */
    static final class SilentVeridoc implements FlowService {
        static final List<String> asked = new CopyOnWriteArrayList<>();

        @Override
        public String name() {
            return "veridoc";
        }

        @Override
        public StepDecision open(StepContext step) {
            String session = step.sessionId();
            return StepDecision.awaitOutside(Screen.of("wait"), null).then(() -> asked.add(session));
        }
    }

    @Test
    void aSessionNobodyCompletesTimesOutAndALateCompletionIsRefused() throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"veridoc\",\"timeout\":60}]");
        live.start(flow.vlinkId());
        String sessionId = statuses(live.result(flow.flowId())).get(0).get("session_id").asText();
        assertThat(SilentVeridoc.asked).contains(sessionId);

        server.clock.advance(Duration.ofSeconds(59));
        server.idflow.sweepOnce();
        assertThat(live.flow(flow.flowId()).has("end_cause")).as("within the step's timeout").isFalse();
        server.clock.advance(Duration.ofSeconds(2));
        server.idflow.sweepOnce();

        JsonNode result = live.result(flow.flowId());
        assertThat(result.get("end_cause").asText()).isEqualTo("timeout");
        assertThat(result.get("flow_status").asText()).isEqualTo("fail");
        JsonNode session = statuses(result).get(0);
        assertThat(session.get("session_status").asText()).isEqualTo("fail");
        assertThat(session.get("frontend_session_status").asText()).isEqualTo("expired");

        assertThat(server.idflow.completeSession(sessionId, ServiceOutcome.pass(null))).as("too late").isFalse();
        JsonNode after = live.result(flow.flowId());
        assertThat(after.get("end_cause").asText()).isEqualTo("timeout");
        assertThat(after.get("sessions_count").asInt()).isEqualTo(1);
        assertThat(statuses(after).get(0).get("session_status").asText()).isEqualTo("fail");
        assertThat(live.state(flow.vlinkId()).has("current_step")).isFalse();
    }

    // ---------------------------------------------------------------- failing and retrying

    /** The AML lists, unreachable for a person's first tries (decided from the attempt number: a pure decision). */
    static final class AmlLists implements FlowService {
        static final Map<String, Integer> unreachableTries = new ConcurrentHashMap<>();

        @Override
        public String name() {
            return "aml-cft";
        }

        @Override
        public StepDecision open(StepContext step) {
            ObjectNode result = JSON.createObjectNode().put("service_name", "aml-cft");
            if (step.attempt() <= unreachableTries.getOrDefault(step.personId(), 0)) {
                result.put("service_status", "fail").putArray("error_codes").add("lists_unreachable");
                return StepDecision.fail(result);
            }
            return StepDecision.pass(result.put("service_status", "success").put("found", false));
        }
    }

    @Test
    void aServiceThatFailsIsRetriedInANewSessionAndTheFlowPassesWhenTheRetryDoes() throws Exception {
        String person = newPerson();
        AmlLists.unreachableTries.put(person, 1);
        Created flow = live.createFlow(person, "[{\"service_name\":\"aml-cft\",\"max_retries\":1}]");

        JsonNode state = live.start(flow.vlinkId());

        assertThat(state.get("end_cause").asText()).isEqualTo("completed");
        assertThat(state.get("flow_status").asText()).isEqualTo("pass");
        List<JsonNode> sessions = statuses(live.result(flow.flowId()));
        assertThat(sessions).hasSize(2).allSatisfy(s -> assertThat(s.get("step_id").asText()).isEqualTo("step-1"));
        assertThat(sessions.get(0).get("session_status").asText()).isEqualTo("fail");
        assertThat(sessions.get(0).get("frontend_session_status").asText()).isEqualTo("denied");
        assertThat(sessions.get(1).get("session_status").asText()).isEqualTo("pass");
        assertThat(sessions.get(1).get("session_id").asText()).isNotEqualTo(sessions.get(0).get("session_id").asText());
    }

    @Test
    void aServiceThatFailsMoreOftenThanItsRetriesAllowFailsTheFlow() throws Exception {
        String person = newPerson();
        AmlLists.unreachableTries.put(person, 2);
        Created flow = live.createFlow(person, "[{\"service_name\":\"aml-cft\",\"max_retries\":1}]");

        JsonNode state = live.start(flow.vlinkId());

        assertThat(state.get("end_cause").asText()).isEqualTo("completed");
        assertThat(state.get("flow_status").asText()).isEqualTo("fail");
        List<JsonNode> sessions = statuses(live.result(flow.flowId()));
        assertThat(sessions).hasSize(2)
                .allSatisfy(s -> assertThat(s.get("session_status").asText()).isEqualTo("fail"));
    }

    // ---------------------------------------------------------------- work after the commit

    /** An AML screening whose report goes to the bank's case system after the commit ({@link StepDecision#then}). */
    static final class AmlScreening implements FlowService {
        /** The sessions decided, by flow: a decision may be made again after a lost race. */
        static final Map<String, List<String>> decided = new ConcurrentHashMap<>();
        /** The reports sent, by flow: the session each was for, and whether it was stored when sent. */
        static final Map<String, List<Report>> reported = new ConcurrentHashMap<>();

        record Report(String sessionId, boolean storedWhenSent) {
        }

        @Override
        public String name() {
            return "amlcft-service";
        }

        @Override
        public StepDecision open(StepContext step) {
            String flowId = step.flowId();
            String session = step.sessionId();
            decided.computeIfAbsent(flowId, f -> new CopyOnWriteArrayList<>()).add(session);
            return StepDecision.pass(JSON.createObjectNode().put("service_name", "amlcft-service")
                            .put("service_status", "success").put("found", false))
                    .then(() -> reported.computeIfAbsent(flowId, f -> new CopyOnWriteArrayList<>())
                            .add(new Report(session, server.storage.sessions().findById(session).isPresent())));
        }
    }

    @Test
    void anEffectRunsOnceAfterTheCommit() throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"amlcft-service\"}]");

        live.start(flow.vlinkId());

        String committed = statuses(live.result(flow.flowId())).get(0).get("session_id").asText();
        assertThat(AmlScreening.decided.get(flow.flowId())).containsExactly(committed);
        assertThat(AmlScreening.reported.get(flow.flowId())).containsExactly(new AmlScreening.Report(committed, true));
    }

    @Test
    void aDecisionThatLostItsRaceRunsNoEffectAndTheOneDecidedAgainRunsItsOnce() throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"amlcft-service\"}]");
        // another node changes the flow between the decision and its commit (a sweep storing a new
        // deadline, say): the version moves on, so the first commit loses and the engine decides again
        store.beforeNextCommitOf(flow.flowId(), () -> {
            Flow stored = server.storage.flows().findById(flow.flowId()).orElseThrow();
            assertThat(server.storage.flows().update(stored)).isTrue();
        });

        JsonNode state = live.start(flow.vlinkId());

        assertThat(store.fired()).isTrue();
        assertThat(state.get("flow_status").asText()).isEqualTo("pass");
        List<JsonNode> sessions = statuses(live.result(flow.flowId()));
        assertThat(sessions).hasSize(1);
        String committed = sessions.get(0).get("session_id").asText();
        List<String> decided = AmlScreening.decided.get(flow.flowId());
        assertThat(decided).as("decided twice: the first decision lost").hasSize(2).doesNotHaveDuplicates().endsWith(committed);
        assertThat(server.storage.sessions().findById(decided.get(0))).as("the lost decision's session").isEmpty();
        assertThat(AmlScreening.reported.get(flow.flowId()))
                .as("the report of the committed decision, once; none for the one that lost")
                .containsExactly(new AmlScreening.Report(committed, true));
    }

    // ---------------------------------------------------------------- replacing a built-in service

    /** The bank's own consent: its own terms on the screen, their version kept from open to the answer. */
    static final class BankConsent implements FlowService {
        static final AtomicInteger answered = new AtomicInteger();

        @Override
        public String name() {
            return "consent";
        }

        @Override
        public StepDecision open(StepContext step) {
            return StepDecision.awaitPerson(Screen.of("consent").with("text", Map.of("en", "Acme Bank's terms, version 7",
                    "ru", "Условия Acme Bank, версия 7")), JSON.createObjectNode().put("terms_version", "7"));
        }

        @Override
        public StepDecision act(StepContext step, PersonInput input) {
            if (!(input instanceof PersonInput.Submit submit) || !submit.body().path("accepted").isBoolean()) {
                throw InputRejected.invalid("accepted", "type", "must be true or false");
            }
            answered.incrementAndGet();
            boolean accepted = submit.body().get("accepted").asBoolean();
            ObjectNode result = JSON.createObjectNode().put("service_name", "consent")
                    .put("service_status", accepted ? "success" : "fail").put("accepted", accepted)
                    .put("terms_version", step.state().path("terms_version").asText());
            return StepDecision.finish(new ServiceOutcome(accepted ? ExecutionStatus.PASS : ExecutionStatus.FAIL, result,
                    null, null));
        }
    }

    @Test
    void aHostsServiceOfABuiltInNameIsUsedInsteadOfTheBuiltInOne() throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]");
        JsonNode step = live.start(flow.vlinkId()).get("current_step");
        assertThat(step.at("/screen/kind").asText()).isEqualTo("consent");
        assertThat(step.at("/screen/text/en").asText()).as("the bank's own terms").isEqualTo("Acme Bank's terms, version 7");
        int before = BankConsent.answered.get();

        JsonNode wrong = clientError(live.submitReply(flow.vlinkId(), "step-1", "{\"accepted\":\"yes\"}"), 422, "INVALID_PAYLOAD");
        assertThat(wrong.get("field").asText()).isEqualTo("accepted");
        JsonNode ended = live.submit(flow.vlinkId(), "step-1", "{\"accepted\":true}");

        assertThat(BankConsent.answered.get()).isEqualTo(before + 1);
        assertThat(ended.get("end_cause").asText()).isEqualTo("completed");
        assertThat(ended.get("flow_status").asText()).isEqualTo("pass");
        String sessionId = statuses(live.result(flow.flowId())).get(0).get("session_id").asText();
        assertThat(server.storage.sessions().findById(sessionId).orElseThrow().result().get("terms_version").asText())
                .as("the state kept at open reached the answer").isEqualTo("7");
    }

    // ---------------------------------------------------------------- a service that breaks

    /** The infrared camera gateway is down, and its exception says far too much. */
    static final class BrokenInfrared implements FlowService {
        @Override
        public String name() {
            return "verilive-infrared";
        }

        @Override
        public StepDecision open(StepContext step) {
            throw new IllegalStateException("org.postgresql.util.PSQLException: SELECT key FROM infrared_secrets stack");
        }
    }

    @Test
    void aServiceWhoseOpenThrowsEndsTheFlowFailedWithAnErrorAndNoAnswerShowsWhy() throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"consent\"},{\"service_name\":\"verilive-infrared\"}]");
        live.start(flow.vlinkId());

        Reply submitted = live.submitReply(flow.vlinkId(), "step-1", "{\"accepted\":true}");

        JsonNode state = clientOk(submitted);
        assertThat(state.get("end_cause").asText()).isEqualTo("failed");
        assertThat(state.get("flow_status").asText()).isEqualTo("fail");
        assertThat(FlowLifecycleTest.stepStatuses(state)).containsExactly("passed", "failed");
        for (Reply reply : List.of(submitted, live.stateReply(flow.vlinkId()), live.flowReply(flow.flowId()),
                live.resultReply(flow.flowId()))) {
            assertThat(reply.status()).isEqualTo(200);
            assertNoInternals(reply);
            assertThat(reply.body()).doesNotContain("SELECT").doesNotContain("infrared_secrets").doesNotContain("PSQL");
        }
        JsonNode infrared = statuses(live.result(flow.flowId())).get(1);
        assertThat(infrared.get("service_name").asText()).isEqualTo("verilive-infrared");
        assertThat(infrared.get("session_status").asText()).isEqualTo("fail");
        assertThat(infrared.get("frontend_session_status").asText()).isEqualTo("failure");
        ObjectNode stored = server.storage.sessions().findById(infrared.get("session_id").asText()).orElseThrow().result();
        assertThat(stored.get("service_status").asText()).isEqualTo("error");
        assertThat(stored.toString()).doesNotContain("SELECT");
    }

    // ---------------------------------------------------------------- the first SPI

    /** A phone-owner check written against ServiceHandler, before FlowService existed. */
    static final class PhoneOwnerHandler implements ServiceHandler {
        static final List<Call> calls = new CopyOnWriteArrayList<>();

        @Override
        public String serviceName() {
            return "veriphone";
        }

        @Override
        public Outcome execute(Call call) {
            calls.add(call);
            ObjectNode result = JSON.createObjectNode().put("service_name", "veriphone").put("service_status", "success")
                    .put("phone_number", call.inputData().phoneNumber()).put("owner_match", true);
            return new Outcome(ExecutionStatus.PASS, result,
                    Map.of("kisc_raw_content", new File("text/plain", "owner: yes".getBytes(StandardCharsets.UTF_8))));
        }
    }

    @Test
    void aServiceHandlerOfTheFirstSpiStillWorksUnchanged() throws Exception {
        String person = newPerson();
        Created flow = live.createFlow(person, "[{\"service_name\":\"veriphone\"}]",
                "\"input_data\":{\"phone_number\":\"+77011234567\"}");

        JsonNode state = live.start(flow.vlinkId());

        assertThat(state.get("end_cause").asText()).isEqualTo("completed");
        assertThat(state.get("flow_status").asText()).isEqualTo("pass");
        String sessionId = statuses(live.result(flow.flowId())).get(0).get("session_id").asText();
        ServiceHandler.Call call = PhoneOwnerHandler.calls.stream().filter(c -> c.flowId().equals(flow.flowId()))
                .findFirst().orElseThrow();
        assertThat(call.sessionId()).isEqualTo(sessionId);
        assertThat(call.consumerId()).isEqualTo("acme");
        assertThat(call.personId()).isEqualTo(person);
        assertThat(call.testFlow()).isFalse();
        assertThat(call.inputData().phoneNumber()).isEqualTo("+77011234567");
        assertThat(server.storage.sessions().findById(sessionId).orElseThrow().result().get("owner_match").asBoolean()).isTrue();
        Reply file = live.file("label=kisc_raw_content&session_id=" + sessionId, "text/plain");
        assertThat(file.status()).isEqualTo(200);
        assertThat(file.body()).isEqualTo("owner: yes");

        Created testFlow = test.createFlow(newPerson(), "[{\"service_name\":\"veriphone\"}]",
                "\"input_data\":{\"phone_number\":\"+77011234567\"}");
        test.start(testFlow.vlinkId());
        assertThat(PhoneOwnerHandler.calls.stream().filter(c -> c.flowId().equals(testFlow.flowId())))
                .as("in a test flow too, told it is one").singleElement()
                .satisfies(c -> assertThat(c.testFlow()).isTrue());
    }

    // ---------------------------------------------------------------- the store, with a hook before a commit

    /** An action that may throw what a test throws. */
    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }

    /**
     * The store as it is, except that an action may run just before the next commit of one flow: after
     * the engine decided on what it read, before its compare-and-set, where another writer's change makes
     * the decision lose.
     */
    static final class HookedStorage implements IdflowStorage {
        private final IdflowStorage store;
        private final AtomicReference<Map.Entry<String, Action>> next = new AtomicReference<>();

        HookedStorage(IdflowStorage store) {
            this.store = store;
        }

        void beforeNextCommitOf(String flowId, Action action) {
            next.set(Map.entry(flowId, action));
        }

        boolean fired() {
            return next.get() == null;
        }

        @Override
        public boolean commit(FlowChange change) {
            Map.Entry<String, Action> hook = next.get();
            if (hook != null && hook.getKey().equals(change.flow().flowId()) && next.compareAndSet(hook, null)) {
                try {
                    hook.getValue().run();
                } catch (Exception e) {
                    throw new IllegalStateException("the test's action before the commit failed", e);
                }
            }
            return store.commit(change);
        }

        @Override
        public FlowRepository flows() {
            return store.flows();
        }

        @Override
        public SessionRepository sessions() {
            return store.sessions();
        }

        @Override
        public FileStore files() {
            return store.files();
        }

        @Override
        public ApiKeyDirectory apiKeys() {
            return store.apiKeys();
        }

        @Override
        public MockeryRepository mockery() {
            return store.mockery();
        }

        @Override
        public EventOutbox events() {
            return store.events();
        }

        @Override
        public SignatureLedger signatures() {
            return store.signatures();
        }

        @Override
        public dev.idflow.core.spi.KycListRepository kycLists() {
            return store.kycLists();
        }

        @Override
        public dev.idflow.core.spi.PersonCertificateRepository personCertificates() {
            return store.personCertificates();
        }

        @Override
        public dev.idflow.core.spi.FaceTemplateRepository faceTemplates() {
            return store.faceTemplates();
        }

        @Override
        public dev.idflow.core.spi.DataLifecycle lifecycle() {
            return store.lifecycle();
        }

        @Override
        public dev.idflow.core.spi.AuditTrail audit() {
            return store.audit();
        }

        @Override
        public dev.idflow.core.spi.WebhookStore webhooks() {
            return store.webhooks();
        }

        @Override
        public dev.idflow.core.spi.IdempotencyStore idempotencyKeys() {
            return store.idempotencyKeys();
        }
    }
}
