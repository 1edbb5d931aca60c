package dev.idflow.documents.esign;

import java.time.Instant;
import java.util.Optional;

/**
 * Where people's signing certificates come from and where their signatures are made: the bank's national
 * CA, its HSM, or idflow's reference {@link LocalCaSigningProvider}. The {@code esign} service
 * ({@link EsignService}) asks it three things and builds the signed files (PAdES, CAdES) from its answers.
 *
 * <p>The private key never leaves the provider: {@link #sign} receives a digest and answers a CMS
 * signature, so an HSM-backed provider signs inside the HSM (a PKCS#11 key handle in a Bouncy Castle
 * {@code ContentSigner}, see {@link CadesSignatures#detached}) and idflow never holds a key.
 *
 * <p>{@link Signer#test()}: a test flow (the sandbox) must be answered from the provider's TEST CA,
 * never a live one, and a test certificate is never found for a live flow.
 *
 * <p>{@link #issue} and {@link #sign} are irreversible (a CA records what it issued, an HSM what it
 * signed): idflow calls them only after the commit that makes the step wait for them
 * ({@code StepDecision.thenComplete}), once per decision that landed. {@link #validCertificate} only reads.
 * Implementations must be thread-safe.
 */
public interface SigningProvider {

    /** The newest certificate of the signer's that is valid at {@code at}, for {@code skip_exists}; reads only. */
    Optional<SignerCertificate> validCertificate(Signer signer, Instant at) throws SigningException;

    /**
     * A new key pair and certificate for the signer: CN = their name, serialNumber = their IIN when known,
     * valid from {@code at}.
     */
    SignerCertificate issue(Signer signer, Instant at) throws SigningException;

    /**
     * A detached CMS SignedData (DER) over the content whose digest {@code request} gives, made with the
     * key of {@code certificate} (one this provider issued to {@code signer}), holding the certificate and
     * its chain, with the signed attributes of {@code request}'s profile (see {@link CadesSignatures}).
     */
    byte[] sign(Signer signer, SignerCertificate certificate, SignatureRequest request) throws SigningException;
}
