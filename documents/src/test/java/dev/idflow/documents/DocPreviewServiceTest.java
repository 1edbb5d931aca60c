package dev.idflow.documents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.spi.DocumentPages;
import dev.idflow.core.spi.InputRejected;
import dev.idflow.core.spi.PersonInput;
import dev.idflow.core.spi.StepDecision;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DocPreviewServiceTest {
    private final DocPreviewService service = new DocPreviewService();

    /** The lending client's step: its loan agreement (an input file) and the client card made before. */
    private TestStep loanJourney() throws Exception {
        TestStep step = new TestStep();
        String agreement = step.inputFile("unspecified", "application/pdf", "agreement.pdf", Pdfs.pages(3));
        step.input("{\"files\": {\"doc_preview\": [{\"file_id\": \"" + agreement + "\", \"filename\": \"Кредиттік шарт.pdf\"}]}}");
        step.flowFile("client_card", "application/pdf", Pdfs.pages(1));
        step.option("files", "[\"input_files\", \"client-card\"]");
        return step;
    }

    @Test
    void theScreenListsEachDocumentWithItsTitleAndPageCount() throws Exception {
        TestStep step = loanJourney();

        StepDecision decision = service.open(step);

        assertThat(decision.kind()).isEqualTo(StepDecision.Kind.AWAIT_PERSON);
        assertThat(decision.screen().kind()).isEqualTo("documents");
        assertThat(decision.screen().toJson().get("documents")).isEqualTo(Json.mapper().readTree(
                "[{\"title\": \"Кредиттік шарт.pdf\", \"pages\": 3}, {\"title\": {\"kk\": \"Клиент карточкасы\","
                        + " \"ru\": \"Карточка клиента\", \"en\": \"Client card\"}, \"pages\": 1}]"));
    }

    @Test
    void eachPageRendersAsAPngOfAnA4PageAndOnlyThoseThatExist() throws Exception {
        TestStep step = loanJourney();
        step.after(service.open(step));

        List<DocumentPages.ShownDocument> shown = service.shownDocuments(step);

        assertThat(shown).extracting(DocumentPages.ShownDocument::pages).containsExactly(3, 1);
        for (int p = 1; p <= 3; p++) {
            BufferedImage page = Pdfs.png(service.renderPage(step, shown.get(0), p));
            // A4 at 150 dpi
            assertThat(page.getWidth()).isBetween(1235, 1245);
            assertThat(page.getHeight()).isBetween(1749, 1759);
        }
        assertThatThrownBy(() -> service.renderPage(step, shown.get(0), 4)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theAcknowledgementPassesTheStepNamingTheDocumentsRead() throws Exception {
        TestStep step = loanJourney();
        step.after(service.open(step));

        StepDecision decision = service.act(step, new PersonInput.Submit(Json.mapper().readTree("{\"acknowledged\": true}")));

        assertThat(decision.outcome().status()).isEqualTo(ExecutionStatus.PASS);
        JsonNode read = decision.outcome().result().get("documents");
        assertThat(read).hasSize(2);
        assertThat(read.get(0).get("title").asText()).isEqualTo("Кредиттік шарт.pdf");
        assertThat(read.get(1).get("label").asText()).isEqualTo("client_card");
    }

    @Test
    void notAcknowledgingIsAWrongAnswerNamingAcknowledged() throws Exception {
        TestStep step = loanJourney();
        step.after(service.open(step));

        for (String body : List.of("{}", "{\"acknowledged\": false}", "{\"acknowledged\": \"yes\"}")) {
            assertThatThrownBy(() -> service.act(step, new PersonInput.Submit(Json.mapper().readTree(body))))
                    .isInstanceOfSatisfying(InputRejected.class, r -> assertThat(r.field()).isEqualTo("acknowledged"));
        }
    }

    @Test
    void aDocumentMissingAtOpenFailsTheSessionWithTheReasonAndNoRetry() throws Exception {
        TestStep step = new TestStep().option("files", "[\"client-card\"]");

        StepDecision decision = service.open(step);

        assertThat(decision.outcome().status()).isEqualTo(ExecutionStatus.FAIL);
        assertThat(decision.outcome().isFinal()).isTrue();
        assertThat(decision.outcome().result().path("reason").asText()).contains("client_card");
    }

    @Test
    void aDocumentThatCannotBeShownFailsTheSessionNamingIt() throws Exception {
        TestStep step = new TestStep().option("files", "[\"kisc-pii\"]");
        step.flowFile("kisc_pii", "application/json", "{}".getBytes());

        StepDecision decision = service.open(step);

        assertThat(decision.outcome().status()).isEqualTo(ExecutionStatus.FAIL);
        assertThat(decision.outcome().result().path("error").asText()).isEqualTo("unreadable_document");
    }

    @Test
    void anImageDocumentIsOnePage() throws Exception {
        TestStep step = new TestStep().option("files", "[\"doc-original-img\"]");
        step.flowFile("doc_original_img", "image/jpeg", Pdfs.jpeg(800, 500));
        step.after(service.open(step));

        DocumentPages.ShownDocument doc = service.shownDocuments(step).get(0);

        assertThat(doc.pages()).isEqualTo(1);
        assertThat(Pdfs.png(service.renderPage(step, doc, 1)).getWidth()).isEqualTo(800);
    }

    @Test
    void theFilesOptionIsChecked() throws Exception {
        assertThat(service.checkOptions(Map.of())).singleElement().asString().startsWith("files:");
        assertThat(service.checkOptions(Map.of("files", Json.mapper().readTree("[\"input_files\"]")))).isEmpty();
    }
}
