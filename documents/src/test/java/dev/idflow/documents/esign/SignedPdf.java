package dev.idflow.documents.esign;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.ess.ESSCertIDv2;
import org.bouncycastle.asn1.ess.SigningCertificateV2;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;

/**
 * What a test reads out of a signed PDF or a detached CMS, with PDFBox and Bouncy Castle only (none of
 * the code under test; the servlet tests use it through this module's test jar): the signature dictionary, its ByteRange against the file, the CMS verified over
 * the bytes it covers, the signer's certificate and whether it chains to a CA.
 */
public final class SignedPdf {
    public final PDSignature signature;
    public final int[] byteRange;
    public final byte[] signedBytes;
    public final CMSSignedData cms;
    public final SignerInformation signer;
    public final X509Certificate signerCertificate;

    private SignedPdf(PDSignature signature, int[] byteRange, byte[] signedBytes, CMSSignedData cms,
                      SignerInformation signer, X509Certificate signerCertificate) {
        this.signature = signature;
        this.byteRange = byteRange;
        this.signedBytes = signedBytes;
        this.cms = cms;
        this.signer = signer;
        this.signerCertificate = signerCertificate;
    }

    /** The last signature of {@code pdf}, its CMS verified over its ByteRange; fails the test when it does not verify. */
    public static SignedPdf read(byte[] pdf) throws Exception {
        try (PDDocument document = Loader.loadPDF(pdf)) {
            List<PDSignature> signatures = document.getSignatureDictionaries();
            assertThat(signatures).as("signatures in the PDF").isNotEmpty();
            PDSignature signature = signatures.get(signatures.size() - 1);
            int[] range = signature.getByteRange();
            byte[] signed = signature.getSignedContent(pdf);
            byte[] contents = signature.getContents(pdf);
            CMSSignedData cms = new CMSSignedData(new CMSProcessableByteArray(signed), trimmed(contents));
            return verified(signature, range, signed, cms);
        }
    }

    /** A detached CMS over {@code content}; fails the test when it does not verify. */
    public static SignedPdf detached(byte[] cmsBytes, byte[] content) throws Exception {
        return verified(null, null, content, new CMSSignedData(new CMSProcessableByteArray(content), cmsBytes));
    }

    private static SignedPdf verified(PDSignature signature, int[] range, byte[] signed, CMSSignedData cms) throws Exception {
        SignedPdf s = parsed(signature, range, signed, cms);
        assertThat(s.verifies()).as("the CMS signature verifies over the signed bytes").isTrue();
        return s;
    }

    /** As {@link #read}, without verifying: for a test that expects the signature to break. */
    public static SignedPdf parse(byte[] pdf) throws Exception {
        try (PDDocument document = Loader.loadPDF(pdf)) {
            List<PDSignature> signatures = document.getSignatureDictionaries();
            PDSignature signature = signatures.get(signatures.size() - 1);
            byte[] signed = signature.getSignedContent(pdf);
            return parsed(signature, signature.getByteRange(), signed,
                    new CMSSignedData(new CMSProcessableByteArray(signed), trimmed(signature.getContents(pdf))));
        }
    }

    public static SignedPdf parseDetached(byte[] cmsBytes, byte[] content) throws Exception {
        return parsed(null, null, content, new CMSSignedData(new CMSProcessableByteArray(content), cmsBytes));
    }

    private static SignedPdf parsed(PDSignature signature, int[] range, byte[] signed, CMSSignedData cms) throws Exception {
        Collection<SignerInformation> signers = cms.getSignerInfos().getSigners();
        assertThat(signers).as("signers in the CMS").hasSize(1);
        SignerInformation signer = signers.iterator().next();
        @SuppressWarnings("unchecked")
        Collection<X509CertificateHolder> matches = cms.getCertificates().getMatches(signer.getSID());
        assertThat(matches).as("the signer's certificate inside the CMS").hasSize(1);
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(matches.iterator().next());
        return new SignedPdf(signature, range, signed, cms, signer, certificate);
    }

