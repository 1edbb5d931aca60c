package dev.idflow.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.Idflow;
import dev.idflow.core.model.Flow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A person walking a flow's vlink through the client API over HTTP, as the hosted page would, without a
 * browser: step by step ({@link #next()}, or the step's own verb: {@link #acceptConsent()},
 * {@link #fillForm}, {@link #enterOtp()}, {@link #passLiveness()}, …) or to the end
 * ({@link #completeFlow()}). Each verb checks that the flow's current step shows the screen it answers,
 * and fails naming the step, its service and its screen when it does not. Not thread-safe: one test
 * thread walks one person.
 */
public final class SimulatedPerson {
    /** The most steps {@link #completeFlow()} takes before it decides the flow goes round in circles. */
    static final int MAX_STEPS = 100;

    /** The current step as the page sees it. */
    public record Step(String stepId, String serviceName, String screenKind, JsonNode screen, JsonNode raw) {
        @Override
        public String toString() {
            return stepId + " (" + serviceName + ", screen " + screenKind + ")";
        }
    }

    /** How the flow ended: {@code pass} or {@code fail}, and {@code completed}, {@code timeout}, {@code disconnected} or {@code failed}. */
    public record Ended(String flowStatus, String endCause) {
    }

    /** An answer of the client API to one of the person's requests. */
    public record Answer(int status, JsonNode body, String errorCode, String errorMessage, String field, String rule) {
        public boolean ok() {
            return status == 200;
        }
    }

    /** What a liveness attempt told the device: success, else an error code; and the attempts left. */
    public record LivenessAnswer(boolean success, String errorCode, int attemptsLeft) {
    }

    private final KitHttp http;
    private final String vlinkId;
    private final SentMessages messages;
    private final Mockery mockery;
    private final TestClock clock;
    private final Idflow idflow;
    private final Map<String, Object> formAnswers;
    private final Map<String, byte[]> uploads = new LinkedHashMap<>();

    SimulatedPerson(KitHttp http, String vlinkId, SentMessages messages, Mockery mockery, TestClock clock, Idflow idflow,
                    Map<String, Object> formAnswers) {
        this.http = http;
        this.vlinkId = vlinkId;
        this.messages = messages;
        this.mockery = mockery;
        this.clock = clock;
        this.idflow = idflow;
        this.formAnswers = Map.copyOf(formAnswers);
    }

    // ---------------------------------------------------------------- reading

    /** {@code GET /hf/{vlink}/api/state}: the page's view of the flow. */
    public JsonNode state() {
        KitHttp.Reply reply = http.get(api("/state"));
        if (reply.status() != 200) {
            throw new AssertionError("the person's page could not read the flow: GET /hf/…/api/state answered "
                    + reply.summary());
        }
        return reply.json();
    }

    public String flowId() {
        return state().path("flow_id").asText();
    }

    /** The current step, or null before the start and once the flow ended. */
    public Step currentStep() {
        return step(state());
    }

    /** Whether the flow has ended (the state has an {@code end_cause}). */
    public boolean ended() {
        return state().has("end_cause");
    }

    /** How the flow ended; fails when it has not. */
    public Ended outcome() {
        JsonNode state = state();
        if (!state.has("end_cause")) {
            throw new AssertionError("the flow has not ended; it stands at " + describe(state));
        }
        return new Ended(state.path("flow_status").asText(), state.path("end_cause").asText());
    }

    /**
     * Where the page sends the person once the flow ended: the flow's {@code callback_url} with
     * {@code ?flow_id=…} appended (as the hosted page does); null while it runs or when it has none.
     */
    public String callbackUrl() {
        JsonNode state = state();
        if (!state.has("end_cause") || !state.hasNonNull("callback_url")) {
            return null;
        }
        String url = state.get("callback_url").asText();
        return url + (url.contains("?") ? "&" : "?") + "flow_id="
                + java.net.URLEncoder.encode(state.path("flow_id").asText(), java.nio.charset.StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- walking

    /** {@code POST /hf/{vlink}/api/start}: the person opened the link. Idempotent while the flow runs. */
    public JsonNode start() {
        return start(null, null);
    }

    /** As {@link #start()}, from a device: {@code mobile}/{@code desktop}, {@code android}/{@code ios}/{@code web}. */
    public JsonNode start(String deviceType, String platform) {
        ObjectNode body = KitHttp.JSON.createObjectNode();
        if (deviceType != null) {
            body.put("device_type", deviceType);
        }
        if (platform != null) {
            body.put("platform", platform);
        }
        KitHttp.Reply reply = http.postJson(api("/start"), body.toString());
        if (reply.status() != 200) {
            throw new AssertionError("the person could not start the flow: POST /hf/…/api/start answered " + reply.summary());
        }
        return reply.json();
    }

    /**
     * Does what the current step's screen asks, as an agreeable person would (starting the flow first if
     * need be): accepts a consent, keeps the flow's language, fills a form (prefilled values, answers given
     * to {@link SimulatedPersons#open(String, Map)}, else a valid value of the field's type), enters the OTP,
     * uploads sample files, makes an honest liveness attempt (its verdict is the sandbox's script, see
     * {@link Mockery#liveness}), reads the documents, signs. Returns the state after it. Fails, naming the step
     * and service, on a screen the person cannot answer ({@code wait}: the host or an operator must act).
     */
    public JsonNode next() {
        JsonNode state = state();
        if (state.has("end_cause")) {
            throw new AssertionError("the person has nothing left to do: the flow ended " + state.path("end_cause").asText()
                    + " (" + state.path("flow_status").asText() + ")");
        }
        if (!state.path("started").asBoolean()) {
            state = start();
            if (state.has("end_cause") || !state.has("current_step")) {
                return state;
            }
        }
        Step step = step(state);
        if (step == null) {
            throw new AssertionError("the flow has started but shows no current step: " + state);
        }
        switch (step.screenKind()) {
            case "consent" -> acceptConsent();
            case "language" -> chooseLanguage(keptLocale(state, step));
            case "form" -> fillForm(Map.of());
            case "otp" -> enterOtp();
            case "upload" -> uploadFiles();
            case "camera" -> attemptLiveness();
            case "documents" -> readDocuments();
            case "sign" -> sign();
            case "info" -> submit("{}");
            case "wait" -> throw new PersonCannotProceed(step, "the step waits for the host or an outside system"
                    + " (idflow.completeSession(sessionId, outcome), an operator's review), or for the TestClock to time it out");
            default -> throw new PersonCannotProceed(step, "the kit does not know the screen kind " + step.screenKind());
        }
        return state();
    }

    /**
     * Walks the flow to its end with {@link #next()} and returns how it ended. Fails, naming the step, its
     * service and its screen, when the person cannot go on.
     */
    public Ended completeFlow() {
        for (int i = 0; i < MAX_STEPS; i++) {
            JsonNode state = state();
            if (state.has("end_cause")) {
                return new Ended(state.path("flow_status").asText(), state.path("end_cause").asText());
            }
            next();
        }
        throw new AssertionError("the flow did not end after " + MAX_STEPS + " answers; it stands at " + describe(state()));
    }

    // ---------------------------------------------------------------- the steps

    /** Accepts the consent of the current step (screen {@code consent}). */
    public JsonNode acceptConsent() {
        return submit(expect("consent", "accept a consent"), "{\"accepted\":true}");
    }

    /** Declines the consent: the step fails. */
    public JsonNode declineConsent() {
        return submit(expect("consent", "decline a consent"), "{\"accepted\":false}");
    }

    /** Picks {@code locale} ({@code kk}, {@code ru}, {@code en}) on a {@code language} screen. */
    public JsonNode chooseLanguage(String locale) {
        return submit(expect("language", "choose a language"), "{\"locale\":" + KitHttp.JSON.valueToTree(locale) + "}");
    }

    /**
     * Fills the current {@code form} and sends it: {@code answers} by field name first, then the answers
     * given to {@link SimulatedPersons#open(String, Map)}, then the prefilled values, then a valid value of
     * each required field's type. A field with a pattern the kit cannot satisfy must be given.
     */
    public JsonNode fillForm(Map<String, Object> answers) {
        Step step = expect("form", "fill a form");
        ObjectNode out = KitHttp.JSON.createObjectNode();
        JsonNode values = step.screen().path("values");
        for (JsonNode field : step.screen().path("fields")) {
            String name = field.path("name").asText();
            if (answers.containsKey(name) || formAnswers.containsKey(name)) {
                // a null in the test's own map is sent as null: "the person left it empty"
                Object given = answers.containsKey(name) ? answers.get(name) : formAnswers.get(name);
                out.set(name, KitHttp.JSON.valueToTree(given));
            } else if (values.has(name)) {
                out.set(name, values.get(name));
            } else if (field.path("required").asBoolean()) {
                JsonNode value = FormValues.valid(field);
                if (value == null) {
                    throw new PersonCannotProceed(step, "the form's field " + name + " (type " + field.path("type").asText()
                            + (field.has("pattern") ? ", pattern " + field.path("pattern").asText() : "")
                            + ") needs an answer the kit cannot make up: give it to fillForm or SimulatedPersons.open");
                }
                out.set(name, value);
            }
        }
        return submit(step, KitHttp.JSON.createObjectNode().set("answers", out).toString());
    }

    /**
     * Enters the OTP code of the current {@code otp} step: the newest one the kit's message sender recorded
     * for this flow (live flows), else the code {@link Mockery#otpCode} scripted, else the sandbox's zeros.
     */
    public JsonNode enterOtp() {
        Step step = expect("otp", "enter an OTP code");
        String flowId = flowId();
        String code = messages.lastCode(flowId).orElseGet(() -> {
            Flow flow = flow(flowId);
            if (!flow.testFlow()) {
                throw new PersonCannotProceed(step, "no code was sent for this live flow (SentMessages holds none)");
            }
            String scripted = mockery.scriptedOtpCode(flow.personId());
            return scripted != null ? scripted : "0".repeat(step.screen().path("length").asInt(6));
        });
        return enterOtp(code);
    }

    /** Enters {@code code} on the {@code otp} screen; a wrong code fails naming {@code code} and the rule. */
    public JsonNode enterOtp(String code) {
        return submit(expect("otp", "enter an OTP code"), "{\"code\":" + KitHttp.JSON.valueToTree(code) + "}");
    }

    /** Asks for a new code ({@code POST …/resend}); before the screen's {@code resend_at}, 429: advance the clock. */
    public JsonNode resendOtp() {
        Step step = expect("otp", "ask for a new OTP code");
        return answered(step, "resend", http.postJson(api("/steps/" + step.stepId() + "/resend"), ""));
    }

    /** The file this person uploads under {@code label} (instead of a sample of the first accepted type). */
    public SimulatedPerson withUpload(String label, byte[] file) {
        uploads.put(Objects.requireNonNull(label, "label"), Objects.requireNonNull(file, "file"));
        return this;
    }

    /**
     * Uploads the files the current {@code upload} screen asks for (required ones, and those given to
     * {@link #withUpload}): a {@link SampleFiles} file of the first type each accepts.
     */
    public JsonNode uploadFiles() {
        Step step = expect("upload", "upload files");
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (JsonNode wanted : step.screen().path("files")) {
            String label = wanted.path("label").asText();
            if (uploads.containsKey(label)) {
                files.put(label, uploads.get(label));
                continue;
            }
            if (!wanted.path("required").asBoolean(true)) {
                continue;
            }
            byte[] sample = null;
            for (JsonNode type : wanted.path("types")) {
                sample = SampleFiles.of(type.asText());
                if (sample != null) {
                    break;
                }
            }
            if (sample == null) {
                throw new PersonCannotProceed(step, "the file " + label + " must be one of " + wanted.path("types")
                        + ", of which the kit makes no sample: give one with withUpload(\"" + label + "\", bytes)");
            }
            files.put(label, sample);
        }
        return uploadFiles(files);
    }

    /** Sends {@code files} (by label) as the whole answer of the current {@code upload} screen. */
    public JsonNode uploadFiles(Map<String, byte[]> files) {
        Step step = expect("upload", "upload files");
        return answered(step, "files", http.postMultipart(api("/steps/" + step.stepId() + "/files"),
                new KitHttp.Multipart().files(files)));
    }

    /** Scripts the sandbox to pass this person's liveness, then makes an attempt (test flows only). */
    public LivenessAnswer passLiveness() {
        script(ScriptedLiveness.PASS);
        return attemptLiveness();
    }

    /** Scripts the sandbox to fail this person's liveness ({@code attack}), then makes an attempt (test flows only). */
    public LivenessAnswer failLiveness() {
        script(ScriptedLiveness.FAIL);
        return attemptLiveness();
    }

    /**
     * One honest attempt at the current {@code camera} step, as the hosted page's camera would send it:
     * the actions of its pipeline in order, frames taken before and during each, with their times. Its
     * verdict is the sandbox script's, or idflow's analyzer's.
     */
    public LivenessAnswer attemptLiveness() {
        Step step = expect("camera", "make a liveness attempt");
        String token = step.raw().path("access_token").asText(step.screen().path("access_token").asText());
        JsonNode pipeline = step.raw().has("pipeline") ? step.raw().get("pipeline") : step.screen().path("pipeline");
        KitHttp.Multipart body = attempt(pipeline, clock.instant().minusSeconds(10));
        KitHttp.Reply reply = http.postMultipart("/liveness2/client/attempts", body, "Authorization", "Bearer " + token);
        if (reply.status() != 200) {
            throw new PersonCannotProceed(step, "the liveness attempt was refused: " + reply.summary());
        }
        JsonNode j = reply.json();
        return new LivenessAnswer(j.path("success").asBoolean(), j.path("error_code").asText(null),
                j.path("attempts_left").asInt());
    }

    /**
     * Reads every page of every document on the current {@code documents} screen (as images rendered by the
     * server) and acknowledges them. Fails when a page cannot be read.
     */
    public JsonNode readDocuments() {
        Step step = expect("documents", "read documents");
        int n = 0;
        for (JsonNode document : step.screen().path("documents")) {
            n++;
            for (int p = 1; p <= document.path("pages").asInt(1); p++) {
                KitHttp.Reply page = http.get(api("/steps/" + step.stepId() + "/documents/" + n + "/pages/" + p));
                if (page.status() != 200 || !"image/png".equals(page.contentType())) {
                    throw new PersonCannotProceed(step, "page " + p + " of document " + n + " could not be shown: "
                            + page.summary());
                }
            }
        }
        return submit(step, "{\"acknowledged\":true}");
    }

    /** Confirms signing on the current {@code sign} screen. */
    public JsonNode sign() {
        return submit(expect("sign", "sign documents"), "{\"confirmed\":true}");
    }

    /** Refuses to sign: the step fails ({@code signing_refused}). */
    public JsonNode refuseToSign() {
        return submit(expect("sign", "refuse to sign"), "{\"confirmed\":false}");
    }

    /**
     * Sends {@code json} as the answer to the current step and returns the state; a refusal fails naming the
     * step, its service, the status and what the server said (the field and the rule of a wrong answer).
     */
    public JsonNode submit(String json) {
        Step step = step(state());
        if (step == null) {
            throw new AssertionError("the person cannot answer: the flow shows no current step (" + describe(state()) + ")");
        }
        return submit(step, json);
    }

    /** Sends {@code json} as the answer to the current step and returns the server's answer, refusals included. */
    public Answer trySubmit(String json) {
        Step step = step(state());
        if (step == null) {
            throw new AssertionError("the person cannot answer: the flow shows no current step (" + describe(state()) + ")");
        }
        KitHttp.Reply reply = http.postJson(api("/steps/" + step.stepId() + "/submit"), json);
        JsonNode body = reply.json();
        return new Answer(reply.status(), body, body.path("error_code").asText(null), body.path("error_msg").asText(null),
                body.path("field").asText(null), body.path("rule").asText(null));
    }

    // ---------------------------------------------------------------- internals

    private JsonNode submit(Step step, String json) {
        return answered(step, "submit", http.postJson(api("/steps/" + step.stepId() + "/submit"), json));
    }

    private JsonNode answered(Step step, String what, KitHttp.Reply reply) {
        if (reply.status() != 200) {
            throw new PersonCannotProceed(step, "its " + what + " was refused: " + reply.summary());
        }
        return reply.json();
    }

    private Step expect(String screenKind, String doing) {
        JsonNode state = state();
        Step step = step(state);
        if (step == null) {
            throw new AssertionError("the person cannot " + doing + ": " + (state.has("end_cause")
                    ? "the flow ended " + state.path("end_cause").asText() + " (" + state.path("flow_status").asText() + ")"
                    : "the flow has not started (call start() or next())"));
        }
        if (!step.screenKind().equals(screenKind)) {
            throw new PersonCannotProceed(step, "the person cannot " + doing + " there (that needs a " + screenKind
                    + " screen)");
        }
        return step;
    }

    /** The flow's locale when the screen offers it, else the screen's first. */
    private static String keptLocale(JsonNode state, Step step) {
        String locale = state.path("locale").asText("en");
        JsonNode offered = step.screen().path("locales");
        for (JsonNode l : offered) {
            if (l.asText().equals(locale)) {
                return locale;
            }
        }
        return offered.isEmpty() ? locale : offered.get(0).asText();
    }

    private static Step step(JsonNode state) {
        JsonNode current = state.get("current_step");
        if (current == null || current.isNull()) {
            return null;
        }
        return new Step(current.path("step_id").asText(), current.path("service_name").asText(),
                current.path("screen").path("kind").asText(), current.path("screen"), current);
    }

    private static String describe(JsonNode state) {
        if (state.has("end_cause")) {
            return "its end (" + state.path("end_cause").asText() + ", " + state.path("flow_status").asText() + ")";
        }
        Step step = step(state);
        return step == null ? "its start (not started)" : "step " + step;
    }

    private void script(ScriptedLiveness outcome) {
        Step step = expect("camera", "make a liveness attempt");
        Flow flow = flow(flowId());
        if (!flow.testFlow()) {
            throw new PersonCannotProceed(step, "a live flow's liveness cannot be scripted (the sandbox scripts test"
                    + " flows only): use attemptLiveness() with the host's face analysis");
        }
        mockery.liveness(flow.personId(), outcome);
    }

    private Flow flow(String flowId) {
        return idflow.storage().flows().findById(flowId)
                .orElseThrow(() -> new AssertionError("flow " + flowId + " is not in the kit's store"));
    }

    private String api(String path) {
        return "/hf/" + vlinkId + "/api" + path;
    }

    /** A camera front end's upload: one frame before the first action, three during each, with their times. */
    private static KitHttp.Multipart attempt(JsonNode pipeline, Instant startedAt) {
        List<String> actions = new ArrayList<>();
        pipeline.forEach(group -> {
            if (group.isArray()) {
                group.forEach(a -> actions.add(a.asText()));
            } else {
                actions.add(group.asText());
            }
        });
        ObjectNode meta = KitHttp.JSON.createObjectNode().put("platform", "web")
                .put("user_agent", "idflow-testkit").put("mobile", true).put("camera_label", "Front Camera")
                .put("started_at", startedAt.toString());
        ArrayNode list = meta.putArray("actions");
        ArrayNode frames = meta.putArray("frames");
        frames.addObject().put("taken_at", startedAt.plusMillis(200).toString());
        Instant t = startedAt.plusMillis(500);
        for (String action : actions) {
            list.addObject().put("action", action).put("started_at", t.toString())
                    .put("ended_at", t.plusMillis(1500).toString());
            for (int f : new int[] {600, 975, 1350}) {
                frames.addObject().put("taken_at", t.plusMillis(f).toString());
            }
            t = t.plusMillis(2000);
        }
        meta.put("ended_at", t.toString()).put("bestframe_index", 0);
        KitHttp.Multipart body = new KitHttp.Multipart().field("metadata", meta.toString());
        byte[] frame = SampleFiles.face();
        for (int i = 0; i < frames.size(); i++) {
            body.file("frame", "frame-" + i + ".jpg", SampleFiles.JPEG, frame);
        }
        return body;
    }
}
