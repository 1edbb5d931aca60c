package dev.idflow.core.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A signing certificate idflow's reference e-sign provider issued to a person, as stored
 * ({@link dev.idflow.core.spi.PersonCertificateRepository}): the certificate itself (X.509, DER) and
 * the person's private key sealed with the host's {@link dev.idflow.core.spi.SecretCipher} (never in
 * clear). Core reads no certificate: the validity, serial and issuer are copied out of it when it is
 * issued, so a store can answer "a valid one of this person" without a crypto library.
 *
 * <p>{@code test}: issued by the TEST CA for a test flow; a test key's flows never see a live
 * certificate, nor the other way round. {@code issuerKey} names the CA that issued it (the SHA-256 of
 * the CA certificate, hex): a host that replaces its CA keystore no longer finds the old CA's certificates
 * valid. {@code sealedKey} may be empty for a provider that keeps the key elsewhere (an HSM).
 */
public record PersonCertificate(String certificateId, String consumerId, String personId, boolean test,
                                String issuerKey, String serialNumber, String subject, Instant notBefore,
                                Instant notAfter, byte[] certificate, byte[] sealedKey, Instant createdAt) {
    public static final int MAX_ID_LENGTH = 128;

    public PersonCertificate {
        requireText("certificateId", certificateId, MAX_ID_LENGTH);
        requireText("consumerId", consumerId, MAX_ID_LENGTH);
        requireText("personId", personId, 256);
        requireText("issuerKey", issuerKey, 64);
        requireText("serialNumber", serialNumber, 64);
        requireText("subject", subject, 1024);
        Objects.requireNonNull(notBefore, "notBefore");
        Objects.requireNonNull(notAfter, "notAfter");
        Objects.requireNonNull(createdAt, "createdAt");
        if (!notAfter.isAfter(notBefore)) {
            throw new IllegalArgumentException("notAfter must be after notBefore");
        }
        if (certificate == null || certificate.length == 0) {
            throw new IllegalArgumentException("certificate must not be empty");
        }
        certificate = certificate.clone();
        sealedKey = sealedKey == null ? new byte[0] : sealedKey.clone();
    }

    private static void requireText(String name, String value, int max) {
        if (value == null || value.isBlank() || value.length() > max) {
            throw new IllegalArgumentException(name + " must be 1–" + max + " characters, not blank");
        }
    }

    /** Valid at {@code at}: within [notBefore, notAfter). */
    public boolean validAt(Instant at) {
        return !at.isBefore(notBefore) && at.isBefore(notAfter);
    }

    @Override
    public byte[] certificate() {
        return certificate.clone();
    }

    @Override
    public byte[] sealedKey() {
        return sealedKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PersonCertificate p && certificateId.equals(p.certificateId) && consumerId.equals(p.consumerId)
                && personId.equals(p.personId) && test == p.test && issuerKey.equals(p.issuerKey)
                && serialNumber.equals(p.serialNumber) && subject.equals(p.subject) && notBefore.equals(p.notBefore)
                && notAfter.equals(p.notAfter) && java.util.Arrays.equals(certificate, p.certificate)
                && java.util.Arrays.equals(sealedKey, p.sealedKey) && createdAt.equals(p.createdAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(certificateId, consumerId, personId, test, serialNumber);
    }

    /** Never the key, never the certificate's bytes. */
    @Override
    public String toString() {
        return "PersonCertificate[" + certificateId + ", " + (test ? "test" : "live") + ", serial " + serialNumber
                + ", " + notBefore + " – " + notAfter + "]";
    }
}
