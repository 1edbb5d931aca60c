package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.assertSuccess;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.statuses;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.Audit;
import dev.idflow.core.model.AuditRecord;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Multipart;
import dev.idflow.servlet.TestServer.Reply;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code DELETE /persons/{person_id}} through a real Jetty: 204, again 204, and afterwards every id of the
 * person (flows, sessions, files, the vlink) answers 404 to that key's kind; the other kind's data and
 * another consumer's stay; the erasure is in the audit trail with the key's display form.
 */
class PersonErasureTest {
    static TestServer server;
    static PersonDevice test;
    static PersonDevice live;
    static PersonDevice globex;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
        test = PersonDevice.testKey(server);
        live = PersonDevice.liveKey(server);
        globex = PersonDevice.testKeyOf(server, TestServer.OTHER_TEST_KEY);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** What one kind of one consumer keeps of a person, as the API names it. */
    private record Ids(Created flow, List<String> sessions, String uploadId) {
    }

    private static Ids testData(PersonDevice device, String person) throws Exception {
        Headers key = Headers.test(device == globex ? TestServer.OTHER_TEST_KEY : TestServer.TEST_KEY);
        Reply scripted = server.postJson("/mockery/result", key, "{\"person_id\":\"" + person
                + "\",\"result\":{\"service_name\":\"verilive\",\"service_status\":\"real\"}}");
        assertThat(scripted.status()).as(scripted.body()).isEqualTo(200);
        Created flow = device.createFlow(person, "[{\"service_name\":\"verilive\"}]");
        device.start(flow.vlinkId());
        assertThat(device.doLiveness(flow.vlinkId()).get("success").asBoolean()).isTrue();
        List<String> sessions = new ArrayList<>();
        for (JsonNode s : statuses(device.result(flow.flowId()))) {
            sessions.add(s.get("session_id").asText());
        }
        sessions.add(device.livenessSession("{\"person_id\":\"" + person + "\"}").get("session_id").asText());
        return new Ids(flow, sessions, upload(key, person));
    }

    private static Ids liveData(String person) throws Exception {
        Created flow = live.createFlow(person, "[{\"service_name\":\"consent\"}]");
        String sessionId = live.livenessSession("{\"person_id\":\"" + person + "\"}").get("session_id").asText();
        return new Ids(flow, List.of(sessionId), upload(server.live("/resources/storage"), person));
    }

    private static String upload(Headers headers, String person) throws Exception {
        Reply r = server.postMultipart("/resources/storage", headers, new Multipart().field("label", "doc_original_front_img")
                .field("person_id", person).file("upload_file", "front.png", "image/png",
                        ("scan of " + person).getBytes(StandardCharsets.UTF_8)));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return ApiAssertions.json(r).get("session_id").asText();
    }

    private static Reply erase(Headers headers, String person) throws Exception {
        return server.send("DELETE", "/persons/" + person, headers, HttpRequest.BodyPublishers.noBody(), null);
    }

    private static void assertAllGone(PersonDevice device, Ids ids, String person) throws Exception {
        assertError(device.flowReply(ids.flow.flowId()), 404, "NOT_FOUND", "flow_id");
        assertThat(device.resultReply(ids.flow.flowId()).status()).isEqualTo(404);
        for (String s : ids.sessions) {
            String path = "/journal/session/" + s;
            assertThat(server.get(path, headersOf(device, path)).status()).as("session " + s).isEqualTo(404);
        }
        assertThat(device.file("label=bestframe&person_id=" + person).status()).isEqualTo(404);
        assertThat(device.file("label=doc_original_front_img&person_id=" + person, "*/*").status()).isEqualTo(404);
        assertThat(device.file("label=doc_original_front_img&session_id=" + ids.uploadId, "*/*").status()).isEqualTo(404);
        assertThat(device.stateReply(ids.flow.vlinkId()).status()).as("the vlink").isEqualTo(404);
    }

    private static void assertAllThere(PersonDevice device, Ids ids, String person) throws Exception {
        assertThat(device.flowReply(ids.flow.flowId()).status()).isEqualTo(200);
        for (String s : ids.sessions) {
            String path = "/journal/session/" + s;
            assertThat(server.get(path, headersOf(device, path)).status()).as("session " + s).isEqualTo(200);
        }
        assertThat(device.file("label=doc_original_front_img&session_id=" + ids.uploadId, "*/*").status()).isEqualTo(200);
        assertThat(device.stateReply(ids.flow.vlinkId()).status()).isEqualTo(200);
    }

