package dev.idflow.spring;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;

/**
 * Shows idflow's secret key, API keys and secrets as {@code ******} in the {@code configprops} and
 * {@code env} endpoints, even where the application shows values ({@code show-values: always}): by name
 * ({@code idflow.secret-key}, {@code test-keys}, {@code live-keys}) and by value (the configured ones,
 * compared in constant time, wherever they came from: an environment variable, a file).
 */
public class IdflowSanitizingFunction implements SanitizingFunction {
    private final IdflowProperties properties;

    public IdflowSanitizingFunction(IdflowProperties properties) {
        this.properties = properties;
    }

    @Override
    public SanitizableData apply(SanitizableData data) {
        if (data.getValue() == null) {
            return data;
        }
        String key = data.getKey() == null ? "" : data.getKey().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        boolean byName = key.endsWith("secretkey") || key.contains("testkeys") || key.contains("livekeys")
                || (key.startsWith("idflow") && (key.endsWith("secret") || key.endsWith("key")));
        if (byName || holdsSecret(data.getValue())) {
            return data.withValue(SanitizableData.SANITIZED_VALUE);
        }
        return data;
    }

    private boolean holdsSecret(Object value) {
        if (value instanceof Collection<?> values) {
            return values.stream().anyMatch(this::holdsSecret);
        }
        String text = value instanceof CharSequence s ? s.toString() : null;
        if (text == null || text.isEmpty()) {
            return false;
        }
        byte[] candidate = text.getBytes(StandardCharsets.UTF_8);
        boolean found = false;
        for (String secret : secrets()) {
            found |= MessageDigest.isEqual(candidate, secret.getBytes(StandardCharsets.UTF_8));
        }
        return found;
    }

    private List<String> secrets() {
        List<String> secrets = new ArrayList<>();
        if (properties.getSecretKey() != null) {
            secrets.add(properties.getSecretKey());
        }
        for (IdflowProperties.ConsumerProperties consumer : properties.getConsumers()) {
            secrets.addAll(consumer.getTestKeys());
            for (IdflowProperties.LiveKeyProperties key : consumer.getLiveKeys()) {
                if (key.getKey() != null) {
                    secrets.add(key.getKey());
                }
                if (key.getSecret() != null) {
                    secrets.add(key.getSecret());
                }
            }
        }
        secrets.removeIf(s -> s == null || s.isEmpty());
        return secrets;
    }
}
