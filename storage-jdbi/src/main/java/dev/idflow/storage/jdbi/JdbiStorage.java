package dev.idflow.storage.jdbi;

import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.spi.ApiKeyDirectory;
import dev.idflow.core.spi.EventOutbox;
import dev.idflow.core.spi.FileStore;
import dev.idflow.core.spi.FlowChange;
import dev.idflow.core.spi.FlowRepository;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.FaceTemplateRepository;
import dev.idflow.core.spi.KycListRepository;
import dev.idflow.core.spi.MockeryRepository;
import dev.idflow.core.spi.SessionRepository;
import dev.idflow.core.spi.SignatureLedger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementExceptions;
import org.jdbi.v3.core.statement.TemplateEngine;

/**
 * The whole storage SPI on a relational database through JDBI 3: PostgreSQL (for production, one
 * database shared by every node) or H2 (embedded, for the demo and single-node installs). The kind of
 * database is read from the connection; the host supplies the {@link DataSource} (a pool) and the
 * JDBC driver.
 *
 * <pre>{@code
 * IdflowStorage storage = JdbiStorage.builder(dataSource)
 *         .migrations(MigrationMode.APPLY)          // the default
 *         .filesInDirectory(Path.of("/var/idflow")) // or filesInDatabase(), the default
 *         .build();
 * }</pre>
 *
 * {@link Builder#build()} migrates (or validates) the schema before returning, so a store that was
 * built is ready. Nothing here assumes one JVM: compare-and-set and claims are decided by the database.
 */
public final class JdbiStorage implements IdflowStorage {
    private final Jdbi jdbi;
    private final Dialect dialect;
    private final JdbiFlowRepository flows;
    private final JdbiSessionRepository sessions;
    private final FileStore files;
    private final JdbiApiKeyDirectory apiKeys;
    private final JdbiMockeryRepository mockery;
    private final JdbiEventOutbox events;
    /** The file store keeps its metadata in idflow_file (ours, not a host's): bound inside the commit. */
    private final boolean filesInIdflowTables;
    private final JdbiSignatureLedger signatures;
    private final JdbiPersonKeyVault personKeys;
    private final JdbiKycListRepository kycLists;
    private final JdbiPersonCertificateRepository personCertificates;
    private final JdbiFaceTemplateRepository faceTemplates;
    private final JdbiAuditTrail audit;
    private final JdbiLifecycle lifecycle;
    private final JdbiWebhookStore webhooks;
    private final JdbiIdempotencyStore idempotencyKeys;

    private JdbiStorage(Jdbi jdbi, Dialect dialect, FileStore files) {
        this.jdbi = jdbi;
        this.dialect = dialect;
        this.flows = new JdbiFlowRepository(jdbi, dialect);
        this.sessions = new JdbiSessionRepository(jdbi);
        this.files = files;
        this.filesInIdflowTables = files instanceof JdbiFileStore || files instanceof FilesystemFileStore;
        this.apiKeys = new JdbiApiKeyDirectory(jdbi);
        this.mockery = new JdbiMockeryRepository(jdbi);
        this.events = new JdbiEventOutbox(jdbi, dialect);
        this.signatures = new JdbiSignatureLedger(jdbi, dialect);
        this.kycLists = new JdbiKycListRepository(jdbi, dialect);
        this.personCertificates = new JdbiPersonCertificateRepository(jdbi);
        this.faceTemplates = new JdbiFaceTemplateRepository(jdbi, dialect);
        this.audit = new JdbiAuditTrail(jdbi);
        // the content of a deleted file's row: gone with it from idflow_file_chunk (ON DELETE CASCADE), from
        // a directory right after the transaction; a host's own store keeps no rows here, so it is asked
        JdbiLifecycle.ContentGone contentGone;
        if (files instanceof FilesystemFileStore directory) {
            contentGone = directory::deleteContent;
        } else if (files instanceof JdbiFileStore) {
            contentGone = ids -> { };
        } else {
            contentGone = ids -> {
                for (String id : ids) {
                    files.delete(id);
                }
            };
        }
        this.lifecycle = new JdbiLifecycle(jdbi, contentGone);
        this.webhooks = new JdbiWebhookStore(jdbi, dialect);
        this.idempotencyKeys = new JdbiIdempotencyStore(jdbi, dialect);
        this.personKeys = new JdbiPersonKeyVault(jdbi);
    }

