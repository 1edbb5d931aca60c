package dev.idflow.core.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.engine.FlowEngine;
import dev.idflow.core.internal.FileTypes;
import dev.idflow.core.internal.Ids;
import dev.idflow.core.internal.Json;
import dev.idflow.core.internal.RequestBodies;
import dev.idflow.core.internal.validation.InputValidator;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.FileLabels;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.FlowTemplate;
import dev.idflow.core.model.MockeryScript;
import dev.idflow.core.model.PipelineStep;
import dev.idflow.core.model.ServiceNames;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.model.SessionState;
import dev.idflow.core.model.SessionStateName;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.services.VeriliveService;
import dev.idflow.core.spi.FileQuery;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.StepDecision;
import dev.idflow.core.spi.TemplateRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The consumer API's operations as plain Java: a caller and a request in, a response out. Routing,
 * authentication and the spec's status discipline live in {@link ApiDispatcher}.
 */
final class ConsumerApi {
    private static final Set<String> LIVENESS_ERRORS = Set.of("timeout", "model_prediction", "no_face", "closed_eyes",
            "face_multiplicity_frame", "face_multiplicity_session", "face_in_blacklist", "face_in_graylist",
            "face_has_another_account", "device_in_blacklist", "high_velocity", "virtual_camera_risk",
            "desktop_session", "origin_country_rejected", "motion_inconsistency");

    /**
     * The label of a doc-builder template: an HTML upload, the one kind of markup kept. It is stored and
     * served as text/plain (an attachment, sandboxed), so it can never become a page in the bank's origin.
     */
    static final String TEMPLATE_LABEL = "doc_builder_template";

    /** The label of an input file uploaded without one. */
    static final String UNSPECIFIED_LABEL = "unspecified";

    private static final String NO_SUCH_FLOW = "flow_id: no such flow";
    private static final String NO_SUCH_SESSION = "session_id: no such session";

    private final IdflowStorage storage;
    private final FlowEngine engine;
    private final TemplateRegistry templates;
    private final InputValidator validator;
    private final RequestBodies bodies;
    private final Ids ids;
    private final String publicBaseUrl;
    private final long maxUploadBytes;
    private final Idempotency idempotency;

    private final dev.idflow.core.engine.DataKeeper keeper;
    /** polled_at, written behind on SQL stores: a GET takes no row lock (PollMarks). */
    private final dev.idflow.core.engine.PollMarks pollMarks;

    ConsumerApi(IdflowStorage storage, FlowEngine engine, dev.idflow.core.engine.DataKeeper keeper, TemplateRegistry templates,
                dev.idflow.core.engine.PollMarks pollMarks,
                InputValidator validator, RequestBodies bodies, Ids ids, String publicBaseUrl, long maxUploadBytes,
                int maxJsonBytes, byte[] requestHashKey) {
        this.storage = storage;
        this.engine = engine;
        this.keeper = keeper;
        this.pollMarks = pollMarks;
        this.templates = templates;
        this.validator = validator;
        this.bodies = bodies;
        this.ids = ids;
        this.publicBaseUrl = publicBaseUrl;
        this.maxUploadBytes = maxUploadBytes;
        this.idempotency = new Idempotency(storage.idempotencyKeys(), engine::now, ids, maxJsonBytes, requestHashKey);
    }

    // ---- DELETE /persons/{person_id} ----

