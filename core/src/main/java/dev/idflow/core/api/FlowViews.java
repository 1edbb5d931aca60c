package dev.idflow.core.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.ServiceSession;
import java.util.List;

/** The flow as the consumer API shows it ({@code FlowProjection}), for other views of idflow (the operator console). */
public final class FlowViews {
    private FlowViews() {
    }

    public static ObjectNode flow(Flow flow, List<ServiceSession> sessions) {
        return Json.mapper().valueToTree(Projections.flow(flow, sessions));
    }
}
