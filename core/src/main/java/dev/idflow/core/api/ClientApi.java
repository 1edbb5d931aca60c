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
import dev.idflow.core.model.PipelineStep;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.model.SessionStateName;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.CameraService;
import dev.idflow.core.spi.DocumentPages;
import dev.idflow.core.spi.StepContext;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import dev.idflow.core.spi.InputRejected;
import dev.idflow.core.spi.PersonInput;
import dev.idflow.core.spi.ServiceFile;
import dev.idflow.core.spi.StepDecision;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    /** Files of one upload step together: they are read into memory to be checked and stored. */
    private static final int MAX_STEP_FILES = 10;

    private final IdflowStorage storage;
    private final FlowEngine engine;
    private final long maxUploadBytes;

    ClientApi(IdflowStorage storage, FlowEngine engine, long maxUploadBytes) {
        this.storage = storage;
        this.engine = engine;
        this.maxUploadBytes = maxUploadBytes;
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
        String platform = body.path("platform").asText(null);
        if (platform != null && !List.of("android", "ios", "web").contains(platform)) {
            throw ApiException.invalid("platform: must be android, ios or web");
        }
        engine.start(flow.flowId(), device, platform);
        return ApiResponse.json(200, stateView(reread(flow)));
    }

    ApiResponse submit(String vlinkId, String stepId, ApiRequest request) throws IOException {
        Flow flow = flowOfVlink(vlinkId);
        activity(flow);
        return answer(flow, stepId, new PersonInput.Submit(optionalJson(request)));
    }

    ApiResponse resend(String vlinkId, String stepId, ApiRequest request) throws IOException {
        Flow flow = flowOfVlink(vlinkId);
        activity(flow);
        optionalJson(request); // no body is expected; one that is sent must still be a small JSON object
        return answer(flow, stepId, new PersonInput.Resend());
    }

    /**
     * {@code POST …/files}: every part a file under the label its name gives, its type sniffed from its
     * bytes. Read whole (each is bounded by the upload limit, the step's own limit is its service's to
     * check), never stored here: the service decides, and the engine stores what it accepts.
     */
    ApiResponse files(String vlinkId, String stepId, ApiRequest request) throws IOException {
        Flow flow = flowOfVlink(vlinkId);
        activity(flow);
        List<UploadPart> parts = request.parts();
        if (parts.isEmpty()) {
            throw ApiException.invalid("body: must be multipart/form-data with one part per file, named by its label");
        }
        if (parts.size() > MAX_STEP_FILES) {
            throw ApiException.invalid("body: at most " + MAX_STEP_FILES + " files in one upload");
        }
        List<PersonInput.UploadedFile> files = new ArrayList<>();
        long total = 0;
        for (UploadPart part : parts) {
            if (!FileLabels.STEP_LABEL.matcher(part.name()).matches()) {
                throw ApiException.invalid("files: a part's name is the file's label and " + FileLabels.STEP_LABEL_RULE);
            }
            if (part.fileName() == null) {
                throw ApiException.invalid("files." + part.name() + ": must be a file part (with a filename)");
            }
            byte[] bytes;
            try (InputStream in = part.open()) {
                bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxUploadBytes + 1));
            }
            total += bytes.length;
            if (bytes.length > maxUploadBytes || total > maxUploadBytes) {
                throw ApiException.invalid("files." + part.name() + ": the upload may have at most " + maxUploadBytes + " bytes");
            }
            // the type is what the bytes say, never what the device declared
            files.add(new PersonInput.UploadedFile(part.name(), part.fileName(),
                    new ServiceFile(FileTypes.of(bytes), bytes)));
        }
        return answer(flow, stepId, new PersonInput.Upload(files));
    }

    // ---- documents to read (a step whose service implements DocumentPages) ----

    /**
     * Pages a node renders at once, whatever the number of requests: rendering is CPU and memory (one
     * page's image) per permit; a request that cannot get one within 2 s is answered 429.
     */
    private static final Semaphore PAGE_RENDERS = new Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors()), true);
    /**
     * Pages rendered lately, by file id and page: a file's content never changes under its id, and a page
     * is requested again when the person scrolls back or reloads. Bounded by bytes, not entries; reached
     * only through the checks below (the flow's own current step shows that file).
     */
    private static final Cache<String, byte[]> PAGE_CACHE = Caffeine.newBuilder()
            .maximumWeight(32L << 20).weigher((String key, byte[] png) -> png.length)
            .expireAfterAccess(Duration.ofMinutes(10)).build();

    /** {@code GET …/steps/{step_id}/documents/{n}}: the document itself, streamed, typed by its content. */
    ApiResponse document(String vlinkId, String stepId, String n) throws IOException {
        Flow flow = flowOfVlink(vlinkId);
        activity(flow);
        Shown shown = shownDocument(flow, stepId, n);
        DocumentPages.ShownDocument doc = shown.document();
        InputStream content = storage.files().open(doc.file().fileId())
                .orElseThrow(() -> ApiException.notFound("n: the document is no longer stored"));
        return ApiResponse.stream(FileTypes.servedAs(doc.file().contentType()), doc.file().size(), out -> {
                    try (InputStream in = content) {
                        in.transferTo(out);
                    }
                })
                .header("Content-Disposition", "attachment; filename=\"document-" + shown.index()
                        + FileTypes.extension(doc.file().contentType()) + "\"")
                .header("Content-Security-Policy", "sandbox");
    }

    /** {@code GET …/steps/{step_id}/documents/{n}/pages/{p}}: page p of document n as a PNG image. */
    ApiResponse page(String vlinkId, String stepId, String n, String p) throws IOException {
        Flow flow = flowOfVlink(vlinkId);
        activity(flow);
        Shown shown = shownDocument(flow, stepId, n);
        DocumentPages.ShownDocument doc = shown.document();
        int page = positive(p, "p");
        if (page > doc.pages()) {
            throw ApiException.notFound("p: document " + shown.index() + " has " + doc.pages() + " page"
                    + (doc.pages() == 1 ? "" : "s"));
        }
        String key = doc.file().fileId() + "/" + page;
        byte[] png = PAGE_CACHE.getIfPresent(key);
        if (png == null) {
            try {
                if (!PAGE_RENDERS.tryAcquire(2, TimeUnit.SECONDS)) {
                    throw new RetryLater("p: the server is rendering other pages; ask again in a moment", 1);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RetryLater("p: the server is busy; ask again in a moment", 1);
            }
            try {
                png = shown.pages().renderPage(shown.context(), doc, page);
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException("rendering page " + page + " of file " + doc.file().fileId(), e);
            } finally {
                PAGE_RENDERS.release();
            }
            PAGE_CACHE.put(key, png);
        }
        byte[] body = png;
        return ApiResponse.stream(FileTypes.PNG, body.length, out -> out.write(body));
    }

    private record Shown(DocumentPages pages, StepContext context, DocumentPages.ShownDocument document, int index) {
    }

    /**
     * Document {@code n} of the screen the flow's current step shows the person: only the current step,
     * only while its session waits for the person, only its service's documents. Anything else is 404
     * naming what is not there; an n that is no number, 422.
     */
    private Shown shownDocument(Flow flow, String stepId, String n) {
        int index = positive(n, "n");
        if (!flow.started() || flow.ended() || !stepId.equals(flow.currentStepId())) {
            throw ApiException.notFound("step_id: not the step the flow is at; its documents are shown only while it is");
        }
        ServiceSession open = null;
        for (ServiceSession s : storage.sessions().findByFlowId(flow.flowId())) {
            if (stepId.equals(s.stepId()) && s.liveness() == null
                    && (s.state() == SessionStateName.CREATED || s.state() == SessionStateName.PROCESSING)
                    && FlowEngine.screenOf(s) != null) {
                open = s;
            }
        }
        if (open == null) {
            throw ApiException.notFound("step_id: the step shows the person no documents now");
        }
        ServiceSession session = open;
        DocumentPages pages = engine.documentPages(flow, session)
                .orElseThrow(() -> ApiException.notFound("step_id: the step shows the person no documents"));
        StepContext context = engine.context(flow, session);
        List<DocumentPages.ShownDocument> documents;
        try {
            documents = pages.shownDocuments(context);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("service " + session.serviceName() + " could not list its documents", e);
        }
        if (index > documents.size()) {
            throw ApiException.notFound("n: the step shows " + documents.size() + " document"
                    + (documents.size() == 1 ? "" : "s"));
        }
        return new Shown(pages, context, documents.get(index - 1), index);
    }

    /** A path segment that must be a number from 1 (n, p): else 422 naming it. */
    private static int positive(String value, String field) {
        if (value == null || !value.matches("[1-9][0-9]{0,5}")) {
            throw ApiException.invalid(field + ": must be a whole number from 1");
        }
        return Integer.parseInt(value);
    }

    /** The person's answer to the step: its service decides; a rejection is 422 (or 429), else the new state. */
    private ApiResponse answer(Flow flow, String stepId, PersonInput input) {
        FlowEngine.Answer answer;
        try {
            answer = engine.act(flow.flowId(), stepId, input);
        } catch (InputRejected rejected) {
            throw InputError.of(rejected); // nothing was stored: the step stays as it was
        }
        if (answer.rejection() != null) {
            throw InputError.of(answer.rejection()); // committed (a try used), and still a wrong answer
        }
        return ApiResponse.json(200, stateView(reread(answer.flow())));
    }

    /** The flow as stored now: a service's work after its commit may have moved it on already. */
    private Flow reread(Flow flow) {
        return storage.flows().findById(flow.flowId()).orElse(flow);
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

    record CurrentStep(String stepId, String serviceName, Map<String, JsonNode> options, ObjectNode screen,
                       String sessionId, String accessToken, List<List<String>> pipeline, Integer attemptsLeft,
                       Instant expiresAt) {
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
            ObjectNode screen = open == null ? null : FlowEngine.screenOf(open);
            if (open != null && open.liveness() != null) {
                String token = engine.accessToken(open);
                ObjectNode camera = (screen == null ? Json.mapper().createObjectNode().put("kind", "camera") : screen)
                        .put("session_id", open.sessionId()).put("access_token", token)
                        .put("attempts_left", open.liveness().attemptsLeft())
                        .put("expires_at", open.liveness().expiresAt().toString());
                camera.set("pipeline", Json.mapper().valueToTree(open.liveness().pipeline()));
                currentStep = new CurrentStep(flow.currentStepId(), step.serviceName(), step.options(), camera,
                        open.sessionId(), token, open.liveness().pipeline(), open.liveness().attemptsLeft(),
                        open.liveness().expiresAt());
            } else {
                // no screen: the step's service is at work (a server-side step, a sandbox answer): the page waits
                currentStep = new CurrentStep(flow.currentStepId(), step.serviceName(), step.options(),
                        screen != null ? screen : Json.mapper().createObjectNode().put("kind", "wait"),
                        null, null, null, null, null);
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
        CameraService camera = engine.cameraService(flow, session).orElseThrow(() -> new IllegalStateException(
                "the service of session " + session.sessionId() + " judges no camera attempts"));
        // the attempt is taken before a byte of the body is read: of N uploads a device holds open, only as
        // many as the session has attempts get past this line, and a refused upload has used its attempt
        String attemptId = engine.reserveAttempt(session.sessionId(), flow.flowId());
        List<String> fileIds = new ArrayList<>();
        CameraService.AttemptVerdict verdict;
        try {
            Upload upload = readUpload(request);
            verdict = judge(camera, flow, session, upload, now);
            Map<String, ServiceFile> files = new LinkedHashMap<>();
            files.put(FileLabels.BESTFRAME, new ServiceFile("image/jpeg", upload.bestframe));
            // saved unbound, tagged with the attempt: no download finds them unless this attempt's verdict lands
            if (upload.video != null) {
                try (InputStream in = upload.video.open()) {
                    fileIds.add(engine.storeAttemptFile(flow, session.sessionId(), attemptId,
                            FileLabels.LIVENESS_VIDEO, upload.videoType, in));
                }
            }
            files.putAll(verdict.files());
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
            outcome = engine.recordAttempt(session.sessionId(), flow.flowId(), attemptId, verdict, fileIds);
        } catch (FlowEngine.Refusal lost) {
            // the session ended while this upload was judged: its files were never bound, and never will be
            engine.discardFiles(fileIds);
            throw lost;
        }
        // the verdict landed: what its service wants done once it is committed (a verified face's template)
        for (StepDecision.Effect effect : verdict.effects()) {
            try {
                effect.run();
            } catch (Exception | Error e) {
                LOG.error("work after the verdict of session {} failed", session.sessionId(), e);
            }
        }
        return ApiResponse.json(200, new AttemptAnswer(outcome.success(), outcome.errorCode(), outcome.attemptsLeft()));
    }

    /**
     * The step's camera service judges the attempt. A service that fails is the server's failure, not the
     * person's: the attempt gets no verdict ({@code unknown}) rather than a made-up one.
     */
    private CameraService.AttemptVerdict judge(CameraService camera, Flow flow, ServiceSession session,
                                               Upload upload, Instant now) {
        CameraService.CameraAttempt attempt = new CameraService.CameraAttempt(upload.metadata, upload.frames,
                upload.video != null, now, session.liveness().pipeline());
        try {
            return engine.metrics().timeService(session.serviceName(), "judge",
                    () -> camera.judge(engine.context(flow, session), attempt));
        } catch (ApiException e) {
            throw e; // a RetryLater (busy decoders) gives the attempt back
        } catch (Exception e) {
            LOG.error("camera service {} failed on session {}", session.serviceName(), session.sessionId(), e);
            ObjectNode result = Json.mapper().createObjectNode().put("service_name", session.serviceName())
                    .put("service_status", "unknown");
            result.putArray("error_codes");
            result.putArray("warnings");
            result.put("start_time", session.createdAt().toString());
            result.put("end_time", attempt.receivedAt().toString());
            return new CameraService.AttemptVerdict(ExecutionStatus.UNKNOWN, result, null);
        }
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
