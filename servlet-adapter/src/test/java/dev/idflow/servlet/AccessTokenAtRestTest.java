package dev.idflow.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.idflow.core.internal.Crypto;
import dev.idflow.core.model.ServiceSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A copy of the store holds no usable liveness bearer token, yet the person's device can use it. */
class AccessTokenAtRestTest {
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void theStoreKeepsOnlyTheTokensHashAndASealedCopy() throws Exception {
        TestServer.Reply created = server.postJson("/liveness2/session", TestServer.Headers.test(TestServer.TEST_KEY),
                "{\"person_id\":\"person-at-rest\"}");
        assertThat(created.status()).isEqualTo(201);
        JsonNode body = new ObjectMapper().readTree(created.body());
        String token = body.get("access_token").asText();

        ServiceSession stored = server.storage.sessions().findById(body.get("session_id").asText()).orElseThrow();

        assertThat(stored.liveness().accessTokenHash()).isEqualTo(Crypto.sha256Hex(token));
        assertThat(stored.liveness().sealedAccessToken()).doesNotContain(token).doesNotContain(token.replace("-", ""));
        TestServer.Reply session = server.send("GET", "/liveness2/client/session",
                new TestServer.Headers().add("Authorization", "Bearer " + token),
                java.net.http.HttpRequest.BodyPublishers.noBody(), null);
        assertThat(session.status()).isEqualTo(200);
        assertThat(new ObjectMapper().readTree(session.body()).get("session_id").asText())
                .isEqualTo(stored.sessionId());
    }
}
