package dev.idflow.core.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.ExecutionStatus;
import java.util.Map;
import java.util.Objects;

/**
 * How a session ends: its status; its technical result (a JSON object the consumer reads through the
 * journal and the flow result; {@code service_name} is filled in when missing); files it produced
 * ({label: file}, findable once the outcome is committed); and data for later steps ({input_data field:
 * value}: filled into the flow's input_data where it has none, e.g. {@code full_name} from a form, which
 * then becomes the flow result's person_name). A {@code locale} among the data (kk, ru or en) is the
 * flow's language from then on.
 */
public record ServiceOutcome(ExecutionStatus status, ObjectNode result, Map<String, ServiceFile> files,
                             Map<String, String> data) {
    public ServiceOutcome {
        Objects.requireNonNull(status, "status");
        result = result == null ? Json.mapper().createObjectNode() : result.deepCopy();
        files = files == null ? Map.of() : Map.copyOf(files);
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
        return new ServiceOutcome(status, result, more, data);
    }

    public ServiceOutcome withData(Map<String, String> more) {
        return new ServiceOutcome(status, result, files, more);
    }
}
