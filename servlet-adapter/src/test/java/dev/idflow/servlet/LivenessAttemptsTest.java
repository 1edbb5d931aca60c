package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.attempt;
import static dev.idflow.servlet.PersonDevice.clientError;
import static dev.idflow.servlet.PersonDevice.clientOk;
import static dev.idflow.servlet.PersonDevice.frame;
import static dev.idflow.servlet.PersonDevice.metadata;
import static dev.idflow.servlet.PersonDevice.stateNames;
import static dev.idflow.servlet.PersonDevice.statuses;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Multipart;
import dev.idflow.servlet.TestServer.Reply;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The person's liveness attempts through {@code /liveness2/client/*}: token expiry, attempts running
 * out, refused uploads using their attempt (frames that are not images, no frames, no metadata),
 * a bearer that is not a token, the consumer's own liveness sessions with several attempts, and the
 * files an attempt leaves behind.
 */
class LivenessAttemptsTest {
    static TestServer server;
    static PersonDevice device;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
        device = PersonDevice.testKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** A started flow of one liveness step, scripted {@code verdict}; returns it and its current step. */
    private static Created startedLivenessFlow(String person, String verdict, String stepFields) throws Exception {
        device.script(person, "verilive", verdict);
        Created flow = device.createFlow(person, "[{\"service_name\":\"verilive\"" + stepFields + "}]");
        device.start(flow.vlinkId());
        return flow;
    }

    private static JsonNode currentStep(Created flow) throws Exception {
        return device.state(flow.vlinkId()).get("current_step");
    }

    // ---------------------------------------------------------------- token expiry

    @Test
    void anAttemptAfterTheTokenExpiredIsATimeoutAndTheRetryGetsAFreshToken() throws Exception {
        String person = newPerson();
        Created flow = startedLivenessFlow(person, "real", ",\"timeout\":3600,\"max_retries\":1");
        JsonNode first = currentStep(flow);
        Instant expiresAt = Instant.parse(first.get("expires_at").asText());
        assertThat(expiresAt).as("tokens live at most 600 s").isEqualTo(server.clock.instant().plusSeconds(600));

        server.clock.set(expiresAt.plusSeconds(1));
        JsonNode answer = device.attempt(first.get("access_token").asText(), device.honestAttempt(first));
        assertThat(answer).isEqualTo(ApiAssertions.JSON.readTree(
                "{\"success\":false,\"error_code\":\"timeout\",\"attempts_left\":0}"));

        // recorded as a timeout where the bank reads it
        String firstId = first.get("session_id").asText();
        JsonNode journal = device.journal(firstId);
        assertThat(stateNames(journal.get("session_states"))).containsExactly("created", "processing", "processed");
        assertThat(journal.at("/result/error_codes").toString()).contains("\"timeout\"");
        assertThat(journal.at("/result/service_status").asText()).isNotEqualTo("real");
        JsonNode expired = statuses(device.result(flow.flowId())).get(0);
        assertThat(expired.get("session_status").asText()).isEqualTo("fail");
        assertThat(expired.get("frontend_session_status").asText()).isEqualTo("expired");

        // a retry was left: a new session with a new token, valid from now
        JsonNode second = currentStep(flow);
        assertThat(second.get("session_id").asText()).isNotEqualTo(firstId);
        assertThat(second.get("access_token").asText()).isNotEqualTo(first.get("access_token").asText());
        assertThat(Instant.parse(second.get("expires_at").asText())).isEqualTo(server.clock.instant().plusSeconds(600));
        clientError(device.attemptReply(first.get("access_token").asText(), device.honestAttempt(first)),
                409, "NO_ATTEMPTS_LEFT");

        assertThat(device.attempt(second.get("access_token").asText(), device.honestAttempt(second))
                .get("success").asBoolean()).isTrue();
        JsonNode result = device.result(flow.flowId());
        assertThat(result.get("flow_status").asText()).isEqualTo("pass");
        assertThat(result.get("sessions_count").asInt()).isEqualTo(2);
    }

