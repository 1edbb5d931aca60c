package dev.idflow.documents;

import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.spi.ServiceFile;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.time.Instant;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.font.PDFont;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;
import org.junit.jupiter.api.Test;

class ClientCardServiceTest {
    private static final String KAZAKH_NAME = "Әлия Қайратқызы Нұрғалиева";
    private static final String IIN = "900101400123";

    private TestStep verifiedPerson(String locale) throws Exception {
        TestStep step = new TestStep().input("{\"full_name\": \"" + KAZAKH_NAME + "\", \"iin\": \"" + IIN
                + "\", \"phone_number\": \"+77011234567\"}");
        step.locale = locale;
        step.flowFile("bestframe", "image/jpeg", Pdfs.jpeg(480, 640));
        step.earlier.add(new StepContext.EarlierSession("step-1", "consent", "s1-S", ExecutionStatus.PASS,
                Instant.parse("2026-03-02T09:20:00Z"), Instant.parse("2026-03-02T09:20:05Z")));
        step.earlier.add(new StepContext.EarlierSession("step-2", "verilive", "s2-S", ExecutionStatus.PASS,
                Instant.parse("2026-03-02T09:21:00Z"), Instant.parse("2026-03-02T09:22:41Z")));
        step.earlier.add(new StepContext.EarlierSession("step-3", "kisc", "s3-S", ExecutionStatus.FAIL,
                Instant.parse("2026-03-02T09:23:00Z"), Instant.parse("2026-03-02T09:23:01Z")));
        return step;
    }

    @Test
    void theCardInKazakhNamesThePersonInCyrillicWithKazakhLettersAndTheirIinPhoneAndChecks() throws Exception {
        StepDecision decision = new ClientCardService().open(verifiedPerson("kk"));

        assertThat(decision.kind()).isEqualTo(StepDecision.Kind.FINISH);
        assertThat(decision.outcome().status()).isEqualTo(ExecutionStatus.PASS);
        ServiceFile card = decision.outcome().files().get("client_card");
        assertThat(card.contentType()).isEqualTo("application/pdf");
        // kept for a look (target/client-card-kk.pdf): what a bank's operator opens
        java.nio.file.Files.write(java.nio.file.Path.of("target", "client-card-kk.pdf"), card.content());
        String text = Pdfs.text(card.content());
        assertThat(text).contains(KAZAKH_NAME, IIN, "+77011234567", "01KFLOW-F", "person-4711")
                .contains("Клиент карточкасы", "Аты-жөні", "ЖСН", "Тексерулер", "Қызмет", "Нәтиже")
                .contains("consent", "verilive", "kisc", "өтті", "өтпеді", "2026-03-02 09:22:41 UTC");
        // the flow result's person_name and iin stay the identifying service's: the card's result names neither
        assertThat(decision.outcome().result().has("iin")).isFalse();
        assertThat(decision.outcome().result().has("full_name")).isFalse();
    }

    @Test
    void theCardEmbedsItsFontAndShowsTheBestFrame() throws Exception {
        byte[] pdf = new ClientCardService().open(verifiedPerson("ru")).outcome().files().get("client_card").content();

        try (PDDocument doc = Loader.loadPDF(pdf)) {
            assertThat(doc.getNumberOfPages()).isEqualTo(1);
            var resources = doc.getPage(0).getResources();
            for (var name : resources.getFontNames()) {
                PDFont font = resources.getFont(name);
                assertThat(font.isEmbedded()).as("font %s embedded", font.getName()).isTrue();
            }
            long images = 0;
            for (var name : resources.getXObjectNames()) {
                if (resources.getXObject(name) instanceof PDImageXObject) {
                    images++;
                }
            }
            assertThat(images).as("the best frame").isEqualTo(1);
        }
        assertThat(Pdfs.text(pdf)).contains("Карточка клиента", "ФИО", "ИИН", KAZAKH_NAME, "пройдена", "не пройдена");
    }

    @Test
    void inEnglishAndWithoutAPhotoOrNameTheCardSaysSoInsteadOfFailing() throws Exception {
        TestStep step = new TestStep().input("{\"iin\": \"" + IIN + "\"}");

        String text = Pdfs.text(new ClientCardService().open(step).outcome().files().get("client_card").content());

        assertThat(text).contains("Client card", "Full name", "IIN", IIN, "No photo", "No checks");
    }
}
