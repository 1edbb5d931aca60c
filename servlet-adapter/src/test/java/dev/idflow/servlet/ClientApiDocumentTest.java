package dev.idflow.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.servlet.TestServer.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the client API answers is what the served /openapi.json says it answers. */
class ClientApiDocumentTest {
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static void conforms(String method, String path, Reply reply) throws Exception {
        assertThat(server.validateAgainstServedDocument(method, path, reply).getMessages())
                .as("%s %s → %s %s", method, path, reply.status(), reply.body()).isEmpty();
    }

    @Test
    void aWholeHostedFlowAnswersAsTheServedDocumentDescribes() throws Exception {
        PersonDevice device = PersonDevice.testKey(server);
        device.script("person-doc-01", "verilive", "real");
        PersonDevice.Created flow = device.createFlow("person-doc-01",
                "[{\"service_name\":\"consent\"},{\"service_name\":\"verilive\",\"native\":false}]");
        String hf = "/hf/" + flow.vlinkId() + "/api";

        conforms("GET", hf + "/state", device.stateReply(flow.vlinkId()));
        conforms("POST", hf + "/start", device.startReply(flow.vlinkId()));
        conforms("POST", hf + "/steps/step-2/submit", device.submitReply(flow.vlinkId(), "step-2", "{\"accepted\":true}"));
        conforms("POST", hf + "/steps/step-1/submit", device.submitReply(flow.vlinkId(), "step-1", "{\"accepted\":true}"));
        Reply state = device.stateReply(flow.vlinkId());
        conforms("GET", hf + "/state", state);
        JsonNode step = device.state(flow.vlinkId()).get("current_step");
        String token = step.get("access_token").asText();
        conforms("GET", "/liveness2/client/session", device.clientSession(token));
        Reply attempt = device.attemptReply(token, device.honestAttempt(step));
        assertThat(attempt.status()).isEqualTo(200);
        conforms("POST", "/liveness2/client/attempts", attempt);
        conforms("POST", "/liveness2/client/attempts", device.attemptReply(token, device.honestAttempt(step)));
        conforms("GET", "/liveness2/client/session", device.clientSession("not-a-token"));
        conforms("GET", "/hf/unknown-link-0000000000000000/api/state", device.stateReply("unknown-link-0000000000000000"));
    }
}
