package dev.idflow.documents.esign;

import dev.idflow.core.internal.AesGcmSecretCipher;
import dev.idflow.core.spi.PersonCertificateRepository;
import dev.idflow.core.spi.SecretCipher;
import dev.idflow.storage.memory.InMemoryStorage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;

/** CAs, a provider on an in-memory store, and PDFs to sign, for the esign tests. */
final class EsignFixtures {
    static final SecureRandom RANDOM = new SecureRandom();
    static final Instant T0 = Instant.parse("2026-03-04T05:06:07Z");
    /** Made once per test JVM: CA keys are made in milliseconds, but one pair is enough for every test. */
    static final LocalCa LIVE_CA = LocalCa.generate("Bank of Tests root CA", T0.minus(Duration.ofDays(1)), RANDOM);
    static final LocalCa TEST_CA = LocalCa.generate("idflow TEST CA", T0.minus(Duration.ofDays(1)), RANDOM);

    final PersonCertificateRepository store = new InMemoryStorage().personCertificates();
    final byte[] key = new byte[32];
    final SecretCipher cipher;
    final LocalCaSigningProvider provider;

    EsignFixtures() {
        RANDOM.nextBytes(key);
        cipher = new AesGcmSecretCipher(key, RANDOM);
        provider = new LocalCaSigningProvider(LIVE_CA, TEST_CA, store, cipher, RANDOM, Duration.ofDays(365));
    }

    static Signer person(boolean test) {
        return new Signer("bank", "p.000" + RANDOM.nextInt(1_000_000), "Иванов Иван Иванович", "900101300123", test);
    }

    /** A PDF of {@code pages} pages, each with a line of text. */
    static byte[] pdf(int pages, String text) throws IOException {
        try (PDDocument document = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            PDType1Font font = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
            for (int p = 1; p <= pages; p++) {
                PDPage page = new PDPage();
                document.addPage(page);
                try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                    content.beginText();
                    content.setFont(font, 14);
                    content.newLineAtOffset(72, 700);
                    content.showText(text + " (page " + p + ")");
                    content.endText();
                }
            }
            document.save(out);
            return out.toByteArray();
        }
    }
}
