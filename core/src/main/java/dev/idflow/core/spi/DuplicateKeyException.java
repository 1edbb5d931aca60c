package dev.idflow.core.spi;

/** An insert met a row with the same identity (flow id, vlink, session id, access token, key hash). */
public class DuplicateKeyException extends RuntimeException {
    public DuplicateKeyException(String message) {
        super(message);
    }

    public DuplicateKeyException(String message, Throwable cause) {
        super(message, cause);
    }
}
