package dev.idflow.core.console;

import static dev.idflow.core.spi.StorageFixtures.T0;
import static dev.idflow.core.spi.StorageFixtures.livenessSession;
import static dev.idflow.core.spi.StorageFixtures.minimalFlow;
import static dev.idflow.core.spi.StorageFixtures.session;
import static dev.idflow.core.spi.StorageFixtures.sha256;
import static dev.idflow.core.spi.StorageFixtures.template;
import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.model.EndCause;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.model.SessionStateName;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** How one flow counts in the funnel and the attempts: the rules of docs/CONSOLE-API.md's stats. */
class ConsoleStatsTest {
    private final Map<ConsoleStats.Step, int[]> funnel = new TreeMap<>();
    private final Map<Integer, Integer> attempts = new TreeMap<>();

    private static Flow.Builder twoSteps() {
        return minimalFlow("acme").template(template(
                "{\"pipeline\":[{\"service_name\":\"verilive\",\"max_retries\":2},{\"service_name\":\"consent\"}]}"));
    }

    private static ServiceSession camera(Flow f, ExecutionStatus status, int secondsAfter) {
        ServiceSession s = livenessSession("acme", f.personId(), f.flowId(), sha256(), T0.plusSeconds(secondsAfter));
        return s.transition(SessionStateName.PROCESSING, s.createdAt()).transition(SessionStateName.PROCESSED, s.createdAt())
                .withOutcome(status, null, s.createdAt());
    }

    private static ServiceSession consent(Flow f, ExecutionStatus status) {
        ServiceSession s = session("acme", f.personId(), f.flowId(), "consent", T0.plusSeconds(60));
        return new ServiceSession(s.sessionId(), s.consumerId(), s.personId(), s.flowId(), "step-2", "consent",
                null, false, s.state(), s.states(), status, null, null, null, null, s.createdAt(), null, 0);
    }

    private String counts(String stepId) {
        return funnel.entrySet().stream().filter(e -> e.getKey().stepId().equals(stepId))
                .map(e -> Arrays.toString(e.getValue())).findFirst().orElse("none");
    }

    @Test
    void aFlowThatTimedOutAtItsLivenessStepStoppedThereThoughTheEngineClosedTheSessionAsFailed() {
        Flow f = twoSteps().currentStepId("step-1").endedAt(T0.plusSeconds(600)).endCause(EndCause.TIMEOUT)
                .flowStatus(ExecutionStatus.FAIL).build();
        ConsoleStats.count(f, List.of(camera(f, ExecutionStatus.FAIL, 1)), funnel, attempts);
        // reached, passed, failed, stopped
        assertThat(counts("step-1")).isEqualTo("[1, 0, 0, 1]");
        assertThat(attempts).containsExactly(Map.entry(1, 1));
    }

    @Test
    void aStepThatFailedEveryRetryFailedAndTookAsManyAttemptsAsSessions() {
        Flow f = twoSteps().currentStepId("step-1").endedAt(T0.plusSeconds(90)).endCause(EndCause.COMPLETED)
                .flowStatus(ExecutionStatus.FAIL).build();
        ConsoleStats.count(f, List.of(camera(f, ExecutionStatus.FAIL, 1), camera(f, ExecutionStatus.FAIL, 2),
                camera(f, ExecutionStatus.FAIL, 3)), funnel, attempts);
        assertThat(counts("step-1")).isEqualTo("[1, 0, 1, 0]");
        assertThat(attempts).containsExactly(Map.entry(3, 1));
    }

    @Test
    void aRetryThatPassedCountsThePassAndTheNextStepWhereThePersonLeftStopped() {
        Flow f = twoSteps().currentStepId("step-2").endedAt(T0.plusSeconds(900)).endCause(EndCause.DISCONNECTED)
                .flowStatus(ExecutionStatus.FAIL).build();
        ConsoleStats.count(f, List.of(camera(f, ExecutionStatus.FAIL, 1), camera(f, ExecutionStatus.PASS, 2),
                consent(f, ExecutionStatus.UNKNOWN)), funnel, attempts);
        assertThat(counts("step-1")).isEqualTo("[1, 1, 0, 0]");
        assertThat(counts("step-2")).isEqualTo("[1, 0, 0, 1]");
        assertThat(funnel.keySet()).extracting(ConsoleStats.Step::stepId).as("in pipeline order")
                .containsExactly("step-1", "step-2");
        assertThat(attempts).as("the consent step is no camera step").containsExactly(Map.entry(2, 1));
    }

    @Test
    void aRunningFlowReachedItsStepWithoutAnOutcomeYet() {
        Flow f = twoSteps().currentStepId("step-1").startedAt(T0).build();
        ServiceSession open = livenessSession("acme", f.personId(), f.flowId(), sha256(), T0.plusSeconds(1));
        ConsoleStats.count(f, List.of(open), funnel, attempts);
        assertThat(counts("step-1")).isEqualTo("[1, 0, 0, 0]");
        assertThat(counts("step-2")).isEqualTo("none");
    }
}
