package dev.idflow.core.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;

/** What the person sent to a step through the client API ({@code /hf/{vlink}/api/steps/{step_id}/…}). */
public sealed interface PersonInput {

    /** {@code POST …/submit}: the answer to the screen, a JSON object ({@code {"accepted": true}}, …). */
    record Submit(JsonNode body) implements PersonInput {
        public Submit {
            Objects.requireNonNull(body, "body");
            body = body.deepCopy();
        }

        @Override
        public JsonNode body() {
            return body.deepCopy();
        }
    }

    /** {@code POST …/resend}: send the code (or message) again. */
    record Resend() implements PersonInput {
    }

    /**
     * {@code POST …/files}: the files of an upload screen, each under the label its part was named by,
     * its type sniffed from its bytes (never what the device declared).
     */
    record Upload(List<UploadedFile> files) implements PersonInput {
        public Upload {
            files = List.copyOf(files);
        }
    }

    /** One uploaded file. */
    record UploadedFile(String label, String filename, ServiceFile file) {
        public UploadedFile {
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(file, "file");
        }
    }
}
