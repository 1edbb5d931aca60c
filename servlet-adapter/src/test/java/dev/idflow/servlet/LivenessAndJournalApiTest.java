package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.assertSuccess;
import static dev.idflow.servlet.ApiAssertions.createFlow;
import static dev.idflow.servlet.ApiAssertions.createLivenessSession;
import static dev.idflow.servlet.ApiAssertions.flowBody;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.f4b6a3.ulid.UlidCreator;
import dev.idflow.core.model.LivenessDetails;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Reply;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * POST /liveness2/session and GET /journal/session/{session_id}. Another consumer's flow (403) and
 * session (404) are in {@link ConsumerIsolationTest}; 429 and 500 in {@link OverloadAndFailureTest}.
 */
class LivenessAndJournalApiTest {
    private static final Set<String> ACTIONS = Set.of("zoom-in", "zoom-out", "turn-left", "turn-right", "turn-straight",
            "smile", "blink", "tilt-up", "tilt-down", "shake", "tongue-out", "open-mouth");
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static Headers acme() {
        return Headers.test(TestServer.TEST_KEY);
    }

    private static Reply post(String json) throws Exception {
        return server.postJson("/liveness2/session", acme(), json);
    }

    private static LivenessDetails stored(String sessionId) {
        return server.storage.sessions().findById(sessionId).orElseThrow().liveness();
    }

    // ---- POST /liveness2/session ----

    @Test
    void aSessionWithoutFlowIdGetsAFlowOfOneVeriliveStepStartedForIt() throws Exception {
        String person = newPerson();

        JsonNode session = assertSuccess(post("{\"person_id\":\"" + person + "\"}"), 201);

        assertThat(UUID.fromString(session.get("access_token").asText()).version()).isEqualTo(4);
        assertThat(session.get("session_id").asText()).matches("[0-7][0-9A-HJKMNP-TV-Z]{25}-S");
        assertThat(session.get("person_id").asText()).isEqualTo(person);
        assertThat(Instant.parse(session.get("created_at").asText())).isEqualTo(server.clock.instant());
        assertThat(session.get("attempts_left").asInt()).as("max_retries defaults to 3: four attempts").isEqualTo(4);
        String flowId = session.get("flow_id").asText();
        assertThat(flowId).endsWith("-F");

        JsonNode flow = assertSuccess(server.get("/flow/" + flowId, acme()), 200);
        assertThat(flow.get("person_id").asText()).isEqualTo(person);
        assertThat(flow.get("test_flow").asBoolean()).isTrue();
        assertThat(flow.at("/template/pipeline")).hasSize(1);
        assertThat(flow.at("/template/pipeline/0/service_name").asText()).isEqualTo("verilive");
        assertThat(flow.has("started_at")).isTrue();
        assertSuccess(server.get("/flow/" + flowId + "/result", acme()), 200);
    }

    @Test
    void aSessionWithFlowIdJoinsThatFlowsVeriliveStepAndStartsTheFlow() throws Exception {
        String person = newPerson();
        String flowId = assertSuccess(server.postJson("/flow", acme(), "{\"person_id\":\"" + person + "\",\"template\":"
                + "{\"pipeline\":[{\"service_name\":\"consent\"},{\"service_name\":\"verilive\"}]}}"), 201)
                .get("flow_id").asText();
        assertError(server.get("/flow/" + flowId + "/result", acme()), 404, "FLOW_NOT_STARTED", "flow_id");

        JsonNode session = createLivenessSession(server, TestServer.TEST_KEY, person, flowId);

        assertThat(session.get("flow_id").asText()).isEqualTo(flowId);
        ServiceSession stored = server.storage.sessions().findById(session.get("session_id").asText()).orElseThrow();
        assertThat(stored.flowId()).isEqualTo(flowId);
        assertThat(stored.stepId()).isEqualTo("step-2");
        JsonNode result = assertSuccess(server.get("/flow/" + flowId + "/result", acme()), 200);
        assertThat(result.at("/service_statuses/0/session_id").asText()).isEqualTo(session.get("session_id").asText());
    }

