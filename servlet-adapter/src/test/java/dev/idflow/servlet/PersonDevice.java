package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.JSON;
import static dev.idflow.servlet.ApiAssertions.assertSuccess;
import static dev.idflow.servlet.ApiAssertions.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Multipart;
import dev.idflow.servlet.TestServer.Reply;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import javax.imageio.ImageIO;

/**
 * Drives flows the way a bank's back end and a person's browser do: the consumer API with an API key
 * (test, or live and signed), the client API with the vlink token or the liveness access token. Nothing
 * here reaches into the engine or the store. Used by the Flow*, Liveness*, Sweeper*, Review* and Events*
 * scenario tests.
 */
final class PersonDevice {
    final TestServer server;
    /** The consumer's headers for a path (with its query): a test key, or a live key's signature. */
    private final Function<String, Headers> consumer;

    private PersonDevice(TestServer server, Function<String, Headers> consumer) {
        this.server = server;
        this.consumer = consumer;
    }

    /** The bank calls with the test key: flows are test flows, the sandbox mockery applies. */
    static PersonDevice testKey(TestServer server) {
        return new PersonDevice(server, path -> Headers.test(TestServer.TEST_KEY));
    }

    /** The bank calls with another test key ({@link TestServer#OTHER_TEST_KEY}: another consumer's). */
    static PersonDevice testKeyOf(TestServer server, String key) {
        return new PersonDevice(server, path -> Headers.test(key));
    }

    /** The bank calls with the live key, every request signed. */
    static PersonDevice liveKey(TestServer server) {
        return new PersonDevice(server, server::live);
    }

    /** A flow as the consumer API answered its creation. */
    record Created(String flowId, String vlink, String vlinkId) {
    }

    // ---------------------------------------------------------------- the consumer API

    Created createFlow(String body) throws Exception {
        JsonNode created = assertSuccess(server.postJson("/flow", consumer.apply("/flow"), body), 201);
        String vlink = created.get("vlink").asText();
        return new Created(created.get("flow_id").asText(), vlink, vlink.substring(vlink.lastIndexOf('/') + 1));
    }

    /** A flow for {@code person} with {@code pipeline} (a JSON array of steps) and extra top-level members. */
    Created createFlow(String person, String pipeline, String extraMembers) throws Exception {
        return createFlow("{\"person_id\":\"" + person + "\"" + (extraMembers == null ? "" : "," + extraMembers)
                + ",\"template\":{\"pipeline\":" + pipeline + "}}");
    }

    Created createFlow(String person, String pipeline) throws Exception {
        return createFlow(person, pipeline, null);
    }

    /** Scripts the sandbox's outcome of the person's next sessions of a service (test key only). */
    void script(String person, String service, String serviceStatus) throws Exception {
        Reply reply = server.postJson("/mockery/result", Headers.test(TestServer.TEST_KEY),
                "{\"person_id\":\"" + person + "\",\"result\":{\"service_name\":\"" + service
                        + "\",\"service_status\":\"" + serviceStatus + "\"}}");
        assertThat(reply.status()).as("mockery answered %s", reply.body()).isEqualTo(200);
    }

    Reply flowReply(String flowId) throws Exception {
        String path = "/flow/" + flowId;
        return server.get(path, consumer.apply(path));
    }

    JsonNode flow(String flowId) throws Exception {
        return assertSuccess(flowReply(flowId), 200);
    }

    Reply resultReply(String flowId) throws Exception {
        String path = "/flow/" + flowId + "/result";
        return server.get(path, consumer.apply(path));
    }

    JsonNode result(String flowId) throws Exception {
        return assertSuccess(resultReply(flowId), 200);
    }

    JsonNode journal(String sessionId) throws Exception {
        String path = "/journal/session/" + sessionId;
        return assertSuccess(server.get(path, consumer.apply(path)), 200);
    }

    /** A download that asks for the files' own types (without Accept, the contract's octet-stream). */
    Reply file(String query) throws Exception {
        return file(query, "image/*, video/*");
    }

    /**
     * GET /resources/file with {@code accept}: a file is served with its own Content-Type when the
     * client's Accept names it or its family, else as the contract's application/octet-stream.
     */
    Reply file(String query, String accept) throws Exception {
        String path = "/resources/file?" + query;
        return server.get(path, consumer.apply(path).add("Accept", accept));
    }

    /** POST /liveness2/session: a session for the consumer's own front end. */
    JsonNode livenessSession(String body) throws Exception {
        return assertSuccess(server.postJson("/liveness2/session", consumer.apply("/liveness2/session"), body), 201);
    }

    // ---------------------------------------------------------------- the client API (vlink)

    Reply stateReply(String vlinkId) throws Exception {
        return server.get("/hf/" + vlinkId + "/api/state", new Headers());
    }

    JsonNode state(String vlinkId) throws Exception {
        return clientOk(stateReply(vlinkId));
    }

    Reply startReply(String vlinkId) throws Exception {
        return server.postJson("/hf/" + vlinkId + "/api/start", new Headers(), "");
    }

    JsonNode start(String vlinkId) throws Exception {
        return clientOk(startReply(vlinkId));
    }

    Reply submitReply(String vlinkId, String stepId, String json) throws Exception {
        return server.postJson("/hf/" + vlinkId + "/api/steps/" + stepId + "/submit", new Headers(), json);
    }

    JsonNode submit(String vlinkId, String stepId, String json) throws Exception {
        return clientOk(submitReply(vlinkId, stepId, json));
    }

    /** Accepts the consent of the current step (which must be a consent step). */
    JsonNode consent(String vlinkId) throws Exception {
        JsonNode state = state(vlinkId);
        assertThat(state.at("/current_step/service_name").asText()).isEqualTo("consent");
        return submit(vlinkId, state.at("/current_step/step_id").asText(), "{\"accepted\":true}");
    }

