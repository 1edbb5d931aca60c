package dev.idflow.documents.esign;

import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * A person's signing certificate as a provider answers it: the provider's id for it (how it finds the
 * key again; never the key itself), the certificate, and its chain from the certificate up to the root
 * (the certificate first).
 */
public record SignerCertificate(String certificateId, X509Certificate certificate, List<X509Certificate> chain) {
    public SignerCertificate {
        Objects.requireNonNull(certificateId, "certificateId");
        Objects.requireNonNull(certificate, "certificate");
        chain = List.copyOf(chain);
        if (chain.isEmpty() || !chain.get(0).equals(certificate)) {
            throw new IllegalArgumentException("chain: must start with the certificate");
        }
    }

    /** The certificate's subject as people read it: {@code CN=…,SERIALNUMBER=IIN…}, in the order it was issued. */
    public String subject() {
        return name(certificate.getSubjectX500Principal());
    }

    /** The issuing CA's name, as {@link #subject}. */
    public String issuer() {
        return name(certificate.getIssuerX500Principal());
    }

    static String name(javax.security.auth.x500.X500Principal principal) {
        return org.bouncycastle.asn1.x500.X500Name.getInstance(org.bouncycastle.asn1.x500.style.BCStyle.INSTANCE,
                principal.getEncoded()).toString();
    }

    /** The certificate as PEM text ({@code -----BEGIN CERTIFICATE-----}), the chain after it. */
    public String pem() {
        StringBuilder out = new StringBuilder();
        for (X509Certificate c : chain) {
            try {
                out.append("-----BEGIN CERTIFICATE-----\n")
                        .append(Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                                .encodeToString(c.getEncoded()))
                        .append("\n-----END CERTIFICATE-----\n");
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException("a certificate could not be encoded", e);
            }
        }
        return out.toString();
    }
}
