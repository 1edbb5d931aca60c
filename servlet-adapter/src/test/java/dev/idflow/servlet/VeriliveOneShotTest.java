package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.ColourFaces.BLUE;
import static dev.idflow.servlet.ColourFaces.RED;
import static dev.idflow.servlet.ColourFaces.picture;
import static dev.idflow.servlet.PersonDevice.attempt;
import static dev.idflow.servlet.PersonDevice.metadata;
import static dev.idflow.servlet.PersonDevice.statuses;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.spi.LivenessAnalyzer;
import dev.idflow.servlet.PersonDevice.Created;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code verilive-one-shot} through a real Jetty: one selfie, no action. The face matcher's count decides
 * {@code no_face} and {@code face_multiplicity_frame}; {@code real} comes only from a plugged-in
 * presentation-attack engine for single pictures, else the verdict is {@code unknown}. The consumer reads
 * the verdict through the journal and the flow result (a VeriliveResult without its service_name).
 */
class VeriliveOneShotTest {
    static ColourFaces faces;
    /** A matcher, no presentation-attack engine. */
    static TestServer server;
    static PersonDevice live;
    /** A matcher and a presentation-attack engine that finds every selfie real. */
    static TestServer withPad;
    static PersonDevice padLive;
    static final List<LivenessAnalyzer.Attempt> padSaw = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        faces = new ColourFaces();
        server = new TestServer("/kyc", b -> b.faceMatcher(faces));
        live = PersonDevice.liveKey(server);
        withPad = new TestServer("/kyc", b -> b.faceMatcher(faces).selfieAnalysis(attempt -> {
            padSaw.add(attempt);
            return new LivenessAnalyzer.Verdict("real", List.of(), List.of());
        }));
        padLive = PersonDevice.liveKey(withPad);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        withPad.close();
    }

    private static final String ONE_SHOT = "[{\"service_name\":\"verilive-one-shot\"}]";

    private record Shot(Created flow, String sessionId, JsonNode answer) {
    }

    /** A live hosted flow of one selfie step: started, and the selfie sent as the hosted page sends it. */
    private static Shot selfie(TestServer on, PersonDevice device, byte[] picture) throws Exception {
        Created flow = device.createFlow(newPerson(), ONE_SHOT);
        JsonNode step = device.start(flow.vlinkId()).get("current_step");
        assertThat(step.get("service_name").asText()).isEqualTo("verilive-one-shot");
        assertThat(step.get("pipeline")).as("no action is asked").isEmpty();
        // the page's camera asks the person to look straight at it when the pipeline names no action
        ObjectNode meta = metadata(ApiAssertions.JSON.readTree("[[\"turn-straight\"]]"),
                on.clock.instant().minusSeconds(10), "FaceTime HD Camera").put("bestframe_index", 0);
        JsonNode answer = device.attempt(step.get("access_token").asText(), attempt(meta, picture));
        return new Shot(flow, step.get("session_id").asText(), answer);
    }

    private static JsonNode wireResult(PersonDevice device, Shot shot) throws Exception {
        JsonNode journal = device.journal(shot.sessionId()).get("result");
        assertThat(journal.has("service_name")).as("VeriliveResult's service_name names verilive only").isFalse();
        assertThat(statuses(device.result(shot.flow().flowId())).get(0).get("session_result")).isEqualTo(journal);
        return journal;
    }

    @Test
    void aSelfieWithoutAFaceIsNoFace() throws Exception {
        Shot shot = selfie(server, live, picture());

        assertThat(shot.answer().get("success").asBoolean()).isFalse();
        assertThat(shot.answer().get("error_code").asText()).isEqualTo("no_face");
        JsonNode result = wireResult(live, shot);
        assertThat(result.get("service_status").asText()).isEqualTo("attack");
        assertThat(result.get("error_codes")).extracting(JsonNode::asText).containsExactly("no_face");
    }

    @Test
    void aSelfieWithTwoFacesIsFaceMultiplicityFrame() throws Exception {
        Shot shot = selfie(server, live, picture(RED, BLUE));

        JsonNode result = wireResult(live, shot);
        assertThat(result.get("service_status").asText()).isEqualTo("attack");
        assertThat(result.get("error_codes")).extracting(JsonNode::asText).containsExactly("face_multiplicity_frame");
    }

    @Test
    void oneFaceWithoutAPresentationAttackEngineIsUnknownNeverReal() throws Exception {
        Shot shot = selfie(server, live, picture(RED));

        assertThat(shot.answer().get("success").asBoolean()).isFalse();
        JsonNode result = wireResult(live, shot);
        assertThat(result.get("service_status").asText()).isEqualTo("unknown");
        assertThat(result.get("error_codes")).isEmpty();
        JsonNode flow = live.result(shot.flow().flowId());
        assertThat(flow.get("flow_status").asText()).isEqualTo("fail");
        assertThat(statuses(flow).get(0).get("frontend_session_status").asText()).isEqualTo("reviewing");
    }

    @Test
    void oneFaceThatThePresentationAttackEngineFindsRealPasses() throws Exception {
        Shot shot = selfie(withPad, padLive, picture(RED));

        assertThat(shot.answer().get("success").asBoolean()).isTrue();
        JsonNode result = wireResult(padLive, shot);
        assertThat(result.get("service_status").asText()).isEqualTo("real");
        assertThat(padLive.result(shot.flow().flowId()).get("flow_status").asText()).isEqualTo("pass");
        LivenessAnalyzer.Attempt seen = padSaw.get(padSaw.size() - 1);
        assertThat(seen.frames()).as("the engine gets the one selfie").hasSize(1);
        assertThat(seen.pipeline()).isEmpty();
        assertThat(padLive.file("label=bestframe&session_id=" + shot.sessionId()).bytes()).isEqualTo(picture(RED));
    }

    @Test
    void thePresentationAttackEngineIsNotAskedAboutAPictureWithoutAFace() throws Exception {
        int before = padSaw.size();
        Shot shot = selfie(withPad, padLive, picture());

        assertThat(wireResult(padLive, shot).get("error_codes")).extracting(JsonNode::asText).containsExactly("no_face");
        assertThat(padSaw).hasSize(before);
    }

    @Test
    void idflowsRulesStillApplyToASelfie() throws Exception {
        Created flow = padLive.createFlow(newPerson(), ONE_SHOT);
        JsonNode step = padLive.start(flow.vlinkId()).get("current_step");
        ObjectNode meta = metadata(ApiAssertions.JSON.readTree("[]"), withPad.clock.instant().minusSeconds(10),
                "ManyCam Virtual Webcam");

        padLive.attempt(step.get("access_token").asText(), attempt(meta, picture(RED)));

        JsonNode result = padLive.journal(step.get("session_id").asText()).get("result");
        assertThat(result.get("service_status").asText()).isEqualTo("attack");
        assertThat(result.get("error_codes")).extracting(JsonNode::asText).containsExactly("virtual_camera_risk");
    }

    @Test
    void withoutAnyFaceEngineASelfieIsUnknown() throws Exception {
        try (TestServer bare = new TestServer("/kyc")) {
            PersonDevice device = PersonDevice.liveKey(bare);
            Shot shot = selfie(bare, device, picture(RED));
            assertThat(wireResult(device, shot).get("service_status").asText()).isEqualTo("unknown");
        }
    }

    @Test
    void aTestFlowFollowsTheMockeryScript() throws Exception {
        PersonDevice test = PersonDevice.testKey(server);
        String person = newPerson();
        test.script(person, "verilive-one-shot", "real");
        Created flow = test.createFlow(person, ONE_SHOT);
        JsonNode step = test.start(flow.vlinkId()).get("current_step");

        JsonNode answer = test.attempt(step.get("access_token").asText(),
                attempt(metadata(ApiAssertions.JSON.readTree("[]"), server.clock.instant().minusSeconds(10), null), picture()));

        assertThat(answer.get("success").asBoolean()).isTrue();
        assertThat(test.result(flow.flowId()).get("flow_status").asText()).isEqualTo("pass");
    }
}
