package dev.idflow.core.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Crypto;
import dev.idflow.core.internal.Ids;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.EndCause;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.model.FlowInputData;
import dev.idflow.core.model.FlowTemplate;
import dev.idflow.core.model.LivenessDetails;
import dev.idflow.core.model.PipelineStep;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.model.SessionState;
import dev.idflow.core.model.SessionStateName;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.DuplicateKeyException;
import dev.idflow.core.spi.FlowChange;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.CameraService;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.InputRejected;
import dev.idflow.core.spi.PersonInput;
import dev.idflow.core.spi.SecretCipher;
import dev.idflow.core.spi.ServiceFile;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The flow state machine: not started → started → each pipeline step in order → ended. Every change
 * is one {@link FlowChange} committed atomically by the store — the flow's compare-and-set, the
 * sessions it opens or changes, the events it emits. When a commit loses a race (the person's request
 * against the sweeper, two requests of one person), the flow is read again and the change decided
 * anew from what is now stored, so exactly one of two conflicting outcomes wins.
 *
 * <p>The engine knows no service by name: each step's {@link FlowService}, found in the
 * {@link ServiceRegistry}, is told when its session opens and when the person or an outside system
 * answers it, and the engine carries out its {@link StepDecision}.
 */
public final class FlowEngine {
    private static final Logger LOG = LoggerFactory.getLogger(FlowEngine.class);
    public static final String API_VERSION = "2.0.0";
    public static final int DEFAULT_TTL = 86_400;
    private static final int CAS_ATTEMPTS = 16;

    private final IdflowStorage storage;
    private final Clock clock;
    private final Ids ids;
    private final Duration inactivityTimeout;
    private final ServiceRegistry services;
    private final SecretCipher cipher;
    private final Metrics metrics;

    public FlowEngine(IdflowStorage storage, Clock clock, Ids ids, Duration inactivityTimeout,
                      ServiceRegistry services, SecretCipher cipher) {
        this(storage, clock, ids, inactivityTimeout, services, cipher, Metrics.NONE);
    }

    /** As the other constructor, recording on {@code metrics} (service names known to {@code services} tagged as such). */
    public FlowEngine(IdflowStorage storage, Clock clock, Ids ids, Duration inactivityTimeout,
                      ServiceRegistry services, SecretCipher cipher, Metrics metrics) {
        this.metrics = metrics.knowingServices(name -> services.names(true).contains(name)
                || services.names(false).contains(name));
        this.storage = storage;
        this.clock = clock;
        this.ids = ids;
        this.inactivityTimeout = inactivityTimeout;
        this.services = services;
        this.cipher = cipher;
    }

    public ServiceRegistry services() {
        return services;
    }

    /** Where this engine records what it does (nothing without a registry). */
    public Metrics metrics() {
        return metrics;
    }

    /** The liveness session's bearer token, unsealed: for the one who opened it and the hosted page. */
    public String accessToken(ServiceSession session) {
        return unseal(session.liveness().sealedAccessToken());
    }

    /**
     * The flow's vlink token, unsealed: for the consumer that made the flow (the create answer, GET /flow,
     * the journal). Only its hash and this sealed copy are stored (see {@link Flow}).
     */
    public String vlinkToken(Flow flow) {
        if (flow.sealedVlink() == null) {
            throw new IllegalStateException("flow " + flow.flowId() + " has no sealed vlink yet: "
                    + "Idflow seals the clear vlinks of older rows when it starts");
        }
        return unseal(flow.sealedVlink());
    }

    /**
     * The flow a vlink token opens: looked up by the token's hash, never by the token. Empty for a
     * token that cannot be one (wrong shape) or opens no flow.
     */
    public Optional<Flow> flowOfVlink(String vlinkToken) {
        if (vlinkToken == null || !vlinkToken.matches("[A-Za-z0-9_-]{16,64}")) {
            return Optional.empty();
        }
        return storage.flows().findByVlinkHash(Crypto.sha256Hex(vlinkToken));
    }

