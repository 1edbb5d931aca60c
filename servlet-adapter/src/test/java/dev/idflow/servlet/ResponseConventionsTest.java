package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertSuccess;
import static dev.idflow.servlet.ApiAssertions.createFlow;
import static dev.idflow.servlet.ApiAssertions.createLivenessSession;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.ApiAssertions.upload;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Reply;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What every API answer has in common: no caching, no sniffing, ISO-8601 UTC times, no JSON nulls. */
class ResponseConventionsTest {
    static TestServer server;
    static String person;
    static String flowId;
    static String sessionId;
    static String uploadId;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
        // a clock with milliseconds, so fractional seconds go on the wire too
        server.clock.set(server.clock.instant().plusMillis(123));
        person = newPerson();
        flowId = createFlow(server, TestServer.TEST_KEY, person);
        sessionId = createLivenessSession(server, TestServer.TEST_KEY, person, flowId).get("session_id").asText();
        uploadId = upload(server, TestServer.TEST_KEY, person, "signed_doc", "application/pdf", "a.pdf", ApiAssertions.PDF);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static Headers acme() {
        return Headers.test(TestServer.TEST_KEY);
    }

    /** One answer of each kind: every operation's success, and errors of each status class. */
    private static List<Reply> answers() throws Exception {
        List<Reply> out = new ArrayList<>();
        out.add(server.postJson("/flow", acme(), ApiAssertions.flowBody(newPerson(), "verilive")));
        out.add(server.get("/flow/" + flowId, acme()));
        out.add(server.get("/flow/" + flowId + "/result", acme()));
        out.add(server.get("/journal/session/" + sessionId, acme()));
        out.add(server.postJson("/liveness2/session", acme(), "{\"person_id\":\"" + person + "\"}"));
        out.add(server.get("/resources/file?label=signed_doc&session_id=" + uploadId, acme()));
        out.add(server.postMultipart("/resources/storage", acme(), new TestServer.Multipart().field("label", "signed_doc")
                .field("person_id", person).file("upload_file", "b.pdf", "application/pdf", ApiAssertions.pdf("b"))));
        out.add(server.postJson("/mockery/result", acme(),
                "{\"person_id\":\"" + person + "\",\"result\":{\"service_name\":\"verilive\",\"service_status\":\"real\"}}"));
        out.add(server.get("/flow/" + flowId, new Headers()));
        out.add(server.get("/flow/" + flowId, Headers.test(TestServer.OTHER_TEST_KEY)));
        out.add(server.get("/journal/session/" + com.github.f4b6a3.ulid.UlidCreator.getUlid() + "-S", acme()));
        out.add(server.postJson("/flow", acme(), "{}"));
        out.add(server.get("/nowhere", acme()));
        return out;
    }

    @Test
    void everyAnswerForbidsCachingAndSniffing() throws Exception {
        for (Reply reply : answers()) {
            assertThat(reply.header("Cache-Control")).as("Cache-Control of a %s", reply.status()).hasValue("no-store");
            assertThat(reply.header("X-Content-Type-Options")).as("nosniff of a %s", reply.status()).hasValue("nosniff");
        }
    }

    @Test
    void noJsonAnswerContainsANull() throws Exception {
        for (Reply reply : answers()) {
            if (reply.header("Content-Type").orElse("").startsWith("application/json")) {
                ApiAssertions.assertJsonWithoutNulls(reply);
                assertThat(reply.body()).doesNotContain("null");
            }
        }
    }

    @Test
    void everyContractAnswerConformsToTheContract() throws Exception {
        for (Reply reply : answers()) {
            if (reply.report() != null) {
                assertThat(reply.report().getMessages()).as("%s %s", reply.status(), reply.body()).isEmpty();
            }
        }
    }

    @Test
    void timesAreIso8601InUtc() throws Exception {
        JsonNode flow = assertSuccess(server.get("/flow/" + flowId, acme()), 200);
        JsonNode result = assertSuccess(server.get("/flow/" + flowId + "/result", acme()), 200);
        JsonNode session = assertSuccess(server.get("/journal/session/" + sessionId, acme()), 200);

        List<String> times = new ArrayList<>();
        collectTimes(flow, times);
        collectTimes(result, times);
        collectTimes(session, times);

        assertThat(times).hasSizeGreaterThan(10);
        for (String time : times) {
            assertThat(time).as("a time on the wire").endsWith("Z");
            OffsetDateTime parsed = OffsetDateTime.parse(time, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            assertThat(parsed.getOffset()).isEqualTo(ZoneOffset.UTC);
        }
        assertThat(Instant.parse(flow.get("created_at").asText()).toEpochMilli() % 1000).isEqualTo(123);
    }

    private static void collectTimes(JsonNode node, List<String> out) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) node::fields) {
                if (e.getKey().endsWith("_at") || e.getKey().endsWith("_time")) {
                    out.add(e.getValue().asText());
                } else {
                    collectTimes(e.getValue(), out);
                }
            }
        } else if (node.isArray()) {
            node.forEach(n -> collectTimes(n, out));
        }
    }

    @Test
    void absentValuesAreOmitted() throws Exception {
        JsonNode flow = assertSuccess(server.get("/flow/" + createFlow(server, TestServer.TEST_KEY, newPerson()), acme()), 200);

        assertThat(ApiAssertions.fieldNames(flow)).doesNotContain("callback_url", "input_data", "input_meta", "template_id",
                "started_at", "current_step_started_at", "ended_at", "end_cause");
        assertThat(ApiAssertions.fieldNames(flow.get("template"))).containsExactly("pipeline");
    }

    @Test
    void anUnknownPathIsNotFoundAndAnUnsupportedMethodNamesTheAllowedOne() throws Exception {
        Reply nowhere = server.get("/nowhere", acme());
        assertThat(nowhere.status()).isEqualTo(404);
        assertThat(ApiAssertions.json(nowhere).get("error_code").asText()).isEqualTo("NOT_FOUND");

        Reply wrongMethod = server.send("DELETE", "/flow/" + flowId, acme(), java.net.http.HttpRequest.BodyPublishers.noBody(), null);
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.header("Allow")).hasValue("GET");
        // the flow is still there
        assertSuccess(server.get("/flow/" + flowId, acme()), 200);
    }
}
