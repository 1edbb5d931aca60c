package dev.idflow.core.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.FlowInputData;
import java.util.Map;
import java.util.Objects;

/**
 * A service the host application runs itself (its KISC, e-sign or AML integration). Called when a
 * flow reaches a step of {@link #serviceName()}; runs on the server, with the flow's input data and
 * the step's per-service options; its outcome ends the step's session. Must be thread-safe and
 * should answer in seconds (it runs inside the person's request).
 */
public interface ServiceHandler {

    String serviceName();

    Outcome execute(Call call) throws Exception;

    /** What the service is asked: who, for which flow and session, with what. */
    record Call(String consumerId, String personId, String flowId, String sessionId, boolean testFlow,
                FlowInputData inputData, Map<String, JsonNode> options) {
    }

    /**
     * The service's verdict, its technical result (a JSON object, shown to the consumer through the
     * Java API and used for person_name/iin/country_code of the flow result), and files it produced
     * ({label: content}).
     */
    record Outcome(ExecutionStatus status, ObjectNode result, Map<String, File> files) {
        public Outcome {
            Objects.requireNonNull(status, "status");
            files = files == null ? Map.of() : Map.copyOf(files);
        }
    }

    /** A produced file. */
    record File(String contentType, byte[] content) {
        public File {
            Objects.requireNonNull(contentType, "contentType");
            content = content.clone();
        }

        @Override
        public byte[] content() {
            return content.clone();
        }
    }
}
