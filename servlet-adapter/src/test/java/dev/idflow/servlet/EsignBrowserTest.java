package dev.idflow.servlet;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.AesGcmSecretCipher;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.documents.esign.EsignService;
import dev.idflow.documents.esign.SignedPdf;
import dev.idflow.documents.esign.LocalCa;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Reply;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The sign screen on the real server: a person on a phone 360 px wide, in headless Chromium, opens a
 * sandbox flow [esign issue, esign sign] in kk, ru and en, reads the documents' titles and the signer's
 * name in their language, signs, and sees the flow passed; the bank then downloads {@code signed_doc}
 * as a PDF whose signature verifies. Screenshots: target/screenshots/esign/{locale}-{n}-{screen}.png.
 */
class EsignBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final LocalCa LIVE_CA = LocalCa.generate("Acme Bank signing CA", Instant.now().minusSeconds(3600), RANDOM);
    private static final LocalCa TEST_CA = LocalCa.generate("Acme TEST CA", Instant.now().minusSeconds(3600), RANDOM);

    /** What a person reads, written here independently of i18n.js. */
    private static final Map<String, Map<String, String>> WORDS = Map.of(
            "en", Map.ofEntries(entry("start", "Verify your identity"), entry("sign", "Sign the documents"),
                    entry("sign.text", "The documents below will be signed with your electronic signature."),
                    entry("sign.signer", "Signer: "), entry("sign.confirm", "Sign"), entry("sign.refuse", "Refuse to sign"),
                    entry("pass", "Verification passed")),
            "ru", Map.ofEntries(entry("start", "Подтвердите свою личность"), entry("sign", "Подпишите документы"),
                    entry("sign.text", "Документы ниже будут подписаны вашей электронной подписью."),
                    entry("sign.signer", "Подписант: "), entry("sign.confirm", "Подписать"),
                    entry("sign.refuse", "Отказаться от подписи"), entry("pass", "Проверка пройдена")),
            "kk", Map.ofEntries(entry("start", "Жеке басыңызды растаңыз"), entry("sign", "Құжаттарға қол қойыңыз"),
                    entry("sign.text", "Төмендегі құжаттарға сіздің электрондық қолтаңбаңыз қойылады."),
                    entry("sign.signer", "Қол қоюшы: "), entry("sign.confirm", "Қол қою"),
                    entry("sign.refuse", "Қол қоюдан бас тарту"), entry("pass", "Тексеру сәтті өтті")));

    /** Who signs in each language, and the titles of their two documents. */
    record Person(String name, String iin, List<String> titles) {
    }

    private static final Map<String, Person> PEOPLE = Map.of(
            "kk", new Person("Айгерім Нұрланқызы", "950202400456", List.of("Несие шарты", "Төлем кестесі")),
            "ru", new Person("Иванов Иван Иванович", "900101300123", List.of("Кредитный договор", "График платежей")),
            "en", new Person("Aigerim Nurlanovna", "010101600111", List.of("Loan agreement", "Payment schedule")));

    private static TestServer server;
    private static PersonDevice bank;
    private static HostedBrowser b;

    @BeforeAll
    static void start() throws Exception {
        HostedBrowser.requireChromium();
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        AtomicReference<IdflowStorage> storage = new AtomicReference<>();
        server = new TestServer("/idflow", s -> {
            storage.set(s);
            return s;
        }, builder -> builder.service(EsignService.withLocalCa(LIVE_CA, TEST_CA, storage.get().personCertificates(),
                new AesGcmSecretCipher(key, RANDOM))));
        bank = PersonDevice.testKey(server);
        b = HostedBrowser.phone(360, 740);
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

    @ParameterizedTest(name = "in {0}: the sign screen, then signed")
    @ValueSource(strings = {"kk", "ru", "en"})
    void aPersonReadsWhatTheySignInTheirLanguageAndSigns(String locale) throws Exception {
        server.clock.set(Instant.now());
        Person person = PEOPLE.get(locale);
        String personId = "esign-browser-" + locale + "-" + System.nanoTime() % 100_000;
        String first = ApiAssertions.upload(server, TestServer.TEST_KEY, personId, "esign_original_doc", "application/pdf",
                "a.pdf", EsignServiceTest.pdf("Agreement"));
        String second = ApiAssertions.upload(server, TestServer.TEST_KEY, personId, "esign_original_doc", "application/pdf",
                "b.pdf", EsignServiceTest.pdf("Schedule"));
        Created flow = bank.createFlow(body(locale, personId, person, first, second));

        b.driver.get(flow.vlink());
        b.screen("start");
        assertThat(b.heading()).isEqualTo(WORDS.get(locale).get("start"));
        shot(locale, 1, "start");
        b.click("start");

        WebElement sign = b.screen("sign");
        assertThat(b.heading()).isEqualTo(WORDS.get(locale).get("sign"));
        assertThat(sign.getText()).contains(WORDS.get(locale).get("sign.text"));
        assertThat(b.driver.findElements(By.cssSelector("#main .doc-list li"))).extracting(WebElement::getText)
                .containsExactlyElementsOf(person.titles());
        assertThat(b.driver.findElement(By.id("signer")).getText())
                .isEqualTo(WORDS.get(locale).get("sign.signer") + person.name());
        assertThat(b.driver.findElement(By.id("sign-confirm")).getText()).isEqualTo(WORDS.get(locale).get("sign.confirm"));
        assertThat(b.driver.findElement(By.id("sign-refuse")).getText()).isEqualTo(WORDS.get(locale).get("sign.refuse"));
        assertThat((Boolean) b.js("return document.documentElement.scrollWidth <= innerWidth"))
                .as("no sideways scrolling on a phone").isTrue();
        assertThat((Boolean) b.js("return document.getElementById('sign-confirm').getBoundingClientRect().bottom <= innerHeight"))
                .as("Sign is in sight without scrolling").isTrue();
        shot(locale, 2, "sign");
        b.click("sign-confirm");

        b.screen("status", Duration.ofSeconds(20));
        assertThat(b.heading()).isEqualTo(WORDS.get(locale).get("pass"));
        shot(locale, 3, "status");
        assertThat(b.console()).doesNotContain("SEVERE");

        assertThat(bank.result(flow.flowId()).get("flow_status").asText()).isEqualTo("pass");
        Reply signed = bank.file("label=signed_doc&flow_id=" + flow.flowId(), "application/pdf");
        assertThat(signed.header("Content-Type").orElse("")).startsWith("application/pdf");
        SignedPdf s = SignedPdf.read(signed.bytes());
        s.assertCoversWholeFile(signed.bytes());
        s.assertChainsTo(TEST_CA.certificate(), Date.from(server.clock.instant()));
        assertThat(s.commonName()).isEqualTo(person.name());
    }

    private static String body(String locale, String personId, Person person, String first, String second) {
        ObjectNode body = JSON.createObjectNode().put("person_id", personId).put("locale", locale);
        ObjectNode data = body.putObject("input_data").put("full_name", person.name()).put("iin", person.iin());
        var files = data.putObject("files").putArray("esign");
        files.addObject().put("file_id", first).put("filename", person.titles().get(0));
        files.addObject().put("file_id", second).put("filename", person.titles().get(1));
        ObjectNode template = body.putObject("template").put("status_page", true);
        var steps = template.putArray("pipeline");
        steps.addObject().put("service_name", "esign").put("action", "issue").put("skip_exists", true);
        steps.addObject().put("service_name", "esign").put("action", "sign").put("forgot_password_option", true)
                .putArray("files").add("input_files");
        return body.toString();
    }

    private static void shot(String locale, int n, String screen) {
        b.screenshot("esign/" + locale + "-0" + n + "-" + screen);
    }
}