    // ---------------------------------------------------------------- the client API (access token)

    Reply clientSession(String accessToken) throws Exception {
        return server.get("/liveness2/client/session", bearer(accessToken));
    }

    Reply attemptReply(String accessToken, Multipart body) throws Exception {
        return server.postMultipart("/liveness2/client/attempts", bearer(accessToken), body);
    }

    JsonNode attempt(String accessToken, Multipart body) throws Exception {
        return clientOk(attemptReply(accessToken, body));
    }

    /** An honest attempt at what the current liveness step of {@code state} asks: real frames, the actions in order. */
    Multipart honestAttempt(JsonNode currentStep) {
        return attempt(metadata(currentStep.get("pipeline"), server.clock.instant().minusSeconds(10), "FaceTime HD Camera"),
                frame());
    }

    /** Runs the liveness step the state shows now with an honest attempt; returns the device's answer. */
    JsonNode doLiveness(String vlinkId) throws Exception {
        JsonNode step = state(vlinkId).get("current_step");
        assertThat(step.get("service_name").asText()).isEqualTo("verilive");
        return attempt(step.get("access_token").asText(), honestAttempt(step));
    }

    static Headers bearer(String accessToken) {
        return new Headers().add("Authorization", "Bearer " + accessToken);
    }

    static Multipart attempt(ObjectNode metadata, byte[]... frames) {
        Multipart m = new Multipart().field("metadata", metadata.toString());
        for (int i = 0; i < frames.length; i++) {
            m.file("frame", "frame-" + i + ".jpg", "image/jpeg", frames[i]);
        }
        return m;
    }

    /**
     * What a real camera front end reports: the device, the camera, and each requested action started
     * after the previous one ended, each taking well over a second.
     */
    static ObjectNode metadata(JsonNode pipeline, Instant startedAt, String cameraLabel) {
        List<String> actions = new ArrayList<>();
        pipeline.forEach(group -> group.forEach(a -> actions.add(a.asText())));
        ObjectNode meta = JSON.createObjectNode().put("platform", "web")
                .put("user_agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)")
                .put("mobile", true)
                .put("started_at", startedAt.toString());
        if (cameraLabel != null) {
            meta.put("camera_label", cameraLabel);
        }
        ArrayNode list = meta.putArray("actions");
        Instant t = startedAt.plusMillis(500);
        for (String action : actions) {
            list.addObject().put("action", action).put("started_at", t.toString())
                    .put("ended_at", t.plusMillis(1500).toString());
            t = t.plusMillis(2000);
        }
        meta.put("ended_at", t.toString());
        return meta;
    }

    // ---------------------------------------------------------------- pictures

    /** A real JPEG: a skin-toned oval on a background, as a front camera might frame a face. */
    static byte[] frame() {
        return jpeg(320, 240, new Color(90, 120, 160), true);
    }

    /** A plain grey picture: a valid JPEG with no face in it. */
    static byte[] greyPicture() {
        return jpeg(320, 240, Color.GRAY, false);
    }

    static byte[] jpeg(int width, int height, Color background, boolean oval) {
        return encode(picture(width, height, background, oval), "jpg");
    }

    static byte[] png(int width, int height, Color background) {
        return encode(picture(width, height, background, false), "png");
    }

    private static BufferedImage picture(int width, int height, Color background, boolean oval) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(background);
        g.fillRect(0, 0, width, height);
        if (oval) {
            g.setColor(new Color(224, 172, 105));
            g.fillOval(width / 3, height / 6, width / 3, height * 2 / 3);
        }
        g.dispose();
        return image;
    }

    private static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            assertThat(ImageIO.write(image, format, out)).as("an ImageIO writer for %s", format).isTrue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    // ---------------------------------------------------------------- answers

    /** A 200 of the client API: JSON without nulls, never cached. */
    static JsonNode clientOk(Reply reply) {
        assertThat(reply.status()).as("status of %s", reply.body()).isEqualTo(200);
        assertThat(reply.header("Cache-Control")).hasValue("no-store");
        return ApiAssertions.assertJsonWithoutNulls(reply);
    }

    /** An error of the client API: status, error_code, nothing but error_code and error_msg, no internals. */
    static JsonNode clientError(Reply reply, int status, String errorCode) {
        JsonNode body = ApiAssertions.assertErrorShape(reply, status, errorCode);
        assertThat(reply.header("Cache-Control")).hasValue("no-store");
        assertNoInternals(reply);
        return body;
    }

    /** No stack trace, exception or class name in an answer. */
    static void assertNoInternals(Reply reply) {
        assertThat(reply.body()).doesNotContain("Exception").doesNotContain("at dev.idflow")
                .doesNotContain("java.").doesNotContain("\tat ").doesNotContainIgnoringCase("stack");
    }

    static JsonNode body(Reply reply) {
        return json(reply);
    }

    /** The service_statuses entries of a flow result, in order. */
    static List<JsonNode> statuses(JsonNode result) {
        List<JsonNode> out = new ArrayList<>();
        result.get("service_statuses").forEach(out::add);
        return out;
    }

    /** The state names of a session's history, oldest first. */
    static List<String> stateNames(JsonNode sessionStates) {
        List<String> out = new ArrayList<>();
        sessionStates.forEach(s -> out.add(s.get("state").asText()));
        return out;
    }

    void advance(Duration d) {
        server.clock.advance(d);
    }

    /** An HTTP request body publisher for raw bytes (a non-multipart attempt, say). */
    static HttpRequest.BodyPublisher bytes(byte[] b) {
        return HttpRequest.BodyPublishers.ofByteArray(b);
    }
}
