package dev.idflow.servlet;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.documents.DocumentServices;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Multipart;
import dev.idflow.servlet.TestServer.Reply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The documents screen on the real server: a person on a phone, in headless Chromium, in kk, ru and en,
 * reaches a doc-preview step of the lending journey (consent → kisc → client-card → doc-preview of the
 * loan agreement and the client card), sees each document's title and every one of its pages as an image
 * the server rendered (no PDF script in the browser), confirms they read them, and the flow passes.
 * Screenshots: target/screenshots/documents/{locale}-{n}-{what}.png.
 */
class DocumentPagesBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a person reads, written here independently of i18n.js. */
    private static final Map<String, Map<String, String>> WORDS = Map.of(
            "en", Map.ofEntries(entry("heading", "Read the documents"), entry("pages3", "Pages: 3"),
                    entry("read", "I have read the documents"), entry("pass", "Verification passed")),
            "ru", Map.ofEntries(entry("heading", "Ознакомьтесь с документами"), entry("pages3", "Страниц: 3"),
                    entry("read", "Я ознакомлен(а) с документами"), entry("pass", "Проверка пройдена")),
            "kk", Map.ofEntries(entry("heading", "Құжаттармен танысыңыз"), entry("pages3", "Беттер саны: 3"),
                    entry("read", "Құжаттармен таныстым"), entry("pass", "Тексеру сәтті өтті")));
    private static final Map<String, String> TITLES = Map.of("kk", "Несие шарты.pdf", "ru", "Кредитный договор.pdf",
            "en", "Loan agreement.pdf");
    private static final Map<String, String> CARD = Map.of("kk", "Клиент карточкасы", "ru", "Карточка клиента",
            "en", "Client card");
    private static final String NAME = "Әлия Қайратқызы Нұрғалиева";

    private static TestServer server;
    private static HostedBrowser b;

    @BeforeAll
    static void start() throws Exception {
        HostedBrowser.requireChromium();
        server = new TestServer("/idflow", builder -> DocumentServices.all().forEach(builder::service));
        b = HostedBrowser.phone(412, 860);
        Files.createDirectories(HostedBrowser.SCREENSHOTS.resolve("documents"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (b != null) {
            b.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest(name = "in {0}: the loan agreement and the client card as pages, read and confirmed")
    @ValueSource(strings = {"kk", "ru", "en"})
    void aPersonReadsTheDocumentsAsPagesRenderedByTheServerAndConfirms(String locale) throws Exception {
        String person = "doc-pages-" + locale + "-" + System.nanoTime() % 100000;
        Created flow = PersonDevice.testKey(server).createFlow(flowBody(person, locale, upload(person)));
        scriptKisc(person);

        b.driver.get(flow.vlink());
        b.screen("start");
        b.click("start");
        b.screen("consent");
        b.click("consent-accept");

        WebElement screen = b.screen("documents");
        assertThat(b.heading()).isEqualTo(WORDS.get(locale).get("heading"));
        assertThat(screen.findElements(By.cssSelector(".doc-title"))).extracting(WebElement::getText)
                .containsExactly(TITLES.get(locale), CARD.get(locale));
        assertThat(screen.findElements(By.cssSelector(".doc-pages-count")).get(0).getText())
                .isEqualTo(WORDS.get(locale).get("pages3"));
        List<WebElement> pages = screen.findElements(By.cssSelector("img.page-img"));
        assertThat(pages).as("3 pages of the agreement and 1 of the card").hasSize(4);
        // each page is loaded (lazy images are scrolled into view first) and is a real picture, none a placeholder
        for (int i = 0; i < pages.size(); i++) {
            int at = i;
            b.js("arguments[0].scrollIntoView({block: 'center'})", pages.get(at));
            b.waiting(Duration.ofSeconds(20)).until(d -> (Boolean) b.js(
                    "const i = arguments[0]; return i.isConnected && i.complete && i.naturalWidth > 0", pages.get(at)));
            assertThat(((Number) b.js("return arguments[0].naturalWidth", pages.get(at))).intValue())
                    .as("page %d rendered at 150 dpi", at + 1).isBetween(1235, 1245);
        }
        assertThat(screen.findElements(By.cssSelector(".page-missing"))).isEmpty();
        assertThat(b.console()).doesNotContain("Content Security Policy");
        b.js("window.scrollTo(0, 0)");
        b.screenshot("documents/" + locale + "-1-agreement");
        b.js("arguments[0].scrollIntoView({block: 'start'})", pages.get(3));
        b.screenshot("documents/" + locale + "-2-client-card");

        assertThat(b.driver.findElement(By.id("documents-continue")).isEnabled()).as("only once read").isFalse();
        assertThat(b.driver.findElement(By.cssSelector("label[for='documents-read']")).getText())
                .isEqualTo(WORDS.get(locale).get("read"));
        b.js("document.getElementById('documents-read').scrollIntoView({block: 'center'})");
        b.driver.findElement(By.id("documents-read")).click();
        b.screenshot("documents/" + locale + "-3-read");
        b.click("documents-continue");

        b.screen("status", Duration.ofSeconds(15));
        assertThat(b.heading()).isEqualTo(WORDS.get(locale).get("pass"));
        b.screenshot("documents/" + locale + "-4-passed");
        var result = PersonDevice.testKey(server).result(flow.flowId());
        assertThat(result.get("flow_status").asText()).isEqualTo("pass");
        assertThat(result.get("end_cause").asText()).isEqualTo("completed");
        assertThat(result.get("person_name").asText()).isEqualTo(NAME);
    }

    private static String upload(String person) throws Exception {
        Reply reply = server.postMultipart("/resources/storage", Headers.test(TestServer.TEST_KEY), new Multipart()
                .field("label", "unspecified").field("person_id", person)
                .file("upload_file", "agreement.pdf", "application/pdf", DocumentJourneyTest.agreement(3)));
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        return JSON.readTree(reply.body()).get("session_id").asText();
    }

    private static void scriptKisc(String person) throws Exception {
        String pii = Base64.getEncoder().encodeToString("{\"iin\":\"900101400123\"}".getBytes(StandardCharsets.UTF_8));
        Reply reply = server.postJson("/mockery/result", Headers.test(TestServer.TEST_KEY), "{\"person_id\":\"" + person
                + "\",\"result\":{\"service_name\":\"kisc\",\"service_status\":\"success\",\"iin\":\"900101400123\","
                + "\"full_name\":\"" + NAME + "\"},\"files\":{\"kisc_pii\":\"" + pii + "\",\"kisc_face_image\":\"\"}}");
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    }

    private static String flowBody(String person, String locale, String fileId) {
        ObjectNode body = JSON.createObjectNode().put("person_id", person).put("locale", locale);
        ObjectNode input = body.putObject("input_data").put("phone_number", "+77011234567");
        input.putObject("files").putArray("doc_preview").addObject().put("file_id", fileId).put("filename", TITLES.get(locale));
        ObjectNode template = body.putObject("template").put("status_page", true);
        ArrayNode steps = template.putArray("pipeline");
        steps.addObject().put("service_name", "consent");
        steps.addObject().put("service_name", "kisc");
        steps.addObject().put("service_name", "client-card");
        steps.addObject().put("service_name", "doc-preview").putArray("files").add("input_files").add("client-card");
        return body.toString();
    }
}
