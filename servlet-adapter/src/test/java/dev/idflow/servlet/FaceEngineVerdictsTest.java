package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
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
import dev.idflow.servlet.TestServer.Reply;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a plugged-in face engine decides beyond real/attack, through a real Jetty: the best frame it
 * chose is the stored {@code bestframe} (not the device's {@code bestframe_index}); the pipelines idflow
 * draws itself hold only actions the engine can check; a pipeline the consumer names with an action the
 * engine cannot check is never {@code real}: {@code unknown} with a warning, the actions named.
 */
class FaceEngineVerdictsTest {
    /** What a person can be asked without instructions (VeriliveService's pool). */
    private static final Set<String> POOL = Set.of("turn-left", "turn-right", "smile", "blink", "zoom-in", "zoom-out",
            "tilt-up", "tilt-down", "open-mouth");
    static ColourFaces faces;
    static FaceEngines engine;
    static TestServer server;
    static PersonDevice live;

    @BeforeAll
    static void start() throws Exception {
        faces = new ColourFaces();
        engine = new FaceEngines(faces);
        server = new TestServer("/kyc", b -> b.faceAnalysis(engine));
        live = PersonDevice.liveKey(server);
    }

    @BeforeEach
    void everyActionCheckable() {
        engine.checkable.set(LivenessAnalyzer.ACTIONS);
        engine.bestFrame.set(null);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static ObjectNode honest(JsonNode pipeline) {
        return metadata(pipeline, server.clock.instant().minusSeconds(10), "FaceTime HD Camera");
    }

    /** A live hosted flow of one verilive step, started; its current step. */
    private static JsonNode startedLiveness(String pipelineOption) throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"verilive\"" + pipelineOption + "}]");
        return live.start(flow.vlinkId()).get("current_step");
    }

    private static byte[] bestframeOf(String sessionId) throws Exception {
        Reply file = live.file("label=bestframe&session_id=" + sessionId);
        assertThat(file.status()).as("download answered %s", file.body()).isEqualTo(200);
        assertThat(file.header("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("image/jpeg"));
        return file.bytes();
    }

    // ---------------------------------------------------------------- the best frame

    @Test
    void theStoredBestFrameIsTheFrameTheEngineChoseNotTheDevicesIndex() throws Exception {
        engine.bestFrame.set(2);
        JsonNode step = startedLiveness("");
        byte[][] frames = {picture(RED), picture(0.8, RED), picture(0.6, RED)};
        ObjectNode meta = honest(step.get("pipeline")).put("bestframe_index", 0);

        JsonNode answer = live.attempt(step.get("access_token").asText(), attempt(meta, frames));

        assertThat(answer.get("success").asBoolean()).isTrue();
        assertThat(bestframeOf(step.get("session_id").asText())).isEqualTo(frames[2]).isNotEqualTo(frames[0]);
    }

    @Test
    void withoutTheEnginesChoiceTheDevicesIndexStands() throws Exception {
        JsonNode step = startedLiveness("");
        byte[][] frames = {picture(RED), picture(0.8, RED), picture(0.6, RED)};

        live.attempt(step.get("access_token").asText(), attempt(honest(step.get("pipeline")).put("bestframe_index", 1), frames));

        assertThat(bestframeOf(step.get("session_id").asText())).isEqualTo(frames[1]);
    }

    @Test
    void aPngFrameTheEngineChoseIsStoredAsAJpegOfThatFrame() throws Exception {
        engine.bestFrame.set(1);
        JsonNode step = startedLiveness("");
        byte[][] frames = {ColourFaces.png(RED), pngOfSize(0.5), ColourFaces.png(RED)};

        live.attempt(step.get("access_token").asText(), attempt(honest(step.get("pipeline")), frames));

        byte[] best = bestframeOf(step.get("session_id").asText());
        assertThat(best[0] & 0xff).isEqualTo(0xff);
        assertThat(best[1] & 0xff).isEqualTo(0xd8);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(best));
        assertThat(image.getWidth()).isEqualTo(320);
        assertThat(faceShare(image)).as("the half-height face of frame 1, not the full one of frames 0 and 2")
                .isBetween(0.15, 0.30);
    }

    private static byte[] pngOfSize(double size) throws Exception {
        BufferedImage jpeg = ImageIO.read(new ByteArrayInputStream(picture(size, RED)));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ImageIO.write(jpeg, "png", out);
        return out.toByteArray();
    }

    /** The share of the picture that is not background. */
    private static double faceShare(BufferedImage image) {
        long face = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int r = (image.getRGB(x, y) >> 16) & 0xff;
                if (r > 160) {
                    face++;
                }
            }
        }
        return face / (double) (image.getWidth() * image.getHeight());
    }

    // ---------------------------------------------------------------- checkable actions

    @Test
    void pipelinesIdflowDrawsHoldOnlyActionsTheEngineCanCheck() throws Exception {
        Set<String> checkable = Set.of("turn-left", "turn-right", "blink", "tongue-out");
        engine.checkable.set(checkable);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 25; i++) {
            JsonNode created = live.livenessSession("{\"person_id\":\"" + newPerson() + "\"}");
            JsonNode session = PersonDevice.clientOk(live.clientSession(created.get("access_token").asText()));
            session.get("pipeline").forEach(group -> group.forEach(a -> seen.add(a.asText())));
            JsonNode hosted = startedLiveness("");
            hosted.get("pipeline").forEach(group -> group.forEach(a -> seen.add(a.asText())));
        }
        assertThat(seen).as("drawn from the engine's checkable actions within idflow's pool")
                .isNotEmpty().isSubsetOf("turn-left", "turn-right", "blink");
    }

    @Test
    void withEveryActionCheckableTheWholePoolIsDrawn() throws Exception {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            startedLiveness("").get("pipeline").forEach(group -> group.forEach(a -> seen.add(a.asText())));
        }
        assertThat(seen).isSubsetOf(POOL).hasSizeGreaterThan(4);
    }

    @Test
    void aConsumerNamedActionTheEngineCannotCheckIsUnknownWithAWarningNamingIt() throws Exception {
        engine.checkable.set(Set.of("turn-left", "turn-right", "blink"));
        String person = newPerson();
        JsonNode created = live.livenessSession("{\"person_id\":\"" + person
                + "\",\"pipeline\":[[\"turn-left\"],[\"tongue-out\"]]}");
        JsonNode pipeline = ApiAssertions.JSON.readTree("[[\"turn-left\"],[\"tongue-out\"]]");

        JsonNode answer = live.attempt(created.get("access_token").asText(),
                attempt(honest(pipeline), picture(RED), picture(0.8, RED)));

        assertThat(answer.get("success").asBoolean()).isFalse();
        JsonNode result = live.journal(created.get("session_id").asText()).get("result");
        assertThat(result.get("service_status").asText()).isEqualTo("unknown");
        assertThat(result.get("warnings")).extracting(JsonNode::asText).containsExactly("model_prediction");
        assertThat(result.get("unchecked_actions")).extracting(JsonNode::asText).containsExactly("tongue-out");
        JsonNode flow = live.result(created.get("flow_id").asText());
        assertThat(flow.get("flow_status").asText()).isNotEqualTo("pass");
    }

    @Test
    void idflowsOwnRuleFailuresStillWinOverAnUncheckableAction() throws Exception {
        engine.checkable.set(Set.of("turn-left"));
        JsonNode created = live.livenessSession("{\"person_id\":\"" + newPerson() + "\",\"pipeline\":[[\"tongue-out\"]]}");
        JsonNode pipeline = ApiAssertions.JSON.readTree("[[\"tongue-out\"]]");
        ObjectNode meta = metadata(pipeline, server.clock.instant().minusSeconds(10), "OBS Virtual Camera");

        live.attempt(created.get("access_token").asText(), attempt(meta, picture(RED)));

        JsonNode result = live.journal(created.get("session_id").asText()).get("result");
        assertThat(result.get("service_status").asText()).isEqualTo("attack");
        assertThat(result.get("error_codes")).extracting(JsonNode::asText).containsExactly("virtual_camera_risk");
    }

    @Test
    void anEngineAttackStandsWhenAnUncheckableActionWasAsked() throws Exception {
        engine.checkable.set(Set.of("turn-left"));
        JsonNode created = live.livenessSession("{\"person_id\":\"" + newPerson() + "\",\"pipeline\":[[\"tongue-out\"]]}");
        JsonNode pipeline = ApiAssertions.JSON.readTree("[[\"tongue-out\"]]");

        live.attempt(created.get("access_token").asText(), attempt(honest(pipeline), picture()));

        JsonNode result = live.journal(created.get("session_id").asText()).get("result");
        assertThat(result.get("service_status").asText()).isEqualTo("attack");
        assertThat(result.get("error_codes")).extracting(JsonNode::asText).containsExactly("no_face");
        assertThat(result.get("warnings")).extracting(JsonNode::asText).containsExactly("model_prediction");
    }

    @Test
    void everyCheckableActionNamedByTheConsumerCanBeReal() throws Exception {
        engine.checkable.set(Set.of("turn-left", "blink"));
        JsonNode created = live.livenessSession("{\"person_id\":\"" + newPerson()
                + "\",\"pipeline\":[[\"turn-left\"],[\"blink\"]]}");
        JsonNode pipeline = ApiAssertions.JSON.readTree("[[\"turn-left\"],[\"blink\"]]");

        JsonNode answer = live.attempt(created.get("access_token").asText(), attempt(honest(pipeline), picture(RED)));

        assertThat(answer.get("success").asBoolean()).isTrue();
        JsonNode result = live.journal(created.get("session_id").asText()).get("result");
        assertThat(result.get("service_status").asText()).isEqualTo("real");
        assertThat(result.has("unchecked_actions")).isFalse();
        assertThat(statuses(live.result(created.get("flow_id").asText())).get(0).get("session_status").asText())
                .isEqualTo("pass");
    }

}
