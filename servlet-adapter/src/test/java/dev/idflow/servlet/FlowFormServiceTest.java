package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.JSON;
import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.ApiAssertions.object;
import static dev.idflow.servlet.PersonDevice.clientError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Reply;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The {@code flow-form} step through the client API: the form screen the page renders, each field type's
 * rules checked on the server (a wrong answer is 422 naming {@code answers.<name>} and its rule, and the
 * step stays exactly as it was), the answers in the session result and the flow's input_data, and the
 * step's options refused at create when they cannot make a form.
 */
class FlowFormServiceTest {
    static TestServer server;
    static PersonDevice device;

    /** One field of every type, with every option a field can have. */
    static final String FIELDS = """
            [{"name":"full_name","type":"text","label":{"en":"Full name","ru":"ФИО","kk":"Аты-жөні"},
              "pattern":"[\\\\p{L} .'-]+"},
             {"name":"age","type":"number","label":"Age","min":18,"max":120},
             {"name":"birth_date","type":"date","label":"Date of birth"},
             {"name":"city","type":"select","label":"City",
              "options":["Almaty",{"value":"Astana","label":{"en":"Astana","kk":"Астана"}}]},
             {"name":"terms","type":"checkbox","label":"I accept the terms"},
             {"name":"newsletter","type":"checkbox","label":"Send me news","required":false},
             {"name":"phone_number","type":"phone","label":"Phone"},
             {"name":"email","type":"email","label":"E-mail","required":false},
             {"name":"iin","type":"iin","label":"IIN"}]""";

    /** Answers that pass every field of {@link #FIELDS}. */
    static final String GOOD_ANSWERS = """
            {"full_name":"  Aigerim Nurlanovna  ","age":30,"birth_date":"1994-02-28","city":"Astana","terms":true,
             "phone_number":"+7 (701) 123-45-67","email":"Aigerim@Bank.KZ","iin":"900101300017"}""";

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
        device = PersonDevice.testKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static Created formFlow(String inputData) throws Exception {
        return device.createFlow(newPerson(), "[{\"service_name\":\"flow-form\",\"fields\":" + FIELDS + "}]",
                inputData == null ? null : "\"input_data\":" + inputData);
    }

    private static void conformsToServedDocument(String method, String path, Reply reply) throws Exception {
        assertThat(server.validateAgainstServedDocument(method, path, reply).getMessages())
                .as("%s %s → %s %s", method, path, reply.status(), reply.body()).isEmpty();
    }

    // ---------------------------------------------------------------- the screen

    @Test
    void theFormScreenShowsEveryFieldWithItsDefaultsFilledInAndSelectOptionsAsValueAndLabel() throws Exception {
        Created flow = formFlow(null);
        device.start(flow.vlinkId());
        Reply reply = device.stateReply(flow.vlinkId());
        conformsToServedDocument("GET", "/hf/" + flow.vlinkId() + "/api/state", reply);
        JsonNode step = PersonDevice.clientOk(reply).get("current_step");

        assertThat(step.get("service_name").asText()).isEqualTo("flow-form");
        JsonNode screen = step.get("screen");
        assertThat(screen.get("kind").asText()).isEqualTo("form");
        assertThat(screen.has("values")).as("nothing to prefill").isFalse();
        assertThat(screen.get("fields")).isEqualTo(JSON.readTree("""
                [{"name":"full_name","type":"text","label":{"en":"Full name","ru":"ФИО","kk":"Аты-жөні"},"required":true,
                  "pattern":"[\\\\p{L} .'-]+"},
                 {"name":"age","type":"number","label":"Age","required":true,"min":18,"max":120},
                 {"name":"birth_date","type":"date","label":"Date of birth","required":true},
                 {"name":"city","type":"select","label":"City","required":true,
                  "options":[{"value":"Almaty","label":"Almaty"},{"value":"Astana","label":{"en":"Astana","kk":"Астана"}}]},
                 {"name":"terms","type":"checkbox","label":"I accept the terms","required":true},
                 {"name":"newsletter","type":"checkbox","label":"Send me news","required":false},
                 {"name":"phone_number","type":"phone","label":"Phone","required":true},
                 {"name":"email","type":"email","label":"E-mail","required":false},
                 {"name":"iin","type":"iin","label":"IIN","required":true}]"""));
    }

