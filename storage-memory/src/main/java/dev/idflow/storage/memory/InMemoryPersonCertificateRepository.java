package dev.idflow.storage.memory;

import dev.idflow.core.model.PersonCertificate;
import dev.idflow.core.spi.DuplicateKeyException;
import dev.idflow.core.spi.PersonCertificateRepository;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** People's signing certificates in a map by certificate id; putIfAbsent is the primary key. */
final class InMemoryPersonCertificateRepository implements PersonCertificateRepository {
    /** Newest issued first, then by id descending: the SQL stores' ORDER BY. */
    static final Comparator<PersonCertificate> NEWEST_FIRST = Comparator.comparing(PersonCertificate::createdAt)
            .thenComparing(PersonCertificate::certificateId).reversed();

    private final Map<String, PersonCertificate> byId = new ConcurrentHashMap<>();

    @Override
    public void add(PersonCertificate certificate) {
        if (byId.putIfAbsent(certificate.certificateId(), certificate) != null) {
            throw new DuplicateKeyException("a person certificate with this id exists");
        }
    }

    @Override
    public Optional<PersonCertificate> findById(String consumerId, boolean test, String certificateId) {
        return Optional.ofNullable(byId.get(certificateId))
                .filter(c -> c.consumerId().equals(consumerId) && c.test() == test);
    }

    @Override
    public List<PersonCertificate> findByPerson(String consumerId, String personId, boolean test) {
        return byId.values().stream()
                .filter(c -> c.consumerId().equals(consumerId) && c.personId().equals(personId) && c.test() == test)
                .sorted(NEWEST_FIRST)
                .toList();
    }

    @Override
    public int deleteByPerson(String consumerId, String personId, boolean test) {
        int[] removed = {0};
        byId.values().removeIf(c -> {
            boolean match = c.consumerId().equals(consumerId) && c.personId().equals(personId) && c.test() == test;
            if (match) {
                removed[0]++;
            }
            return match;
        });
        return removed[0];
    }
}
