package dev.idflow.core.model;

import java.time.Instant;
import java.util.Objects;

/**
 * Where a consumer wants its flow and session events POSTed. {@code sealedSecret} is the signing secret
 * sealed with the host's {@link dev.idflow.core.spi.SecretCipher}: it never leaves the store in clear and
 * {@link #toString()} never shows it.
 */
public record WebhookEndpoint(String endpointId, String consumerId, String url, byte[] sealedSecret, Instant createdAt) {

    public WebhookEndpoint {
        Objects.requireNonNull(endpointId, "endpointId");
        Objects.requireNonNull(consumerId, "consumerId");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(sealedSecret, "sealedSecret");
        Objects.requireNonNull(createdAt, "createdAt");
        sealedSecret = sealedSecret.clone();
    }

    @Override
    public byte[] sealedSecret() {
        return sealedSecret.clone();
    }

    @Override
    public String toString() {
        return "WebhookEndpoint[" + endpointId + ", " + consumerId + ", " + url + ", secret ***]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WebhookEndpoint e && e.endpointId.equals(endpointId) && e.consumerId.equals(consumerId)
                && e.url.equals(url) && java.util.Arrays.equals(e.sealedSecret, sealedSecret)
                && e.createdAt.equals(createdAt);
    }

    @Override
    public int hashCode() {
        return endpointId.hashCode();
    }
}
