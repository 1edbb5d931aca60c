package dev.idflow.storage.jdbi;

import java.util.Locale;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checked at start: an answer idflow gives after a state change means the change is on disk.
 *
 * <ul>
 *   <li>H2 on a file flushes commits behind a write delay (500 ms by default): a process killed within
 *   it loses commits that were already acknowledged. {@link #h2} sets {@code WRITE_DELAY 0} (a
 *   database-wide setting; it needs admin rights, which the embedded owner has), so each commit is
 *   written to the file before it returns, and warns that the URL should say {@code ;WRITE_DELAY=0}:
 *   H2 does not keep the setting when the database closes and opens again. Written means handed to
 *   the operating system: a killed process loses nothing, a power cut may lose the last commits
 *   (H2 does not fsync each one). A database in memory has nothing to keep: left alone.</li>
 *   <li>PostgreSQL is durable unless someone turned it off: {@link #postgres} warns when
 *   {@code synchronous_commit} or {@code fsync} is off (idflow cannot and does not change a server's
 *   settings).</li>
 * </ul>
 */
final class Durability {
    private static final Logger LOG = LoggerFactory.getLogger(Durability.class);

    private Durability() {
    }

    static void check(Jdbi jdbi, Dialect dialect, boolean enforce) {
        if (dialect == Dialect.H2) {
            h2(jdbi, enforce);
        } else {
            postgres(jdbi);
        }
    }

    /** The H2 write delay in ms now in force, or -1 for a database in memory. */
    static int h2WriteDelay(Jdbi jdbi) {
        return jdbi.withHandle(h -> {
            String path = h.createQuery("SELECT DATABASE_PATH()").mapTo(String.class).findOne().orElse(null);
            if (path == null) {
                return -1;
            }
            // once SET, H2 lists the setting twice (the default and the persistent one), both current: the
            // largest is what to worry about
            return h.createQuery("SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'WRITE_DELAY'")
                    .mapTo(String.class).list().stream().mapToInt(Integer::parseInt).max().orElse(-1);
        });
    }

    private static void h2(Jdbi jdbi, boolean enforce) {
        int delay = h2WriteDelay(jdbi);
        if (delay <= 0) {
            return; // in memory, or already durable
        }
        if (!enforce) {
            LOG.warn("H2 WRITE_DELAY is {} ms and durable commits are switched off: a crash loses commits of the last "
                    + "{} ms that were already answered", delay, delay);
            return;
        }
        try {
            jdbi.useHandle(h -> h.execute("SET WRITE_DELAY 0"));
        } catch (RuntimeException e) {
            LOG.warn("H2 WRITE_DELAY is {} ms and could not be set to 0 ({}): a crash loses commits of the last {} ms "
                    + "that were already answered; add ;WRITE_DELAY=0 to the JDBC URL", delay, e.getClass().getSimpleName(), delay);
            return;
        }
        // H2 forgets it when the database closes (its last connection closed) and opens again: the URL
        // is the place that always holds
        LOG.warn("H2 WRITE_DELAY was {} ms, now 0: every commit is written to the database file before it is answered; "
                + "add ;WRITE_DELAY=0 to the JDBC URL so that it holds after the database is closed and opened again", delay);
    }

    private static void postgres(Jdbi jdbi) {
        jdbi.useHandle(h -> {
            for (String setting : new String[] {"synchronous_commit", "fsync"}) {
                String value = h.createQuery("SHOW " + setting).mapTo(String.class).one();
                if ("off".equals(value.toLowerCase(Locale.ROOT))) {
                    LOG.warn("PostgreSQL {} is off: a server crash can lose transactions idflow already answered as done "
                            + "(turn it on for production)", setting);
                }
            }
        });
    }
}
