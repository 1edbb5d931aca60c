package dev.idflow.core.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.spi.LivenessAnalyzer;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What idflow decides itself about a liveness attempt: only rules it can really check. A broken rule
 * makes the attempt an {@code attack} with its error code; otherwise the face-analysis engine the
 * bank plugged in decides, and without one the answer is {@code unknown} — never an invented
 * {@code real}.
 */
public final class RulesLivenessAnalyzer implements LivenessAnalyzer {
    /** Camera names of virtual-camera software, as browsers and SDKs report them. */
    private static final Pattern VIRTUAL_CAMERA = Pattern.compile(
            "virtual|obs[- ]|obs$|manycam|snap camera|xsplit|droidcam|splitcam|e2esoft|webcamoid|camtwist|"
                    + "iriun|epoccam|ndi|fake|v4l2loopback|mmhmm|chromacam|youcam",
            Pattern.CASE_INSENSITIVE);
    /**
     * How far a device's clock may run from the server's and its action times still count: phones keep
     * network time within seconds; a minute forgives a slow desktop clock, not a replay from another day.
     */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(60);
    /** No real person turns their head, smiles or blinks on cue faster than this. */
    private static final long MIN_ACTION_MILLIS = 300;
    /** More liveness sessions than this for one person within an hour is not a person retrying. */
    private final int maxSessionsPerHour;
    private final LivenessAnalyzer faceAnalysis;

    /**
     * @param faceAnalysis the bank's presentation-attack engine, or null when none is plugged in
     * @param maxSessionsPerHour the velocity limit per person
     */
    public RulesLivenessAnalyzer(LivenessAnalyzer faceAnalysis, int maxSessionsPerHour) {
        this.faceAnalysis = faceAnalysis;
        this.maxSessionsPerHour = maxSessionsPerHour;
    }

    @Override
    public Verdict analyze(Attempt attempt) throws Exception {
        List<String> errors = new ArrayList<>();
        JsonNode meta = attempt.metadata();
        if (attempt.recentSessionsOfPerson() > maxSessionsPerHour) {
            errors.add("high_velocity");
        }
        String camera = meta.path("camera_label").asText("");
        if (!camera.isBlank() && VIRTUAL_CAMERA.matcher(camera).find()) {
            errors.add("virtual_camera_risk");
        }
        if (!attempt.allowDesktop() && meta.has("mobile") && !meta.path("mobile").asBoolean(true)) {
            errors.add("desktop_session");
        }
        // a single picture (a selfie) asks for no action: there is no motion to check, only the
        // times a device reports anyway must lie within the session
        boolean stillPicture = attempt.pipeline().stream().allMatch(List::isEmpty);
        if (stillPicture ? (meta.has("actions") && !withinSession(meta, attempt.sessionCreatedAt(), attempt.receivedAt()))
                : (!motionConsistent(attempt.pipeline(), meta)
                || !withinSession(meta, attempt.sessionCreatedAt(), attempt.receivedAt()))) {
            errors.add("motion_inconsistency");
        }
        if (!errors.isEmpty()) {
            return new Verdict("attack", errors, List.of());
        }
        if (faceAnalysis == null) {
            return new Verdict("unknown", List.of(), List.of());
        }
        Verdict verdict = faceAnalysis.analyze(attempt);
        // an engine that answers nothing gave no verdict: unknown, not a failed request
        if (verdict == null) {
            return Verdict.unknown();
        }
        List<String> unchecked = uncheckedActions(attempt.pipeline(), checkableActions());
        if (unchecked.isEmpty()) {
            return verdict;
        }
        // an action the engine cannot see performed was asked for: whatever else it saw, it cannot say
        // "real" (its evidence of an attack still stands); the warning is the spec's LivenessError for a
        // verdict the model could not reach, and the camera service names the actions in its result
        List<String> warnings = new ArrayList<>(verdict.warnings());
        if (!warnings.contains(UNCHECKED_ACTION_WARNING)) {
            warnings.add(UNCHECKED_ACTION_WARNING);
        }
        String status = verdict.serviceStatus().equals("real") ? "unknown" : verdict.serviceStatus();
        return new Verdict(status, verdict.errorCodes(), warnings, verdict.bestFrame());
    }

    /**
     * The warning of a verdict left {@code unknown} because the pipeline asked for an action the engine
     * cannot check. VeriliveResult's warnings are LivenessError values, and {@code model_prediction} is the
     * one that says the model reached no verdict; the result's {@code unchecked_actions} names the actions.
     */
    public static final String UNCHECKED_ACTION_WARNING = "model_prediction";

    /**
     * The actions the plugged-in face engine can check; every action when none is plugged in (nothing is
     * checked then, and every verdict is {@code unknown} anyway, so a pipeline drawn for it stays as varied
     * as before).
     */
    @Override
    public java.util.Set<String> checkableActions() {
        return faceAnalysis == null ? ACTIONS : faceAnalysis.checkableActions();
    }

    /** The actions of {@code pipeline} the face engine cannot check, in pipeline order, each once. */
    public static List<String> uncheckedActions(List<List<String>> pipeline, java.util.Set<String> checkable) {
        java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
        pipeline.forEach(group -> group.stream().map(a -> a.toLowerCase(Locale.ROOT))
                .filter(a -> !checkable.contains(a)).forEach(out::add));
        return List.copyOf(out);
    }

    /**
     * The device's action times are its own clock's: they must fall within the session's life on the
     * server's clock (from its creation to the attempt's arrival), give or take {@link #CLOCK_SKEW}.
     * Times from before the session existed, or from the future, were not recorded for this session.
     */
    static boolean withinSession(JsonNode meta, Instant sessionCreatedAt, Instant receivedAt) {
        Instant earliest = sessionCreatedAt.minus(CLOCK_SKEW);
        Instant latest = receivedAt.plus(CLOCK_SKEW);
        JsonNode actions = meta.path("actions");
        if (!actions.isArray()) {
            return false;
        }
        for (JsonNode a : actions) {
            for (String field : new String[] {"started_at", "ended_at"}) {
                try {
                    Instant t = Instant.parse(a.path(field).asText());
                    if (t.isBefore(earliest) || t.isAfter(latest)) {
                        return false;
                    }
                } catch (DateTimeParseException e) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * The actions the device reports must be the requested ones, in order, each taking a human amount
     * of time, one after the other.
     */
    static boolean motionConsistent(List<List<String>> pipeline, JsonNode meta) {
        JsonNode actions = meta.path("actions");
        List<String> expected = new ArrayList<>();
        pipeline.forEach(expected::addAll);
        if (!actions.isArray() || actions.size() != expected.size()) {
            return false;
        }
        Instant previousEnd = null;
        for (int i = 0; i < expected.size(); i++) {
            JsonNode a = actions.get(i);
            if (!expected.get(i).equals(a.path("action").asText().toLowerCase(Locale.ROOT))) {
                return false;
            }
            try {
                Instant start = Instant.parse(a.path("started_at").asText());
                Instant end = Instant.parse(a.path("ended_at").asText());
                if (end.toEpochMilli() - start.toEpochMilli() < MIN_ACTION_MILLIS) {
                    return false;
                }
                if (previousEnd != null && start.isBefore(previousEnd)) {
                    return false;
                }
                previousEnd = end;
            } catch (DateTimeParseException e) {
                return false;
            }
        }
        return true;
    }
}
