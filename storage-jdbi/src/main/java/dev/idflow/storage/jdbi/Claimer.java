package dev.idflow.storage.jdbi;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;

/**
 * Claims rows for background work (due flows for the sweeper, pending events for the deliverers) so
 * that two claimers, on one node or on two, never receive the same row while its claim lives. A claim
 * is a lease: {@code claimed_until} set to now + lease. The work that follows releases it (an update
 * clears it) or, if the claimer died, the lease simply runs out and the row is claimable again.
 *
 * <p>The cost is that of the rows claimable now: {@code free} must be served by an index whose range
 * holds only live rows (a partial index on PostgreSQL).
 */
final class Claimer<T> {
    private final Jdbi jdbi;
    private final Dialect dialect;
    private final String table;
    private final String idColumn;
    private final String columns;
    private final String free;
    private final String order;
    private final RowMapper<T> mapper;

    /**
     * @param free  the SQL condition a claimable row meets, using the parameter {@code :now}; it must
     *              include {@code (claimed_until IS NULL OR claimed_until <= :now)}
     * @param order the ORDER BY that decides which rows come first
     */
    Claimer(Jdbi jdbi, Dialect dialect, String table, String idColumn, String columns, String free, String order,
            RowMapper<T> mapper) {
        this.jdbi = jdbi;
        this.dialect = dialect;
        this.table = table;
        this.idColumn = idColumn;
        this.columns = columns;
        this.free = free;
        this.order = order;
        this.mapper = mapper;
    }

    /** Up to {@code limit} rows, claimed until {@code until}; in no particular order. */
    List<T> claim(Instant now, Instant until, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        if (limit == 0) {
            return List.of();
        }
        return dialect == Dialect.POSTGRESQL ? claimOnPostgres(now, until, limit) : claimOnH2(now, until, limit);
    }

    /**
     * One statement. The inner SELECT locks up to {@code limit} free rows and skips rows that another
     * claimer (or an update in flight) holds locked, instead of waiting for them, so two claimers take
     * disjoint batches side by side. What can interleave: another claimer may commit a claim on a row
     * after our statement took its snapshot but before we lock that row. PostgreSQL, once it has the
     * lock, re-checks the WHERE clause against the row's newest version, sees {@code claimed_until} in
     * the future and leaves the row out. So no row is claimed twice; at worst a batch comes back short.
     * The locking SELECT is a MATERIALIZED CTE, so it runs exactly once: written as {@code WHERE id IN
     * (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)} the planner may run the subquery again (a semi-join
     * rescanned, or re-evaluated after a concurrent update), and each run locks further free rows, so a
     * claim of 50 came back with 2400 under two concurrent claimers.
     */
    private List<T> claimOnPostgres(Instant now, Instant until, int limit) {
        return jdbi.inTransaction(h -> h.createQuery(postgresSql())
                .bind("until", Sql.time(until))
                .bind("now", Sql.time(now))
                .bind("limit", limit)
                .map(mapper)
                .list());
    }

    /** The claim on PostgreSQL, parameters {@code :now}, {@code :until}, {@code :limit} (its plan is tested). */
    String postgresSql() {
        return "WITH picked AS MATERIALIZED (SELECT " + idColumn + " AS picked_id FROM "
                + table + " WHERE " + free + " ORDER BY " + order + " LIMIT :limit FOR UPDATE SKIP LOCKED)"
                + " UPDATE " + table + " SET claimed_until = :until FROM picked WHERE " + table + "." + idColumn
                + " = picked.picked_id RETURNING " + columns;
    }

    /**
     * One transaction, three steps.
     * <ol>
     *   <li>Lock up to {@code limit} free rows, skipping rows others hold locked. H2 applies LIMIT before
     *       it skips, so while another claimer holds the first rows this one may get fewer than it
     *       could: no harm, its next call takes the rest.</li>
     *   <li>Claim each locked row with an UPDATE that repeats the free test. What can interleave:
     *       another claimer commits its claim on a row after our SELECT chose the row but before we
     *       locked it; our SELECT judged the row by what it saw when it chose, and only a new statement
     *       is sure to see that claim. A row failing the repeated test (0 rows changed) is someone
     *       else's and is dropped.</li>
     *   <li>Read back the rows claimed; our locks keep them unchanged until we commit.</li>
     * </ol>
     */
    private List<T> claimOnH2(Instant now, Instant until, int limit) {
        return jdbi.inTransaction(h -> {
            List<String> locked = h.createQuery("SELECT " + idColumn + " FROM " + table + " WHERE " + free
                            + " ORDER BY " + order + " LIMIT :limit FOR UPDATE SKIP LOCKED")
                    .bind("now", Sql.time(now))
                    .bind("limit", limit)
                    .mapTo(String.class)
                    .list();
            if (locked.isEmpty()) {
                return List.of();
            }
            PreparedBatch batch = h.prepareBatch("UPDATE " + table + " SET claimed_until = :until WHERE "
                    + idColumn + " = :id AND " + free);
            for (String id : locked) {
                batch.bind("until", Sql.time(until)).bind("now", Sql.time(now)).bind("id", id).add();
            }
            int[] changed = batch.execute();
            List<String> won = new ArrayList<>();
            for (int i = 0; i < changed.length; i++) {
                if (changed[i] == 1) {
                    won.add(locked.get(i));
                }
            }
            return read(h, won);
        });
    }

    private List<T> read(Handle h, List<String> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return Sql.bindIds(h.createQuery("SELECT " + columns + " FROM " + table + " WHERE " + idColumn + " IN ("
                + Sql.idPlaceholders(ids.size()) + ")"), ids).map(mapper).list();
    }
}
