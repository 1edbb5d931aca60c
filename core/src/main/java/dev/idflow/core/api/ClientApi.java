package dev.idflow.core.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.engine.FlowEngine;
import dev.idflow.core.internal.Crypto;
import dev.idflow.core.internal.FileTypes;
import dev.idflow.core.internal.FrameImages;
import dev.idflow.core.internal.Json;
import dev.idflow.core.internal.RequestBodies;
import dev.idflow.core.model.EndCause;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.FileLabels;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.FlowTemplate;
import dev.idflow.core.model.FlowUi;
import dev.idflow.core.model.MockeryScript;
import dev.idflow.core.model.PipelineStep;
import dev.idflow.core.model.ServiceNames;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.model.SessionStateName;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.LivenessAnalyzer;
import dev.idflow.core.spi.ServiceHandler;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client API: what the person's device calls, with the vlink token or a liveness access token as
 * its only credential (docs/CLIENT-API.md). Every call through a vlink counts as the person's activity.
 */
final class ClientApi {
    private static final Logger LOG = LoggerFactory.getLogger(ClientApi.class);
    private static final int MAX_FRAMES = 40;
    private static final int MAX_FRAME_BYTES = 5 << 20;
    /**
     * The frames of one attempt together: they are read into memory before they are judged, so without it
     * one request could hold {@code MAX_FRAMES × MAX_FRAME_BYTES} (200 MiB). A camera's 40 frames of
     * 640×480 JPEG are about 2 MiB.
     */
    private static final long MAX_ATTEMPT_FRAME_BYTES = 24L << 20;
    private static final int MAX_METADATA_BYTES = 64 << 10;
    /** One per node: the bound on concurrent frame decodes holds across every request this JVM serves. */
    private static final FrameImages FRAME_IMAGES = FrameImages.forThisNode();

    private final IdflowStorage storage;
    private final FlowEngine engine;
    private final LivenessAnalyzer analyzer;

    ClientApi(IdflowStorage storage, FlowEngine engine, LivenessAnalyzer analyzer) {
        this.storage = storage;
        this.engine = engine;
        this.analyzer = analyzer;
    }

    // ---- vlink ----

    Flow flowOfVlink(String vlinkId) {
        return engine.flowOfVlink(vlinkId)
                .orElseThrow(() -> new ApiException(404, "LINK_NOT_FOUND", "vlink: unknown or expired link"));
    }

    ApiResponse state(String vlinkId) {
        Flow flow = flowOfVlink(vlinkId);
        activity(flow);
        return ApiResponse.json(200, stateView(flow));
    }

    /** Every call through the vlink counts as the person's activity, whatever it is answered. */
    private void activity(Flow flow) {
        if (flow.started() && !flow.ended()) {
            // activity without a state change: no version bump, so it never races the person's own steps
            storage.flows().touchActivity(flow.flowId(), engine.now());
        }
    }

    ApiResponse start(String vlinkId, ApiRequest request) throws IOException {
        Flow flow = flowOfVlink(vlinkId);
        activity(flow); // a repeated start (a reloaded page) is the person too
        JsonNode body = optionalJson(request);
        String device = body.path("device_type").asText(null);
        if (device != null && !device.equals("mobile") && !device.equals("desktop")) {
            throw ApiException.invalid("device_type: must be mobile or desktop");
        }
        return ApiResponse.json(200, stateView(engine.start(flow.flowId(), device)));
    }

    ApiResponse submit(String vlinkId, String stepId, ApiRequest request) throws IOException {
        Flow flow = flowOfVlink(vlinkId);
        activity(flow);
        return ApiResponse.json(200, stateView(engine.submit(flow.flowId(), stepId, optionalJson(request))));
    }

    private static JsonNode optionalJson(ApiRequest request) throws IOException {
        byte[] bytes;
        try (InputStream in = request.body()) {
            bytes = in.readNBytes(MAX_METADATA_BYTES + 1);
        }
        if (bytes.length > MAX_METADATA_BYTES) {
            throw ApiException.invalid("body: must be at most " + MAX_METADATA_BYTES + " bytes");
        }
        if (bytes.length == 0) {
            return Json.mapper().createObjectNode();
        }
        return RequestBodies.object(bytes, "body");
    }

    /** What the hosted page needs to render the flow where it stands. */
    record StepView(String stepId, String serviceName, String status) {
    }

    record CurrentStep(String stepId, String serviceName, Map<String, JsonNode> options, String sessionId,
                       String accessToken, List<List<String>> pipeline, Integer attemptsLeft, Instant expiresAt) {
    }

