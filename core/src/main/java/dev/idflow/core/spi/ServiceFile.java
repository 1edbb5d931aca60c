package dev.idflow.core.spi;

import java.util.Objects;

/** A file a service produced or the person uploaded, with its type (checked from its bytes where it came from outside). */
public record ServiceFile(String contentType, byte[] content) {
    public ServiceFile {
        Objects.requireNonNull(contentType, "contentType");
        content = content.clone();
    }

    @Override
    public byte[] content() {
        return content.clone();
    }

    public int size() {
        return content.length;
    }
}
