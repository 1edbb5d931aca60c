package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertSuccess;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.internal.Crypto;
import dev.idflow.core.model.Flow;
import dev.idflow.servlet.PersonDevice.Created;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store keeps a vlink's hash and a sealed copy, never the token; every answer still shows the vlink. */
class VlinkAtRestTest {
    private static TestServer server;
    private static PersonDevice device;

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
    void theStoredFlowHoldsOnlyTheTokensHashAndASealedCopy() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]");

        Flow stored = server.storage.flows().findById(flow.flowId()).orElseThrow();

        assertThat(stored.vlinkHash()).isEqualTo(Crypto.sha256Hex(flow.vlinkId()));
        assertThat(stored.toString()).doesNotContain(flow.vlinkId());
        assertThat(server.storage.flows().findByVlinkHash(stored.vlinkHash()).orElseThrow().flowId())
                .isEqualTo(flow.flowId());
    }

    @Test
    void theConsumerAndThePersonStillSeeTheVlink() throws Exception {
        String person = newPerson();
        Created flow = device.createFlow(person, "[{\"service_name\":\"verilive\"}]");

        assertThat(device.flow(flow.flowId()).get("vlink").asText()).isEqualTo(flow.vlink());
        assertThat(device.state(flow.vlinkId()).get("flow_id").asText()).isEqualTo(flow.flowId());
        assertThat(server.get("/hf/" + flow.vlinkId(), new TestServer.Headers()).status()).isEqualTo(200);
        JsonNode session = device.livenessSession("{\"person_id\":\"" + person + "\",\"flow_id\":\"" + flow.flowId() + "\"}");
        assertThat(device.journal(session.get("session_id").asText()).get("vlink_id").asText()).isEqualTo(flow.vlinkId());
    }
}
