package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.ColourFaces.picture;
import static dev.idflow.servlet.PersonDevice.attempt;
import static dev.idflow.servlet.PersonDevice.metadata;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.model.KeyMode;
import dev.idflow.core.spi.LivenessAnalyzer;
import dev.idflow.servlet.TestServer.Reply;
import java.awt.Color;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A verified face is kept only for the verdict that counted: two attempts of one liveness session are
 * judged at once, both {@code real}, with two different faces; the one judged second loses (the first
 * ended the session), and its face is kept nowhere, so it is another account for nobody.
 */
class FaceTemplateRaceTest {
    static final Color SLOW = new Color(160, 32, 160);
    static final Color FAST = new Color(32, 160, 160);
    static ColourFaces faces;
    static TestServer server;
    static PersonDevice live;
    static final CountDownLatch slowIsBeingJudged = new CountDownLatch(1);
    static final CountDownLatch fastLanded = new CountDownLatch(1);

    @BeforeAll
    static void start() throws Exception {
        faces = new ColourFaces();
        FaceEngines engine = new FaceEngines(faces);
        LivenessAnalyzer slowForOneFace = attempt -> {
            byte[] template = faces.face(attempt.frames().get(0)).template();
            if (template != null && (template[0] & 0xff) > 128) { // SLOW is the one with much red
                slowIsBeingJudged.countDown();
                assertThat(fastLanded.await(30, TimeUnit.SECONDS)).isTrue();
            }
            return engine.analyze(attempt);
        };
        server = new TestServer("/kyc", b -> b.faceMatcher(faces).faceAnalysis(slowForOneFace));
        live = PersonDevice.liveKey(server);
        server.idflow.faceLists().enable("acme");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void theLosingAttemptsFaceIsNotKept() throws Exception {
        String person = newPerson();
        JsonNode created = live.livenessSession("{\"person_id\":\"" + person + "\",\"max_retries\":1}");
        String token = created.get("access_token").asText();
        JsonNode pipeline = PersonDevice.clientOk(live.clientSession(token)).get("pipeline");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Reply> slow = pool.submit(() -> live.attemptReply(token, attempt(metadata(pipeline,
                    server.clock.instant().minusSeconds(10), "FaceTime HD Camera"), picture(SLOW))));
            assertThat(slowIsBeingJudged.await(30, TimeUnit.SECONDS)).isTrue();

            JsonNode fast = live.attempt(token, attempt(metadata(pipeline, server.clock.instant().minusSeconds(10),
                    "FaceTime HD Camera"), picture(FAST)));
            assertThat(fast.get("success").asBoolean()).isTrue();
            fastLanded.countDown();

            PersonDevice.clientError(slow.get(30, TimeUnit.SECONDS), 409, "NO_ATTEMPTS_LEFT");
        } finally {
            pool.shutdownNow();
        }

        assertThat(server.idflow.faceLists().verifiedCount("acme", KeyMode.LIVE)).isEqualTo(1);
        JsonNode sameAsWinner = live.livenessSession("{\"person_id\":\"" + newPerson() + "\"}");
        assertThat(resultOf(sameAsWinner, FAST).get("error_codes")).extracting(JsonNode::asText)
                .containsExactly("face_has_another_account");
        JsonNode sameAsLoser = live.livenessSession("{\"person_id\":\"" + newPerson() + "\"}");
        assertThat(resultOf(sameAsLoser, SLOW).get("service_status").asText())
                .as("the losing attempt's face was never kept").isEqualTo("real");
    }

    private static JsonNode resultOf(JsonNode created, Color face) throws Exception {
        String token = created.get("access_token").asText();
        JsonNode pipeline = PersonDevice.clientOk(live.clientSession(token)).get("pipeline");
        live.attempt(token, attempt(metadata(pipeline, server.clock.instant().minusSeconds(10), "FaceTime HD Camera"),
                picture(face)));
        return live.journal(created.get("session_id").asText()).get("result");
    }
}
