package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.JSON;
import static dev.idflow.servlet.ApiAssertions.assertConformant;
import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.attempt;
import static dev.idflow.servlet.PersonDevice.clientError;
import static dev.idflow.servlet.PersonDevice.frame;
import static dev.idflow.servlet.PersonDevice.metadata;
import static dev.idflow.servlet.PersonDevice.stateNames;
import static dev.idflow.servlet.PersonDevice.statuses;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Reply;
import java.awt.Color;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Flows run through HTTP alone, as the "Done when" describes: the bank creates a flow with the
 * consumer API, the person's browser starts it and walks its steps through the client API, the bank
 * reads the outcome. Pass, fail after retries, allow_failure, and what the client API answers when
 * a call does not fit the flow.
 */
class FlowLifecycleTest {
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

    private static final String CONSENT_THEN_LIVENESS =
            "[{\"service_name\":\"consent\"},{\"service_name\":\"verilive\"}]";

    // ---------------------------------------------------------------- pass

    @Test
    void consentThenAScriptedRealLivenessPassesAndCompletesWithBothSessionsAndItsBestframe() throws Exception {
        String person = newPerson();
        device.script(person, "verilive", "real");
        Created flow = device.createFlow(person, CONSENT_THEN_LIVENESS);

        // nobody started it yet: the result is not there, the page sees two pending steps
        assertError(device.resultReply(flow.flowId()), 404, "FLOW_NOT_STARTED", "flow_id");
        JsonNode before = device.state(flow.vlinkId());
        assertThat(before.get("flow_id").asText()).isEqualTo(flow.flowId());
        assertThat(before.get("started").asBoolean()).isFalse();
        assertThat(before.get("flow_status").asText()).isEqualTo("unknown");
        assertThat(before.has("end_cause")).isFalse();
        assertThat(before.has("current_step")).isFalse();
        assertThat(before.get("locale").asText()).isEqualTo("en");
        assertThat(stepStatuses(before)).containsExactly("pending", "pending");

        Instant startedAt = server.clock.instant();
        JsonNode started = device.start(flow.vlinkId());
        assertThat(started.get("started").asBoolean()).isTrue();
        assertThat(started.at("/current_step/step_id").asText()).isEqualTo("step-1");
        assertThat(started.at("/current_step/service_name").asText()).isEqualTo("consent");
        assertThat(started.get("current_step").has("access_token")).isFalse();
        assertThat(stepStatuses(started)).containsExactly("active", "pending");
        JsonNode read = device.flow(flow.flowId());
        assertThat(Instant.parse(read.get("started_at").asText())).isEqualTo(startedAt);
        assertThat(Instant.parse(read.get("current_step_started_at").asText())).isEqualTo(startedAt);
        assertThat(read.get("current_step_id").asText()).isEqualTo("step-1");

        server.clock.advance(java.time.Duration.ofSeconds(5));
        JsonNode consented = device.submit(flow.vlinkId(), "step-1", "{\"accepted\":true}");
        assertThat(stepStatuses(consented)).containsExactly("passed", "active");
        JsonNode step = consented.get("current_step");
        assertThat(step.get("step_id").asText()).isEqualTo("step-2");
        assertThat(step.get("service_name").asText()).isEqualTo("verilive");
        assertThat(step.get("session_id").asText()).matches("[0-7][0-9A-HJKMNP-TV-Z]{25}-S");
        assertThat(UUID.fromString(step.get("access_token").asText()).version()).isEqualTo(4);
        assertThat(step.get("attempts_left").asInt()).as("a flow's liveness session has one attempt").isEqualTo(1);
        assertThat(Instant.parse(step.get("expires_at").asText())).isEqualTo(server.clock.instant().plusSeconds(300));
        assertThat(step.get("pipeline").size()).as("a drawn pipeline of 2–3 actions").isBetween(2, 3);
        assertThat(device.flow(flow.flowId()).get("current_step_id").asText()).isEqualTo("step-2");

        // the camera front end reads its session with the bearer token
        String token = step.get("access_token").asText();
        JsonNode clientSession = PersonDevice.clientOk(device.clientSession(token));
        assertThat(clientSession.get("session_id").asText()).isEqualTo(step.get("session_id").asText());
        assertThat(clientSession.get("pipeline")).isEqualTo(step.get("pipeline"));
        assertThat(clientSession.get("attempts_left").asInt()).isEqualTo(1);
        assertThat(clientSession.get("expires_at").asText()).isEqualTo(step.get("expires_at").asText());

        byte[] best = frame();
        byte[] other = PersonDevice.jpeg(320, 240, Color.DARK_GRAY, true);
        JsonNode answer = device.attempt(token,
                attempt(metadata(step.get("pipeline"), server.clock.instant().minusSeconds(8), "FaceTime HD Camera"),
                        best, other));
        assertThat(answer.get("success").asBoolean()).isTrue();
        assertThat(answer.get("attempts_left").asInt()).isZero();
        assertThat(answer.has("error_code")).isFalse();
        assertThat(answer.has("service_status")).as("the device never learns the verdict itself").isFalse();

        JsonNode after = device.state(flow.vlinkId());
        assertThat(after.get("flow_status").asText()).isEqualTo("pass");
        assertThat(after.get("end_cause").asText()).isEqualTo("completed");
        assertThat(after.has("current_step")).isFalse();
        assertThat(stepStatuses(after)).containsExactly("passed", "passed");

        JsonNode result = device.result(flow.flowId());
        assertThat(result.get("flow_id").asText()).isEqualTo(flow.flowId());
        assertThat(result.get("person_id").asText()).isEqualTo(person);
        assertThat(result.get("flow_status").asText()).isEqualTo("pass");
        assertThat(result.get("end_cause").asText()).isEqualTo("completed");
        assertThat(result.get("check_type").asText()).isEqualTo("auto");
        assertThat(result.get("sessions_count").asInt()).isEqualTo(2);
        assertThat(result.get("services_count").asInt()).isEqualTo(2);
        assertThat(result.has("ended_at")).isTrue();
        List<JsonNode> sessions = statuses(result);
        assertThat(sessions).extracting(s -> s.get("service_name").asText()).containsExactly("consent", "verilive");
        assertThat(sessions).extracting(s -> s.get("step_id").asText()).containsExactly("step-1", "step-2");
        assertThat(sessions.get(1).get("session_id").asText()).isEqualTo(step.get("session_id").asText());
        for (JsonNode s : sessions) {
            assertThat(s.get("session_status").asText()).isEqualTo("pass");
            assertThat(s.get("session_state").asText()).isEqualTo("processed");
            assertThat(stateNames(s.get("session_states"))).containsExactly("created", "processing", "processed");
            assertThat(s.get("frontend_session_status").asText()).isEqualTo("approved");
        }
        assertThat(sessions.get(1).at("/session_result/service_status").asText()).isEqualTo("real");

        JsonNode ended = device.flow(flow.flowId());
        assertThat(ended.get("flow_status").asText()).isEqualTo("pass");
        assertThat(ended.get("end_cause").asText()).isEqualTo("completed");
        assertThat(Instant.parse(ended.get("ended_at").asText())).isEqualTo(server.clock.instant());

        JsonNode journal = device.journal(step.get("session_id").asText());
        assertThat(journal.get("flow_id").asText()).isEqualTo(flow.flowId());
        assertThat(journal.get("vlink_id").asText()).isEqualTo(flow.vlinkId());
        assertThat(journal.get("service_name").asText()).isEqualTo("verilive");
        assertThat(stateNames(journal.get("session_states"))).containsExactly("created", "processing", "processed");
        assertThat(journal.at("/result/service_status").asText()).isEqualTo("real");

        // the bestframe (the first frame) downloads byte for byte, by session and by flow
        for (String query : List.of("label=bestframe&session_id=" + step.get("session_id").asText(),
                "label=bestframe&flow_id=" + flow.flowId(), "label=bestframe&person_id=" + person)) {
            Reply file = device.file(query);
            assertThat(file.status()).as("%s answered %s", query, file.body()).isEqualTo(200);
            assertConformant(file);
            assertThat(file.header("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("image/jpeg"));
            assertThat(file.bytes()).isEqualTo(best);
        }
    }

    @Test
    void bestframeIndexInTheMetadataChoosesTheBestframe() throws Exception {
        String person = newPerson();
        device.script(person, "verilive", "real");
        Created flow = device.createFlow(person, "[{\"service_name\":\"verilive\"}]");
        JsonNode step = device.start(flow.vlinkId()).get("current_step");
        byte[] first = frame();
        byte[] second = PersonDevice.jpeg(200, 200, Color.ORANGE, true);
        var meta = metadata(step.get("pipeline"), server.clock.instant().minusSeconds(8), null).put("bestframe_index", 1);

        assertThat(device.attempt(step.get("access_token").asText(), attempt(meta, first, second))
                .get("success").asBoolean()).isTrue();

        Reply file = device.file("label=bestframe&session_id=" + step.get("session_id").asText());
        assertThat(file.status()).isEqualTo(200);
        assertThat(file.bytes()).isEqualTo(second);
    }

    @Test
    void aBestframeSentAsPngIsKeptAsAJpeg() throws Exception {
        String person = newPerson();
        device.script(person, "verilive", "real");
        Created flow = device.createFlow(person, "[{\"service_name\":\"verilive\"}]");
        JsonNode step = device.start(flow.vlinkId()).get("current_step");
        byte[] png = PersonDevice.png(200, 150, Color.ORANGE);
        var meta = metadata(step.get("pipeline"), server.clock.instant().minusSeconds(8), null);

        assertThat(device.attempt(step.get("access_token").asText(),
                new TestServer.Multipart().field("metadata", meta.toString()).file("frame", "frame.png", "image/png", png))
                .get("success").asBoolean()).isTrue();

        // PRODUCT.md: liveness produces a bestframe (JPEG)
        Reply file = device.file("label=bestframe&session_id=" + step.get("session_id").asText());
        assertThat(file.status()).isEqualTo(200);
        assertThat(file.header("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("image/jpeg"));
        assertThat(file.header("Content-Disposition")).hasValueSatisfying(cd -> assertThat(cd).contains(".jpg"));
        java.awt.image.BufferedImage picture = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(file.bytes()));
        assertThat(picture).isNotNull();
        assertThat(picture.getWidth()).isEqualTo(200);
        assertThat(picture.getHeight()).isEqualTo(150);
        assertThat(new Color(picture.getRGB(100, 75)).getRed()).isGreaterThan(200); // still orange, roughly
    }

    // ---------------------------------------------------------------- fail after retries

    @Test
    void aScriptedAttackWithOneRetryFailsTheFlowAfterTwoSessionsEachWithItsOwnToken() throws Exception {
        String person = newPerson();
        device.script(person, "verilive", "attack");
        Created flow = device.createFlow(person, "[{\"service_name\":\"verilive\",\"max_retries\":1}]");

        JsonNode first = device.start(flow.vlinkId()).get("current_step");
        String firstToken = first.get("access_token").asText();
        JsonNode answer = device.attempt(firstToken, device.honestAttempt(first));
        assertThat(answer.get("success").asBoolean()).isFalse();
        assertThat(answer.get("error_code").asText()).isNotBlank();
        assertThat(answer.get("attempts_left").asInt()).isZero();

        // the retry is a new session, open at once, with its own token
        JsonNode state = device.state(flow.vlinkId());
        assertThat(state.get("flow_status").asText()).isEqualTo("unknown");
        assertThat(state.has("end_cause")).isFalse();
        assertThat(stepStatuses(state)).containsExactly("active");
        JsonNode second = state.get("current_step");
        assertThat(second.get("step_id").asText()).isEqualTo("step-1");
        assertThat(second.get("session_id").asText()).isNotEqualTo(first.get("session_id").asText());
        assertThat(second.get("access_token").asText()).isNotEqualTo(firstToken);
        assertThat(second.get("attempts_left").asInt()).isEqualTo(1);
        // the used token has nothing left
        clientError(device.attemptReply(firstToken, device.honestAttempt(first)), 409, "NO_ATTEMPTS_LEFT");

        assertThat(device.attempt(second.get("access_token").asText(), device.honestAttempt(second))
                .get("success").asBoolean()).isFalse();

        JsonNode ended = device.state(flow.vlinkId());
        assertThat(ended.get("flow_status").asText()).isEqualTo("fail");
        assertThat(ended.get("end_cause").asText()).isEqualTo("completed");
        assertThat(ended.has("current_step")).isFalse();
        assertThat(stepStatuses(ended)).containsExactly("failed");

        JsonNode result = device.result(flow.flowId());
        assertThat(result.get("flow_status").asText()).isEqualTo("fail");
        assertThat(result.get("end_cause").asText()).isEqualTo("completed");
        assertThat(result.get("sessions_count").asInt()).isEqualTo(2);
        assertThat(result.get("services_count").asInt()).isEqualTo(1);
        List<JsonNode> sessions = statuses(result);
        assertThat(sessions).extracting(s -> s.get("session_id").asText())
                .containsExactly(first.get("session_id").asText(), second.get("session_id").asText());
        for (JsonNode s : sessions) {
            assertThat(s.get("session_status").asText()).isEqualTo("fail");
            assertThat(s.get("session_state").asText()).isEqualTo("processed");
            assertThat(stateNames(s.get("session_states"))).containsExactly("created", "processing", "processed");
            assertThat(s.get("frontend_session_status").asText()).isEqualTo("denied");
            assertThat(s.at("/session_result/service_status").asText()).isEqualTo("attack");
        }
        clientError(device.attemptReply(second.get("access_token").asText(), device.honestAttempt(second)),
                409, "NO_ATTEMPTS_LEFT");
    }

    @Test
    void aRefusedConsentIsRetriedAsANewSessionThenFailsTheFlow() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"consent\",\"max_retries\":1},"
                + "{\"service_name\":\"verilive\"}]");
        assertThat(sessionIds(flow)).isEmpty();
        device.start(flow.vlinkId());
        JsonNode retried = device.submit(flow.vlinkId(), "step-1", "{\"accepted\":false}");
        assertThat(retried.at("/current_step/step_id").asText()).isEqualTo("step-1");
        assertThat(retried.get("flow_status").asText()).isEqualTo("unknown");
        assertThat(sessionIds(flow)).hasSize(2);

        JsonNode ended = device.submit(flow.vlinkId(), "step-1", "{\"accepted\":false}");
        assertThat(ended.get("flow_status").asText()).isEqualTo("fail");
        assertThat(ended.get("end_cause").asText()).isEqualTo("completed");
        assertThat(stepStatuses(ended)).containsExactly("failed", "pending");
        JsonNode result = device.result(flow.flowId());
        assertThat(result.get("sessions_count").asInt()).isEqualTo(2);
        assertThat(statuses(result)).allSatisfy(s -> assertThat(s.get("session_status").asText()).isEqualTo("fail"));
    }

    // ---------------------------------------------------------------- allow_failure

    @Test
    void aFailingStepThatMayFailLetsTheFlowContinueAndPass() throws Exception {
        String person = newPerson();
        device.script(person, "verilive", "attack");
        Created flow = device.createFlow(person, "[{\"service_name\":\"verilive\",\"allow_failure\":true,\"max_retries\":1},"
                + "{\"service_name\":\"consent\"}]");
        device.start(flow.vlinkId());

        assertThat(device.doLiveness(flow.vlinkId()).get("success").asBoolean()).isFalse();
        assertThat(device.doLiveness(flow.vlinkId()).get("success").asBoolean()).isFalse();

        // retries ran out on a step that may fail: the next step runs
        JsonNode state = device.state(flow.vlinkId());
        assertThat(state.has("end_cause")).isFalse();
        assertThat(state.get("flow_status").asText()).isEqualTo("unknown");
        assertThat(state.at("/current_step/step_id").asText()).isEqualTo("step-2");
        assertThat(state.at("/current_step/service_name").asText()).isEqualTo("consent");
        assertThat(stepStatuses(state)).containsExactly("failed", "active");

        JsonNode ended = device.consent(flow.vlinkId());
        // PRODUCT.md: pass when every step that may not fail passed
        assertThat(ended.get("flow_status").asText()).isEqualTo("pass");
        assertThat(ended.get("end_cause").asText()).isEqualTo("completed");
        JsonNode result = device.result(flow.flowId());
        assertThat(result.get("flow_status").asText()).isEqualTo("pass");
        assertThat(result.get("sessions_count").asInt()).isEqualTo(3);
        assertThat(statuses(result)).extracting(s -> s.get("session_status").asText())
                .containsExactly("fail", "fail", "pass");
    }

    @Test
    void aStepThatMayFailDoesNotRescueALaterStepThatMayNot() throws Exception {
        String person = newPerson();
        Created flow = device.createFlow(person, "[{\"service_name\":\"consent\",\"allow_failure\":true,\"max_retries\":1},"
                + "{\"service_name\":\"consent\",\"max_retries\":1}]");
        device.start(flow.vlinkId());
        device.submit(flow.vlinkId(), "step-1", "{\"accepted\":false}");
        JsonNode state = device.submit(flow.vlinkId(), "step-1", "{\"accepted\":false}");
        assertThat(state.at("/current_step/step_id").asText()).isEqualTo("step-2");
        device.submit(flow.vlinkId(), "step-2", "{\"accepted\":false}");
        JsonNode ended = device.submit(flow.vlinkId(), "step-2", "{\"accepted\":false}");

        assertThat(ended.get("flow_status").asText()).isEqualTo("fail");
        assertThat(ended.get("end_cause").asText()).isEqualTo("completed");
        assertThat(device.result(flow.flowId()).get("sessions_count").asInt()).isEqualTo(4);
    }

    // ---------------------------------------------------------------- any service in the sandbox

    @Test
    void aTestFlowRunsAnyServiceThroughTheMockeryWithItsFiles() throws Exception {
        String person = newPerson();
        byte[] pdf = "%PDF-1.4 a scripted document".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Reply scripted = server.postJson("/mockery/result", TestServer.Headers.test(TestServer.TEST_KEY), """
                {"person_id":"%s","result":{"service_name":"egov-doc","service_status":"success",
                 "person_name":"ALIYEVA ZHANAR","iin":"950505400123"},"files":{"egov_doc_pdf":"%s"}}
                """.formatted(person, java.util.Base64.getEncoder().encodeToString(pdf)));
        assertThat(scripted.status()).as(scripted.body()).isEqualTo(200);
        Created flow = device.createFlow(person, "[{\"service_name\":\"consent\"},{\"service_name\":\"egov-doc\"},"
                + "{\"service_name\":\"aml-cft\"}]");
        device.start(flow.vlinkId());

        // the server-side services run as soon as their step comes: scripted, and unscripted (a plain success)
        JsonNode ended = device.consent(flow.vlinkId());
        assertThat(ended.get("end_cause").asText()).isEqualTo("completed");
        assertThat(ended.get("flow_status").asText()).isEqualTo("pass");
        JsonNode result = device.result(flow.flowId());
        assertThat(result.get("sessions_count").asInt()).isEqualTo(3);
        assertThat(result.get("services_count").asInt()).isEqualTo(3);
        assertThat(result.get("person_name").asText()).isEqualTo("ALIYEVA ZHANAR");
        assertThat(result.get("iin").asText()).isEqualTo("950505400123");
        Reply file = device.file("label=egov_doc_pdf&flow_id=" + flow.flowId(), "application/pdf");
        assertThat(file.status()).isEqualTo(200);
        assertThat(file.bytes()).isEqualTo(pdf);
        assertThat(file.header("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/pdf"));
    }

    @Test
    void aScriptedServiceFailureIsRetriedAsNewSessionsThenFailsTheFlow() throws Exception {
        String person = newPerson();
        device.script(person, "kisc", "not_found");
        Created flow = device.createFlow(person, "[{\"service_name\":\"kisc\",\"max_retries\":2}]");
        JsonNode state = device.start(flow.vlinkId());
        assertThat(state.get("end_cause").asText()).isEqualTo("completed");
        assertThat(state.get("flow_status").asText()).isEqualTo("fail");
        JsonNode result = device.result(flow.flowId());
        assertThat(result.get("sessions_count").asInt()).isEqualTo(3);
        assertThat(statuses(result)).allSatisfy(s -> {
            assertThat(s.get("session_status").asText()).isEqualTo("fail");
            assertThat(s.get("frontend_session_status").asText()).isEqualTo("denied");
        });
    }

    // ---------------------------------------------------------------- the state, step by step

    @Test
    void theStateCarriesTheTemplatesLookAndTheStepsOptionsAsSent() throws Exception {
        String person = newPerson();
        Created flow = device.createFlow("""
                {"person_id":"%s","locale":"ru","callback_url":"https://bank.example/done",
                 "template":{"status_page":true,"ui":{"theme":"bts","logo_url":"https://bank.example/logo.svg"},
                   "pipeline":[{"service_name":"language-selector"},
                               {"service_name":"verilive","native":false,"pipeline":[["smile"],["turn-left"]]}]}}
                """.formatted(person));
        JsonNode state = device.start(flow.vlinkId());
        assertThat(state.get("locale").asText()).isEqualTo("ru");
        assertThat(state.get("callback_url").asText()).isEqualTo("https://bank.example/done");
        assertThat(state.get("status_page").asBoolean()).isTrue();
        assertThat(state.at("/ui/theme").asText()).isEqualTo("bts");
        assertThat(state.at("/current_step/service_name").asText()).isEqualTo("language-selector");

        JsonNode chosen = device.submit(flow.vlinkId(), "step-1", "{\"locale\":\"kk\"}");
        assertThat(chosen.get("locale").asText()).isEqualTo("kk");
        assertThat(device.flow(flow.flowId()).get("locale").asText()).isEqualTo("kk");
        JsonNode step = chosen.get("current_step");
        assertThat(step.at("/options/native").asBoolean(true)).isFalse();
        assertThat(step.get("pipeline")).as("the template's own actions").isEqualTo(JSON.readTree("[[\"smile\"],[\"turn-left\"]]"));
    }

    @Test
    void startIsIdempotentWhileTheFlowRunsAndRecordsTheDeviceType() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"verilive\"}]");
        Reply first = server.postJson("/hf/" + flow.vlinkId() + "/api/start", new TestServer.Headers(),
                "{\"device_type\":\"mobile\"}");
        JsonNode started = PersonDevice.clientOk(first);
        server.clock.advance(java.time.Duration.ofSeconds(3));
        JsonNode again = device.start(flow.vlinkId());

