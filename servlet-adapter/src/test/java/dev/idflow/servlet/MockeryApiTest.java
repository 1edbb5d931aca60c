package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertErrorShape;
import static dev.idflow.servlet.ApiAssertions.assertJsonWithoutNulls;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.model.MockeryScript;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Reply;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** POST /mockery/result: the sandbox, for test keys only. Validated against the served document. */
class MockeryApiTest {
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static Reply post(Headers headers, String body) throws Exception {
        Reply reply = server.postJson("/mockery/result", headers, body);
        assertThat(server.validateAgainstServedDocument("POST", "/mockery/result", reply).getMessages())
                .as("served-document violations of %s %s", reply.status(), reply.body()).isEmpty();
        return reply;
    }

    private static Headers acme() {
        return Headers.test(TestServer.TEST_KEY);
    }

    @Test
    void aTestKeyScriptsTheNextResultOfAServiceForAPerson() throws Exception {
        String person = newPerson();
        byte[] pii = "{\"name\":\"Test\"}".getBytes(StandardCharsets.UTF_8);
        String body = """
                {"person_id":"%s","result":{"service_name":"kisc","service_status":"success","extra":{"a":1}},
                 "files":{"kisc_pii":"%s"}}""".formatted(person, Base64.getEncoder().encodeToString(pii));

        Reply reply = post(acme(), body);

        assertThat(reply.status()).isEqualTo(200);
        JsonNode answer = assertJsonWithoutNulls(reply);
        assertThat(answer.get("person_id").asText()).isEqualTo(person);
        assertThat(answer.get("service_name").asText()).isEqualTo("kisc");
        MockeryScript script = server.storage.mockery().find("acme", person, "kisc").orElseThrow();
        assertThat(script.result()).isEqualTo(ApiAssertions.object(body).get("result"));
        assertThat(script.files().get("kisc_pii")).isEqualTo(pii);
    }

    @Test
    void aVeriliveScriptWithErrorCodesIsAccepted() throws Exception {
        Reply reply = post(acme(), "{\"person_id\":\"" + newPerson() + "\",\"result\":{\"service_name\":\"verilive\","
                + "\"service_status\":\"attack\",\"error_codes\":[\"virtual_camera_risk\"],\"warnings\":[\"high_velocity\"]}}");

        assertThat(reply.status()).isEqualTo(200);
    }

    @Test
    void aNewScriptReplacesTheOld() throws Exception {
        String person = newPerson();
        post(acme(), "{\"person_id\":\"" + person + "\",\"result\":{\"service_name\":\"verilive\",\"service_status\":\"attack\"}}");
        post(acme(), "{\"person_id\":\"" + person + "\",\"result\":{\"service_name\":\"verilive\",\"service_status\":\"real\"}}");

        assertThat(server.storage.mockery().find("acme", person, "verilive").orElseThrow().result().get("service_status").asText())
                .isEqualTo("real");
    }

    @Test
    void aLiveKeyIsForbiddenTheSandbox() throws Exception {
        String person = newPerson();
        Reply reply = post(server.live("/mockery/result"),
                "{\"person_id\":\"" + person + "\",\"result\":{\"service_name\":\"verilive\",\"service_status\":\"real\"}}");

        assertErrorShape(reply, 403, "FORBIDDEN");
        assertThat(reply.body()).contains("X-Verigram-Api-Key");
        assertThat(server.storage.mockery().find("acme", person, "verilive")).isEmpty();
    }

    @Test
    void anUnsignedLiveKeyIsUnauthorizedRatherThanForbidden() throws Exception {
        assertErrorShape(post(Headers.test(TestServer.LIVE_KEY), "{}"), 401, "UNAUTHORIZED");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"result\":{\"service_name\":\"verilive\",\"service_status\":\"real\"}}                         | person_id",
            "{\"person_id\":\"abc\",\"result\":{\"service_name\":\"verilive\",\"service_status\":\"real\"}}  | person_id",
            "{\"person_id\":\"abcdefg\"}                                                                       | result",
            "{\"person_id\":\"abcdefg\",\"result\":\"real\"}                                                   | result",
            "{\"person_id\":\"abcdefg\",\"result\":{\"service_status\":\"real\"}}                              | result.service_name",
            "{\"person_id\":\"abcdefg\",\"result\":{\"service_name\":\"telepathy\",\"service_status\":\"x\"}}  | result.service_name",
            "{\"person_id\":\"abcdefg\",\"result\":{\"service_name\":\"kisc\"}}                                | result.service_status",
            "{\"person_id\":\"abcdefg\",\"result\":{\"service_name\":\"verilive\",\"service_status\":\"success\"}} | result.service_status",
            "{\"person_id\":\"abcdefg\",\"result\":{\"service_name\":\"verilive\",\"service_status\":\"real\",\"error_codes\":[\"sneezed\"]}} | result.error_codes[0]",
            "{\"person_id\":\"abcdefg\",\"result\":{\"service_name\":\"verilive\",\"service_status\":\"real\",\"warnings\":\"no_face\"}} | result.warnings",
            "{\"person_id\":\"abcdefg\",\"result\":{\"service_name\":\"kisc\",\"service_status\":\"success\"},\"files\":{\"kisc_pii\":\"%%%not base64%%%\"}} | files.kisc_pii",
            "{\"person_id\":\"abcdefg\",\"result\":{\"service_name\":\"kisc\",\"service_status\":\"success\"},\"files\":{\"Selfie Cam\":\"AAAA\"}} | files",
            "{\"person_id\":\"abcdefg\",\"result\":{\"service_name\":\"kisc\",\"service_status\":\"success\"},\"files\":[\"AAAA\"]} | files",
            "[]                                                                                                 | body"})
    void anInvalidScriptIsRefusedNamingTheField(String body, String field) throws Exception {
        Reply reply = post(acme(), body);

        JsonNode error = assertErrorShape(reply, 422, "INVALID_PAYLOAD");
        assertThat(error.get("error_msg").asText()).startsWith(field);
    }

    @Test
    void aScriptWithoutApiKeyIsUnauthorized() throws Exception {
        assertErrorShape(post(new Headers(), "{}"), 401, "UNAUTHORIZED");
    }
}
