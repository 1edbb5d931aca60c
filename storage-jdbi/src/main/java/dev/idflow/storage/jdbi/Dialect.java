package dev.idflow.storage.jdbi;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * The few places PostgreSQL and H2 disagree. Everything else (inserts, compare-and-set updates, reads)
 * is one SQL text shared by both.
 */
enum Dialect {
    POSTGRESQL("postgresql"),
    H2("h2");

    private final String folder;

    Dialect(String folder) {
        this.folder = folder;
    }

    /** Where this database's migration scripts live on the classpath. */
    String migrationsPath() {
        return "dev/idflow/storage/jdbi/migrations/" + folder + "/";
    }

    static Dialect detect(DataSource dataSource) {
        String product;
        try (Connection connection = dataSource.getConnection()) {
            product = connection.getMetaData().getDatabaseProductName();
        } catch (SQLException e) {
            throw new IllegalStateException("could not connect to the database to detect its kind: " + e.getMessage(), e);
        }
        String name = product == null ? "" : product.toLowerCase(Locale.ROOT);
        if (name.contains("postgresql")) {
            return POSTGRESQL;
        }
        if (name.equals("h2")) {
            return H2;
        }
        throw new IllegalArgumentException("idflow-storage-jdbi supports PostgreSQL and H2; this DataSource is " + product);
    }
}
