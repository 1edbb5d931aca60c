package dev.idflow.documents.esign;

import static dev.idflow.documents.esign.EsignFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Date;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.Time;
import org.junit.jupiter.api.Test;

/** A detached CAdES-B-B of a file that is not a PDF verifies against the original bytes, and only them. */
class CadesDetachedTest {
    private final EsignFixtures f = new EsignFixtures();

    @Test
    void theDetachedSignatureVerifiesAgainstTheOriginalBytes() throws Exception {
        Signer signer = EsignFixtures.person(false);
        SignerCertificate certificate = f.provider.issue(signer, T0);
        byte[] content = "{\"loan\": 42, \"amount\": \"1 000 000 ₸\"}".getBytes(StandardCharsets.UTF_8);

        byte[] cms = f.provider.sign(signer, certificate, new SignatureRequest(CadesSignatures.sha256(content),
                T0.plusSeconds(3), SignatureRequest.Profile.CADES));

        SignedPdf s = SignedPdf.detached(cms, content);
        s.assertBaselineBAttributes();
        s.assertChainsTo(EsignFixtures.LIVE_CA.certificate(), Date.from(T0.plusSeconds(10)));
        assertThat(s.cms.isDetachedSignature()).isTrue();
        assertThat(s.cms.getSignedContent().getContentType().getId()).isEqualTo("1.2.840.113549.1.7.1");
        assertThat(Time.getInstance(s.signer.getSignedAttributes().get(CMSAttributes.signingTime).getAttrValues()
                .getObjectAt(0)).getDate().toInstant()).isEqualTo(T0.plusSeconds(3));
        assertThat(s.commonName()).isEqualTo(signer.fullName());
        assertThat(s.cms.getCertificates().getMatches(null)).as("the chain: person and CA").hasSize(2);
    }

    @Test
    void otherBytesDoNotVerify() throws Exception {
        Signer signer = EsignFixtures.person(false);
        SignerCertificate certificate = f.provider.issue(signer, T0);
        byte[] content = "the agreement".getBytes(StandardCharsets.UTF_8);
        byte[] cms = f.provider.sign(signer, certificate, new SignatureRequest(CadesSignatures.sha256(content), T0,
                SignatureRequest.Profile.CADES));

        assertThat(SignedPdf.parseDetached(cms, "the agreemenT".getBytes(StandardCharsets.UTF_8)).verifies()).isFalse();
        assertThat(SignedPdf.parseDetached(cms, content).verifies()).isTrue();
    }
}
