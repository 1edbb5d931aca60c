package dev.idflow.documents.esign;

import static dev.idflow.documents.esign.EsignFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.idflow.core.internal.AesGcmSecretCipher;
import dev.idflow.core.model.PersonCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Date;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reference provider: what it issues, what it keeps, and how it keeps test and live apart. */
class LocalCaSigningProviderTest {
    private final EsignFixtures f = new EsignFixtures();

    @Test
    void anIssuedCertificateNamesThePersonAndChainsToTheCaOfItsKind() throws Exception {
        Signer live = EsignFixtures.person(false);
        SignerCertificate c = f.provider.issue(live, T0);
        X509Certificate cert = c.certificate();

        assertThat(c.subject()).isEqualTo("CN=Иванов Иван Иванович,SERIALNUMBER=IIN900101300123");
        assertThat(c.issuer()).isEqualTo("CN=Bank of Tests root CA,O=idflow");
        assertThat(cert.getNotBefore().toInstant()).isEqualTo(T0);
        assertThat(cert.getNotAfter().toInstant()).isEqualTo(T0.plus(Duration.ofDays(365)));
        assertThat(cert.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(cert.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(cert.getKeyUsage()[1]).as("nonRepudiation").isTrue();
        assertThat(cert.getBasicConstraints()).as("not a CA").isEqualTo(-1);
        cert.verify(EsignFixtures.LIVE_CA.certificate().getPublicKey());
        assertThat(c.chain()).containsExactly(cert, EsignFixtures.LIVE_CA.certificate());
        assertThat(c.pem()).startsWith("-----BEGIN CERTIFICATE-----\n").contains("-----END CERTIFICATE-----\n-----BEGIN");

        Signer test = new Signer(live.consumerId(), live.personId(), live.fullName(), live.iin(), true);
        X509Certificate testCert = f.provider.issue(test, T0).certificate();
        testCert.verify(EsignFixtures.TEST_CA.certificate().getPublicKey());
        assertThat(testCert.getIssuerX500Principal().getName()).contains("TEST");
    }

    @Test
    void aPersonWithoutAnIinGetsNoSerialNumberAttribute() throws Exception {
        Signer signer = new Signer("bank", "p.noiin", "Jane Doe", null, false);
        SignerCertificate c = f.provider.issue(signer, T0);
        byte[] pdf = PadesSigner.sign(EsignFixtures.pdf(1, "x"), signer.fullName(), T0,
                request -> f.provider.sign(signer, c, request));

        SignedPdf s = SignedPdf.read(pdf);
        assertThat(s.commonName()).isEqualTo("Jane Doe");
        assertThat(s.subject(BCStyle.SERIALNUMBER)).isNull();
    }

    @Test
    void theValidCertificateIsFoundUntilItExpiresAndNeverAcrossKinds() throws Exception {
        LocalCaSigningProvider shortLived = f.provider.validity(Duration.ofDays(1));
        Signer live = EsignFixtures.person(false);
        SignerCertificate issued = shortLived.issue(live, T0);

        assertThat(shortLived.validCertificate(live, T0.plusSeconds(3600))).get()
                .extracting(SignerCertificate::certificateId).isEqualTo(issued.certificateId());
        assertThat(shortLived.validCertificate(live, T0.plus(Duration.ofDays(1)))).as("expired").isEmpty();
        Signer sameAsTest = new Signer(live.consumerId(), live.personId(), live.fullName(), live.iin(), true);
        assertThat(shortLived.validCertificate(sameAsTest, T0.plusSeconds(3600))).as("a live one for a test flow").isEmpty();
        Signer otherConsumer = new Signer("other-bank", live.personId(), live.fullName(), live.iin(), false);
        assertThat(shortLived.validCertificate(otherConsumer, T0.plusSeconds(3600))).isEmpty();
    }

    @Test
    void aCertificateOfAnotherCaIsNotValidAfterTheHostReplacedItsCa() throws Exception {
        Signer live = EsignFixtures.person(false);
        f.provider.issue(live, T0);
        LocalCa replaced = LocalCa.generate("Bank of Tests root CA 2", T0, EsignFixtures.RANDOM);
        LocalCaSigningProvider after = new LocalCaSigningProvider(replaced, EsignFixtures.TEST_CA, f.store, f.cipher);

        assertThat(after.validCertificate(live, T0.plusSeconds(60))).isEmpty();
    }

    @Test
    void thePrivateKeyIsStoredSealedAndOnlyTheHostsCipherOpensIt() throws Exception {
        Signer signer = EsignFixtures.person(false);
        SignerCertificate c = f.provider.issue(signer, T0);
        PersonCertificate row = f.store.findById(signer.consumerId(), false, c.certificateId()).orElseThrow();

        // the raw row holds no PKCS#8 key: an EC private key's DER starts 30 81 87 02 01 00 30 13 06 07 2A 86 48 CE 3D 02 01
        byte[] ecPrivateKeyOid = {0x06, 0x07, 0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x02, 0x01};
        assertThat(indexOf(row.sealedKey(), ecPrivateKeyOid)).as("the EC key OID of a PKCS#8 key in clear").isEqualTo(-1);
        assertThat(row.sealedKey().length).isGreaterThan(100);
        byte[] plain = f.cipher.decrypt(row.sealedKey());
        assertThat(indexOf(plain, ecPrivateKeyOid)).as("the sealed bytes are the key").isGreaterThan(0);
        assertThat(row.certificate()).isEqualTo(c.certificate().getEncoded());
        assertThat(row.test()).isFalse();
        assertThat(row.issuerKey()).isEqualTo(EsignFixtures.LIVE_CA.issuerKey());

        byte[] otherKey = new byte[32];
        EsignFixtures.RANDOM.nextBytes(otherKey);
        assertThatThrownBy(() -> new AesGcmSecretCipher(otherKey, EsignFixtures.RANDOM).decrypt(row.sealedKey()))
                .isInstanceOf(RuntimeException.class);
    }

    @Test
    void aSealedKeyMovedToAnotherCertificatesRowDoesNotSign() throws Exception {
        Signer a = EsignFixtures.person(false);
        Signer b = new Signer(a.consumerId(), "p.other", "Other Person", null, false);
        SignerCertificate ca = f.provider.issue(a, T0);
        SignerCertificate cb = f.provider.issue(b, T0);
        PersonCertificate rowB = f.store.findById(b.consumerId(), false, cb.certificateId()).orElseThrow();
        PersonCertificate rowA = f.store.findById(a.consumerId(), false, ca.certificateId()).orElseThrow();
        f.store.deleteByPerson(b.consumerId(), b.personId(), false);
        f.store.add(new PersonCertificate(rowB.certificateId(), rowB.consumerId(), rowB.personId(), false, rowB.issuerKey(),
                rowB.serialNumber(), rowB.subject(), rowB.notBefore(), rowB.notAfter(), rowB.certificate(),
                rowA.sealedKey(), rowB.createdAt()));

        assertThatThrownBy(() -> f.provider.sign(b, cb, new SignatureRequest(new byte[32], T0, SignatureRequest.Profile.CADES)))
                .isInstanceOf(SigningException.class).hasMessageContaining("belongs to another certificate");
    }

    @Test
    void aCertificateOfAnotherPersonIsNotSignedWith() throws Exception {
        Signer a = EsignFixtures.person(false);
        SignerCertificate ca = f.provider.issue(a, T0);
        Signer b = new Signer(a.consumerId(), "p.somebody", "Somebody", null, false);

        assertThatThrownBy(() -> f.provider.sign(b, ca, new SignatureRequest(new byte[32], T0, SignatureRequest.Profile.CADES)))
                .isInstanceOf(SigningException.class)
                .extracting(e -> ((SigningException) e).errorCode()).isEqualTo("no_certificate");
    }

    @Test
    void theTestCaMustSayTestAndDifferFromTheLiveOne() {
        assertThat(EsignFixtures.LIVE_CA.namedTest()).as("\"Tests\" is not the word TEST").isFalse();
        assertThatThrownBy(() -> new LocalCaSigningProvider(EsignFixtures.LIVE_CA, EsignFixtures.LIVE_CA, f.store, f.cipher))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("its name must say TEST");
        LocalCa test2 = LocalCa.generate("another TEST CA", T0, EsignFixtures.RANDOM);
        assertThatThrownBy(() -> new LocalCaSigningProvider(test2, test2, f.store, f.cipher))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another CA");
    }

    @Test
    void aCaKeptInAKeystoreFileIsTheSameCaOnTheNextStart(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("esign").resolve("test-ca.p12");
        char[] password = "a long demo password".toCharArray();
        LocalCa first = LocalCa.openOrCreate(file, password, "idflow demo TEST CA", EsignFixtures.RANDOM);
        LocalCa again = LocalCa.openOrCreate(file, password, "ignored: the file exists", EsignFixtures.RANDOM);

        assertThat(again.certificate()).isEqualTo(first.certificate());
        assertThat(again.issuerKey()).isEqualTo(first.issuerKey());
        assertThat(first.namedTest()).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        try (var left = Files.list(file.getParent())) {
            assertThat(left).as("no temporary file left behind").containsExactly(file);
        }
        try (var in = Files.newInputStream(file)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
            assertThat(LocalCa.fromKeyStore(ks, ks.aliases().nextElement(), password).certificate())
                    .isEqualTo(first.certificate());
        }
        // what the first made and signed still chains after the restart
        Signer signer = EsignFixtures.person(false);
        LocalCaSigningProvider before = new LocalCaSigningProvider(EsignFixtures.LIVE_CA, first, f.store, f.cipher);
        SignerCertificate issued = before.issue(new Signer(signer.consumerId(), signer.personId(), signer.fullName(),
                signer.iin(), true), T0);
        issued.certificate().verify(again.certificate().getPublicKey());
        assertThatThrownBy(() -> LocalCa.fromPkcs12(file, "wrong".toCharArray())).isInstanceOf(java.io.IOException.class);
    }

    @Test
    void aHostsKeystoreWithoutACaCertificateIsRefused() throws Exception {
        Signer signer = EsignFixtures.person(false);
        SignerCertificate person = f.provider.issue(signer, T0);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("person", java.security.KeyPairGenerator.getInstance("EC").generateKeyPair().getPrivate(),
                "pw".toCharArray(), new java.security.cert.Certificate[] {person.certificate()});

        assertThatThrownBy(() -> LocalCa.fromKeyStore(ks, "person", "pw".toCharArray()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a CA certificate");
        assertThatThrownBy(() -> LocalCa.fromKeyStore(ks, "nobody", "pw".toCharArray()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no key entry nobody");
    }

    @Test
    void theCaCertificateIsACaForTenYears() {
        X509Certificate ca = EsignFixtures.LIVE_CA.certificate();
        assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(ca.getKeyUsage()[5]).as("keyCertSign").isTrue();
        assertThat(ca.getNotAfter()).isAfter(Date.from(T0.plus(Duration.ofDays(3600))));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
