package dev.idflow.storage.jdbi;

import static dev.idflow.storage.jdbi.DirectCall.call;
import static dev.idflow.storage.jdbi.DirectCall.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.Idflow;
import dev.idflow.core.Webhooks;
import dev.idflow.core.model.WebhookDelivery;
import dev.idflow.core.testing.SettableClock;
import dev.idflow.storage.jdbi.TestDatabases.Kind;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Webhooks end to end on H2, against a real HTTP receiver on loopback: signed bodies, each event once,
 * retries after 500s and timeouts on a backoff that moves with the test's clock, dead after 24 h, and
 * the address guard at registration and at each send.
 */
class WebhookDeliveryTest {
    private static final String KEY = "webhook-test-key-5c1e9a7b3d2f4e60a8";
    private static final String SECRET = "whsec-7f3a9c1e5b2d4f6a";
    private static final ObjectMapper JSON = new ObjectMapper();

    private HikariDataSource db;
    private WebhookReceiver receiver;
    private final SettableClock clock = new SettableClock(Instant.parse("2026-01-05T10:00:00Z"));
    private Idflow node;

    @BeforeEach
    void start() throws Exception {
        db = TestDatabases.fresh(Kind.H2);
        receiver = new WebhookReceiver();
        node = node(b -> b.webhookAllowLoopback(true));
    }

    @AfterEach
    void stop() throws Exception {
        node.close();
        receiver.close();
        db.close();
    }

    private Idflow node(Consumer<Idflow.Builder> customize) {
        Idflow.Builder b = Idflow.builder().storage(JdbiStorage.builder(db).build()).clock(clock)
                .publicBaseUrl("https://bank.example/kyc").secretKey(new byte[32])
                .rateLimits(10_000, 10_000, 10_000, 10_000)
                .webhookTimeouts(Duration.ofSeconds(2), Duration.ofMillis(300));
        customize.accept(b);
        Idflow idflow = b.build();
        if (idflow.storage().apiKeys().findConsumer("bank").isEmpty()) { // the second node shares the first's
            idflow.registerConsumer("bank", "Bank");
            idflow.addTestKey("bank", KEY);
        }
        return idflow;
    }

    /** A consent flow, started and accepted: FLOW_STARTED, SESSION_ENDED, FLOW_ENDED. */
    private String completedFlow(Idflow on) throws Exception {
        JsonNode created = json(call(on, "POST", "/flow", KEY, "{\"person_id\":\"person-1\",\"template\":{\"pipeline\":"
                + "[{\"service_name\":\"consent\"}]}}"), 201);
        String vlink = created.get("vlink").asText();
        String token = vlink.substring(vlink.lastIndexOf('/') + 1);
        json(call(on, "POST", "/hf/" + token + "/api/start", null, ""), 200);
        json(call(on, "POST", "/hf/" + token + "/api/steps/step-1/submit", null, "{\"accepted\":true}"), 200);
        return created.get("flow_id").asText();
    }

    /** A flow just started: one event, FLOW_STARTED. */
    private String startedFlow() throws Exception {
        JsonNode created = json(call(node, "POST", "/flow", KEY, "{\"person_id\":\"person-2\",\"template\":{\"pipeline\":"
                + "[{\"service_name\":\"consent\"}]}}"), 201);
        String vlink = created.get("vlink").asText();
        json(call(node, "POST", "/hf/" + vlink.substring(vlink.lastIndexOf('/') + 1) + "/api/start", null, ""), 200);
        return created.get("flow_id").asText();
    }

    private WebhookDelivery onlyDelivery() {
        List<WebhookDelivery> log = node.webhooks().deliveries("bank", 10);
        assertThat(log).hasSize(1);
        return log.get(0);
    }

