package dev.idflow.core.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Crypto;
import dev.idflow.core.internal.Json;
import dev.idflow.core.internal.WebhookTargets;
import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.model.WebhookDelivery;
import dev.idflow.core.model.WebhookDelivery.State;
import dev.idflow.core.spi.SecretCipher;
import dev.idflow.core.spi.WebhookStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends due webhook deliveries: claims them through the store (a lease, so two nodes never send one
 * event to one endpoint at once), POSTs each on a bounded pool of sender threads, and records each
 * attempt. A 2xx is delivered; anything else (another status, a timeout, a connection error, an
 * address the guard refuses) is retried with exponential backoff and jitter, until 24 h after the
 * event, then the delivery is dead.
 */
public final class WebhookSender implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);
    /** How long trying goes on after the event. */
    public static final Duration RETRY_WINDOW = Duration.ofHours(24);
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(10);
    static final Duration MAX_BACKOFF = Duration.ofHours(1);
    public static final String SIGNATURE_HEADER = "X-Idflow-Signature";
    public static final String EVENT_ID_HEADER = "X-Idflow-Event-Id";
    public static final String ATTEMPT_HEADER = "X-Idflow-Delivery-Attempt";

    private final WebhookStore store;
    private final SecretCipher cipher;
    private final Clock clock;
    private final Random random;
    private final WebhookTargets targets;
    private final HttpClient client;
    private final Duration requestTimeout;
    private final int concurrency;
    private final Duration lease;
    private final Duration firstBackoff;
    private final Duration maxBackoff;
    /** Where deliveries are counted and timed (the host's registry through {@link Metrics}); none by default. */
    private volatile Metrics metrics = Metrics.NONE;
    private ExecutorService pool;

    public WebhookSender(WebhookStore store, SecretCipher cipher, Clock clock, Random random, WebhookTargets targets,
                         Duration connectTimeout, Duration requestTimeout, int concurrency) {
        this(store, cipher, clock, random, targets, connectTimeout, requestTimeout, concurrency, FIRST_BACKOFF, MAX_BACKOFF);
    }

    /** With the wait after the first failure and the most it grows to (10 s and 1 h by default). */
    public WebhookSender(WebhookStore store, SecretCipher cipher, Clock clock, Random random, WebhookTargets targets,
                         Duration connectTimeout, Duration requestTimeout, int concurrency, Duration firstBackoff,
                         Duration maxBackoff) {
        if (firstBackoff.isNegative() || firstBackoff.isZero() || maxBackoff.compareTo(firstBackoff) < 0) {
            throw new IllegalArgumentException("webhook backoff: the first wait must be positive and at most the longest");
        }
        this.firstBackoff = firstBackoff;
        this.maxBackoff = maxBackoff;
        if (concurrency < 1 || concurrency > 64) {
            throw new IllegalArgumentException("webhook concurrency must be 1 to 64");
        }
        this.store = store;
        this.cipher = cipher;
        this.clock = clock;
        this.random = random;
        this.targets = targets;
        this.requestTimeout = requestTimeout;
        this.concurrency = concurrency;
        // a claimed batch takes at most batch/concurrency rounds of one request each, connect included;
        // the lease outlives that twice over, so a live sender's claim never runs out under it
        this.lease = connectTimeout.plus(requestTimeout).multipliedBy(2L * batchSize() / concurrency + 2);
        this.client = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /** The sender threads, made when first needed (again after {@link #close()}). */
    private synchronized ExecutorService pool() {
        if (pool == null) {
            AtomicInteger n = new AtomicInteger();
            pool = Executors.newFixedThreadPool(concurrency, r -> {
                Thread t = new Thread(r, "idflow-webhook-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
        return pool;
    }

    private int batchSize() {
        return concurrency * 4;
    }

    /**
     * Sends what is due now, in claimed batches, until nothing is due (at most 20 batches a call);
     * returns how many deliveries got a 2xx.
     */
    public int sendOnce() {
        int delivered = 0;
        for (int round = 0; round < 20; round++) {
            List<WebhookStore.Due> batch = store.claimDue(clock.instant(), lease, batchSize());
            List<Future<Boolean>> sent = new ArrayList<>();
            Throwable outage = null;
            ExecutorService pool = pool();
            for (WebhookStore.Due due : batch) {
                sent.add(pool.submit(() -> attempt(due)));
            }
            for (Future<Boolean> f : sent) {
                try {
                    if (f.get()) {
                        delivered++;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return delivered;
                } catch (ExecutionException e) {
                    if (dev.idflow.core.spi.StorageUnavailableException.isOutage(e.getCause())) {
                        outage = e.getCause(); // the whole run pauses (StoragePause), after the others finished
                        continue;
                    }
                    LOG.error("a webhook attempt failed unexpectedly; its claim runs out and it is tried again", e.getCause());
                }
            }
            if (outage != null) {
                throw outage instanceof RuntimeException r ? r
                        : new dev.idflow.core.spi.StorageUnavailableException("storage unavailable", outage);
            }
            if (batch.size() < batchSize()) {
                break;
            }
        }
        return delivered;
    }

    /** Counts and times the deliveries in {@code metrics}, and reads the backlog from the store when scraped. */
    public void metrics(Metrics metrics) {
        this.metrics = metrics;
        metrics.webhookBacklog(store::countPending);
    }

    /** One attempt, recorded; true when it was delivered. */
    private boolean attempt(WebhookStore.Due due) {
        WebhookDelivery d = due.delivery();
        if (due.endpoint() == null || due.event() == null) {
            record(d.afterAttempt(State.DEAD, now(), null, due.endpoint() == null ? "endpoint removed" : "event not found", null));
            return false;
        }
        Integer status = null;
        String error = null;
        try {
            URI uri = targets.check(due.endpoint().url()); // again: DNS may have changed since registration
            byte[] body = body(due.event());
            long t = now().getEpochSecond();
            byte[] secret = cipher.decrypt(due.endpoint().sealedSecret());
            HttpRequest request = HttpRequest.newBuilder(uri)
                    .timeout(requestTimeout)
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "idflow-webhooks")
                    .header(EVENT_ID_HEADER, due.event().eventId())
                    .header(ATTEMPT_HEADER, Integer.toString(d.attempts() + 1))
                    .header(SIGNATURE_HEADER, signatureHeader(secret, t, body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
            java.util.Arrays.fill(secret, (byte) 0);
            long started = System.nanoTime();
            try {
                HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
                status = response.statusCode();
            } finally {
                metrics.webhookLatency(Duration.ofNanos(System.nanoTime() - started));
            }
        } catch (WebhookTargets.Refused e) {
            error = "refused: " + e.getMessage();
        } catch (HttpTimeoutException e) {
            error = "timeout: " + e.getMessage();
        } catch (IOException e) {
            error = "connection failed: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false; // the claim runs out and the delivery is tried again
        } catch (RuntimeException e) {
            error = "failed: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
        Instant at = now();
        if (status != null && status >= 200 && status < 300) {
            record(d.afterAttempt(State.DELIVERED, at, status, null, null));
            metrics.webhookDelivery("delivered");
            return true;
        }
        Instant next = at.plus(backoff(d.attempts() + 1, random.nextDouble(), firstBackoff, maxBackoff));
        boolean dead = next.isAfter(d.createdAt().plus(RETRY_WINDOW));
        if (dead) {
            LOG.warn("webhook delivery {} is dead after {} attempts (last: {})", d.deliveryId(), d.attempts() + 1,
                    status != null ? "HTTP " + status : error);
        } else {
            LOG.info("webhook delivery {} failed (attempt {}: {}); next attempt at {}", d.deliveryId(), d.attempts() + 1,
                    status != null ? "HTTP " + status : error, next);
        }
        record(d.afterAttempt(dead ? State.DEAD : State.PENDING, at, status, error, dead ? null : next));
        // each attempt counted once: the guard's refusals apart from the receiver's failures
        metrics.webhookDelivery(dead ? "dead" : error != null && error.startsWith("refused: ") ? "refused" : "retried");
        return false;
    }

    private void record(WebhookDelivery after) {
        if (!store.recordAttempt(after)) {
            LOG.info("webhook delivery {}: another sender recorded attempt {} first", after.deliveryId(), after.attempts());
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    /**
     * The wait after the {@code failures}-th failed attempt: 10 s doubled with each failure, at most 1 h,
     * of which a random part ({@code u} in [0, 1)) is taken off so that senders do not retry in step:
     * between half and all of it.
     */
    static Duration backoff(int failures, double u) {
        return backoff(failures, u, FIRST_BACKOFF, MAX_BACKOFF);
    }

    static Duration backoff(int failures, double u, Duration first, Duration max) {
        long base = first.toMillis() << Math.min(failures - 1, 20);
        base = Math.min(base, max.toMillis());
        return Duration.ofMillis((long) (base * (0.5 + 0.5 * u)));
    }

    /** The body POSTed for an event; the same bytes on every attempt. See docs/WEBHOOKS.md. */
    public static byte[] body(FlowEvent event) {
        ObjectNode body = Json.mapper().createObjectNode()
                .put("event_id", event.eventId())
                .put("type", event.type().name().toLowerCase(java.util.Locale.ROOT))
                .put("created_at", event.createdAt().toString())
                .put("consumer_id", event.consumerId())
                .put("flow_id", event.flowId());
        body.put("session_id", event.sessionId());
        ObjectNode payload = event.payload();
        body.set("payload", payload == null ? Json.mapper().createObjectNode() : payload);
        try {
            return Json.mapper().writeValueAsBytes(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>}. */
    public static String signatureHeader(byte[] secret, long t, byte[] body) {
        byte[] prefix = (t + ".").getBytes(StandardCharsets.US_ASCII);
        byte[] signed = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, signed, 0, prefix.length);
        System.arraycopy(body, 0, signed, prefix.length, body.length);
        return "t=" + t + ",v1=" + HexFormat.of().formatHex(Crypto.hmacSha256(secret, signed));
    }

    @Override
    public synchronized void close() {
        if (pool != null) {
            pool.shutdownNow();
            pool = null;
        }
    }
}
