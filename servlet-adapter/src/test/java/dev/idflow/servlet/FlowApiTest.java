package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.JSON;
import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.assertSuccess;
import static dev.idflow.servlet.ApiAssertions.createFlow;
import static dev.idflow.servlet.ApiAssertions.createLivenessSession;
import static dev.idflow.servlet.ApiAssertions.flowBody;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.ApiAssertions.object;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.f4b6a3.ulid.UlidCreator;
import dev.idflow.core.model.FlowTemplate;
import dev.idflow.core.model.PipelineStep;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Reply;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * POST /flow, GET /flow/{flow_id} and GET /flow/{flow_id}/result through a real Jetty. 403 of
 * GET /flow/{id} and /result (another consumer's flow) is in {@link ConsumerIsolationTest}; 429 and
 * 500 of every operation in {@link OverloadAndFailureTest}; HMAC's 401s in {@link HmacAuthenticationTest}.
 *
 * <p>POST /flow lists 403 too, but idflow has no way to produce it there: a caller that authenticates
 * may create flows, and a flow refers to nothing another consumer owns (templates of another
 * consumer are simply not found, a 422). So no test fakes a 403 for it.
 */
class FlowApiTest {
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
        server.idflow.registerTemplate("kyc-liveness", new FlowTemplate(
                java.util.List.of(new PipelineStep("verilive", true, 120, 2, null)), null, true, null));
        server.idflow.registerTemplate("kyc-kisc", FlowTemplate.of(PipelineStep.of("verilive"), PipelineStep.of("kisc")));
        server.idflow.registerTemplate("globex", "globex-only", FlowTemplate.of(PipelineStep.of("verilive")));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static Headers acme() {
        return Headers.test(TestServer.TEST_KEY);
    }

    private static Reply post(String json) throws Exception {
        return server.postJson("/flow", acme(), json);
    }

    private static JsonNode read(String flowId) throws Exception {
        return assertSuccess(server.get("/flow/" + flowId, acme()), 200);
    }

    /** A flow body with one step whose fields are {@code stepFields} (JSON members, without braces). */
    private static String withStep(String personId, String stepFields) {
        return "{\"person_id\":\"" + personId + "\",\"template\":{\"pipeline\":[{" + stepFields + "}]}}";
    }

    // ---- POST /flow: success ----

    @Test
    void aFlowIsCreatedWithAFlowIdAndAnUnguessableVlinkUnderTheMountPath() throws Exception {
        JsonNode created = assertSuccess(post(flowBody(newPerson(), "verilive")), 201);

        assertThat(created.get("flow_id").asText()).matches("[0-7][0-9A-HJKMNP-TV-Z]{25}-F");
        String vlink = created.get("vlink").asText();
        assertThat(vlink).startsWith(server.baseUrl + "/hf/");
        // the token is the last segment and carries at least 128 random bits (22 base64url characters)
        assertThat(vlink.substring(vlink.lastIndexOf('/') + 1)).matches("[A-Za-z0-9_-]{22,}");
        assertThat(created.get("vlink").asText()).isNotEqualTo(assertSuccess(post(flowBody(newPerson(), "verilive")), 201)
                .get("vlink").asText());
    }

    @Test
    void aFlowReadsBackWithItsOwnerPersonAndTheSpecDefaultsFilledIn() throws Exception {
        String person = newPerson();
        String flowId = createFlow(server, TestServer.TEST_KEY, person);

        JsonNode flow = read(flowId);

        assertThat(flow.get("flow_id").asText()).isEqualTo(flowId);
        assertThat(flow.get("consumer_id").asText()).isEqualTo("acme");
        assertThat(flow.get("person_id").asText()).isEqualTo(person);
        assertThat(flow.get("api_version").asText()).isEqualTo("2.0.0");
        assertThat(flow.get("test_flow").asBoolean()).isTrue();
        assertThat(flow.get("locale").asText()).isEqualTo("en");
        assertThat(flow.get("ttl").asInt()).isEqualTo(86400);
        assertThat(flow.get("flow_status").asText()).isEqualTo("unknown");
        assertThat(flow.get("current_step_id").asText()).isEqualTo("step-1");
        assertThat(flow.get("template").get("pipeline")).isEqualTo(JSON.readTree(
                "[{\"service_name\":\"verilive\",\"allow_failure\":false,\"timeout\":300,\"max_retries\":5}]"));
        // nothing happened yet: these are absent rather than null
        assertThat(flow.has("started_at")).isFalse();
        assertThat(flow.has("ended_at")).isFalse();
        assertThat(flow.has("end_cause")).isFalse();
        assertThat(flow.has("template_id")).isFalse();
    }

    @Test
    void valuesTheClientGivesAreKeptInsteadOfTheDefaults() throws Exception {
        String body = """
                {"person_id":"%s","locale":"kk","ttl":3600,"callback_url":"https://bank.example/done?x=1",
                 "template":{"status_page":true,
                   "ui":{"theme":"bts","logo_url":"https://bank.example/logo.svg","favicon_url":"http://bank.example/f.ico",
                         "css":"body{color:red}","translation":{"kk":{"title":"Сәлем"}}},
                   "pipeline":[{"service_name":"verilive","allow_failure":true,"timeout":600,"max_retries":2}]}}
                """.formatted(newPerson());
        String flowId = assertSuccess(post(body), 201).get("flow_id").asText();

        JsonNode flow = read(flowId);

        assertThat(flow.get("locale").asText()).isEqualTo("kk");
        assertThat(flow.get("ttl").asInt()).isEqualTo(3600);
        assertThat(flow.get("callback_url").asText()).isEqualTo("https://bank.example/done?x=1");
        assertThat(flow.get("template")).isEqualTo(object(body).get("template"));
    }

    @Test
    void unknownPipelineOptionsAndInputDataFieldsRoundTripExactly() throws Exception {
        String body = """
                {"person_id":"%s",
                 "input_data":{"iin":"900101300123","full_name":"Aigerim Test",
                               "files":[{"label":"esign_original_doc","session_id":"01KMWYGEEVW2TH4Q4SFFFFFFF5-S"}],
                               "branch":{"code":7,"open":true,"tags":["a",1,2.5]}},
                 "template":{"pipeline":[
                   {"service_name":"verilive","native":false},
                   {"service_name":"esign","action":"sign","files":[{"label":"esign_original_doc","session_id":"01KMWYGEEVW2TH4Q4SFFFFFFF5-S"}],
                    "nested":{"deep":{"deeper":[1,{"x":"y"}]}},"ratio":0.125}]}}
                """.formatted(newPerson());
        ObjectNode sent = object(body);
        String flowId = assertSuccess(post(body), 201).get("flow_id").asText();

        JsonNode flow = read(flowId);

        assertThat(flow.get("input_data")).isEqualTo(sent.get("input_data"));
        for (int i = 0; i < 2; i++) {
            ObjectNode expected = ((ObjectNode) sent.at("/template/pipeline/" + i)).deepCopy();
            expected.put("allow_failure", false).put("timeout", 300).put("max_retries", 5);
            assertThat(flow.at("/template/pipeline/" + i)).as("step %s", i).isEqualTo(expected);
        }
    }

    @Test
    void aFlowCreatedWithALiveKeyIsNotATestFlow() throws Exception {
        Reply created = server.postJson("/flow", server.live("/flow"), flowBody(newPerson(), "verilive"));
        String flowId = assertSuccess(created, 201).get("flow_id").asText();

        // read with the live key: a test key does not see live flows (KeyKindIsolationTest)
        String path = "/flow/" + flowId;
        assertThat(assertSuccess(server.get(path, server.live(path)), 200).get("test_flow").asBoolean()).isFalse();
    }

    // ---- POST /flow: templates ----

    @Test
    void aRegisteredTemplateIdGivesTheFlowThatTemplate() throws Exception {
        String flowId = assertSuccess(post("{\"person_id\":\"" + newPerson() + "\",\"template_id\":\"kyc-liveness\"}"), 201)
                .get("flow_id").asText();

        JsonNode flow = read(flowId);

        assertThat(flow.get("template_id").asText()).isEqualTo("kyc-liveness");
        assertThat(flow.get("template")).isEqualTo(JSON.readTree("{\"status_page\":true,\"pipeline\":"
                + "[{\"service_name\":\"verilive\",\"allow_failure\":true,\"timeout\":120,\"max_retries\":2}]}"));
    }

    @Test
    void neitherTemplateNorTemplateIdIsRefused() throws Exception {
        assertError(post("{\"person_id\":\"" + newPerson() + "\"}"), 422, "INVALID_PAYLOAD", "template");
    }

    @Test
    void bothTemplateAndTemplateIdAreRefused() throws Exception {
        String body = "{\"person_id\":\"" + newPerson() + "\",\"template_id\":\"kyc-liveness\","
                + "\"template\":{\"pipeline\":[{\"service_name\":\"verilive\"}]}}";
        assertError(post(body), 422, "INVALID_PAYLOAD", "template_id");
    }

    @Test
    void anUnknownTemplateIdIsRefused() throws Exception {
        assertError(post("{\"person_id\":\"" + newPerson() + "\",\"template_id\":\"no-such-template\"}"),
                422, "INVALID_PAYLOAD", "template_id");
    }

    @Test
    void anotherConsumersTemplateIsUnknownToThisOne() throws Exception {
        assertError(post("{\"person_id\":\"" + newPerson() + "\",\"template_id\":\"globex-only\"}"),
                422, "INVALID_PAYLOAD", "template_id");
        assertSuccess(server.postJson("/flow", Headers.test(TestServer.OTHER_TEST_KEY),
                "{\"person_id\":\"" + newPerson() + "\",\"template_id\":\"globex-only\"}"), 201);
    }

    // ---- POST /flow: services ----

    @Test
    void aLiveKeyCannotUseAServiceThisServerDoesNotRun() throws Exception {
        Reply reply = server.postJson("/flow", server.live("/flow"),
                "{\"person_id\":\"" + newPerson() + "\",\"template\":{\"pipeline\":"
                        + "[{\"service_name\":\"verilive\"},{\"service_name\":\"kisc\"}]}}");

        JsonNode body = assertError(reply, 422, "SERVICE_NOT_AVAILABLE", "template.pipeline[1].service_name");
        assertThat(reply.body()).contains("kisc");
        assertThat(body.get("error_msg").asText()).as("names the service and the step")
                .startsWith("template.pipeline[1].service_name: service kisc of step-2 is not available");
    }

    @Test
    void aLiveKeyCannotUseATemplateWhoseServiceThisServerDoesNotRun() throws Exception {
        Reply reply = server.postJson("/flow", server.live("/flow"),
                "{\"person_id\":\"" + newPerson() + "\",\"template_id\":\"kyc-kisc\"}");

        JsonNode body = assertError(reply, 422, "SERVICE_NOT_AVAILABLE", "template_id");
        assertThat(body.get("error_msg").asText()).as("names the template's step and its service")
                .startsWith("template_id: service kisc of step-2 is not available");
    }

    @Test
    void aTestKeyMayUseAnyServiceOfTheSpecBecauseTheSandboxScriptsIt() throws Exception {
        String flowId = assertSuccess(post(flowBody(newPerson(), "kisc")), 201).get("flow_id").asText();

        assertThat(read(flowId).at("/template/pipeline/0/service_name").asText()).isEqualTo("kisc");
        assertSuccess(post("{\"person_id\":\"" + newPerson() + "\",\"template_id\":\"kyc-kisc\"}"), 201);
    }

    @Test
    void aServiceNameOutsideTheSpecIsRefusedNamingTheStep() throws Exception {
        assertError(post(flowBody(newPerson(), "teleport")), 422, "INVALID_PAYLOAD", "template.pipeline[0].service_name");
    }

    // ---- POST /flow: bounds, at both edges ----

    @ParameterizedTest(name = "timeout {0} → {1}")
    @CsvSource({"9,422", "10,201", "172800,201", "172801,422"})
    void aStepTimeoutMustBeBetween10And172800Seconds(int timeout, int status) throws Exception {
        Reply reply = post(withStep(newPerson(), "\"service_name\":\"verilive\",\"timeout\":" + timeout));
        if (status == 201) {
            assertThat(read(assertSuccess(reply, 201).get("flow_id").asText()).at("/template/pipeline/0/timeout").asInt())
                    .isEqualTo(timeout);
        } else {
            assertError(reply, 422, "INVALID_PAYLOAD", "template.pipeline[0].timeout");
        }
    }

    @ParameterizedTest(name = "max_retries {0} → {1}")
    @CsvSource({"0,422", "1,201", "10,201", "11,422"})
    void aStepsMaxRetriesMustBeBetween1And10(int maxRetries, int status) throws Exception {
        Reply reply = post(withStep(newPerson(), "\"service_name\":\"verilive\",\"max_retries\":" + maxRetries));
        if (status == 201) {
            assertThat(read(assertSuccess(reply, 201).get("flow_id").asText()).at("/template/pipeline/0/max_retries").asInt())
                    .isEqualTo(maxRetries);
        } else {
            assertError(reply, 422, "INVALID_PAYLOAD", "template.pipeline[0].max_retries");
        }
    }

    @ParameterizedTest(name = "person_id of {0} characters → {1}")
    @CsvSource({"5,422", "6,201", "48,201", "49,422"})
    void aPersonIdMustBe6To48CharactersLong(int length, int status) throws Exception {
        String personId = "p".repeat(length - 3) + "_.@".substring(0, 3);
        Reply reply = post(flowBody(personId, "verilive"));
        if (status == 201) {
            assertThat(read(assertSuccess(reply, 201).get("flow_id").asText()).get("person_id").asText()).isEqualTo(personId);
        } else {
            assertError(reply, 422, "INVALID_PAYLOAD", "person_id");
        }
    }

    @ParameterizedTest(name = "person_id {0}")
    @ValueSource(strings = {"person 001", "person/001", "person#001", "пользователь1", "person\\u0000x"})
    void aPersonIdOutsideTheSpecsAlphabetIsRefused(String personId) throws Exception {
        assertError(post(flowBody(personId, "verilive")), 422, "INVALID_PAYLOAD", "person_id");
    }

    @Test
    void aPersonIdUsingEveryAllowedSymbolIsAccepted() throws Exception {
        assertSuccess(post(flowBody("aZ09_@.+-x", "verilive")), 201);
    }

    @Test
    void aMissingPersonIdIsRefused() throws Exception {
        assertError(post("{\"template\":{\"pipeline\":[{\"service_name\":\"verilive\"}]}}"), 422, "INVALID_PAYLOAD", "person_id");
    }

    @ParameterizedTest(name = "locale {0}")
    @ValueSource(strings = {"de", "EN", "en-US", ""})
    void aLocaleOutsideKkRuEnIsRefused(String locale) throws Exception {
        String body = "{\"person_id\":\"" + newPerson() + "\",\"locale\":\"" + locale + "\","
                + "\"template\":{\"pipeline\":[{\"service_name\":\"verilive\"}]}}";
        assertError(post(body), 422, "INVALID_PAYLOAD", "locale");
    }

    @ParameterizedTest(name = "locale {0}")
    @ValueSource(strings = {"kk", "ru", "en"})
    void eachLocaleOfTheSpecIsAccepted(String locale) throws Exception {
        String body = "{\"person_id\":\"" + newPerson() + "\",\"locale\":\"" + locale + "\","
                + "\"template\":{\"pipeline\":[{\"service_name\":\"verilive\"}]}}";
        assertThat(read(assertSuccess(post(body), 201).get("flow_id").asText()).get("locale").asText()).isEqualTo(locale);
    }

    @Test
    void aThemeOutsideTheSpecIsRefused() throws Exception {
        String body = "{\"person_id\":\"" + newPerson() + "\",\"template\":{\"ui\":{\"theme\":\"dark\"},"
                + "\"pipeline\":[{\"service_name\":\"verilive\"}]}}";
        assertError(post(body), 422, "INVALID_PAYLOAD", "template.ui.theme");
    }

    @ParameterizedTest(name = "logo_url {0}")
    @ValueSource(strings = {"not a url", "/relative/logo.svg", "javascript:alert(1)", "logo.svg"})
    void aLogoUrlMustBeAnAbsoluteUrl(String url) throws Exception {
        String body = "{\"person_id\":\"" + newPerson() + "\",\"template\":{\"ui\":{\"logo_url\":\"" + url + "\"},"
                + "\"pipeline\":[{\"service_name\":\"verilive\"}]}}";
        assertError(post(body), 422, "INVALID_PAYLOAD", "template.ui.logo_url");
    }

    @Test
    void aFaviconUrlMustBeAnAbsoluteUrl() throws Exception {
        String body = "{\"person_id\":\"" + newPerson() + "\",\"template\":{\"ui\":{\"favicon_url\":\"favicon.ico\"},"
                + "\"pipeline\":[{\"service_name\":\"verilive\"}]}}";
        assertError(post(body), 422, "INVALID_PAYLOAD", "template.ui.favicon_url");
    }

    @ParameterizedTest(name = "callback_url {0}")
    @ValueSource(strings = {"not a url", "/done", "javascript:alert(1)", "bank.example/done"})
    void aCallbackUrlMustBeAnAbsoluteUrl(String url) throws Exception {
        String body = "{\"person_id\":\"" + newPerson() + "\",\"callback_url\":\"" + url + "\","
                + "\"template\":{\"pipeline\":[{\"service_name\":\"verilive\"}]}}";
        assertError(post(body), 422, "INVALID_PAYLOAD", "callback_url");
    }

    @ParameterizedTest(name = "ttl {0} → {1}")
    @CsvSource({"59,422", "60,201", "31536000,201", "31536001,422"})
    void aTtlMustBeWithinTheFlowSchemasBounds(int ttl, int status) throws Exception {
        String body = "{\"person_id\":\"" + newPerson() + "\",\"ttl\":" + ttl
                + ",\"template\":{\"pipeline\":[{\"service_name\":\"verilive\"}]}}";
        if (status == 201) {
            assertThat(read(assertSuccess(post(body), 201).get("flow_id").asText()).get("ttl").asInt()).isEqualTo(ttl);
        } else {
            assertError(post(body), 422, "INVALID_PAYLOAD", "ttl");
        }
    }

    @Test
    void anEmptyPipelineIsRefused() throws Exception {
        assertError(post("{\"person_id\":\"" + newPerson() + "\",\"template\":{\"pipeline\":[]}}"),
                422, "INVALID_PAYLOAD", "template.pipeline");
    }

    @Test
    void aTemplateWithoutPipelineIsRefused() throws Exception {
        assertError(post("{\"person_id\":\"" + newPerson() + "\",\"template\":{\"status_page\":true}}"),
                422, "INVALID_PAYLOAD", "template.pipeline");
    }

    @Test
    void aStepWithoutServiceNameIsRefused() throws Exception {
        assertError(post(withStep(newPerson(), "\"timeout\":60")), 422, "INVALID_PAYLOAD", "template.pipeline[0].service_name");
    }

    // ---- POST /flow: wrong JSON types ----

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "\"timeout\":\"300\"         | template.pipeline[0].timeout",
            "\"timeout\":10.5            | template.pipeline[0].timeout",
            "\"max_retries\":\"3\"       | template.pipeline[0].max_retries",
            "\"max_retries\":true        | template.pipeline[0].max_retries",
            "\"allow_failure\":\"yes\"   | template.pipeline[0].allow_failure",
            "\"allow_failure\":1         | template.pipeline[0].allow_failure",
            "\"service_name\":7          | template.pipeline[0].service_name"})
    void aStepFieldOfTheWrongJsonTypeIsRefusedNamingTheField(String member, String field) throws Exception {
        String fields = member.startsWith("\"service_name\"") ? member : "\"service_name\":\"verilive\"," + member;
        assertError(post(withStep(newPerson(), fields)), 422, "INVALID_PAYLOAD", field);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"person_id\":123456,\"template_id\":\"kyc-liveness\"}             | person_id",
            "{\"person_id\":\"abcdef\",\"template\":\"kyc\"}                       | template",
            "{\"person_id\":\"abcdef\",\"template\":{\"pipeline\":{}}}             | template.pipeline",
            "{\"person_id\":\"abcdef\",\"template_id\":\"kyc-liveness\",\"ttl\":\"60\"}   | ttl",
            "{\"person_id\":\"abcdef\",\"template_id\":\"kyc-liveness\",\"input_data\":[]} | input_data",
            "{\"person_id\":\"abcdef\",\"template_id\":\"kyc-liveness\",\"locale\":1}    | locale"})
    void aTopLevelFieldOfTheWrongJsonTypeIsRefusedNamingTheField(String body, String field) throws Exception {
        assertError(post(body), 422, "INVALID_PAYLOAD", field);
    }

    @ParameterizedTest(name = "body {0}")
    @ValueSource(strings = {"", "{", "{\"person_id\":", "not json", "[]",
            "[{\"person_id\":\"abcdef\",\"template_id\":\"kyc-liveness\"}]", "\"a string\"", "42", "null",
            "{\"person_id\":\"abcdef\",\"template_id\":\"kyc-liveness\"} {}"})
    void aBodyThatIsNotOneJsonObjectIsRefused(String body) throws Exception {
        assertError(post(body), 422, "INVALID_PAYLOAD", "body");
    }

    @Test
    void aBodyOverOneMebibyteIsRefused() throws Exception {
        String padding = "x".repeat(1 << 20);
        String body = "{\"person_id\":\"" + newPerson() + "\",\"input_data\":{\"note\":\"" + padding + "\"},"
                + "\"template\":{\"pipeline\":[{\"service_name\":\"verilive\"}]}}";
        assertError(post(body), 422, "INVALID_PAYLOAD", "body");
    }

    @Test
    void aRequestWithoutApiKeyIsUnauthorized() throws Exception {
        Reply reply = server.postJson("/flow", new Headers().add("X-Verigram-Api-Version", "2"), flowBody(newPerson(), "verilive"));
        assertError(reply, 401, "UNAUTHORIZED", "X-Verigram-Api-Key");
    }

    // ---- GET /flow/{flow_id} ----

    @Test
    void readingAFlowRecordsWhenItWasPolled() throws Exception {
        String flowId = createFlow(server, TestServer.TEST_KEY, newPerson());
        Instant first = Instant.parse(read(flowId).get("polled_at").asText());
        assertThat(first).isEqualTo(server.clock.instant());

        server.clock.advance(Duration.ofSeconds(42));

        assertThat(Instant.parse(read(flowId).get("polled_at").asText())).isEqualTo(first.plusSeconds(42));
    }

    @Test
    void anUnknownFlowIdIsNotFound() throws Exception {
        String unknown = UlidCreator.getUlid() + "-F";
        assertError(server.get("/flow/" + unknown, acme()), 404, "NOT_FOUND", "flow_id");
    }

    @ParameterizedTest(name = "flow_id {0}")
    @ValueSource(strings = {"not-a-flow", "01KMWYGEEVW2TH4Q4SFFFFFFF5-S", "01KMWYGEEVW2TH4Q4SFFFFFFF5", "01KMWYGEEVW2TH4Q4SFFFFFFFU-F",
            "%27%20OR%201%3D1--"})
    void aMalformedFlowIdIsUnprocessable(String flowId) throws Exception {
        assertError(server.get("/flow/" + flowId, acme()), 422, "INVALID_PAYLOAD", "flow_id");
    }

    @Test
    void readingAFlowWithoutApiKeyIsUnauthorized() throws Exception {
        String flowId = createFlow(server, TestServer.TEST_KEY, newPerson());
        assertError(server.get("/flow/" + flowId, new Headers().add("X-Verigram-Api-Version", "2")),
                401, "UNAUTHORIZED", "X-Verigram-Api-Key");
    }

    @Test
    void aFlowTheLivenessSessionStartedShowsWhenItStarted() throws Exception {
        String person = newPerson();
        String flowId = createFlow(server, TestServer.TEST_KEY, person);
        createLivenessSession(server, TestServer.TEST_KEY, person, flowId);

        JsonNode flow = read(flowId);

        assertThat(Instant.parse(flow.get("started_at").asText())).isEqualTo(server.clock.instant());
        assertThat(flow.get("current_step_started_at").asText()).isEqualTo(flow.get("started_at").asText());
        assertThat(flow.get("current_step_id").asText()).isEqualTo("step-1");
        assertThat(flow.get("flow_status").asText()).isEqualTo("unknown");
    }

    // ---- GET /flow/{flow_id}/result ----

    @Test
    void theResultOfAFlowNobodyStartedIsFlowNotStarted() throws Exception {
        String flowId = createFlow(server, TestServer.TEST_KEY, newPerson());

        assertError(server.get("/flow/" + flowId + "/result", acme()), 404, "FLOW_NOT_STARTED", "flow_id");
    }

    @Test
    void theResultOfAStartedFlowProjectsItsSessions() throws Exception {
        String person = newPerson();
        String body = "{\"person_id\":\"" + person + "\",\"input_data\":{\"iin\":\"900101300123\",\"full_name\":\"Aigerim Test\"},"
                + "\"template\":{\"pipeline\":[{\"service_name\":\"verilive\"}]}}";
        String flowId = assertSuccess(post(body), 201).get("flow_id").asText();
        JsonNode session = createLivenessSession(server, TestServer.TEST_KEY, person, flowId);

        JsonNode result = assertSuccess(server.get("/flow/" + flowId + "/result", acme()), 200);

        assertThat(result.get("flow_id").asText()).isEqualTo(flowId);
        assertThat(result.get("person_id").asText()).isEqualTo(person);
        assertThat(result.get("person_name").asText()).isEqualTo("Aigerim Test");
        assertThat(result.get("iin").asText()).isEqualTo("900101300123");
        assertThat(result.get("check_type").asText()).isEqualTo("auto");
        assertThat(result.get("flow_status").asText()).isEqualTo("unknown");
        assertThat(result.has("end_cause")).isFalse();
        assertThat(result.get("sessions_count").asInt()).isEqualTo(1);
        assertThat(result.get("services_count").asInt()).isEqualTo(1);
        JsonNode status = result.get("service_statuses").get(0);
        assertThat(result.get("service_statuses")).hasSize(1);
        assertThat(status.get("service_name").asText()).isEqualTo("verilive");
        assertThat(status.get("session_id").asText()).isEqualTo(session.get("session_id").asText());
        assertThat(status.get("step_id").asText()).isEqualTo("step-1");
        assertThat(status.get("session_state").asText()).isEqualTo("created");
        assertThat(status.get("session_status").asText()).isEqualTo("unknown");
        assertThat(status.get("frontend_session_status").asText()).isEqualTo("active");
        assertThat(status.get("session_states").get(0).get("state").asText()).isEqualTo("created");
    }

    @Test
    void theResultOfAnUnknownFlowIsNotFound() throws Exception {
        assertError(server.get("/flow/" + UlidCreator.getUlid() + "-F/result", acme()), 404, "NOT_FOUND", "flow_id");
    }

    @Test
    void theResultOfAMalformedFlowIdIsUnprocessable() throws Exception {
        assertError(server.get("/flow/nonsense/result", acme()), 422, "INVALID_PAYLOAD", "flow_id");
    }

    @Test
    void theResultWithoutApiKeyIsUnauthorized() throws Exception {
        String flowId = createFlow(server, TestServer.TEST_KEY, newPerson());
        assertError(server.get("/flow/" + flowId + "/result", new Headers()), 401, "UNAUTHORIZED", "X-Verigram-Api-Key");
    }
}
