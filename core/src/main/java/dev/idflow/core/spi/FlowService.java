package dev.idflow.core.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * What a step of a pipeline does: one service of the spec's {@code ServiceName} (or a host's own name
 * for a step the host defines). The engine knows no service by name; it tells the service of a step
 * when its session opens and when the person or an outside system answers it, and carries out what
 * the service decides ({@link StepDecision}): finish now, wait for the person (a {@link Screen} the
 * hosted page renders by its kind), wait for the camera, or wait for an outside system that completes
 * the session later through {@code Idflow.completeSession}. Always within the step's {@code timeout}
 * (the sweeper ends the flow when it runs out) and {@code max_retries} (a failed session is followed by
 * a new one, opened with {@link #open} again).
 *
 * <p>The shape is Keycloak's {@code Authenticator}: {@link #open} is its {@code authenticate} (succeed
 * at once or show a challenge), {@link #act} its {@code action} (handle what the person sent).
 *
 * <p><b>Decisions are pure.</b> Each method may be called more than once for the same moment: the
 * engine decides on the flow as it read it and commits with a compare-and-set, and when another change
 * landed first (the person's second tab, the sweeper) it reads again and asks again. So a method must
 * not send, charge or call anything irreversible itself; it returns a decision and puts such work in
 * {@link StepDecision#then}, which the engine runs once, after the decision's commit landed. Reading
 * (a lookup in the host's own tables, a call that only asks) is fine.
 *
 * <p>Implementations are registered by name with {@code Idflow.builder().service(...)}; a host's
 * service of a built-in name replaces the built-in one. They must be thread-safe.
 */
public interface FlowService {

    /** The {@code service_name} this service performs. */
    String name();

    /**
     * Problems with a step's options, checked when a flow naming this service is created: each a
     * sentence starting with the option's path within the step ({@code "fields[1].type: must be one of
     * text, number, …"}). Any problem refuses the flow with 422, naming the step. Empty when they are fine.
     */
    default List<String> checkOptions(Map<String, JsonNode> options) {
        return List.of();
    }

    /**
     * Whether a flow may use this service: in a live flow ({@code testFlow} false) a service that
     * cannot work here (an OTP without a message sender) answers false, and creating the flow is refused
     * with 422 {@code SERVICE_NOT_AVAILABLE} naming the step. Test flows never reach the outside world.
     */
    default boolean availableIn(boolean testFlow) {
        return true;
    }

    /** The step's session opened: finish it now, or say what it waits for. */
    StepDecision open(StepContext step) throws Exception;

    /**
     * The person answered the screen this service showed ({@link PersonInput}). A wrong answer the person
     * can fix is either thrown ({@link InputRejected}, nothing is stored) or, when the wrong answer must be
     * remembered (an OTP's tries), returned as a decision with {@link StepDecision#rejecting}.
     */
    default StepDecision act(StepContext step, PersonInput input) throws Exception {
        throw InputRejected.unexpected(name(), input);
    }

    /**
     * An outside system completed a session that waits for it ({@link StepDecision#awaitOutside}), through
     * {@code Idflow.completeSession}. By default the session ends with the outcome given.
     */
    default StepDecision complete(StepContext step, ServiceOutcome outcome) throws Exception {
        return StepDecision.finish(outcome);
    }
}