    private static String hmacHex(String secret, String message) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void deliveriesAreCountedAndTimedAndTheBacklogIsReadFromTheStore() throws Exception {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        node.close();
        node = node(b -> b.webhookAllowLoopback(true).meterRegistry(registry));
        node.webhooks().register("bank", receiver.url(), SECRET);
        startedFlow();
        assertThat(registry.get("idflow.webhook.backlog").gauge().value()).as("one event waiting").isEqualTo(1.0);

        receiver.answer = () -> 500;
        node.webhooks().sendOnce();
        assertThat(registry.get("idflow.webhook.deliveries").tag("outcome", "retried").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("idflow.webhook.backlog").gauge().value()).as("still waiting").isEqualTo(1.0);

        receiver.answer = () -> 200;
        clock.advance(Duration.ofHours(1));
        node.webhooks().sendOnce();
        assertThat(registry.get("idflow.webhook.deliveries").tag("outcome", "delivered").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("idflow.webhook.latency").timer().count()).as("both exchanges timed").isEqualTo(2);
        assertThat(registry.get("idflow.webhook.backlog").gauge().value()).isZero();
    }

    @Test
    void everyEventArrivesOnceSignedWithTheEndpointsSecret() throws Exception {
        Webhooks.Endpoint endpoint = node.webhooks().register("bank", receiver.url(), SECRET);
        String flow1 = completedFlow(node);
        String flow2 = completedFlow(node);

        assertThat(node.webhooks().sendOnce()).isEqualTo(6);
        assertThat(node.webhooks().sendOnce()).as("nothing is sent twice").isZero();

        assertThat(receiver.received).hasSize(6);
        for (WebhookReceiver.Received r : receiver.received) {
            String signature = r.header("X-Idflow-Signature");
            assertThat(signature).matches("t=\\d+,v1=[0-9a-f]{64}");
            String t = signature.substring(2, signature.indexOf(','));
            assertThat(Long.parseLong(t)).isEqualTo(clock.instant().getEpochSecond());
            assertThat(signature.substring(signature.indexOf("v1=") + 3)).isEqualTo(hmacHex(SECRET, t + "." + r.body()));
            assertThat(signature.substring(signature.indexOf("v1=") + 3))
                    .as("another secret does not verify").isNotEqualTo(hmacHex(SECRET + "x", t + "." + r.body()));
            JsonNode body = JSON.readTree(r.body());
            assertThat(r.header("X-Idflow-Event-Id")).isEqualTo(body.get("event_id").asText());
            assertThat(r.header("Content-Type")).isEqualTo("application/json");
            assertThat(r.header("X-Idflow-Delivery-Attempt")).isEqualTo("1");
            assertThat(body.get("consumer_id").asText()).isEqualTo("bank");
            assertThat(body.get("flow_id").asText()).isIn(flow1, flow2);
            assertThat(body.get("payload").isObject()).isTrue();
            if (!body.get("type").asText().equals("session_ended")) {
                assertThat(body.get("payload").get("person_id").asText()).isEqualTo("person-1");
            }
            assertThat(Instant.parse(body.get("created_at").asText())).isEqualTo(clock.instant());
            assertThat(r.body()).doesNotContain(SECRET);
        }
        List<JsonNode> bodies = receiver.received.stream().map(r -> {
            try {
                return JSON.readTree(r.body());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
        assertThat(bodies.stream().map(b -> b.get("event_id").asText()).distinct()).hasSize(6);
        assertThat(bodies.stream().filter(b -> b.get("flow_id").asText().equals(flow1)).map(b -> b.get("type").asText()))
                .containsExactlyInAnyOrder("flow_started", "session_ended", "flow_ended");
        JsonNode sessionEnded = bodies.stream().filter(b -> b.get("type").asText().equals("session_ended")).findFirst()
                .orElseThrow();
        assertThat(sessionEnded.get("session_id").isTextual()).isTrue();
        assertThat(bodies.stream().filter(b -> b.get("type").asText().equals("flow_started")).findFirst().orElseThrow()
                .get("session_id").isNull()).isTrue();

        List<WebhookDelivery> log = node.webhooks().deliveries("bank", 100);
        assertThat(log).hasSize(6).allSatisfy(d -> {
            assertThat(d.state()).isEqualTo(WebhookDelivery.State.DELIVERED);
            assertThat(d.attempts()).isEqualTo(1);
            assertThat(d.lastStatus()).isEqualTo(200);
            assertThat(d.endpointId()).isEqualTo(endpoint.endpointId());
            assertThat(d.deliveredAt()).isEqualTo(clock.instant());
            assertThat(d.nextAttemptAt()).isNull();
        });
    }

    @Test
    void a500IsRetriedOnABackoffThatMovesWithTheClock() throws Exception {
        node.webhooks().register("bank", receiver.url(), SECRET);
        AtomicInteger answered = new AtomicInteger();
        receiver.answer = () -> answered.incrementAndGet() <= 3 ? 500 : 204;
        startedFlow();
        Instant created = clock.instant();

        assertThat(node.webhooks().sendOnce()).isZero();
        WebhookDelivery first = onlyDelivery();
        assertThat(first.state()).isEqualTo(WebhookDelivery.State.PENDING);
        assertThat(first.attempts()).isEqualTo(1);
        assertThat(first.lastStatus()).isEqualTo(500);
        // 10 s, less up to half of it as jitter
        assertThat(Duration.between(first.lastAttemptAt(), first.nextAttemptAt()))
                .isBetween(Duration.ofSeconds(5), Duration.ofSeconds(10));

        clock.set(first.nextAttemptAt().minusMillis(1));
        assertThat(node.webhooks().sendOnce()).isZero();
        assertThat(receiver.received).as("not before it is due").hasSize(1);

        clock.set(first.nextAttemptAt());
        node.webhooks().sendOnce();
        WebhookDelivery second = onlyDelivery();
        assertThat(second.attempts()).isEqualTo(2);
        assertThat(Duration.between(second.lastAttemptAt(), second.nextAttemptAt()))
                .isBetween(Duration.ofSeconds(10), Duration.ofSeconds(20));

        clock.set(second.nextAttemptAt());
        node.webhooks().sendOnce();
        WebhookDelivery third = onlyDelivery();
        assertThat(Duration.between(third.lastAttemptAt(), third.nextAttemptAt()))
                .isBetween(Duration.ofSeconds(20), Duration.ofSeconds(40));

        clock.set(third.nextAttemptAt());
        assertThat(node.webhooks().sendOnce()).isEqualTo(1);
        WebhookDelivery done = onlyDelivery();
        assertThat(done.state()).isEqualTo(WebhookDelivery.State.DELIVERED);
        assertThat(done.attempts()).isEqualTo(4);
        assertThat(done.lastStatus()).isEqualTo(204);
        assertThat(done.createdAt()).isEqualTo(created);

        assertThat(receiver.received).hasSize(4);
        assertThat(receiver.received.stream().map(WebhookReceiver.Received::body).distinct())
                .as("the same body every time").hasSize(1);
        assertThat(receiver.received.stream().map(r -> r.header("X-Idflow-Delivery-Attempt")))
                .containsExactly("1", "2", "3", "4");
    }

    @Test
    void aReceiverThatDoesNotAnswerInTimeIsTriedAgain() throws Exception {
        node.webhooks().register("bank", receiver.url(), SECRET);
        receiver.answer = () -> -1; // holds the request past the 300 ms request timeout
        startedFlow();

        assertThat(node.webhooks().sendOnce()).isZero();
        WebhookDelivery timedOut = onlyDelivery();
        assertThat(timedOut.state()).isEqualTo(WebhookDelivery.State.PENDING);
        assertThat(timedOut.lastStatus()).isNull();
        assertThat(timedOut.lastError()).startsWith("timeout");

        receiver.answer = () -> 200;
        clock.set(timedOut.nextAttemptAt());
        assertThat(node.webhooks().sendOnce()).isEqualTo(1);
        assertThat(onlyDelivery().state()).isEqualTo(WebhookDelivery.State.DELIVERED);
        assertThat(onlyDelivery().attempts()).isEqualTo(2);
    }

    @Test
    void aDeliveryIsDeadWhenRetryingForADayDidNotHelp() throws Exception {
        node.webhooks().register("bank", receiver.url(), SECRET);
        receiver.answer = () -> 503;
        startedFlow();
        Instant created = clock.instant();

        WebhookDelivery d;
        int rounds = 0;
        while (true) {
            node.webhooks().sendOnce();
            d = onlyDelivery();
            if (d.state() != WebhookDelivery.State.PENDING) {
                break;
            }
            assertThat(++rounds).as("attempts before dying").isLessThan(200);
            clock.set(d.nextAttemptAt());
        }

        assertThat(d.state()).isEqualTo(WebhookDelivery.State.DEAD);
        assertThat(d.lastStatus()).isEqualTo(503);
        assertThat(d.nextAttemptAt()).isNull();
        assertThat(d.lastAttemptAt()).isBefore(created.plus(Duration.ofHours(24)))
                .isAfter(created.plus(Duration.ofHours(22)));
        // 10 s doubling to the 1 h cap (at least 30 min with jitter): about 30 attempts in the day
        assertThat(d.attempts()).isBetween(24, 60).isEqualTo(receiver.received.size());
        clock.advance(Duration.ofDays(2));
        node.webhooks().sendOnce();
        assertThat(receiver.received).as("a dead delivery is not sent again").hasSize(d.attempts());
    }

    @Test
    void registrationRefusesPrivateTargetsNamingTheFieldAndTheRule() throws Exception {
        try (Idflow strict = node(b -> b.webhookResolver(host -> switch (host) {
            case "hooks.bank.example" -> new InetAddress[] {InetAddress.getByName("93.184.216.34")};
            case "intranet.bank.example" -> new InetAddress[] {InetAddress.getByName("93.184.216.34"),
                    InetAddress.getByName("10.1.2.3")};
            default -> InetAddress.getAllByName(host);
        }))) {
            Webhooks w = strict.webhooks();
            assertThatThrownBy(() -> w.register("bank", receiver.url(), SECRET))
                    .hasMessage("url: host 127.0.0.1 resolves to the loopback address 127.0.0.1, and this host does "
                            + "not allow loopback webhook targets");
            assertThatThrownBy(() -> w.register("bank", "https://intranet.bank.example/h", SECRET))
                    .hasMessageStartingWith("url: host intranet.bank.example resolves to the private address 10.1.2.3");
            assertThatThrownBy(() -> w.register("bank", "https://192.168.0.10/h", SECRET))
                    .hasMessageContaining("private address 192.168.0.10");
            assertThatThrownBy(() -> w.register("bank", "https://[fd12::1]/h", SECRET))
                    .hasMessageContaining("private address fd12:0:0:0:0:0:0:1");
            assertThatThrownBy(() -> w.register("bank", "https://169.254.1.1/h", SECRET))
                    .hasMessageContaining("link-local address 169.254.1.1");
            assertThatThrownBy(() -> w.register("bank", "https://169.254.169.254/latest", SECRET))
                    .hasMessageContaining("metadata address 169.254.169.254, which is never a webhook target");
            assertThatThrownBy(() -> w.register("bank", "https://[::ffff:127.0.0.1]/h", SECRET))
                    .hasMessageContaining("loopback address 127.0.0.1");
            assertThatThrownBy(() -> w.register("bank", "https://0.0.0.0/h", SECRET))
                    .hasMessageContaining("unspecified address");
            assertThatThrownBy(() -> w.register("bank", "https://224.0.0.1/h", SECRET))
                    .hasMessageContaining("multicast address");
            assertThatThrownBy(() -> w.register("bank", "http://hooks.bank.example/h", SECRET))
                    .hasMessageStartingWith("url: must use https");
            assertThatThrownBy(() -> w.register("bank", "ftp://hooks.bank.example/h", SECRET))
                    .hasMessageStartingWith("url: must be an absolute http or https URL");
            assertThatThrownBy(() -> w.register("bank", "https://user:pw@hooks.bank.example/h", SECRET))
                    .hasMessageStartingWith("url: must not carry user info");
            assertThatThrownBy(() -> w.register("bank", "https://hooks.bank.example/h", "short"))
                    .hasMessage("secret: " + Webhooks.SECRET_RULE + "; this one has 5 characters");
            assertThatThrownBy(() -> w.register("nobody", "https://hooks.bank.example/h", SECRET))
                    .hasMessageStartingWith("consumerId: no consumer nobody");
            assertThat(w.list("bank")).as("nothing refused was stored").isEmpty();

            Webhooks.Endpoint ok = w.register("bank", "https://hooks.bank.example/h", SECRET);
            assertThat(w.list("bank")).containsExactly(ok);
            assertThat(ok.toString()).doesNotContain(SECRET);
        }
        // the demo's allowance: loopback over http
        assertThat(node.webhooks().register("bank", receiver.url(), SECRET).url()).isEqualTo(receiver.url());
    }

    @Test
    void aNameThatResolvesToLoopbackAtSendTimeIsRefusedThen() throws Exception {
        AtomicReference<String> address = new AtomicReference<>("93.184.216.34");
        try (Idflow strict = node(b -> b.webhookAllowHttp(true).webhookResolver(host -> host.equals("rebind.bank.example")
                ? new InetAddress[] {InetAddress.getByName(address.get())} : InetAddress.getAllByName(host)))) {
            strict.webhooks().register("bank", "http://rebind.bank.example:" + receiver.port() + "/hook", SECRET);
            address.set("127.0.0.1"); // the DNS answer changed after registration
            completedFlow(strict);

            assertThat(strict.webhooks().sendOnce()).isZero();

            List<WebhookDelivery> log = strict.webhooks().deliveries("bank", 10);
            assertThat(log).hasSize(3).allSatisfy(d -> {
                assertThat(d.state()).isEqualTo(WebhookDelivery.State.PENDING);
                assertThat(d.lastStatus()).isNull();
                assertThat(d.lastError()).isEqualTo("refused: url: host rebind.bank.example resolves to the loopback "
                        + "address 127.0.0.1, and this host does not allow loopback webhook targets");
            });
            assertThat(receiver.received).isEmpty();
        }
    }

    @Test
    void aRemovedEndpointGetsNothingMoreAndItsPendingDeliveriesEndDead() throws Exception {
        Webhooks.Endpoint endpoint = node.webhooks().register("bank", receiver.url(), SECRET);
        startedFlow();

        assertThat(node.webhooks().remove("bank", endpoint.endpointId())).isTrue();
        assertThat(node.webhooks().list("bank")).isEmpty();
        startedFlow();
        assertThat(node.webhooks().sendOnce()).isZero();

        assertThat(receiver.received).isEmpty();
        assertThat(node.webhooks().deliveries("bank", 10)).singleElement().satisfies(d -> {
            assertThat(d.state()).isEqualTo(WebhookDelivery.State.DEAD);
            assertThat(d.lastError()).isEqualTo("endpoint removed");
        });
        assertThat(receiver.received.stream().map(WebhookReceiver.Received::body).collect(Collectors.toList())).isEmpty();
    }

    @Test
    void aRedirectIsNotFollowedButCountsAsAFailedAttempt() throws Exception {
        node.webhooks().register("bank", receiver.url(), SECRET);
        receiver.answer = () -> 302;
        startedFlow();

        assertThat(node.webhooks().sendOnce()).isZero();

        assertThat(receiver.received).hasSize(1);
        WebhookDelivery d = onlyDelivery();
        assertThat(d.state()).isEqualTo(WebhookDelivery.State.PENDING);
        assertThat(d.lastStatus()).isEqualTo(302);
    }

    @Test
    void theSecretIsSealedAtRestAndNeverShown() throws Exception {
        Webhooks.Endpoint endpoint = node.webhooks().register("bank", receiver.url(), SECRET);

        byte[] stored = org.jdbi.v3.core.Jdbi.create(db).withHandle(h -> h.createQuery(
                        "SELECT secret FROM idflow_webhook_endpoint WHERE endpoint_id = :id")
                .bind("id", endpoint.endpointId()).mapTo(byte[].class).one());
        assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain(SECRET);
        assertThat(stored.length).isGreaterThan(SECRET.length());
        assertThat(endpoint.toString()).doesNotContain(SECRET);
        assertThat(node.webhooks().list("bank").toString()).doesNotContain(SECRET);
        assertThat(node.storage().webhooks().findEndpoint(endpoint.endpointId()).orElseThrow().toString())
                .doesNotContain(SECRET).contains("secret ***");
    }
}
