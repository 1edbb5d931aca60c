package dev.idflow.core;

/** Where the host-facing facades record what an actor changed (the audit trail). */
@FunctionalInterface
interface Auditor {
    void record(String consumerId, String actor, String action, String targetType, String targetId, String details);

    Auditor NONE = (consumerId, actor, action, targetType, targetId, details) -> { };
}
