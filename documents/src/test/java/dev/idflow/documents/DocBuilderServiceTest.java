package dev.idflow.documents;

import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepDecision;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DocBuilderServiceTest {
    private static final String TEMPLATE = """
            <html xmlns="http://www.w3.org/1999/xhtml"><head><title>Loan</title>
            <style>h1 { font-family: Arial; font-size: 18pt }</style></head>
            <body><h1>Кредиттік шарт № {{contract.number}}</h1>
            <p>Заемщик: {{full_name}}, ИИН {{iin}}</p>
            <p>Сумма: {{contract.amount}} KZT, срок {{contract.months}} мес.</p>
            <p>Note: {{note}}</p><p>Flow {{flow_id}} on {{date}}</p></body></html>
            """;

    private static TestStep loanStep() throws Exception {
        return new TestStep().input("{\"full_name\": \"Нұрлан Әбдіғалиұлы Сейітқали\", \"iin\": \"900101300123\"}")
                .option("template", quote(TEMPLATE))
                .option("data", "{\"contract\": {\"number\": \"KZ-2026-0042\", \"amount\": 1500000, \"months\": 24},"
                        + " \"note\": \"<b>not bold</b> & \\\"quoted\\\"\"}");
    }

    private static String quote(String s) throws Exception {
        return dev.idflow.core.internal.Json.mapper().writeValueAsString(s);
    }

    @Test
    void theTemplateIsFilledFromTheDataAndInputDataAndRendersCyrillicText() throws Exception {
        StepDecision decision = new DocBuilderService().open(loanStep());

        ServiceOutcome outcome = decision.outcome();
        assertThat(outcome.status()).isEqualTo(ExecutionStatus.PASS);
        assertThat(outcome.files()).containsOnlyKeys("doc_builder_pdf");
        assertThat(outcome.files().get("doc_builder_pdf").contentType()).isEqualTo("application/pdf");
        String text = Pdfs.text(outcome.files().get("doc_builder_pdf").content());
        assertThat(text).contains("Кредиттік шарт № KZ-2026-0042", "Нұрлан Әбдіғалиұлы Сейітқали", "ИИН 900101300123",
                "1500000 KZT", "24 мес.", "Flow 01KFLOW-F on 2026-03-02");
        // a value is text, never markup
        assertThat(text).contains("<b>not bold</b> & \"quoted\"");
        assertThat(outcome.result().path("placeholders").toString()).contains("contract.number", "full_name");
    }

    @Test
    void anUnknownPlaceholderFailsTheSessionNamingItInsteadOfLeavingABlank() throws Exception {
        TestStep step = loanStep().option("template",
                quote("<html><body><p>{{full_name}} owes {{contract.penalty}}</p></body></html>"));

        ServiceOutcome outcome = new DocBuilderService().open(step).outcome();

        assertThat(outcome.status()).isEqualTo(ExecutionStatus.FAIL);
        assertThat(outcome.isFinal()).isTrue();
        assertThat(outcome.files()).isEmpty();
        assertThat(outcome.result().path("error").asText()).isEqualTo("unknown_placeholder");
        assertThat(outcome.result().path("placeholder").asText()).isEqualTo("contract.penalty");
        assertThat(outcome.result().path("reason").asText()).contains("{{contract.penalty}}");
    }

    @Test
    void somethingThatLooksLikeAPlaceholderButIsNoneIsAFailureToo() throws Exception {
        TestStep step = loanStep().option("template", quote("<html><body><p>{{ full name }}</p></body></html>"));

        ServiceOutcome outcome = new DocBuilderService().open(step).outcome();

        assertThat(outcome.status()).isEqualTo(ExecutionStatus.FAIL);
        assertThat(outcome.result().path("error").asText()).isEqualTo("malformed_placeholder");
        assertThat(outcome.result().path("reason").asText()).contains("{{ full name }}");
    }

    @Test
    void aTemplateAndDataUploadedForThePersonAreUsedWhenTheStepHasNone() throws Exception {
        TestStep step = new TestStep();
        step.inputFile("doc_builder_template", "text/plain", "t.html",
                "<html><body><p>Құрметті {{name}}, төлем {{sum}} ₸</p></body></html>".getBytes(StandardCharsets.UTF_8));
        step.inputFile("doc_builder_data", "application/json", "d.json",
                "{\"name\": \"Гүлнар\", \"sum\": \"12 500\"}".getBytes(StandardCharsets.UTF_8));

        ServiceOutcome outcome = new DocBuilderService().open(step).outcome();

        assertThat(outcome.status()).isEqualTo(ExecutionStatus.PASS);
        assertThat(Pdfs.text(outcome.files().get("doc_builder_pdf").content())).contains("Құрметті Гүлнар", "төлем 12 500");
    }

    @Test
    void aListOfDataMakesOneDocumentEachTheFirstAsDocBuilderPdfAndAllInDocBuilderPdfs() throws Exception {
        TestStep step = new TestStep().option("template", quote("<html><body><p>Договор {{n}}</p></body></html>"))
                .option("data", "[{\"n\": \"первый\"}, {\"n\": \"второй\"}, {\"n\": \"третий\"}]");

        ServiceOutcome outcome = new DocBuilderService().open(step).outcome();

        assertThat(outcome.files()).containsOnlyKeys("doc_builder_pdf", "doc_builder_pdfs");
        assertThat(Pdfs.text(outcome.files().get("doc_builder_pdf").content())).contains("Договор первый")
                .doesNotContain("второй");
        byte[] all = outcome.files().get("doc_builder_pdfs").content();
        assertThat(Pdfs.pageCount(all)).isEqualTo(3);
        assertThat(Pdfs.text(all)).contains("Договор первый", "Договор второй", "Договор третий");
        assertThat(outcome.result().path("documents").asInt()).isEqualTo(3);
    }

    @Test
    void noTemplateAtAllFailsNamingDocBuilderTemplate() throws Exception {
        ServiceOutcome outcome = new DocBuilderService().open(new TestStep()).outcome();

        assertThat(outcome.status()).isEqualTo(ExecutionStatus.FAIL);
        assertThat(outcome.result().path("reason").asText()).startsWith("doc_builder_template:");
    }

    @Test
    void aTemplateThatIsNoWellFormedXhtmlFailsWithWhere() throws Exception {
        TestStep step = new TestStep().option("template", quote("<html><body><p>unclosed &nbsp;</body></html>"));

        ServiceOutcome outcome = new DocBuilderService().open(step).outcome();

        assertThat(outcome.result().path("error").asText()).isEqualTo("invalid_template");
        assertThat(outcome.result().path("reason").asText()).contains("line 1");
    }

    @Test
    void aTemplateCannotMakeTheServerReadAFileOrAnEntity() throws Exception {
        TestStep step = new TestStep().option("template", quote("<!DOCTYPE html [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>"
                + "<html><body><p>[&x;]</p><img src=\"file:///etc/hostname\"/></body></html>"));

        ServiceOutcome outcome = new DocBuilderService().open(step).outcome();

        // the external entity is not read (it stays empty) and the image is refused: the document renders without either
        assertThat(outcome.status()).isEqualTo(ExecutionStatus.PASS);
        String text = Pdfs.text(outcome.files().get("doc_builder_pdf").content());
        assertThat(text).contains("[]");
        String hostname = new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/etc/hostname")),
                StandardCharsets.UTF_8).trim();
        if (!hostname.isEmpty()) {
            assertThat(text).doesNotContain(hostname);
        }
    }

    @Test
    void optionsAreCheckedWhenTheFlowIsCreated() throws Exception {
        DocBuilderService service = new DocBuilderService();
        var mapper = dev.idflow.core.internal.Json.mapper();

        assertThat(service.checkOptions(Map.of("template", mapper.readTree("42")))).singleElement()
                .asString().startsWith("template:");
        assertThat(service.checkOptions(Map.of("data", mapper.readTree("[1]")))).singleElement()
                .asString().startsWith("data[0]:");
        assertThat(service.checkOptions(Map.of("template", mapper.readTree("\"<p/>\""),
                "data", mapper.readTree("{\"a\": 1}")))).isEmpty();
    }
}
