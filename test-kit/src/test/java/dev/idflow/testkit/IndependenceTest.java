package dev.idflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** Every test method has its own idflow: its own port, keys, store and clock. */
@IdflowTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IndependenceTest {
    private static IdflowServer first;
    private static String firstFlowId;

    @Test
    @Order(1)
    void theFirstTestMakesAFlow(IdflowServer server) throws Exception {
        first = server;
        firstFlowId = BankClient.test(server).createFlow("person-first", "[{\"service_name\":\"consent\"}]").flowId();
        assertThat(server.testKey()).isNotEqualTo(server.liveKey());
    }

    @Test
    @Order(2)
    void theSecondTestHasAnotherServerThatKnowsNothingOfIt(IdflowServer server) throws Exception {
        assertThat(server).isNotSameAs(first);
        assertThat(server.baseUrl()).isNotEqualTo(first.baseUrl());
        assertThat(server.testKey()).isNotEqualTo(first.testKey());
        HttpResponse<String> unknown = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(server.baseUrl() + "/flow/" + firstFlowId))
                .header("X-Verigram-Api-Key", server.testKey()).header("X-Verigram-Api-Version", "2.0.0").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
    }

    @Test
    @Order(3)
    void theFirstTestsServerWasStoppedWhenItEnded() {
        HttpClient http = HttpClient.newHttpClient();
        assertThat(refused(http, first.baseUrl() + "/openapi.json")).isTrue();
    }

    @Test
    @Order(4)
    void everyKitObjectOfOneTestBelongsToItsOneServer(IdflowServer server, TestClock clock, Mockery mockery,
                                                      SimulatedPersons persons, SentMessages messages,
                                                      WebhookDeliveries webhooks, dev.idflow.core.Idflow idflow) {
        assertThat(clock).isSameAs(server.clock());
        assertThat(mockery).isSameAs(server.mockery());
        assertThat(persons).isSameAs(server.persons());
        assertThat(messages).isSameAs(server.sentMessages());
        assertThat(webhooks).isSameAs(server.webhooks());
        assertThat(idflow).isSameAs(server.idflow());
    }

    private static boolean refused(HttpClient http, String url) {
        try {
            http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding());
            return false;
        } catch (java.io.IOException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
