package dev.idflow.core.spi;

import java.util.List;

/**
 * Everything idflow keeps, behind one object a host hands to {@link dev.idflow.core.Idflow}. Each
 * repository is narrow; every implementation passes the same contract tests
 * ({@code StorageContractTest} in idflow-core's test jar).
 */
public interface IdflowStorage {
    FlowRepository flows();

    SessionRepository sessions();

    FileStore files();

    ApiKeyDirectory apiKeys();

    MockeryRepository mockery();

    EventOutbox events();

    /** Signed requests already served, so that a replay is refused on every node. */
    SignatureLedger signatures();

    /** The consumers' KYC lists, checked by the {@code kyc-list} service. */
    KycListRepository kycLists();

    /** The people's signing certificates and sealed keys, kept by the reference e-sign provider. */
    PersonCertificateRepository personCertificates();

    /** The consumers' face templates (face lists, verified faces), sealed; read by the face services. */
    FaceTemplateRepository faceTemplates();

    /** Retention periods, the purge of what is due and the erasure of a person. */
    DataLifecycle lifecycle();

    /** The append-only audit trail of operator actions, erasures and key changes. */
    AuditTrail audit();

    /** The consumers' webhook endpoints and the deliveries of events to them. */
    WebhookStore webhooks();

    /** The consumers' Idempotency-Keys of the last 24 h and the answers they got. */
    IdempotencyStore idempotencyKeys();

    /**
     * The vault of per-person data keys idflow seals a person's data under (crypto-shredding), or null when
     * this store has none: then idflow stores person data as it is, unless the host gives
     * {@code Idflow.builder().personKeys(...)}.
     */
    default PersonKeyVault personKeys() {
        return null;
    }

    /**
     * Applies a state-machine step atomically: the flow's update (compare-and-set on its version, as
     * {@link FlowRepository#update}), the new sessions (inserted), the changed sessions (each
     * compare-and-set on its version, as {@link SessionRepository#update}) and the events (added to
     * the outbox, each with a pending {@link WebhookStore} delivery per webhook endpoint of its consumer),
     * and the files it names bound ({@link FileStore#bind}: findable from this commit on).
     * Returns false, having changed nothing at all and bound nothing, when any compare-and-set fails.
     * A duplicate key among the new sessions throws {@link DuplicateKeyException}, also changing nothing.
     */
    boolean commit(FlowChange change);

    /**
     * Applies several changes of different flows, each as {@link #commit} would: each change lands whole or
     * not at all, and one whose compare-and-set fails changes nothing. Returns, per change in the order given,
     * whether it landed. The default commits them one by one, a change that throws counting as not landed
     * (a storage outage is rethrown at once); a store may apply them in fewer transactions (the JDBI store:
     * one), which the sweeper uses to end a claimed batch. A store that throws has applied none of them (the
     * caller may then commit them one by one).
     */
    default List<Boolean> commitAll(List<FlowChange> changes) {
        List<Boolean> landed = new java.util.ArrayList<>(changes.size());
        for (FlowChange change : changes) {
            try {
                landed.add(commit(change));
            } catch (RuntimeException e) {
                if (StorageUnavailableException.isOutage(e)) {
                    throw e;
                }
                landed.add(false); // this one only: the caller retries it alone and hears why it fails
            }
        }
        return landed;
    }
}