        assertThat(again.at("/current_step/session_id")).isEqualTo(started.at("/current_step/session_id"));
        assertThat(again.at("/current_step/access_token")).isEqualTo(started.at("/current_step/access_token"));
        assertThat(sessionIds(flow)).hasSize(1);
        JsonNode read = device.flow(flow.flowId());
        assertThat(read.at("/input_meta/initial_device_type").asText()).isEqualTo("mobile");
        assertThat(Instant.parse(read.get("started_at").asText())).isEqualTo(server.clock.instant().minusSeconds(3));
    }

    // ---------------------------------------------------------------- client API statuses

    @Test
    void anUnknownVlinkIsLinkNotFoundOnEveryVlinkCall() throws Exception {
        String unknown = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        clientError(device.stateReply(unknown), 404, "LINK_NOT_FOUND");
        clientError(device.startReply(unknown), 404, "LINK_NOT_FOUND");
        clientError(device.submitReply(unknown, "step-1", "{\"accepted\":true}"), 404, "LINK_NOT_FOUND");
        clientError(device.stateReply("short"), 404, "LINK_NOT_FOUND");
    }

    @Test
    void aSubmitOutOfTurnIsRefusedAndChangesNothing() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"consent\"},{\"service_name\":\"consent\"}]");
        clientError(device.submitReply(flow.vlinkId(), "step-1", "{\"accepted\":true}"), 409, "FLOW_NOT_STARTED");
        device.start(flow.vlinkId());

        clientError(device.submitReply(flow.vlinkId(), "step-2", "{\"accepted\":true}"), 409, "STEP_NOT_CURRENT");
        clientError(device.submitReply(flow.vlinkId(), "step-9", "{\"accepted\":true}"), 409, "STEP_NOT_CURRENT");
        clientError(device.submitReply(flow.vlinkId(), "step-1", "{}"), 422, "INVALID_PAYLOAD");
        clientError(device.submitReply(flow.vlinkId(), "step-1", "{\"accepted\":\"yes\"}"), 422, "INVALID_PAYLOAD");
        clientError(device.submitReply(flow.vlinkId(), "step-1", "[1,2]"), 422, "INVALID_PAYLOAD");
        clientError(device.submitReply(flow.vlinkId(), "step-1", "{not json"), 422, "INVALID_PAYLOAD");

        JsonNode state = device.state(flow.vlinkId());
        assertThat(state.at("/current_step/step_id").asText()).isEqualTo("step-1");
        assertThat(stepStatuses(state)).containsExactly("active", "pending");
        assertThat(sessionIds(flow)).hasSize(1);
    }

    @Test
    void aLivenessStepIsNotFinishedByASubmit() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"verilive\"}]");
        device.start(flow.vlinkId());
        clientError(device.submitReply(flow.vlinkId(), "step-1", "{\"accepted\":true}"), 422, "INVALID_PAYLOAD");
        assertThat(device.state(flow.vlinkId()).at("/current_step/attempts_left").asInt()).isEqualTo(1);
    }

    @Test
    void anEndedFlowCannotBeStartedOrSubmittedAgain() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]");
        device.start(flow.vlinkId());
        assertThat(device.consent(flow.vlinkId()).get("end_cause").asText()).isEqualTo("completed");

        clientError(device.startReply(flow.vlinkId()), 409, "FLOW_ENDED");
        clientError(device.submitReply(flow.vlinkId(), "step-1", "{\"accepted\":true}"), 409, "FLOW_ENDED");
        // the page can still show how it ended
        JsonNode state = device.state(flow.vlinkId());
        assertThat(state.get("flow_status").asText()).isEqualTo("pass");
        assertThat(state.has("current_step")).isFalse();
    }

    @Test
    void aLiveKeyFlowRunsThroughTheSameClientApi() throws Exception {
        PersonDevice live = PersonDevice.liveKey(server);
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]");
        assertThat(live.flow(flow.flowId()).get("test_flow").asBoolean()).isFalse();
        live.start(flow.vlinkId());
        assertThat(live.consent(flow.vlinkId()).get("flow_status").asText()).isEqualTo("pass");
        JsonNode result = live.result(flow.flowId());
        assertThat(result.get("end_cause").asText()).isEqualTo("completed");
    }

    // ---------------------------------------------------------------- helpers

    static List<String> stepStatuses(JsonNode state) {
        List<String> out = new java.util.ArrayList<>();
        state.get("steps").forEach(s -> out.add(s.get("status").asText()));
        return out;
    }

    /** The session ids the bank sees for a started flow (none before start). */
    private static List<String> sessionIds(Created flow) throws Exception {
        Reply reply = device.resultReply(flow.flowId());
        if (reply.status() == 404) {
            return List.of();
        }
        assertConformant(reply);
        return statuses(ApiAssertions.json(reply)).stream().map(s -> s.get("session_id").asText()).toList();
    }
}
