package dev.idflow.documents.esign;

import java.time.Instant;
import java.util.Objects;

/**
 * What to sign: the SHA-256 digest of the content (the whole file for CAdES, the PDF's ByteRange for
 * PAdES), the signing time on the server's clock, and the profile, which decides the signed attributes:
 * both carry content-type, message-digest and signing-certificate-v2 (ETSI baseline B); CAdES also
 * signing-time, PAdES not (ETSI EN 319 142-1: the time is the signature dictionary's M entry).
 */
public record SignatureRequest(byte[] sha256, Instant signingTime, Profile profile) {
    public enum Profile { CADES, PADES }

    public SignatureRequest {
        Objects.requireNonNull(sha256, "sha256");
        if (sha256.length != 32) {
            throw new IllegalArgumentException("sha256: must be 32 bytes");
        }
        sha256 = sha256.clone();
        Objects.requireNonNull(signingTime, "signingTime");
        Objects.requireNonNull(profile, "profile");
    }

    @Override
    public byte[] sha256() {
        return sha256.clone();
    }
}
