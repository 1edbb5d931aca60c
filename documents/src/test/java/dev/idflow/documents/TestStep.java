package dev.idflow.documents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.FlowInputData;
import dev.idflow.core.model.MockeryScript;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.Screen;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A step as a service sees it, made by hand: files held in memory, the flow's input data, options and
 * earlier sessions as the test sets them, and the state a decision left (so open, then act, reads as
 * the engine would give it).
 */
final class TestStep implements StepContext {
    static final Instant NOW = Instant.parse("2026-03-02T09:30:00Z");

    final Map<String, JsonNode> options = new LinkedHashMap<>();
    final Map<String, StoredFile> flowFiles = new HashMap<>();
    final Map<String, StoredFile> personFiles = new HashMap<>();
    final Map<String, StoredFile> inputFiles = new HashMap<>();
    final Map<String, byte[]> content = new HashMap<>();
    final List<EarlierSession> earlier = new ArrayList<>();
    FlowInputData input = Json.mapper().convertValue(Json.mapper().createObjectNode(), FlowInputData.class);
    String locale = "en";
    ObjectNode state = Json.mapper().createObjectNode();
    Screen screen;
    private int files;

    TestStep input(String json) throws IOException {
        input = Json.mapper().readValue(json, FlowInputData.class);
        return this;
    }

    TestStep option(String name, String json) throws IOException {
        options.put(name, Json.mapper().readTree(json));
        return this;
    }

    /** A file an earlier step of the flow produced. */
    StoredFile flowFile(String label, String type, byte[] bytes) {
        StoredFile f = file(label, type, null, bytes);
        flowFiles.put(label, f);
        return f;
    }

    /** An input file the consumer stored for the person; returns its upload id. */
    String inputFile(String label, String type, String fileName, byte[] bytes) {
        StoredFile f = file(label, type, fileName, bytes);
        inputFiles.put(f.sessionId(), f);
        personFiles.put(label, f);
        return f.sessionId();
    }

    private StoredFile file(String label, String type, String fileName, byte[] bytes) {
        files++;
        StoredFile f = new StoredFile("file-" + files, "acme", "person-4711", "01KFLOW-F", "session-" + files + "-S", label,
                type, fileName, bytes.length, NOW, true, null, true);
        content.put(f.fileId(), bytes.clone());
        return f;
    }

    /** Keeps what a waiting decision keeps, as the engine does. */
    TestStep after(StepDecision decision) {
        state = decision.state();
        screen = decision.screen();
        return this;
    }

    @Override
    public String consumerId() {
        return "acme";
    }

    @Override
    public String personId() {
        return "person-4711";
    }

    @Override
    public String flowId() {
        return "01KFLOW-F";
    }

    @Override
    public String sessionId() {
        return "01KSESSION-S";
    }

    @Override
    public String stepId() {
        return "step-3";
    }

    @Override
    public Instant openedAt() {
        return NOW;
    }

    @Override
    public int attempt() {
        return 1;
    }

    @Override
    public int timeoutSeconds() {
        return 300;
    }

    @Override
    public boolean testFlow() {
        return true;
    }

    @Override
    public String locale() {
        return locale;
    }

    @Override
    public FlowInputData inputData() {
        return input;
    }

    @Override
    public Map<String, JsonNode> options() {
        return options;
    }

    @Override
    public Device device() {
        return new Device("mobile", "web");
    }

    @Override
    public Map<String, ObjectNode> earlierResults() {
        return Map.of();
    }

    @Override
    public List<EarlierSession> earlierSessions() {
        return earlier;
    }

    @Override
    public Optional<StoredFile> flowFile(String label) {
        return Optional.ofNullable(flowFiles.get(label));
    }

    @Override
    public Optional<StoredFile> personFile(String label) {
        return Optional.ofNullable(personFiles.get(label));
    }

    @Override
    public Optional<StoredFile> inputFile(String uploadId) {
        return Optional.ofNullable(inputFiles.get(uploadId));
    }

    @Override
    public InputStream openFile(StoredFile file) throws IOException {
        byte[] bytes = content.get(file.fileId());
        if (bytes == null) {
            throw new IOException("no content");
        }
        return new ByteArrayInputStream(bytes);
    }

    @Override
    public ObjectNode state() {
        return state.deepCopy();
    }

    @Override
    public Optional<Screen> screen() {
        return Optional.ofNullable(screen);
    }

    @Override
    public Optional<MockeryScript> sandboxScript() {
        return Optional.empty();
    }

    @Override
    public Instant now() {
        return NOW;
    }

    @Override
    public SecureRandom random() {
        return new SecureRandom();
    }
}