    private String unseal(String sealed) {
        return new String(cipher.decrypt(java.util.Base64.getDecoder().decode(sealed)),
                java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Seals a bearer token with the host's cipher (base64): what the stores keep to show it again. */
    public String seal(String token) {
        return java.util.Base64.getEncoder().encodeToString(
                cipher.encrypt(token.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** Millisecond precision: what every store keeps, so a flow reads back exactly as written. */
    public Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    public Duration inactivityTimeout() {
        return inactivityTimeout;
    }

    // ---------------------------------------------------------------- creating

    /** What a new flow is made of, already validated. */
    public record NewFlow(String consumerId, String personId, FlowTemplate template, String templateId,
                          boolean testFlow, String locale, String callbackUrl, FlowInputData inputData, Integer ttl) {
    }

    public Flow createFlow(NewFlow spec) {
        Instant now = now();
        int ttl = spec.ttl() == null ? DEFAULT_TTL : spec.ttl();
        for (int attempt = 0; ; attempt++) {
            String vlinkToken = ids.vlinkToken();
            Flow flow = Flow.builder()
                    .flowId(ids.flowId())
                    .consumerId(spec.consumerId())
                    .vlinkHash(Crypto.sha256Hex(vlinkToken))
                    .sealedVlink(seal(vlinkToken))
                    .apiVersion(API_VERSION)
                    .locale(spec.locale() == null ? "en" : spec.locale())
                    .personId(spec.personId())
                    .template(spec.template().withDefaults())
                    .templateId(spec.templateId())
                    .testFlow(spec.testFlow())
                    .callbackUrl(spec.callbackUrl())
                    .inputData(spec.inputData())
                    .ttl(ttl)
                    .createdAt(now)
                    .updatedAt(now)
                    .currentStepId(FlowTemplate.stepId(0))
                    .flowStatus(ExecutionStatus.UNKNOWN)
                    // nobody started it yet: the only thing that can happen to it is its ttl running out
                    .deadlineAt(now.plusSeconds(ttl))
                    .version(0)
                    .build();
            try {
                storage.flows().insert(flow);
                metrics.flowCreated(spec.testFlow());
                return flow;
            } catch (DuplicateKeyException e) {
                // 192 random bits and a monotonic ULID make this practically impossible; try fresh ids
                if (attempt >= 2) {
                    throw e;
                }
            }
        }
    }

    // ---------------------------------------------------------------- the change machinery

    /** A refusal the API turns into an answer; the flow is unchanged. */
    public static final class Refusal extends RuntimeException {
        private final int status;
        private final String code;

        public Refusal(int status, String code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }

        public int status() {
            return status;
        }

        public String code() {
            return code;
        }
    }

    /**
     * A flow and its sessions as read, and the change being decided on them. Sessions opened in this
     * change are inserted; sessions read and changed are compare-and-set on the version read.
     */
    /**
     * Files saved unbound on this node whose commit has not run yet (a liveness attempt's, a service's), by
     * id, so that a step opened in the commit that binds them sees them ({@link Tx#binding()}). An entry
     * leaves when its commit lands, or when the file is discarded.
     */
    private final Map<String, StoredFile> unboundFiles = new java.util.concurrent.ConcurrentHashMap<>();

    final class Tx {
        final Flow read;
        final Flow.Builder flow;
        final Instant now;
        private final List<ServiceSession> readSessions;
        private final Map<String, ServiceSession> created = new LinkedHashMap<>();
        private final Map<String, ServiceSession> changed = new LinkedHashMap<>();
        private final List<FlowEvent> events = new ArrayList<>();
        /** Files the commit binds: findable by a download from that commit on, never before. */
        private final List<String> bind = new ArrayList<>();
        /** Files this decision wrote itself: deleted if its change is not committed (a retry writes anew). */
        private final List<String> written = new ArrayList<>();
        /**
         * The files of sessions this change ended, saved but bound only by its commit: a later step decided
         * in the same change (a client card made, then shown to read) finds them through its context
         * ({@link #binding()}).
         */
        private final List<StoredFile> pending = new ArrayList<>();
        /** Work the services asked for once this change is committed ({@link StepDecision#then}). */
        private final List<StepDecision.Effect> effects = new ArrayList<>();
        /** A wrong answer to report although the change is committed ({@link StepDecision#rejecting}). */
        private InputRejected rejection;
        /** Sessions ended in this change by an outcome a retry could only repeat ({@link ServiceOutcome#isFinal}). */
        private final java.util.Set<String> noRetry = new java.util.HashSet<>();
        private boolean dirty;

        Tx(Flow read, List<ServiceSession> sessions, Instant now) {
            this.read = read;
            this.flow = read.toBuilder();
            this.readSessions = sessions;
            this.now = now;
        }

        Flow current() {
            return flow.build();
        }

        void touch() {
            dirty = true;
        }

        /** All sessions of the flow as they will be after this change, oldest first. */
        List<ServiceSession> sessions() {
            List<ServiceSession> all = new ArrayList<>();
            for (ServiceSession s : readSessions) {
                all.add(changed.getOrDefault(s.sessionId(), s));
            }
            all.addAll(created.values());
            all.sort(Comparator.comparing(ServiceSession::createdAt).thenComparing(ServiceSession::sessionId));
            return all;
        }

        Optional<ServiceSession> session(String sessionId) {
            return sessions().stream().filter(s -> s.sessionId().equals(sessionId)).findFirst();
        }

        void create(ServiceSession s) {
            created.put(s.sessionId(), s);
            dirty = true;
        }

        void save(ServiceSession s) {
            if (created.containsKey(s.sessionId())) {
                created.put(s.sessionId(), s);
            } else {
                changed.put(s.sessionId(), s);
            }
            dirty = true;
        }

        void emit(FlowEvent.Type type, String sessionId, ObjectNode payload) {
            events.add(new FlowEvent(ids.fileId(), type, read.consumerId(), read.flowId(), sessionId, payload, now));
            dirty = true;
        }

        void bind(List<String> fileIds) {
            bind.addAll(fileIds);
            dirty = true;
        }

        /**
         * The files this change binds, as saved: a step opened in the same change (the next step after a
         * liveness verdict) finds them among the flow's files although no download can see them yet.
         */
        List<StoredFile> binding() {
            Map<String, StoredFile> savedHere = new java.util.HashMap<>();
            pending.forEach(f -> savedHere.put(f.fileId(), f));
            List<StoredFile> out = new ArrayList<>();
            for (String id : bind) {
                // a service's file saved in this change (storeFiles), else an attempt's saved on this node
                StoredFile f = savedHere.containsKey(id) ? savedHere.get(id) : unboundFiles.get(id);
                if (f != null) {
                    out.add(f);
                }
            }
            return out;
        }

        FlowChange toChange() {
            return new FlowChange(flow.updatedAt(now).build(), List.copyOf(created.values()),
                    List.copyOf(changed.values()), events, bind);
        }
    }

    /**
     * Decides a change on the flow as stored now and commits it; on a lost race, reads again and
     * decides again. {@code decide} must be free of side effects other than writing unbound files
     * ({@link #storeFiles(Tx, String, Map)}): those a decision wrote are deleted when its change does not
     * land, since no commit will ever bind them.
     */
    <T> T inFlow(String flowId, Function<Tx, T> decide) {
        return inFlow(flowId, null, decide);
    }

    /**
     * As {@link #inFlow(String, Function)}, deciding first on {@code read} (the flow as the caller just read it
     * from the store, e.g. claimDue's copy) instead of reading it again; a stale copy only loses the
     * compare-and-set, and the next attempt reads the flow afresh.
     */
    private <T> T inFlow(String flowId, Flow read, Function<Tx, T> decide) {
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            Flow flow = attempt == 0 && read != null ? read : storage.flows().findById(flowId)
                    .orElseThrow(() -> new Refusal(404, "NOT_FOUND", "flow_id: no such flow"));
            Tx tx = new Tx(flow, storage.sessions().findByFlowId(flowId), now());
            T result;
            boolean committed;
            try {
                result = decide.apply(tx);
                if (!readyToCommit(tx)) {
                    return result;
                }
                // compare-and-set on the flow and every changed session: if anyone changed them since we
                // read, nothing is written and we decide again on what they wrote
                committed = storage.commit(tx.toChange());
            } catch (Refusal | InputRejected refusal) {
                discardFiles(tx.written);
                // the flow and its sessions are two reads: a commit between them (the sweeper ending the
                // flow) gives a flow as it was and sessions as they are now, and a refusal decided on
                // that mix would be wrong (STEP_NOT_CURRENT for a flow that has in fact ended). Every
                // change of a flow's sessions bumps the flow's version, so an unchanged version proves
                // the two reads agree; otherwise decide again on what is stored now.
                if (storage.flows().findById(flowId).map(Flow::version).orElse(-1L) == flow.version()) {
                    throw refusal;
                }
                continue;
            } catch (RuntimeException | Error e) {
                // a duplicate key or a failing store: nothing was committed, so nothing of this decision is
                // bound. (A commit that failed half way through its transaction rolled back whole.)
                discardFiles(tx.written);
                throw e;
            }
            if (committed) {
                afterCommit(tx);
                return result;
            }
            discardFiles(tx.written);
        }
        throw new IllegalStateException("flow " + flowId + " kept changing; gave up after " + CAS_ATTEMPTS + " tries");
    }

    /**
     * Before a decision's commit: a decision that changed nothing has its written files discarded and its
     * effects run now (false: nothing to commit); otherwise the flow's next deadline is set (true).
     */
    private boolean readyToCommit(Tx tx) {
        if (!tx.dirty) {
            discardFiles(tx.written);
            runEffects(tx);
            return false;
        }
        if (!tx.current().ended()) {
            tx.flow.deadlineAt(deadline(tx.current(), waitsOutside(tx)));
        }
        return true;
    }

    /** After a decision's commit landed: counted, its files bound, its effects run. */
    private void afterCommit(Tx tx) {
        metrics.committed(tx.events, tx.read.testFlow());
        tx.bind.forEach(unboundFiles::remove);
        runEffects(tx);
    }

    /**
     * The services' work for after the commit, in order. A failing effect is logged and does not undo the
     * commit (it cannot): a service that must know whether its effect worked completes its session from
     * the effect ({@code Idflow.completeSession}).
     */
    private void runEffects(Tx tx) {
        for (StepDecision.Effect effect : tx.effects) {
            try {
                effect.run();
            } catch (Exception | Error e) {
                LOG.error("a service's work after the commit failed for flow {}", tx.read.flowId(), e);
            }
        }
    }

    /**
     * The next moment the sweeper must look at the flow: its ttl, its step's timeout, the person's silence.
     * While the current step waits for an outside system ({@code waitsOutside}: the bank reviewing an
     * application), the person's silence counts for nothing: they were told to wait, and may close the
     * page; the step's timeout bounds the wait.
     */
    Instant deadline(Flow f, boolean waitsOutside) {
        Instant ttlEnd = f.createdAt().plusSeconds(f.ttl());
        if (!f.started()) {
            return ttlEnd;
        }
        Instant result = ttlEnd;
        int index = f.template().indexOf(f.currentStepId());
        if (index >= 0 && f.currentStepStartedAt() != null) {
            result = earliest(result, f.currentStepStartedAt().plusSeconds(f.template().pipeline().get(index).timeout()));
        }
        if (waitsOutside) {
            return result;
        }
        Instant lastSeen = f.lastActivityAt() != null ? f.lastActivityAt() : f.startedAt();
        return earliest(result, lastSeen.plus(inactivityTimeout));
    }

    /** Whether the current step's open session waits for an outside system. */
    private static boolean waitsOutside(Tx tx) {
        Flow f = tx.current();
        return f.started() && !f.ended() && f.currentStepId() != null
                && openSessionOf(tx, f.currentStepId()).map(FlowEngine::awaits).filter("outside"::equals).isPresent();
    }

    // ---------------------------------------------------------------- the person's actions

    /**
     * The person starts the flow through the vlink; idempotent while it runs. The device facts (mobile or
     * desktop; android, ios or web) are what the page reported, kept for the services that decide on them.
     */
    public Flow start(String flowId, String deviceType, String platform) {
        return inFlow(flowId, tx -> {
            if (tx.read.ended()) {
                throw new Refusal(409, "FLOW_ENDED", "flow: has already ended");
            }
            if (tx.read.started()) {
                return tx.read;
            }
            tx.flow.startedAt(tx.now).lastActivityAt(tx.now);
            if (deviceType != null) {
                tx.flow.initialDeviceType(deviceType);
            }
            if (platform != null) {
                tx.flow.devicePlatform(platform);
            }
            tx.emit(FlowEvent.Type.FLOW_STARTED, null, payload(tx));
            goToStep(tx, 0);
            return tx.current();
        });
    }

    /** The flow after the person's answer, and the wrong answer to report if the service rejected it. */
    public record Answer(Flow flow, InputRejected rejection) {
    }

    /**
     * The person answered the current step's screen (a submit, a resend, an upload): its service decides
     * ({@link FlowService#act}) and the decision is committed. A rejection the service threw commits nothing
     * and is thrown; one it returned ({@link StepDecision#rejecting}) is committed and given back.
     */
    public Answer act(String flowId, String stepId, PersonInput input) {
        return inFlow(flowId, tx -> {
            Flow f = tx.current();
            if (f.ended()) {
                throw new Refusal(409, "FLOW_ENDED", "flow: has already ended");
            }
            if (!f.started()) {
                throw new Refusal(409, "FLOW_NOT_STARTED", "flow: start it first");
            }
            if (!stepId.equals(f.currentStepId())) {
                throw new Refusal(409, "STEP_NOT_CURRENT", "step_id: " + stepId + " is not the current step");
            }
            ServiceSession open = openSessionOf(tx, stepId)
                    .orElseThrow(() -> new Refusal(409, "STEP_NOT_CURRENT", "step_id: the step has no open session"));
            if (!"person".equals(awaits(open))) {
                throw new Refusal(422, "INVALID_PAYLOAD", "step_id: a " + open.serviceName()
                        + " step is not answered through " + inputName(input));
            }
            FlowService service = serviceOf(f, open);
            StepDecision decision;
            try {
                decision = metrics.timeService(open.serviceName(), "act", () -> service.act(context(tx, open), input));
            } catch (RuntimeException e) {
                throw e; // a rejection (nothing committed, the step stays open) or a failure (500)
            } catch (Exception e) {
                throw new IllegalStateException("service " + open.serviceName() + " failed on the person's answer", e);
            }
            tx.flow.lastActivityAt(tx.now);
            carryOut(tx, open, decision, false);
            return new Answer(tx.current(), tx.rejection);
        });
    }

    private static String inputName(PersonInput input) {
        if (input instanceof PersonInput.Resend) {
            return "resend";
        }
        return input instanceof PersonInput.Upload ? "a file upload" : "submit";
    }

    /**
     * An outside system completes a session that waits for it (the host's service, an operator resuming a
     * held step): its service decides ({@link FlowService#complete}, by default the outcome given) and the
     * flow moves on. False when the session is no longer open (it timed out, the flow ended, it was
     * completed already): exactly one of a completion and the sweeper's timeout wins, by compare-and-set.
     *
     * @throws IllegalArgumentException for an unknown session
     * @throws IllegalStateException    for a session that waits for the person, not for an outside system
     */
    public boolean complete(String sessionId, ServiceOutcome outcome) {
        ServiceSession s = storage.sessions().findById(sessionId)
                .orElseThrow(() -> new IllegalArgumentException("sessionId: no session " + sessionId));
        if (s.flowId() == null) {
            throw new IllegalArgumentException("sessionId: session " + sessionId + " belongs to no flow");
        }
        return inFlow(s.flowId(), tx -> {
            ServiceSession current = tx.session(sessionId).orElseThrow();
            if (tx.read.ended() || !isOpen(current)) {
                return false;
            }
            if (!"outside".equals(awaits(current))) {
                throw new IllegalStateException("session " + sessionId + " waits for the person, not for an outside system");
            }
            StepDecision decision;
            try {
                FlowService completing = serviceOf(tx.current(), current);
                decision = metrics.timeService(current.serviceName(), "complete",
                        () -> completing.complete(context(tx, current), outcome));
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("service " + current.serviceName() + " failed on its completion", e);
            }
            carryOut(tx, current, decision, false);
            return true;
        });
    }

    /**
     * The work of a {@link StepDecision#thenComplete}, run after the commit that made the session wait: its
     * outcome completes the session; a failure fails it (logged, the exception never reaches the person).
     */
    private void completeWith(String sessionId, String service, StepDecision.Completion work) {
        ServiceOutcome outcome;
        try {
            outcome = Objects.requireNonNull(work.run(), "the completion's outcome");
        } catch (Exception | Error e) {
            LOG.error("service {} failed in its work after the commit for session {}", service, sessionId, e);
            outcome = ServiceOutcome.fail(Json.mapper().createObjectNode().put("service_name", service)
                    .put("service_status", "error"));
        }
        if (!complete(sessionId, outcome)) {
            LOG.info("session {} of {} had ended before its work after the commit was done", sessionId, service);
        }
    }

    /** The person's device made a liveness attempt; its verdict has been reached already. */
    public record AttemptOutcome(ServiceSession session, boolean success, String errorCode, int attemptsLeft) {
    }

    /**
     * Takes one attempt from the session for an upload about to be read: in one commit (compare-and-set
     * on the session), {@code attemptsLeft - 1} and a fresh attempt id reserved on it. Called before a
     * byte of the upload's body is read, so a device holding several uploads open gets no more of them
     * judged than the session has attempts: the others are refused here, having stored nothing. Refused
     * when the session has no attempt left or the flow has ended.
     *
     * @return the attempt id, for {@link #recordAttempt} or {@link #refuseAttempt}
     */
    public String reserveAttempt(String sessionId, String flowId) {
        String attemptId = ids.token(16);
        inFlow(flowId, tx -> {
            ServiceSession s = tx.session(sessionId)
                    .orElseThrow(() -> new Refusal(404, "NOT_FOUND", "session: no such session"));
            if (!isOpen(s) || s.liveness().attemptsLeft() <= 0) {
                throw new Refusal(409, "NO_ATTEMPTS_LEFT", "session: has no attempts left");
            }
            if (tx.read.ended()) {
                throw new Refusal(409, "FLOW_ENDED", "flow: has already ended");
            }
            tx.flow.lastActivityAt(tx.now);
            tx.save(s.withLiveness(s.liveness().reserving(attemptId), tx.now));
            return null;
        });
        return attemptId;
    }

    /**
     * Records the verdict of a reserved attempt on the session, ending it when it passed, had no verdict,
     * or was the last attempt with none other in progress; binds {@code fileIds} (the attempt's files,
     * saved unbound) in the same commit. Refused — binding nothing — when the attempt is no longer
     * reserved: the session ended meanwhile (another attempt's verdict, the token's expiry, the sweeper)
     * or the verdict was recorded already. The caller then deletes the files.
     */
    public AttemptOutcome recordAttempt(String sessionId, String flowId, String attemptId,
                                        CameraService.AttemptVerdict verdict, List<String> fileIds) {
        try {
            AttemptOutcome outcome = recordAttemptInFlow(sessionId, flowId, attemptId, verdict, fileIds);
            metrics.attempt(verdict.status().wire(), outcome.session().testSession());
            return outcome;
        } catch (Refusal refused) {
            metrics.attempt("refused", null);
            throw refused;
        } finally {
            // bound by the commit, or to be discarded by the caller: either way no longer this node's to show
            fileIds.forEach(unboundFiles::remove);
        }
    }

    private AttemptOutcome recordAttemptInFlow(String sessionId, String flowId, String attemptId,
                                               CameraService.AttemptVerdict verdict, List<String> fileIds) {
        return inFlow(flowId, tx -> {
            ServiceSession s = tx.session(sessionId)
                    .orElseThrow(() -> new Refusal(404, "NOT_FOUND", "session: no such session"));
            if (!isOpen(s) || !s.liveness().reservedAttempts().contains(attemptId)) {
                throw new Refusal(409, "NO_ATTEMPTS_LEFT", "session: has no attempts left");
            }
            if (tx.read.ended()) {
                throw new Refusal(409, "FLOW_ENDED", "flow: has already ended");
            }
            ExecutionStatus status = verdict.status();
            ObjectNode result = verdict.result();
            result.put("service_name", s.serviceName());
            LivenessDetails liveness = s.liveness().releasing(attemptId);
            int left = liveness.attemptsLeft();
            // an attempt without a verdict would only get the same "unknown" again: it ends the session too.
            // A failed last attempt ends it only when no other attempt is still being judged: that one may pass.
            // A final failure (one another attempt would only repeat) ends it at once.
            boolean ends = status != ExecutionStatus.FAIL || verdict.isFinal()
                    || (left == 0 && liveness.reservedAttempts().isEmpty());
            if (ends) {
                // the session's outcome is this verdict: attempts still in progress lose, and bind nothing
                liveness = liveness.withoutReservations();
                if (verdict.isFinal() && status == ExecutionStatus.FAIL) {
                    // the device is told the truth: no attempt of this session could pass
                    liveness = liveness.withAttemptsLeft(0);
                    left = 0;
                }
            }
            ServiceSession next = s.state() == SessionStateName.CREATED ? s.transition(SessionStateName.PROCESSING, tx.now) : s;
            next = next.withLiveness(liveness, tx.now).withOutcome(status, result, tx.now);
            if (ends) {
                next = next.transition(SessionStateName.PROCESSED, tx.now).withStepState(null, tx.now);
            }
            tx.flow.lastActivityAt(tx.now);
            tx.save(next);
            tx.bind(fileIds);
            if (ends) {
                if (verdict.isFinal()) {
                    tx.noRetry.add(next.sessionId());
                }
                afterSessionEnd(tx, next);
            }
            String errorCode = status == ExecutionStatus.PASS ? null : firstErrorCode(result, status);
            return new AttemptOutcome(next, status == ExecutionStatus.PASS, errorCode, left);
        });
    }

    /**
     * A reserved attempt whose upload was refused (bad metadata, a bad frame, too big, the device went
     * away): the attempt stays used. When it was the last one and no other is in progress, the session
     * ends failed, as a failed attempt would end it (a retry session, the next step, or the flow's end).
     * Nothing happens when the attempt is no longer reserved (the session ended meanwhile).
     */
    public void refuseAttempt(String sessionId, String flowId, String attemptId, String errorCode) {
        inFlow(flowId, tx -> {
            Optional<ServiceSession> found = reservedOn(tx, sessionId, attemptId);
            if (found.isEmpty()) {
                return null;
            }
            ServiceSession s = found.get();
            LivenessDetails liveness = s.liveness().releasing(attemptId);
            ServiceSession next = s.withLiveness(liveness, tx.now);
            tx.flow.lastActivityAt(tx.now);
            if (liveness.attemptsLeft() > 0 || !liveness.reservedAttempts().isEmpty()) {
                tx.save(next);
                return null;
            }
            if (next.result() == null) {
                // no earlier attempt was judged: the session's only word is why its last upload was refused
                ObjectNode result = Json.mapper().createObjectNode().put("service_name", s.serviceName())
                        .put("service_status", "unknown");
                result.putArray("error_codes").add(errorCode);
                next = next.withOutcome(next.status(), result, tx.now);
            }
            ServiceSession done = closeAsFailed(tx, next, "refused");
            afterSessionEnd(tx, done);
            return null;
        });
    }

    /**
     * A reserved attempt the server could not judge for want of its own resources (the node's decoders
     * were busy): the reservation is dropped and the attempt given back, so the person may send it
     * again. Nothing happens when the attempt is no longer reserved (the session ended meanwhile).
     */
    public void returnAttempt(String sessionId, String flowId, String attemptId) {
        inFlow(flowId, tx -> {
            reservedOn(tx, sessionId, attemptId).ifPresent(s -> {
                LivenessDetails released = s.liveness().releasing(attemptId);
                tx.save(s.withLiveness(released.withAttemptsLeft(released.attemptsLeft() + 1), tx.now));
            });
            return null;
        });
    }

    /** The session, while it is open in a running flow and still holds {@code attemptId}'s reservation. */
    private static Optional<ServiceSession> reservedOn(Tx tx, String sessionId, String attemptId) {
        return tx.session(sessionId).filter(s -> isOpen(s) && !tx.read.ended()
                && s.liveness().reservedAttempts().contains(attemptId));
    }

    /** An attempt after the token expired: the session ends as a timeout (and may be retried). */
    public AttemptOutcome expireSession(String sessionId, String flowId) {
        return inFlow(flowId, tx -> {
            ServiceSession s = tx.session(sessionId)
                    .orElseThrow(() -> new Refusal(404, "NOT_FOUND", "session: no such session"));
            if (!isOpen(s) || tx.read.ended()) {
                return new AttemptOutcome(s, false, "timeout", 0);
            }
            ServiceSession done = closeAsFailed(tx, s, "timeout");
            tx.flow.lastActivityAt(tx.now);
            afterSessionEnd(tx, done);
            return new AttemptOutcome(done, false, "timeout", 0);
        });
    }

    private static String firstErrorCode(ObjectNode result, ExecutionStatus status) {
        JsonNode codes = result.get("error_codes");
        if (codes != null && codes.isArray() && !codes.isEmpty()) {
            return codes.get(0).asText();
        }
        return status == ExecutionStatus.UNKNOWN ? "inconclusive" : "model_prediction";
    }

    // ---------------------------------------------------------------- the consumer's liveness sessions

    /** What a consumer-driven camera session is made of, already validated. */
    public record NewCameraSession(String flowId, String stepId, StepDecision.Camera camera) {
    }

    /**
     * Opens a camera session for the consumer's own front end ({@code POST /liveness2/session}) at
     * {@code stepId}, starting the flow there if nobody has; its attempts are the consumer's retries, so
     * the flow opens no new session when it fails. Empty when the flow has ended.
     */
    public Optional<ServiceSession> openConsumerCameraSession(NewCameraSession spec) {
        return inFlow(spec.flowId(), tx -> {
            if (tx.read.ended()) {
                return Optional.<ServiceSession>empty();
            }
            if (!tx.read.started()) {
                tx.flow.startedAt(tx.now).lastActivityAt(tx.now)
                        .currentStepId(spec.stepId()).currentStepStartedAt(tx.now);
                tx.emit(FlowEvent.Type.FLOW_STARTED, null, payload(tx));
            }
            String service = tx.read.template().pipeline().get(tx.read.template().indexOf(spec.stepId())).serviceName();
            ServiceSession session = cameraSession(tx, plainSession(tx, spec.stepId(), service), spec.camera(), true);
            tx.create(session);
            return Optional.of(session);
        });
    }

    // ---------------------------------------------------------------- the sweeper's decisions

    /**
     * Ends the flow if its ttl, its step's timeout or the person's silence has run out; otherwise moves
     * its deadline to the next moment that can happen. Returns the end cause applied, if any.
     */
    public Optional<EndCause> sweep(String flowId) {
        return sweep(flowId, null);
    }

    /**
     * Settles a flow the sweeper claimed, deciding first on {@code claimed} (claimDue's copy, saving a read per
     * flow); {@code claimed} null reads it.
     */
    public Optional<EndCause> sweep(String flowId, Flow claimed) {
        if (claimed != null && !claimed.flowId().equals(flowId)) {
            throw new IllegalArgumentException("claimed: flow " + claimed.flowId() + " is not " + flowId);
        }
        return inFlow(flowId, claimed, this::sweepDecision);
    }

    /** The sweeper's decision on one flow, shared by {@link #sweep(String, Flow)} and {@link #sweepAll}. */
    private Optional<EndCause> sweepDecision(Tx tx) {
        Flow f = tx.current();
        if (f.ended()) {
            return Optional.<EndCause>empty();
        }
        Optional<EndCause> cause = dueEnd(f, tx.now, waitsOutside(tx));
        if (cause.isPresent()) {
            finish(tx, cause.get(), null);
        } else if (!deadline(f, waitsOutside(tx)).equals(f.deadlineAt())) {
            tx.touch(); // the deadline moved (the person was active): store the new one, release the claim
        }
        return cause;
    }

    /**
     * Settles a batch the sweeper claimed, as {@link #sweep(String, Flow)} for each but in fewer transactions:
     * each flow is decided on its claimed copy (and its sessions, read per flow), and the changes are committed
     * together ({@link IdflowStorage#commitAll}: the JDBI store, one transaction), each still a compare-and-set
     * on its flow's version. A flow whose compare-and-set lost (a person's commit since the claim) is swept again
     * alone, on a fresh read, as {@code inFlow} retries; so is every flow of a batch whose commit threw (a
     * storage outage is rethrown instead). {@code failed} hears of each flow whose sweep threw.
     * Returns how many flows it ended.
     */
    public int sweepAll(List<Flow> claimed, java.util.function.BiConsumer<Flow, RuntimeException> failed) {
        List<Tx> decided = new ArrayList<>();
        List<Optional<EndCause>> causes = new ArrayList<>();
        int ended = 0;
        // every claimed flow's sessions in one read (a store that cannot: one read per flow, as before)
        Map<String, List<ServiceSession>> sessions = storage.sessions()
                .findByFlowIds(claimed.stream().map(Flow::flowId).toList());
        for (Flow flow : claimed) {
            Tx tx;
            Optional<EndCause> cause;
            try {
                tx = new Tx(flow, sessions.getOrDefault(flow.flowId(), List.of()), now());
                cause = sweepDecision(tx);
            } catch (RuntimeException e) {
                if (dev.idflow.core.spi.StorageUnavailableException.isOutage(e)) {
                    throw e;
                }
                failed.accept(flow, e);
                continue;
            }
            if (!readyToCommit(tx)) {
                continue;
            }
            decided.add(tx);
            causes.add(cause);
        }
        if (decided.isEmpty()) {
            return 0;
        }
        List<Boolean> landed;
        try {
            landed = storage.commitAll(decided.stream().map(Tx::toChange).toList());
        } catch (RuntimeException e) {
            if (dev.idflow.core.spi.StorageUnavailableException.isOutage(e)) {
                decided.forEach(tx -> discardFiles(tx.written));
                throw e;
            }
            // nothing of the batch landed: each flow alone, so that one broken change stops no other
            landed = java.util.Collections.nCopies(decided.size(), false);
        }
        for (int i = 0; i < decided.size(); i++) {
            Tx tx = decided.get(i);
            if (landed.get(i)) {
                afterCommit(tx);
                if (causes.get(i).isPresent()) {
                    ended++;
                }
                continue;
            }
            discardFiles(tx.written);
            try {
                if (sweep(tx.read.flowId()).isPresent()) { // reads afresh: decides again on what won
                    ended++;
                }
            } catch (RuntimeException e) {
                if (dev.idflow.core.spi.StorageUnavailableException.isOutage(e)) {
                    throw e;
                }
                failed.accept(tx.read, e);
            }
        }
        return ended;
    }

    private Optional<EndCause> dueEnd(Flow f, Instant now, boolean waitsOutside) {
        if (!now.isBefore(f.createdAt().plusSeconds(f.ttl()))) {
            return Optional.of(EndCause.TIMEOUT);
        }
        if (!f.started()) {
            return Optional.empty();
        }
        int index = f.template().indexOf(f.currentStepId());
        if (index >= 0 && f.currentStepStartedAt() != null
                && !now.isBefore(f.currentStepStartedAt().plusSeconds(f.template().pipeline().get(index).timeout()))) {
            return Optional.of(EndCause.TIMEOUT);
        }
        Instant lastSeen = f.lastActivityAt() != null ? f.lastActivityAt() : f.startedAt();
        if (!waitsOutside && !now.isBefore(lastSeen.plus(inactivityTimeout))) {
            return Optional.of(EndCause.DISCONNECTED);
        }
        return Optional.empty();
    }

    // ---------------------------------------------------------------- operator review

    /** An operator changes a session's outcome: state reviewed, the flow's check_type edited. */
    public ServiceSession review(String sessionId, ExecutionStatus status, String reason) {
        ServiceSession s = storage.sessions().findById(sessionId)
                .orElseThrow(() -> new IllegalArgumentException("no session " + sessionId));
        if (s.flowId() == null) {
            throw new IllegalArgumentException("session " + sessionId + " belongs to no flow");
        }
        return inFlow(s.flowId(), tx -> {
            ServiceSession current = tx.session(sessionId).orElseThrow();
            if (isOpen(current)) {
                throw new IllegalStateException("session " + sessionId + " is still running; review it once processed");
            }
            ServiceSession reviewed = current.transition(SessionStateName.REVIEWED, tx.now)
                    .withOutcome(status, current.result(), tx.now).withReviewReason(reason);
            tx.save(reviewed);
            tx.flow.edited(true);
            if (tx.read.ended()) {
                tx.flow.flowStatus(flowStatus(tx));
            }
            return reviewed;
        });
    }

    // ---------------------------------------------------------------- steps

    /**
     * Makes step {@code index} current (or ends the flow past the last step) and walks on through the
     * steps that finish at once. A loop, not a recursion: a pipeline of instant server-side services
     * (or sandbox successes) walks every step within this one frame, whatever its length.
     */
    private void goToStep(Tx tx, int index) {
        ServiceSession ended = enterStep(tx, index);
        if (ended != null) {
            afterSessionEnd(tx, ended);
        }
    }

    /** Step {@code index} becomes current; returns its session if that ended at once, else null. */
    private ServiceSession enterStep(Tx tx, int index) {
        List<PipelineStep> pipeline = tx.read.template().pipeline();
        if (index >= pipeline.size()) {
            finish(tx, EndCause.COMPLETED, flowStatus(tx));
            return null;
        }
        tx.flow.currentStepId(FlowTemplate.stepId(index)).currentStepStartedAt(tx.now);
        return openSession(tx, index);
    }

    /**
     * Opens a session for step {@code index} and asks its service what to do. Returns it when it ended at
     * once (server-side work, a sandbox answer), for the caller to walk on from; null when it waits (for the
     * person, the camera, an outside system) or its service failed and the flow ended.
     */
    private ServiceSession openSession(Tx tx, int index) {
        Flow f = tx.current();
        PipelineStep step = f.template().pipeline().get(index);
        ServiceSession session = plainSession(tx, FlowTemplate.stepId(index), step.serviceName());
        StepDecision decision;
        try {
            FlowService opening = serviceOf(f, session);
            decision = metrics.timeService(step.serviceName(), "open", () -> opening.open(context(tx, session)));
            if (decision == null) {
                throw new IllegalStateException("service " + step.serviceName() + " decided nothing");
            }
        } catch (Exception e) {
            LOG.error("service {} failed for flow {} session {}", step.serviceName(), f.flowId(), session.sessionId(), e);
            ServiceSession failed = session.transition(SessionStateName.PROCESSING, tx.now)
                    .transition(SessionStateName.PROCESSED, tx.now)
                    .withOutcome(ExecutionStatus.FAIL, Json.mapper().createObjectNode()
                            .put("service_name", step.serviceName()).put("service_status", "error"), tx.now);
            tx.create(failed);
            tx.emit(FlowEvent.Type.SESSION_ENDED, failed.sessionId(), sessionPayload(failed));
            finish(tx, EndCause.FAILED, ExecutionStatus.FAIL);
            return null;
        }
        return carryOut(tx, session, decision, true);
    }

    /**
     * Carries out a service's decision on {@code session} ({@code opening}: not stored yet). Returns the
     * session when the decision ended it, for the caller to walk on from ({@link #afterSessionEnd} for a
     * session that was waiting, the step walk for one being opened); null when it waits.
     */
    private ServiceSession carryOut(Tx tx, ServiceSession session, StepDecision decision, boolean opening) {
        tx.effects.addAll(decision.effects());
        if (decision.completion() != null) {
            String sessionId = session.sessionId();
            String service = session.serviceName();
            StepDecision.Completion work = decision.completion();
            tx.effects.add(() -> completeWith(sessionId, service, work));
        }
        if (decision.rejection() != null) {
            tx.rejection = decision.rejection();
        }
        ServiceSession next;
        ServiceSession ended = null;
        switch (decision.kind()) {
            case FINISH -> {
                ServiceOutcome outcome = decision.outcome();
                // findable only once the commit that records this outcome lands (a lost race decides again)
                storeFiles(tx, session.sessionId(), outcome.files());
                fillInputData(tx, outcome.data());
                ObjectNode result = outcome.result();
                if (!result.hasNonNull("service_name")) {
                    result.put("service_name", session.serviceName());
                }
                next = (session.state() == SessionStateName.CREATED ? session.transition(SessionStateName.PROCESSING, tx.now) : session)
                        .transition(SessionStateName.PROCESSED, tx.now)
                        .withOutcome(outcome.status(), result, tx.now)
                        .withStepState(null, tx.now);
                ended = next;
                if (outcome.isFinal()) {
                    tx.noRetry.add(next.sessionId());
                }
            }
            case AWAIT_PERSON, AWAIT_OUTSIDE -> {
                ObjectNode stepState = Json.mapper().createObjectNode();
                stepState.set("screen", decision.screen().toJson());
                stepState.set("state", decision.state());
                stepState.put("awaits", decision.kind() == StepDecision.Kind.AWAIT_PERSON ? "person" : "outside");
                next = session.withStepState(stepState, tx.now);
            }
            case AWAIT_CAMERA -> {
                if (!opening || session.liveness() != null) {
                    throw new IllegalStateException("service " + session.serviceName()
                            + " may ask for the camera only when its session opens");
                }
                next = cameraSession(tx, session, decision.camera(), false);
            }
            default -> throw new IllegalStateException("unknown decision " + decision.kind());
        }
        if (opening) {
            tx.create(next);
            return ended;
        }
        tx.save(next);
        if (ended != null) {
            afterSessionEnd(tx, ended);
        }
        return null;
    }

    /**
     * Data a service produced for later steps fills the flow's input_data where it has none; its
     * {@code locale}, when kk, ru or en, is the flow's language from now on.
     */
    private static void fillInputData(Tx tx, Map<String, String> given) {
        Map<String, String> data = new LinkedHashMap<>(given);
        String locale = data.remove("locale");
        if (locale != null && List.of("kk", "ru", "en").contains(locale)) {
            tx.flow.locale(locale);
        }
        if (data.isEmpty()) {
            return;
        }
        FlowInputData before = tx.current().inputData();
        ObjectNode merged = before == null ? Json.mapper().createObjectNode() : Json.mapper().valueToTree(before);
        boolean changed = false;
        for (Map.Entry<String, String> e : data.entrySet()) {
            JsonNode present = merged.get(e.getKey());
            if (e.getValue() != null && (present == null || present.isNull() || present.asText().isEmpty())) {
                merged.put(e.getKey(), e.getValue());
                changed = true;
            }
        }
        if (changed) {
            tx.flow.inputData(Json.mapper().convertValue(merged, FlowInputData.class));
        }
    }

    /** The service of a session's step, as registered for the flow's kind (test or live). */
    private FlowService serviceOf(Flow f, ServiceSession session) {
        return services.find(session.serviceName(), f.testFlow()).orElseThrow(() -> new IllegalStateException(
                "no service " + session.serviceName() + " is registered for " + (f.testFlow() ? "test" : "live") + " flows"));
    }

    /** What a service sees of a session being decided in {@code tx}. */
    private StepContext context(Tx tx, ServiceSession session) {
        return new EngineStepContext(storage, tx.current(), tx.sessions(), session, tx.now, ids.random(), tx.binding());
    }

    /** What a camera service sees of its session when judging an attempt (outside any transaction). */
    public StepContext context(Flow flow, ServiceSession session) {
        return new EngineStepContext(storage, flow, storage.sessions().findByFlowId(flow.flowId()), session, now(),
                ids.random(), List.of());
    }

    /** The camera service of a session, if its step's service judges camera attempts. */
    public Optional<CameraService> cameraService(Flow flow, ServiceSession session) {
        return services.find(session.serviceName(), flow.testFlow())
                .filter(CameraService.class::isInstance).map(CameraService.class::cast);
    }

    /** The service of a session as a {@link dev.idflow.core.spi.DocumentPages}, if its step's service shows documents. */
    public Optional<dev.idflow.core.spi.DocumentPages> documentPages(Flow flow, ServiceSession session) {
        return services.find(session.serviceName(), flow.testFlow())
                .filter(dev.idflow.core.spi.DocumentPages.class::isInstance).map(dev.idflow.core.spi.DocumentPages.class::cast);
    }

    /** What a waiting session waits for: {@code person}, {@code outside}, {@code camera}; null for none. */
    static String awaits(ServiceSession s) {
        if (s.liveness() != null) {
            return "camera";
        }
        ObjectNode stepState = s.stepState();
        return stepState == null ? null : stepState.path("awaits").asText(null);
    }

    /** The screen of a waiting session, for the hosted page; null when it shows none. */
    public static ObjectNode screenOf(ServiceSession s) {
        ObjectNode stepState = s.stepState();
        JsonNode screen = stepState == null ? null : stepState.get("screen");
        return screen instanceof ObjectNode o ? o : null;
    }

    /**
     * A session ended: pass → the next step; fail with retries left → a new session for the step;
     * otherwise the next step if the step may fail, else the flow ends here, failed.
     */
    private void afterSessionEnd(Tx tx, ServiceSession ended) {
        // each turn handles one ended session; a session that the next move ended at once is the next turn's
        for (ServiceSession next = ended; next != null; ) {
            next = moveOn(tx, next);
        }
    }

    /** One move after {@code ended}; returns the session that move ended at once, or null. */
    private ServiceSession moveOn(Tx tx, ServiceSession ended) {
        tx.emit(FlowEvent.Type.SESSION_ENDED, ended.sessionId(), sessionPayload(ended));
        Flow f = tx.current();
        int index = f.template().indexOf(ended.stepId());
        if (index < 0 || f.ended()) {
            return null;
        }
        PipelineStep step = f.template().pipeline().get(index);
        if (ended.status() == ExecutionStatus.PASS) {
            return enterStep(tx, index + 1);
        }
        boolean consumerDriven = ended.liveness() != null && ended.liveness().consumerDriven();
        long tries = tx.sessions().stream().filter(s -> ended.stepId().equals(s.stepId())).count();
        if (ended.status() == ExecutionStatus.FAIL && !consumerDriven && !tx.noRetry.contains(ended.sessionId())
                && tries < 1L + step.maxRetries()) {
            return openSession(tx, index);
        }
        if (step.allowFailure()) {
            return enterStep(tx, index + 1);
        }
        finish(tx, EndCause.COMPLETED, ExecutionStatus.FAIL);
        return null;
    }

    /** Pass when every step that may not fail passed (its last session), else fail. */
    private static ExecutionStatus flowStatus(Tx tx) {
        List<PipelineStep> pipeline = tx.read.template().pipeline();
        List<ServiceSession> sessions = tx.sessions();
        for (int i = 0; i < pipeline.size(); i++) {
            String stepId = FlowTemplate.stepId(i);
            ServiceSession last = null;
            for (ServiceSession s : sessions) {
                if (stepId.equals(s.stepId())) {
                    last = s;
                }
            }
            boolean passed = last != null && last.status() == ExecutionStatus.PASS;
            if (!passed && !pipeline.get(i).allowFailure()) {
                return ExecutionStatus.FAIL;
            }
        }
        return ExecutionStatus.PASS;
    }

    /**
     * Ends the flow. {@code status} null: decided from the sessions once the open ones are closed as
     * failed (a timeout at the last, allow_failure step still passes a flow whose required steps passed).
     */
    private void finish(Tx tx, EndCause cause, ExecutionStatus status) {
        String reason = cause == EndCause.TIMEOUT ? "timeout" : cause == EndCause.DISCONNECTED ? "disconnected" : "ended";
        for (ServiceSession s : tx.sessions()) {
            if (isOpen(s)) {
                ServiceSession closed = closeAsFailed(tx, s, reason);
                tx.emit(FlowEvent.Type.SESSION_ENDED, closed.sessionId(), sessionPayload(closed));
            }
        }
        tx.flow.endedAt(tx.now).endCause(cause).flowStatus(status != null ? status : flowStatus(tx)).deadlineAt(null);
        tx.emit(FlowEvent.Type.FLOW_ENDED, null, payload(tx));
    }

    private ServiceSession closeAsFailed(Tx tx, ServiceSession s, String reason) {
        ObjectNode result = s.result() != null ? s.result() : Json.mapper().createObjectNode();
        result.put("service_name", s.serviceName());
        if (s.liveness() != null) {
            // a camera session's result keeps its verdict's shape (VeriliveResult): no verdict is "unknown"
            result.put("service_status", result.path("service_status").asText("unknown"));
            result.put("end_time", tx.now.toString());
        }
        if (reason.equals("timeout")) {
            // of any service: the person's time ran out, they were not denied (frontend status "expired")
            result.putArray("error_codes").add("timeout");
        }
        ServiceSession next = s.state() == SessionStateName.CREATED ? s.transition(SessionStateName.PROCESSING, tx.now) : s;
        next = next.transition(SessionStateName.PROCESSED, tx.now).withOutcome(ExecutionStatus.FAIL, result, tx.now)
                .withStepState(null, tx.now);
        if (next.liveness() != null) {
            // ended: no attempt still being read or judged can count any more
            next = next.withLiveness(next.liveness().withAttemptsLeft(0).withoutReservations(), tx.now);
        }
        tx.save(next);
        return next;
    }

    static boolean isOpen(ServiceSession s) {
        return s.state() == SessionStateName.CREATED || s.state() == SessionStateName.PROCESSING;
    }

    /** The open session of a step (the newest, if a retry opened one). */
    static Optional<ServiceSession> openSessionOf(Tx tx, String stepId) {
        ServiceSession found = null;
        for (ServiceSession s : tx.sessions()) {
            if (stepId.equals(s.stepId()) && isOpen(s)) {
                found = s;
            }
        }
        return Optional.ofNullable(found);
    }

    private ServiceSession plainSession(Tx tx, String stepId, String service) {
        Flow f = tx.read;
        return new ServiceSession(ids.sessionId(), f.consumerId(), f.personId(), f.flowId(), stepId, service,
                API_VERSION, f.testFlow(), SessionStateName.CREATED,
                List.of(new SessionState(SessionStateName.CREATED, tx.now)), ExecutionStatus.UNKNOWN, null, null, null,
                null, tx.now, tx.now, 0);
    }

    /** {@code session} with what a camera step needs: a fresh access token, the actions, its attempts. */
    private ServiceSession cameraSession(Tx tx, ServiceSession session, StepDecision.Camera camera, boolean consumerDriven) {
        String token = ids.accessToken();
        LivenessDetails liveness = new LivenessDetails(seal(token), Crypto.sha256Hex(token), camera.pipeline(),
                camera.platform(), camera.attempts(), tx.now.plusSeconds(camera.durationSeconds()), consumerDriven);
        ObjectNode stepState = Json.mapper().createObjectNode();
        stepState.set("screen", Json.mapper().createObjectNode().put("kind", "camera"));
        stepState.put("awaits", "camera");
        return session.withLiveness(liveness, tx.now).withStepState(stepState, tx.now);
    }

    // ---------------------------------------------------------------- files and payloads

    /**
     * Stores the files a server-side service produced for a session being decided in {@code tx}, unbound:
     * the commit that records the session's outcome binds them, and if that commit does not land they are
     * deleted ({@link #inFlow}). Written before the commit, so a committed session never lacks its files.
     */
    private void storeFiles(Tx tx, String sessionId, Map<String, ServiceFile> files) {
        if (files.isEmpty()) {
            return;
        }
        Flow f = tx.current();
        String runId = ids.token(16);
        List<StoredFile> saved = new ArrayList<>();
        try {
            for (Map.Entry<String, ServiceFile> e : files.entrySet()) {
                String fileId = ids.fileId();
                // "label#2", "label#3", …: more files of one label
                saved.add(storage.files().save(new StoredFile(fileId, f.consumerId(), f.personId(), f.flowId(), sessionId,
                        ServiceOutcome.fileLabel(e.getKey()), e.getValue().contentType(), null, -1, now(), f.testFlow(), runId, false),
                        new ByteArrayInputStream(e.getValue().content())));
            }
        } catch (IOException | RuntimeException ex) {
            // nothing of a part-way failure is kept: only a whole success is recorded in the change
            discardFiles(saved.stream().map(StoredFile::fileId).toList());
            throw ex instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) ex;
        }
        List<String> savedIds = saved.stream().map(StoredFile::fileId).toList();
        tx.written.addAll(savedIds);
        tx.bind(savedIds);
        tx.pending.addAll(saved);
    }

    /**
     * Stores a liveness attempt's files, unbound and tagged with {@code attemptId}: no download finds them
     * until {@link #recordAttempt} binds them. Returns their ids; on failure, deletes those already saved.
     */
    public List<String> storeAttemptFiles(Flow f, String sessionId, String attemptId,
                                          Map<String, ServiceFile> files) {
        List<String> saved = new ArrayList<>();
        try {
            for (Map.Entry<String, ServiceFile> e : files.entrySet()) {
                // "label#2", "label#3", …: more files of one label
                saved.add(storeAttemptFile(f, sessionId, attemptId, ServiceOutcome.fileLabel(e.getKey()),
                        e.getValue().contentType(),
                        new ByteArrayInputStream(e.getValue().content())));
            }
            return saved;
        } catch (IOException ex) {
            discardFiles(saved);
            throw new UncheckedIOException(ex);
        } catch (RuntimeException ex) {
            discardFiles(saved);
            throw ex;
        }
    }

    /** Streams one file of a liveness attempt into the store, unbound and tagged with the attempt; its id. */
    public String storeAttemptFile(Flow f, String sessionId, String attemptId, String label, String contentType,
                                   java.io.InputStream content) throws IOException {
        String fileId = ids.fileId();
        StoredFile saved = storage.files().save(new StoredFile(fileId, f.consumerId(), f.personId(), f.flowId(), sessionId,
                label, contentType, null, -1, now(), f.testFlow(), attemptId, false), content);
        unboundFiles.put(fileId, saved);
        return fileId;
    }

    /**
     * Deletes files no commit bound and none ever will (a refused or losing attempt's, a lost decision's).
     * Best effort: a file left behind is unbound, so no download ever finds it.
     */
    public void discardFiles(List<String> fileIds) {
        for (String fileId : fileIds) {
            unboundFiles.remove(fileId);
            try {
                storage.files().delete(fileId);
            } catch (IOException | RuntimeException e) {
                LOG.warn("could not delete the unbound file {}; it stays unfindable", fileId, e);
            }
        }
    }

    private static ObjectNode payload(Tx tx) {
        Flow f = tx.current();
        ObjectNode p = Json.mapper().createObjectNode().put("person_id", f.personId())
                .put("flow_status", f.flowStatus().wire());
        if (f.endCause() != null) {
            p.put("end_cause", f.endCause().wire());
        }
        return p;
    }

    private static ObjectNode sessionPayload(ServiceSession s) {
        return Json.mapper().createObjectNode().put("service_name", s.serviceName())
                .put("step_id", s.stepId()).put("session_status", s.status().wire());
    }

    private static Instant earliest(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
