package dev.idflow.face;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.spi.LivenessAnalyzer;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * idflow's own face analysis of a liveness attempt (PRODUCT.md "Face analysis"), on the models of
 * MODELS.md. {@code real} only with evidence on the frames: exactly one face in every frame
 * ({@code no_face}, {@code face_multiplicity_frame}); the same face in every frame, by embedding
 * ({@code face_multiplicity_session}); each requested action seen between the frames taken before it
 * and those taken while it ran ({@code motion_inconsistency}); eyes open on the best frame
 * ({@code closed_eyes}). Frames are matched to actions by time: metadata {@code frames[i].taken_at}
 * against each action's {@code started_at}/{@code ended_at} (docs/CLIENT-API.md).
 *
 * <p>Thread-safe. One attempt is analysed per permit ({@code concurrentAnalyses}, by default one per
 * core), a frame at a time: an attempt holds one decoded frame (at most {@link Picture#MAX_PIXELS}
 * pixels) and its embeddings (2 KB a frame), so memory is bounded by the permits, whatever the number
 * of attempts arriving at once; the models are the JVM's one {@link FaceEngine}.
 */
public final class OnnxLivenessAnalyzer implements LivenessAnalyzer {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxLivenessAnalyzer.class);

    /**
     * What this analyzer sees performed. Not tongue-out: no model here sees a tongue. Not blink: the eye
     * model's "closed" could not be measured on any picture here (MODELS.md), and a blink lasts a fifth of
     * a second between frames; {@link #seen} still checks one, should a consumer's engine list it.
     */
    public static final Set<String> CHECKABLE = Set.of("turn-left", "turn-right", "turn-straight", "tilt-up",
            "tilt-down", "zoom-in", "zoom-out", "shake", "smile", "open-mouth");

    /** A frame taken up to this long after an action ended still shows it (the person settling). */
    static final Duration AFTER = Duration.ofMillis(600);
    /** A turn: the nose tip moves this far along the eyes' line (in eye distances) from where it was. */
    static final float TURN = 0.15f;
    /** ... and ends at least this far to that side. */
    static final float TURN_SIDE = 0.10f;
    /** Straight on: the nose tip within this of the eyes' midpoint. */
    static final float STRAIGHT = 0.10f;
    /** A tilt: the nose tip moves this far between the eyes' and the mouth's lines. */
    static final float TILT = 0.08f;
    /** A zoom: the face's size changes by this factor. */
    static final float ZOOM = 1.15f;
    /** A shake: the nose tip swings to both sides by this. */
    static final float SHAKE = 0.10f;
    /** A smile: the mouth widens by this factor. */
    static final float SMILE = 1.10f;
    /** An open mouth: the inner lips this far apart (over the mouth's width), and this much more than before. */
    static final float MOUTH_OPEN = 0.25f;
    static final float MOUTH_OPENING = 0.15f;
    /** Eyes closed: the eye model's "open" probability, both eyes averaged, below this. */
    static final float EYES_CLOSED = 0.35f;
    /** Eyes open: at or above this. */
    static final float EYES_OPEN = 0.5f;
    /** A face counts beside the largest one when it is at least this fraction of its size (a person, not a poster far behind). */
    static final float SECOND_FACE = 0.25f;
    /** Smallest face that counts, in pixels of the decoded frame. */
    static final float MIN_FACE = 20f;

    private final FaceEngine engine;
    private final Semaphore permits;
    private final Duration wait;
    private final double sameFace;

    /** The shared engine, one analysis per core, the session threshold of {@link OnnxFaceMatcher#SESSION_THRESHOLD}. */
    public OnnxLivenessAnalyzer() {
        this(FaceEngine.shared(), Math.max(1, Runtime.getRuntime().availableProcessors()), Duration.ofSeconds(60),
                OnnxFaceMatcher.SESSION_THRESHOLD);
    }

    /**
     * @param engine the models
     * @param concurrentAnalyses how many attempts are analysed at once on this node
     * @param wait how long an attempt waits for its turn before the analysis gives up (the verdict is then
     *     {@code unknown}, as for any engine failure)
     * @param sameFace the embedding similarity at or above which two frames show the same face
     */
    public OnnxLivenessAnalyzer(FaceEngine engine, int concurrentAnalyses, Duration wait, double sameFace) {
        if (concurrentAnalyses < 1) {
            throw new IllegalArgumentException("concurrentAnalyses must be at least 1");
        }
        this.engine = engine;
        this.permits = new Semaphore(concurrentAnalyses, true);
        this.wait = wait;
        this.sameFace = sameFace;
    }

    /** The analysis permits (for tests: to hold them all). */
    Semaphore permits() {
        return permits;
    }

    @Override
    public Set<String> checkableActions() {
        return CHECKABLE;
    }

    /** What was read from one frame: its faces that count, and the one face's reading when there was one. */
    record FrameReading(int faces, FaceEngine.Face face, Instant takenAt) {
    }

    @Override
    public Verdict analyze(Attempt attempt) throws Exception {
        if (!permits.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("no face analysis permit within " + wait + ": the node is busy");
        }
        try {
            return analyzeHoldingPermit(attempt);
        } finally {
            permits.release();
        }
    }

    private Verdict analyzeHoldingPermit(Attempt attempt) throws Exception {
        List<Instant> times = frameTimes(attempt.metadata(), attempt.frames().size());
        List<FrameReading> frames = new ArrayList<>();
        for (int i = 0; i < attempt.frames().size(); i++) {
            frames.add(read(attempt.frames().get(i), times == null ? null : times.get(i)));
        }
        Set<String> errors = new LinkedHashSet<>();
        List<String> warnings = new ArrayList<>();
        for (FrameReading f : frames) {
            if (f.faces() == 0) {
                errors.add("no_face");
            } else if (f.faces() > 1) {
                errors.add("face_multiplicity_frame");
            }
        }
        Integer best = bestFrame(frames);
        if (best != null) {
            FaceEngine.Face bestFace = frames.get(best).face();
            if (!oneFace(frames, best, sameFace)) {
                errors.add("face_multiplicity_session");
            }
            if (average(bestFace) < EYES_CLOSED) {
                errors.add("closed_eyes");
            }
        }
        List<String> actions = new ArrayList<>();
        attempt.pipeline().forEach(group -> group.forEach(a -> actions.add(a.toLowerCase(Locale.ROOT))));
        boolean uncheckable = actions.stream().anyMatch(a -> !CHECKABLE.contains(a));
        boolean checked = false;
        if (times == null) {
            // without capture times the frames cannot be put against the actions: nothing is seen
            warnings.add("motion_inconsistency");
        } else if (!uncheckable && errors.isEmpty()) {
            List<Instant[]> spans = actionSpans(attempt.metadata(), actions.size());
            if (spans == null || !allSeen(actions, spans, frames)) {
                errors.add("motion_inconsistency");
            } else {
                checked = true;
            }
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("session {}: {} frames, errors {}, best frame {}", attempt.sessionId(), frames.size(), errors, best);
        }
        if (!errors.isEmpty()) {
            return new Verdict("attack", List.copyOf(errors), warnings, best);
        }
        if (uncheckable) {
            // an action no model here can see: never real, and the consumer is told why
            return new Verdict("unknown", List.of(), List.of("motion_inconsistency"), best);
        }
        boolean moved = actions.stream().anyMatch(a -> !a.equals("turn-straight"));
        if (!checked || !moved) {
            // turn-straight alone shows no movement: a photo held still looks straight on
            return new Verdict("unknown", List.of(), warnings.isEmpty() ? List.of("motion_inconsistency") : warnings, best);
        }
        return new Verdict("real", List.of(), warnings, best);
    }

    private FrameReading read(byte[] bytes, Instant takenAt) throws Exception {
        Picture picture = Picture.decode(bytes);
        List<FaceEngine.Box> boxes = counted(engine.detect(picture));
        if (boxes.size() != 1) {
            return new FrameReading(boxes.size(), null, takenAt);
        }
        return new FrameReading(1, engine.read(picture, boxes.get(0), true), takenAt);
    }

    /**
     * Whether every frame's face is the best frame's: each is linked to it through frames at least
     * {@code sameFace} alike (so a face turned far from the best frame still links through the frames
     * between), and a second person's face, alike to no frame of the first, is not.
     */
    static boolean oneFace(List<FrameReading> frames, int best, double sameFace) {
        List<FaceEngine.Face> faces = new ArrayList<>();
        frames.forEach(f -> {
            if (f.face() != null) {
                faces.add(f.face());
            }
        });
        List<FaceEngine.Face> linked = new ArrayList<>(List.of(frames.get(best).face()));
        List<FaceEngine.Face> left = new ArrayList<>(faces);
        left.remove(frames.get(best).face());
        boolean grew = true;
        while (!left.isEmpty() && grew) {
            grew = false;
            for (var it = left.iterator(); it.hasNext(); ) {
                FaceEngine.Face f = it.next();
                if (linked.stream().anyMatch(l -> FaceEngine.cosine(l.embedding(), f.embedding()) >= sameFace)) {
                    linked.add(f);
                    it.remove();
                    grew = true;
                }
            }
        }
        return left.isEmpty();
    }

    /** The faces that count: at least {@link #MIN_FACE} pixels and {@link #SECOND_FACE} of the largest's size. */
    static List<FaceEngine.Box> counted(List<FaceEngine.Box> boxes) {
        if (boxes.isEmpty()) {
            return boxes;
        }
        float largest = boxes.get(0).size();
        return boxes.stream().filter(b -> b.size() >= MIN_FACE && b.size() >= SECOND_FACE * largest).toList();
    }

    private static float average(FaceEngine.Face face) {
        return (face.leftEyeOpen() + face.rightEyeOpen()) / 2;
    }

    /**
     * The best frame: among the frames with one face, eyes open and straight on ({@link #STRAIGHT}), the
     * sharpest; else the most frontal with eyes open; else the most frontal. Null when no frame had one face.
     */
    static Integer bestFrame(List<FrameReading> frames) {
        Integer best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < frames.size(); i++) {
            FaceEngine.Face f = frames.get(i).face();
            if (f == null) {
                continue;
            }
            boolean open = average(f) >= EYES_OPEN;
            boolean straight = Math.abs(f.yaw()) <= STRAIGHT;
            double score = (open ? 2000 : 0) + (straight ? 1000 : 0) - 100 * Math.abs(f.yaw())
                    + Math.log1p(Math.max(0, f.sharpness()));
            if (score > bestScore) {
                bestScore = score;
                best = i;
            }
        }
        return best;
    }

    /** Each frame's {@code taken_at}, in the order of the frames; null when the metadata does not give them all. */
    static List<Instant> frameTimes(JsonNode metadata, int count) {
        JsonNode frames = metadata == null ? null : metadata.path("frames");
        if (frames == null || !frames.isArray() || frames.size() != count) {
            return null;
        }
        List<Instant> times = new ArrayList<>();
        for (JsonNode f : frames) {
            try {
                times.add(Instant.parse(f.path("taken_at").asText()));
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        return times;
    }

    private static List<Instant[]> actionSpans(JsonNode metadata, int count) {
        JsonNode actions = metadata.path("actions");
        if (!actions.isArray() || actions.size() != count) {
            return null;
        }
        List<Instant[]> spans = new ArrayList<>();
        for (JsonNode a : actions) {
            try {
                spans.add(new Instant[] {Instant.parse(a.path("started_at").asText()), Instant.parse(a.path("ended_at").asText())});
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        return spans;
    }

    private static boolean allSeen(List<String> actions, List<Instant[]> spans, List<FrameReading> frames) {
        for (int i = 0; i < actions.size(); i++) {
            Instant start = spans.get(i)[0];
            Instant end = spans.get(i)[1].plus(AFTER);
            FaceEngine.Face before = null;
            Instant beforeAt = Instant.MIN;
            List<FaceEngine.Face> during = new ArrayList<>();
            for (FrameReading f : frames) {
                if (f.takenAt().isBefore(start)) {
                    // the last frame before the action: where the face was when it began
                    if (!f.takenAt().isBefore(beforeAt)) {
                        before = f.face();
                        beforeAt = f.takenAt();
                    }
                } else if (!f.takenAt().isAfter(end)) {
                    during.add(f.face());
                }
            }
            if (before == null && !during.isEmpty()) {
                // no frame before the action: its first frame is where it started from
                before = during.remove(0);
            }
            if (before == null || during.isEmpty() || !seen(actions.get(i), before, during)) {
                LOG.debug("action {} ({}) not seen in {} frames", i, actions.get(i), during.size());
                return false;
            }
        }
        return true;
    }

    /** Whether the frames during an action show it done, from where the face was before it. */
    static boolean seen(String action, FaceEngine.Face before, List<FaceEngine.Face> during) {
        switch (action) {
            case "turn-left":
                return during.stream().anyMatch(f -> f.yaw() >= before.yaw() + TURN && f.yaw() >= TURN_SIDE);
            case "turn-right":
                return during.stream().anyMatch(f -> f.yaw() <= before.yaw() - TURN && f.yaw() <= -TURN_SIDE);
            case "turn-straight":
                return during.stream().anyMatch(f -> Math.abs(f.yaw()) <= STRAIGHT);
            case "tilt-up":
                return during.stream().anyMatch(f -> f.pitch() <= before.pitch() - TILT);
            case "tilt-down":
                return during.stream().anyMatch(f -> f.pitch() >= before.pitch() + TILT);
            case "zoom-in":
                return during.stream().anyMatch(f -> f.box().size() >= before.box().size() * ZOOM);
            case "zoom-out":
                return during.stream().anyMatch(f -> f.box().size() * ZOOM <= before.box().size());
            case "shake":
                return during.stream().anyMatch(f -> f.yaw() >= before.yaw() + SHAKE)
                        && during.stream().anyMatch(f -> f.yaw() <= before.yaw() - SHAKE);
            case "smile":
                return during.stream().anyMatch(f -> f.mouthWidth() >= before.mouthWidth() * SMILE);
            case "open-mouth":
                return during.stream().anyMatch(f -> f.mouthOpen() >= MOUTH_OPEN && f.mouthOpen() >= before.mouthOpen() + MOUTH_OPENING);
            case "blink":
                return average(before) >= EYES_OPEN && during.stream().anyMatch(f -> average(f) < EYES_CLOSED);
            default:
                return false;
        }
    }
}
