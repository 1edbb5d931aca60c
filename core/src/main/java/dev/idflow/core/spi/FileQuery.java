package dev.idflow.core.spi;

import java.util.Objects;

/**
 * Which files to look among: those of one session, one flow, or one person, and of one kind only —
 * {@code test} files for a test key, live files for a live key (PRODUCT.md: test keys see test data
 * only). Only bound files are ever found ({@link dev.idflow.core.model.StoredFile#bound()}).
 */
public record FileQuery(Kind kind, String id, boolean test) {
    public enum Kind { SESSION, FLOW, PERSON }

    public FileQuery {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
    }

    public static FileQuery session(String sessionId, boolean test) {
        return new FileQuery(Kind.SESSION, sessionId, test);
    }

    public static FileQuery flow(String flowId, boolean test) {
        return new FileQuery(Kind.FLOW, flowId, test);
    }

    public static FileQuery person(String personId, boolean test) {
        return new FileQuery(Kind.PERSON, personId, test);
    }
}
