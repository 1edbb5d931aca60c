package dev.idflow.documents.esign;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Calendar;
import java.util.GregorianCalendar;
import java.util.TimeZone;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.ExternalSigningSupport;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.SignatureOptions;

/**
 * A PDF signed as PAdES baseline B (ETSI EN 319 142-1) with PDFBox: an incremental update adds a signature
 * dictionary ({@code /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached}, the signing time as
 * {@code /M}) whose {@code /ByteRange} covers the whole file but the {@code /Contents} hole, and the CMS
 * the provider made over the SHA-256 of those bytes fills the hole. The original bytes stay as they were,
 * in front: earlier signatures remain valid.
 */
public final class PadesSigner {
    /** Room for the CMS, in bytes: a chain of two EC certificates and the signature need under 2 KB. */
    private static final int SIGNATURE_SPACE = 16 * 1024;

    /** Makes the CMS over a ByteRange's digest: the provider, for one signer and certificate. */
    @FunctionalInterface
    public interface CmsSigner {
        byte[] sign(SignatureRequest request) throws SigningException;
    }

    private PadesSigner() {
    }

    /**
     * {@code pdf} signed by {@code signerName} at {@code signingTime}.
     *
     * @throws SigningException {@code document_unreadable} when PDFBox cannot open the document (damaged,
     *                          or encrypted with a password), else the provider's
     */
    public static byte[] sign(byte[] pdf, String signerName, Instant signingTime, CmsSigner cms) throws SigningException {
        try (PDDocument document = load(pdf); SignatureOptions options = new SignatureOptions()) {
            PDSignature signature = new PDSignature();
            signature.setFilter(PDSignature.FILTER_ADOBE_PPKLITE);
            signature.setSubFilter(PDSignature.SUBFILTER_ETSI_CADES_DETACHED);
            signature.setName(signerName);
            Calendar when = new GregorianCalendar(TimeZone.getTimeZone("UTC"));
            when.setTimeInMillis(signingTime.toEpochMilli());
            signature.setSignDate(when);
            options.setPreferredSignatureSize(SIGNATURE_SPACE);
            document.addSignature(signature, options);
            ByteArrayOutputStream out = new ByteArrayOutputStream(pdf.length + 2 * SIGNATURE_SPACE + 4096);
            ExternalSigningSupport external = document.saveIncrementalForExternalSigning(out);
            byte[] digest = digest(external.getContent());
            byte[] signed = cms.sign(new SignatureRequest(digest, signingTime, SignatureRequest.Profile.PADES));
            if (signed.length > SIGNATURE_SPACE) {
                throw new SigningException("signing_failed", "the CMS signature (" + signed.length
                        + " bytes) does not fit the room kept for it");
            }
            external.setSignature(signed);
            return out.toByteArray();
        } catch (IOException e) {
            throw new SigningException("signing_failed", "could not write the signed PDF", e);
        }
    }

    private static PDDocument load(byte[] pdf) throws SigningException {
        try {
            PDDocument document = Loader.loadPDF(pdf);
            if (document.isEncrypted()) {
                document.close();
                throw new SigningException("document_unreadable", "the PDF is encrypted");
            }
            return document;
        } catch (IOException e) {
            throw new SigningException("document_unreadable", "the PDF cannot be read: " + e.getMessage(), e);
        }
    }

    private static byte[] digest(InputStream content) throws IOException {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = content.read(buffer)) > 0; ) {
                sha256.update(buffer, 0, n);
            }
            return sha256.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
