package dev.idflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The bank's own receiver gets the webhooks, and the kit says which arrived, or why none did. */
@IdflowTest
class WebhookDeliveriesTest {
    private static final String SECRET = "receiver-secret-0001-abcdef";
    private HttpServer receiver;
    private final AtomicInteger received = new AtomicInteger();
    private volatile int answer = 204;
    private final java.util.List<Boolean> signaturesValid = new java.util.concurrent.CopyOnWriteArrayList<>();

    private String startReceiver() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hooks", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            signaturesValid.add(signedWithTheSecret(exchange.getRequestHeaders().getFirst("X-Idflow-Signature"), body));
            received.incrementAndGet();
            exchange.sendResponseHeaders(answer, -1);
            exchange.close();
        });
        receiver.start();
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks";
    }

    /** The receiver's check (docs/WEBHOOKS.md): v1 = hex HMAC-SHA256(secret, t + "." + body), compared in constant time. */
    private static boolean signedWithTheSecret(String header, byte[] body) {
        try {
            String t = header.replaceAll(".*t=([0-9]+).*", "$1");
            String v1 = header.replaceAll(".*v1=([0-9a-f]+).*", "$1");
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((t + ".").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            String expected = java.util.HexFormat.of().formatHex(mac.doFinal(body));
            return java.security.MessageDigest.isEqual(expected.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    v1.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (Exception e) {
            return false;
        }
    }

    @AfterEach
    void stopReceiver() {
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    void eachEventOfAFlowIsDeliveredToTheBanksReceiverAndAwaitedOnce(IdflowServer server, SimulatedPersons persons,
                                                                    WebhookDeliveries webhooks) throws Exception {
        String url = startReceiver();
        webhooks.registerReceiver(url, SECRET);
        BankClient.Flow flow = BankClient.test(server).createFlow("person-hooks", "[{\"service_name\":\"consent\"}]");
        persons.open(flow.vlink()).completeFlow();

        WebhookDeliveries.Delivery ended = webhooks.awaitDelivery("flow_ended", flow.flowId(), Duration.ofSeconds(5));

        assertThat(ended.url()).isEqualTo(url);
        assertThat(ended.status()).isEqualTo(204);
        assertThat(ended.payload().get("flow_status").asText()).isEqualTo("pass");
        assertThat(webhooks.awaitDelivery("session_ended", Duration.ofSeconds(5)).payload().get("service_name").asText())
                .isEqualTo("consent");
        assertThat(webhooks.delivered()).extracting(WebhookDeliveries.Delivery::type)
                .containsExactlyInAnyOrder("flow_started", "session_ended", "flow_ended");
        assertThat(received).hasValue(3);
        assertThat(signaturesValid).as("each request signed with the receiver's secret").containsExactly(true, true, true);
        assertThatThrownBy(() -> webhooks.awaitDelivery("flow_ended", Duration.ofMillis(50)))
                .as("each delivery is awaited once").isInstanceOf(AssertionError.class);
    }

    @Test
    void aReceiverThatFailsIsTriedAgainOnceTheClockPassedTheBackoff(IdflowServer server, SimulatedPersons persons,
                                                                    WebhookDeliveries webhooks, TestClock clock)
            throws Exception {
        answer = 503;
        webhooks.registerReceiver(startReceiver(), SECRET);
        BankClient.Flow flow = BankClient.test(server).createFlow("person-retry", "[{\"service_name\":\"consent\"}]");
        persons.open(flow.vlink()).completeFlow();

        assertThatThrownBy(() -> webhooks.awaitDelivery("flow_ended", Duration.ofMillis(200)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("no flow_ended webhook was delivered within PT0.2S")
                .hasMessageContaining("HTTP 503")
                .hasMessageContaining("advance it");

        answer = 204;
        clock.advance(Duration.ofHours(1));
        WebhookDeliveries.Delivery delivered = webhooks.awaitDelivery("flow_ended", Duration.ofSeconds(5));
        assertThat(delivered.attempt()).isGreaterThan(1);
    }

    @Test
    void withoutAReceiverTheFailureSaysToRegisterOne(WebhookDeliveries webhooks) {
        assertThatThrownBy(() -> webhooks.awaitDelivery("flow_started", Duration.ofMillis(20)))
                .hasMessageContaining("no receiver is registered on consumer bank")
                .hasMessageContaining("registerReceiver(url, secret)");
    }

    @Test
    void anUnknownEventTypeIsRefusedNamingTheKnownOnes(WebhookDeliveries webhooks) {
        assertThatThrownBy(() -> webhooks.awaitDelivery("flow_finished", Duration.ofMillis(20)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("eventType: must be one of flow_started, session_ended, flow_ended; was flow_finished");
    }
}
