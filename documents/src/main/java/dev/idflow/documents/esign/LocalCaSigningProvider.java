package dev.idflow.documents.esign;

import dev.idflow.core.model.PersonCertificate;
import dev.idflow.core.spi.PersonCertificateRepository;
import dev.idflow.core.spi.SecretCipher;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * idflow's reference {@link SigningProvider}: two {@link LocalCa}s — the host's for live flows, one whose
 * name says TEST for test flows — and people's keys kept by idflow. {@link #issue} makes an EC P-256 key
 * pair from {@link SecureRandom}, a certificate for it (CN = the person's name; serialNumber =
 * {@code IIN} + the IIN, the form Kazakhstan's national CA uses, when the IIN is known), and stores both
 * in the {@link PersonCertificateRepository}, the private key (PKCS#8) sealed with the host's
 * {@link SecretCipher} and bound to its certificate's id: a key copied onto another row does not unseal.
 * A certificate is valid from its issue for {@link #validity} (a year unless told).
 */
public final class LocalCaSigningProvider implements SigningProvider {
    private static final byte[] SEAL_PREFIX = "idflow-esign-key:v1:".getBytes(StandardCharsets.US_ASCII);

    private final LocalCa live;
    private final LocalCa test;
    private final PersonCertificateRepository store;
    private final SecretCipher cipher;
    private final SecureRandom random;
    private final Duration validity;

    /**
     * @throws IllegalArgumentException when the test CA's name does not say TEST, or the two are one CA
     */
    public LocalCaSigningProvider(LocalCa live, LocalCa test, PersonCertificateRepository store, SecretCipher cipher,
                                  SecureRandom random, Duration validity) {
        this.live = Objects.requireNonNull(live, "live");
        this.test = Objects.requireNonNull(test, "test");
        this.store = Objects.requireNonNull(store, "store");
        this.cipher = Objects.requireNonNull(cipher, "cipher");
        this.random = Objects.requireNonNull(random, "random");
        this.validity = Objects.requireNonNull(validity, "validity");
        if (!test.namedTest()) {
            throw new IllegalArgumentException("test CA: its name must say TEST (" + test + ")");
        }
        if (live.issuerKey().equals(test.issuerKey())) {
            throw new IllegalArgumentException("test CA: must be another CA than the live one");
        }
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("validity: must be positive");
        }
    }

    public LocalCaSigningProvider(LocalCa live, LocalCa test, PersonCertificateRepository store, SecretCipher cipher) {
        this(live, test, store, cipher, new SecureRandom(), Duration.ofDays(365));
    }

    /** How long a certificate issued from now on is valid. */
    public LocalCaSigningProvider validity(Duration validity) {
        return new LocalCaSigningProvider(live, test, store, cipher, random, validity);
    }

    /** The CA of a flow of that kind. */
    public LocalCa ca(boolean testFlow) {
        return testFlow ? test : live;
    }

    @Override
    public Optional<SignerCertificate> validCertificate(Signer signer, Instant at) throws SigningException {
        LocalCa ca = ca(signer.test());
        Optional<PersonCertificate> stored = store.findValid(signer.consumerId(), signer.personId(), signer.test(),
                ca.issuerKey(), at);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new SignerCertificate(stored.get().certificateId(), parse(stored.get().certificate()),
                chain(ca, parse(stored.get().certificate()))));
    }

    @Override
    public SignerCertificate issue(Signer signer, Instant at) throws SigningException {
        LocalCa ca = ca(signer.test());
        Instant notBefore = at.truncatedTo(ChronoUnit.SECONDS);
        Instant notAfter = notBefore.plus(validity);
        String certificateId = newId();
        try {
            KeyPair pair = LocalCa.newKeyPair(random);
            X500NameBuilder name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, signer.fullName());
            if (signer.iin() != null) {
                name.addRDN(BCStyle.SERIALNUMBER, "IIN" + signer.iin());
            }
            X500Name subject = name.build();
            X509Certificate certificate = ca.issue(pair.getPublic(), subject, LocalCa.serial(random), notBefore, notAfter);
            byte[] pkcs8 = pair.getPrivate().getEncoded();
            byte[] sealed;
            try {
                sealed = cipher.encrypt(bound(certificateId, pkcs8));
            } finally {
                Arrays.fill(pkcs8, (byte) 0);
            }
            store.add(new PersonCertificate(certificateId, signer.consumerId(), signer.personId(), signer.test(),
                    ca.issuerKey(), certificate.getSerialNumber().toString(16),
                    SignerCertificate.name(certificate.getSubjectX500Principal()), notBefore, notAfter,
                    certificate.getEncoded(), sealed, at));
            return new SignerCertificate(certificateId, certificate, chain(ca, certificate));
        } catch (GeneralSecurityException | java.io.IOException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new SigningException("issue_failed", "could not issue a certificate for " + signer, e);
        }
    }

    @Override
    public byte[] sign(Signer signer, SignerCertificate certificate, SignatureRequest request) throws SigningException {
        PersonCertificate stored = store.findById(signer.consumerId(), signer.test(), certificate.certificateId())
                .filter(c -> c.personId().equals(signer.personId()))
                .orElseThrow(() -> new SigningException("no_certificate", "no certificate " + certificate.certificateId()
                        + " of " + signer));
        PrivateKey key = unseal(stored);
        try {
            return CadesSignatures.detached(request, certificate.chain(), LocalCa.contentSigner(key));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new SigningException("signing_failed", "could not sign for " + signer, e);
        }
    }

    private PrivateKey unseal(PersonCertificate stored) throws SigningException {
        byte[] plain = cipher.decrypt(stored.sealedKey());
        byte[] expected = bound(stored.certificateId(), new byte[0]);
        try {
            if (plain.length < expected.length
                    || !java.security.MessageDigest.isEqual(Arrays.copyOf(plain, expected.length), expected)) {
                throw new SigningException("signing_failed", "the sealed key of certificate " + stored.certificateId()
                        + " belongs to another certificate");
            }
            return KeyFactory.getInstance("EC").generatePrivate(
                    new PKCS8EncodedKeySpec(Arrays.copyOfRange(plain, expected.length, plain.length)));
        } catch (GeneralSecurityException e) {
            throw new SigningException("signing_failed", "the sealed key of certificate " + stored.certificateId()
                    + " cannot be read", e);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    private static byte[] bound(String certificateId, byte[] pkcs8) {
        byte[] id = (certificateId + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[SEAL_PREFIX.length + id.length + pkcs8.length];
        System.arraycopy(SEAL_PREFIX, 0, out, 0, SEAL_PREFIX.length);
        System.arraycopy(id, 0, out, SEAL_PREFIX.length, id.length);
        System.arraycopy(pkcs8, 0, out, SEAL_PREFIX.length + id.length, pkcs8.length);
        return out;
    }

    private String newId() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return "crt_" + HexFormat.of().formatHex(b);
    }

    private static List<X509Certificate> chain(LocalCa ca, X509Certificate certificate) {
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(certificate);
        chain.addAll(ca.chainAbove());
        return chain;
    }

    static X509Certificate parse(byte[] der) throws SigningException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException e) {
            throw new SigningException("no_certificate", "a stored certificate cannot be read", e);
        }
    }
}
