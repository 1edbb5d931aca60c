package dev.idflow.core;

import dev.idflow.core.api.ApiDispatcher;
import dev.idflow.core.api.HostedPageInfo;
import dev.idflow.core.engine.EventDelivery;
import dev.idflow.core.engine.RulesLivenessAnalyzer;
import dev.idflow.core.engine.Sweeper;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.spi.FlowListener;
import dev.idflow.core.spi.LivenessAnalyzer;
import dev.idflow.core.spi.MessageSender;
import dev.idflow.core.spi.ServiceHandler;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.ServiceFile;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.engine.ServiceRegistry;
import dev.idflow.core.services.BuiltInServices;
import dev.idflow.core.services.ServiceHandlerAdapter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import dev.idflow.core.engine.FlowEngine;
import dev.idflow.core.internal.AesGcmSecretCipher;
import dev.idflow.core.internal.ApiKeyHasher;
import dev.idflow.core.internal.Authenticator;
import dev.idflow.core.internal.Ids;
import dev.idflow.core.internal.RateLimiter;
import dev.idflow.core.internal.validation.InputValidator;
import dev.idflow.core.model.ApiKey;
import dev.idflow.core.model.Consumer;
import dev.idflow.core.model.FlowTemplate;
import dev.idflow.core.model.KeyMode;
import dev.idflow.core.model.ServiceNames;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.SecretCipher;
import dev.idflow.core.spi.TemplateRegistry;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * idflow in one object: give it a storage and the public URL it is reached at, register consumers,
 * keys and templates, and hand {@link #api()} to the servlet adapter.
 *
 * <pre>{@code
 * Idflow idflow = Idflow.builder()
 *         .storage(storage)
 *         .publicBaseUrl("https://bank.example/kyc")
 *         .secretKey(keyFromYourKms)
 *         .build();
 * idflow.registerConsumer("retail", "Retail banking");
 * idflow.addLiveKey("retail", apiKey, secret);
 * }</pre>
 */
public final class Idflow implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Idflow.class);
    private final IdflowStorage storage;
    private final Clock clock;
    private final Ids ids;
    private final SecretCipher cipher;
    private final ApiKeyHasher keyHasher;
    private final InMemoryTemplates ownTemplates;
    private final Authenticator authenticator;
    private final FlowEngine engine;
    private final ApiDispatcher api;
    private final String publicBaseUrl;
    private final Sweeper sweeper;
    private final dev.idflow.core.engine.PollMarks pollMarks;
    private final EventDelivery events;
    private final KycLists kycLists;
    private final FaceLists faceLists;
    private final dev.idflow.core.engine.DataKeeper keeper;
    private final Retention retention;
    private final Audit audit;
    private final dev.idflow.core.engine.WebhookSender webhookSender;
    private final Webhooks webhooks;
    private ScheduledExecutorService background;
    private ScheduledExecutorService webhookBackground;
    private final dev.idflow.core.engine.Metrics metrics;
    private final Health health;
    private final dev.idflow.core.console.ConsoleApi console;
    /** When the background loop last finished a run on this node (wall clock of the injected Clock), or null. */
    private volatile java.time.Instant lastBackgroundRun;
    private volatile Duration backgroundInterval;
    private volatile java.time.Instant backgroundStarted;

    private Idflow(Builder b) {
        Objects.requireNonNull(b.storage, "storage");
        this.clock = b.clock;
        this.publicBaseUrl = stripSlash(Objects.requireNonNull(b.publicBaseUrl, "publicBaseUrl"));
        this.ids = new Ids(b.random, clock);
        byte[] key = b.secretKey;
        if (key == null && b.cipher == null) {
            LOG.warn("no secret-encryption key given: using a random one, so API keys, live-key secrets, vlinks and "
                    + "access tokens stored now cannot be used after a restart (GET /flow of such a flow fails). "
                    + "Give Idflow.builder().secretKey(...) in production.");
            key = new byte[32];
            b.random.nextBytes(key);
        }
        this.cipher = b.cipher != null ? b.cipher : new AesGcmSecretCipher(key, b.random);
        // the pepper must be the same on every node and across restarts, or no stored key matches:
        // given, or derived from the one secret every node already shares
        if (b.keyPepper != null) {
            this.keyHasher = ApiKeyHasher.withPepper(b.keyPepper);
        } else if (key != null) {
            this.keyHasher = ApiKeyHasher.derivedFrom(key);
        } else {
            throw new IllegalStateException("an own secretCipher needs Idflow.builder().apiKeyPepper(...) (32 bytes or "
                    + "more, the same on every node) or secretKey(...) to derive the API-key pepper from");
        }
        this.storage = sealed(b, codePepper(key, b.keyPepper));
        this.ownTemplates = b.templates == null ? new InMemoryTemplates() : null;
        TemplateRegistry templates = b.templates == null ? ownTemplates : b.templates;
        this.authenticator = new Authenticator(storage.apiKeys(), cipher, keyHasher, storage.signatures(), clock,
                b.keyCacheTtl);
        this.metrics = dev.idflow.core.engine.Metrics.on(b.meterRegistry);
        LivenessAnalyzer analyzer = metrics.timed(new RulesLivenessAnalyzer(metrics.timed(b.faceAnalysis, "face-analysis"),
                b.maxLivenessSessionsPerHour), "liveness-rules");
        dev.idflow.core.services.FaceChecks faceChecks = new dev.idflow.core.services.FaceChecks(b.faceMatcher,
                storage.faceTemplates(), storage.sessions(), cipher);
        LivenessAnalyzer selfieAnalyzer = new RulesLivenessAnalyzer(
                dev.idflow.core.services.VeriliveOneShotService.selfieChecks(b.faceMatcher, b.selfieAnalysis),
                b.maxLivenessSessionsPerHour);
        ServiceRegistry services = BuiltInServices.registry(
                BuiltInServices.of(new BuiltInServices.Needs(storage, analyzer,
                        this::completeSession, b.messageSender, codePepper(key, b.keyPepper),
                        new BuiltInServices.Faces(faceChecks, selfieAnalyzer, b.verifaceThreshold))), b.services);
        this.engine = new FlowEngine(storage, clock, ids, b.inactivityTimeout, services, cipher, metrics);
        // rows from before schema V3 hold their vlink in clear; seal them now, with the host's cipher,
        // which the SQL migration could not use (the migration already stored their hashes)
        int sealed = storage.flows().sealClearVlinks(engine::seal);
        if (sealed > 0) {
            LOG.info("sealed the clear vlink tokens of {} flows stored before schema V3", sealed);
        }
        this.keeper = new dev.idflow.core.engine.DataKeeper(storage, engine::now, ids, codePepper(key, b.keyPepper));
        // the console's CSRF tokens: HMACs under a key of their own, derived like the code pepper; its reads
        // that leave a trace (file downloads) are recorded in the audit trail like every change
        this.console = new dev.idflow.core.console.ConsoleApi(this, derivedKey(key, b.keyPepper, "idflow console csrf key"),
                keeper::audit);
        // polled_at written behind (SQL stores): no GET waits on the flow's row lock, see PollMarks
        this.pollMarks = new dev.idflow.core.engine.PollMarks(storage.flows(), Duration.ofSeconds(1));
        this.api = ApiDispatcher.wire(storage, engine, keeper, templates, authenticator, pollMarks,
                new RateLimiter(clock), new ApiDispatcher.Throttles(b.testLimit, b.liveLimit, b.clientTokenLimit,
                        b.clientAddressLimit, b.authFailureLimit), ids, publicBaseUrl, b.maxJsonBytes, b.maxUploadBytes,
                derivedKey(key, b.keyPepper, "idflow idempotency request hash"));
        this.sweeper = new Sweeper(storage, engine, 100);
        this.events = new EventDelivery(storage, clock);
        b.listeners.forEach(events::addListener);
        Auditor auditor = keeper::audit;
        this.kycLists = new KycLists(storage.kycLists(), storage.apiKeys(), engine::now, auditor, null);
        this.health = new Health(storage, clock, this::backgroundState);
        metrics.backgroundAge(() -> {
            java.time.Instant last = lastBackgroundRun;
            return last == null ? Double.NaN : Duration.between(last, clock.instant()).toMillis() / 1000.0;
        });
        this.faceLists = new FaceLists(storage.faceTemplates(), storage.apiKeys(), b.faceMatcher, cipher, b.random,
                engine::now, auditor, null);
        this.retention = new Retention(storage.lifecycle(), storage.apiKeys(), auditor, null);
        this.audit = new Audit(storage.audit(), keeper::personRef);
        dev.idflow.core.internal.WebhookTargets targets = new dev.idflow.core.internal.WebhookTargets(
                new dev.idflow.core.internal.WebhookTargets.Policy(b.webhookAllowLoopback, b.webhookAllowPrivate,
                        b.webhookAllowHttp), b.webhookResolver);
        this.webhookSender = new dev.idflow.core.engine.WebhookSender(storage.webhooks(), cipher, clock, b.random, targets,
                b.webhookConnectTimeout, b.webhookRequestTimeout, b.webhookConcurrency, b.webhookFirstBackoff,
                b.webhookMaxBackoff);
        webhookSender.metrics(metrics);
        this.webhooks = new Webhooks(storage.webhooks(), storage.apiKeys(), cipher, targets, ids, engine::now,
                webhookSender);
    }

    /**
     * The host's store, wrapped in {@link dev.idflow.core.keys.SealedStorage} when there is a vault of person keys
     * (the builder's, else the store's own): then a person's data is sealed under their own key, and erasure
     * destroys it.
     */
    private static IdflowStorage sealed(Builder b, byte[] pepper) {
        dev.idflow.core.spi.PersonKeyVault vault = b.personKeys != null ? b.personKeys : b.storage.personKeys();
        if (vault == null || b.storage instanceof dev.idflow.core.keys.SealedStorage) {
            return b.storage;
        }
        return new dev.idflow.core.keys.SealedStorage(b.storage, new dev.idflow.core.keys.PersonKeys(vault,
                new dev.idflow.core.keys.PersonRefs(pepper), b.random, b.personKeyCacheTtl, b.clock));
        // (PersonRefs.fromSecret(secretKey or apiKeyPepper) makes the same references, for a host that seals first)
    }

    /**
     * The secret one-time codes are hashed under: the same on every node and across restarts, derived from
     * the API-key pepper if given, else from the secret key (one of them is there, see the constructor).
     */
    private static byte[] codePepper(byte[] secretKey, byte[] keyPepper) {
        return derivedKey(secretKey, keyPepper, "idflow one-time code pepper");
    }

    /**
     * A key for one purpose ({@code label}), the same on every node and across restarts: derived from the
     * API-key pepper if given, else from the secret key (one of them is there, see the constructor).
     */
    private static byte[] derivedKey(byte[] secretKey, byte[] keyPepper, String label) {
        byte[] base = keyPepper != null ? keyPepper : secretKey;
        return dev.idflow.core.internal.Crypto.hmacSha256(base, label.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The consumer API, for the servlet adapter (or any other HTTP layer). */
    public ApiDispatcher api() {
        return api;
    }

    public IdflowStorage storage() {
        return storage;
    }

    public Clock clock() {
        return clock;
    }

    /** The URL the API is reached at from outside, without a trailing slash; vlinks start with it. */
    public String publicBaseUrl() {
        return publicBaseUrl;
    }

    // ---- the hosted page, operators, background work ----

    /** The flow behind a vlink token, for the hosted page's HTML; empty for an unknown token. */
    public Optional<HostedPageInfo> hostedPage(String vlinkId) {
        return engine.flowOfVlink(vlinkId).map(f -> new HostedPageInfo(f.flowId(), f.locale(), f.template().ui()));
    }

    /**
     * An operator changes a processed session's outcome, giving a reason: the session's state becomes
     * {@code reviewed}, the flow's check_type {@code edited}, and an ended flow's flow_status is
     * decided again from its sessions.
     */
    public ServiceSession review(String sessionId, ExecutionStatus outcome, String reason) {
        return review(sessionId, outcome, reason, null);
    }

    /**
     * {@link #review(String, ExecutionStatus, String)} by {@code actor} (the host's principal, e.g. the
     * operator's login), recorded in the audit trail with the outcome and reason.
     */
    public ServiceSession review(String sessionId, ExecutionStatus outcome, String reason, String actor) {
        Objects.requireNonNull(outcome, "outcome");
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("a review needs a reason");
        }
        ServiceSession reviewed = engine.review(sessionId, outcome, reason);
        keeper.audit(reviewed.consumerId(), actor, "session.review", "session", sessionId,
                "outcome=" + outcome + ", reason=" + reason);
        return reviewed;
    }

    /**
     * {@link #completeSession(String, ServiceOutcome)} by an operator: resuming a held ({@code interrupter})
     * step, recorded in the audit trail as {@code session.resume} by {@code actor} when it landed.
     */
    public boolean resumeSession(String sessionId, ServiceOutcome outcome, String actor) {
        boolean done = completeSession(sessionId, outcome);
        if (done) {
            storage.sessions().findById(sessionId).ifPresent(s -> keeper.audit(s.consumerId(), actor,
                    "session.resume", "session", sessionId, "outcome=" + outcome.status()));
        }
        return done;
    }

    // ---- retention, erasure, audit ----

    /** The consumers' retention periods; the background work purges what is due. */
    public Retention retention() {
        return retention;
    }

    /** The operator console's API (issue #14): the servlet adapter serves it at {@code /console/api/} when enabled. */
    public dev.idflow.core.console.ConsoleApi console() {
        return console;
    }

    /** The audit trail. */
    public Audit audit() {
        return audit;
    }

    /**
     * Erases everything idflow keeps about {@code personId} of the consumer, test and live: flows, sessions,
     * files (their content too), face templates, certificates and keys, mockery scripts; in batches, each
     * its own short transaction. Idempotent. Recorded in the audit trail (as made by {@code host}).
     * Returns how many rows went.
     */
    public int erasePerson(String consumerId, String personId) {
        return erasePerson(consumerId, personId, null);
    }

    /** {@link #erasePerson(String, String)} by {@code actor}, the host's principal. */
    public int erasePerson(String consumerId, String personId, String actor) {
        Objects.requireNonNull(consumerId, "consumerId");
        if (personId == null || personId.isEmpty()) {
            throw new IllegalArgumentException("personId: is required");
        }
        return keeper.erasePerson(consumerId, personId, true, actor)
                + keeper.erasePerson(consumerId, personId, false, actor);
    }

    /** Purges what every consumer's retention makes due now (the background work calls it); returns how many rows went. */
    public int purgeExpiredOnce() {
        return keeper.purgeDue();
    }

    /**
     * An outside system completes a session that waits for it: a host's service that answered
     * {@link dev.idflow.core.spi.StepDecision#awaitOutside} (its KISC request came back), an operator
     * resuming an {@code interrupter} step. The step's service decides on the outcome (by default the
     * session ends with it) and the flow moves on. Safe from any thread and any node.
     *
     * @return false when the session no longer waits: it timed out, its flow ended, or it was completed
     *         already (of a completion and the sweeper's timeout exactly one wins)
     * @throws IllegalArgumentException for an unknown session
     * @throws IllegalStateException    for a session that waits for the person, not an outside system
     */
    public boolean completeSession(String sessionId, ServiceOutcome outcome) {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(outcome, "outcome");
        return engine.complete(sessionId, outcome);
    }

    /** {@link #completeSession(String, ServiceOutcome)} with a status, a result and files ({label: file}). */
    public boolean completeSession(String sessionId, ExecutionStatus status, ObjectNode result,
                                   Map<String, ServiceFile> files) {
        return completeSession(sessionId, new ServiceOutcome(status, result, files, null));
    }

    /** Tells {@code listener} of flow events committed from now on (and of those still undelivered). */
    public void addListener(FlowListener listener) {
        events.addListener(Objects.requireNonNull(listener));
    }

    /** Ends what is due now (ttl, step timeouts, silent persons); returns how many flows ended. */
    public int sweepOnce() {
        return sweeper.sweepOnce();
    }

    /** Delivers waiting events to this node's listeners; returns how many. */
    public int deliverEventsOnce() {
        int delivered = events.deliverOnce();
        metrics.eventsDelivered(delivered);
        return delivered;
    }

    /**
     * Forgets up to 1000 Idempotency-Keys older than 24 h (oldest first, one bounded statement); returns
     * how many. The background work runs it; a host scheduling its own calls this too.
     */
    public int purgeIdempotencyKeysOnce() {
        return storage.idempotencyKeys().purgeExpired(clock.instant(), 1000);
    }

    /**
     * Where idflow records its meters: the host's registry given to the builder, else nothing. The
     * webhook delivery feeds {@link dev.idflow.core.engine.Metrics#webhookDelivery} and
     * {@link dev.idflow.core.engine.Metrics#webhookBacklog} here.
     */
    public dev.idflow.core.engine.Metrics metrics() {
        return metrics;
    }

    /**
     * Whether this node can work: the database answers a cheap read within the timeout (2 s), and the
     * background work (if started on this node) ran recently. For a host's health endpoint or a Spring
     * Actuator {@code HealthIndicator}; never throws.
     */
    public Health.Report health() {
        return health.check();
    }

    private Health.Background backgroundState() {
        Duration interval = backgroundInterval;
        return interval == null ? null : new Health.Background(interval, backgroundStarted, lastBackgroundRun);
    }

    /**
     * Forgets up to 1000 used request signatures whose timestamps can no longer be accepted anyway;
     * returns how many. The background work runs it; a host scheduling its own calls this too.
     */
    public int purgeUsedSignaturesOnce() {
        return storage.signatures().purgeExpired(clock.instant(), 1000);
    }

    /**
     * Runs the sweeper, event delivery and the purge of used signatures every {@code interval} on one daemon thread,
     * and webhook sending every {@code interval} on another (its requests on a bounded pool of sender threads,
     * so a slow receiver never holds up the sweeper). Every node of a cluster may run it: work is claimed
     * through the database. Stop it with {@link #close()}.
     */
    public synchronized void startBackground(Duration interval) {
        if (background != null) {
            throw new IllegalStateException("background work is already running");
        }
        backgroundStarted = clock.instant();
        backgroundInterval = interval;
        background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "idflow-background");
            t.setDaemon(true);
            return t;
        });
        // an outage pauses each loop with one log line and resumes it with one: retried after one interval,
        // the wait doubling up to 5 s (or the interval, when that is longer)
        Duration maxWait = interval.compareTo(Duration.ofSeconds(5)) > 0 ? interval : Duration.ofSeconds(5);
        dev.idflow.core.engine.StoragePause pause = new dev.idflow.core.engine.StoragePause("background work", clock,
                interval.compareTo(maxWait) < 0 ? interval : maxWait, maxWait);
        dev.idflow.core.engine.StoragePause webhookPause = new dev.idflow.core.engine.StoragePause("webhook sending",
                clock, interval.compareTo(maxWait) < 0 ? interval : maxWait, maxWait);
        background.scheduleWithFixedDelay(() -> {
            if (pause.skip()) {
                return;
            }
            try {
                sweeper.sweepOnce();
                deliverEventsOnce();
                purgeUsedSignaturesOnce();
                keeper.purgeDue();
                purgeIdempotencyKeysOnce();
                lastBackgroundRun = clock.instant();
                pause.succeeded();
            } catch (Throwable e) {
                if (pause.failed(e)) {
                    return;
                }
                // a scheduled task that throws is never run again, silently: nothing may leave this
                // loop, an Error (a StackOverflowError in a store, an AssertionError) included; the
                // next run starts from the database again, so a failed one leaves nothing half-done
                LOG.error("background work failed{}; trying again in {}",
                        e instanceof VirtualMachineError ? " with a virtual machine error" : "", interval, e);
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        webhookBackground = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "idflow-webhooks");
            t.setDaemon(true);
            return t;
        });
        webhookBackground.scheduleWithFixedDelay(() -> {
            if (webhookPause.skip()) {
                return;
            }
            try {
                webhookSender.sendOnce();
                webhookPause.succeeded();
            } catch (Throwable e) {
                if (webhookPause.failed(e)) {
                    return;
                }
                LOG.error("webhook sending failed; trying again in {}", interval, e);
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Stops the background work {@link #startBackground} began (waits up to 10 s for a running sweep) and
     * leaves everything else working, so it may be started again (a Spring context's stop and start);
     * does nothing when none runs. {@link #close()} stops it too.
     */
    public synchronized void stopBackground() {
        if (background != null) {
            background.shutdown();
            try {
                background.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            background = null;
            backgroundInterval = null;
        }
        if (webhookBackground != null) {
            webhookBackground.shutdown();
            try {
                webhookBackground.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            webhookBackground = null;
        }
        try {
            pollMarks.flush();
        } catch (RuntimeException e) {
            LOG.warn("could not write {} buffered polls on stopping; the flush thread tries again: {}",
                    pollMarks.pending(), e.toString());
        }
    }

    /**
     * Writes the consumers' buffered polls ({@code polled_at}) now; returns how many flows. A thread of its own
     * does it about every second on a SQL store, and {@link #close()} does it last; a host or test may call it.
     */
    public int flushPollsOnce() {
        return pollMarks.flush();
    }

    /** Stops background work (waits up to 10 s for a running sweep) and releases the webhook and health threads. */
    @Override
    public synchronized void close() {
        stopBackground();
        pollMarks.close();
        webhookSender.close();
        health.close();
    }

    // ---- consumers and keys ----

    /** The shortest API key or secret accepted: 32 characters carry 128 bits even as hex digits. */
    public static final int MIN_KEY_CHARACTERS = 32;
    /** The rule for API keys and secrets, as every refusal states it. */
    public static final String KEY_RULE = "must be 32 to 256 printable ASCII characters without spaces, so that it "
            + "carries at least 128 bits (e.g. 32 hex or 43 base64url characters from a secure random source)";
    /** How many characters of a key are kept in clear, for an operator to recognise it. */
    static final int KEY_PREFIX_CHARACTERS = 4;

    /**
     * Refuses a key or secret that breaks {@link #KEY_RULE}, naming {@code what} it is ("API key",
     * "secret") and never the value; the demo's command line checks with the same rule.
     */
    public static void checkKeyStrength(String what, String value) {
        if (value == null || value.length() < MIN_KEY_CHARACTERS || value.length() > 256
                || !value.matches("[\\x21-\\x7e]+")) {
            throw new IllegalArgumentException("an " + what + " " + KEY_RULE
                    + (value == null ? "" : "; this one has " + value.length() + " characters"));
        }
    }

    /** Creates the consumer, or renames it if it exists. */
    public Consumer registerConsumer(String consumerId, String name) {
        if (consumerId == null || !consumerId.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("consumerId must be 1–64 characters of A-Z, a-z, 0-9, _ . -");
        }
        Consumer consumer = storage.apiKeys().findConsumer(consumerId)
                .map(c -> new Consumer(c.consumerId(), name, c.createdAt()))
                .orElseGet(() -> new Consumer(consumerId, name, engine.now()));
        storage.apiKeys().saveConsumer(consumer);
        return consumer;
    }

    /** Adds a test (sandbox) key that may call unsigned. */
    public void addTestKey(String consumerId, String apiKey) {
        addKey(consumerId, apiKey, null, KeyMode.TEST, null);
    }

    /** Adds a test key with a secret: it may call unsigned, and when it signs, the signature is checked. */
    public void addTestKey(String consumerId, String apiKey, String secret) {
        addKey(consumerId, apiKey, Objects.requireNonNull(secret, "secret"), KeyMode.TEST, null);
    }

    /** Adds a live key; every request made with it must be signed with {@code secret}. */
    public void addLiveKey(String consumerId, String apiKey, String secret) {
        addKey(consumerId, apiKey, Objects.requireNonNull(secret, "secret"), KeyMode.LIVE, null);
    }

    /**
     * Key changes by {@code actor} (the host's principal), each recorded in the audit trail with the key's
     * display form (its first characters), never the key or its secret.
     */
    public KeyChanges keys(String actor) {
        return new KeyChanges(Objects.requireNonNull(actor, "actor"));
    }

    /** {@link #addTestKey}, {@link #addLiveKey} and {@link #revokeKey} recorded as made by one actor. */
    public final class KeyChanges {
        private final String actor;

        private KeyChanges(String actor) {
            this.actor = actor;
        }

        public void addTestKey(String consumerId, String apiKey) {
            addKey(consumerId, apiKey, null, KeyMode.TEST, actor);
        }

        public void addTestKey(String consumerId, String apiKey, String secret) {
            addKey(consumerId, apiKey, Objects.requireNonNull(secret, "secret"), KeyMode.TEST, actor);
        }

        public void addLiveKey(String consumerId, String apiKey, String secret) {
            addKey(consumerId, apiKey, Objects.requireNonNull(secret, "secret"), KeyMode.LIVE, actor);
        }

        public boolean revokeKey(String apiKey) {
            return revoke(apiKey, actor);
        }
    }

    /** Generates a test key (256 random bits) for the consumer and returns it; only its peppered hash is kept. */
    public String newTestKey(String consumerId) {
        String key = "test_" + ids.token(32);
        addTestKey(consumerId, key);
        return key;
    }

    /** A generated live key and its secret, shown once. */
    public record LiveKey(String apiKey, String secret) {
        @Override
        public String toString() {
            return "LiveKey[***]";
        }
    }

    public LiveKey newLiveKey(String consumerId) {
        LiveKey key = new LiveKey("live_" + ids.token(32), ids.token(32));
        addLiveKey(consumerId, key.apiKey(), key.secret());
        return key;
    }

    /** Revokes a key. Other nodes stop accepting it when their key cache expires (30 s by default). */
    public boolean revokeKey(String apiKey) {
        return revoke(apiKey, null);
    }

    private boolean revoke(String apiKey, String actor) {
        String hash = keyHasher.hash(apiKey);
        authenticator.evict(hash);
        Optional<ApiKey> key = storage.apiKeys().findKeyByHash(hash);
        boolean deleted = storage.apiKeys().deleteKey(hash);
        if (deleted && key.isPresent()) {
            keeper.audit(key.get().consumerId(), actor, "api_key.remove", "api_key", keyDisplay(key.get()),
                    "mode=" + key.get().mode());
        }
        return deleted;
    }

    /** A key as the audit trail names it: its mode and first characters, never enough to use it. */
    static String keyDisplay(ApiKey key) {
        return key.display();
    }

    private void addKey(String consumerId, String apiKey, String secret, KeyMode mode, String actor) {
        if (storage.apiKeys().findConsumer(consumerId).isEmpty()) {
            throw new IllegalArgumentException("no consumer " + consumerId + "; registerConsumer first");
        }
        checkKeyStrength("API key", apiKey);
        if (secret != null) {
            checkKeyStrength("API secret", secret);
        }
        byte[] encrypted = secret == null ? null : cipher.encrypt(secret.getBytes(StandardCharsets.UTF_8));
        String hash = keyHasher.hash(apiKey);
        ApiKey saved = new ApiKey(hash, consumerId, mode, encrypted, displayPrefix(apiKey), engine.now());
        storage.apiKeys().saveKey(saved);
        keeper.audit(consumerId, actor, "api_key.add", "api_key", keyDisplay(saved), "mode=" + mode);
        // a key tried before it existed is cached as unknown on this node; other nodes learn within keyCacheTtl
        authenticator.evict(hash);
    }

    /**
     * The characters kept in clear: the first four, after the "live_" or "test_" that every generated key
     * starts with (shown, they would tell one key from another no better than nothing).
     */
    static String displayPrefix(String apiKey) {
        String rest = apiKey.startsWith("live_") || apiKey.startsWith("test_") ? apiKey.substring(5) : apiKey;
        return rest.substring(0, KEY_PREFIX_CHARACTERS);
    }

    // ---- KYC lists ----

    /** The consumers' KYC lists, which {@code kyc-list} steps check flows against. */
    public KycLists kycLists() {
        return kycLists;
    }

    // ---- face lists ----

    /**
     * The consumers' face lists (blacklist, graylist) and verified faces, searched by the face services
     * for a consumer that enabled them.
     */
    public FaceLists faceLists() {
        return faceLists;
    }

    // ---- webhooks ----

    /** The consumers' webhook endpoints and their delivery log; see docs/WEBHOOKS.md. */
    public Webhooks webhooks() {
        return webhooks;
    }

    // ---- templates ----

    /** Registers a template every consumer may use by {@code template_id}. */
    public void registerTemplate(String templateId, FlowTemplate template) {
        registerTemplate(null, templateId, template);
    }

    /** Registers a template for one consumer (null: for all); a consumer's own wins over a shared one. */
    public void registerTemplate(String consumerId, String templateId, FlowTemplate template) {
        if (ownTemplates == null) {
            throw new IllegalStateException("templates come from the TemplateRegistry given to the builder");
        }
        String problems = new InputValidator().problems(template);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("template " + templateId + " is invalid: " + problems);
        }
        ownTemplates.put(consumerId, templateId, template);
    }

    private static final class InMemoryTemplates implements TemplateRegistry {
        private final Map<String, FlowTemplate> templates = new ConcurrentHashMap<>();

        void put(String consumerId, String templateId, FlowTemplate template) {
            templates.put((consumerId == null ? "" : consumerId) + "\n" + templateId, template);
        }

        @Override
        public Optional<FlowTemplate> find(String consumerId, String templateId) {
            return Optional.ofNullable(templates.get(consumerId + "\n" + templateId))
                    .or(() -> Optional.ofNullable(templates.get("\n" + templateId)));
        }
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    public static final class Builder {
        private IdflowStorage storage;
        private Clock clock = Clock.systemUTC();
        private SecureRandom random = new SecureRandom();
        private String publicBaseUrl;
        private byte[] secretKey;
        private SecretCipher cipher;
        private byte[] keyPepper;
        private TemplateRegistry templates;
        private Duration inactivityTimeout = Duration.ofSeconds(300);
        private Duration keyCacheTtl = Duration.ofSeconds(30);
        private dev.idflow.core.spi.PersonKeyVault personKeys;
        private Duration personKeyCacheTtl = Duration.ofSeconds(60);
        private RateLimiter.Limit testLimit = new RateLimiter.Limit(20, 100);
        private RateLimiter.Limit liveLimit = new RateLimiter.Limit(200, 400);
        // a person's page polls its state every 1–2 s and the camera sends a few attempts: 2/s with a
        // burst of 20 is twice that pace, while a script hammering one link gets 2 requests a second
        private RateLimiter.Limit clientTokenLimit = new RateLimiter.Limit(2, 20);
        // several people behind one NAT (an office, a mobile carrier) share an address
        private RateLimiter.Limit clientAddressLimit = new RateLimiter.Limit(30, 120);
        // no person or bank back end fails 20 times a minute; a guesser then waits 5 minutes per 20 tries
        private RateLimiter.FailureLimit authFailureLimit =
                new RateLimiter.FailureLimit(20, Duration.ofMinutes(1), Duration.ofMinutes(5));
        private int maxJsonBytes = 1 << 20;
        private long maxUploadBytes = 50L << 20;
        private final Map<String, FlowService> services = new java.util.LinkedHashMap<>();
        private final java.util.List<FlowListener> listeners = new java.util.ArrayList<>();
        private LivenessAnalyzer faceAnalysis;
        private io.micrometer.core.instrument.MeterRegistry meterRegistry;
        private dev.idflow.core.spi.FaceMatcher faceMatcher;
        private LivenessAnalyzer selfieAnalysis;
        private Double verifaceThreshold;
        private int maxLivenessSessionsPerHour = 10;
        private MessageSender messageSender;
        private boolean webhookAllowLoopback;
        private boolean webhookAllowPrivate;
        private boolean webhookAllowHttp;
        private Webhooks.Resolver webhookResolver = java.net.InetAddress::getAllByName;
        private Duration webhookConnectTimeout = Duration.ofSeconds(5);
        private Duration webhookRequestTimeout = Duration.ofSeconds(10);
        private int webhookConcurrency = 4;
        private Duration webhookFirstBackoff = Duration.ofSeconds(10);
        private Duration webhookMaxBackoff = Duration.ofHours(1);

        private Builder() {
        }

        /**
         * Whether webhooks may go to loopback addresses (127.0.0.0/8, ::1), and then over plain http too:
         * for a demo or a receiver on the same machine. Off by default.
         */
        public Builder webhookAllowLoopback(boolean allow) {
            this.webhookAllowLoopback = allow;
            return this;
        }

        /**
         * Whether webhooks may go to private and link-local addresses (RFC 1918, 100.64/10, fc00::/7,
         * 169.254/16, fe80::/10): for a receiver inside the bank's network. Off by default. Multicast,
         * unspecified and cloud metadata addresses are never allowed.
         */
        public Builder webhookAllowPrivateNetworks(boolean allow) {
            this.webhookAllowPrivate = allow;
            return this;
        }

        /** Whether webhooks may use plain http to any allowed address (off: https, or http to loopback only). */
        public Builder webhookAllowHttp(boolean allow) {
            this.webhookAllowHttp = allow;
            return this;
        }

        /** How webhook hosts are resolved for the address check (the system's DNS by default). */
        public Builder webhookResolver(Webhooks.Resolver resolver) {
            this.webhookResolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /** How long a webhook attempt may take to connect (default 5 s) and to be answered (default 10 s). */
        public Builder webhookTimeouts(Duration connect, Duration request) {
            if (connect.isNegative() || connect.isZero() || request.isNegative() || request.isZero()) {
                throw new IllegalArgumentException("webhook timeouts must be positive");
            }
            this.webhookConnectTimeout = connect;
            this.webhookRequestTimeout = request;
            return this;
        }

        /**
         * The wait after a webhook's first failed attempt (default 10 s), doubled after each further one up
         * to {@code max} (default 1 h), less up to half of it as jitter; retrying ends 24 h after the event.
         */
        public Builder webhookBackoff(Duration first, Duration max) {
            if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
                throw new IllegalArgumentException("webhookBackoff: first must be positive and at most max");
            }
            this.webhookFirstBackoff = first;
            this.webhookMaxBackoff = max;
            return this;
        }

        /** How many webhook requests a node sends at once (default 4, at most 64). */
        public Builder webhookConcurrency(int senders) {
            if (senders < 1 || senders > 64) {
                throw new IllegalArgumentException("webhookConcurrency must be 1 to 64");
            }
            this.webhookConcurrency = senders;
            return this;
        }

        /**
         * A service the host performs itself (its KISC, AML or e-sign integration, its own screens): pipelines
         * may then name it with a live key. One of a built-in name replaces the built-in service. See
         * the README, "Write your own service".
         */
        public Builder service(FlowService service) {
            Objects.requireNonNull(service, "service");
            if (!ServiceNames.ALL.contains(service.name())) {
                throw new IllegalArgumentException("service " + service.name() + ": is not a service the API names "
                        + "(a pipeline can name only the spec's ServiceName values)");
            }
            services.put(service.name(), service);
            return this;
        }

        /** A service written against the first, synchronous SPI: runs when its step opens, its outcome ends it. */
        public Builder service(ServiceHandler handler) {
            return service(new ServiceHandlerAdapter(handler));
        }

        /**
         * The bank's presentation-attack engine. idflow's own rules run first; without an engine the
         * verdict of an attempt that broke no rule is {@code unknown}, never {@code real}.
         */
        public Builder faceAnalysis(LivenessAnalyzer engine) {
            this.faceAnalysis = engine;
            return this;
        }

        /**
         * The face engine that finds faces and compares them ({@code idflow-face}'s, or the bank's certified
         * one): {@code veriface} (without one, live flows naming it are refused at create with 422
         * {@code SERVICE_NOT_AVAILABLE}), the face checks of {@code verilive-one-shot}, and the face lists.
         */
        public Builder faceMatcher(dev.idflow.core.spi.FaceMatcher matcher) {
            this.faceMatcher = Objects.requireNonNull(matcher, "matcher");
            return this;
        }

        /**
         * The bank's presentation-attack engine for single pictures ({@code verilive-one-shot}): the only
         * source of a {@code real} verdict there. It gets one frame and an empty pipeline; idflow's rules
         * and the matcher's face count run first. Without one, a selfie's verdict is at best {@code unknown}.
         */
        public Builder selfieAnalysis(LivenessAnalyzer engine) {
            this.selfieAnalysis = Objects.requireNonNull(engine, "engine");
            return this;
        }

        /**
         * The similarity at or above which {@code veriface} takes two faces for one person, when the step
         * names no {@code threshold}: above 0, at most 1. By default the matcher's own
         * ({@link dev.idflow.core.spi.FaceMatcher#threshold()}).
         */
        public Builder verifaceThreshold(double threshold) {
            if (!(threshold > 0 && threshold <= 1)) {
                throw new IllegalArgumentException("verifaceThreshold must be above 0 and at most 1");
            }
            this.verifaceThreshold = threshold;
            return this;
        }

        /**
         * The bank's SMS and e-mail gateway, for the {@code otp} and {@code notification} steps: called once
         * per message, after the step's decision was committed, never for a test flow. Without one, a live
         * flow naming those services is refused at create (422 {@code SERVICE_NOT_AVAILABLE}); test flows
         * use them either way (they send nothing).
         */
        public Builder messageSender(MessageSender sender) {
            this.messageSender = Objects.requireNonNull(sender, "sender");
            return this;
        }

        /** More liveness sessions than this for one person within an hour is {@code high_velocity}. */
        public Builder maxLivenessSessionsPerHour(int max) {
            this.maxLivenessSessionsPerHour = max;
            return this;
        }

        public Builder listener(FlowListener listener) {
            listeners.add(listener);
            return this;
        }

        public Builder storage(IdflowStorage storage) {
            this.storage = storage;
            return this;
        }

        /**
         * The host's Micrometer registry (Prometheus, Spring Boot's, a SimpleMeterRegistry in tests): idflow
         * records its counters and timers there (see {@link dev.idflow.core.engine.Metrics}). Without one
         * nothing is recorded; no global registry is used.
         */
        public Builder meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /** Where time comes from; tests pass a settable clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        public Builder random(SecureRandom random) {
            this.random = Objects.requireNonNull(random);
            return this;
        }

        /** The absolute URL the API is mounted at, as people and clients reach it (vlinks start with it). */
        public Builder publicBaseUrl(String url) {
            this.publicBaseUrl = url;
            return this;
        }

        /** A 32-byte key that encrypts API-key secrets at rest (AES-256-GCM). */
        public Builder secretKey(byte[] key) {
            this.secretKey = key.clone();
            return this;
        }

        /**
         * Or encrypt secrets your own way (KMS, HSM). Without {@link #secretKey} then, give
         * {@link #apiKeyPepper} too.
         */
        public Builder secretCipher(SecretCipher cipher) {
            this.cipher = cipher;
            return this;
        }

        /**
         * The server-side pepper API keys are hashed with, HMAC-SHA256(pepper, key): 32 bytes or more,
         * the same on every node and kept like the secret key (changing it makes every stored key
         * unknown). By default it is derived from {@link #secretKey}; required with an own
         * {@link #secretCipher} and no secret key.
         */
        public Builder apiKeyPepper(byte[] pepper) {
            this.keyPepper = pepper.clone();
            return this;
        }

        /** Resolve template_id through your own registry instead of {@link Idflow#registerTemplate}. */
        public Builder templates(TemplateRegistry templates) {
            this.templates = templates;
            return this;
        }

        public Builder inactivityTimeout(Duration timeout) {
            this.inactivityTimeout = timeout;
            return this;
        }

        /** How long a resolved API key is cached on a node (a revoked key lives this long elsewhere). */
        public Builder keyCacheTtl(Duration ttl) {
            this.keyCacheTtl = ttl;
            return this;
        }

        /**
         * Seal every person's data under a key of their own kept in {@code vault}, so that erasing the person
         * (destroying the key) leaves nothing readable in the database files (crypto-shredding). By default the
         * store's own vault ({@link IdflowStorage#personKeys()}: JdbiStorage has one), none for the memory store.
         */
        public Builder personKeys(dev.idflow.core.spi.PersonKeyVault vault) {
            this.personKeys = Objects.requireNonNull(vault, "vault");
            return this;
        }

        /**
         * How long a node keeps a person's key in memory (default 60 s): an erasure on another node makes this
         * node's copy useless at most this long after.
         */
        public Builder personKeyCacheTtl(Duration ttl) {
            if (ttl == null || ttl.isNegative()) {
                throw new IllegalArgumentException("personKeyCacheTtl must be zero or more");
            }
            this.personKeyCacheTtl = ttl;
            return this;
        }

        /** Requests per second and burst per key, for test keys and for live keys. */
        public Builder rateLimits(double testPerSecond, int testBurst, double livePerSecond, int liveBurst) {
            this.testLimit = new RateLimiter.Limit(testPerSecond, testBurst);
            this.liveLimit = new RateLimiter.Limit(livePerSecond, liveBurst);
            return this;
        }

        /**
         * Requests per second and burst of the client API per vlink token and per liveness access
         * token (default 2/s, burst 20: a person's page polls every 1–2 s).
         */
        public Builder clientRateLimit(double perSecond, int burst) {
            this.clientTokenLimit = new RateLimiter.Limit(perSecond, burst);
            return this;
        }

        /**
         * Requests per second and burst of the client API per client address (default 30/s, burst 120:
         * people behind one NAT share an address). See {@link dev.idflow.core.api.ApiRequest#clientAddress()}
         * for proxies.
         */
        public Builder clientAddressRateLimit(double perSecond, int burst) {
            this.clientAddressLimit = new RateLimiter.Limit(perSecond, burst);
            return this;
        }

        /**
         * After {@code failures} failed authentications from one client address within {@code window}
         * (an unknown or wrongly signed API key, an unknown vlink or access token), every request from
         * that address is answered 429 for {@code lockout}, a valid key's too (default 20 within 1
         * minute, then 5 minutes; lockout at most 1 hour).
         */
        public Builder authFailureLimit(int failures, Duration window, Duration lockout) {
            this.authFailureLimit = new RateLimiter.FailureLimit(failures, window, lockout);
            return this;
        }

        public Builder maxJsonBytes(int bytes) {
            this.maxJsonBytes = bytes;
            return this;
        }

        public Builder maxUploadBytes(long bytes) {
            this.maxUploadBytes = bytes;
            return this;
        }

        public Idflow build() {
            return new Idflow(this);
        }
    }
}
