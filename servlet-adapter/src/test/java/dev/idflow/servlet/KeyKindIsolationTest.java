package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.assertSuccess;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.f4b6a3.ulid.UlidCreator;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One consumer (acme), two kinds of key: a test key sees test flows, their sessions and files only, a
 * live key live ones only, and the other kind's ids answer exactly as ids that do not exist (PRODUCT.md,
 * "Test keys see test data only"). Each access path is tried in both directions.
 */
class KeyKindIsolationTest {
    static TestServer server;
    static PersonDevice testKey;
    static PersonDevice liveKey;
    static Side test;
    static Side live;

    /** What one kind of key made: a flow that went through liveness (ended), its session, and an open flow. */
    record Side(String person, String doneFlowId, String sessionId, String openFlowId) {
    }

    @BeforeAll
    static void acmeHasTestAndLiveData() throws Exception {
        server = new TestServer("/kyc");
        testKey = PersonDevice.testKey(server);
        liveKey = PersonDevice.liveKey(server);
        test = sideOf(testKey);
        live = sideOf(liveKey);
    }

    private static Side sideOf(PersonDevice device) throws Exception {
        String person = newPerson();
        Created done = device.createFlow(person, "[{\"service_name\":\"verilive\"}]",
                "\"input_data\":{\"iin\":\"900101300123\",\"full_name\":\"Aigerim Nurlanova\"}");
        device.start(done.vlinkId());
        device.doLiveness(done.vlinkId());
        server.clock.advance(java.time.Duration.ofSeconds(1));
        String sessionId = device.result(done.flowId()).at("/service_statuses/0/session_id").asText();
        assertThat(sessionId).endsWith("-S");
        assertThat(device.file("label=bestframe&flow_id=" + done.flowId()).status()).isEqualTo(200);
        Created open = device.createFlow(person, "[{\"service_name\":\"verilive\"}]");
        return new Side(person, done.flowId(), sessionId, open.flowId());
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** A new second for each test: a signed request repeated with the same ts could be refused as a replay. */
    @BeforeEach
    void aSecondLater() {
        server.clock.advance(java.time.Duration.ofSeconds(1));
    }

    private static String unknownFlowId() {
        return UlidCreator.getUlid() + "-F";
    }

    private static String unknownSessionId() {
        return UlidCreator.getUlid() + "-S";
    }

    @Test
    void eachKeyStillReadsItsOwnKind() throws Exception {
        for (PersonDevice device : new PersonDevice[] {testKey, liveKey}) {
            Side own = device == testKey ? test : live;
            assertThat(device.flow(own.doneFlowId()).get("flow_id").asText()).isEqualTo(own.doneFlowId());
            assertThat(device.result(own.doneFlowId()).get("flow_id").asText()).isEqualTo(own.doneFlowId());
            assertThat(device.journal(own.sessionId()).get("session_id").asText()).isEqualTo(own.sessionId());
            assertThat(device.file("label=bestframe&session_id=" + own.sessionId()).status()).isEqualTo(200);
        }
    }

    @Test
    void aTestKeyDoesNotFindALiveFlow() throws Exception {
        Reply reply = testKey.flowReply(live.doneFlowId());

        assertError(reply, 404, "NOT_FOUND", "flow_id");
        assertThat(reply.body()).doesNotContain(live.person()).doesNotContain("900101300123");
    }

    @Test
    void aLiveKeyDoesNotFindATestFlow() throws Exception {
        Reply reply = liveKey.flowReply(test.doneFlowId());

        assertError(reply, 404, "NOT_FOUND", "flow_id");
        assertThat(reply.body()).doesNotContain(test.person());
    }

    @Test
    void theOtherKindsFlowLooksExactlyLikeOneThatDoesNotExist() throws Exception {
        assertThat(testKey.flowReply(live.doneFlowId()).body()).isEqualTo(testKey.flowReply(unknownFlowId()).body());
        assertThat(liveKey.flowReply(test.doneFlowId()).body()).isEqualTo(liveKey.flowReply(unknownFlowId()).body());
        assertThat(testKey.resultReply(live.doneFlowId()).body()).isEqualTo(testKey.resultReply(unknownFlowId()).body());
        assertThat(liveKey.resultReply(test.doneFlowId()).body()).isEqualTo(liveKey.resultReply(unknownFlowId()).body());
    }

    @Test
    void neitherKindReadsTheOthersResult() throws Exception {
        Reply theirs = testKey.resultReply(live.doneFlowId());
        assertError(theirs, 404, "NOT_FOUND", "flow_id");
        assertThat(theirs.body()).doesNotContain(live.sessionId());

        Reply ours = liveKey.resultReply(test.doneFlowId());
        assertError(ours, 404, "NOT_FOUND", "flow_id");
        assertThat(ours.body()).doesNotContain(test.sessionId());
    }

    @Test
    void neitherKindReadsTheOthersSessionInTheJournal() throws Exception {
        Reply theirs = server.get("/journal/session/" + live.sessionId(), TestServer.Headers.test(TestServer.TEST_KEY));
        Reply none = server.get("/journal/session/" + unknownSessionId(), TestServer.Headers.test(TestServer.TEST_KEY));
        assertError(theirs, 404, "NOT_FOUND", "session_id");
        assertThat(theirs.body()).isEqualTo(none.body());

        String path = "/journal/session/" + test.sessionId();
        Reply ours = server.get(path, server.live(path));
        assertError(ours, 404, "NOT_FOUND", "session_id");
        assertThat(ours.body()).doesNotContain(test.person());
    }

    @Test
    void neitherKindDownloadsTheOthersFilesByFlow() throws Exception {
        Reply theirs = testKey.file("label=bestframe&flow_id=" + live.doneFlowId());
        assertError(theirs, 404, "NOT_FOUND", "flow_id");
        assertThat(theirs.body()).isEqualTo(testKey.file("label=bestframe&flow_id=" + unknownFlowId()).body());

        assertError(liveKey.file("label=bestframe&flow_id=" + test.doneFlowId()), 404, "NOT_FOUND", "flow_id");
    }

    @Test
    void neitherKindDownloadsTheOthersFilesBySession() throws Exception {
        Reply theirs = testKey.file("label=bestframe&session_id=" + live.sessionId());
        assertError(theirs, 404, "NOT_FOUND", "session_id");
        assertThat(theirs.body()).isEqualTo(testKey.file("label=bestframe&session_id=" + unknownSessionId()).body());

        assertError(liveKey.file("label=bestframe&session_id=" + test.sessionId()), 404, "NOT_FOUND", "session_id");
    }

    @Test
    void aTestKeyOpensNoLivenessSessionOnALiveFlow() throws Exception {
        String body = "{\"person_id\":\"" + live.person() + "\",\"flow_id\":\"" + live.openFlowId() + "\",\"max_retries\":100}";
        Reply reply = server.postJson("/liveness2/session", TestServer.Headers.test(TestServer.TEST_KEY), body);
        Reply unknown = server.postJson("/liveness2/session", TestServer.Headers.test(TestServer.TEST_KEY),
                "{\"person_id\":\"" + live.person() + "\",\"flow_id\":\"" + unknownFlowId() + "\",\"max_retries\":100}");

        assertError(reply, 422, "INVALID_PAYLOAD", "flow_id");
        assertThat(reply.body()).isEqualTo(unknown.body());
        assertThat(server.storage.sessions().findByFlowId(live.openFlowId())).isEmpty();
    }

    @Test
    void aLiveKeyOpensNoLivenessSessionOnATestFlow() throws Exception {
        String body = "{\"person_id\":\"" + test.person() + "\",\"flow_id\":\"" + test.openFlowId() + "\"}";
        Reply reply = server.postJson("/liveness2/session", server.live("/liveness2/session"), body);

        assertError(reply, 422, "INVALID_PAYLOAD", "flow_id");
        assertThat(reply.body()).contains("no such flow");
        assertThat(server.storage.sessions().findByFlowId(test.openFlowId())).isEmpty();
    }

    @Test
    void aLiveFlowNeverReadsTheSandboxScriptOfItsPerson() throws Exception {
        String person = newPerson();
        testKey.script(person, "verilive", "attack");
        Created flow = liveKey.createFlow(person, "[{\"service_name\":\"verilive\"}]");
        liveKey.start(flow.vlinkId());

        JsonNode answer = liveKey.doLiveness(flow.vlinkId());

        assertThat(answer.toString()).doesNotContain("attack");
        assertThat(PersonDevice.statuses(liveKey.result(flow.flowId())).get(0).at("/session_result/service_status").asText())
                .as("the analyzer decided, not the script").isEqualTo("unknown");
        assertThat(server.storage.mockery().find("acme", person, "verilive"))
                .as("the script waits for the person's test flows").isPresent();
    }

    @Test
    void anotherConsumersFlowOfEitherKindStaysForbiddenAsBefore() throws Exception {
        TestServer.Headers globex = TestServer.Headers.test(TestServer.OTHER_TEST_KEY);

        assertError(server.get("/flow/" + live.doneFlowId(), globex), 403, "FORBIDDEN", "flow_id");
        assertError(server.get("/flow/" + test.doneFlowId(), globex), 403, "FORBIDDEN", "flow_id");
        assertError(server.postJson("/liveness2/session", globex,
                "{\"person_id\":\"" + live.person() + "\",\"flow_id\":\"" + live.openFlowId() + "\"}"),
                403, "FORBIDDEN", "flow_id");
    }
}
