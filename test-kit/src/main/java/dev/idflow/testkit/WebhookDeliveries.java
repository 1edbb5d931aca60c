package dev.idflow.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.Idflow;
import dev.idflow.core.Webhooks;
import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.model.WebhookDelivery;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * The webhooks idflow sent to the receivers registered on the kit's consumer (a bank's own receiver,
 * on loopback: the kit's idflow allows it), as idflow recorded each attempt. Sending runs on the test's
 * thread in {@link #awaitDelivery} and in {@link TestClock#advance}; a failed attempt is retried after
 * its backoff on the {@link TestClock}, so advance the clock to see the retry.
 */
public final class WebhookDeliveries {
    private static final List<String> TYPES = Arrays.stream(FlowEvent.Type.values())
            .map(t -> t.name().toLowerCase(Locale.ROOT)).toList();

    /**
     * One attempt to deliver an event to a receiver: the event (its wire {@code type}: {@code flow_started},
     * {@code session_ended}, {@code flow_ended}; its flow, session and payload), the receiver's URL, which
     * attempt it was, and what it got (an HTTP status, or an error such as a refused connection).
     */
    public record Delivery(String eventId, String type, String flowId, String sessionId, JsonNode payload,
                           String url, int attempt, Integer status, String error, boolean delivered) {
        @Override
        public String toString() {
            return type + " of flow " + flowId + " to " + url + " (attempt " + attempt + ": "
                    + (status != null ? "HTTP " + status : error) + ")";
        }
    }

    private final List<Delivery> attempts = new CopyOnWriteArrayList<>();
    private final Set<Delivery> returned = ConcurrentHashMap.newKeySet();
    private volatile Idflow idflow;
    private final String consumerId;

    WebhookDeliveries(String consumerId) {
        this.consumerId = consumerId;
    }

    void attach(Idflow idflow) {
        this.idflow = idflow;
    }

    void record(ObservedStorage.Attempt a) {
        WebhookDelivery d = a.delivery();
        attempts.add(new Delivery(a.event().eventId(), a.event().type().name().toLowerCase(Locale.ROOT),
                a.event().flowId(), a.event().sessionId(), a.event().payload(), a.endpoint().url(), d.attempts(),
                d.lastStatus(), d.lastError(), d.state() == WebhookDelivery.State.DELIVERED));
    }

    /**
     * Registers the bank's receiver on the kit's consumer: every event committed from now on is POSTed to
     * {@code url} signed with {@code secret} (16 to 256 characters; see docs/WEBHOOKS.md). Plain http is
     * allowed to loopback addresses ({@code http://127.0.0.1:PORT/hooks}).
     */
    public Webhooks.Endpoint registerReceiver(String url, String secret) {
        return idflow.webhooks().register(consumerId, url, secret);
    }

    /** Every attempt so far, oldest first. */
    public List<Delivery> attempts() {
        return List.copyOf(attempts);
    }

    /** The attempts that got a 2xx, oldest first. */
    public List<Delivery> delivered() {
        return attempts.stream().filter(Delivery::delivered).toList();
    }

    /**
     * The oldest delivery (a 2xx) of an event of {@code eventType} ({@code flow_started},
     * {@code session_ended}, {@code flow_ended}) that no earlier call returned; sends what is due meanwhile,
     * and fails when none arrived within {@code timeout}, saying what was attempted.
     */
    public Delivery awaitDelivery(String eventType, Duration timeout) {
        return awaitDelivery(eventType, null, timeout);
    }

    /** As {@link #awaitDelivery(String, Duration)}, for an event of the flow {@code flowId}. */
    public Delivery awaitDelivery(String eventType, String flowId, Duration timeout) {
        String type = checkType(eventType);
        Objects.requireNonNull(timeout, "timeout");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (Delivery d : attempts) {
                if (d.delivered() && d.type().equals(type) && (flowId == null || flowId.equals(d.flowId()))
                        && returned.add(d)) {
                    return d;
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError(noDeliveryMessage(type, flowId, timeout));
            }
            if (idflow.webhooks().sendOnce() == 0) {
                try {
                    // something may still commit the event on another thread (the bank's own code)
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while waiting for a " + type + " webhook", e);
                }
            }
        }
    }

    private String noDeliveryMessage(String type, String flowId, Duration timeout) {
        StringBuilder m = new StringBuilder("no ").append(type).append(" webhook")
                .append(flowId == null ? "" : " of flow " + flowId).append(" was delivered within ").append(timeout);
        List<Webhooks.Endpoint> endpoints = idflow.webhooks().list(consumerId);
        if (endpoints.isEmpty()) {
            return m.append(": no receiver is registered on consumer ").append(consumerId)
                    .append("; call registerReceiver(url, secret) before the flow runs").toString();
        }
        m.append(" to ").append(endpoints.stream().map(Webhooks.Endpoint::url).collect(Collectors.joining(", ")));
        List<Delivery> all = attempts();
        if (all.isEmpty()) {
            m.append("; nothing was attempted yet (only events committed after registerReceiver are sent)");
        } else {
            m.append("; attempts so far: ").append(all.stream().map(Delivery::toString).collect(Collectors.joining("; ")));
            if (all.stream().anyMatch(d -> !d.delivered())) {
                m.append(". A failed attempt is retried after its backoff on the TestClock: advance it");
            }
        }
        return m.toString();
    }

    private static String checkType(String eventType) {
        String type = eventType == null ? "" : eventType.toLowerCase(Locale.ROOT);
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("eventType: must be one of " + String.join(", ", TYPES) + "; was " + eventType);
        }
        return type;
    }
}
