package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertSuccess;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.StepsOnTheWire.refusedAtCreate;
import static dev.idflow.servlet.StepsOnTheWire.sessions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.KycLists;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.servlet.TestServer.Headers;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code kyc-list}: the flow's person_id, iin and phone_number checked at once against the consumer's
 * lists, filled by the host through {@code Idflow.kycLists()}. A block list fails on a hit, an allow list
 * passes only on one; another consumer's lists never count; the result names lists and fields, never values.
 */
class KycListServiceTest {
    static TestServer server;
    static KycLists lists;

    static final String BLOCKED_PERSON = "blocked-person-0001";
    static final String BLOCKED_IIN = "880101300123";
    static final String BLOCKED_PHONE = "+7 701 234 5678";
    static final String VIP_IIN = "900202400456";

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestServer("/idflow");
        lists = server.idflow.kycLists();
        lists.add("acme", "blocked", "person_id", BLOCKED_PERSON);
        lists.add("acme", "blocked", "iin", BLOCKED_IIN);
        lists.add("acme", "fraud", "phone_number", BLOCKED_PHONE);
        lists.add("acme", "vip", "iin", VIP_IIN);
        // globex keeps the same names with other values: acme's flows must never see them
        lists.add("globex", "blocked", "iin", "770303500789");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /**
     * A flow of {@code key}'s consumer: a kyc-list step with {@code options} (and the default max_retries,
     * 5), then a consent; started.
     */
    private static Ran run(String key, String person, String inputData, String options) throws Exception {
        String body = "{\"person_id\":\"" + person + "\"" + (inputData == null ? "" : ",\"input_data\":" + inputData)
                + ",\"template\":{\"pipeline\":[{\"service_name\":\"kyc-list\"," + options
                + "},{\"service_name\":\"consent\"}]}}";
        JsonNode created = assertSuccess(server.postJson("/flow", Headers.test(key), body), 201);
        String vlink = created.get("vlink").asText();
        String flowId = created.get("flow_id").asText();
        JsonNode state = PersonDevice.clientOk(server.postJson("/hf/" + vlink.substring(vlink.lastIndexOf('/') + 1)
                + "/api/start", new Headers(), ""));
        List<ServiceSession> step = sessions(server, flowId).stream().filter(s -> s.stepId().equals("step-1")).toList();
        // the lists would answer the same again: a kyc-list step is never retried
        assertThat(step).as("sessions of the kyc-list step").hasSize(1);
        return new Ran(state, step.get(0), step.get(step.size() - 1).result());
    }

    private static Ran run(String person, String inputData, String options) throws Exception {
        return run(TestServer.TEST_KEY, person, inputData, options);
    }

    /** What the person saw after start, the step's first session, and its last result. */
    private record Ran(JsonNode state, ServiceSession first, ObjectNode result) {
        boolean passed() {
            return first.status() == ExecutionStatus.PASS
                    && state.at("/current_step/service_name").asText().equals("consent");
        }

        boolean failedTheFlow() {
            return first.status() == ExecutionStatus.FAIL && state.get("flow_status").asText().equals("fail");
        }

        List<String> matched() {
            List<String> out = new ArrayList<>();
            result.get("matched").forEach(m -> out.add(m.get("list").asText() + ":" + m.get("field").asText()));
            return out;
        }

        List<String> checked() {
            List<String> out = new ArrayList<>();
            result.get("checked").forEach(f -> out.add(f.asText()));
            return out;
        }
    }

    @Test
    void aPersonIdOnABlockListFailsTheStepAndTheResultNamesTheListAndFieldNotTheValue() throws Exception {
        Ran ran = run(BLOCKED_PERSON, null, "\"lists\":[\"blocked\",\"fraud\"]");
        assertThat(ran.failedTheFlow()).isTrue();
        assertThat(ran.result().get("service_name").asText()).isEqualTo("kyc-list");
        assertThat(ran.result().get("service_status").asText()).isEqualTo("fail");
        assertThat(ran.matched()).containsExactly("blocked:person_id");
        assertThat(ran.checked()).as("no input_data: only person_id had a value").containsExactly("person_id");
        assertThat(ran.result().toString()).doesNotContain(BLOCKED_PERSON);
    }

    @Test
    void anIinOnABlockListFails() throws Exception {
        Ran ran = run(newPerson(), "{\"iin\":\"" + BLOCKED_IIN + "\",\"phone_number\":\"+77000000000\"}",
                "\"lists\":[\"blocked\",\"fraud\"]");
        assertThat(ran.failedTheFlow()).isTrue();
        assertThat(ran.matched()).containsExactly("blocked:iin");
        assertThat(ran.checked()).containsExactly("person_id", "iin", "phone_number");
        assertThat(ran.result().toString()).doesNotContain(BLOCKED_IIN);
    }

    @Test
    void aPhoneNumberOnABlockListFailsWhateverItsSpacesAndSigns() throws Exception {
        Ran ran = run(newPerson(), "{\"phone_number\":\"7(701)234-56-78\"}", "\"lists\":[\"blocked\",\"fraud\"]");
        assertThat(ran.failedTheFlow()).isTrue();
        assertThat(ran.matched()).containsExactly("fraud:phone_number");
        assertThat(ran.result().toString()).doesNotContain("7012345678");
    }

    @Test
    void aPersonOnNoListPassesToTheNextStep() throws Exception {
        Ran ran = run(newPerson(), "{\"iin\":\"111111111111\",\"phone_number\":\"+77001112233\"}",
                "\"lists\":[\"blocked\",\"fraud\"]");
        assertThat(ran.passed()).isTrue();
        assertThat(ran.result().get("service_status").asText()).isEqualTo("success");
        assertThat(ran.matched()).isEmpty();
        assertThat(ran.checked()).containsExactly("person_id", "iin", "phone_number");
    }