    /** The signature over the signed bytes checks out: the message digest matches them and the signature the key. */
    public boolean verifies() throws Exception {
        try {
            return signer.verify(new JcaSimpleSignerInfoVerifierBuilder().build(signerCertificate));
        } catch (org.bouncycastle.cms.CMSSignerDigestMismatchException e) {
            return false;
        }
    }

    /** PDFBox hands the /Contents hole with its zero padding; the CMS parser wants the DER alone. */
    private static byte[] trimmed(byte[] contents) throws IOException {
        try (org.bouncycastle.asn1.ASN1InputStream in = new org.bouncycastle.asn1.ASN1InputStream(contents)) {
            return in.readObject().getEncoded("DER");
        }
    }

    /** The ByteRange is [0, a, b, c] with a + hole = b and b + c = the file's length: the whole file but the hole. */
    public void assertCoversWholeFile(byte[] pdf) {
        assertThat(byteRange).hasSize(4);
        assertThat(byteRange[0]).isZero();
        assertThat(byteRange[2] + byteRange[3]).as("the ByteRange ends at the file's end").isEqualTo(pdf.length);
        // the hole is exactly the /Contents hex string <…>
        assertThat(pdf[byteRange[1]]).isEqualTo((byte) '<');
        assertThat(pdf[byteRange[2] - 1]).isEqualTo((byte) '>');
        for (int i = byteRange[1] + 1; i < byteRange[2] - 1; i++) {
            assertThat(HexFormat.isHexDigit(pdf[i])).as("byte %d of the hole is hex", i).isTrue();
        }
        assertThat(signedBytes.length).isEqualTo(pdf.length - (byteRange[2] - byteRange[1]));
    }

    /** The signer certificate chains to {@code ca} (PKIX, no revocation: the local CA publishes none). */
    public void assertChainsTo(X509Certificate ca, Date at) throws Exception {
        List<X509Certificate> path = new ArrayList<>();
        path.add(signerCertificate);
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
        parameters.setRevocationEnabled(false);
        parameters.setDate(at);
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(path),
                parameters);
    }

    public String subject(org.bouncycastle.asn1.ASN1ObjectIdentifier attribute) {
        RDN[] rdns = X500Name.getInstance(signerCertificate.getSubjectX500Principal().getEncoded()).getRDNs(attribute);
        return rdns.length == 0 ? null : IETFUtils.valueToString(rdns[0].getFirst().getValue());
    }

    public String commonName() {
        return subject(BCStyle.CN);
    }

    public String serialNumberAttribute() {
        return subject(BCStyle.SERIALNUMBER);
    }

    /** The signed attributes of baseline B: message-digest of the signed bytes and signing-certificate-v2 of the signer. */
    public void assertBaselineBAttributes() throws Exception {
        var attributes = signer.getSignedAttributes();
        byte[] digest = ASN1OctetString.getInstance(attributes.get(CMSAttributes.messageDigest).getAttrValues()
                .getObjectAt(0)).getOctets();
        assertThat(digest).isEqualTo(java.security.MessageDigest.getInstance("SHA-256").digest(signedBytes));
        assertThat(attributes.get(CMSAttributes.contentType)).isNotNull();
        SigningCertificateV2 v2 = SigningCertificateV2.getInstance(attributes
                .get(PKCSObjectIdentifiers.id_aa_signingCertificateV2).getAttrValues().getObjectAt(0));
        ESSCertIDv2 id = v2.getCerts()[0];
        assertThat(id.getCertHash()).isEqualTo(java.security.MessageDigest.getInstance("SHA-256")
                .digest(signerCertificate.getEncoded()));
        assertThat(id.getIssuerSerial().getSerial().getValue()).isEqualTo(signerCertificate.getSerialNumber());
    }

    public boolean hasSigningTimeAttribute() {
        return signer.getSignedAttributes().get(CMSAttributes.signingTime) != null;
    }

    public static X509Certificate certificate(byte[] der) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }
}