    /** Starts a store on {@code dataSource}; nothing touches the database until {@link Builder#build()}. */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    @Override
    public FlowRepository flows() {
        return flows;
    }

    @Override
    public SessionRepository sessions() {
        return sessions;
    }

    @Override
    public FileStore files() {
        return files;
    }

    @Override
    public ApiKeyDirectory apiKeys() {
        return apiKeys;
    }

    @Override
    public MockeryRepository mockery() {
        return mockery;
    }

    @Override
    public EventOutbox events() {
        return events;
    }

    @Override
    public SignatureLedger signatures() {
        return signatures;
    }

    @Override
    public KycListRepository kycLists() {
        return kycLists;
    }

    @Override
    public dev.idflow.core.spi.PersonCertificateRepository personCertificates() {
        return personCertificates;
    }

    @Override
    public FaceTemplateRepository faceTemplates() {
        return faceTemplates;
    }

    @Override
    public dev.idflow.core.spi.DataLifecycle lifecycle() {
        return lifecycle;
    }

    @Override
    public dev.idflow.core.spi.AuditTrail audit() {
        return audit;
    }

    @Override
    public dev.idflow.core.spi.WebhookStore webhooks() {
        return webhooks;
    }

    @Override
    public dev.idflow.core.spi.IdempotencyStore idempotencyKeys() {
        return idempotencyKeys;
    }

    /**
     * The person keys in the database ({@code idflow_person_key}): Idflow seals each person's data under them
     * unless the host gives a vault of its own ({@code Idflow.builder().personKeys(...)}).
     */
    @Override
    public dev.idflow.core.spi.PersonKeyVault personKeys() {
        return personKeys;
    }

    /** "PostgreSQL" or "H2": the database this store found behind its DataSource. */
    public String databaseKind() {
        return dialect == Dialect.POSTGRESQL ? "PostgreSQL" : "H2";
    }

    /**
     * One transaction: the flow's compare-and-set first, then each changed session's (in session-id
     * order), then the inserts, then the files it binds. A failed compare-and-set rolls everything back and returns false; a
     * duplicate key rolls everything back and throws.
     *
     * <p>What can interleave: two commits of the same flow (the person's step and the sweeper's timeout)
     * both start with the UPDATE of the flow's row. The database queues the second behind the first's
     * row lock; once the first commits, the second's WHERE version = ? no longer matches and it rolls
     * back having written nothing, so exactly one lands, whole. Every commit locks its flow first and
     * its sessions in one global order, so two commits cannot deadlock on sessions either.
     */
    @Override
    public boolean commit(FlowChange change) {
        List<ServiceSession> changed = change.changedSessions().stream()
                .sorted(Comparator.comparing(ServiceSession::sessionId))
                .toList();
        boolean committed = Sql.uniquely("a new session, its access token, or an event", () -> jdbi.inTransaction(h -> {
            if (!flows.update(h, change.flow())) {
                h.rollback();
                return false;
            }
            for (ServiceSession session : changed) {
                if (!JdbiSessionRepository.update(h, session)) {
                    h.rollback();
                    return false;
                }
            }
            for (ServiceSession session : change.newSessions()) {
                JdbiSessionRepository.insert(h, session);
            }
            JdbiEventOutbox.insert(h, change.events());
            JdbiWebhookStore.fanOut(h, change.events());
            if (filesInIdflowTables) {
                // the verdict's files become findable in the verdict's own transaction, or not at all
                FileMetadata.bind(h, change.bindFiles());
            }
            return true;
        }));
        if (committed && !filesInIdflowTables && !change.bindFiles().isEmpty()) {
            // a host's own file store cannot join this transaction: bound right after it. A crash in
            // between leaves a verdict without its files, never a verdict with another attempt's.
            files.bind(change.bindFiles());
        }
        return committed;
    }