    @Test
    void anAttemptExactlyAtExpiryStillCounts() throws Exception {
        Created flow = startedLivenessFlow(newPerson(), "real", ",\"timeout\":3600");
        JsonNode step = currentStep(flow);
        server.clock.set(Instant.parse(step.get("expires_at").asText()));
        assertThat(device.attempt(step.get("access_token").asText(), device.honestAttempt(step))
                .get("success").asBoolean()).isTrue();
    }

    @Test
    void aConsumerSessionsTokenExpiresAfterItsDuration() throws Exception {
        String person = newPerson();
        device.script(person, "verilive", "real");
        JsonNode session = device.livenessSession("{\"person_id\":\"" + person + "\",\"duration\":120}");
        String token = session.get("access_token").asText();
        JsonNode clientSession = clientOk(device.clientSession(token));
        assertThat(Instant.parse(clientSession.get("expires_at").asText()))
                .isEqualTo(server.clock.instant().plusSeconds(120));

        server.clock.advance(Duration.ofSeconds(121));
        Reply reply = device.attemptReply(token, attempt(metadata(clientSession.get("pipeline"),
                server.clock.instant().minusSeconds(8), null), frame()));
        JsonNode answer = clientOk(reply);
        assertThat(answer.get("success").asBoolean()).isFalse();
        assertThat(answer.get("error_code").asText()).isEqualTo("timeout");
        assertThat(answer.get("attempts_left").asInt()).isZero();

        JsonNode journal = device.journal(session.get("session_id").asText());
        assertThat(journal.at("/result/error_codes/0").asText()).isEqualTo("timeout");
        assertThat(journal.at("/result/service_status").asText()).isEqualTo("unknown");
        JsonNode flow = device.flow(session.get("flow_id").asText());
        assertThat(flow.get("flow_status").asText()).isEqualTo("fail");
        clientError(device.attemptReply(token, attempt(metadata(clientSession.get("pipeline"),
                server.clock.instant(), null), frame())), 409, "NO_ATTEMPTS_LEFT");
    }

    @Test
    void aConsumerSessionsTokenIsGoodForItsWholeDuration() throws Exception {
        String person = newPerson();
        device.script(person, "verilive", "real");
        JsonNode session = device.livenessSession("{\"person_id\":\"" + person + "\",\"duration\":600}");
        String token = session.get("access_token").asText();
        JsonNode pipeline = clientOk(device.clientSession(token)).get("pipeline");

        // the consumer's front end keeps polling its session; the flow made for the session waits with it
        for (int i = 0; i < 4; i++) {
            server.clock.advance(Duration.ofSeconds(140));
            assertThat(clientOk(device.clientSession(token)).get("attempts_left").asInt()).isEqualTo(4);
            server.idflow.sweepOnce();
        }
        server.clock.advance(Duration.ofSeconds(30)); // 590 s: within the 600 s the token was given
        server.idflow.sweepOnce();
        assertThat(device.flow(session.get("flow_id").asText()).has("end_cause")).isFalse();

        JsonNode answer = device.attempt(token, attempt(metadata(pipeline, server.clock.instant().minusSeconds(8), null),
                frame()));
        assertThat(answer.get("success").asBoolean()).isTrue();
        assertThat(device.flow(session.get("flow_id").asText()).get("flow_status").asText()).isEqualTo("pass");
    }

    // ---------------------------------------------------------------- the consumer's own sessions: several attempts

    @Test
    void aConsumerSessionWithTwoRetriesTakesThreeAttemptsOnOneSessionThenRefuses() throws Exception {
        String person = newPerson();
        device.script(person, "verilive", "attack");
        JsonNode session = device.livenessSession("{\"person_id\":\"" + person + "\",\"max_retries\":2}");
        assertThat(session.get("attempts_left").asInt()).isEqualTo(3);
        String token = session.get("access_token").asText();
        JsonNode pipeline = clientOk(device.clientSession(token)).get("pipeline");

        for (int left = 2; left >= 0; left--) {
            JsonNode answer = device.attempt(token, attempt(metadata(pipeline, server.clock.instant().minusSeconds(8), null),
                    frame()));
            assertThat(answer.get("success").asBoolean()).isFalse();
            assertThat(answer.get("attempts_left").asInt()).isEqualTo(left);
            assertThat(clientOk(device.clientSession(token)).get("attempts_left").asInt()).isEqualTo(left);
            server.clock.advance(Duration.ofSeconds(5));
        }
        clientError(device.attemptReply(token, attempt(metadata(pipeline, server.clock.instant(), null), frame())),
                409, "NO_ATTEMPTS_LEFT");

        // all three attempts were one session
        JsonNode result = device.result(session.get("flow_id").asText());
        assertThat(result.get("sessions_count").asInt()).isEqualTo(1);
        assertThat(result.get("flow_status").asText()).isEqualTo("fail");
        assertThat(result.get("end_cause").asText()).isEqualTo("completed");
        JsonNode only = statuses(result).get(0);
        assertThat(only.get("session_id").asText()).isEqualTo(session.get("session_id").asText());
        assertThat(stateNames(only.get("session_states"))).containsExactly("created", "processing", "processed");
        assertThat(only.at("/session_result/service_status").asText()).isEqualTo("attack");
    }

