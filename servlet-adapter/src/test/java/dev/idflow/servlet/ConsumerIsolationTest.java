package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.assertSuccess;
import static dev.idflow.servlet.ApiAssertions.createFlow;
import static dev.idflow.servlet.ApiAssertions.createLivenessSession;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.ApiAssertions.upload;
import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.model.StoredFile;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Reply;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Consumer globex can read nothing of acme's, by any id: 403 where the operation lists 403, 404
 * where it does not (GET /journal/session/{id}), and 404 for a person_id, which names no object of
 * acme's but a person both banks may share.
 */
class ConsumerIsolationTest {
    static TestServer server;
    static String person;
    static String flowId;
    static String livenessSessionId;
    static String uploadSessionId;
    static final byte[] SECRET_DOC = "acme's customer's passport scan".getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void acmeHasAFlowASessionAndFiles() throws Exception {
        server = new TestServer("/kyc");
        person = newPerson();
        flowId = createFlow(server, TestServer.TEST_KEY, person);
        livenessSessionId = createLivenessSession(server, TestServer.TEST_KEY, person, flowId).get("session_id").asText();
        uploadSessionId = upload(server, TestServer.TEST_KEY, person, "doc_original_front_img", "image/png", "front.png", SECRET_DOC);
        server.storage.files().save(new StoredFile(com.github.f4b6a3.ulid.UlidCreator.getUlid().toString(), "acme", person,
                flowId, livenessSessionId, "bestframe", "image/jpeg", null, -1, server.clock.instant(), true, null, true),
                new ByteArrayInputStream(SECRET_DOC));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static Headers acme() {
        return Headers.test(TestServer.TEST_KEY);
    }

    private static Headers globex() {
        return Headers.test(TestServer.OTHER_TEST_KEY);
    }

    @Test
    void acmeItselfCanReadAllOfIt() throws Exception {
        assertSuccess(server.get("/flow/" + flowId, acme()), 200);
        assertSuccess(server.get("/flow/" + flowId + "/result", acme()), 200);
        assertSuccess(server.get("/journal/session/" + livenessSessionId, acme()), 200);
        assertSuccess(server.get("/journal/session/" + uploadSessionId, acme()), 200);
        assertThat(server.get("/resources/file?label=bestframe&flow_id=" + flowId, acme()).bytes()).isEqualTo(SECRET_DOC);
        assertThat(server.get("/resources/file?label=bestframe&session_id=" + livenessSessionId, acme()).bytes()).isEqualTo(SECRET_DOC);
        assertThat(server.get("/resources/file?label=doc_original_front_img&session_id=" + uploadSessionId, acme()).bytes())
                .isEqualTo(SECRET_DOC);
        assertThat(server.get("/resources/file?label=bestframe&person_id=" + person, acme()).bytes()).isEqualTo(SECRET_DOC);
    }

    @Test
    void anotherConsumersFlowIsForbidden() throws Exception {
        Reply reply = server.get("/flow/" + flowId, globex());

        assertError(reply, 403, "FORBIDDEN", "flow_id");
        assertThat(reply.body()).doesNotContain(person);
    }

    @Test
    void anotherConsumersFlowResultIsForbidden() throws Exception {
        Reply reply = server.get("/flow/" + flowId + "/result", globex());

        assertError(reply, 403, "FORBIDDEN", "flow_id");
        assertThat(reply.body()).doesNotContain(person).doesNotContain(livenessSessionId);
    }

    @Test
    void anotherConsumersSessionIsNotFoundBecauseTheJournalListsNo403() throws Exception {
        assertError(server.get("/journal/session/" + livenessSessionId, globex()), 404, "NOT_FOUND", "session_id");
        assertError(server.get("/journal/session/" + uploadSessionId, globex()), 404, "NOT_FOUND", "session_id");
    }

    @Test
    void anotherConsumersSessionLooksExactlyLikeOneThatDoesNotExist() throws Exception {
        Reply theirs = server.get("/journal/session/" + livenessSessionId, globex());
        Reply none = server.get("/journal/session/" + com.github.f4b6a3.ulid.UlidCreator.getUlid() + "-S", globex());

        assertThat(theirs.body()).isEqualTo(none.body());
    }

    @Test
    void anotherConsumersFilesBySessionAreForbidden() throws Exception {
        assertError(server.get("/resources/file?label=bestframe&session_id=" + livenessSessionId, globex()),
                403, "FORBIDDEN", "session_id");
        assertError(server.get("/resources/file?label=doc_original_front_img&session_id=" + uploadSessionId, globex()),
                403, "FORBIDDEN", "session_id");
    }

    @Test
    void anotherConsumersFilesByFlowAreForbidden() throws Exception {
        assertError(server.get("/resources/file?label=bestframe&flow_id=" + flowId, globex()), 403, "FORBIDDEN", "flow_id");
    }

    @Test
    void aPersonIdOnlyFindsTheCallersOwnFiles() throws Exception {
        Reply reply = server.get("/resources/file?label=bestframe&person_id=" + person, globex());

        assertError(reply, 404, "NOT_FOUND", "label");
        assertThat(reply.bytes()).isNotEqualTo(SECRET_DOC);
        assertError(server.get("/resources/file?label=doc_original_front_img&person_id=" + person, globex()),
                404, "NOT_FOUND", "label");
    }

    @Test
    void aLivenessSessionOnAnotherConsumersFlowIsForbidden() throws Exception {
        Reply reply = server.postJson("/liveness2/session", globex(),
                "{\"person_id\":\"" + person + "\",\"flow_id\":\"" + flowId + "\"}");

        assertError(reply, 403, "FORBIDDEN", "flow_id");
        assertThat(server.storage.sessions().findByFlowId(flowId)).hasSize(1);
    }

    @Test
    void theSamePersonIdAtAnotherConsumerIsAnotherPerson() throws Exception {
        String theirFlow = createFlow(server, TestServer.OTHER_TEST_KEY, person);

        assertSuccess(server.get("/flow/" + theirFlow, globex()), 200);
        assertError(server.get("/flow/" + theirFlow, acme()), 403, "FORBIDDEN", "flow_id");
        assertError(server.get("/resources/file?label=bestframe&flow_id=" + theirFlow, globex()), 404, "NOT_FOUND", "label");
    }

    @Test
    void aMockeryScriptOfOneConsumerIsNotAnothers() throws Exception {
        Reply scripted = server.postJson("/mockery/result", globex(),
                "{\"person_id\":\"" + person + "\",\"result\":{\"service_name\":\"verilive\",\"service_status\":\"attack\"}}");

        assertThat(scripted.status()).isEqualTo(200);
        assertThat(server.storage.mockery().find("globex", person, "verilive")).isPresent();
        assertThat(server.storage.mockery().find("acme", person, "verilive")).isEmpty();
    }
}