    /**
     * Several flows' changes in one transaction, in a few JDBC batches (one round-trip each): the flows'
     * compare-and-sets (in flow-id order, so two such transactions lock rows in one order), then, of the
     * flows that matched, every changed session's compare-and-set, the new sessions, the events and their
     * webhook deliveries, the files they bind. A change whose flow lost its compare-and-set wrote nothing
     * (its row did not match) and is reported false; the others land together with this one commit.
     *
     * <p>Why that is each change's {@link #commit} still: the flow's row is locked by its UPDATE until this
     * transaction ends, and every change of a flow's sessions goes through its flow's compare-and-set, so a
     * matched flow's sessions cannot have moved; should one session's compare-and-set fail anyway, the
     * whole transaction rolls back and the changes are committed one by one ({@link #commit}). A duplicate
     * key or any failure rolls back everything and throws: nothing of any change was applied.
     */
    @Override
    public List<Boolean> commitAll(List<FlowChange> changes) {
        if (changes.size() <= 1) {
            return changes.stream().map(this::commit).toList();
        }
        List<Integer> order = new java.util.ArrayList<>();
        for (int i = 0; i < changes.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparing(i -> changes.get(i).flow().flowId()));
        java.util.Set<String> distinct = new java.util.HashSet<>();
        for (FlowChange c : changes) {
            if (!distinct.add(c.flow().flowId())) {
                throw new IllegalArgumentException("commitAll: flow " + c.flow().flowId() + " twice");
            }
        }
        Boolean[] landed = new Boolean[changes.size()];
        List<FlowChange> won = new java.util.ArrayList<>();
        boolean together = Sql.uniquely("a new session, its access token, or an event", () -> jdbi.inTransaction(h -> {
            boolean[] matched = flows.updateAll(h, order.stream().map(i -> changes.get(i).flow()).toList());
            List<ServiceSession> changedSessions = new java.util.ArrayList<>();
            List<ServiceSession> newSessions = new java.util.ArrayList<>();
            List<dev.idflow.core.model.FlowEvent> events = new java.util.ArrayList<>();
            List<String> bind = new java.util.ArrayList<>();
            for (int k = 0; k < matched.length; k++) {
                int i = order.get(k);
                landed[i] = matched[k];
                if (matched[k]) {
                    FlowChange c = changes.get(i);
                    won.add(c);
                    c.changedSessions().stream().sorted(Comparator.comparing(ServiceSession::sessionId))
                            .forEach(changedSessions::add);
                    newSessions.addAll(c.newSessions());
                    events.addAll(c.events());
                    bind.addAll(c.bindFiles());
                }
            }
            if (!JdbiSessionRepository.updateAll(h, changedSessions)) {
                h.rollback();
                return false;
            }
            JdbiSessionRepository.insertAll(h, newSessions);
            JdbiEventOutbox.insert(h, events);
            JdbiWebhookStore.fanOut(h, events);
            if (filesInIdflowTables) {
                FileMetadata.bind(h, bind);
            }
            return true;
        }));
        if (!together) {
            return changes.stream().map(this::commit).toList();
        }
        if (!filesInIdflowTables) {
            for (FlowChange c : won) {
                if (!c.bindFiles().isEmpty()) {
                    files.bind(c.bindFiles());
                }
            }
        }
        return List.of(landed);
    }

    /** How to build a {@link JdbiStorage}. */
    public static final class Builder {
        private final DataSource dataSource;
        private MigrationMode migrations = MigrationMode.APPLY;
        private Path fileDirectory;
        private FileStore fileStore;
        private Duration migrationLockWait = Duration.ofMinutes(10);
        private int breakerFailures = 3;
        private Duration breakerProbeEvery = Duration.ofMillis(250);
        private java.time.Clock clock = java.time.Clock.systemUTC();
        private boolean durableCommits = true;

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        /** What to do with the schema at start; {@link MigrationMode#APPLY} unless told otherwise. */
        public Builder migrations(MigrationMode mode) {
            this.migrations = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * How long a starting node waits for another node's migration before giving up (default 10
         * minutes). Only a stuck migration ever makes this matter.
         */
        public Builder migrationLockWait(Duration wait) {
            this.migrationLockWait = Objects.requireNonNull(wait, "wait");
            return this;
        }