    private static Headers headersOf(PersonDevice device, String path) {
        if (device == live) {
            return server.live(path);
        }
        return Headers.test(device == globex ? TestServer.OTHER_TEST_KEY : TestServer.TEST_KEY);
    }

    @Test
    void aTestKeyErasesThePersonsTestDataOnlyAndAgainIs204() throws Exception {
        String person = newPerson();
        Ids testIds = testData(test, person);
        Ids liveIds = liveData(person);
        Ids otherConsumer = testData(globex, person);
        assertThat(test.file("label=bestframe&person_id=" + person).status()).isEqualTo(200);

        Reply erased = erase(Headers.test(TestServer.TEST_KEY), person);
        assertThat(erased.status()).as(erased.body()).isEqualTo(204);
        assertThat(erased.bytes()).isEmpty();
        assertThat(erase(Headers.test(TestServer.TEST_KEY), person).status()).as("idempotent").isEqualTo(204);

        assertAllGone(test, testIds, person);
        assertAllThere(live, liveIds, person);
        assertAllThere(globex, otherConsumer, person);
        assertThat(globex.file("label=bestframe&person_id=" + person).status()).isEqualTo(200);
        // the sandbox script went with the person
        assertThat(server.storage.mockery().find("acme", person, "verilive")).isEmpty();

        List<AuditRecord> records = server.idflow.audit().list("acme", server.clock.instant().minusSeconds(60),
                server.clock.instant().plusSeconds(1), null).records().stream()
                .filter(r -> r.action().equals("person.erase")
                        && server.idflow.audit().personRef("acme", person).equals(r.targetId())).toList();
        assertThat(records).hasSize(2);
        assertThat(records.get(0).actor()).startsWith("api_key:test_").doesNotContain(TestServer.TEST_KEY);
        assertThat(records.get(0).at()).isEqualTo(server.clock.instant());
        assertThat(server.idflow.audit().list("globex", server.clock.instant().minusSeconds(60),
                server.clock.instant().plusSeconds(1), null).records()).noneMatch(r -> r.action().equals("person.erase"));
    }

    @Test
    void aLiveKeyErasesThePersonsLiveDataOnly() throws Exception {
        String person = newPerson();
        Ids testIds = testData(test, person);
        Ids liveIds = liveData(person);

        String path = "/persons/" + person;
        assertThat(erase(server.live(path), person).status()).isEqualTo(204);
        server.clock.advance(Duration.ofSeconds(1));
        assertThat(erase(server.live(path), person).status()).isEqualTo(204);

        assertAllGone(live, liveIds, person);
        assertAllThere(test, testIds, person);
    }

    @Test
    void aPersonNeverSeenIs204AndABadPersonIdIs422AndNoKeyIs401() throws Exception {
        assertThat(erase(Headers.test(TestServer.TEST_KEY), newPerson()).status()).isEqualTo(204);
        assertThat(ApiAssertions.assertErrorShape(erase(Headers.test(TestServer.TEST_KEY), "abc"), 422, "INVALID_PAYLOAD")
                .get("error_msg").asText()).startsWith("person_id: must be 6–48 characters");
        assertThat(ApiAssertions.assertErrorShape(erase(Headers.test(TestServer.TEST_KEY), "a%20b%20c%20d"), 422,
                "INVALID_PAYLOAD").get("error_msg").asText()).startsWith("person_id:");
        assertThat(erase(new Headers(), newPerson()).status()).isEqualTo(401);
        // a live key's request must be signed like every other
        assertThat(erase(Headers.test(TestServer.LIVE_KEY), newPerson()).status()).isEqualTo(401);
    }

    @Test
    void theServedOpenApiDocumentDescribesTheErasure() throws Exception {
        JsonNode doc = ApiAssertions.json(server.get("/openapi.json", new Headers()));
        JsonNode op = doc.at("/paths/~1persons~1{person_id}/delete");
        assertThat(op.isMissingNode()).isFalse();
        List<String> statuses = new ArrayList<>();
        op.get("responses").fieldNames().forEachRemaining(statuses::add);
        assertThat(statuses).containsExactlyInAnyOrder("204", "401", "422", "429", "500");
        assertThat(Audit.PAGE).isPositive();
    }
}