    @Test
    void onlyTheListsTheStepNamesAreLookedAt() throws Exception {
        Ran ran = run(newPerson(), "{\"iin\":\"" + BLOCKED_IIN + "\"}", "\"lists\":[\"fraud\"]");
        assertThat(ran.passed()).isTrue();
        assertThat(ran.matched()).isEmpty();
    }

    @Test
    void onlyTheFieldsTheStepMatchesAreChecked() throws Exception {
        Ran ran = run(BLOCKED_PERSON, "{\"phone_number\":\"" + BLOCKED_PHONE + "\"}",
                "\"lists\":[\"blocked\",\"fraud\"],\"match\":[\"iin\",\"phone_number\"]");
        assertThat(ran.failedTheFlow()).isTrue();
        assertThat(ran.matched()).as("the blocked person_id is not checked").containsExactly("fraud:phone_number");
        assertThat(ran.checked()).as("no iin in input_data").containsExactly("phone_number");

        Ran iinOnly = run(BLOCKED_PERSON, null, "\"lists\":[\"blocked\"],\"match\":[\"iin\"]");
        assertThat(iinOnly.passed()).isTrue();
        assertThat(iinOnly.checked()).isEmpty();
    }

    @Test
    void anAllowListPassesOnlyAPersonOnIt() throws Exception {
        Ran onIt = run(newPerson(), "{\"iin\":\"" + VIP_IIN + "\"}", "\"lists\":[\"vip\"],\"on_match\":\"pass\"");
        assertThat(onIt.passed()).isTrue();
        assertThat(onIt.matched()).containsExactly("vip:iin");
        assertThat(onIt.result().get("service_status").asText()).isEqualTo("success");

        Ran notOnIt = run(newPerson(), "{\"iin\":\"" + BLOCKED_IIN + "\"}", "\"lists\":[\"vip\"],\"on_match\":\"pass\"");
        assertThat(notOnIt.failedTheFlow()).isTrue();
        assertThat(notOnIt.matched()).isEmpty();
        assertThat(notOnIt.result().get("service_status").asText()).isEqualTo("fail");
    }

    @Test
    void anotherConsumersListsNeverMatchWhateverTheirNames() throws Exception {
        Ran acme = run(newPerson(), "{\"iin\":\"770303500789\"}", "\"lists\":[\"blocked\"]");
        assertThat(acme.passed()).as("globex's blocked list is not acme's").isTrue();

        Ran globex = run(TestServer.OTHER_TEST_KEY, BLOCKED_PERSON, "{\"iin\":\"" + BLOCKED_IIN + "\"}",
                "\"lists\":[\"blocked\",\"vip\"]");
        assertThat(globex.passed()).as("acme's entries are not globex's").isTrue();
        assertThat(globex.matched()).isEmpty();

        Ran globexOwn = run(TestServer.OTHER_TEST_KEY, newPerson(), "{\"iin\":\"770303500789\"}", "\"lists\":[\"blocked\"]");
        assertThat(globexOwn.failedTheFlow()).isTrue();
        assertThat(globexOwn.matched()).containsExactly("blocked:iin");
    }

    @Test
    void theHostManagesAConsumersListsAndAnUnknownConsumerIsRefused() {
        assertThat(lists.add("acme", "staff", "iin", "123456789012")).isTrue();
        assertThat(lists.add("acme", "staff", "iin", "123456789012")).as("there already").isFalse();
        assertThat(lists.listNames("acme")).contains("blocked", "fraud", "staff", "vip");
        assertThat(lists.list("acme", "staff")).extracting(e -> e.field() + "=" + e.value()).containsExactly("iin=123456789012");
        assertThat(lists.remove("acme", "staff", "iin", "123456789012")).isTrue();
        assertThat(lists.listNames("acme")).doesNotContain("staff");
        assertThat(lists.listNames("globex")).containsExactly("blocked");

        assertThatThrownBy(() -> lists.add("initech", "blocked", "iin", BLOCKED_IIN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("consumerId").hasMessageContaining("initech");
        assertThatThrownBy(() -> lists.listNames("initech")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> lists.add("acme", "Blocked", "iin", BLOCKED_IIN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("listName");
        assertThatThrownBy(() -> lists.add("acme", "blocked", "email", "a@b.kz"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("field");
    }

    @Test
    void optionsOutsideTheRulesAreRefusedAtCreateNamingTheOption() throws Exception {
        refusedAtCreate(server, "{\"service_name\":\"kyc-list\"}", "template.pipeline[0].lists");
        refusedAtCreate(server, "{\"service_name\":\"kyc-list\",\"lists\":[]}", "template.pipeline[0].lists");
        assertThat(refusedAtCreate(server, "{\"service_name\":\"kyc-list\",\"lists\":[\"ok\",\"Not OK\"]}",
                "template.pipeline[0].lists[1]").get("error_msg").asText()).contains("a-z, 0-9, _ and -");
        assertThat(refusedAtCreate(server, "{\"service_name\":\"kyc-list\",\"lists\":[\"blocked\"],\"match\":[\"email\"]}",
                "template.pipeline[0].match[0]").get("error_msg").asText()).contains("person_id, iin, phone_number");
        refusedAtCreate(server, "{\"service_name\":\"kyc-list\",\"lists\":[\"blocked\"],\"match\":[]}",
                "template.pipeline[0].match");
        refusedAtCreate(server, "{\"service_name\":\"kyc-list\",\"lists\":[\"blocked\"],\"on_match\":\"block\"}",
                "template.pipeline[0].on_match");
    }
}
