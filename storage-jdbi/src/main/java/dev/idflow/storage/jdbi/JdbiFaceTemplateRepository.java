package dev.idflow.storage.jdbi;

import dev.idflow.core.model.FaceTemplate;
import dev.idflow.core.spi.FaceTemplateRepository;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Face templates in {@code idflow_face_template} (sealed bytes only), and the consumers that enabled
 * face lists in {@code idflow_face_consumer}. A verified template's replacement (delete the person's
 * older ones, insert) is one transaction. Results are sorted in Java, as every store sorts them.
 */
final class JdbiFaceTemplateRepository implements FaceTemplateRepository {
    private static final Comparator<FaceTemplate> ORDER = Comparator.comparing(FaceTemplate::createdAt)
            .thenComparing(FaceTemplate::templateId);
    private static final String COLUMNS = "template_id, consumer_id, test, kind, person_id, reference, model, "
            + "sealed_template, session_id, created_at";

    private final Jdbi jdbi;
    private final Dialect dialect;

    JdbiFaceTemplateRepository(Jdbi jdbi, Dialect dialect) {
        this.jdbi = jdbi;
        this.dialect = dialect;
    }

    @Override
    public boolean enable(String consumerId, Instant at) {
        String insert = "INSERT INTO idflow_face_consumer (consumer_id, enabled_at) VALUES (:consumerId, :at)";
        if (dialect == Dialect.POSTGRESQL) {
            return jdbi.withHandle(h -> h.createUpdate(insert + " ON CONFLICT DO NOTHING")
                    .bind("consumerId", consumerId).bind("at", Sql.time(at)).execute()) == 1;
        }
        try {
            jdbi.useHandle(h -> h.createUpdate(insert).bind("consumerId", consumerId).bind("at", Sql.time(at)).execute());
            return true;
        } catch (RuntimeException e) {
            if (Sql.isUniqueViolation(e)) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public boolean disable(String consumerId) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM idflow_face_consumer WHERE consumer_id = :consumerId")
                .bind("consumerId", consumerId).execute()) == 1;
    }

    @Override
    public boolean enabled(String consumerId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM idflow_face_consumer WHERE consumer_id = :consumerId")
                .bind("consumerId", consumerId).mapTo(Integer.class).one()) > 0;
    }

    @Override
    public void add(FaceTemplate t) {
        Sql.uniquely("face template " + t.templateId(), () -> {
            jdbi.useTransaction(h -> {
                if (FaceTemplate.VERIFIED.equals(t.kind())) {
                    h.createUpdate("DELETE FROM idflow_face_template WHERE consumer_id = :consumerId AND test = :test "
                                    + "AND kind = :kind AND person_id = :personId AND model = :model")
                            .bind("consumerId", t.consumerId()).bind("test", t.test()).bind("kind", t.kind())
                            .bind("personId", t.personId()).bind("model", t.model()).execute();
                }
                h.createUpdate("INSERT INTO idflow_face_template (" + COLUMNS + ") VALUES (:templateId, :consumerId, "
                                + ":test, :kind, :personId, :reference, :model, :sealed, :sessionId, :createdAt)")
                        .bind("templateId", t.templateId()).bind("consumerId", t.consumerId()).bind("test", t.test())
                        .bind("kind", t.kind()).bind("personId", t.personId()).bind("reference", t.reference())
                        .bind("model", t.model()).bind("sealed", t.sealedTemplate()).bind("sessionId", t.sessionId())
                        .bind("createdAt", Sql.time(t.createdAt()))
                        .execute();
            });
            return null;
        });
    }

    @Override
    public Optional<FaceTemplate> find(String consumerId, boolean test, String templateId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM idflow_face_template "
                        + "WHERE template_id = :templateId AND consumer_id = :consumerId AND test = :test")
                .bind("templateId", templateId).bind("consumerId", consumerId).bind("test", test)
                .map(JdbiFaceTemplateRepository::template).findOne());
    }

    @Override
    public boolean remove(String consumerId, boolean test, String templateId) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM idflow_face_template "
                        + "WHERE template_id = :templateId AND consumer_id = :consumerId AND test = :test")
                .bind("templateId", templateId).bind("consumerId", consumerId).bind("test", test).execute()) == 1;
    }

    @Override
    public List<FaceTemplate> list(String consumerId, boolean test, String kind) {
        FaceTemplate.checkKind(kind);
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM idflow_face_template "
                        + "WHERE consumer_id = :consumerId AND test = :test AND kind = :kind")
                .bind("consumerId", consumerId).bind("test", test).bind("kind", kind)
                .map(JdbiFaceTemplateRepository::template).list()).stream().sorted(ORDER).toList();
    }

    @Override
    public List<FaceTemplate> candidates(String consumerId, boolean test, String model) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM idflow_face_template "
                        + "WHERE consumer_id = :consumerId AND test = :test AND model = :model")
                .bind("consumerId", consumerId).bind("test", test).bind("model", model)
                .map(JdbiFaceTemplateRepository::template).list()).stream().sorted(ORDER).toList();
    }

    @Override
    public int deleteByPerson(String consumerId, String personId) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM idflow_face_template "
                        + "WHERE consumer_id = :consumerId AND person_id = :personId")
                .bind("consumerId", consumerId).bind("personId", personId).execute());
    }

    private static FaceTemplate template(ResultSet rs, StatementContext ctx) throws SQLException {
        return new FaceTemplate(rs.getString("template_id"), rs.getString("consumer_id"), rs.getBoolean("test"),
                rs.getString("kind"), rs.getString("person_id"), rs.getString("reference"), rs.getString("model"),
                rs.getBytes("sealed_template"), rs.getString("session_id"), Sql.time(rs, "created_at"));
    }
}
