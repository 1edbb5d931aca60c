package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.attempt;
import static dev.idflow.servlet.PersonDevice.clientOk;
import static dev.idflow.servlet.PersonDevice.metadata;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.face.OnnxLivenessAnalyzer;
import java.awt.image.BufferedImage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Live liveness sessions (live key, no mockery) judged by idflow's own face analysis, attempts sent over
 * HTTP as a device would, built from real face pictures; each verdict read back through
 * {@code GET /journal/session/{id}}: no face, two faces, a still photo for motion actions, and a real
 * zoom sequence.
 */
class FaceAnalysisOnTheWireTest {
    private static TestServer server;
    private static PersonDevice bank;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc", builder -> builder.faceAnalysis(new OnnxLivenessAnalyzer()));
        bank = PersonDevice.liveKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** What the device was told, and the verdict the consumer reads from the journal. */
    private record Judged(JsonNode answer, JsonNode result) {
        List<String> errorCodes() {
            List<String> codes = new ArrayList<>();
            result.path("error_codes").forEach(c -> codes.add(c.asText()));
            return codes;
        }
    }

    /**
     * A session asking for {@code pipeline}, and one attempt: the first frame before the first action, then
     * {@code framesPerAction} frames during each action, each with its {@code taken_at}.
     */
    private static Judged attemptOf(String pipeline, List<BufferedImage> frames, int framesPerAction) throws Exception {
        JsonNode session = bank.livenessSession("{\"person_id\":\"" + newPerson() + "\",\"max_retries\":1,\"pipeline\":"
                + pipeline + "}");
        String token = session.get("access_token").asText();
        JsonNode asked = clientOk(bank.clientSession(token)).get("pipeline");
        ObjectNode meta = metadata(asked, server.clock.instant().minusSeconds(20), "Front Camera");
        // PersonDevice.metadata: action i runs from started_at + 0.5 s + 2 s × i, for 1.5 s
        Instant first = Instant.parse(meta.get("started_at").asText()).plusMillis(500);
        ArrayNode taken = meta.putArray("frames");
        taken.addObject().put("taken_at", first.minusMillis(300).toString());
        for (int i = 1; i < frames.size(); i++) {
            int action = (i - 1) / framesPerAction;
            int within = (i - 1) % framesPerAction;
            taken.addObject().put("taken_at", first.plusMillis(2000L * action + 600 + 800L * within / framesPerAction).toString());
        }
        byte[][] jpegs = frames.stream().map(FacePictures::jpeg).toArray(byte[][]::new);
        JsonNode answer = bank.attempt(token, attempt(meta, jpegs));
        JsonNode journal = bank.journal(session.get("session_id").asText());
        return new Judged(answer, journal.get("result"));
    }

    @Test
    void framesWithNoFaceAreNoFace() throws Exception {
        BufferedImage ice = FacePictures.place(FacePictures.load(FacePictures.ICE_BLOCK), 640, 480, 320, 213, 1.0, 0, 0);
        Judged judged = attemptOf("[[\"zoom-in\"]]", List.of(ice, ice, ice), 2);
        assertThat(judged.answer().get("success").asBoolean()).isFalse();
        assertThat(judged.answer().get("error_code").asText()).isEqualTo("no_face");
        assertThat(judged.result().get("service_status").asText()).isEqualTo("attack");
        assertThat(judged.errorCodes()).contains("no_face");
    }

    @Test
    void aSecondFaceInAFrameIsFaceMultiplicityFrame() throws Exception {
        BufferedImage man = FacePictures.load(FacePictures.MAN);
        BufferedImage two = FacePictures.graceAt(180);
        java.awt.Graphics2D g = two.createGraphics();
        g.drawImage(man, 440, 140, 200, 200, null);
        g.dispose();
        Judged judged = attemptOf("[[\"zoom-in\"]]", List.of(FacePictures.graceAt(170), FacePictures.graceAt(210), two), 2);
        assertThat(judged.answer().get("error_code").asText()).isEqualTo("face_multiplicity_frame");
        assertThat(judged.result().get("service_status").asText()).isEqualTo("attack");
        assertThat(judged.errorCodes()).containsExactly("face_multiplicity_frame");
    }

    @Test
    void aStillPhotoForMotionActionsIsNotReal() throws Exception {
        BufferedImage still = FacePictures.graceAt(200);
        Judged judged = attemptOf("[[\"zoom-in\"],[\"turn-left\"]]", List.of(still, still, still, still, still), 2);
        assertThat(judged.answer().get("success").asBoolean()).isFalse();
        assertThat(judged.result().get("service_status").asText()).isNotEqualTo("real").isEqualTo("attack");
        assertThat(judged.errorCodes()).containsExactly("motion_inconsistency");
    }

    @Test
    void aRealZoomSequenceIsReal() throws Exception {
        Judged judged = attemptOf("[[\"zoom-in\"],[\"zoom-out\"]]", List.of(FacePictures.graceAt(170),
                FacePictures.graceAt(200), FacePictures.graceAt(240),
                FacePictures.graceAt(210), FacePictures.graceAt(160)), 2);
        assertThat(judged.answer().get("success").asBoolean()).as(judged.result().toString()).isTrue();
        assertThat(judged.result().get("service_status").asText()).isEqualTo("real");
        assertThat(judged.errorCodes()).isEmpty();
    }

    @Test
    void twoPeopleAcrossFramesAreFaceMultiplicitySession() throws Exception {
        BufferedImage man = FacePictures.place(FacePictures.load(FacePictures.MAN), 640, 480, 160, 140, 260.0 / 160, 0, 0);
        Judged judged = attemptOf("[[\"zoom-in\"]]", List.of(FacePictures.graceAt(170), FacePictures.graceAt(200), man), 2);
        assertThat(judged.result().get("service_status").asText()).isEqualTo("attack");
        assertThat(judged.errorCodes()).containsExactly("face_multiplicity_session");
    }
}