    @Test
    void fieldsNamedLikeInputDataFieldsArePrefilledFromTheFlowsInputDataButNeverTheCardNumber() throws Exception {
        Created flow = device.createFlow(newPerson(), """
                [{"service_name":"flow-form","fields":[
                  {"name":"full_name","type":"text","label":"Name"},
                  {"name":"iin","type":"iin","label":"IIN"},
                  {"name":"email","type":"email","label":"E-mail"},
                  {"name":"card_number","type":"text","label":"Card"},
                  {"name":"org_name","type":"text","label":"Company"}]}]""",
                "\"input_data\":{\"full_name\":\"Aigerim Nurlanovna\",\"iin\":\"900101300017\","
                        + "\"card_number\":\"4400430012345678\",\"email\":\"aigerim@bank.kz\"}");

        JsonNode screen = device.start(flow.vlinkId()).at("/current_step/screen");

        assertThat(screen.get("values")).isEqualTo(object(
                "{\"full_name\":\"Aigerim Nurlanovna\",\"iin\":\"900101300017\",\"email\":\"aigerim@bank.kz\"}"));
    }

    // ---------------------------------------------------------------- right answers

    @Test
    void rightAnswersPassTheStepWithTheAnswersNormalisedInTheSessionResult() throws Exception {
        Created flow = formFlow(null);
        device.start(flow.vlinkId());

        Reply reply = device.submitReply(flow.vlinkId(), "step-1", "{\"answers\":" + GOOD_ANSWERS + "}");
        conformsToServedDocument("POST", "/hf/" + flow.vlinkId() + "/api/steps/step-1/submit", reply);
        JsonNode ended = PersonDevice.clientOk(reply);

        assertThat(ended.get("flow_status").asText()).isEqualTo("pass");
        assertThat(ended.has("current_step")).isFalse();
        ServiceSession session = onlySession(flow);
        assertThat(session.result()).isEqualTo(object("""
                {"service_name":"flow-form","service_status":"success","answers":{
                  "full_name":"Aigerim Nurlanovna","age":30,"birth_date":"1994-02-28","city":"Astana","terms":true,
                  "newsletter":false,"phone_number":"+77011234567","email":"Aigerim@bank.kz","iin":"900101300017"}}"""));
    }

    @Test
    void theAnswersFillTheFlowsEmptyInputDataAndTheFlowResultNamesThePerson() throws Exception {
        Created flow = formFlow("{\"phone_number\":\"+77050000000\"}");
        device.start(flow.vlinkId());
        device.submit(flow.vlinkId(), "step-1", "{\"answers\":" + GOOD_ANSWERS + "}");

        JsonNode input = device.flow(flow.flowId()).get("input_data");
        assertThat(input.get("full_name").asText()).isEqualTo("Aigerim Nurlanovna");
        assertThat(input.get("iin").asText()).isEqualTo("900101300017");
        assertThat(input.get("email").asText()).isEqualTo("Aigerim@bank.kz");
        assertThat(input.get("phone_number").asText()).as("what the bank gave is kept").isEqualTo("+77050000000");
        JsonNode result = device.result(flow.flowId());
        assertThat(result.get("person_name").asText()).isEqualTo("Aigerim Nurlanovna");
        assertThat(result.get("iin").asText()).isEqualTo("900101300017");
    }

    @Test
    void aCardNumberAnswerIsMaskedInTheResultAndInTheInputData() throws Exception {
        Created flow = device.createFlow(newPerson(),
                "[{\"service_name\":\"flow-form\",\"fields\":[{\"name\":\"card_number\",\"type\":\"text\",\"label\":\"Card\"}]}]");
        device.start(flow.vlinkId());
        device.submit(flow.vlinkId(), "step-1", "{\"answers\":{\"card_number\":\"4400430012345678\"}}");

        assertThat(onlySession(flow).result().at("/answers/card_number").asText()).isEqualTo("440043******5678");
        assertThat(device.flow(flow.flowId()).at("/input_data/card_number").asText()).isEqualTo("440043******5678");
    }

    @Test
    void optionalFieldsMayBeLeftOutAndAnUncheckedOptionalCheckboxIsFalse() throws Exception {
        Created flow = formFlow(null);
        device.start(flow.vlinkId());
        ObjectNode answers = object(GOOD_ANSWERS);
        answers.remove("email");
        answers.put("newsletter", false);

        device.submit(flow.vlinkId(), "step-1", "{\"answers\":" + answers + "}");

        JsonNode stored = onlySession(flow).result().get("answers");
        assertThat(stored.has("email")).isFalse();
        assertThat(stored.get("newsletter").asBoolean()).isFalse();
    }

    @Test
    void aLiveFlowRunsAFormWithoutAnythingTheHostMustSetUp() throws Exception {
        PersonDevice live = PersonDevice.liveKey(server);
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"flow-form\",\"fields\":" + FIELDS + "}]");
        live.start(flow.vlinkId());

