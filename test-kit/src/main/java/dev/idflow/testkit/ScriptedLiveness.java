package dev.idflow.testkit;

/** The outcome the sandbox gives a person's next liveness attempts ({@link Mockery#liveness}). */
public enum ScriptedLiveness {
    /** The attempt passes: the verdict is {@code real}. */
    PASS("real"),
    /** The attempt fails: the verdict is {@code attack} ({@code model_prediction} on the device). */
    FAIL("attack");

    private final String serviceStatus;

    ScriptedLiveness(String serviceStatus) {
        this.serviceStatus = serviceStatus;
    }

    /** The {@code service_status} of the script: {@code real} or {@code attack}. */
    public String serviceStatus() {
        return serviceStatus;
    }
}