    @Test
    void aConsumerSessionPassesOnALaterAttemptOnceTheScriptSaysReal() throws Exception {
        String person = newPerson();
        device.script(person, "verilive", "attack");
        JsonNode session = device.livenessSession("{\"person_id\":\"" + person + "\",\"max_retries\":2,"
                + "\"pipeline\":[[\"smile\"],[\"blink\"]]}");
        String token = session.get("access_token").asText();
        JsonNode pipeline = clientOk(device.clientSession(token)).get("pipeline");
        assertThat(pipeline.toString()).isEqualTo("[[\"smile\"],[\"blink\"]]");

        assertThat(device.attempt(token, attempt(metadata(pipeline, server.clock.instant().minusSeconds(8), null), frame()))
                .get("attempts_left").asInt()).isEqualTo(2);
        device.script(person, "verilive", "real");
        JsonNode answer = device.attempt(token, attempt(metadata(pipeline, server.clock.instant().minusSeconds(8), null),
                frame()));
        assertThat(answer.get("success").asBoolean()).isTrue();
        assertThat(answer.get("attempts_left").asInt()).isEqualTo(1);

        JsonNode result = device.result(session.get("flow_id").asText());
        assertThat(result.get("flow_status").asText()).isEqualTo("pass");
        assertThat(result.get("sessions_count").asInt()).isEqualTo(1);
        assertThat(statuses(result).get(0).at("/session_result/service_status").asText()).isEqualTo("real");
        clientError(device.attemptReply(token, attempt(metadata(pipeline, server.clock.instant(), null), frame())),
                409, "NO_ATTEMPTS_LEFT");
    }

    // ---------------------------------------------------------------- refused uploads use their attempt

    /**
     * The attempt is taken before the upload is read, so a refused upload has used it: a batch with one
     * bad frame cannot be sent again and again for free.
     */
    @Test
    void framesThatAreNotImagesAreRefusedAndEachUsesAnAttempt() throws Exception {
        String person = newPerson();
        device.script(person, "verilive", "real");
        JsonNode session = device.livenessSession("{\"person_id\":\"" + person + "\",\"max_retries\":3}");
        String token = session.get("access_token").asText();
        JsonNode pipeline = clientOk(device.clientSession(token)).get("pipeline");
        var meta = metadata(pipeline, server.clock.instant().minusSeconds(8), null);

        byte[] text = "this is not a picture, just text pretending to be one".getBytes(StandardCharsets.UTF_8);
        byte[] truncated = Arrays.copyOf(frame(), 40); // a JPEG's first bytes and nothing after
        int left = 4;
        for (Multipart junk : new Multipart[] {
                new Multipart().field("metadata", meta.toString()).file("frame", "frame.jpg", "image/jpeg", text),
                new Multipart().field("metadata", meta.toString()).file("frame", "frame.jpg", "image/jpeg", truncated),
                new Multipart().field("metadata", meta.toString()).file("frame", "frame.jpg", "image/jpeg", frame())
                        .file("frame", "frame2.jpg", "image/jpeg", text)}) {
            JsonNode error = clientError(device.attemptReply(token, junk), 422, "INVALID_PAYLOAD");
            assertThat(error.get("error_msg").asText()).startsWith("frame");
            assertThat(clientOk(device.clientSession(token)).get("attempts_left").asInt()).isEqualTo(--left);
        }
        // a refused upload leaves no file behind
        assertThat(device.file("label=bestframe&session_id=" + session.get("session_id").asText()).status()).isEqualTo(404);

        // the last attempt is still there to be made
        JsonNode answer = device.attempt(token, attempt(meta, frame()));
        assertThat(answer.get("success").asBoolean()).isTrue();
        assertThat(answer.get("attempts_left").asInt()).isZero();
    }