    record StateView(String flowId, boolean started, ExecutionStatus flowStatus, EndCause endCause, String locale,
                     FlowUi ui, Boolean statusPage, String callbackUrl, List<StepView> steps, CurrentStep currentStep) {
    }

    private StateView stateView(Flow flow) {
        List<ServiceSession> sessions = storage.sessions().findByFlowId(flow.flowId());
        List<PipelineStep> pipeline = flow.template().pipeline();
        int current = flow.started() ? flow.template().indexOf(flow.currentStepId()) : -1;
        List<StepView> steps = new ArrayList<>();
        for (int i = 0; i < pipeline.size(); i++) {
            String stepId = FlowTemplate.stepId(i);
            ServiceSession last = null;
            for (ServiceSession s : sessions) {
                if (stepId.equals(s.stepId())) {
                    last = s;
                }
            }
            String status;
            if (last == null) {
                status = "pending";
            } else if (last.state() == SessionStateName.CREATED || last.state() == SessionStateName.PROCESSING) {
                status = flow.ended() ? "failed" : "active";
            } else {
                status = last.status() == ExecutionStatus.PASS ? "passed" : "failed";
            }
            steps.add(new StepView(stepId, pipeline.get(i).serviceName(), status));
        }
        CurrentStep currentStep = null;
        if (flow.started() && !flow.ended() && current >= 0) {
            PipelineStep step = pipeline.get(current);
            ServiceSession open = null;
            for (ServiceSession s : sessions) {
                if (flow.currentStepId().equals(s.stepId())
                        && (s.state() == SessionStateName.CREATED || s.state() == SessionStateName.PROCESSING)) {
                    open = s;
                }
            }
            if (open != null && open.liveness() != null) {
                currentStep = new CurrentStep(flow.currentStepId(), step.serviceName(), step.options(), open.sessionId(),
                        engine.accessToken(open), open.liveness().pipeline(), open.liveness().attemptsLeft(),
                        open.liveness().expiresAt());
            } else {
                currentStep = new CurrentStep(flow.currentStepId(), step.serviceName(), step.options(), null, null,
                        null, null, null);
            }
        }
        return new StateView(flow.flowId(), flow.started(), flow.flowStatus(), flow.endCause(), flow.locale(),
                flow.template().ui(), flow.template().statusPage(), flow.callbackUrl(), steps, currentStep);
    }

    // ---- liveness (bearer access token) ----

    record LivenessClientSession(String sessionId, List<List<String>> pipeline, Integer attemptsLeft, Instant expiresAt) {
    }

    record AttemptAnswer(boolean success, String errorCode, int attemptsLeft) {
    }

    private ServiceSession bearerSession(ApiRequest request) {
        String auth = request.header("Authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7) || auth.length() < 8) {
            throw ApiException.unauthorized("Authorization: a Bearer access token is required");
        }
        String token = auth.substring(7).trim();
        // looked up by its hash: the token itself is never compared character by character
        return storage.sessions().findByAccessTokenHash(Crypto.sha256Hex(token))
                .filter(s -> s.liveness() != null)
                .orElseThrow(() -> ApiException.unauthorized("Authorization: unknown access token"));
    }

    ApiResponse livenessSession(ApiRequest request) {
        ServiceSession s = bearerSession(request);
        if (s.flowId() != null) {
            storage.flows().touchActivity(s.flowId(), engine.now());
        }
        return ApiResponse.json(200, new LivenessClientSession(s.sessionId(), s.liveness().pipeline(),
                s.liveness().attemptsLeft(), s.liveness().expiresAt()));
    }

