package dev.idflow.documents.esign;

/**
 * A provider could not issue or sign. {@code errorCode} goes into the step's result
 * ({@code error_codes}); the message is for the host's log and never reaches the person.
 */
public class SigningException extends Exception {
    private final String errorCode;

    public SigningException(String errorCode, String message) {
        super(message);
        this.errorCode = errorCode;
    }

    public SigningException(String errorCode, String message, Throwable cause) {
        super(message, cause);
        this.errorCode = errorCode;
    }

    /** {@code [a-z_]+}: {@code issue_failed}, {@code signing_failed}, {@code no_certificate}, … */
    public String errorCode() {
        return errorCode;
    }
}