    @Test
    void withoutAPipelineARandomOneOfTwoOrThreeDistinctActionsIsDrawn() throws Exception {
        Set<List<List<String>>> seen = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            String sessionId = assertSuccess(post("{\"person_id\":\"" + newPerson() + "\"}"), 201).get("session_id").asText();
            List<List<String>> pipeline = stored(sessionId).pipeline();
            assertThat(pipeline).hasSizeBetween(2, 3);
            assertThat(pipeline).allSatisfy(group -> assertThat(group).isNotEmpty().allMatch(ACTIONS::contains));
            assertThat(pipeline.stream().flatMap(List::stream).distinct().count()).isEqualTo(pipeline.size());
            seen.add(pipeline);
        }
        assertThat(seen).as("twelve draws are not all the same pipeline").hasSizeGreaterThan(1);
    }

    @Test
    void aGivenPipelineIsKeptAsGiven() throws Exception {
        String sessionId = assertSuccess(post("{\"person_id\":\"" + newPerson() + "\",\"pipeline\":"
                + "[[\"zoom-in\"],[\"turn-left\",\"turn-right\"],[\"blink\"]],\"platform\":\"android\"}"), 201)
                .get("session_id").asText();

        assertThat(stored(sessionId).pipeline())
                .isEqualTo(List.of(List.of("zoom-in"), List.of("turn-left", "turn-right"), List.of("blink")));
        assertThat(stored(sessionId).platform()).isEqualTo("android");
    }

    @ParameterizedTest(name = "max_retries {0} → attempts_left {1}")
    @CsvSource({"0,1", "1,2", "3,4", "100,101"})
    void attemptsLeftIsMaxRetriesPlusOne(int maxRetries, int attempts) throws Exception {
        JsonNode session = assertSuccess(post("{\"person_id\":\"" + newPerson() + "\",\"max_retries\":" + maxRetries + "}"), 201);

        assertThat(session.get("attempts_left").asInt()).isEqualTo(attempts);
    }

    @ParameterizedTest(name = "max_retries {0}")
    @ValueSource(ints = {-1, 101})
    void maxRetriesOutside0To100IsRefused(int maxRetries) throws Exception {
        assertError(post("{\"person_id\":\"" + newPerson() + "\",\"max_retries\":" + maxRetries + "}"),
                422, "INVALID_PAYLOAD", "max_retries");
    }

    @ParameterizedTest(name = "duration {0} → {1}")
    @CsvSource({"119,422", "120,201", "600,201", "601,422"})
    void theAccessTokenLivesBetween120And600Seconds(int duration, int status) throws Exception {
        Reply reply = post("{\"person_id\":\"" + newPerson() + "\",\"duration\":" + duration + "}");
        if (status == 201) {
            String sessionId = assertSuccess(reply, 201).get("session_id").asText();
            assertThat(stored(sessionId).expiresAt()).isEqualTo(server.clock.instant().plusSeconds(duration));
        } else {
            assertError(reply, 422, "INVALID_PAYLOAD", "duration");
        }
    }

    @Test
    void theAccessTokenLivesThreeHundredSecondsByDefault() throws Exception {
        String sessionId = assertSuccess(post("{\"person_id\":\"" + newPerson() + "\"}"), 201).get("session_id").asText();

        assertThat(stored(sessionId).expiresAt()).isEqualTo(server.clock.instant().plusSeconds(300));
    }

    @Test
    void aFlowOfAnotherPersonIsRefused() throws Exception {
        String flowId = createFlow(server, TestServer.TEST_KEY, newPerson());

        assertError(post("{\"person_id\":\"" + newPerson() + "\",\"flow_id\":\"" + flowId + "\"}"),
                422, "INVALID_PAYLOAD", "person_id");
    }

    @Test
    void anUnknownFlowIsRefused() throws Exception {
        assertError(post("{\"person_id\":\"" + newPerson() + "\",\"flow_id\":\"" + UlidCreator.getUlid() + "-F\"}"),
                422, "INVALID_PAYLOAD", "flow_id");
    }

    @Test
    void aMalformedFlowIdIsRefused() throws Exception {
        assertError(post("{\"person_id\":\"" + newPerson() + "\",\"flow_id\":\"flow-1\"}"), 422, "INVALID_PAYLOAD", "flow_id");
    }

    @Test
    void aFlowWithoutVeriliveStepIsRefused() throws Exception {
        String person = newPerson();
        String flowId = assertSuccess(server.postJson("/flow", acme(), flowBody(person, "consent")), 201).get("flow_id").asText();

        assertError(post("{\"person_id\":\"" + person + "\",\"flow_id\":\"" + flowId + "\"}"), 422, "INVALID_PAYLOAD", "flow_id");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{}                                                   | person_id",
            "{\"person_id\":\"abc\"}                              | person_id",
            "{\"person_id\":\"abc def ghi\"}                      | person_id",
            "{\"person_id\":\"abcdefg\",\"platform\":\"windows\"} | platform",
            "{\"person_id\":\"abcdefg\",\"pipeline\":[[\"dance\"]]}   | pipeline",
            "{\"person_id\":\"abcdefg\",\"pipeline\":[[]]}        | pipeline",
            "{\"person_id\":\"abcdefg\",\"duration\":\"300\"}     | duration",
            "{\"person_id\":\"abcdefg\",\"max_retries\":2.5}      | max_retries",
            "{\"person_id\":\"abcdefg\",\"flow_id\":17}           | flow_id",
            "[]                                                   | body",
            "{                                                    | body"})
    void anInvalidLivenessRequestIsRefusedNamingTheField(String body, String field) throws Exception {
        Reply reply = post(body);
        JsonNode error = assertError(reply, 422, "INVALID_PAYLOAD", null);
        assertThat(error.get("error_msg").asText()).startsWith(field);
    }

    @Test
    void aLivenessRequestWithAnEmptyBodyIsRefused() throws Exception {
        assertError(post(""), 422, "INVALID_PAYLOAD", "body");
    }

    @Test
    void aLivenessRequestWithoutApiKeyIsUnauthorized() throws Exception {
        assertError(server.postJson("/liveness2/session", new Headers(), "{\"person_id\":\"" + newPerson() + "\"}"),
                401, "UNAUTHORIZED", "X-Verigram-Api-Key");
    }

    @Test
    void aSignedLiveKeyOpensANonTestSession() throws Exception {
        JsonNode session = assertSuccess(server.postJson("/liveness2/session", server.live("/liveness2/session"),
                "{\"person_id\":\"" + newPerson() + "\"}"), 201);

        JsonNode flow = assertSuccess(server.get("/flow/" + session.get("flow_id").asText(),
                server.live("/flow/" + session.get("flow_id").asText())), 200);
        assertThat(flow.get("test_flow").asBoolean()).isFalse();
    }

    // ---- GET /journal/session/{session_id} ----

    @Test
    void aLivenessSessionReadsBackFromTheJournal() throws Exception {
        String person = newPerson();
        String flowId = createFlow(server, TestServer.TEST_KEY, person);
        JsonNode created = createLivenessSession(server, TestServer.TEST_KEY, person, flowId);
        String sessionId = created.get("session_id").asText();

        JsonNode session = assertSuccess(server.get("/journal/session/" + sessionId, acme()), 200);

        assertThat(session.get("session_id").asText()).isEqualTo(sessionId);
        assertThat(session.get("person_id").asText()).isEqualTo(person);
        assertThat(session.get("consumer_id").asText()).isEqualTo("acme");
        assertThat(session.get("flow_id").asText()).isEqualTo(flowId);
        assertThat(session.get("service_name").asText()).isEqualTo("verilive");
        assertThat(session.get("api_version").asText()).isEqualTo("2.0.0");
        assertThat(session.get("created_at").asText()).isEqualTo(created.get("created_at").asText());
        assertThat(session.get("session_states")).hasSize(1);
        assertThat(session.at("/session_states/0/state").asText()).isEqualTo("created");
        assertThat(session.has("result")).as("no verdict yet: absent, not null").isFalse();
        String vlink = assertSuccess(server.get("/flow/" + flowId, acme()), 200).get("vlink").asText();
        assertThat(session.get("vlink_id").asText()).isEqualTo(vlink.substring(vlink.lastIndexOf('/') + 1));
        // the access token is the person's device's credential: the consumer's journal never repeats it
        assertThat(session.toString()).doesNotContain(created.get("access_token").asText());
    }

    @Test
    void anUnknownSessionIsNotFound() throws Exception {
        assertError(server.get("/journal/session/" + UlidCreator.getUlid() + "-S", acme()), 404, "NOT_FOUND", "session_id");
    }

    @ParameterizedTest(name = "session_id {0}")
    @ValueSource(strings = {"nonsense", "01KMWYGEEVW2TH4Q4SFFFFFFF5-F", "01KMWYGEEVW2TH4Q4SFFFFFFF5"})
    void aMalformedSessionIdIsUnprocessable(String sessionId) throws Exception {
        assertError(server.get("/journal/session/" + sessionId, acme()), 422, "INVALID_PAYLOAD", "session_id");
    }

    @Test
    void theJournalWithoutApiKeyIsUnauthorized() throws Exception {
        String sessionId = createLivenessSession(server, TestServer.TEST_KEY, newPerson(), null).get("session_id").asText();
        assertError(server.get("/journal/session/" + sessionId, new Headers().add("X-Verigram-Api-Key", "no-such-key-123")),
                401, "UNAUTHORIZED", "X-Verigram-Api-Key");
    }
}