    ApiResponse attempt(ApiRequest request) throws IOException {
        ServiceSession byToken = bearerSession(request);
        Flow flow = storage.flows().findById(byToken.flowId())
                .orElseThrow(() -> ApiException.unauthorized("Authorization: unknown access token"));
        // read the session again, after the flow: a flow that ended closed its sessions in the same
        // commit, so this read sees them closed and the answer is NO_ATTEMPTS_LEFT whichever read
        // the sweeper's ending fell between
        ServiceSession session = storage.sessions().findById(byToken.sessionId()).orElse(byToken);
        activity(flow); // the person's camera is at work, even if this attempt is refused
        // CLIENT-API.md: no attempts left → NO_ATTEMPTS_LEFT, also once the flow has ended since
        if (session.state() == SessionStateName.PROCESSED || session.state() == SessionStateName.REVIEWED
                || session.liveness().attemptsLeft() <= 0) {
            throw new ApiException(409, "NO_ATTEMPTS_LEFT", "session: has no attempts left");
        }
        if (flow.ended()) {
            throw new ApiException(409, "FLOW_ENDED", "flow: has already ended");
        }
        Instant now = engine.now();
        if (now.isAfter(session.liveness().expiresAt())) {
            FlowEngine.AttemptOutcome expired = engine.expireSession(session.sessionId(), flow.flowId());
            return ApiResponse.json(200, new AttemptAnswer(false, "timeout", expired.attemptsLeft()));
        }
        // the attempt is taken before a byte of the body is read: of N uploads a device holds open, only as
        // many as the session has attempts get past this line, and a refused upload has used its attempt
        String attemptId = engine.reserveAttempt(session.sessionId(), flow.flowId());
        List<String> fileIds = new ArrayList<>();
        ObjectNode result;
        try {
            Upload upload = readUpload(request);
            // the sandbox script, read once: it stands in for the analyzer and may bring files of its own
            Optional<MockeryScript> script = flow.testFlow()
                    ? storage.mockery().find(flow.consumerId(), flow.personId(), ServiceNames.VERILIVE) : Optional.empty();
            result = verdict(session, flow, upload, now, script);
            Map<String, ServiceHandler.File> files = new LinkedHashMap<>();
            files.put(FileLabels.BESTFRAME, new ServiceHandler.File("image/jpeg", upload.bestframe));
            // saved unbound, tagged with the attempt: no download finds them unless this attempt's verdict lands
            if (upload.video != null) {
                try (InputStream in = upload.video.open()) {
                    fileIds.add(engine.storeAttemptFile(flow, session.sessionId(), attemptId,
                            FileLabels.LIVENESS_VIDEO, upload.videoType, in));
                }
            }
            script.map(MockeryScript::files).ifPresent(scripted -> scripted.forEach((label, bytes) ->
                    files.put(label, new ServiceHandler.File(FileTypes.sniff(bytes), bytes))));
            fileIds.addAll(engine.storeAttemptFiles(flow, session.sessionId(), attemptId, files));
        } catch (IOException | RuntimeException | Error e) {
            engine.discardFiles(fileIds);
            try {
                if (e instanceof RetryLater) {
                    // the node's decoders were busy: the server's want, not the person's fault, so the
                    // attempt goes back (nothing was judged and nothing was stored)
                    engine.returnAttempt(session.sessionId(), flow.flowId(), attemptId);
                } else {
                    engine.refuseAttempt(session.sessionId(), flow.flowId(), attemptId, "model_prediction");
                }
            } catch (RuntimeException refusing) {
                e.addSuppressed(refusing);
            }
            throw e;
        }
        FlowEngine.AttemptOutcome outcome;
        try {
            // binds this attempt's files in the commit that records its verdict, if it is still reserved
            outcome = engine.recordAttempt(session.sessionId(), flow.flowId(), attemptId, result, fileIds);
        } catch (FlowEngine.Refusal lost) {
            // the session ended while this upload was judged: its files were never bound, and never will be
            engine.discardFiles(fileIds);
            throw lost;
        }
        return ApiResponse.json(200, new AttemptAnswer(outcome.success(), outcome.errorCode(), outcome.attemptsLeft()));
    }

    /** The verdict: the sandbox script in test flows, else the analyzer (rules, then the bank's engine). */
    private ObjectNode verdict(ServiceSession session, Flow flow, Upload upload, Instant now,
                               Optional<MockeryScript> script) {
        ObjectNode result = Json.mapper().createObjectNode().put("service_name", ServiceNames.VERILIVE);
        if (script.isPresent()) {
            ObjectNode scripted = script.get().result();
            result.put("service_status", scripted.path("service_status").asText("unknown"));
            result.set("error_codes", scripted.has("error_codes") ? scripted.get("error_codes") : Json.mapper().createArrayNode());
            result.set("warnings", scripted.has("warnings") ? scripted.get("warnings") : Json.mapper().createArrayNode());
        } else {
            LivenessAnalyzer.Verdict verdict;
            int recent = storage.sessions().countCreatedSince(flow.consumerId(), flow.personId(), ServiceNames.VERILIVE,
                    now.minus(Duration.ofHours(1)));
            boolean allowDesktop = flow.template().pipeline().get(Math.max(0, flow.template().indexOf(session.stepId())))
                    .options().getOrDefault("allow_desktop", Json.mapper().getNodeFactory().booleanNode(true)).asBoolean(true);
            try {
                verdict = analyzer.analyze(new LivenessAnalyzer.Attempt(flow.consumerId(), flow.personId(),
                        session.sessionId(), session.liveness().pipeline(), upload.metadata, upload.frames,
                        upload.video != null, now, session.createdAt(), allowDesktop, recent));
            } catch (Exception e) {
                // the engine failed, not the person: no verdict rather than a made-up one
                LOG.error("liveness analyzer failed on session {}", session.sessionId(), e);
                verdict = LivenessAnalyzer.Verdict.unknown();
            }
            result.put("service_status", verdict.serviceStatus());
            verdict.errorCodes().forEach(result.withArray("error_codes")::add);
            verdict.warnings().forEach(result.withArray("warnings")::add);
        }
        // the server's clock only, never the device's: the session's life began when the server created
        // it, and the attempt ended (for this result) when the server received it
        result.put("start_time", session.createdAt().toString());
        result.put("end_time", now.toString());
        return result;
    }

