package dev.idflow.documents.esign;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority held in this JVM: a CA key and its certificate, from a PKCS#12 keystore the
 * host gives ({@link #fromPkcs12}, {@link #fromKeyStore}), made once and kept in a keystore file
 * ({@link #openOrCreate}: the demo's data directory), or made in memory ({@link #generate}: gone at exit,
 * so what it signed no longer chains after a restart). It issues people's certificates for
 * {@link LocalCaSigningProvider}.
 *
 * <p>Keys are EC P-256 (secp256r1) with SHA256withECDSA, for the CA and for people: a key pair is made in
 * about a millisecond where RSA-2048 takes a quarter of a second (one is made per person, inside a
 * request), the PKCS#8 key sealed at rest is 67 bytes instead of 1217, and P-256 is accepted by the
 * PAdES/CAdES verifiers banks use (Adobe, poppler/NSS, EU DSS). Only JDK providers are used (SunEC, PKCS12):
 * Bouncy Castle builds the ASN.1, and is never registered as a JCA provider, so a host's own provider list
 * stays as it was.
 */
public final class LocalCa {
    private static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
    private static final String ALIAS = "idflow-ca";
    private static final Duration CA_VALIDITY = Duration.ofDays(3650);
    private static final java.util.regex.Pattern TEST_WORD = java.util.regex.Pattern.compile("(?<![A-Za-z])TEST(?![A-Za-z])");

    private final PrivateKey key;
    private final X509Certificate certificate;
    private final String issuerKey;

    private LocalCa(PrivateKey key, X509Certificate certificate) {
        this.key = Objects.requireNonNull(key, "key");
        this.certificate = Objects.requireNonNull(certificate, "certificate");
        if (certificate.getBasicConstraints() < 0) {
            throw new IllegalArgumentException("the CA certificate " + certificate.getSubjectX500Principal()
                    + " is not a CA certificate (basicConstraints cA is false)");
        }
        try {
            this.issuerKey = HexFormat.of().formatHex(CadesSignatures.sha256(certificate.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the CA certificate cannot be encoded", e);
        }
    }

    /** The CA of the key entry {@code alias} of {@code keyStore} (its key and its certificate). */
    public static LocalCa fromKeyStore(KeyStore keyStore, String alias, char[] keyPassword) {
        try {
            if (!keyStore.isKeyEntry(alias)) {
                throw new IllegalArgumentException("keystore: no key entry " + alias);
            }
            PrivateKey key = (PrivateKey) keyStore.getKey(alias, keyPassword);
            Certificate cert = keyStore.getCertificate(alias);
            if (!(cert instanceof X509Certificate x509)) {
                throw new IllegalArgumentException("keystore: entry " + alias + " has no X.509 certificate");
            }
            return new LocalCa(key, x509);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("keystore: entry " + alias + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** The CA in a PKCS#12 file: its one key entry (or the first), the store's password protecting it too. */
    public static LocalCa fromPkcs12(Path file, char[] password) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, password);
            for (String alias : Collections.list(keyStore.aliases())) {
                if (keyStore.isKeyEntry(alias)) {
                    return fromKeyStore(keyStore, alias, password);
                }
            }
            throw new IllegalArgumentException(file + ": holds no key entry");
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": not a PKCS#12 keystore this password opens", e);
        }
    }

    /**
     * The CA kept in {@code file}: read when it exists, else made ({@link #generate}) and written there,
     * owner-only, first to a temporary file then moved (never over an existing one), so two processes
     * starting at once end with one CA.
     */
    public static LocalCa openOrCreate(Path file, char[] password, String commonName, SecureRandom random)
            throws IOException {
        if (Files.exists(file)) {
            return fromPkcs12(file, password);
        }
        LocalCa ca = generate(commonName, Instant.now(), random);
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            try {
                // owner-only: it holds CA keys (sealed by the keystore's password, still nobody else's to read)
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException e) {
                Files.createDirectories(dir);
            }
        }
        Path temp = Files.createTempFile(dir, ".ca-", ".p12");
        try {
            try {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the directory's own protection applies
            }
            try (OutputStream out = Files.newOutputStream(temp)) {
                ca.toPkcs12(password).store(out, password);
            }
            try {
                // no REPLACE_EXISTING: of two processes starting at once, the second finds the first's CA
                Files.move(temp, file);
            } catch (FileAlreadyExistsException e) {
                return fromPkcs12(file, password);
            }
            return ca;
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": could not write the CA keystore", e);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** A new self-signed CA named {@code commonName}, valid ten years from {@code now}, held in memory only. */
    public static LocalCa generate(String commonName, Instant now, SecureRandom random) {
        try {
            KeyPair pair = newKeyPair(random);
            X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName)
                    .addRDN(BCStyle.O, "idflow").build();
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(random),
                    Date.from(now.minusSeconds(60)), Date.from(now.plus(CA_VALIDITY)), name, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                    builder.build(contentSigner(pair.getPrivate())));
            return new LocalCa(pair.getPrivate(), cert);
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("could not make a CA", e);
        }
    }

    /** This CA as a PKCS#12 keystore (one key entry), for a host to keep. */
    public KeyStore toPkcs12(char[] password) throws GeneralSecurityException, IOException {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        keyStore.load(null, null);
        keyStore.setKeyEntry(ALIAS, key, password, new Certificate[] {certificate});
        return keyStore;
    }

    /** The CA's certificate: what a verifier trusts to accept the signatures of the people it certified. */
    public X509Certificate certificate() {
        return certificate;
    }

    /** The SHA-256 (hex) of the CA certificate: which CA issued a stored certificate. */
    public String issuerKey() {
        return issuerKey;
    }

    /** Whether the CA's name says TEST, as a word in capitals (the one test flows must sign with). */
    public boolean namedTest() {
        return TEST_WORD.matcher(certificate.getSubjectX500Principal().getName()).find();
    }

    /** A person's certificate for {@code publicKey}: digitalSignature and nonRepudiation, not a CA. */
    X509Certificate issue(PublicKey publicKey, X500Name subject, BigInteger serial, Instant notBefore, Instant notAfter)
            throws GeneralSecurityException, IOException, OperatorCreationException {
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial, Date.from(notBefore),
                Date.from(notAfter), subject, publicKey)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.nonRepudiation))
                .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(publicKey))
                .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
        return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner(key)));
    }

    /** The chain above a certificate this CA issued: the CA's certificate. */
    List<X509Certificate> chainAbove() {
        return List.of(certificate);
    }

    static KeyPair newKeyPair(SecureRandom random) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), random);
        return generator.generateKeyPair();
    }

    static ContentSigner contentSigner(PrivateKey key) throws OperatorCreationException {
        return new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(key);
    }

    /** A positive 127-bit serial from {@code random} (RFC 5280: at most 20 octets, unpredictable). */
    static BigInteger serial(SecureRandom random) {
        return new BigInteger(127, random).setBit(126);
    }

    /** Never the key. */
    @Override
    public String toString() {
        return "LocalCa[" + certificate.getSubjectX500Principal().getName() + "]";
    }
}
