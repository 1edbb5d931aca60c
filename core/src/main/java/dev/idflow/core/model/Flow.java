package dev.idflow.core.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A flow as stored. Times are UTC instants; a null means "not yet". {@code version} is the
 * optimistic-lock counter every store checks on update (compare-and-set). {@code deadlineAt} is the
 * next moment the sweeper must look at this flow (ttl, step timeout or inactivity), null once ended.
 *
 * <p>The vlink token is a bearer credential, so the flow never holds it in clear: {@code vlinkHash} is
 * its SHA-256 (hex), what the stores look a flow up by, and {@code sealedVlink} the token sealed with the
 * host's {@link dev.idflow.core.spi.SecretCipher} (base64), unsealed only to show the vlink to the
 * consumer. A copy of the database therefore holds no usable token (PRODUCT.md, "Bearer tokens at
 * rest"). {@code sealedVlink} is null only for a row written before schema V3 that no start has sealed yet
 * ({@link dev.idflow.core.spi.FlowRepository#sealClearVlinks}).
 *
 * <p>{@code initialDeviceType} and {@code devicePlatform} are what the person's page reported when it
 * started the flow (mobile|desktop; android|ios|web): the device facts services such as device-filter
 * decide on.
 */
public record Flow(
        String flowId,
        String consumerId,
        String vlinkHash,
        String sealedVlink,
        String apiVersion,
        String locale,
        String personId,
        FlowTemplate template,
        String templateId,
        boolean testFlow,
        String callbackUrl,
        FlowInputData inputData,
        String initialDeviceType,
        String devicePlatform,
        int ttl,
        Instant createdAt,
        Instant updatedAt,
        Instant polledAt,
        Instant startedAt,
        String currentStepId,
        Instant currentStepStartedAt,
        Instant lastActivityAt,
        Instant endedAt,
        ExecutionStatus flowStatus,
        EndCause endCause,
        boolean edited,
        Instant deadlineAt,
        long version) {

    public Flow {
        Objects.requireNonNull(flowId, "flowId");
        Objects.requireNonNull(consumerId, "consumerId");
        Objects.requireNonNull(vlinkHash, "vlinkHash");
        Objects.requireNonNull(personId, "personId");
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(flowStatus, "flowStatus");
    }

    public boolean started() {
        return startedAt != null;
    }

    public boolean ended() {
        return endedAt != null;
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds a changed copy; stores and the engine use it instead of 27-argument constructors. */
    public static final class Builder {
        private String flowId;
        private String consumerId;
        private String vlinkHash;
        private String sealedVlink;
        private String apiVersion;
        private String locale;
        private String personId;
        private FlowTemplate template;
        private String templateId;
        private boolean testFlow;
        private String callbackUrl;
        private FlowInputData inputData;
        private String initialDeviceType;
        private String devicePlatform;
        private int ttl;
        private Instant createdAt;
        private Instant updatedAt;
        private Instant polledAt;
        private Instant startedAt;
        private String currentStepId;
        private Instant currentStepStartedAt;
        private Instant lastActivityAt;
        private Instant endedAt;
        private ExecutionStatus flowStatus = ExecutionStatus.UNKNOWN;
        private EndCause endCause;
        private boolean edited;
        private Instant deadlineAt;
        private long version;

        private Builder() {
        }

        private Builder(Flow f) {
            flowId = f.flowId;
            consumerId = f.consumerId;
            vlinkHash = f.vlinkHash;
            sealedVlink = f.sealedVlink;
            apiVersion = f.apiVersion;
            locale = f.locale;
            personId = f.personId;
            template = f.template;
            templateId = f.templateId;
            testFlow = f.testFlow;
            callbackUrl = f.callbackUrl;
            inputData = f.inputData;
            initialDeviceType = f.initialDeviceType;
            devicePlatform = f.devicePlatform;
            ttl = f.ttl;
            createdAt = f.createdAt;
            updatedAt = f.updatedAt;
            polledAt = f.polledAt;
            startedAt = f.startedAt;
            currentStepId = f.currentStepId;
            currentStepStartedAt = f.currentStepStartedAt;
            lastActivityAt = f.lastActivityAt;
            endedAt = f.endedAt;
            flowStatus = f.flowStatus;
            endCause = f.endCause;
            edited = f.edited;
            deadlineAt = f.deadlineAt;
            version = f.version;
        }

        public Builder flowId(String v) { flowId = v; return this; }
        public Builder consumerId(String v) { consumerId = v; return this; }
        public Builder vlinkHash(String v) { vlinkHash = v; return this; }
        public Builder sealedVlink(String v) { sealedVlink = v; return this; }
        public Builder apiVersion(String v) { apiVersion = v; return this; }
        public Builder locale(String v) { locale = v; return this; }
        public Builder personId(String v) { personId = v; return this; }
        public Builder template(FlowTemplate v) { template = v; return this; }
        public Builder templateId(String v) { templateId = v; return this; }
        public Builder testFlow(boolean v) { testFlow = v; return this; }
        public Builder callbackUrl(String v) { callbackUrl = v; return this; }
        public Builder inputData(FlowInputData v) { inputData = v; return this; }
        public Builder initialDeviceType(String v) { initialDeviceType = v; return this; }
        public Builder devicePlatform(String v) { devicePlatform = v; return this; }
        public Builder ttl(int v) { ttl = v; return this; }
        public Builder createdAt(Instant v) { createdAt = v; return this; }
        public Builder updatedAt(Instant v) { updatedAt = v; return this; }
        public Builder polledAt(Instant v) { polledAt = v; return this; }
        public Builder startedAt(Instant v) { startedAt = v; return this; }
        public Builder currentStepId(String v) { currentStepId = v; return this; }
        public Builder currentStepStartedAt(Instant v) { currentStepStartedAt = v; return this; }
        public Builder lastActivityAt(Instant v) { lastActivityAt = v; return this; }
        public Builder endedAt(Instant v) { endedAt = v; return this; }
        public Builder flowStatus(ExecutionStatus v) { flowStatus = v; return this; }
        public Builder endCause(EndCause v) { endCause = v; return this; }
        public Builder edited(boolean v) { edited = v; return this; }
        public Builder deadlineAt(Instant v) { deadlineAt = v; return this; }
        public Builder version(long v) { version = v; return this; }

        public Flow build() {
            return new Flow(flowId, consumerId, vlinkHash, sealedVlink, apiVersion, locale, personId, template, templateId,
                    testFlow, callbackUrl, inputData, initialDeviceType, devicePlatform, ttl, createdAt, updatedAt, polledAt,
                    startedAt, currentStepId, currentStepStartedAt, lastActivityAt, endedAt, flowStatus, endCause,
                    edited, deadlineAt, version);
        }
    }
}