    @Test
    void anAttemptWithoutFramesOrWithoutMetadataIsRefusedAndUsesAnAttempt() throws Exception {
        String person = newPerson();
        device.script(person, "verilive", "real");
        JsonNode session = device.livenessSession("{\"person_id\":\"" + person + "\",\"max_retries\":5}");
        String token = session.get("access_token").asText();
        String meta = metadata(clientOk(device.clientSession(token)).get("pipeline"),
                server.clock.instant().minusSeconds(8), null).toString();

        JsonNode noFrames = clientError(device.attemptReply(token, new Multipart().field("metadata", meta)),
                422, "INVALID_PAYLOAD");
        assertThat(noFrames.get("error_msg").asText()).startsWith("frame");
        JsonNode noMetadata = clientError(device.attemptReply(token,
                new Multipart().file("frame", "frame.jpg", "image/jpeg", frame())), 422, "INVALID_PAYLOAD");
        assertThat(noMetadata.get("error_msg").asText()).startsWith("metadata");
        clientError(device.attemptReply(token, new Multipart().field("metadata", "{not json")
                .file("frame", "frame.jpg", "image/jpeg", frame())), 422, "INVALID_PAYLOAD");
        clientError(device.attemptReply(token, new Multipart().field("metadata", "[1,2,3]")
                .file("frame", "frame.jpg", "image/jpeg", frame())), 422, "INVALID_PAYLOAD");
        // not multipart at all
        clientError(server.postJson("/liveness2/client/attempts", PersonDevice.bearer(token), "{\"frame\":\"x\"}"),
                422, "INVALID_PAYLOAD");

        assertThat(clientOk(device.clientSession(token)).get("attempts_left").asInt()).isEqualTo(1);
        assertThat(device.attempt(token, attempt(metadata(clientOk(device.clientSession(token)).get("pipeline"),
                server.clock.instant().minusSeconds(8), null), frame())).get("success").asBoolean()).isTrue();
    }

    @Test
    void aRefusedUploadOnTheLastAttemptFailsTheSessionAndTheFlowRetriesWithANewOne() throws Exception {
        Created flow = startedLivenessFlow(newPerson(), "real", ",\"max_retries\":1");
        JsonNode first = currentStep(flow);
        String token = first.get("access_token").asText();

        clientError(device.attemptReply(token, new Multipart().field("metadata", "{}")), 422, "INVALID_PAYLOAD");

        // the session's one attempt is used: it ended failed, as a failed attempt would, and the retry opened
        clientError(device.attemptReply(token, device.honestAttempt(first)), 409, "NO_ATTEMPTS_LEFT");
        JsonNode journal = device.journal(first.get("session_id").asText());
        // the contract's code for a failed verdict: the frontend shows "denied", as for any failed attempt
        assertThat(journal.at("/result/error_codes/0").asText()).isEqualTo("model_prediction");
        assertThat(statuses(device.result(flow.flowId())).get(0).get("session_status").asText()).isEqualTo("fail");
        JsonNode second = currentStep(flow);
        assertThat(second.get("session_id").asText()).isNotEqualTo(first.get("session_id").asText());
        assertThat(device.attempt(second.get("access_token").asText(), device.honestAttempt(second))
                .get("success").asBoolean()).isTrue();
        assertThat(device.result(flow.flowId()).get("flow_status").asText()).isEqualTo("pass");
    }

    @Test
    void refusedUploadsOnEveryTryOfAStepFailTheFlow() throws Exception {
        Created flow = startedLivenessFlow(newPerson(), "real", ",\"max_retries\":1");
        for (int attempt = 0; attempt < 2; attempt++) {
            JsonNode step = currentStep(flow);
            clientError(device.attemptReply(step.get("access_token").asText(),
                    new Multipart().file("frame", "frame.jpg", "image/jpeg", frame())), 422, "INVALID_PAYLOAD");
        }

        JsonNode result = device.result(flow.flowId());
        assertThat(result.get("flow_status").asText()).isEqualTo("fail");
        assertThat(result.get("sessions_count").asInt()).isEqualTo(2);
    }