    /**
     * Erases the person's data of the caller's consumer and kind (a test key test data only, a live key live
     * data only), recorded in the audit trail with the key's display form as the actor. 204, also when there
     * was nothing (again).
     */
    ApiResponse erasePerson(Caller caller, String rawPersonId) {
        String personId;
        try {
            personId = java.net.URLDecoder.decode(rawPersonId.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("person_id: " + Requests.PERSON_ID_RULE);
        }
        if (personId.length() < 6 || personId.length() > 48 || !personId.matches(Requests.PERSON_ID_PATTERN)) {
            throw ApiException.invalid("person_id: " + Requests.PERSON_ID_RULE);
        }
        String actor = storage.apiKeys().findKeyByHash(caller.keyHash()).map(dev.idflow.core.model.ApiKey::display)
                .orElse(caller.test() ? "test key" : "live key");
        keeper.erasePerson(caller.consumerId(), personId, caller.test(), "api_key:" + actor);
        return ApiResponse.empty(204);
    }

    // ---- POST /flow ----

    ApiResponse createFlow(Caller caller, ApiRequest request) throws IOException {
        return idempotency.run(caller, request, "POST /flow", List.of("vlink"), r -> createFlowOnce(caller, r),
                (flowId, answer) -> answer.put("vlink", storage.flows().findById(flowId).map(this::vlink)
                        .orElseThrow(() -> ApiException.invalid(Idempotency.HEADER
                                + ": the flow created with this key no longer exists; use a new key"))));
    }

    private Idempotency.Created createFlowOnce(Caller caller, ApiRequest request) throws IOException {
        Requests.CreateFlow body = validator.check(bodies.read(request.body(), Requests.CreateFlow.class), "");
        FlowTemplate template = resolveTemplate(caller, body);
        checkServicesAvailable(caller, template, body.template() != null ? "template.pipeline" : "template_id");
        Flow flow = engine.createFlow(new FlowEngine.NewFlow(caller.consumerId(), body.personId(), template,
                body.templateId(), caller.test(), body.locale(), body.callbackUrl(), body.inputData(), body.ttl()));
        return new Idempotency.Created(201, flow.flowId(),
                Json.mapper().valueToTree(new Views.CreateFlowResponse(flow.flowId(), vlink(flow))));
    }

    private FlowTemplate resolveTemplate(Caller caller, Requests.CreateFlow body) {
        if (body.template() != null && body.templateId() != null) {
            throw ApiException.invalid("template, template_id: give one of them, not both");
        }
        if (body.template() != null) {
            return body.template();
        }
        if (body.templateId() == null) {
            throw ApiException.invalid("template: a template (with its pipeline) or a template_id is required");
        }
        return templates.find(caller.consumerId(), body.templateId()).orElseThrow(
                () -> ApiException.invalid("template_id: no template with this id is registered"));
    }

    /**
     * Every step's service must be performable here, for the caller's kind of flow (the sandbox can script
     * any service in a test flow; a live flow needs an implementation that can work now), and its options
     * must be ones the service understands.
     */
    private void checkServicesAvailable(Caller caller, FlowTemplate template, String field) {
        List<PipelineStep> pipeline = template.pipeline();
        boolean byId = field.equals("template_id");
        for (int i = 0; i < pipeline.size(); i++) {
            PipelineStep step = pipeline.get(i);
            String name = step.serviceName();
            String at = byId ? field : field + "[" + i + "]";
            Optional<FlowService> service = engine.services().find(name, caller.test());
            if (service.isEmpty() || !service.get().availableIn(caller.test())) {
                Set<String> usable = new java.util.TreeSet<>();
                for (String known : engine.services().names(caller.test())) {
                    engine.services().find(known, caller.test()).filter(s -> s.availableIn(caller.test()))
                            .ifPresent(s -> usable.add(known));
                }
                throw new ApiException(422, "SERVICE_NOT_AVAILABLE", at + (byId ? "" : ".service_name")
                        + ": service " + name + " of step-" + (i + 1) + " is not available on this server"
                        + (service.isPresent() ? " (it needs what the host has not set up, such as a message sender or a face matcher)" : "")
                        + " (available: " + String.join(", ", usable) + ")");
            }
            List<String> problems = service.get().checkOptions(step.options());
            if (!problems.isEmpty()) {
                // a template registered by the host: its path is the step's, within the template named
                throw ApiException.invalid(byId ? "template_id: the template's step-" + (i + 1) + " option "
                        + problems.get(0) : at + "." + problems.get(0));
            }
        }
    }

    // ---- GET /flow/{flow_id} ----

    ApiResponse getFlow(Caller caller, String flowId) {
        Flow flow = ownedFlow(caller, flowId);
        Instant now = engine.now();
        pollMarks.mark(flow.flowId(), now);
        return ApiResponse.json(200, flowView(flow.toBuilder().polledAt(now).build()));
    }

    // ---- GET /flow/{flow_id}/result ----

    ApiResponse getFlowResult(Caller caller, String flowId) {
        Flow flow = ownedFlow(caller, flowId);
        if (!flow.started()) {
            throw new ApiException(404, "FLOW_NOT_STARTED", "flow_id: the person has not started this flow yet");
        }
        return ApiResponse.json(200, Projections.flow(flow, storage.sessions().findByFlowId(flow.flowId())));
    }

    // ---- GET /journal/session/{session_id} ----

    ApiResponse getSession(Caller caller, String sessionId) {
        if (!Ids.isSessionId(sessionId)) {
            throw ApiException.invalid("session_id: must be a session id (a ULID followed by -S)");
        }
        ServiceSession session = storage.sessions().findById(sessionId)
                // another consumer's session, and a session of the caller's other kind of key (test or
                // live), are indistinguishable from none: the spec lists no 403 here
                .filter(s -> s.consumerId().equals(caller.consumerId()) && s.testSession() == caller.test())
                .orElseThrow(() -> ApiException.notFound(NO_SUCH_SESSION));
        String vlinkId = session.flowId() == null ? null
                : storage.flows().findById(session.flowId()).map(engine::vlinkToken).orElse(null);
        return ApiResponse.json(200, Projections.session(session, vlinkId));
    }

    // ---- POST /liveness2/session ----

    ApiResponse createLivenessSession(Caller caller, ApiRequest request) throws IOException {
        return idempotency.run(caller, request, "POST /liveness2/session", List.of("access_token", "person_id"),
                r -> createLivenessSessionOnce(caller, r), (sessionId, answer) -> {
                    ServiceSession session = storage.sessions().findById(sessionId).filter(s -> s.liveness() != null)
                            .orElseThrow(() -> ApiException.invalid(Idempotency.HEADER
                                    + ": the session created with this key no longer exists; use a new key"));
                    answer.put("access_token", engine.accessToken(session)).put("person_id", session.personId());
                });
    }

    private Idempotency.Created createLivenessSessionOnce(Caller caller, ApiRequest request) throws IOException {
        Requests.CreateLivenessSession body = validator.check(
                bodies.read(request.body(), Requests.CreateLivenessSession.class), "");
        Flow flow;
        String stepId;
        if (body.flowId() != null) {
            if (!Ids.isFlowId(body.flowId())) {
                throw ApiException.invalid("flow_id: must be a flow id (a ULID followed by -F)");
            }
            flow = storage.flows().findById(body.flowId())
                    .orElseThrow(() -> ApiException.invalid(NO_SUCH_FLOW));
            if (!flow.consumerId().equals(caller.consumerId())) {
                throw ApiException.forbidden("flow_id: the flow belongs to another consumer");
            }
            if (flow.testFlow() != caller.test()) {
                // the caller's other kind of flow answers exactly as an unknown id (see ownedFlow)
                throw ApiException.invalid(NO_SUCH_FLOW);
            }
            if (!flow.personId().equals(body.personId())) {
                throw ApiException.invalid("person_id: must be the person_id of the flow given in flow_id");
            }
            stepId = livenessStep(flow);
        } else {
            // the flow made for the session gives its step as long as the token lives: the step's
            // timeout must not end the flow while the access token is still valid
            int duration = body.duration() == null ? 300 : body.duration();
            flow = engine.createFlow(new FlowEngine.NewFlow(caller.consumerId(), body.personId(),
                    FlowTemplate.of(new PipelineStep(ServiceNames.VERILIVE, null, duration, null, null)), null,
                    caller.test(), null, null, null, null));
            stepId = FlowTemplate.stepId(0);
        }
        int attempts = (body.maxRetries() == null ? 3 : body.maxRetries()) + 1;
        // no pipeline given: drawn here, so that no replay can be prepared for it
        // from the actions the analyzer can check, when the verilive service is idflow's own
        List<List<String>> pipeline = body.pipeline() != null ? body.pipeline()
                : engine.services().find(ServiceNames.VERILIVE, caller.test())
                        .filter(VeriliveService.class::isInstance).map(VeriliveService.class::cast)
                        .map(v -> v.drawPipeline(ids.random()))
                        .orElseGet(() -> VeriliveService.randomPipeline(ids.random()));
        ServiceSession session = engine.openConsumerCameraSession(new FlowEngine.NewCameraSession(flow.flowId(), stepId,
                        new StepDecision.Camera(pipeline, attempts, body.duration() == null ? 300 : body.duration(),
                                body.platform())))
                .orElseThrow(() -> ApiException.invalid("flow_id: the flow has already ended"));
        return new Idempotency.Created(201, session.sessionId(), Json.mapper().valueToTree(
                new Views.LivenessSessionCreated(engine.accessToken(session), session.sessionId(), session.personId(),
                        session.flowId(), session.createdAt(), session.liveness().attemptsLeft())));
    }

    /** The verilive step a liveness session joins: the current step if it is one, else the first. */
    private static String livenessStep(Flow flow) {
        if (flow.ended()) {
            throw ApiException.invalid("flow_id: the flow has already ended");
        }
        List<PipelineStep> pipeline = flow.template().pipeline();
        int current = flow.template().indexOf(flow.currentStepId());
        if (current >= 0 && ServiceNames.VERILIVE.equals(pipeline.get(current).serviceName())) {
            return flow.currentStepId();
        }
        for (int i = 0; i < pipeline.size(); i++) {
            if (ServiceNames.VERILIVE.equals(pipeline.get(i).serviceName())) {
                return FlowTemplate.stepId(i);
            }
        }
        throw ApiException.invalid("flow_id: the flow's pipeline has no verilive step");
    }

    // ---- GET /resources/file ----

    ApiResponse getFile(Caller caller, Map<String, List<String>> query) throws IOException {
        String label = single(query, "label");
        if (label == null) {
            throw ApiException.invalid("label: is required");
        }
        boolean specLabel = FileLabels.ALL.contains(label);
        if (!specLabel && !FileLabels.STEP_LABEL.matcher(label).matches()) {
            throw ApiException.invalid(unknownLabel());
        }
        String sessionId = single(query, "session_id");
        String flowId = single(query, "flow_id");
        String personId = single(query, "person_id");
        int given = (sessionId != null ? 1 : 0) + (flowId != null ? 1 : 0) + (personId != null ? 1 : 0);
        if (given != 1) {
            throw ApiException.invalid("session_id, flow_id, person_id: give exactly one of them (" + given + " given)");
        }
        FileQuery fileQuery;
        if (sessionId != null) {
            if (!Ids.isSessionId(sessionId)) {
                throw ApiException.invalid("session_id: must be a session id (a ULID followed by -S)");
            }
            ServiceSession session = storage.sessions().findById(sessionId)
                    .orElseThrow(() -> ApiException.notFound(NO_SUCH_SESSION));
            if (!session.consumerId().equals(caller.consumerId())) {
                throw ApiException.forbidden("session_id: the session belongs to another consumer");
            }
            if (session.testSession() != caller.test()) {
                // the caller's other kind of session answers exactly as an unknown id (see ownedFlow)
                throw ApiException.notFound(NO_SUCH_SESSION);
            }
            fileQuery = FileQuery.session(sessionId, caller.test());
        } else if (flowId != null) {
            ownedFlow(caller, flowId);
            fileQuery = FileQuery.flow(flowId, caller.test());
        } else {
            fileQuery = FileQuery.person(checkPersonId(personId), caller.test());
        }
        Optional<StoredFile> found = storage.files().findNewest(caller.consumerId(), label, fileQuery);
        if (found.isEmpty() && !specLabel) {
            // a label of the caller's own making (a file-storage step's) is a label only where such a file
            // is: elsewhere it is a wrong label, as it always was. The lookup is the caller's files only,
            // of its own kind, so the difference from a 404 tells nothing of anyone else's files.
            throw ApiException.invalid(unknownLabel());
        }
        StoredFile file = found.orElseThrow(() -> ApiException.notFound("label: no " + label + " file for that "
                + fileQuery.kind().name().toLowerCase()));
        InputStream content = storage.files().open(file.fileId())
                .orElseThrow(() -> ApiException.notFound("label: the " + label + " file is no longer stored"));
        // the file's own type when idflow made it or checked it on upload, whatever the Accept says
        // (PRODUCT.md "Files"); always an attachment, and sandboxed should a browser render it anyway
        return ApiResponse.stream(FileTypes.servedAs(file.contentType()), file.size(), out -> {
                    try (InputStream in = content) {
                        in.transferTo(out);
                    }
                })
                .header("Content-Disposition", "attachment; filename=\"" + downloadName(file) + "\"")
                .header("Content-Security-Policy", "sandbox")
                .header("X-Content-Type-Options", "nosniff")
                .header("Cache-Control", "no-store");
    }

    private static String unknownLabel() {
        return "label: must be one of " + String.join(", ", FileLabels.ALL)
                + ", or the label of a file a file-storage step stored there (none with this label is)";
    }

    private static String downloadName(StoredFile file) {
        String name = file.fileName();
        if (name == null || name.isBlank()) {
            return file.label() + FileTypes.extension(file.contentType());
        }
        // a quoted header value: keep it to safe characters whatever the uploader called the file
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static String single(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw ApiException.invalid(name + ": give it once (" + values.size() + " given)");
        }
        return values.get(0).isEmpty() ? null : values.get(0);
    }

    // ---- POST /resources/storage ----

    ApiResponse storeUpload(Caller caller, ApiRequest request) throws IOException {
        Map<String, UploadPart> parts = new LinkedHashMap<>();
        for (UploadPart part : request.parts()) {
            parts.putIfAbsent(part.name(), part);
        }
        if (parts.isEmpty()) {
            throw ApiException.invalid("body: must be multipart/form-data with parts upload_file, label and person_id");
        }
        UploadPart file = parts.get("upload_file");
        if (file == null) {
            throw ApiException.invalid("upload_file: is required (a file part)");
        }
        if (file.fileName() == null) {
            // a plain form field is text someone typed, not a document: the part must carry a filename
            throw ApiException.invalid("upload_file: must be a file part (Content-Disposition with a filename)");
        }
        if (file.size() > maxUploadBytes) {
            throw ApiException.invalid("upload_file: must be at most " + maxUploadBytes + " bytes");
        }
        // an input file's label is the client's word, not the download enum (PRODUCT.md "Beyond the spec"):
        // the one public client sends "unspecified"; a missing label means just that
        String label = text(parts.get("label"));
        if (label == null) {
            label = UNSPECIFIED_LABEL;
        }
        if (!FileLabels.STEP_LABEL.matcher(label).matches()) {
            throw ApiException.invalid("label: " + FileLabels.STEP_LABEL_RULE + " (e.g. unspecified, doc_builder_template)");
        }
        String personId = text(parts.get("person_id"));
        if (personId == null) {
            throw ApiException.invalid("person_id: is required");
        }
        checkPersonId(personId);
        Instant now = engine.now();
        String sessionId = ids.sessionId();
        // what the bytes are, never what the client declared
        String contentType = uploadType(file, TEMPLATE_LABEL.equals(label));
        // the file first: a session pointing at no file would be worse than a file no session names
        try (InputStream in = file.open()) {
            // bound at once: no verdict depends on it, and the session naming it is inserted next (if that
            // insert fails, the consumer's own file of its own kind stays findable by person_id only)
            storage.files().save(new StoredFile(ids.fileId(), caller.consumerId(), personId, null, sessionId, label,
                    contentType, file.fileName(), -1, now, caller.test(), null, true), in);
        }
        List<SessionState> states = List.of(new SessionState(SessionStateName.CREATED, now),
                new SessionState(SessionStateName.PROCESSING, now), new SessionState(SessionStateName.PROCESSED, now));
        storage.sessions().insert(new ServiceSession(sessionId, caller.consumerId(), personId, null, null,
                ServiceNames.FILE_STORAGE, FlowEngine.API_VERSION, caller.test(), SessionStateName.PROCESSED, states,
                ExecutionStatus.PASS, null, null, null, null, now, now, 0));
        return ApiResponse.json(201, new Views.StoredUpload(sessionId));
    }

    /**
     * The type of an uploaded file by its bytes: PDF, JPEG, PNG, WebM or MP4 by their signatures, else
     * JSON or plain text when the whole content is valid UTF-8 without NUL (JSON when it parses), and
     * nothing else: markup (HTML, SVG, XML) and unknown binaries are refused. Each check streams the
     * part from its start again; none loads it whole.
     */
    private static String uploadType(UploadPart file, boolean template) throws IOException {
        byte[] head;
        try (InputStream in = file.open()) {
            head = in.readNBytes(FileTypes.HEAD_BYTES);
        }
        String sniffed = FileTypes.sniff(head);
        if (FileTypes.UPLOADABLE.contains(sniffed)) {
            return sniffed;
        }
        String text;
        try (InputStream in = file.open()) {
            text = FileTypes.textType(in, template);
        }
        if (text == null) {
            throw ApiException.invalid("upload_file: must be a PDF, JPEG, PNG, WebM or MP4 file, plain UTF-8 text "
                    + "or JSON (checked by its bytes; markup such as HTML or SVG is refused, except as a "
                    + TEMPLATE_LABEL + ", which is kept as text/plain)");
        }
        try (InputStream in = file.open()) {
            return FileTypes.isJson(in) ? FileTypes.JSON : FileTypes.TEXT;
        }
    }

    /** The spec's PersonId rule, for values that arrive outside a JSON body (query, form field). */
    private static String checkPersonId(String personId) {
        if (personId.length() < 6 || personId.length() > 48 || !personId.matches(Requests.PERSON_ID_PATTERN)) {
            throw ApiException.invalid("person_id: " + Requests.PERSON_ID_RULE);
        }
        return personId;
    }

    private static String text(UploadPart part) throws IOException {
        if (part == null) {
            return null;
        }
        try (InputStream in = part.open()) {
            String value = new String(in.readNBytes(1024), StandardCharsets.UTF_8).trim();
            return value.isEmpty() ? null : value;
        }
    }

    // ---- POST /mockery/result ----

    ApiResponse scriptMockery(Caller caller, ApiRequest request) throws IOException {
        if (!caller.test()) {
            throw ApiException.forbidden("X-Verigram-Api-Key: the sandbox mockery takes test keys only; this is a live key");
        }
        Requests.Mockery body = validator.check(bodies.read(request.body(), Requests.Mockery.class), "");
        ObjectNode result = body.result();
        String serviceName = checkScriptedResult(result);
        Map<String, byte[]> files = new LinkedHashMap<>();
        if (body.files() != null) {
            for (Map.Entry<String, String> e : body.files().entrySet()) {
                if (e.getValue().isEmpty()) {
                    continue; // a client's way of saying it has no such file (kisc_face_image: "")
                }
                try {
                    // line breaks are allowed (base64 is often wrapped); anything else off the alphabet is
                    // refused, where the MIME decoder would silently drop it and store other bytes than sent
                    files.put(e.getKey(), Base64.getDecoder().decode(e.getValue().replaceAll("[\\r\\n]", "")));
                } catch (IllegalArgumentException ex) {
                    throw ApiException.invalid("files." + e.getKey() + ": must be base64 (RFC 4648, line breaks allowed)");
                }
            }
        }
        storage.mockery().put(new MockeryScript(caller.consumerId(), body.personId(), serviceName, result, files,
                engine.now()));
        return ApiResponse.json(200, new Views.MockeryAccepted(body.personId(), serviceName));
    }

    /** A scripted result must say which service it is for and, for verilive, be a valid VeriliveResult. */
    private static String checkScriptedResult(ObjectNode result) {
        JsonNode name = result.get("service_name");
        if (name == null || !name.isTextual()) {
            throw ApiException.invalid("result.service_name: is required");
        }
        if (!ServiceNames.ALL.contains(name.asText())) {
            throw ApiException.invalid("result.service_name: must be one of " + String.join(", ", ServiceNames.ALL));
        }
        JsonNode status = result.get("service_status");
        if (status == null || !status.isTextual()) {
            throw ApiException.invalid("result.service_status: is required (a string)");
        }
        if (ServiceNames.VERILIVE.equals(name.asText())) {
            if (!Set.of("real", "attack", "unknown").contains(status.asText())) {
                throw ApiException.invalid("result.service_status: must be one of real, attack, unknown");
            }
            for (String field : List.of("error_codes", "warnings")) {
                JsonNode codes = result.get(field);
                if (codes == null) {
                    continue;
                }
                if (!codes.isArray()) {
                    throw ApiException.invalid("result." + field + ": must be an array");
                }
                for (int i = 0; i < codes.size(); i++) {
                    if (!LIVENESS_ERRORS.contains(codes.get(i).asText())) {
                        throw ApiException.invalid("result." + field + "[" + i + "]: must be one of "
                                + String.join(", ", new java.util.TreeSet<>(LIVENESS_ERRORS)));
                    }
                }
            }
        }
        return name.asText();
    }

    // ---- shared ----

    private Flow ownedFlow(Caller caller, String flowId) {
        if (!Ids.isFlowId(flowId)) {
            throw ApiException.invalid("flow_id: must be a flow id (a ULID followed by -F)");
        }
        Flow flow = storage.flows().findById(flowId).orElseThrow(() -> ApiException.notFound(NO_SUCH_FLOW));
        if (!flow.consumerId().equals(caller.consumerId())) {
            throw ApiException.forbidden("flow_id: the flow belongs to another consumer");
        }
        if (flow.testFlow() != caller.test()) {
            // Test keys see test data only, live keys live data only (PRODUCT.md). The consumer is
            // checked first so that another consumer's id answers 403 whatever its kind, as before:
            // the kind of another consumer's flow is never told, and the caller's own other kind is
            // the very answer of an id that does not exist.
            throw ApiException.notFound(NO_SUCH_FLOW);
        }
        return flow;
    }

    String vlink(Flow flow) {
        return publicBaseUrl + "/hf/" + engine.vlinkToken(flow);
    }

    private Views.FlowView flowView(Flow f) {
        return new Views.FlowView(f.flowId(), f.consumerId(), vlink(f), f.apiVersion(), f.locale(), f.personId(),
                f.template(), f.testFlow(), f.currentStepId(), f.callbackUrl(), f.inputData(),
                f.initialDeviceType() == null ? null : new Views.InputMeta(f.initialDeviceType()), f.templateId(),
                f.createdAt(), f.ttl(), f.updatedAt(), f.polledAt(), f.startedAt(), f.currentStepStartedAt(),
                f.endedAt(), f.flowStatus(), f.endCause());
    }
}
