package dev.idflow.testkit;

/**
 * The simulated person cannot do what the test asked at the flow's current step: the message names the
 * step, its service and its screen, and why.
 */
public final class PersonCannotProceed extends AssertionError {
    private static final long serialVersionUID = 1L;
    private final transient SimulatedPerson.Step step;

    PersonCannotProceed(SimulatedPerson.Step step, String why) {
        super("at step " + step.stepId() + " (service " + step.serviceName() + ", screen " + step.screenKind() + "): " + why);
        this.step = step;
    }

    /** The step the person stood at. */
    public SimulatedPerson.Step step() {
        return step;
    }
}
