package bank.onboarding;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.idflow.testkit.IdflowServer;
import dev.idflow.testkit.IdflowTest;
import dev.idflow.testkit.Mockery;
import dev.idflow.testkit.ScriptedLiveness;
import dev.idflow.testkit.SimulatedPerson;
import dev.idflow.testkit.SimulatedPersons;
import dev.idflow.testkit.TestClock;
import dev.idflow.testkit.WebhookDeliveries;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The README's example ("Testing your integration: the test kit"), as a bank writes it: its own HTTP
 * client (the code it runs against the SaaS in production), idflow from the kit, and a simulated customer.
 * The README shows this same code, kept in sync by hand: change both together (ReadmeExampleTest fails
 * when they differ).
 */
@IdflowTest
class OnboardingTest {

    /** The bank's integration code: it starts an onboarding and reads its outcome. */
    static final class KycClient {
        private final HttpClient http = HttpClient.newHttpClient();
        private final ObjectMapper json = new ObjectMapper();
        private final String baseUrl;
        private final String apiKey;

        KycClient(String baseUrl, String apiKey) {
            this.baseUrl = baseUrl;
            this.apiKey = apiKey;
        }

        /** POST /flow: consent, liveness, then an SMS code; returns {flow_id, vlink}. */
        JsonNode startOnboarding(String customerId, String phone, int ttlSeconds) throws Exception {
            String body = """
                    {"person_id": "%s", "ttl": %d, "callback_url": "https://bank.example/onboarding/done",
                     "input_data": {"phone_number": "%s"},
                     "template": {"pipeline": [{"service_name": "consent"}, {"service_name": "verilive"},
                                               {"service_name": "otp"}]}}""".formatted(customerId, ttlSeconds, phone);
            return send(HttpRequest.newBuilder(URI.create(baseUrl + "/flow"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)), 201);
        }

        /** GET /flow/{id}: flow_status and, once it ended, end_cause. */
        JsonNode flow(String flowId) throws Exception {
            return send(HttpRequest.newBuilder(URI.create(baseUrl + "/flow/" + flowId)).GET(), 200);
        }

        private JsonNode send(HttpRequest.Builder request, int expected) throws Exception {
            HttpResponse<String> r = http.send(request.header("X-Verigram-Api-Key", apiKey)
                    .header("X-Verigram-Api-Version", "2.0.0").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(expected);
            return json.readTree(r.body());
        }
    }

    /** The bank's webhook receiver: it keeps the flow_ended events it was sent. */
    static HttpServer receiver(List<String> flowEnded) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hooks/idflow", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes());
            if (body.contains("\"type\":\"flow_ended\"")) {
                flowEnded.add(body);
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        return server;
    }

    @Test
    void aCustomerWhoPassesEveryStepIsOnboarded(IdflowServer idflow, SimulatedPersons persons, Mockery mockery,
                                                WebhookDeliveries webhooks) throws Exception {
        List<String> flowEnded = new CopyOnWriteArrayList<>();
        HttpServer hooks = receiver(flowEnded);
        try {
            webhooks.registerReceiver("http://127.0.0.1:" + hooks.getAddress().getPort() + "/hooks/idflow",
                    "webhook-secret-of-the-bank-0001");
            KycClient bank = new KycClient(idflow.baseUrl(), idflow.testKey());

            JsonNode flow = bank.startOnboarding("customer-42", "+77011234567", 3600);
            mockery.liveness("customer-42", ScriptedLiveness.PASS);
            SimulatedPerson customer = persons.open(flow.get("vlink").asText());

            assertThat(customer.completeFlow().flowStatus()).isEqualTo("pass");
            assertThat(customer.callbackUrl())
                    .isEqualTo("https://bank.example/onboarding/done?flow_id=" + flow.get("flow_id").asText());
            assertThat(bank.flow(flow.get("flow_id").asText()).get("flow_status").asText()).isEqualTo("pass");
            webhooks.awaitDelivery("flow_ended", Duration.ofSeconds(5));
            assertThat(flowEnded).singleElement().asString().contains("\"flow_status\":\"pass\"");
        } finally {
            hooks.stop(0);
        }
    }

    @Test
    void aCustomerWhoNeverOpensTheLinkTimesOut(IdflowServer idflow, TestClock clock) throws Exception {
        KycClient bank = new KycClient(idflow.baseUrl(), idflow.testKey());
        String flowId = bank.startOnboarding("customer-43", "+77011234567", 3600).get("flow_id").asText();

        clock.advance(Duration.ofMinutes(61));

        JsonNode flow = bank.flow(flowId);
        assertThat(flow.get("flow_status").asText()).isEqualTo("fail");
        assertThat(flow.get("end_cause").asText()).isEqualTo("timeout");
    }
}
