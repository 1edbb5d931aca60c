package dev.idflow.core.spi;

import dev.idflow.core.model.PersonCertificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The certificates (and sealed private keys) the reference e-sign provider issued to people, by
 * consumer and person. Test and live are kept apart: every read names the kind, and a test certificate
 * is never found for a live flow, nor the other way round. One consumer never sees another's.
 */
public interface PersonCertificateRepository {

    /**
     * Stores a newly issued certificate.
     *
     * @throws DuplicateKeyException when its certificateId is stored already (nothing changes)
     */
    void add(PersonCertificate certificate);

    /** One certificate by its id, of {@code consumerId} and that kind only. */
    Optional<PersonCertificate> findById(String consumerId, boolean test, String certificateId);

    /** The person's certificates of that kind, newest issued first (then by id, descending). */
    List<PersonCertificate> findByPerson(String consumerId, String personId, boolean test);

    /**
     * The newest of the person's certificates of that kind issued by {@code issuerKey} and valid at
     * {@code at} (notBefore ≤ at &lt; notAfter), if any.
     */
    default Optional<PersonCertificate> findValid(String consumerId, String personId, boolean test, String issuerKey,
                                                  Instant at) {
        return findByPerson(consumerId, personId, test).stream()
                .filter(c -> c.issuerKey().equals(issuerKey) && c.validAt(at))
                .findFirst();
    }

    /** Erasure: every certificate and key of the person of that kind; returns how many went. */
    int deleteByPerson(String consumerId, String personId, boolean test);
}
