package dev.idflow.core;

import dev.idflow.core.engine.WebhookSender;
import dev.idflow.core.internal.Ids;
import dev.idflow.core.internal.WebhookTargets;
import dev.idflow.core.model.WebhookDelivery;
import dev.idflow.core.model.WebhookEndpoint;
import dev.idflow.core.spi.ApiKeyDirectory;
import dev.idflow.core.spi.SecretCipher;
import dev.idflow.core.spi.WebhookStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A consumer's webhook endpoints and their delivery log. Every flow and session event of the consumer
 * committed after an endpoint was registered is POSTed to it as JSON, signed with the endpoint's secret
 * ({@code X-Idflow-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>}), until a 2xx or 24 h
 * of retries; see docs/WEBHOOKS.md. The secret is sealed with the host's cipher and never returned.
 *
 * <pre>{@code
 * idflow.webhooks().register("retail", "https://bank.example/hooks/idflow", secretFromYourVault);
 * }</pre>
 */
public final class Webhooks {
    /** The rule for webhook secrets, as every refusal states it. */
    public static final String SECRET_RULE = "must be 16 to 256 printable ASCII characters without spaces";

    /** Resolves a host name to its addresses for the address check (the system's DNS by default). */
    @FunctionalInterface
    public interface Resolver {
        java.net.InetAddress[] resolve(String host) throws java.net.UnknownHostException;
    }

    /** An endpoint as the API shows it: never its secret. */
    public record Endpoint(String endpointId, String consumerId, String url, Instant createdAt) {
        static Endpoint of(WebhookEndpoint e) {
            return new Endpoint(e.endpointId(), e.consumerId(), e.url(), e.createdAt());
        }
    }

    private final WebhookStore store;
    private final ApiKeyDirectory consumers;
    private final SecretCipher cipher;
    private final WebhookTargets targets;
    private final Ids ids;
    private final Supplier<Instant> clock;
    private final WebhookSender sender;

    Webhooks(WebhookStore store, ApiKeyDirectory consumers, SecretCipher cipher, WebhookTargets targets, Ids ids,
             Supplier<Instant> clock, WebhookSender sender) {
        this.store = store;
        this.consumers = consumers;
        this.cipher = cipher;
        this.targets = targets;
        this.ids = ids;
        this.clock = clock;
        this.sender = sender;
    }

    /**
     * Registers an endpoint of the consumer. The URL must be https to a public address (see
     * {@code Idflow.Builder.webhookAllowLoopback} and the other allowances); its host is resolved now and
     * again before every attempt.
     *
     * @throws IllegalArgumentException naming the field ({@code consumerId}, {@code url}, {@code secret}) and the rule
     */
    public Endpoint register(String consumerId, String url, String secret) {
        requireConsumer(consumerId);
        try {
            targets.check(url);
        } catch (WebhookTargets.Refused e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        if (secret == null || secret.length() < 16 || secret.length() > 256 || !secret.matches("[\\x21-\\x7e]+")) {
            throw new IllegalArgumentException("secret: " + SECRET_RULE
                    + (secret == null ? "" : "; this one has " + secret.length() + " characters"));
        }
        WebhookEndpoint endpoint = new WebhookEndpoint("wh_" + ids.token(16), consumerId, url,
                cipher.encrypt(secret.getBytes(StandardCharsets.UTF_8)), clock.get());
        store.saveEndpoint(endpoint);
        return Endpoint.of(endpoint);
    }

    /**
     * {@link #register} unless the consumer has an endpoint with this URL and this secret already, which is
     * then returned as it is (for a host that registers its endpoints at every start). Endpoints with this
     * URL and another secret are removed once the new one is stored.
     */
    public Endpoint ensure(String consumerId, String url, String secret) {
        requireConsumer(consumerId);
        List<WebhookEndpoint> sameUrl = store.endpoints(consumerId).stream().filter(e -> e.url().equals(url)).toList();
        byte[] given = secret == null ? new byte[0] : secret.getBytes(StandardCharsets.UTF_8);
        for (WebhookEndpoint e : sameUrl) {
            byte[] stored = cipher.decrypt(e.sealedSecret());
            boolean same = java.security.MessageDigest.isEqual(stored, given);
            java.util.Arrays.fill(stored, (byte) 0);
            if (same) {
                return Endpoint.of(e);
            }
        }
        Endpoint made = register(consumerId, url, secret);
        sameUrl.forEach(e -> store.removeEndpoint(consumerId, e.endpointId(), clock.get()));
        return made;
    }

    /** The consumer's endpoints, oldest first. */
    public List<Endpoint> list(String consumerId) {
        requireConsumer(consumerId);
        return store.endpoints(consumerId).stream().map(Endpoint::of).toList();
    }

    /** Removes an endpoint; its pending deliveries end dead ("endpoint removed"). False for an unknown one. */
    public boolean remove(String consumerId, String endpointId) {
        requireConsumer(consumerId);
        return store.removeEndpoint(consumerId, Objects.requireNonNull(endpointId, "endpointId"), clock.get());
    }

    /** The consumer's delivery log, newest first: state, attempts, last status or error, times. */
    public List<WebhookDelivery> deliveries(String consumerId, int limit) {
        requireConsumer(consumerId);
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit: must be 1 to 1000");
        }
        return store.deliveries(consumerId, limit);
    }

    /** The deliveries of one event of the consumer (one per endpoint it was written for). */
    public List<WebhookDelivery> deliveriesOfEvent(String consumerId, String eventId) {
        requireConsumer(consumerId);
        return store.deliveriesOfEvent(Objects.requireNonNull(eventId, "eventId")).stream()
                .filter(d -> d.consumerId().equals(consumerId)).toList();
    }

    /**
     * Sends the deliveries due now, on this node's sender threads; returns how many got a 2xx. The
     * background work ({@link Idflow#startBackground}) calls it; a host scheduling its own work calls this.
     */
    public int sendOnce() {
        return sender.sendOnce();
    }

    private void requireConsumer(String consumerId) {
        if (consumerId == null || consumers.findConsumer(consumerId).isEmpty()) {
            throw new IllegalArgumentException("consumerId: no consumer " + consumerId + "; registerConsumer first");
        }
    }
}
