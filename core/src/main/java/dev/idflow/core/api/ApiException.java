package dev.idflow.core.api;

/**
 * An answer other than success: an HTTP status, the spec's UPPER_SNAKE error_code and a message
 * that names the field and the rule a person must fix. Never carries internals.
 */
public class ApiException extends RuntimeException {
    private final int status;
    private final String errorCode;

    public ApiException(int status, String errorCode, String message) {
        super(message, null, false, false);
        this.status = status;
        this.errorCode = errorCode;
    }

    public int status() {
        return status;
    }

    public String errorCode() {
        return errorCode;
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, "UNAUTHORIZED", message);
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, "FORBIDDEN", message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "NOT_FOUND", message);
    }

    public static ApiException invalid(String message) {
        return new ApiException(422, "INVALID_PAYLOAD", message);
    }
}
