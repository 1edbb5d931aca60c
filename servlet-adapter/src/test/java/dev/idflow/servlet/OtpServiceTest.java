package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.clientError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.spi.MessageSender;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Reply;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The {@code otp} step through the client API: the code goes out through the host's MessageSender once
 * the step opened (never in a test flow, whose code is 000000 unless scripted), the otp screen shows where
 * it went, masked; a wrong code uses one of 5 tries and the last fails the step, whose retry sends a fresh
 * code; a code lives 5 minutes; a new one can be asked for after 60 s, and replaces the old.
 */
class OtpServiceTest {
    static final String PHONE = "+77011234567";
    static TestServer server;
    static RecordingMessageSender gateway;
    static PersonDevice live;
    static PersonDevice sandbox;

    @BeforeAll
    static void start() throws Exception {
        gateway = new RecordingMessageSender();
        server = new TestServer("/kyc", builder -> builder.messageSender(gateway));
        live = PersonDevice.liveKey(server);
        sandbox = PersonDevice.testKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static Created otpFlow(PersonDevice device, String step, String extraMembers) throws Exception {
        return device.createFlow(newPerson(), "[{\"service_name\":\"otp\"" + step + "}]",
                "\"input_data\":{\"phone_number\":\"" + PHONE + "\"}" + (extraMembers == null ? "" : "," + extraMembers));
    }

    private static Instant now() {
        return server.clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private static void conformsToServedDocument(String method, String path, Reply reply) throws Exception {
        assertThat(server.validateAgainstServedDocument(method, path, reply).getMessages())
                .as("%s %s → %s %s", method, path, reply.status(), reply.body()).isEmpty();
    }

    private static Reply resend(Created flow) throws Exception {
        return server.postJson("/hf/" + flow.vlinkId() + "/api/steps/step-1/resend", new Headers(), "");
    }

    private static Reply submitCode(PersonDevice device, Created flow, String code) throws Exception {
        return device.submitReply(flow.vlinkId(), "step-1", "{\"code\":\"" + code + "\"}");
    }

    /** A code of the same length that is not {@code code}. */
    private static String wrong(String code) {
        return code.charAt(0) == '9' ? "1" + code.substring(1) : (char) (code.charAt(0) + 1) + code.substring(1);
    }

    private static JsonNode screen(PersonDevice device, Created flow) throws Exception {
        return device.state(flow.vlinkId()).at("/current_step/screen");
    }

    // ---------------------------------------------------------------- live flows

    @Test
    void aLiveFlowSendsTheCodeToThePhoneAndTheScreenShowsWhereMaskedWithItsTimes() throws Exception {
        Created flow = otpFlow(live, "", null);
        Instant openedAt = now();

        Reply started = live.startReply(flow.vlinkId());
        conformsToServedDocument("POST", "/hf/" + flow.vlinkId() + "/api/start", started);
        JsonNode screen = PersonDevice.clientOk(started).at("/current_step/screen");

        assertThat(screen.get("kind").asText()).isEqualTo("otp");
        assertThat(screen.get("channel").asText()).isEqualTo("sms");
        assertThat(screen.get("destination").asText()).isEqualTo("+7 *** *** 45 67");
        assertThat(screen.get("length").asInt()).isEqualTo(6);
        assertThat(screen.get("tries_left").asInt()).isEqualTo(5);
        assertThat(Instant.parse(screen.get("expires_at").asText())).isEqualTo(openedAt.plus(Duration.ofMinutes(5)));
        assertThat(Instant.parse(screen.get("resend_at").asText())).isEqualTo(openedAt.plusSeconds(60));
        List<MessageSender.Message> sent = gateway.sentFor(flow.flowId());
        assertThat(sent).hasSize(1);
        MessageSender.Message message = sent.get(0);
        assertThat(message.purpose()).isEqualTo("otp");
        assertThat(message.channel()).isEqualTo("sms");
        assertThat(message.to()).isEqualTo(PHONE);
        assertThat(message.locale()).isEqualTo("en");
        assertThat(message.text()).matches("Your code: [0-9]{6}\\. It is valid for 5 minutes\\. Do not share it with anyone\\.");
        String code = gateway.lastCode(flow.flowId());
        assertThat(started.body()).doesNotContain(code);
        assertThat(textValues(storedSession(flow).stepState())).as("the session keeps no code").doesNotContain(code);
        assertThat(storedSession(flow).stepState().toString()).doesNotContain("\"code\"");
    }

    @Test
    void neitherTheCodeNorItsSaltNorItsHashReachesThePageOrTheConsumer() throws Exception {
        Created flow = otpFlow(live, "", null);
        live.start(flow.vlinkId());
        String code = gateway.lastCode(flow.flowId());
        ServiceSession session = storedSession(flow);
        JsonNode kept = session.stepState().get("state");
        String salt = kept.get("salt").asText();
        String hash = kept.get("hash").asText();
        assertThat(hash).as("a hash is kept, not the code").hasSizeGreaterThan(32).doesNotContain(code);

        List<String> answers = List.of(live.state(flow.vlinkId()).toString(), live.flow(flow.flowId()).toString(),
                live.result(flow.flowId()).toString(), live.journal(session.sessionId()).toString());
        for (String answer : answers) {
            assertThat(answer).doesNotContain(code).doesNotContain(salt).doesNotContain(hash);
        }
    }

    @Test
    void theRightCodePassesTheStepAndTheResultNamesTheChannelAndTheMaskedDestinationOnly() throws Exception {
        Created flow = otpFlow(live, "", null);
        live.start(flow.vlinkId());
        String code = gateway.lastCode(flow.flowId());

        JsonNode ended = PersonDevice.clientOk(submitCode(live, flow, code));

        assertThat(ended.get("flow_status").asText()).isEqualTo("pass");
        ServiceSession session = storedSession(flow);
        assertThat(session.result()).isEqualTo(ApiAssertions.object("{\"service_name\":\"otp\",\"service_status\":\"success\","
                + "\"channel\":\"sms\",\"destination\":\"+7 *** *** 45 67\"}"));
        assertThat(session.stepState()).as("nothing of the code is kept once the step ended").isNull();
    }

    @Test
    void aWrongCodeUsesATryAndIsRefusedNamingTheCodeWhileTheStepStaysOpen() throws Exception {
        Created flow = otpFlow(live, "", null);
        JsonNode before = live.start(flow.vlinkId()).at("/current_step/screen");
        String code = gateway.lastCode(flow.flowId());

        Reply reply = submitCode(live, flow, wrong(code));

        JsonNode body = clientError(reply, 422, "INVALID_PAYLOAD");
        assertThat(body.get("field").asText()).isEqualTo("code");
        assertThat(body.get("rule").asText()).isEqualTo("wrong_code");
        assertThat(body.get("error_msg").asText()).isEqualTo("code: is wrong; 4 tries left");
        conformsToServedDocument("POST", "/hf/" + flow.vlinkId() + "/api/steps/step-1/submit", reply);
        JsonNode after = screen(live, flow);
        assertThat(after.get("tries_left").asInt()).isEqualTo(4);
        assertThat(((com.fasterxml.jackson.databind.node.ObjectNode) after.deepCopy()).put("tries_left", 5)).as("only the tries changed").isEqualTo(before);
        assertThat(gateway.sentFor(flow.flowId())).as("no new code").hasSize(1);
        assertThat(PersonDevice.clientOk(submitCode(live, flow, code)).get("flow_status").asText()).isEqualTo("pass");
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', textBlock = """
            {}                     | required
            {"code":""}            | required
            {"code":null}          | required
            {"code":123456}        | type
            {"code":"12a456"}      | pattern
            {"code":"12345"}       | length
            {"code":"1234567"}     | length
            """)
    void aMalformedCodeIsRefusedWithoutUsingATry(String answer, String rule) throws Exception {
        Created flow = otpFlow(live, "", null);
        JsonNode before = live.start(flow.vlinkId()).at("/current_step/screen");

        JsonNode body = clientError(live.submitReply(flow.vlinkId(), "step-1", answer), 422, "INVALID_PAYLOAD");

        assertThat(body.get("field").asText()).isEqualTo("code");
        assertThat(body.get("rule").asText()).isEqualTo(rule);
        assertThat(screen(live, flow)).isEqualTo(before);
    }

    @Test
    void theFifthWrongCodeFailsTheStepAndItsRetrySessionSendsAFreshCodeThatPasses() throws Exception {
        Created flow = otpFlow(live, ",\"max_retries\":1", null);
        live.start(flow.vlinkId());
        String first = gateway.lastCode(flow.flowId());
        for (int left = 4; left >= 1; left--) {
            clientError(submitCode(live, flow, wrong(first)), 422, "INVALID_PAYLOAD");
            assertThat(screen(live, flow).get("tries_left").asInt()).isEqualTo(left);
        }
        server.clock.advance(Duration.ofSeconds(2));

        JsonNode last = clientError(submitCode(live, flow, wrong(first)), 422, "INVALID_PAYLOAD");

        assertThat(last.get("rule").asText()).isEqualTo("wrong_code");
        JsonNode state = live.state(flow.vlinkId());
        assertThat(state.at("/current_step/step_id").asText()).isEqualTo("step-1");
        JsonNode screen = state.at("/current_step/screen");
        assertThat(screen.get("tries_left").asInt()).isEqualTo(5);
        assertThat(Instant.parse(screen.get("expires_at").asText())).isEqualTo(now().plus(Duration.ofMinutes(5)));
        List<ServiceSession> sessions = server.storage.sessions().findByFlowId(flow.flowId());
        assertThat(sessions).hasSize(2);
        assertThat(sessions.get(0).result().get("error_codes").toString()).isEqualTo("[\"otp_tries_exhausted\"]");
        assertThat(sessions.get(0).result().get("service_status").asText()).isEqualTo("fail");
        assertThat(gateway.sentFor(flow.flowId())).as("the retry sent a code of its own").hasSize(2);

        String fresh = gateway.lastCode(flow.flowId());
        assertThat(PersonDevice.clientOk(submitCode(live, flow, fresh)).get("flow_status").asText()).isEqualTo("pass");
    }

    @Test
    void whenNoRetryIsLeftTheLastWrongCodeFailsTheFlow() throws Exception {
        Created flow = otpFlow(live, ",\"max_retries\":1", null);
        live.start(flow.vlinkId());
        for (int session = 0; session < 2; session++) {
            String code = gateway.lastCode(flow.flowId());
            for (int i = 0; i < 5; i++) {
                clientError(submitCode(live, flow, wrong(code)), 422, "INVALID_PAYLOAD");
            }
        }

        JsonNode state = live.state(flow.vlinkId());
        assertThat(state.get("flow_status").asText()).isEqualTo("fail");
        assertThat(state.has("current_step")).isFalse();
        assertThat(clientError(submitCode(live, flow, "000000"), 409, "FLOW_ENDED")).isNotNull();
    }

    @Test
    void aCodeLivesFiveMinutesAndThenANewOneMustBeAskedFor() throws Exception {
        Created flow = otpFlow(live, ",\"timeout\":900", null);
        live.start(flow.vlinkId());
        String code = gateway.lastCode(flow.flowId());
        server.clock.advance(Duration.ofMinutes(5).minusMillis(1));
        JsonNode stillLive = clientError(submitCode(live, flow, wrong(code)), 422, "INVALID_PAYLOAD");
        assertThat(stillLive.get("rule").asText()).as("a minute fraction before its end").isEqualTo("wrong_code");
        server.clock.advance(Duration.ofMillis(1));

        JsonNode expired = clientError(submitCode(live, flow, code), 422, "INVALID_PAYLOAD");

        assertThat(expired.get("field").asText()).isEqualTo("code");
        assertThat(expired.get("rule").asText()).isEqualTo("expired");
        assertThat(screen(live, flow).get("tries_left").asInt()).as("an expired code uses no try").isEqualTo(4);
        PersonDevice.clientOk(resend(flow));
        String fresh = gateway.lastCode(flow.flowId());
        assertThat(PersonDevice.clientOk(submitCode(live, flow, fresh)).get("flow_status").asText()).isEqualTo("pass");
    }

    @Test
    void aResendBefore60SecondsIsTooSoonWithRetryAfterAndSendsNothing() throws Exception {
        Created flow = otpFlow(live, "", null);
        live.start(flow.vlinkId());
        JsonNode before = screen(live, flow);
        server.clock.advance(Duration.ofSeconds(15));

        Reply reply = resend(flow);

        JsonNode body = clientError(reply, 429, "TOO_MANY_REQUESTS");
        assertThat(reply.header("Retry-After")).hasValue("45");
        assertThat(body.get("error_msg").asText()).contains("45 s");
        conformsToServedDocument("POST", "/hf/" + flow.vlinkId() + "/api/steps/step-1/resend", reply);
        assertThat(gateway.sentFor(flow.flowId())).hasSize(1);
        assertThat(screen(live, flow)).isEqualTo(before);
    }

    @Test
    void aResendAfter60SecondsSendsANewCodeWithFreshTimesAndTriesThatReplacesTheOld() throws Exception {
        Created flow = otpFlow(live, "", null);
        live.start(flow.vlinkId());
        String old = gateway.lastCode(flow.flowId());
        clientError(submitCode(live, flow, wrong(old)), 422, "INVALID_PAYLOAD");
        String fresh = old;
        // a new code is drawn at random: the old one again (one chance in a million) is no new code to test
        while (fresh.equals(old)) {
            server.clock.advance(Duration.ofSeconds(60));
            Reply reply = resend(flow);
            conformsToServedDocument("POST", "/hf/" + flow.vlinkId() + "/api/steps/step-1/resend", reply);
            JsonNode screen = PersonDevice.clientOk(reply).at("/current_step/screen");
            assertThat(screen.get("tries_left").asInt()).isEqualTo(5);
            assertThat(Instant.parse(screen.get("resend_at").asText())).isEqualTo(now().plusSeconds(60));
            assertThat(Instant.parse(screen.get("expires_at").asText())).isEqualTo(now().plus(Duration.ofMinutes(5)));
            fresh = gateway.lastCode(flow.flowId());
        }

        JsonNode refused = clientError(submitCode(live, flow, old), 422, "INVALID_PAYLOAD");
        assertThat(refused.get("rule").asText()).isEqualTo("wrong_code");
        assertThat(PersonDevice.clientOk(submitCode(live, flow, fresh)).get("flow_status").asText()).isEqualTo("pass");
    }

    @Test
    void aSessionSendsAtMostFiveCodesSoThatNoScriptCanPumpMessagesForTheStepsWholeLife() throws Exception {
        Created flow = otpFlow(live, ",\"timeout\":3600", null);
        live.start(flow.vlinkId());
        for (int resent = 1; resent <= 4; resent++) {
            server.clock.advance(Duration.ofSeconds(61));
            PersonDevice.clientOk(resend(flow));
        }
        assertThat(gateway.sentFor(flow.flowId())).as("the first code and four resends").hasSize(5);
        String last = gateway.lastCode(flow.flowId());

        server.clock.advance(Duration.ofSeconds(61));
        Reply refused = resend(flow);
        JsonNode body = clientError(refused, 422, "INVALID_PAYLOAD");
        assertThat(body.get("field").asText()).isEqualTo("code");
        assertThat(body.get("rule").asText()).isEqualTo("too_many");
        conformsToServedDocument("POST", "/hf/" + flow.vlinkId() + "/api/steps/step-1/resend", refused);
        assertThat(gateway.sentFor(flow.flowId())).as("nothing more was sent").hasSize(5);

        // the last code sent still opens the step
        assertThat(PersonDevice.clientOk(submitCode(live, flow, last)).get("flow_status").asText()).isEqualTo("pass");
    }

    @Test
    void byEmailTheCodeGoesToTheInputDatasEmailAndTheScreenShowsItMasked() throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"otp\",\"channel\":\"email\"}]",
                "\"input_data\":{\"phone_number\":\"" + PHONE + "\",\"email\":\"aigerim@bank.kz\"}");

        JsonNode screen = live.start(flow.vlinkId()).at("/current_step/screen");

        assertThat(screen.get("channel").asText()).isEqualTo("email");
        assertThat(screen.get("destination").asText()).isEqualTo("a***@bank.kz");
        MessageSender.Message message = gateway.sentFor(flow.flowId()).get(0);
        assertThat(message.channel()).isEqualTo("email");
        assertThat(message.to()).isEqualTo("aigerim@bank.kz");
    }

    @Test
    void theMessageSpeaksTheFlowsLanguage() throws Exception {
        Created ru = otpFlow(live, "", "\"locale\":\"ru\"");
        Created kk = otpFlow(live, "", "\"locale\":\"kk\"");
        live.start(ru.vlinkId());
        live.start(kk.vlinkId());

        assertThat(gateway.sentFor(ru.flowId()).get(0).text())
                .matches("Ваш код: [0-9]{6}\\. Он действует 5 минут\\. Никому не сообщайте его\\.");
        assertThat(gateway.sentFor(kk.flowId()).get(0).text())
                .matches("Сіздің кодыңыз: [0-9]{6}\\. Ол 5 минут жарамды\\. Кодты ешкімге айтпаңыз\\.");
        assertThat(gateway.sentFor(kk.flowId()).get(0).locale()).isEqualTo("kk");
    }

    @Test
    void withoutAPhoneNumberTheStepFailsAtOnceAsNoDestinationAndNothingIsSent() throws Exception {
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"otp\",\"max_retries\":1}]");

        JsonNode state = live.start(flow.vlinkId());

        assertThat(state.get("flow_status").asText()).isEqualTo("fail");
        assertThat(gateway.sentFor(flow.flowId())).isEmpty();
        assertThat(server.storage.sessions().findByFlowId(flow.flowId()))
                .allSatisfy(s -> assertThat(s.result().get("error_codes").toString()).isEqualTo("[\"no_destination\"]"));
    }

    // ---------------------------------------------------------------- test flows

    @Test
    void aTestFlowSendsNothingAndItsCodeIs000000EvenAfterAResend() throws Exception {
        Created flow = otpFlow(sandbox, "", null);
        JsonNode screen = sandbox.start(flow.vlinkId()).at("/current_step/screen");
        assertThat(screen.get("destination").asText()).isEqualTo("+7 *** *** 45 67");
        server.clock.advance(Duration.ofSeconds(60));
        PersonDevice.clientOk(resend(flow));

        assertThat(PersonDevice.clientOk(submitCode(sandbox, flow, "000000")).get("flow_status").asText()).isEqualTo("pass");
        assertThat(gateway.sentFor(flow.flowId())).isEmpty();
    }

    @Test
    void aTestFlowTakesItsCodeFromTheSandboxScriptAndAFourDigitStepTakes0000() throws Exception {
        String person = newPerson();
        Reply scripted = server.postJson("/mockery/result", Headers.test(TestServer.TEST_KEY), "{\"person_id\":\""
                + person + "\",\"result\":{\"service_name\":\"otp\",\"service_status\":\"success\",\"code\":\"424242\"}}");
        assertThat(scripted.status()).isEqualTo(200);
        Created flow = sandbox.createFlow(person, "[{\"service_name\":\"otp\"}]",
                "\"input_data\":{\"phone_number\":\"" + PHONE + "\"}");
        sandbox.start(flow.vlinkId());
        assertThat(clientError(submitCode(sandbox, flow, "000000"), 422, "INVALID_PAYLOAD").get("rule").asText())
                .isEqualTo("wrong_code");
        assertThat(PersonDevice.clientOk(submitCode(sandbox, flow, "424242")).get("flow_status").asText()).isEqualTo("pass");

        Created short4 = otpFlow(sandbox, ",\"length\":4", null);
        assertThat(sandbox.start(short4.vlinkId()).at("/current_step/screen/length").asInt()).isEqualTo(4);
        assertThat(PersonDevice.clientOk(submitCode(sandbox, short4, "0000")).get("flow_status").asText()).isEqualTo("pass");
        assertThat(gateway.sentFor(flow.flowId())).isEmpty();
    }

    // ---------------------------------------------------------------- create

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', textBlock = """
            "channel":"fax"    | channel
            "channel":5        | channel
            "length":3         | length
            "length":9         | length
            "length":"6"       | length
            "length":6.5       | length
            """)
    void optionsAnOtpCannotUseAreRefusedAtCreateNamingTheStep(String option, String path) throws Exception {
        Reply reply = server.postJson("/flow", Headers.test(TestServer.TEST_KEY), "{\"person_id\":\"" + newPerson()
                + "\",\"template\":{\"pipeline\":[{\"service_name\":\"otp\"," + option + "}]}}");

        assertError(reply, 422, "INVALID_PAYLOAD", "template.pipeline[0]." + path);
    }

    @Test
    void aLiveFlowOnAServerWithoutAMessageSenderIsRefusedAtCreateWhileATestFlowRuns() throws Exception {
        try (TestServer bare = new TestServer("/kyc")) {
            String body = "{\"person_id\":\"" + newPerson() + "\",\"input_data\":{\"phone_number\":\"" + PHONE
                    + "\"},\"template\":{\"pipeline\":[{\"service_name\":\"consent\"},{\"service_name\":\"otp\"}]}}";

            Reply refused = bare.postJson("/flow", bare.live("/flow"), body);

            JsonNode error = assertError(refused, 422, "SERVICE_NOT_AVAILABLE", "template.pipeline[1].service_name");
            assertThat(error.get("error_msg").asText()).contains("step-2").contains("message sender");
            ApiAssertions.assertSuccess(bare.postJson("/flow", Headers.test(TestServer.TEST_KEY), body), 201);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static ServiceSession storedSession(Created flow) {
        List<ServiceSession> sessions = server.storage.sessions().findByFlowId(flow.flowId());
        return sessions.get(sessions.size() - 1);
    }

    private static List<String> textValues(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node == null) {
            return out;
        }
        if (node.isTextual()) {
            out.add(node.asText());
        }
        node.elements().forEachRemaining(child -> out.addAll(textValues(child)));
        return out;
    }
}
