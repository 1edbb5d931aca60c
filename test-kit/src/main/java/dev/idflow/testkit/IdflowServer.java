package dev.idflow.testkit;

import dev.idflow.core.Idflow;
import dev.idflow.core.internal.Crypto;
import dev.idflow.servlet.IdflowServlet;
import dev.idflow.storage.memory.InMemoryStorage;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import dev.idflow.core.spi.IdflowStorage;
import java.util.function.BiConsumer;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * One idflow, in-process: a Jetty on a free loopback port with the idflow servlet mounted at
 * {@link #mountPath()}, an in-memory store, the {@link TestClock}, and one consumer with a test key and a
 * live key (new random keys for every server). Point the bank's HTTP client at {@link #baseUrl()}.
 */
public final class IdflowServer implements AutoCloseable {
    private static final long MAX_UPLOAD = 20L << 20;

    private final Server jetty;
    private final Idflow idflow;
    private final String consumerId;
    private final String mountPath;
    private final String baseUrl;
    private final String testKey;
    private final Idflow.LiveKey liveKey;
    private final TestClock clock;
    private final SentMessages messages = new SentMessages();
    private final WebhookDeliveries webhooks;
    private final Mockery mockery;
    private final SimulatedPersons persons;

    IdflowServer(String consumerId, String mountPath, BiConsumer<Idflow.Builder, IdflowStorage> customize) throws Exception {
        if (!mountPath.matches("(/[A-Za-z0-9._-]+)+")) {
            throw new IllegalArgumentException("mountPath: must be a path such as /kyc (segments of letters, digits, . _ -); was "
                    + mountPath);
        }
        this.consumerId = consumerId;
        this.mountPath = mountPath;
        this.clock = new TestClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        this.webhooks = new WebhookDeliveries(consumerId);
        jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        // bind before idflow is built: idflow needs its public URL, and a port bound now cannot be taken by another
        connector.open();
        baseUrl = "http://127.0.0.1:" + connector.getLocalPort() + mountPath;
        Idflow built = null;
        try {
            byte[] secretKey = new byte[32];
            new SecureRandom().nextBytes(secretKey);
            IdflowStorage storage = new ObservedStorage(new InMemoryStorage(), webhooks::record);
            Idflow.Builder builder = Idflow.builder()
                    .storage(storage)
                    .clock(clock)
                    .publicBaseUrl(baseUrl)
                    .secretKey(secretKey)
                    .maxUploadBytes(MAX_UPLOAD)
                    .messageSender(messages.sender())
                    .webhookAllowLoopback(true)
                    // a test makes many calls while the clock stands still: no rate limit would ever refill
                    .rateLimits(1_000_000, 1_000_000, 1_000_000, 1_000_000)
                    .clientRateLimit(1_000_000, 1_000_000)
                    .clientAddressRateLimit(1_000_000, 1_000_000)
                    .authFailureLimit(1_000_000, Duration.ofSeconds(1), Duration.ofSeconds(1));
            customize.accept(builder, storage);
            built = builder.build();
            idflow = built;
            clock.attach(idflow);
            webhooks.attach(idflow);
            idflow.registerConsumer(consumerId, "Bank under test");
            testKey = idflow.newTestKey(consumerId);
            liveKey = idflow.newLiveKey(consumerId);
            ServletContextHandler context = new ServletContextHandler();
            context.setContextPath("/");
            context.addEventListener(new ServletContextListener() {
                @Override
                public void contextInitialized(ServletContextEvent event) {
                    IdflowServlet.mount(event.getServletContext(), "idflow", mountPath + "/*", idflow, MAX_UPLOAD);
                }
            });
            jetty.setHandler(context);
            jetty.start();
        } catch (Exception | Error e) {
            // a customizer or a consumer id that idflow refuses: give back the bound port and the threads
            try {
                jetty.stop();
            } catch (Exception ignored) {
                // the failure that brought us here is the one to report
            }
            connector.close();
            if (built != null) {
                built.close();
            }
            throw e;
        }
        KitHttp http = new KitHttp(baseUrl);
        mockery = new Mockery(http, testKey);
        persons = new SimulatedPersons(http, messages, mockery, clock, idflow);
    }

    /** Where the API is: {@code http://127.0.0.1:PORT/kyc}; the consumer API's paths go after it. */
    public String baseUrl() {
        return baseUrl;
    }

    /** The path idflow is mounted at ({@code /kyc} by default). */
    public String mountPath() {
        return mountPath;
    }

    /** The consumer the keys belong to. */
    public String consumerId() {
        return consumerId;
    }

    /** The consumer's test key: its flows are test flows, the sandbox's {@link Mockery} scripts apply. */
    public String testKey() {
        return testKey;
    }

    /** The consumer's live key: every request must be signed with {@link #liveSecret()} (see the README). */
    public String liveKey() {
        return liveKey.apiKey();
    }

    public String liveSecret() {
        return liveKey.secret();
    }

    /**
     * {@code X-Verigram-Hmac-SHA256} of a live request: lowercase hex HMAC-SHA256(secret, ts + path-with-query),
     * the path relative to {@link #baseUrl()}. Each signed request is served once: sign every request anew.
     */
    public String signLive(long ts, String pathWithQuery) {
        return Crypto.hmacSha256Hex(liveKey.secret().getBytes(StandardCharsets.UTF_8), ts + pathWithQuery);
    }

    /** The running idflow itself (its Java API: {@code completeSession}, {@code review}, {@code webhooks()}…). */
    public Idflow idflow() {
        return idflow;
    }

    public TestClock clock() {
        return clock;
    }

    public SentMessages sentMessages() {
        return messages;
    }

    public WebhookDeliveries webhooks() {
        return webhooks;
    }

    public Mockery mockery() {
        return mockery;
    }

    public SimulatedPersons persons() {
        return persons;
    }

    /** Stops Jetty and idflow's background work. */
    @Override
    public void close() throws Exception {
        try {
            jetty.stop();
        } finally {
            idflow.close();
        }
    }

    @Override
    public String toString() {
        return "IdflowServer[" + baseUrl + ", consumer " + consumerId + "]";
    }
}
