package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.statuses;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Reply;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A test flow of external services nobody scripted, on a server without their implementations: the
 * sandbox answers each with plausible data of the live answer's shape, made of the flow's input data,
 * so the flow passes and its result names the person the way a live KISC answer would.
 */
class SandboxPlausibleDataTest {
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

    @Test
    void aTestFlowOfKiscVeriphoneAndAmlCftPassesAndItsResultNamesThePersonKiscFound() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"kisc\"},{\"service_name\":\"veriphone\"},"
                + "{\"service_name\":\"aml-cft\"}]", "\"input_data\":{\"iin\":\"900101300123\",\"phone_number\":\"+77011234567\"}");

        JsonNode state = device.start(flow.vlinkId());

        assertThat(state.get("end_cause").asText()).isEqualTo("completed");
        assertThat(state.get("flow_status").asText()).isEqualTo("pass");
        JsonNode result = device.result(flow.flowId());
        assertThat(result.get("person_name").asText()).as("kisc's full_name").isEqualTo("SANDBOX PERSON");
        assertThat(result.get("iin").asText()).isEqualTo("900101300123");
        assertThat(result.get("country_code").asText()).isEqualTo("KAZ");
        List<JsonNode> sessions = statuses(result);
        assertThat(sessions).extracting(s -> s.get("service_name").asText()).containsExactly("kisc", "veriphone", "aml-cft");
        assertThat(sessions).allSatisfy(s -> assertThat(s.get("frontend_session_status").asText()).isEqualTo("approved"));
        assertThat(device.flow(flow.flowId()).at("/input_data/full_name").asText())
                .as("kisc's name is there for later steps").isEqualTo("SANDBOX PERSON");

        ObjectNode kisc = storedResult(sessions.get(0));
        assertThat(kisc.get("sandbox").asBoolean()).isTrue();
        assertThat(kisc.get("birth_date").asText()).isEqualTo("1990-01-01");
        ObjectNode veriphone = storedResult(sessions.get(1));
        assertThat(veriphone.get("operator").asText()).isEqualTo("Kcell");
        assertThat(veriphone.get("owner_match").asBoolean()).isTrue();
        ObjectNode aml = storedResult(sessions.get(2));
        assertThat(aml.get("found").asBoolean()).isFalse();
        assertThat(aml.at("/subject/full_name").asText()).as("the name kisc filled in").isEqualTo("SANDBOX PERSON");

        Reply pii = device.file("label=kisc_pii&session_id=" + sessions.get(0).get("session_id").asText(), "application/json");
        assertThat(pii.status()).as(pii.body()).isEqualTo(200);
        assertThat(ApiAssertions.json(pii).get("iin").asText()).isEqualTo("900101300123");
    }

    @Test
    void theSandboxEchoesTheNameTheBankGaveAndAnswersTheSameForTheSamePerson() throws Exception {
        String person = newPerson();
        String input = "\"input_data\":{\"iin\":\"950505400123\",\"full_name\":\"ALIYEVA ZHANAR\"}";
        Created first = device.createFlow(person, "[{\"service_name\":\"kisc\"},{\"service_name\":\"erd\"}]", input);
        Created second = device.createFlow(person, "[{\"service_name\":\"kisc\"},{\"service_name\":\"erd\"}]", input);
        device.start(first.vlinkId());
        device.start(second.vlinkId());

        JsonNode result = device.result(first.flowId());
        assertThat(result.get("person_name").asText()).isEqualTo("ALIYEVA ZHANAR");
        assertThat(result.get("iin").asText()).isEqualTo("950505400123");
        List<JsonNode> once = statuses(result);
        List<JsonNode> again = statuses(device.result(second.flowId()));
        for (int i = 0; i < once.size(); i++) {
            assertThat(storedResult(again.get(i))).isEqualTo(storedResult(once.get(i)));
        }
        assertThat(storedResult(once.get(0)).get("gender").asText()).isEqualTo("female");
        assertThat(storedResult(once.get(1)).get("total_debt").asInt()).isZero();
    }

    @Test
    void aMockeryScriptStillDecidesOverThePlausibleData() throws Exception {
        String person = newPerson();
        device.script(person, "aml-cft", "fail");
        Created flow = device.createFlow(person, "[{\"service_name\":\"aml-cft\",\"max_retries\":1}]");

        JsonNode state = device.start(flow.vlinkId());

        assertThat(state.get("flow_status").asText()).isEqualTo("fail");
        JsonNode scripted = storedResult(statuses(device.result(flow.flowId())).get(0));
        assertThat(scripted.has("sandbox")).as("the script's result as sent").isFalse();
        assertThat(scripted.get("service_status").asText()).isEqualTo("fail");
    }

    /** What the session's service answered (the contract puts only liveness results on the wire). */
    private static ObjectNode storedResult(JsonNode status) {
        return server.storage.sessions().findById(status.get("session_id").asText()).orElseThrow().result();
    }
}
