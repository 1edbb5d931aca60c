package dev.idflow.core.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.ExecutionStatus;
import java.util.Map;
import java.util.Objects;

/**
 * How a session ends: its status; its technical result (a JSON object the consumer reads through the
 * journal and the flow result; {@code service_name} is filled in when missing); files it produced
 * ({label: file}, findable once the outcome is committed; a key {@code label#2}, {@code label#3}, …
 * stores one more file under {@code label}, as {@code signed_docs} holds each signed document); and data for later steps ({input_data field:
 * value}: filled into the flow's input_data where it has none, e.g. {@code full_name} from a form, which
 * then becomes the flow result's person_name). A {@code locale} among the data (kk, ru or en) is the
 * flow's language from then on.
 *
 * <p>{@code final}: a failure that a retry could only repeat (the device is not allowed, the person is on a
 * block list): the step is not retried whatever its {@code max_retries}; it fails the flow, or the flow
 * goes on if the step may fail.
 */
public record ServiceOutcome(ExecutionStatus status, ObjectNode result, Map<String, ServiceFile> files,
                             Map<String, String> data, boolean isFinal) {
    public ServiceOutcome(ExecutionStatus status, ObjectNode result, Map<String, ServiceFile> files,
                          Map<String, String> data) {
        this(status, result, files, data, false);
    }

    public ServiceOutcome {
        Objects.requireNonNull(status, "status");
        result = result == null ? Json.mapper().createObjectNode() : result.deepCopy();
        // in the order given: files of one label ("label", "label#2", …) are stored in that order, so the
        // newest of a label (what a download finds) is the last one given
        files = files == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(files));
        data = data == null ? Map.of() : Map.copyOf(data);
    }

    @Override
    public ObjectNode result() {
        return result.deepCopy();
    }

    public static ServiceOutcome pass(ObjectNode result) {
        return new ServiceOutcome(ExecutionStatus.PASS, result, null, null);
    }

    public static ServiceOutcome fail(ObjectNode result) {
        return new ServiceOutcome(ExecutionStatus.FAIL, result, null, null);
    }

    public ServiceOutcome withFiles(Map<String, ServiceFile> more) {
        return new ServiceOutcome(status, result, more, data, isFinal);
    }

    public ServiceOutcome withData(Map<String, String> more) {
        return new ServiceOutcome(status, result, files, more, isFinal);
    }

    /**
     * The label a file of {@link #files} is stored under: its key, without a {@code #n} suffix
     * ({@code signed_docs#2} → {@code signed_docs}).
     */
    public static String fileLabel(String key) {
        int hash = key.indexOf('#');
        return hash > 0 ? key.substring(0, hash) : key;
    }

    /** This outcome, and no retry of the step after it (see {@link ServiceOutcome}). */
    public ServiceOutcome withoutRetry() {
        return new ServiceOutcome(status, result, files, data, true);
    }
}
