package dev.idflow.core.api;

import dev.idflow.core.model.FlowUi;

/** What the hosted page's HTML needs before its script runs: the flow, its language and its look. */
public record HostedPageInfo(String flowId, String locale, FlowUi ui) {
}
