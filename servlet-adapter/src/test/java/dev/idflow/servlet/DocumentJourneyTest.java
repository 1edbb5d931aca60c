package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.json;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.documents.DocumentServices;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Multipart;
import dev.idflow.servlet.TestServer.Reply;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The lending client's journey, up to its documents, through a real Jetty: its upload
 * ({@code label=unspecified}), its KISC script ({@code kisc_face_image: ""}), a flow
 * {@code consent → kisc → client-card → doc-preview (files: input_files, client-card)} in the sandbox,
 * the person walking it through the client API (pages fetched as PNGs, the documents acknowledged), and
 * the bank's downloads typed by their content. Every answer of an operation beyond the contract is
 * checked against the document the server serves.
 */
class DocumentJourneyTest {
    private static final String NAME = "Сейітқали Нұрлан Әбдіғалиұлы";
    private static final String IIN = "900101300123";
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc", builder -> DocumentServices.all().forEach(builder::service));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static Headers acme() {
        return Headers.test(TestServer.TEST_KEY);
    }

    private static void conforms(String method, String path, Reply reply) throws Exception {
        assertThat(server.validateAgainstServedDocument(method, path, reply).getMessages())
                .as("%s %s → %s", method, path, reply.status()).isEmpty();
    }

    /** An error of the client API naming {@code field}, with no internals, never cached. */
    private static JsonNode refused(Reply reply, int status, String errorCode, String field) {
        JsonNode body = PersonDevice.clientError(reply, status, errorCode);
        assertThat(body.get("error_msg").asText()).as("error_msg names the field").startsWith(field + ":");
        return body;
    }

    /** A PDF of {@code pages} A4 pages, each saying which it is. */
    static byte[] agreement(int pages) throws Exception {
        try (PDDocument doc = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            for (int i = 1; i <= pages; i++) {
                PDPage page = new PDPage(PDRectangle.A4);
                doc.addPage(page);
                try (PDPageContentStream c = new PDPageContentStream(doc, page)) {
                    c.beginText();
                    c.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 20);
                    c.newLineAtOffset(72, 720);
                    c.showText("Loan agreement, page " + i + " of " + pages);
                    c.endText();
                }
            }
            doc.save(out);
            return out.toByteArray();
        }
    }

    /** What the client sends to script KISC: the person's data, their PII as a file, and an empty face image. */
    private static Reply scriptKisc(String person) throws Exception {
        String pii = Base64.getEncoder().encodeToString(("{\"iin\":\"" + IIN + "\",\"full_name\":\"" + NAME + "\"}")
                .getBytes(StandardCharsets.UTF_8));
        return server.postJson("/mockery/result", acme(), "{\"person_id\":\"" + person + "\",\"result\":{"
                + "\"service_name\":\"kisc\",\"service_status\":\"success\",\"iin\":\"" + IIN + "\",\"full_name\":\"" + NAME
                + "\"},\"files\":{\"kisc_pii\":\"" + pii + "\",\"kisc_face_image\":\"\"}}");
    }

    private static String uploadAgreement(String person, byte[] pdf) throws Exception {
        Reply reply = server.postMultipart("/resources/storage", acme(), new Multipart().field("label", "unspecified")
                .field("person_id", person).file("upload_file", "loan-agreement.pdf", "application/pdf", pdf));
        conforms("POST", "/resources/storage", reply);
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        return json(reply).get("session_id").asText();
    }

    private static PersonDevice.Created loanFlow(PersonDevice device, String person, String fileId) throws Exception {
        return device.createFlow(person, "[{\"service_name\":\"consent\"},{\"service_name\":\"kisc\"},"
                        + "{\"service_name\":\"client-card\"},"
                        + "{\"service_name\":\"doc-preview\",\"files\":[\"input_files\",\"client-card\"]}]",
                "\"locale\":\"kk\",\"input_data\":{\"phone_number\":\"+77011234567\",\"files\":{\"doc_preview\":"
                        + "[{\"file_id\":\"" + fileId + "\",\"filename\":\"Несие шарты.pdf\"}]}}");
    }

    private static Reply page(String vlinkId, String stepId, String n, String p) throws Exception {
        return server.get("/hf/" + vlinkId + "/api/steps/" + stepId + "/documents/" + n + "/pages/" + p, new Headers());
    }

    @Test
    void theClientsKiscScriptWithAnEmptyFaceImageIsAccepted() throws Exception {
        Reply reply = scriptKisc(newPerson());

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        conforms("POST", "/mockery/result", reply);
    }

    @Test
    void theLendingJourneyShowsTheDocumentsAsPagesAndPassesOnceTheyAreAcknowledged() throws Exception {
        String person = newPerson();
        byte[] pdf = agreement(3);
        String fileId = uploadAgreement(person, pdf);
        assertThat(scriptKisc(person).status()).isEqualTo(200);
        PersonDevice device = PersonDevice.testKey(server);
        PersonDevice.Created flow = loanFlow(device, person, fileId);
        String hf = "/hf/" + flow.vlinkId() + "/api";

        device.start(flow.vlinkId());
        JsonNode state = device.consent(flow.vlinkId());

        // kisc (scripted) and client-card finish at once: the person is at doc-preview
        JsonNode step = state.get("current_step");
        assertThat(step.get("service_name").asText()).isEqualTo("doc-preview");
        String stepId = step.get("step_id").asText();
        assertThat(step.get("screen")).isEqualTo(ApiAssertions.JSON.readTree("{\"kind\":\"documents\",\"documents\":["
                + "{\"title\":\"Несие шарты.pdf\",\"pages\":3},{\"title\":{\"kk\":\"Клиент карточкасы\","
                + "\"ru\":\"Карточка клиента\",\"en\":\"Client card\"},\"pages\":1}]}"));
        int[] pages = {3, 1};
        for (int n = 1; n <= 2; n++) {
            for (int p = 1; p <= pages[n - 1]; p++) {
                Reply reply = page(flow.vlinkId(), stepId, Integer.toString(n), Integer.toString(p));
                assertThat(reply.status()).as("document %d page %d: %s", n, p, reply.body()).isEqualTo(200);
                assertThat(reply.header("Content-Type")).hasValue("image/png");
                conforms("GET", hf + "/steps/" + stepId + "/documents/" + n + "/pages/" + p, reply);
                BufferedImage image = ImageIO.read(new ByteArrayInputStream(reply.bytes()));
                assertThat(image.getWidth()).isBetween(1235, 1245);
                assertThat(image.getHeight()).isBetween(1749, 1759);
            }
        }
        Reply document = server.get(hf + "/steps/" + stepId + "/documents/1", new Headers());
        assertThat(document.status()).isEqualTo(200);
        assertThat(document.header("Content-Type")).hasValue("application/pdf");
        assertThat(document.bytes()).isEqualTo(pdf);
        conforms("GET", hf + "/steps/" + stepId + "/documents/1", document);

        // not acknowledged: a wrong answer naming the field; the step stays open
        Reply refused = device.submitReply(flow.vlinkId(), stepId, "{\"acknowledged\":false}");
        refused(refused, 422, "INVALID_PAYLOAD", "acknowledged");
        JsonNode done = device.submit(flow.vlinkId(), stepId, "{\"acknowledged\":true}");

        assertThat(done.get("flow_status").asText()).isEqualTo("pass");
        assertThat(done.get("end_cause").asText()).isEqualTo("completed");
        JsonNode result = device.result(flow.flowId());
        assertThat(result.get("flow_status").asText()).isEqualTo("pass");
        assertThat(result.get("person_name").asText()).isEqualTo(NAME);
        assertThat(result.get("iin").asText()).isEqualTo(IIN);
        assertThat(result.get("services_count").asInt()).isEqualTo(4);

        // the bank's downloads, each typed by its content
        Reply card = device.file("label=client_card&flow_id=" + flow.flowId(), "*/*");
        assertThat(card.status()).as(card.body()).isEqualTo(200);
        assertThat(card.header("Content-Type")).hasValue("application/pdf");
        assertThat(card.report().getMessages()).isEmpty();
        try (PDDocument doc = Loader.loadPDF(card.bytes())) {
            assertThat(new PDFTextStripper().getText(doc)).contains("Клиент карточкасы", NAME, IIN, "+77011234567",
                    "kisc", flow.flowId());
        }
        Reply pii = device.file("label=kisc_pii&flow_id=" + flow.flowId(), "*/*");
        assertThat(pii.header("Content-Type")).hasValue("application/json");
        assertThat(json(pii).get("iin").asText()).isEqualTo(IIN);
        // the empty face image was no file
        assertThat(device.file("label=kisc_face_image&flow_id=" + flow.flowId(), "*/*").status()).isIn(404, 422);
    }

    @Test
    void aLiveFlowShowsItsInputFilesAsPagesToo() throws Exception {
        String person = newPerson();
        byte[] pdf = agreement(2);
        Reply stored = server.postMultipart("/resources/storage", server.live("/resources/storage"), new Multipart()
                .field("person_id", person).file("upload_file", "agreement.pdf", "application/pdf", pdf));
        assertThat(stored.status()).as(stored.body()).isEqualTo(201);
        String fileId = json(stored).get("session_id").asText();
        PersonDevice bank = PersonDevice.liveKey(server);
        PersonDevice.Created flow = bank.createFlow(person, "[{\"service_name\":\"consent\"},"
                        + "{\"service_name\":\"doc-preview\",\"files\":[\"input_files\"]}]",
                "\"input_data\":{\"files\":{\"doc_preview\":[{\"file_id\":\"" + fileId + "\",\"filename\":\"Договор.pdf\"}]}}");

        bank.start(flow.vlinkId());
        JsonNode step = bank.consent(flow.vlinkId()).get("current_step");

        assertThat(step.at("/screen/documents/0/pages").asInt()).isEqualTo(2);
        Reply second = page(flow.vlinkId(), "step-2", "1", "2");
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.header("Content-Type")).hasValue("image/png");
        assertThat(bank.submit(flow.vlinkId(), "step-2", "{\"acknowledged\":true}").get("flow_status").asText())
                .isEqualTo("pass");
        // a test key never sees the live flow's documents, nor its files
        assertThat(PersonDevice.testKey(server).file("label=unspecified&person_id=" + person, "*/*").status())
                .isIn(404, 422);
    }

    @Test
    void pagesOutOfRangeAndStepsNotShowingDocumentsAreRefusedNamingWhat() throws Exception {
        String person = newPerson();
        String fileId = uploadAgreement(person, agreement(2));
        PersonDevice device = PersonDevice.testKey(server);
        PersonDevice.Created flow = loanFlow(device, person, fileId);
        String v = flow.vlinkId();

        device.start(v);
        // at the consent step: no documents there, nor at a step the flow has not reached
        refused(page(v, "step-1", "1", "1"), 404, "NOT_FOUND", "step_id");
        refused(page(v, "step-4", "1", "1"), 404, "NOT_FOUND", "step_id");
        device.consent(v);

        assertThat(page(v, "step-4", "1", "2").status()).isEqualTo(200);
        for (String[] c : new String[][] {{"1", "3", "p"}, {"3", "1", "n"}}) {
            Reply reply = page(v, "step-4", c[0], c[1]);
            refused(reply, 404, "NOT_FOUND", c[2]);
            conforms("GET", "/hf/" + v + "/api/steps/step-4/documents/" + c[0] + "/pages/" + c[1], reply);
        }
        for (String[] c : new String[][] {{"0", "1", "n"}, {"x", "1", "n"}, {"1", "-1", "p"}, {"1", "1.5", "p"}}) {
            refused(page(v, "step-4", c[0], c[1]), 422, "INVALID_PAYLOAD", c[2]);
        }
        refused(page("not-a-link-000000000000000000", "step-4", "1", "1"), 404, "LINK_NOT_FOUND", "vlink");

        device.submit(v, "step-4", "{\"acknowledged\":true}");
        // once the step is over its documents are no longer shown
        refused(page(v, "step-4", "1", "1"), 404, "NOT_FOUND", "step_id");
    }

    @Test
    void aDocumentMissingWhenThePersonReachesTheStepFailsTheFlowWithTheReason() throws Exception {
        String person = newPerson();
        PersonDevice device = PersonDevice.testKey(server);
        // names an input file that was never uploaded
        PersonDevice.Created flow = loanFlow(device, person, "01KNOSUCHUPLOAD00000000000-S");

        device.start(flow.vlinkId());
        JsonNode state = device.consent(flow.vlinkId());

        assertThat(state.get("flow_status").asText()).isEqualTo("fail");
        JsonNode last = ApiAssertions.JSON.valueToTree(StepsOnTheWire.last(server, flow.flowId()).result());
        assertThat(last.get("service_name").asText()).isEqualTo("doc-preview");
        assertThat(last.get("reason").asText()).contains("01KNOSUCHUPLOAD00000000000-S");
    }

    @Test
    void docBuilderFillsAnUploadedTemplateAndTheResultDownloadsAsApplicationPdf() throws Exception {
        String person = newPerson();
        byte[] template = ("<html xmlns=\"http://www.w3.org/1999/xhtml\"><body><h1>Шарт {{contract}}</h1>"
                + "<p>{{full_name}}, ЖСН {{iin}}</p></body></html>").getBytes(StandardCharsets.UTF_8);
        Reply stored = server.postMultipart("/resources/storage", acme(), new Multipart().field("label", "doc_builder_template")
                .field("person_id", person).file("upload_file", "contract.xhtml", "text/html", template));
        assertThat(stored.status()).as(stored.body()).isEqualTo(201);
        // the one markup upload idflow keeps: as plain text, an attachment, never a page
        Reply kept = device().file("label=doc_builder_template&person_id=" + person, "*/*");
        assertThat(kept.header("Content-Type")).hasValue("text/plain");
        assertThat(kept.header("Content-Security-Policy")).hasValue("sandbox");
        // markup under any other label is still refused
        Reply html = server.postMultipart("/resources/storage", acme(), new Multipart().field("label", "unspecified")
                .field("person_id", person).file("upload_file", "contract.xhtml", "text/html", template));
        assertThat(html.status()).isEqualTo(422);
        PersonDevice device = device();
        PersonDevice.Created flow = device.createFlow(person, "[{\"service_name\":\"consent\"},{\"service_name\":"
                + "\"doc-builder\",\"data\":{\"contract\":\"KZ-77\"}}]",
                "\"input_data\":{\"full_name\":\"" + NAME + "\",\"iin\":\"" + IIN + "\"}");

        device.start(flow.vlinkId());
        JsonNode state = device.consent(flow.vlinkId());

        assertThat(state.get("flow_status").asText()).isEqualTo("pass");
        Reply pdf = device.file("label=doc_builder_pdf&flow_id=" + flow.flowId(), "*/*");
        assertThat(pdf.header("Content-Type")).hasValue("application/pdf");
        try (PDDocument doc = Loader.loadPDF(pdf.bytes())) {
            assertThat(new PDFTextStripper().getText(doc)).contains("Шарт KZ-77", NAME + ", ЖСН " + IIN);
        }
    }

    @Test
    void docBuilderWithAnUnknownPlaceholderFailsTheFlowNamingIt() throws Exception {
        String person = newPerson();
        PersonDevice device = device();
        PersonDevice.Created flow = device.createFlow(person, "[{\"service_name\":\"doc-builder\","
                + "\"template\":\"<html><body><p>{{full_name}}: {{loan.penalty}}</p></body></html>\"}]",
                "\"input_data\":{\"full_name\":\"" + NAME + "\"}");

        JsonNode state = device.start(flow.vlinkId());

        assertThat(state.get("flow_status").asText()).isEqualTo("fail");
        JsonNode last = ApiAssertions.JSON.valueToTree(StepsOnTheWire.last(server, flow.flowId()).result());
        assertThat(last.get("placeholder").asText()).isEqualTo("loan.penalty");
        assertThat(device.file("label=doc_builder_pdf&flow_id=" + flow.flowId(), "*/*").status()).isEqualTo(404);
    }

    private static PersonDevice device() {
        return PersonDevice.testKey(server);
    }
}
