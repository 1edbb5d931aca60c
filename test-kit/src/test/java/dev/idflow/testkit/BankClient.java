package dev.idflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicLong;

/** The kit's tests' stand-in for a bank's back end: the consumer API with the kit's test or live key. */
final class BankClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final IdflowServer server;
    private final boolean live;
    /** A live request is served once: each gets a ts of its own (the clock stands still in a test). */
    private final AtomicLong lastTs = new AtomicLong();

    private BankClient(IdflowServer server, boolean live) {
        this.server = server;
        this.live = live;
    }

    static BankClient test(IdflowServer server) {
        return new BankClient(server, false);
    }

    static BankClient live(IdflowServer server) {
        return new BankClient(server, true);
    }

    record Flow(String flowId, String vlink) {
    }

    /** POST /flow for {@code person} with {@code pipeline} (a JSON array) and more top-level members. */
    Flow createFlow(String person, String pipeline, String extra) throws Exception {
        JsonNode created = send("POST", "/flow", "{\"person_id\":\"" + person + "\"" + (extra == null ? "" : "," + extra)
                + ",\"template\":{\"pipeline\":" + pipeline + "}}", 201);
        return new Flow(created.get("flow_id").asText(), created.get("vlink").asText());
    }

    Flow createFlow(String person, String pipeline) throws Exception {
        return createFlow(person, pipeline, null);
    }

    JsonNode flow(String flowId) throws Exception {
        return send("GET", "/flow/" + flowId, null, 200);
    }

    JsonNode result(String flowId) throws Exception {
        return send("GET", "/flow/" + flowId + "/result", null, 200);
    }

    private JsonNode send(String method, String path, String body, int expected) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("X-Verigram-Api-Version", "2.0.0");
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (live) {
            long now = server.clock().instant().getEpochSecond();
            long ts = lastTs.updateAndGet(last -> last == 0 ? now : Math.max(now - 200, last - 1));
            b.header("X-Verigram-Api-Key", server.liveKey()).header("X-Verigram-Ts", Long.toString(ts))
                    .header("X-Verigram-Hmac-SHA256", server.signLive(ts, path));
        } else {
            b.header("X-Verigram-Api-Key", server.testKey());
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s %s → %s", method, path, r.body()).isEqualTo(expected);
        return JSON.readTree(r.body());
    }
}
