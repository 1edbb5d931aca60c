package dev.idflow.core.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.FlowInputData;
import dev.idflow.core.model.FlowTemplate;
import dev.idflow.core.model.MockeryScript;
import dev.idflow.core.model.PipelineStep;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.FileQuery;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.Screen;
import dev.idflow.core.spi.StepContext;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A service's view of its step, as the engine read it for one decision. */
final class EngineStepContext implements StepContext {
    private final IdflowStorage storage;
    private final Flow flow;
    private final List<ServiceSession> sessions;
    private final ServiceSession session;
    private final PipelineStep step;
    private final Instant now;
    private final SecureRandom random;
    /** Files the change being decided binds, which no download sees yet (see {@link #flowFile}). */
    private final List<StoredFile> binding;

    EngineStepContext(IdflowStorage storage, Flow flow, List<ServiceSession> sessions, ServiceSession session,
                      Instant now, SecureRandom random, List<StoredFile> binding) {
        this.binding = List.copyOf(binding);
        this.storage = storage;
        this.flow = flow;
        this.sessions = sessions;
        this.session = session;
        int index = flow.template().indexOf(session.stepId());
        this.step = index >= 0 ? flow.template().pipeline().get(index) : PipelineStep.of(session.serviceName()).withDefaults();
        this.now = now;
        this.random = random;
    }

    @Override
    public String consumerId() {
        return flow.consumerId();
    }

    @Override
    public String personId() {
        return flow.personId();
    }

    @Override
    public String flowId() {
        return flow.flowId();
    }

    @Override
    public String sessionId() {
        return session.sessionId();
    }

    @Override
    public String stepId() {
        return session.stepId();
    }

    @Override
    public Instant openedAt() {
        return session.createdAt();
    }

    @Override
    public int attempt() {
        int n = 0;
        for (ServiceSession s : sessions) {
            if (s.stepId() != null && s.stepId().equals(session.stepId())) {
                n++;
                if (s.sessionId().equals(session.sessionId())) {
                    return n;
                }
            }
        }
        return n + 1; // being opened: not among the sessions yet
    }

    @Override
    public int timeoutSeconds() {
        return step.timeout() == null ? PipelineStep.DEFAULT_TIMEOUT : step.timeout();
    }

    @Override
    public boolean testFlow() {
        return flow.testFlow();
    }

    @Override
    public String locale() {
        return flow.locale() == null ? "en" : flow.locale();
    }

    @Override
    public FlowInputData inputData() {
        return flow.inputData();
    }

    @Override
    public Map<String, JsonNode> options() {
        return step.options();
    }

    @Override
    public Device device() {
        return new Device(flow.initialDeviceType(), flow.devicePlatform());
    }

    @Override
    public Map<String, ObjectNode> earlierResults() {
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        int index = flow.template().indexOf(session.stepId());
        for (ServiceSession s : sessions) {
            int at = s.stepId() == null ? -1 : flow.template().indexOf(s.stepId());
            if (at >= 0 && at < index && !FlowEngine.isOpen(s) && s.result() != null) {
                out.put(FlowTemplate.stepId(at), s.result()); // sessions are oldest first: the last one wins
            }
        }
        return out;
    }

    @Override
    public List<EarlierSession> earlierSessions() {
        List<EarlierSession> out = new java.util.ArrayList<>();
        int index = flow.template().indexOf(session.stepId());
        for (ServiceSession s : sessions) {
            int at = s.stepId() == null ? -1 : flow.template().indexOf(s.stepId());
            if (at >= 0 && at < index && !FlowEngine.isOpen(s)) {
                out.add(new EarlierSession(s.stepId(), s.serviceName(), s.sessionId(), s.status(), s.createdAt(),
                        s.updatedAt()));
            }
        }
        return out;
    }

    @Override
    public Optional<StoredFile> flowFile(String label) {
        // a file the change being decided binds (the liveness verdict that opened this step) is the newest
        Optional<StoredFile> pending = binding.stream().filter(f -> f.label().equals(label)
                        && flow.flowId().equals(f.flowId()) && !session.sessionId().equals(f.sessionId()))
                .reduce((a, b) -> b);
        if (pending.isPresent()) {
            return pending;
        }
        return storage.files().findNewest(flow.consumerId(), label, FileQuery.flow(flow.flowId(), flow.testFlow()));
    }

    @Override
    public Optional<StoredFile> personFile(String label) {
        return storage.files().findNewest(flow.consumerId(), label, FileQuery.person(flow.personId(), flow.testFlow()));
    }

    @Override
    public Optional<StoredFile> inputFile(String uploadId) {
        return storage.files().findInput(flow.consumerId(), flow.personId(), uploadId, flow.testFlow());
    }

    @Override
    public InputStream openFile(StoredFile file) throws IOException {
        if (!file.consumerId().equals(flow.consumerId())) {
            throw new IllegalArgumentException("file " + file.fileId() + " is not this consumer's");
        }
        return storage.files().open(file.fileId())
                .orElseThrow(() -> new IOException("file " + file.fileId() + " has no content any more"));
    }

    @Override
    public ObjectNode state() {
        ObjectNode stepState = session.stepState();
        JsonNode state = stepState == null ? null : stepState.get("state");
        return state instanceof ObjectNode o ? o : Json.mapper().createObjectNode();
    }

    @Override
    public Optional<Screen> screen() {
        ObjectNode stepState = session.stepState();
        JsonNode screen = stepState == null ? null : stepState.get("screen");
        return screen != null && screen.isObject() ? Optional.of(Screen.fromJson(screen)) : Optional.empty();
    }

    @Override
    public Optional<MockeryScript> sandboxScript() {
        return flow.testFlow() ? storage.mockery().find(flow.consumerId(), flow.personId(), session.serviceName())
                : Optional.empty();
    }

    @Override
    public Instant now() {
        return now;
    }

    @Override
    public SecureRandom random() {
        return random;
    }
}
