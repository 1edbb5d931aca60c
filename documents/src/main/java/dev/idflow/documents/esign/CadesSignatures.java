package dev.idflow.documents.esign;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.Time;
import org.bouncycastle.asn1.ess.ESSCertIDv2;
import org.bouncycastle.asn1.ess.SigningCertificateV2;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.IssuerSerial;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSAttributeTableGenerator;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.DigestCalculator;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;

/**
 * Detached CMS signatures of ETSI baseline B (CAdES-B-B, and the CMS inside a PAdES-B-B signature) over
 * a digest computed elsewhere, with Bouncy Castle. For providers: {@link LocalCaSigningProvider} signs
 * with a software key; an HSM-backed provider passes a {@link ContentSigner} whose key stays in the HSM
 * (Bouncy Castle's {@code JcaContentSignerBuilder} over a PKCS#11 key handle) and gets the same CMS.
 *
 * <p>Signed attributes: content-type (id-data), message-digest (the given SHA-256), signing-certificate-v2
 * (ESSCertIDv2: the SHA-256 of the signer's certificate and its issuer and serial), and, for
 * {@link SignatureRequest.Profile#CADES} only, signing-time. The certificates field holds the chain.
 */
public final class CadesSignatures {
    private static final AlgorithmIdentifier SHA256 = new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256);

    private CadesSignatures() {
    }

    /** The CMS SignedData (DER), content detached, signed by {@code signer} as {@code chain.get(0)}. */
    public static byte[] detached(SignatureRequest request, List<X509Certificate> chain, ContentSigner signer)
            throws SigningException {
        X509Certificate certificate = chain.get(0);
        try {
            byte[] digest = request.sha256();
            JcaSignerInfoGeneratorBuilder infos = new JcaSignerInfoGeneratorBuilder(fixedDigest(digest));
            infos.setSignedAttributeGenerator(signedAttributes(request, certificate));
            CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
            generator.addSignerInfoGenerator(infos.build(signer, certificate));
            generator.addCertificates(new JcaCertStore(chain));
            // the digest calculator ignores this content and answers the given digest: detached over it
            CMSSignedData signed = generator.generate(new CMSProcessableByteArray(new byte[0]), false);
            return signed.getEncoded("DER");
        } catch (OperatorCreationException | CMSException | CertificateEncodingException | IOException e) {
            throw new SigningException("signing_failed", "could not build the CMS signature", e);
        }
    }

    /** SHA-256 of {@code bytes}. */
    public static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static CMSAttributeTableGenerator signedAttributes(SignatureRequest request, X509Certificate certificate)
            throws CertificateEncodingException {
        IssuerSerial issuerSerial = new IssuerSerial(new GeneralNames(new GeneralName(
                X500Name.getInstance(certificate.getIssuerX500Principal().getEncoded()))),
                new BigInteger(1, certificate.getSerialNumber().toByteArray()));
        // hashAlgorithm absent means SHA-256 (RFC 5035)
        SigningCertificateV2 signingCertificate = new SigningCertificateV2(new ESSCertIDv2[] {
                new ESSCertIDv2(sha256(certificate.getEncoded()), issuerSerial)});
        return parameters -> {
            Hashtable<ASN1ObjectIdentifier, Attribute> table = new Hashtable<>();
            ASN1ObjectIdentifier contentType = (ASN1ObjectIdentifier) ((Map<?, ?>) parameters)
                    .get(CMSAttributeTableGenerator.CONTENT_TYPE);
            put(table, CMSAttributes.contentType, contentType != null ? contentType : PKCSObjectIdentifiers.data);
            byte[] messageDigest = (byte[]) ((Map<?, ?>) parameters).get(CMSAttributeTableGenerator.DIGEST);
            put(table, CMSAttributes.messageDigest, new DEROctetString(messageDigest));
            put(table, PKCSObjectIdentifiers.id_aa_signingCertificateV2, signingCertificate);
            if (request.profile() == SignatureRequest.Profile.CADES) {
                put(table, CMSAttributes.signingTime, new Time(Date.from(request.signingTime())));
            }
            return new AttributeTable(table);
        };
    }

    private static void put(Hashtable<ASN1ObjectIdentifier, Attribute> table, ASN1ObjectIdentifier type,
                            org.bouncycastle.asn1.ASN1Encodable value) {
        ASN1EncodableVector values = new ASN1EncodableVector();
        values.add(value);
        table.put(type, new Attribute(type, new DERSet(values)));
    }

    /** A "digest calculator" that answers the digest computed already (over the PDF's ByteRange, the file). */
    private static DigestCalculatorProvider fixedDigest(byte[] digest) {
        return algorithm -> {
            if (!SHA256.getAlgorithm().equals(algorithm.getAlgorithm())) {
                throw new OperatorCreationException("only SHA-256 is signed here, not " + algorithm.getAlgorithm());
            }
            return new DigestCalculator() {
                @Override
                public AlgorithmIdentifier getAlgorithmIdentifier() {
                    return SHA256;
                }

                @Override
                public OutputStream getOutputStream() {
                    return OutputStream.nullOutputStream();
                }

                @Override
                public byte[] getDigest() {
                    return digest.clone();
                }
            };
        };
    }
}
