package dev.idflow.core.spi;

import java.util.Objects;

/** Which files to look among: those of one session, one flow, or one person. */
public record FileQuery(Kind kind, String id) {
    public enum Kind { SESSION, FLOW, PERSON }

    public FileQuery {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
    }

    public static FileQuery session(String sessionId) {
        return new FileQuery(Kind.SESSION, sessionId);
    }

    public static FileQuery flow(String flowId) {
        return new FileQuery(Kind.FLOW, flowId);
    }

    public static FileQuery person(String personId) {
        return new FileQuery(Kind.PERSON, personId);
    }
}
