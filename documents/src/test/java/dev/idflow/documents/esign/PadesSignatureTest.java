package dev.idflow.documents.esign;

import static dev.idflow.documents.esign.EsignFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Date;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;

/** A PDF signed as PAdES-B-B verifies with PDFBox and Bouncy Castle, and names the person. */
class PadesSignatureTest {
    private final EsignFixtures f = new EsignFixtures();

    private byte[] signed(Signer signer, byte[] pdf) throws Exception {
        SignerCertificate certificate = f.provider.issue(signer, T0);
        return PadesSigner.sign(pdf, signer.fullName(), T0.plusSeconds(5),
                request -> f.provider.sign(signer, certificate, request));
    }

    @Test
    void theSignatureCoversTheWholeDocumentVerifiesAndChainsToTheLiveCa() throws Exception {
        Signer signer = EsignFixtures.person(false);
        byte[] original = EsignFixtures.pdf(3, "Loan agreement 42");
        byte[] pdf = signed(signer, original);

        SignedPdf s = SignedPdf.read(pdf);
        s.assertCoversWholeFile(pdf);
        s.assertBaselineBAttributes();
        s.assertChainsTo(EsignFixtures.LIVE_CA.certificate(), Date.from(T0.plusSeconds(10)));
        assertThat(s.signature.getFilter()).isEqualTo(PDSignature.FILTER_ADOBE_PPKLITE.getName());
        assertThat(s.signature.getSubFilter()).isEqualTo("ETSI.CAdES.detached");
        assertThat(s.hasSigningTimeAttribute()).as("PAdES keeps the time in /M, not in the CMS").isFalse();
        assertThat(s.signature.getSignDate().toInstant()).isEqualTo(T0.plusSeconds(5));
        assertThat(s.commonName()).isEqualTo("Иванов Иван Иванович");
        assertThat(s.serialNumberAttribute()).isEqualTo("IIN900101300123");
        assertThat(s.signerCertificate.getIssuerX500Principal())
                .isEqualTo(EsignFixtures.LIVE_CA.certificate().getSubjectX500Principal());
    }

    @Test
    void theOriginalBytesStayInFrontAndTheTextIsUnchanged() throws Exception {
        byte[] original = EsignFixtures.pdf(2, "Keep me as I am");
        byte[] pdf = signed(EsignFixtures.person(false), original);

        assertThat(Arrays.copyOf(pdf, original.length)).as("an incremental update").isEqualTo(original);
        try (PDDocument document = Loader.loadPDF(pdf)) {
            assertThat(document.getNumberOfPages()).isEqualTo(2);
            assertThat(new PDFTextStripper().getText(document)).contains("Keep me as I am (page 2)");
        }
    }

    @Test
    void aChangedByteBreaksTheSignature() throws Exception {
        byte[] pdf = signed(EsignFixtures.person(false), EsignFixtures.pdf(1, "Amount: 1000000 KZT"));
        SignedPdf s = SignedPdf.read(pdf);
        byte[] tampered = pdf.clone();
        int at = s.byteRange[1] / 2;
        tampered[at] = (byte) (tampered[at] ^ 0x01);

        assertThat(SignedPdf.parse(tampered).verifies()).isFalse();
        assertThat(SignedPdf.parse(pdf).verifies()).isTrue();
    }

    @Test
    void aSecondSignatureKeepsTheFirstValid() throws Exception {
        byte[] once = signed(EsignFixtures.person(false), EsignFixtures.pdf(1, "Two signers"));
        byte[] twice = signed(EsignFixtures.person(false), once);

        try (PDDocument document = Loader.loadPDF(twice)) {
            assertThat(document.getSignatureDictionaries()).hasSize(2);
            PDSignature first = document.getSignatureDictionaries().get(0);
            byte[] content = first.getSignedContent(twice);
            assertThat(content.length).as("the first signature still covers what it covered")
                    .isEqualTo(once.length - (first.getByteRange()[2] - first.getByteRange()[1]));
        }
        SignedPdf.read(twice).assertCoversWholeFile(twice);
    }

    @Test
    void aTestFlowsSignatureChainsToTheTestCaNotTheLiveOne() throws Exception {
        byte[] pdf = signed(EsignFixtures.person(true), EsignFixtures.pdf(1, "Sandbox"));
        SignedPdf s = SignedPdf.read(pdf);

        s.assertChainsTo(EsignFixtures.TEST_CA.certificate(), Date.from(T0.plusSeconds(10)));
        assertThatThrownBy(() -> s.assertChainsTo(EsignFixtures.LIVE_CA.certificate(), Date.from(T0.plusSeconds(10))))
                .isInstanceOf(java.security.cert.CertPathValidatorException.class);
        assertThat(s.signerCertificate.getIssuerX500Principal().getName()).contains("TEST");
    }

    @Test
    void somethingThatIsNotAPdfIsRefusedAsUnreadable() {
        Signer signer = EsignFixtures.person(false);
        assertThatThrownBy(() -> PadesSigner.sign("%PDF-1.7 but nothing else".getBytes(), signer.fullName(), T0,
                request -> new byte[0]))
                .isInstanceOf(SigningException.class)
                .extracting(e -> ((SigningException) e).errorCode()).isEqualTo("document_unreadable");
    }

    @Test
    void anEncryptedPdfIsRefusedAsUnreadableRatherThanSignedHalfway() throws Exception {
        byte[] plain = EsignFixtures.pdf(1, "Protected");
        byte[] encrypted;
        try (PDDocument document = Loader.loadPDF(plain); java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream()) {
            document.protect(new org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy("owner-secret", "",
                    new org.apache.pdfbox.pdmodel.encryption.AccessPermission()));
            document.save(out);
            encrypted = out.toByteArray();
        }
        Signer signer = EsignFixtures.person(false);
        SignerCertificate certificate = f.provider.issue(signer, T0);

        assertThatThrownBy(() -> PadesSigner.sign(encrypted, signer.fullName(), T0,
                request -> f.provider.sign(signer, certificate, request)))
                .isInstanceOf(SigningException.class).hasMessageContaining("encrypted")
                .extracting(e -> ((SigningException) e).errorCode()).isEqualTo("document_unreadable");
    }

    @Test
    void aSignerIsLoggedWithoutTheirData() {
        Signer signer = EsignFixtures.person(false);
        assertThat(signer.toString()).doesNotContain(signer.personId()).doesNotContain("900101300123")
                .doesNotContain("Иванов");
    }
}
