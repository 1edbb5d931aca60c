package dev.idflow.core.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a service decided about its step. Made with the static factories; immutable.
 *
 * <ul>
 *   <li>{@link #finish} — the session ends with this outcome (a pass moves the flow to the next step; a
 *       failure opens a retry while {@code max_retries} allows, else fails the flow unless the step may
 *       fail).</li>
 *   <li>{@link #awaitPerson} — the session waits for the person: the page shows {@code screen}, the
 *       person's answer comes to {@link FlowService#act}; {@code state} is kept for that call.</li>
 *   <li>{@link #awaitCamera} — the session waits for camera attempts ({@link CameraService}).</li>
 *   <li>{@link #awaitOutside} — the session waits for an outside system, which completes it later with
 *       {@code Idflow.completeSession}; the page shows {@code screen} (usually {@code wait}) and polls.</li>
 * </ul>
 *
 * <p>{@link #then} adds work to run once the decision is committed (sending a message, handing a job
 * to the host's queue): never before, and never for a decision that lost its race. {@link #thenComplete}
 * is such work whose answer ends the session that waits for it ({@link #awaitOutside}): issuing a
 * certificate, signing with an HSM, any irreversible call whose result the step needs. {@link #rejecting}
 * answers the person's request with 422 naming a field although the decision is committed (a wrong OTP
 * code uses a try).
 */
public final class StepDecision {

    /** What the decision is. */
    public enum Kind { FINISH, AWAIT_PERSON, AWAIT_CAMERA, AWAIT_OUTSIDE }

    /** Work for after the commit; it may call back into idflow (complete the session, …). */
    @FunctionalInterface
    public interface Effect {
        void run() throws Exception;
    }

    /**
     * Work for after the commit whose outcome completes the session ({@link #thenComplete}). Throwing fails
     * the session ({@code service_status: error}; logged).
     */
    @FunctionalInterface
    public interface Completion {
        ServiceOutcome run() throws Exception;
    }

    /** What the camera step asks of the person: the actions, the attempts, the access token's life. */
    public record Camera(List<List<String>> pipeline, int attempts, int durationSeconds, String platform) {
        public Camera {
            pipeline = pipeline == null ? List.of() : pipeline.stream().map(List::copyOf).toList();
            if (attempts < 1) {
                throw new IllegalArgumentException("attempts: must be at least 1");
            }
            if (durationSeconds < 1) {
                throw new IllegalArgumentException("durationSeconds: must be at least 1");
            }
        }
    }

    private final Kind kind;
    private final ServiceOutcome outcome;
    private final Screen screen;
    private final ObjectNode state;
    private final Camera camera;
    private final InputRejected rejection;
    private final List<Effect> effects;
    private final Completion completion;

    private StepDecision(Kind kind, ServiceOutcome outcome, Screen screen, ObjectNode state, Camera camera,
                         InputRejected rejection, List<Effect> effects) {
        this(kind, outcome, screen, state, camera, rejection, effects, null);
    }

    private StepDecision(Kind kind, ServiceOutcome outcome, Screen screen, ObjectNode state, Camera camera,
                         InputRejected rejection, List<Effect> effects, Completion completion) {
        this.kind = kind;
        this.outcome = outcome;
        this.screen = screen;
        this.state = state == null ? Json.mapper().createObjectNode() : state.deepCopy();
        this.camera = camera;
        this.rejection = rejection;
        this.effects = List.copyOf(effects);
        this.completion = completion;
    }

    public static StepDecision finish(ServiceOutcome outcome) {
        return new StepDecision(Kind.FINISH, Objects.requireNonNull(outcome, "outcome"), null, null, null, null, List.of());
    }

    public static StepDecision pass(ObjectNode result) {
        return finish(ServiceOutcome.pass(result));
    }

    public static StepDecision fail(ObjectNode result) {
        return finish(ServiceOutcome.fail(result));
    }

    public static StepDecision awaitPerson(Screen screen, ObjectNode state) {
        return new StepDecision(Kind.AWAIT_PERSON, null, Objects.requireNonNull(screen, "screen"), state, null, null,
                List.of());
    }

    public static StepDecision awaitOutside(Screen screen, ObjectNode state) {
        return new StepDecision(Kind.AWAIT_OUTSIDE, null, Objects.requireNonNull(screen, "screen"), state, null, null,
                List.of());
    }

    public static StepDecision awaitCamera(Camera camera) {
        return new StepDecision(Kind.AWAIT_CAMERA, null, Screen.of("camera"), null, Objects.requireNonNull(camera, "camera"),
                null, List.of());
    }

    /** This decision, and {@code effect} run once it is committed. */
    public StepDecision then(Effect effect) {
        List<Effect> more = new ArrayList<>(effects);
        more.add(Objects.requireNonNull(effect, "effect"));
        return new StepDecision(kind, outcome, screen, state, camera, rejection, more, completion);
    }

    /**
     * This {@link #awaitOutside} decision, and {@code work} run once it is committed (after the
     * {@link #then} effects): the outcome it returns completes the session, as
     * {@code Idflow.completeSession} would (the service's {@link FlowService#complete} decides on it). A
     * decision that lost its race runs nothing; a session that ended meanwhile (its timeout) ignores the
     * outcome. The work runs on the thread whose request made the decision.
     *
     * @throws IllegalStateException when this decision does not wait for an outside system, or has a completion
     */
    public StepDecision thenComplete(Completion work) {
        Objects.requireNonNull(work, "work");
        if (kind != Kind.AWAIT_OUTSIDE) {
            throw new IllegalStateException("thenComplete: only a decision that waits for an outside system is completed");
        }
        if (completion != null) {
            throw new IllegalStateException("thenComplete: this decision has its completion already");
        }
        return new StepDecision(kind, outcome, screen, state, camera, rejection, effects, work);
    }

    /** This decision, committed, and the person's request answered with 422 (or 429) for {@code rejection}. */
    public StepDecision rejecting(InputRejected rejection) {
        return new StepDecision(kind, outcome, screen, state, camera, Objects.requireNonNull(rejection, "rejection"), effects,
                completion);
    }

    public Kind kind() {
        return kind;
    }

    /** For {@link Kind#FINISH}; else null. */
    public ServiceOutcome outcome() {
        return outcome;
    }

    /** For the await kinds; else null. */
    public Screen screen() {
        return screen;
    }

    public ObjectNode state() {
        return state.deepCopy();
    }

    /** For {@link Kind#AWAIT_CAMERA}; else null. */
    public Camera camera() {
        return camera;
    }

    public InputRejected rejection() {
        return rejection;
    }

    public List<Effect> effects() {
        return effects;
    }

    /** The work whose outcome completes the session ({@link #thenComplete}); null when there is none. */
    public Completion completion() {
        return completion;
    }
}