        assertThat(live.submit(flow.vlinkId(), "step-1", "{\"answers\":" + GOOD_ANSWERS + "}")
                .get("flow_status").asText()).isEqualTo("pass");
    }

    // ---------------------------------------------------------------- wrong answers

    @ParameterizedTest(name = "{0} = {1} → {2}")
    @CsvSource(delimiter = '|', textBlock = """
            full_name    | <absent>                          | required
            full_name    | null                              | required
            full_name    | "   "                             | required
            full_name    | 42                                | type
            full_name    | "<1001 letters>"                  | length
            full_name    | "R2-D2"                           | pattern
            age          | "30"                              | type
            age          | true                              | type
            age          | 17                                | min
            age          | 17.99                             | min
            age          | 120.5                             | max
            birth_date   | "1994-02-30"                      | pattern
            birth_date   | "28.02.1994"                      | pattern
            birth_date   | 19940228                          | type
            city         | "Shymkent"                        | option
            city         | "astana"                          | option
            terms        | false                             | required
            terms        | <absent>                          | required
            terms        | "yes"                             | type
            newsletter   | 1                                 | type
            phone_number | "87011234567"                     | pattern
            phone_number | "+7 701 12"                       | pattern
            phone_number | "+7 701 123 45 67 89 01 2"        | pattern
            phone_number | "+7 701 ABC 45 67"                | pattern
            email        | "aigerim"                         | pattern
            email        | "aigerim@bank"                    | pattern
            email        | "a..b@bank.kz"                    | pattern
            email        | "<250 letters>@bank.kz"           | length
            iin          | "12345"                           | pattern
            iin          | "900101300018"                    | pattern
            iin          | 900101300017                      | type
            nickname     | "Aika"                            | unknown
            """)
    void aWrongAnswerIsRefusedNamingTheFieldAndItsRuleAndTheStepStaysAsItWas(String field, String value, String rule)
            throws Exception {
        Created flow = formFlow(null);
        JsonNode before = device.start(flow.vlinkId());
        ObjectNode answers = object(GOOD_ANSWERS);
        if (value.equals("<absent>")) {
            answers.remove(field);
        } else {
            answers.set(field, JSON.readTree(value.replace("<1001 letters>", "a".repeat(1001))
                    .replace("<250 letters>", "a".repeat(250))));
        }

        Reply reply = device.submitReply(flow.vlinkId(), "step-1", "{\"answers\":" + answers + "}");

        JsonNode body = clientError(reply, 422, "INVALID_PAYLOAD");
        assertThat(body.get("field").asText()).isEqualTo("answers." + field);
        assertThat(body.get("rule").asText()).isEqualTo(rule);
        assertThat(body.get("error_msg").asText()).startsWith("answers." + field + ": ");
        conformsToServedDocument("POST", "/hf/" + flow.vlinkId() + "/api/steps/step-1/submit", reply);
        assertThat(device.state(flow.vlinkId())).as("the step is open and unchanged").isEqualTo(before);
        assertThat(server.storage.sessions().findByFlowId(flow.flowId())).hasSize(1);
    }

    @Test
    void theFirstWrongFieldInTheFormsOrderIsTheOneNamed() throws Exception {
        Created flow = formFlow(null);
        device.start(flow.vlinkId());
        ObjectNode answers = object(GOOD_ANSWERS).put("iin", "1").put("age", 3);

        JsonNode body = clientError(device.submitReply(flow.vlinkId(), "step-1", "{\"answers\":" + answers + "}"),
                422, "INVALID_PAYLOAD");

        assertThat(body.get("field").asText()).isEqualTo("answers.age");
    }

    @Test
    void answersMissingOrNotAnObjectAreRefusedAndAnAnswerThatCannotBeAFieldIsNotEchoed() throws Exception {
        Created flow = formFlow(null);
        device.start(flow.vlinkId());

        JsonNode missing = clientError(device.submitReply(flow.vlinkId(), "step-1", "{}"), 422, "INVALID_PAYLOAD");
        assertThat(missing.get("field").asText()).isEqualTo("answers");
        assertThat(missing.get("rule").asText()).isEqualTo("required");
        JsonNode list = clientError(device.submitReply(flow.vlinkId(), "step-1", "{\"answers\":[]}"), 422, "INVALID_PAYLOAD");
        assertThat(list.get("rule").asText()).isEqualTo("type");
        ObjectNode odd = object(GOOD_ANSWERS).put("<script>", "x");
        JsonNode unknown = clientError(device.submitReply(flow.vlinkId(), "step-1", "{\"answers\":" + odd + "}"),
                422, "INVALID_PAYLOAD");
        assertThat(unknown.get("field").asText()).isEqualTo("answers");
        assertThat(unknown.get("rule").asText()).isEqualTo("unknown");
        assertThat(unknown.toString()).doesNotContain("script");
    }

    @Test
    void aFormIsNotAnsweredByAResendOrAnUpload() throws Exception {
        Created flow = formFlow(null);
        device.start(flow.vlinkId());

        Reply resend = server.postJson("/hf/" + flow.vlinkId() + "/api/steps/step-1/resend", new TestServer.Headers(), "");
        assertThat(clientError(resend, 422, "INVALID_PAYLOAD").get("field").asText()).isEqualTo("step_id");
    }

    @Test
    @Timeout(20)
    void aPatternThatBacktracksWithoutEndRefusesTheAnswerInsteadOfHoldingTheServer() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"flow-form\",\"fields\":"
                + "[{\"name\":\"code\",\"type\":\"text\",\"label\":\"Code\",\"pattern\":\"(.*a){12}\"}]}]");
        device.start(flow.vlinkId());

        JsonNode body = clientError(device.submitReply(flow.vlinkId(), "step-1",
                "{\"answers\":{\"code\":\"" + "a".repeat(60) + "!\"}}"), 422, "INVALID_PAYLOAD");

        assertThat(body.get("rule").asText()).isEqualTo("pattern");
        assertThat(device.submit(flow.vlinkId(), "step-1", "{\"answers\":{\"code\":\"" + "a".repeat(12) + "\"}}")
                .get("flow_status").asText()).isEqualTo("pass");
    }

    // ---------------------------------------------------------------- options refused at create

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', textBlock = """
            <none>                                                                           | fields
            "fields":{"name":"a"}                                                            | fields
            "fields":[]                                                                      | fields
            "fields":[<51 fields>]                                                           | fields
            "fields":["full_name"]                                                           | fields[0]
            "fields":[{"type":"text","label":"A"}]                                           | fields[0].name
            "fields":[{"name":"Full Name","type":"text","label":"A"}]                        | fields[0].name
            "fields":[{"name":"a","type":"text","label":"A"},{"name":"a","type":"text","label":"B"}] | fields[1].name
            "fields":[{"name":"a","type":"color","label":"A"}]                               | fields[0].type
            "fields":[{"name":"a","label":"A"}]                                              | fields[0].type
            "fields":[{"name":"a","type":"text"}]                                            | fields[0].label
            "fields":[{"name":"a","type":"text","label":5}]                                  | fields[0].label
            "fields":[{"name":"a","type":"text","label":"A","required":"yes"}]               | fields[0].required
            "fields":[{"name":"a","type":"text","label":"A","requried":false}]               | fields[0].requried
            "fields":[{"name":"a","type":"select","label":"A"}]                              | fields[0].options
            "fields":[{"name":"a","type":"select","label":"A","options":[]}]                 | fields[0].options
            "fields":[{"name":"a","type":"select","label":"A","options":[1]}]                | fields[0].options[0]
            "fields":[{"name":"a","type":"select","label":"A","options":["x","x"]}]          | fields[0].options[1]
            "fields":[{"name":"a","type":"select","label":"A","options":[{"label":"X"}]}]    | fields[0].options[0].value
            "fields":[{"name":"a","type":"text","label":"A","options":["x"]}]                | fields[0].options
            "fields":[{"name":"a","type":"text","label":"A","min":1}]                        | fields[0].min
            "fields":[{"name":"a","type":"number","label":"A","max":"9"}]                    | fields[0].max
            "fields":[{"name":"a","type":"number","label":"A","min":10,"max":9}]             | fields[0].max
            "fields":[{"name":"a","type":"number","label":"A","pattern":"[0-9]+"}]           | fields[0].pattern
            "fields":[{"name":"a","type":"text","label":"A","pattern":"([a-z"}]              | fields[0].pattern
            "fields":[{"name":"a","type":"text","label":"A","pattern":"<201 characters>"}]   | fields[0].pattern
            """)
    void optionsThatCannotMakeAFormAreRefusedAtCreateNamingTheStepAndTheOption(String options, String path)
            throws Exception {
        String fiftyOne = String.join(",", java.util.stream.IntStream.range(0, 51)
                .mapToObj(i -> "{\"name\":\"f" + i + "\",\"type\":\"text\",\"label\":\"F\"}").toList());
        String step = options.equals("<none>") ? "{\"service_name\":\"flow-form\"}"
                : "{\"service_name\":\"flow-form\"," + options.replace("<51 fields>", fiftyOne)
                        .replace("<201 characters>", "a".repeat(201)) + "}";

        Reply reply = server.postJson("/flow", TestServer.Headers.test(TestServer.TEST_KEY),
                "{\"person_id\":\"" + newPerson() + "\",\"template\":{\"pipeline\":[{\"service_name\":\"consent\"},"
                        + step + "]}}");

        assertError(reply, 422, "INVALID_PAYLOAD", "template.pipeline[1]." + path);
    }

    // ---------------------------------------------------------------- helpers

    private static ServiceSession onlySession(Created flow) {
        List<ServiceSession> sessions = server.storage.sessions().findByFlowId(flow.flowId());
        assertThat(sessions).hasSize(1);
        return sessions.get(0);
    }
}
