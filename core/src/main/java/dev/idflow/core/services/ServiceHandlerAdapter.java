package dev.idflow.core.services;

import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.ServiceFile;
import dev.idflow.core.spi.ServiceHandler;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A host's {@link ServiceHandler} (the first SPI: synchronous, server-side) as a {@link FlowService}:
 * it runs when the step opens and its outcome ends the session. Hosts that wrote one need not change.
 */
public final class ServiceHandlerAdapter implements FlowService {
    private final ServiceHandler handler;

    public ServiceHandlerAdapter(ServiceHandler handler) {
        this.handler = handler;
    }

    @Override
    public String name() {
        return handler.serviceName();
    }

    @Override
    public StepDecision open(StepContext step) throws Exception {
        ServiceHandler.Outcome outcome = handler.execute(new ServiceHandler.Call(step.consumerId(), step.personId(),
                step.flowId(), step.sessionId(), step.testFlow(), step.inputData(), step.options()));
        if (outcome == null) {
            throw new IllegalStateException("service " + handler.serviceName() + " returned no outcome");
        }
        Map<String, ServiceFile> files = new LinkedHashMap<>();
        outcome.files().forEach((label, f) -> files.put(label, new ServiceFile(f.contentType(), f.content())));
        return StepDecision.finish(new ServiceOutcome(outcome.status(), outcome.result(), files, null));
    }
}
