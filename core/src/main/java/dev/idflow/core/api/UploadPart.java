package dev.idflow.core.api;

import java.io.IOException;
import java.io.InputStream;

/** One part of a multipart/form-data body. Large parts are expected to sit on disk, not in memory. */
public interface UploadPart {
    String name();

    /** The submitted file name, or null for a plain form field. */
    String fileName();

    /** The part's Content-Type, or null. */
    String contentType();

    long size();

    /** The part's content from its start; may be called more than once (a type check reads it first). */
    InputStream open() throws IOException;
}
