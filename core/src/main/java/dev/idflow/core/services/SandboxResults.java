package dev.idflow.core.services;

import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepContext;

/** What an unscripted service answers in a test flow. */
final class SandboxResults {
    private SandboxResults() {
    }

    static ServiceOutcome plausible(String name, StepContext step) {
        return ServiceOutcome.pass(SandboxService.success(name));
    }
}