        /**
         * idflow's short-circuit in front of the pool: after {@code failures} failed {@code getConnection}
         * calls in a row, every call fails at once with {@link dev.idflow.core.spi.StorageUnavailableException}
         * (no wait for the pool's connection timeout); one caller probes every {@code probeEvery}; the first
         * connection had closes it. Default 3 and 250 ms.
         */
        public Builder connectionBreaker(int failures, Duration probeEvery) {
            if (failures < 1) {
                throw new IllegalArgumentException("connectionBreaker failures: must be 1 or more, was " + failures);
            }
            if (probeEvery == null || probeEvery.isNegative() || probeEvery.isZero()) {
                throw new IllegalArgumentException("connectionBreaker probeEvery: must be a positive duration, was " + probeEvery);
            }
            this.breakerFailures = failures;
            this.breakerProbeEvery = probeEvery;
            return this;
        }

        /** The clock the connection breaker reads (tests); the system's UTC clock by default. */
        public Builder clock(java.time.Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Whether to make an H2 file database write each commit before answering ({@code SET WRITE_DELAY 0},
         * the default: true). False leaves the database's write delay as it is, so a crash may lose commits
         * already answered; only for measuring what durability costs. PostgreSQL is checked either way
         * (a warning when {@code synchronous_commit} or {@code fsync} is off).
         */
        public Builder durableCommits(boolean durable) {
            this.durableCommits = durable;
            return this;
        }

        /** File content in the database, in {@code idflow_file_chunk} (the default). */
        public Builder filesInDatabase() {
            this.fileDirectory = null;
            this.fileStore = null;
            return this;
        }

        /**
         * File content in {@code directory} (created if absent), metadata in the database. Every node
         * must see the same directory (a shared volume) when several nodes serve one database.
         */
        public Builder filesInDirectory(Path directory) {
            this.fileDirectory = Objects.requireNonNull(directory, "directory");
            this.fileStore = null;
            return this;
        }

        /** A file store of the host's own (object storage, say); idflow's file tables stay empty. */
        public Builder fileStore(FileStore store) {
            this.fileStore = Objects.requireNonNull(store, "store");
            this.fileDirectory = null;
            return this;
        }

        /**
         * Detects the database, applies or validates the schema as {@link #migrations} says, and returns
         * the store.
         *
         * @throws SchemaMigrationException when the schema cannot be brought to, or is not at, this
         *                                  version of idflow
         * @throws IllegalArgumentException when the database is neither PostgreSQL nor H2
         */
        public JdbiStorage build() {
            Dialect dialect = Dialect.detect(dataSource);
            // start-up (migrations, the durability check) on the host's DataSource as it is, so a database
            // that is not there fails the start with its own error; everything after behind the breaker
            Jdbi setup = configure(Jdbi.create(dataSource));
            new Migrator(setup, dialect, migrationLockWait).run(migrations);
            Durability.check(setup, dialect, durableCommits);
            Jdbi jdbi = configure(Jdbi.create(new GuardedDataSource(dataSource,
                    new ConnectionBreaker(breakerFailures, breakerProbeEvery, clock))));
            FileStore files = fileStore != null ? fileStore
                    : fileDirectory != null ? new FilesystemFileStore(jdbi, fileDirectory)
                    : new JdbiFileStore(jdbi);
            return new JdbiStorage(jdbi, dialect, files);
        }

        private static Jdbi configure(Jdbi jdbi) {
            // SQL here is plain text: no <attribute> templating to be surprised by
            jdbi.setTemplateEngine(TemplateEngine.NOP);
            // a failing statement's exception (which ends up in logs) carries the database's message only:
            // JDBI would add the statement's bound values, and those are people's data (person_id,
            // input_data, a card number)
            jdbi.getConfig(StatementExceptions.class).setMessageRendering(StatementExceptions.MessageRendering.NONE);
            return jdbi;
        }
    }
}