    /**
     * An attempt's parts, checked: metadata JSON, frames that really are images (each decoded once), the
     * bestframe as a JPEG made from its frame's one decode, an optional video that really is WebM or MP4.
     */
    private record Upload(JsonNode metadata, List<byte[]> frames, byte[] bestframe, UploadPart video,
                          String videoType) {
    }

    private static Upload readUpload(ApiRequest request) throws IOException {
        List<UploadPart> parts = request.parts();
        if (parts.isEmpty()) {
            throw ApiException.invalid("body: must be multipart/form-data with parts metadata, frame (one or more), video");
        }
        // the frames' sizes first, from the parts as the container spooled them: nothing is read into
        // memory for an attempt whose frames together exceed the budget
        long frameBytes = 0;
        for (UploadPart part : parts) {
            if ("frame".equals(part.name()) && part.size() > 0) {
                frameBytes += part.size();
            }
        }
        if (frameBytes > MAX_ATTEMPT_FRAME_BYTES) {
            throw ApiException.invalid("frame: the frames of one attempt may have at most " + MAX_ATTEMPT_FRAME_BYTES
                    + " bytes together (" + frameBytes + " sent)");
        }
        JsonNode metadata = null;
        List<FrameImages.Frame> frames = new ArrayList<>();
        long framePixels = 0;
        UploadPart video = null;
        String videoType = null;
        for (UploadPart part : parts) {
            switch (part.name()) {
                case "metadata" -> {
                    try (InputStream in = part.open()) {
                        byte[] bytes = in.readNBytes(MAX_METADATA_BYTES + 1);
                        if (bytes.length > MAX_METADATA_BYTES) {
                            throw ApiException.invalid("metadata: must be at most " + MAX_METADATA_BYTES + " bytes");
                        }
                        metadata = RequestBodies.object(bytes, "metadata");
                    }
                }
                case "frame" -> {
                    if (frames.size() >= MAX_FRAMES) {
                        throw ApiException.invalid("frame: at most " + MAX_FRAMES + " frames");
                    }
                    if (part.size() > MAX_FRAME_BYTES) {
                        throw ApiException.invalid("frame[" + frames.size() + "]: must be at most " + MAX_FRAME_BYTES + " bytes");
                    }
                    byte[] bytes;
                    try (InputStream in = part.open()) {
                        bytes = in.readNBytes(MAX_FRAME_BYTES + 1);
                    }
                    // the header only, before anything is decoded: a bomb is refused from its first bytes
                    FrameImages.Frame frame = FRAME_IMAGES.header(frames.size(), bytes);
                    framePixels = FrameImages.addToAttempt(framePixels, frame);
                    frames.add(frame);
                }
                case "video" -> {
                    byte[] head;
                    try (InputStream in = part.open()) {
                        head = in.readNBytes(FileTypes.HEAD_BYTES);
                    }
                    // the type is what the bytes say, never what the device declares
                    videoType = FileTypes.sniff(head);
                    if (!FileTypes.isVideo(videoType)) {
                        throw ApiException.invalid("video: must be a WebM or MP4 video (checked by its first bytes)");
                    }
                    video = part; // streamed into the file store later, never read whole here
                }
                default -> {
                    // other parts are ignored: newer front ends may send more than this server reads
                }
            }
        }
        if (metadata == null) {
            throw ApiException.invalid("metadata: is required (a JSON part)");
        }
        if (frames.isEmpty()) {
            throw ApiException.invalid("frame: at least one JPEG frame is required");
        }
        // every frame decoded exactly once, after the budgets passed: the bestframe's decode also makes its JPEG
        int best = Math.min(Math.max(0, metadata.path("bestframe_index").asInt(0)), frames.size() - 1);
        byte[] bestframe = null;
        List<byte[]> checked = new ArrayList<>(frames.size());
        for (FrameImages.Frame frame : frames) {
            if (frame.index() == best) {
                bestframe = FRAME_IMAGES.bestframeJpeg(frame);
            } else {
                FRAME_IMAGES.check(frame);
            }
            checked.add(frame.bytes());
        }
        return new Upload(metadata, checked, bestframe, video, videoType);
    }
}
