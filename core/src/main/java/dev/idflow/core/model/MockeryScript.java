package dev.idflow.core.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A sandbox script: the outcome a test consumer wants for that person's later sessions of one
 * service, until replaced. {@code files} maps a file label to its bytes.
 */
public record MockeryScript(
        String consumerId,
        String personId,
        String serviceName,
        ObjectNode result,
        Map<String, byte[]> files,
        Instant createdAt) {

    public MockeryScript {
        Objects.requireNonNull(consumerId, "consumerId");
        Objects.requireNonNull(personId, "personId");
        Objects.requireNonNull(serviceName, "serviceName");
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(createdAt, "createdAt");
        result = result.deepCopy();
        Map<String, byte[]> copy = new LinkedHashMap<>();
        if (files != null) {
            files.forEach((label, bytes) -> copy.put(label, bytes.clone()));
        }
        files = Collections.unmodifiableMap(copy);
    }

    @Override
    public ObjectNode result() {
        return result.deepCopy();
    }

    @Override
    public Map<String, byte[]> files() {
        Map<String, byte[]> copy = new LinkedHashMap<>();
        files.forEach((label, bytes) -> copy.put(label, bytes.clone()));
        return copy;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof MockeryScript m) || !consumerId.equals(m.consumerId) || !personId.equals(m.personId)
                || !serviceName.equals(m.serviceName) || !result.equals(m.result) || !createdAt.equals(m.createdAt)
                || !files.keySet().equals(m.files.keySet())) {
            return false;
        }
        return files.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), m.files.get(e.getKey())));
    }

    @Override
    public int hashCode() {
        return Objects.hash(consumerId, personId, serviceName, result, createdAt, files.keySet());
    }
}