    @Test
    void aBearerThatIsNotALivenessTokenIsUnauthorized() throws Exception {
        Created flow = startedLivenessFlow(newPerson(), "real", "");
        JsonNode step = currentStep(flow);
        Multipart body = device.honestAttempt(step);

        clientError(device.attemptReply(UUID.randomUUID().toString(), body), 401, "UNAUTHORIZED");
        clientError(device.clientSession(UUID.randomUUID().toString()), 401, "UNAUTHORIZED");
        clientError(server.postMultipart("/liveness2/client/attempts", new Headers(), body), 401, "UNAUTHORIZED");
        clientError(server.get("/liveness2/client/session", new Headers()), 401, "UNAUTHORIZED");
        clientError(server.postMultipart("/liveness2/client/attempts",
                new Headers().add("Authorization", "Basic " + step.get("access_token").asText()), body), 401, "UNAUTHORIZED");
        // neither the vlink token nor an API key is a liveness token
        clientError(device.attemptReply(flow.vlinkId(), body), 401, "UNAUTHORIZED");
        clientError(device.attemptReply(TestServer.TEST_KEY, body), 401, "UNAUTHORIZED");

        assertThat(clientOk(device.clientSession(step.get("access_token").asText())).get("attempts_left").asInt())
                .isEqualTo(1);
    }

    // ---------------------------------------------------------------- what an attempt leaves behind

    @Test
    void theAttemptsVideoIsStoredAndDownloadsAsSent() throws Exception {
        String person = newPerson();
        Created flow = startedLivenessFlow(person, "real", "");
        JsonNode step = currentStep(flow);
        byte[] video = new byte[64 * 1024];
        new java.util.Random(7).nextBytes(video);
        video[0] = 0x1A;
        video[1] = 0x45;
        video[2] = (byte) 0xDF;
        video[3] = (byte) 0xA3;
        byte[] best = frame();
        Multipart body = attempt(metadata(step.get("pipeline"), server.clock.instant().minusSeconds(8), null), best)
                .file("video", "liveness.webm", "video/webm", video);

        assertThat(device.attempt(step.get("access_token").asText(), body).get("success").asBoolean()).isTrue();

        Reply download = device.file("label=liveness_video&session_id=" + step.get("session_id").asText());
        assertThat(download.status()).isEqualTo(200);
        ApiAssertions.assertConformant(download);
        assertThat(download.header("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("video/webm"));
        assertThat(download.bytes()).isEqualTo(video);
        Reply bestframe = device.file("label=bestframe&flow_id=" + flow.flowId());
        assertThat(bestframe.bytes()).isEqualTo(best);
    }

    @Test
    void eachRetrysFilesBelongToItsOwnSessionAndTheNewestWinsForTheFlow() throws Exception {
        String person = newPerson();
        Created flow = startedLivenessFlow(person, "attack", ",\"max_retries\":1");
        JsonNode first = currentStep(flow);
        byte[] firstFrame = PersonDevice.jpeg(320, 240, java.awt.Color.BLUE, true);
        device.attempt(first.get("access_token").asText(),
                attempt(metadata(first.get("pipeline"), server.clock.instant().minusSeconds(8), null), firstFrame));
        server.clock.advance(Duration.ofSeconds(20));
        JsonNode second = currentStep(flow);
        byte[] secondFrame = PersonDevice.jpeg(320, 240, java.awt.Color.GREEN, true);
        device.attempt(second.get("access_token").asText(),
                attempt(metadata(second.get("pipeline"), server.clock.instant().minusSeconds(8), null), secondFrame));

        assertThat(device.file("label=bestframe&session_id=" + first.get("session_id").asText()).bytes())
                .isEqualTo(firstFrame);
        assertThat(device.file("label=bestframe&session_id=" + second.get("session_id").asText()).bytes())
                .isEqualTo(secondFrame);
        assertThat(device.file("label=bestframe&flow_id=" + flow.flowId()).bytes()).isEqualTo(secondFrame);
    }
}
