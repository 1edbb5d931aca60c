package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.attempt;
import static dev.idflow.servlet.PersonDevice.assertNoInternals;
import static dev.idflow.servlet.PersonDevice.clientOk;
import static dev.idflow.servlet.PersonDevice.frame;
import static dev.idflow.servlet.PersonDevice.greyPicture;
import static dev.idflow.servlet.PersonDevice.metadata;
import static dev.idflow.servlet.PersonDevice.statuses;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.spi.LivenessAnalyzer;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Reply;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who decides a liveness attempt. In a test flow the sandbox mockery stands in for the analyzer; in a
 * live flow the analyzer decides: idflow's own rules (virtual camera, motion, desktop, velocity) and,
 * where a bank plugged one in, its face analysis. Without face analysis nothing is ever {@code real}
 * (PRODUCT.md: never invent it), so a plain grey picture does not pass.
 */
class LivenessVerdictsTest {
    /** No face analysis plugged in. */
    static TestServer server;
    static PersonDevice live;
    static PersonDevice test;
    /** A bank's face analysis plugged in, and a velocity limit of 3 sessions an hour. */
    static TestServer bank;
    static PersonDevice bankLive;
    static final AtomicReference<String> faceVerdict = new AtomicReference<>("real");
    static final List<LivenessAnalyzer.Attempt> analysed = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
        live = PersonDevice.liveKey(server);
        test = PersonDevice.testKey(server);
        bank = new TestServer("/kyc", b -> b.maxLivenessSessionsPerHour(3).faceAnalysis(attempt -> {
            analysed.add(attempt);
            return switch (faceVerdict.get()) {
                case "throw" -> throw new IllegalStateException("model server at 10.0.0.7:8500 refused: java.net");
                case "attack" -> new LivenessAnalyzer.Verdict("attack", List.of("no_face"), List.of());
                default -> new LivenessAnalyzer.Verdict(faceVerdict.get(), List.of(), List.of());
            };
        }));
        bankLive = PersonDevice.liveKey(bank);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        bank.close();
    }

    private static final String ONE_LIVENESS_STEP = "[{\"service_name\":\"verilive\",\"max_retries\":1}]";

    /** Starts a flow of one liveness step (one retry) and returns its current step. */
    private static JsonNode started(PersonDevice device, Created flow) throws Exception {
        return device.start(flow.vlinkId()).get("current_step");
    }

    /** What an honest device reports, its clock agreeing with the server's ({@code on}). */
    private static ObjectNode honestMetadata(TestServer on, JsonNode step) {
        return metadata(step.get("pipeline"), on.clock.instant().minusSeconds(10), "FaceTime HD Camera");
    }

    private static JsonNode veriliveResult(PersonDevice device, String flowId, int index) throws Exception {
        return statuses(device.result(flowId)).get(index).get("session_result");
    }

    // ---------------------------------------------------------------- no face analysis: never real

    @Test
    void aLiveFlowGivenAPlainGreyPictureDoesNotPass() throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"verilive\"}]");
        JsonNode step = started(live, flow);

        JsonNode answer = live.attempt(step.get("access_token").asText(), attempt(honestMetadata(server, step), greyPicture()));
        assertThat(answer.get("success").asBoolean()).isFalse();
        assertThat(answer.get("error_code").asText()).isNotBlank();

        JsonNode result = live.result(flow.flowId());
        assertThat(result.get("flow_status").asText()).isNotEqualTo("pass").isEqualTo("fail");
        assertThat(result.get("end_cause").asText()).isEqualTo("completed");
        JsonNode session = statuses(result).get(0);
        assertThat(session.at("/session_result/service_status").asText()).isEqualTo("unknown");
        assertThat(session.get("session_status").asText()).isEqualTo("unknown");
        assertThat(session.get("frontend_session_status").asText()).isEqualTo("reviewing");
        assertThat(session.get("session_state").asText()).isEqualTo("processed");
        assertThat(live.journal(step.get("session_id").asText()).at("/result/service_status").asText())
                .isEqualTo("unknown");
    }

    @Test
    void evenAnHonestAttemptWithARealFrameIsUnknownWithoutFaceAnalysis() throws Exception {
        Created flow = live.createFlow(newPerson(), ONE_LIVENESS_STEP);
        JsonNode step = started(live, flow);
        live.attempt(step.get("access_token").asText(), attempt(honestMetadata(server, step), frame()));
        assertThat(veriliveResult(live, flow.flowId(), 0).get("service_status").asText()).isEqualTo("unknown");
        assertThat(live.flow(flow.flowId()).get("flow_status").asText()).isNotEqualTo("pass");
    }

    @Test
    void aTestFlowWithoutAScriptIsDecidedByTheAnalyzerAndIsNotRealEither() throws Exception {
        Created flow = test.createFlow(newPerson(), "[{\"service_name\":\"verilive\"}]");
        JsonNode step = started(test, flow);
        test.attempt(step.get("access_token").asText(), attempt(honestMetadata(server, step), frame()));
        assertThat(veriliveResult(test, flow.flowId(), 0).get("service_status").asText()).isEqualTo("unknown");
    }

    // ---------------------------------------------------------------- the mockery applies to test flows only

    @Test
    void aScriptForThePersonIsIgnoredInTheirLiveFlow() throws Exception {
        String person = newPerson();
        test.script(person, "verilive", "real"); // the same consumer, with its test key

        Created liveFlow = live.createFlow(person, "[{\"service_name\":\"verilive\"}]");
        JsonNode step = started(live, liveFlow);
        JsonNode answer = live.attempt(step.get("access_token").asText(), attempt(honestMetadata(server, step), greyPicture()));
        assertThat(answer.get("success").asBoolean()).isFalse();
        assertThat(veriliveResult(live, liveFlow.flowId(), 0).get("service_status").asText()).isEqualTo("unknown");
        assertThat(live.flow(liveFlow.flowId()).get("flow_status").asText()).isEqualTo("fail");

        // while the same person's test flow gets the scripted verdict, whatever the picture
        Created testFlow = test.createFlow(person, "[{\"service_name\":\"verilive\"}]");
        JsonNode testStep = started(test, testFlow);
        assertThat(test.attempt(testStep.get("access_token").asText(), attempt(honestMetadata(server, testStep), greyPicture()))
                .get("success").asBoolean()).isTrue();
        assertThat(test.flow(testFlow.flowId()).get("flow_status").asText()).isEqualTo("pass");
    }

    @Test
    void aLiveKeyCannotScriptTheMockery() throws Exception {
        String body = "{\"person_id\":\"" + newPerson() + "\",\"result\":{\"service_name\":\"verilive\",\"service_status\":\"real\"}}";
        Reply reply = server.postJson("/mockery/result", server.live("/mockery/result"), body);
        assertThat(reply.status()).isEqualTo(403);
    }

    // ---------------------------------------------------------------- the rules idflow can check

    @Test
    void aVirtualCameraNamedByTheDeviceIsAnAttack() throws Exception {
        Created flow = live.createFlow(newPerson(), ONE_LIVENESS_STEP);
        JsonNode step = started(live, flow);
        ObjectNode meta = honestMetadata(server, step).put("camera_label", "OBS Virtual Camera");

        JsonNode answer = live.attempt(step.get("access_token").asText(), attempt(meta, frame()));
        assertThat(answer.get("success").asBoolean()).isFalse();
        assertThat(answer.get("error_code").asText()).isEqualTo("virtual_camera_risk");

        JsonNode result = veriliveResult(live, flow.flowId(), 0);
        assertThat(result.get("service_status").asText()).isEqualTo("attack");
        assertThat(codes(result.get("error_codes"))).contains("virtual_camera_risk");
        JsonNode session = statuses(live.result(flow.flowId())).get(0);
        assertThat(session.get("session_status").asText()).isEqualTo("fail");
        assertThat(session.get("frontend_session_status").asText()).isEqualTo("denied");
        // an attack is a failure: the step's retry opens
        assertThat(live.state(flow.vlinkId()).at("/current_step/session_id").asText())
                .isNotEqualTo(step.get("session_id").asText());
    }

    @Test
    void actionsOutOfOrderAreAMotionInconsistency() throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"verilive\",\"max_retries\":1,"
                + "\"pipeline\":[[\"turn-left\"],[\"smile\"],[\"blink\"]]}]");
        JsonNode step = started(live, flow);
        ObjectNode meta = honestMetadata(server, step);
        ArrayNode actions = (ArrayNode) meta.get("actions");
        // the device did smile, turn-left, blink: not what was asked, in the order asked
        String first = actions.get(0).get("action").asText();
        ((ObjectNode) actions.get(0)).put("action", actions.get(1).get("action").asText());
        ((ObjectNode) actions.get(1)).put("action", first);

        JsonNode answer = live.attempt(step.get("access_token").asText(), attempt(meta, frame()));
        assertThat(answer.get("error_code").asText()).isEqualTo("motion_inconsistency");
        JsonNode result = veriliveResult(live, flow.flowId(), 0);
        assertThat(result.get("service_status").asText()).isEqualTo("attack");
        assertThat(codes(result.get("error_codes"))).containsExactly("motion_inconsistency");
    }

    @Test
    void actionsImpossiblyFastAreAMotionInconsistency() throws Exception {
        Created flow = live.createFlow(newPerson(), ONE_LIVENESS_STEP);
        JsonNode step = started(live, flow);
        ObjectNode meta = honestMetadata(server, step);
        Instant t = Instant.parse(meta.get("started_at").asText());
        for (JsonNode a : meta.get("actions")) {
            ((ObjectNode) a).put("started_at", t.toString()).put("ended_at", t.plusMillis(40).toString());
            t = t.plusMillis(50);
        }
        JsonNode answer = live.attempt(step.get("access_token").asText(), attempt(meta, frame()));
        assertThat(answer.get("success").asBoolean()).isFalse();
        assertThat(answer.get("error_code").asText()).isEqualTo("motion_inconsistency");
        assertThat(veriliveResult(live, flow.flowId(), 0).get("service_status").asText()).isEqualTo("attack");
    }

    @Test
    void actionsMissingFromTheMetadataAreAMotionInconsistency() throws Exception {
        Created flow = live.createFlow(newPerson(), ONE_LIVENESS_STEP);
        JsonNode step = started(live, flow);
        ObjectNode meta = honestMetadata(server, step);
        meta.remove("actions");
        assertThat(live.attempt(step.get("access_token").asText(), attempt(meta, frame())).get("error_code").asText())
                .isEqualTo("motion_inconsistency");
    }

    @Test
    void aDesktopDeviceIsRefusedWhereTheStepForbidsIt() throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"verilive\",\"allow_desktop\":false}]");
        JsonNode step = started(live, flow);
        ObjectNode meta = honestMetadata(server, step).put("mobile", false);
        JsonNode answer = live.attempt(step.get("access_token").asText(), attempt(meta, frame()));
        assertThat(answer.get("error_code").asText()).isEqualTo("desktop_session");
        assertThat(codes(veriliveResult(live, flow.flowId(), 0).get("error_codes"))).containsExactly("desktop_session");
    }

    // ---------------------------------------------------------------- a bank's face analysis plugged in

    @Test
    void withFaceAnalysisPluggedInAnHonestLiveAttemptPassesOnItsVerdict() throws Exception {
        faceVerdict.set("real");
        Created flow = bankLive.createFlow(newPerson(), ONE_LIVENESS_STEP);
        JsonNode step = started(bankLive, flow);
        byte[] picture = frame();
        analysed.clear();

        JsonNode answer = bankLive.attempt(step.get("access_token").asText(), attempt(honestMetadata(bank, step), picture));
        assertThat(answer.get("success").asBoolean()).isTrue();
        assertThat(bankLive.result(flow.flowId()).get("flow_status").asText()).isEqualTo("pass");
        assertThat(veriliveResult(bankLive, flow.flowId(), 0).get("service_status").asText()).isEqualTo("real");
        // the engine saw the attempt as sent
        assertThat(analysed).hasSize(1);
        assertThat(analysed.get(0).frames().get(0)).isEqualTo(picture);
        assertThat(analysed.get(0).sessionId()).isEqualTo(step.get("session_id").asText());
        assertThat(analysed.get(0).metadata().get("camera_label").asText()).isEqualTo("FaceTime HD Camera");
    }

    @Test
    void theRulesComeFirstAVirtualCameraIsAnAttackWhateverTheFaceAnalysisWouldSay() throws Exception {
        faceVerdict.set("real");
        Created flow = bankLive.createFlow(newPerson(), ONE_LIVENESS_STEP);
        JsonNode step = started(bankLive, flow);
        analysed.clear();
        JsonNode answer = bankLive.attempt(step.get("access_token").asText(),
                attempt(honestMetadata(bank, step).put("camera_label", "ManyCam Virtual Webcam"), frame()));
        assertThat(answer.get("error_code").asText()).isEqualTo("virtual_camera_risk");
        assertThat(analysed).isEmpty();
    }

    @Test
    void aFaceAnalysisThatBreaksGivesNoVerdictAndShowsNoInternals() throws Exception {
        faceVerdict.set("throw");
        Created flow = bankLive.createFlow(newPerson(), "[{\"service_name\":\"verilive\"}]");
        JsonNode step = started(bankLive, flow);
        Reply reply = bankLive.attemptReply(step.get("access_token").asText(), attempt(honestMetadata(bank, step), frame()));
        JsonNode answer = clientOk(reply);
        assertNoInternals(reply);
        assertThat(reply.body()).doesNotContain("10.0.0.7");
        assertThat(answer.get("success").asBoolean()).isFalse();
        assertThat(veriliveResult(bankLive, flow.flowId(), 0).get("service_status").asText()).isEqualTo("unknown");
        faceVerdict.set("real");
    }

    @Test
    void tooManySessionsForOnePersonWithinAnHourIsHighVelocity() throws Exception {
        faceVerdict.set("real");
        String person = newPerson();
        List<JsonNode> sessions = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            sessions.add(bankLive.livenessSession("{\"person_id\":\"" + person + "\",\"max_retries\":0}"));
        }
        JsonNode fourth = sessions.get(3);
        String token = fourth.get("access_token").asText();
        JsonNode pipeline = clientOk(bankLive.clientSession(token)).get("pipeline");
        JsonNode answer = bankLive.attempt(token, attempt(metadata(pipeline, bank.clock.instant().minusSeconds(10), null), frame()));
        assertThat(answer.get("success").asBoolean()).isFalse();
        assertThat(answer.get("error_code").asText()).isEqualTo("high_velocity");
        assertThat(codes(bankLive.journal(fourth.get("session_id").asText()).at("/result/error_codes")))
                .contains("high_velocity");

        // an hour later the person is welcome again
        bank.clock.advance(java.time.Duration.ofMinutes(61));
        JsonNode later = bankLive.livenessSession("{\"person_id\":\"" + person + "\",\"max_retries\":0}");
        String laterToken = later.get("access_token").asText();
        JsonNode laterPipeline = clientOk(bankLive.clientSession(laterToken)).get("pipeline");
        assertThat(bankLive.attempt(laterToken, attempt(metadata(laterPipeline, bank.clock.instant().minusSeconds(10), null),
                frame())).get("success").asBoolean()).isTrue();
    }

    private static List<String> codes(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array != null) {
            array.forEach(c -> out.add(c.asText()));
        }
        return out;
    }
}
