package dev.idflow.storage.jdbi;

import dev.idflow.core.model.PersonCertificate;
import dev.idflow.core.spi.PersonCertificateRepository;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * People's signing certificates in {@code idflow_person_certificate} (schema V8): one row per
 * certificate, its private key sealed by the caller before it gets here. The primary key refuses a
 * second row of one id on any node.
 */
final class JdbiPersonCertificateRepository implements PersonCertificateRepository {
    private static final String COLUMNS = "certificate_id, consumer_id, person_id, is_test, issuer_key, serial_number, "
            + "subject, not_before, not_after, certificate, sealed_key, created_at";

    private final Jdbi jdbi;

    JdbiPersonCertificateRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public void add(PersonCertificate c) {
        Sql.uniquely("a person certificate with this id", () -> jdbi.withHandle(h -> h.createUpdate(
                        "INSERT INTO idflow_person_certificate (" + COLUMNS + ") VALUES (:id, :consumerId, :personId, "
                                + ":test, :issuerKey, :serial, :subject, :notBefore, :notAfter, :certificate, :sealedKey, "
                                + ":createdAt)")
                .bind("id", c.certificateId()).bind("consumerId", c.consumerId()).bind("personId", c.personId())
                .bind("test", c.test()).bind("issuerKey", c.issuerKey()).bind("serial", c.serialNumber())
                .bind("subject", c.subject()).bind("notBefore", Sql.time(c.notBefore()))
                .bind("notAfter", Sql.time(c.notAfter())).bind("certificate", c.certificate())
                .bind("sealedKey", c.sealedKey()).bind("createdAt", Sql.time(c.createdAt()))
                .execute()));
    }

    @Override
    public Optional<PersonCertificate> findById(String consumerId, boolean test, String certificateId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM idflow_person_certificate "
                        + "WHERE certificate_id = :id AND consumer_id = :consumerId AND is_test = :test")
                .bind("id", certificateId).bind("consumerId", consumerId).bind("test", test)
                .map(JdbiPersonCertificateRepository::map)
                .findOne());
    }

    @Override
    public List<PersonCertificate> findByPerson(String consumerId, String personId, boolean test) {
        // certificate ids are ASCII (ULIDs), so the database's collation orders them as Java does
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM idflow_person_certificate "
                        + "WHERE consumer_id = :consumerId AND person_id = :personId AND is_test = :test "
                        + "ORDER BY created_at DESC, certificate_id DESC")
                .bind("consumerId", consumerId).bind("personId", personId).bind("test", test)
                .map(JdbiPersonCertificateRepository::map)
                .list());
    }

    @Override
    public int deleteByPerson(String consumerId, String personId, boolean test) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM idflow_person_certificate "
                        + "WHERE consumer_id = :consumerId AND person_id = :personId AND is_test = :test")
                .bind("consumerId", consumerId).bind("personId", personId).bind("test", test)
                .execute());
    }

    private static PersonCertificate map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new PersonCertificate(rs.getString("certificate_id"), rs.getString("consumer_id"),
                rs.getString("person_id"), rs.getBoolean("is_test"), rs.getString("issuer_key"),
                rs.getString("serial_number"), rs.getString("subject"), Sql.time(rs, "not_before"),
                Sql.time(rs, "not_after"), rs.getBytes("certificate"), rs.getBytes("sealed_key"),
                Sql.time(rs, "created_at"));
    }
}
