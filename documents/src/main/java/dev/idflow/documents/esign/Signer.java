package dev.idflow.documents.esign;

import java.util.Objects;

/**
 * The person a certificate is for and who signs: the consumer and person_id idflow knows them by, their
 * name (the certificate's CN) and IIN (its serialNumber, when known), and whether this is a test flow
 * (the sandbox: the TEST CA; a provider keeps test and live apart).
 */
public record Signer(String consumerId, String personId, String fullName, String iin, boolean test) {
    public Signer {
        Objects.requireNonNull(consumerId, "consumerId");
        Objects.requireNonNull(personId, "personId");
        if (fullName == null || fullName.isBlank()) {
            throw new IllegalArgumentException("fullName: must not be blank");
        }
        fullName = fullName.strip();
        iin = iin == null || iin.isBlank() ? null : iin.strip();
    }

    /** Neither the name, the IIN nor the person_id (people's data): a log line may print a signer. */
    @Override
    public String toString() {
        return "Signer[" + consumerId + (test ? ", test" : ", live") + "]";
    }
}
