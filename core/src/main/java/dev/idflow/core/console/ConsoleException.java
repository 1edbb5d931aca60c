package dev.idflow.core.console;

/** A console API refusal: HTTP status, UPPER_SNAKE code, the field at fault (or null) and the rule. */
public final class ConsoleException extends RuntimeException {
    private final int status;
    private final String code;
    private final String field;

    public ConsoleException(int status, String code, String field, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.field = field;
    }

    static ConsoleException invalid(String field, String rule) {
        return new ConsoleException(422, "INVALID_INPUT", field, field + ": " + rule);
    }

    static ConsoleException notFound(String what) {
        return new ConsoleException(404, "NOT_FOUND", null, what + " not found");
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String field() {
        return field;
    }
}
