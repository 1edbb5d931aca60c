package dev.idflow.core.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.model.FlowInputData;
import dev.idflow.core.model.MockeryScript;
import dev.idflow.core.model.StoredFile;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * What a service sees of its step: the flow it belongs to, the step's options, the person's device,
 * what earlier steps produced, and its own state kept since the session opened. Read-only: a service
 * changes things only through the {@link StepDecision} it returns.
 */
public interface StepContext {

    String consumerId();

    String personId();

    String flowId();

    /** The session being decided: one try at the step. */
    String sessionId();

    /** {@code step-1}, {@code step-2}, … */
    String stepId();

    /** When this session opened, on the server's clock. */
    Instant openedAt();

    /** 1 for the step's first session, 2 for its first retry, … (at most 1 + max_retries). */
    int attempt();

    /** The step's {@code timeout} in seconds: the flow ends when the step is still open after it. */
    int timeoutSeconds();

    /** A test flow: the sandbox (PRODUCT.md, "Sandbox"): nothing may reach the outside world. */
    boolean testFlow();

    /** The flow's locale now (kk, ru or en), as the person chose it. */
    String locale();

    /** The flow's input data, with what earlier steps filled in. */
    FlowInputData inputData();

    /** The step's per-service options, exactly as the consumer sent them. */
    Map<String, JsonNode> options();

    /** What the person's page reported when it started the flow. */
    Device device();

    /** The results of the steps before this one that have ended, by step id (the last session of each). */
    Map<String, ObjectNode> earlierResults();

    /**
     * The newest file with {@code label} that an earlier session of this flow produced (bound: findable by
     * a download too), e.g. {@code bestframe} of a liveness step.
     */
    Optional<StoredFile> flowFile(String label);

    /** The newest input file with {@code label} stored for the person ({@code POST /resources/storage}). */
    Optional<StoredFile> personFile(String label);

    /**
     * An input file the consumer stored for this flow's person with {@code POST /resources/storage}, by the
     * id that call answered (what a flow's {@code input_data.files.*[].file_id} names), whatever its label;
     * of this flow's kind (test or live). Empty when there is none.
     */
    Optional<StoredFile> inputFile(String uploadId);

    /** A file's content: one of {@link #flowFile}, {@link #personFile} or {@link #inputFile}. The caller closes it. */
    InputStream openFile(StoredFile file) throws IOException;

    /** What this service keeps between calls ({@link StepDecision#awaitPerson}); an empty object at open. */
    ObjectNode state();

    /** The screen the person sees now, if the session waits for them. */
    Optional<Screen> screen();

    /** In a test flow, the outcome the consumer scripted for this service with {@code POST /mockery/result}. */
    Optional<MockeryScript> sandboxScript();

    /** The server's clock, at millisecond precision; the same instant for the whole decision. */
    Instant now();

    /** For codes and tokens. */
    SecureRandom random();

    /** The person's device as its page reported it: {@code mobile}/{@code desktop} and {@code android}/{@code ios}/{@code web}; null when unknown. */
    record Device(String type, String platform) {
    }
}
