package dev.idflow.storage.jdbi;

import dev.idflow.core.model.KycListEntry;
import dev.idflow.core.spi.KycListRepository;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.TreeSet;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/**
 * KYC lists in {@code idflow_kyc_entry}, one row per (consumer, list, field, value). The primary key
 * decides an add across nodes: of two nodes adding one entry at once, one inserts the row and the
 * other finds the key taken, so exactly one hears true.
 *
 * <p>Results are sorted here, not by ORDER BY: PostgreSQL sorts text by the server's collation (under
 * en_US "a-b", "ab" and "a_c" come out in another order than Java's), and every store must hand back
 * the same order. A list is read whole either way.
 */
final class JdbiKycListRepository implements KycListRepository {
    private static final Comparator<KycListEntry> BY_FIELD_THEN_VALUE = Comparator.comparing(KycListEntry::field)
            .thenComparing(KycListEntry::value);
    private static final String VALUES = "(consumer_id, list_name, field, entry_value, added_at) "
            + "VALUES (:consumerId, :listName, :field, :value, :addedAt)";

    private final Jdbi jdbi;
    private final Dialect dialect;

    JdbiKycListRepository(Jdbi jdbi, Dialect dialect) {
        this.jdbi = jdbi;
        this.dialect = dialect;
    }

    @Override
    public boolean add(String consumerId, String listName, String field, String value, Instant at) {
        KycListEntry entry = new KycListEntry(consumerId, listName, field, value, at);
        if (dialect == Dialect.POSTGRESQL) {
            // ON CONFLICT DO NOTHING: a repeat is a row count of 0, not an error that would abort a transaction
            return jdbi.withHandle(h -> h.createUpdate("INSERT INTO idflow_kyc_entry " + VALUES + " ON CONFLICT DO NOTHING")
                    .bind("consumerId", entry.consumerId()).bind("listName", entry.listName())
                    .bind("field", entry.field()).bind("value", entry.value()).bind("addedAt", Sql.time(entry.addedAt()))
                    .execute()) == 1;
        }
        // H2's MERGE would not say whether the row was new; the refused insert (autocommit, alone in its
        // statement) leaves nothing behind
        try {
            jdbi.useHandle(h -> h.createUpdate("INSERT INTO idflow_kyc_entry " + VALUES)
                    .bind("consumerId", entry.consumerId()).bind("listName", entry.listName())
                    .bind("field", entry.field()).bind("value", entry.value()).bind("addedAt", Sql.time(entry.addedAt()))
                    .execute());
            return true;
        } catch (RuntimeException e) {
            if (Sql.isUniqueViolation(e)) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public boolean remove(String consumerId, String listName, String field, String value) {
        // the same checks as add, so a mistyped entry is reported rather than "not there"
        KycListEntry entry = new KycListEntry(consumerId, listName, field, value, Instant.EPOCH);
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM idflow_kyc_entry WHERE consumer_id = :consumerId "
                        + "AND list_name = :listName AND field = :field AND entry_value = :value")
                .bind("consumerId", entry.consumerId()).bind("listName", entry.listName())
                .bind("field", entry.field()).bind("value", entry.value())
                .execute()) == 1;
    }

    @Override
    public List<String> matches(String consumerId, Collection<String> listNames, String field, String value) {
        listNames.forEach(KycListEntry::checkListName);
        Optional<String> stored = KycListEntry.storedForm(field, value);
        List<String> names = List.copyOf(new TreeSet<>(listNames));
        if (stored.isEmpty() || names.isEmpty()) {
            return List.of();
        }
        // one named parameter per list: the template engine is off, so JDBI's <list> expansion is not there
        StringJoiner in = new StringJoiner(", ", "(", ")");
        for (int i = 0; i < names.size(); i++) {
            in.add(":list" + i);
        }
        return jdbi.withHandle(h -> {
            Query query = h.createQuery("SELECT list_name FROM idflow_kyc_entry WHERE consumer_id = :consumerId "
                            + "AND field = :field AND entry_value = :value AND list_name IN " + in)
                    .bind("consumerId", consumerId).bind("field", field).bind("value", stored.get());
            for (int i = 0; i < names.size(); i++) {
                query.bind("list" + i, names.get(i));
            }
            return List.copyOf(new TreeSet<>(query.mapTo(String.class).list()));
        });
    }

    @Override
    public List<KycListEntry> list(String consumerId, String listName) {
        KycListEntry.checkListName(listName);
        List<KycListEntry> entries = jdbi.withHandle(h -> h.createQuery("SELECT consumer_id, list_name, field, "
                        + "entry_value, added_at FROM idflow_kyc_entry WHERE consumer_id = :consumerId AND list_name = :listName")
                .bind("consumerId", consumerId).bind("listName", listName)
                .map((rs, ctx) -> new KycListEntry(rs.getString("consumer_id"), rs.getString("list_name"),
                        rs.getString("field"), rs.getString("entry_value"), Sql.time(rs, "added_at")))
                .list());
        return entries.stream().sorted(BY_FIELD_THEN_VALUE).toList();
    }

    @Override
    public List<String> listNames(String consumerId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT DISTINCT list_name FROM idflow_kyc_entry WHERE consumer_id = :consumerId")
                .bind("consumerId", consumerId)
                .mapTo(String.class)
                .list()).stream().sorted().toList();
    }
}
