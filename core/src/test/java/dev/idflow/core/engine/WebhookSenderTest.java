package dev.idflow.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.model.FlowEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class WebhookSenderTest {

    @Test
    void theBackoffDoublesFromTenSecondsToAnHourWithAtMostHalfTakenOffAsJitter() {
        assertThat(WebhookSender.backoff(1, 0.999999)).isBetween(Duration.ofMillis(9_999), Duration.ofSeconds(10));
        assertThat(WebhookSender.backoff(1, 0)).isEqualTo(Duration.ofSeconds(5));
        assertThat(WebhookSender.backoff(2, 0)).isEqualTo(Duration.ofSeconds(10));
        assertThat(WebhookSender.backoff(5, 0)).isEqualTo(Duration.ofSeconds(80));
        assertThat(WebhookSender.backoff(9, 0.999999)).isLessThanOrEqualTo(Duration.ofHours(1));
        assertThat(WebhookSender.backoff(60, 0)).isEqualTo(Duration.ofMinutes(30));
        assertThat(WebhookSender.backoff(60, 0.5)).isEqualTo(Duration.ofMinutes(45));
    }

    @Test
    void theSignatureIsAnHmacOfTheTimeAndTheBody() {
        byte[] body = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        // echo -n '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'whsec-test-secret-1'
        assertThat(WebhookSender.signatureHeader("whsec-test-secret-1".getBytes(StandardCharsets.UTF_8), 1700000000L, body))
                .isEqualTo("t=1700000000,v1=" + OPENSSL);
    }

    private static final String OPENSSL = "b621af56a73e80e9c7d7a1b381fb76fec2b8f07454e0b1ca06211d14663f8685";

    @Test
    void theBodyNamesTheEventAndCarriesItsPayload() {
        FlowEvent e = new FlowEvent("E1", FlowEvent.Type.SESSION_ENDED, "bank", "F1", "S1",
                dev.idflow.core.internal.Json.mapper().createObjectNode().put("session_status", "pass"),
                Instant.parse("2026-01-05T10:00:00Z"));
        assertThat(new String(WebhookSender.body(e), StandardCharsets.UTF_8)).isEqualTo("{\"event_id\":\"E1\","
                + "\"type\":\"session_ended\",\"created_at\":\"2026-01-05T10:00:00Z\",\"consumer_id\":\"bank\","
                + "\"flow_id\":\"F1\",\"session_id\":\"S1\",\"payload\":{\"session_status\":\"pass\"}}");
    }
}
