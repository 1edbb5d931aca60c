package dev.idflow.servlet;

import static dev.idflow.servlet.CannedClientApi.JSON;
import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.servlet.CannedClientApi.Flow;
import dev.idflow.servlet.CannedClientApi.Reply;
import dev.idflow.servlet.CannedClientApi.Seen;
import dev.idflow.servlet.CannedClientApi.Sent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * The hosted page renders screen kinds (SCREENS.md), not services: each kind in kk, ru and en on a
 * phone 360 px wide, the answer it posts byte for byte, and a 422 shown at the field it names. The
 * page is the real one (its resources served by {@link HostedPage}); the client API behind it is
 * canned ({@link CannedClientApi}), so the page is tested against the contract, not against today's
 * engine. Screenshots of each kind in each locale: target/screenshots/kinds/.
 */
class ScreenKindsBrowserTest {
    private static final String STEP = "step-2";
    private static final Pattern KEY_LIKE = Pattern.compile("\\b(?:app|common|start|step|consent|language|live|action"
            + "|reason|err|progress|status|form|otp|upload|unit|documents|sign|wait|info|rule)\\.[a-z][a-z_.-]*");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{[a-z_]+}");

    /** What a person reads, written here independently of i18n.js. */
    private static final Map<String, Map<String, String>> WORDS = Map.of(
            "en", Map.ofEntries(
                    entry("consent", "Consent to personal data processing"), entry("language", "Choose a language"),
                    entry("live", "Face check"), entry("live.begin", "Turn on the camera"), entry("form", "Your details"),
                    entry("otp", "Enter the code"), entry("upload", "Upload documents"), entry("documents", "Read the documents"),
                    entry("sign", "Sign the documents"), entry("wait", "Please wait"), entry("progress", "Verification in progress"),
                    entry("pass", "Verification passed"),
                    entry("rule.type", "This value does not fit this field."), entry("rule.option", "Choose one of the options."),
                    entry("rule.iin", "An IIN is 12 digits."), entry("rule.required", "Fill in this field."),
                    entry("rule.wrong_code", "The code is wrong. Check it and try again."),
                    entry("rule.file_type", "This type of file is not accepted."), entry("rule.no_file", "Choose a file."),
                    entry("rule.tick", "Tick this box to continue."),
                    entry("otp.sent", "We have sent a code by SMS to +7 *** *** 45 67."),
                    entry("otp.tries", "Attempts left: {n}"), entry("otp.resend", "Send a new code"),
                    entry("otp.resend_in", "New code in {n} s"), entry("otp.resent", "A new code has been sent."),
                    entry("otp.wait", "You can ask for a new code in 30 s."),
                    entry("upload.hint", "Formats: JPEG, PNG · up to 5 MB"), entry("upload.choose", "Choose a file"),
                    entry("documents.pages", "Pages: 2"), entry("documents.alt", "{title}, page 1 of 2"),
                    entry("documents.missing", "Page 1 could not be shown."), entry("documents.read", "I have read the documents"),
                    entry("sign.signer", "Signer: {name}"), entry("continue", "Continue")),
            "ru", Map.ofEntries(
                    entry("consent", "Согласие на обработку персональных данных"), entry("language", "Выберите язык"),
                    entry("live", "Проверка лица"), entry("live.begin", "Включить камеру"), entry("form", "Ваши данные"),
                    entry("otp", "Введите код"), entry("upload", "Загрузите документы"), entry("documents", "Ознакомьтесь с документами"),
                    entry("sign", "Подпишите документы"), entry("wait", "Пожалуйста, подождите"), entry("progress", "Идёт проверка"),
                    entry("pass", "Проверка пройдена"),
                    entry("rule.type", "Значение не подходит для этого поля."), entry("rule.option", "Выберите один из вариантов."),
                    entry("rule.iin", "ИИН состоит из 12 цифр."), entry("rule.required", "Заполните это поле."),
                    entry("rule.wrong_code", "Неверный код. Проверьте его и попробуйте ещё раз."),
                    entry("rule.file_type", "Файлы такого типа не принимаются."), entry("rule.no_file", "Выберите файл."),
                    entry("rule.tick", "Отметьте этот пункт, чтобы продолжить."),
                    entry("otp.sent", "Мы отправили код в СМС на номер +7 *** *** 45 67."),
                    entry("otp.tries", "Осталось попыток: {n}"), entry("otp.resend", "Отправить новый код"),
                    entry("otp.resend_in", "Новый код через {n} с"), entry("otp.resent", "Новый код отправлен."),
                    entry("otp.wait", "Новый код можно запросить через 30 с."),
                    entry("upload.hint", "Форматы: JPEG, PNG · до 5 МБ"), entry("upload.choose", "Выбрать файл"),
                    entry("documents.pages", "Страниц: 2"), entry("documents.alt", "{title}, страница 1 из 2"),
                    entry("documents.missing", "Не удалось показать страницу 1."),
                    entry("documents.read", "Я ознакомлен(а) с документами"),
                    entry("sign.signer", "Подписант: {name}"), entry("continue", "Продолжить")),
            "kk", Map.ofEntries(
                    entry("consent", "Дербес деректерді өңдеуге келісім"), entry("language", "Тілді таңдаңыз"),
                    entry("live", "Бет-әлпетті тексеру"), entry("live.begin", "Камераны қосу"), entry("form", "Сіздің деректеріңіз"),
                    entry("otp", "Кодты енгізіңіз"), entry("upload", "Құжаттарды жүктеңіз"), entry("documents", "Құжаттармен танысыңыз"),
                    entry("sign", "Құжаттарға қол қойыңыз"), entry("wait", "Күте тұрыңыз"), entry("progress", "Тексеру жүріп жатыр"),
                    entry("pass", "Тексеру сәтті өтті"),
                    entry("rule.type", "Бұл мән осы өріске сәйкес келмейді."), entry("rule.option", "Нұсқалардың бірін таңдаңыз."),
                    entry("rule.iin", "ЖСН 12 саннан тұрады."), entry("rule.required", "Бұл өрісті толтырыңыз."),
                    entry("rule.wrong_code", "Код қате. Тексеріп, қайталап көріңіз."),
                    entry("rule.file_type", "Мұндай түрдегі файл қабылданбайды."), entry("rule.no_file", "Файлды таңдаңыз."),
                    entry("rule.tick", "Жалғастыру үшін осы тармақты белгілеңіз."),
                    entry("otp.sent", "Кодты +7 *** *** 45 67 нөміріне СМС арқылы жібердік."),
                    entry("otp.tries", "Қалған талпыныс саны: {n}"), entry("otp.resend", "Жаңа код жіберу"),
                    entry("otp.resend_in", "Жаңа код {n} секундтан кейін"), entry("otp.resent", "Жаңа код жіберілді."),
                    entry("otp.wait", "Жаңа кодты 30 секундтан кейін сұрауға болады."),
                    entry("upload.hint", "Пішімдері: JPEG, PNG · ең көбі 5 МБ"), entry("upload.choose", "Файлды таңдау"),
                    entry("documents.pages", "Беттер саны: 2"), entry("documents.alt", "{title}, 2 беттің 1-беті"),
                    entry("documents.missing", "1-бетті көрсету мүмкін болмады."), entry("documents.read", "Құжаттармен таныстым"),
                    entry("sign.signer", "Қол қоюшы: {name}"), entry("continue", "Жалғастыру")));

    /** A "text" of the contract in three languages. */
    record Text(String kk, String ru, String en) {
        String in(String locale) {
            return switch (locale) {
                case "kk" -> kk;
                case "ru" -> ru;
                default -> en;
            };
        }

        ObjectNode json() {
            return JSON.createObjectNode().put("kk", kk).put("ru", ru).put("en", en);
        }
    }

    private static final Text CONSENT = new Text("Мен Acme Bank-ке деректерімді өңдеуге келісемін.",
            "Я согласен(на) на обработку моих данных банком Acme Bank.", "I agree that Acme Bank processes my data.");
    private static final Text FULL_NAME = new Text("Толық аты-жөніңіз", "Фамилия, имя, отчество", "Full name");
    private static final Text IIN = new Text("ЖСН", "ИИН", "IIN");
    private static final Text BIRTH = new Text("Туған күніңіз", "Дата рождения", "Date of birth");
    private static final Text INCOME = new Text("Айлық табыс, ₸", "Ежемесячный доход, ₸", "Monthly income, ₸");
    private static final Text CITY = new Text("Қала", "Город", "City");
    private static final Text ASTANA = new Text("Астана", "Астана", "Astana");
    private static final Text PHONE = new Text("Телефон нөмірі", "Номер телефона", "Phone number");
    private static final Text EMAIL = new Text("Электрондық пошта", "Электронная почта", "Email");
    private static final Text NOT_PEP = new Text("Мен жария лауазымды тұлға емеспін",
            "Я не являюсь публичным должностным лицом", "I am not a politically exposed person");
    private static final Text ID_FRONT = new Text("Жеке куәліктің алдыңғы беті", "Лицевая сторона удостоверения", "Front of your ID card");
    private static final Text STATEMENT = new Text("Табыс туралы анықтама", "Справка о доходах", "Income statement");
    private static final Text AGREEMENT = new Text("Банктік қызмет көрсету шарты", "Договор банковского обслуживания", "Banking services agreement");
    private static final Text TARIFFS = new Text("Тарифтер", "Тарифы", "Tariffs");
    private static final Text SIGNER = new Text("Айгерім Нұрланқызы", "Айгерим Нурлановна", "Aigerim Nurlanovna");
    private static final Text WAITING = new Text("Өтініміңізді банк қарап жатыр.", "Банк рассматривает вашу заявку.",
            "The bank is reviewing your application.");
    private static final Text INFO_TITLE = new Text("Өтінім қабылданды", "Заявка принята", "Application received");
    private static final Text INFO_TEXT = new Text("Шешім туралы СМС арқылы хабарлаймыз.", "О решении мы сообщим по СМС.",
            "We will tell you the decision by SMS.");

    private static CannedClientApi api;
    private static HostedBrowser b;
    private static Path files;

    @BeforeAll
    static void start() throws Exception {
        HostedBrowser.requireChromium();
        api = new CannedClientApi();
        b = HostedBrowser.phone(360, 740);
        Files.createDirectories(HostedBrowser.SCREENSHOTS.resolve("kinds"));
        files = Files.createTempDirectory("idflow-upload-");
    }

    @AfterAll
    static void stop() throws Exception {
        if (b != null) {
            b.close();
        }
        if (api != null) {
            api.close();
        }
    }

    // ------------------------------------------------------------------ each kind in each language

    @ParameterizedTest(name = "consent in {0}: the step's own text, a 422 at the buttons, then the choice posted")
    @ValueSource(strings = {"kk", "ru", "en"})
    void aConsentStepShowsItsOwnTextAndPostsTheChoice(String locale) {
        Flow flow = open("consent-" + locale, running(locale, "consent", screen("consent").set("text", CONSENT.json())))
                .then(Reply.invalid("accepted", "type", "accepted: must be a boolean", null))
                .then(Reply.moveTo(ended(locale)));
        b.screen("consent");
        assertReadable(locale, "consent");
        assertThat(b.mainText()).contains(CONSENT.in(locale));
        b.screenshot("kinds/consent-" + locale);

        b.click("consent-accept");
        assertThat(generalError()).isEqualTo(word(locale, "rule.type"));
        b.click("consent-accept");
        b.screen("status");
        assertThat(bodies(flow, "/steps/" + STEP + "/submit")).containsExactly(json("{\"accepted\": true}"), json("{\"accepted\": true}"));
    }

    @ParameterizedTest(name = "language in {0}: only the locales the step names, posted as chosen")
    @ValueSource(strings = {"kk", "ru", "en"})
    void aLanguageStepOffersItsLocalesAndPostsTheChoice(String locale) {
        ObjectNode sc = screen("language");
        sc.putArray("locales").add("kk").add("ru");
        Flow flow = open("language-" + locale, running(locale, "language-selector", sc))
                .then(Reply.invalid("locale", "option", "locale: not offered", null))
                .then(Reply.moveTo(ended("ru")));
        b.screen("language");
        assertReadable(locale, "language");
        assertThat(b.driver.findElements(By.cssSelector("button[data-locale]"))).extracting(WebElement::getText)
                .containsExactly("Қазақша", "Русский");
        b.screenshot("kinds/language-" + locale);

        b.driver.findElement(By.cssSelector("button[data-locale='ru']")).click();
        assertThat(generalError()).isEqualTo(word(locale, "rule.option"));
        b.driver.findElement(By.cssSelector("button[data-locale='ru']")).click();
        b.screen("status");
        assertThat(bodies(flow, "/submit")).containsExactly(json("{\"locale\": \"ru\"}"), json("{\"locale\": \"ru\"}"));
    }

    @ParameterizedTest(name = "camera in {0}: the face check's intro, as today")
    @ValueSource(strings = {"kk", "ru", "en"})
    void aCameraStepShowsTheFaceCheckIntro(String locale) {
        String token = "camera-" + locale;
        Flow flow = open(token, withSessionAtTheTop(running(locale, "verilive", cameraScreen(token)), token));
        b.screen("live-intro");
        assertReadable(locale, "live");
        assertThat(b.driver.findElement(By.id("live-begin")).getText()).isEqualTo(word(locale, "live.begin"));
        assertThat(b.driver.findElements(By.cssSelector(".tips li"))).hasSize(3);
        b.screenshot("kinds/camera-" + locale);
        assertThat(flow.posts()).isEmpty();
    }

    @ParameterizedTest(name = "form in {0}: every field type, a 422 at the IIN keeping what was typed, typed answers")
    @ValueSource(strings = {"kk", "ru", "en"})
    void aFormAsksForEveryFieldTypeAndPostsTypedAnswers(String locale) {
        JsonNode state = running(locale, "flow-form", formScreen());
        Flow flow = open("form-" + locale, state)
                .then(Reply.invalid("answers.iin", "pattern", "answers.iin: must be 12 digits", null))
                .then(Reply.moveTo(ended(locale)));
        b.screen("form");
        assertReadable(locale, "form");
        assertLabel("field-1", FULL_NAME.in(locale), true);
        assertLabel("field-2", IIN.in(locale), true);
        assertLabel("field-3", BIRTH.in(locale), true);
        assertLabel("field-4", INCOME.in(locale), false);
        assertLabel("field-5", CITY.in(locale), true);
        assertLabel("field-6", PHONE.in(locale), true);
        assertLabel("field-7", EMAIL.in(locale), false);
        assertLabel("field-8", NOT_PEP.in(locale), false);
        assertAttributes("field-1", Map.of("type", "text", "autocomplete", "name", "name", "full_name"));
        assertAttributes("field-2", Map.of("type", "text", "inputmode", "numeric", "autocomplete", "off"));
        assertAttributes("field-3", Map.of("type", "date", "autocomplete", "bday"));
        assertAttributes("field-4", Map.of("type", "number", "min", "0", "max", "100000000"));
        assertAttributes("field-6", Map.of("type", "tel", "inputmode", "tel", "autocomplete", "tel"));
        assertAttributes("field-7", Map.of("type", "email", "inputmode", "email", "autocomplete", "email"));
        assertAttributes("field-8", Map.of("type", "checkbox"));
        assertThat(b.driver.findElement(By.id("field-5")).findElements(By.tagName("option"))).extracting(WebElement::getText)
                .endsWith("Алматы", ASTANA.in(locale));
        assertThat(value("field-6")).as("the prefilled phone").isEqualTo("+7 701 234 56 78");
        b.screenshot("kinds/form-" + locale);

        fillForm("12345");
        b.click("form-submit");
        assertFieldError("field-2", word(locale, "rule.iin"));
        assertThat(value("field-1")).as("what was typed stays").isEqualTo("Айгерім Нұрланқызы");
        assertThat(value("field-4")).isEqualTo("250000.5");
        b.waiting(Duration.ofSeconds(5)).until(d -> flow.stateReads() >= 2); // the state is read again after a 422
        b.screenshot("kinds/form-" + locale + "-422");

        WebElement iin = b.driver.findElement(By.id("field-2"));
        iin.clear();
        iin.sendKeys("940517 400123");
        b.click("form-submit");
        b.screen("status");
        assertThat(bodies(flow, "/submit")).containsExactly(formAnswers("12345"), formAnswers("940517400123"));
    }

    @ParameterizedTest(name = "otp in {0}: the masked destination, a counted-down resend, a wrong code kept, the code posted")
    @ValueSource(strings = {"kk", "ru", "en"})
    void anOtpStepTakesTheCodeAndCountsDownToAResend(String locale) {
        Flow flow = open("otp-" + locale, running(locale, "otp", otpScreen(3, Instant.now().plusMillis(1500))))
                .then(Reply.invalid("code", "wrong_code", "code: wrong code", running(locale, "otp", otpScreen(2, Instant.now()))));
        b.screen("otp");
        assertReadable(locale, "otp");
        assertThat(b.driver.findElement(By.id("otp-sent")).getText()).isEqualTo(word(locale, "otp.sent"));
        assertAttributes("otp-code", Map.of("inputmode", "numeric", "autocomplete", "one-time-code", "maxlength", "6"));
        assertLabelled("otp-code");
        assertThat(b.driver.findElement(By.id("otp-tries")).getText()).isEqualTo(word(locale, "otp.tries").replace("{n}", "3"));
        WebElement resend = b.driver.findElement(By.id("otp-resend"));
        assertThat(resend.isEnabled()).isFalse();
        assertThat(resend.getText()).matches(countdown(locale));
        b.screenshot("kinds/otp-" + locale);

        b.driver.findElement(By.id("otp-code")).sendKeys("111111", Keys.ENTER);
        assertFieldError("otp-code", word(locale, "rule.wrong_code"));
        assertThat(value("otp-code")).isEqualTo("111111");
        b.waiting(Duration.ofSeconds(5)).until(d -> d.findElement(By.id("otp-tries")).getText()
                .equals(word(locale, "otp.tries").replace("{n}", "2")));

        // the countdown ends by itself; a resend answers the new state, the next one comes too soon
        b.waiting(Duration.ofSeconds(5)).until(d -> d.findElement(By.id("otp-resend")).isEnabled());
        assertThat(resend.getText()).isEqualTo(word(locale, "otp.resend"));
        flow.then(Reply.moveTo(running(locale, "otp", otpScreen(3, Instant.now().plusMillis(500)))))
                .then(Reply.tooSoon(30));
        resend.click();
        b.waiting(Duration.ofSeconds(5)).until(d -> d.findElement(By.id("otp-resend-note")).getText()
                .equals(word(locale, "otp.resent")));
        assertThat(value("otp-code")).as("the old code is cleared").isEmpty();
        b.waiting(Duration.ofSeconds(5)).until(d -> d.findElement(By.id("otp-resend")).isEnabled());
        resend.click();
        b.waiting(Duration.ofSeconds(5)).until(d -> d.findElement(By.id("otp-resend-note")).getText()
                .equals(word(locale, "otp.wait")));
        assertThat(resend.isEnabled()).isFalse();
        assertThat(resend.getText()).matches(countdown(locale));
        assertThat(flow.posts("/resend")).hasSize(2).allSatisfy(s -> assertThat(s.body()).isEmpty());

        flow.then(Reply.moveTo(ended(locale)));
        b.driver.findElement(By.id("otp-code")).sendKeys("123456", Keys.ENTER);
        b.screen("status");
        assertThat(bodies(flow, "/submit")).containsExactly(json("{\"code\": \"111111\"}"), json("{\"code\": \"123456\"}"));
    }

    @ParameterizedTest(name = "upload in {0}: types and sizes shown, checked first, one part per file named by its label")
    @ValueSource(strings = {"kk", "ru", "en"})
    void anUploadStepSendsOnePartPerFileNamedByItsLabel(String locale) throws IOException {
        Path front = file("front.jpg", new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 1, 2, 3});
        Path statement = file("statement.pdf", "%PDF-1.4\n%%EOF\n".getBytes(StandardCharsets.US_ASCII));
        Path notes = file("notes.txt", "not a picture".getBytes(StandardCharsets.US_ASCII));
        Flow flow = open("upload-" + locale, running(locale, "file-storage", uploadScreen()))
                .then(Reply.invalid("files.id-front", "file_type", "files.id-front: not a JPEG or PNG", null))
                .then(Reply.moveTo(ended(locale)));
        b.screen("upload");
        assertReadable(locale, "upload");
        assertLabel("file-1", ID_FRONT.in(locale), true);
        assertLabel("file-2", STATEMENT.in(locale), false);
        assertThat(b.driver.findElement(By.id("file-1-hint")).getText()).isEqualTo(word(locale, "upload.hint"));
        assertAttributes("file-1", Map.of("accept", "image/jpeg,image/png"));
        assertThat(b.driver.findElement(By.cssSelector(".file-button")).getText()).isEqualTo(word(locale, "upload.choose"));
        b.screenshot("kinds/upload-" + locale);

        b.click("upload-submit");
        assertFieldError("file-1", word(locale, "rule.no_file"));
        b.driver.findElement(By.id("file-1")).sendKeys(notes.toString());
        assertFieldError("file-1", word(locale, "rule.file_type"));
        b.driver.findElement(By.id("file-1")).sendKeys(front.toString());
        b.driver.findElement(By.id("file-2")).sendKeys(statement.toString());
        assertThat(b.driver.findElement(By.id("file-1-error")).isDisplayed()).isFalse();
        assertThat(b.driver.findElement(By.id("file-1-chosen")).getText()).startsWith("front.jpg");
        assertThat(flow.posts()).as("nothing is sent while the page itself sees a problem").isEmpty();

        b.click("upload-submit");
        assertFieldError("file-1", word(locale, "rule.file_type"));
        b.click("upload-submit");
        b.screen("status");
        List<Seen> sent = flow.posts("/steps/" + STEP + "/files");
        assertThat(sent).hasSize(2);
        for (Seen s : sent) {
            assertThat(s.contentType()).startsWith("multipart/form-data");
            assertThat(s.parts()).extracting(Sent::name).containsExactly("id-front", "income-statement");
            assertThat(s.parts()).extracting(Sent::filename).containsExactly("front.jpg", "statement.pdf");
            assertThat(s.parts().get(0).bytes()).isEqualTo(Files.readAllBytes(front));
            assertThat(s.parts().get(1).bytes()).isEqualTo(Files.readAllBytes(statement));
        }
    }

    @ParameterizedTest(name = "documents in {0}: titles, page images or a placeholder, read before Continue")
    @ValueSource(strings = {"kk", "ru", "en"})
    void aDocumentsStepShowsThePagesAndPostsTheAcknowledgement(String locale) {
        String token = "documents-" + locale;
        // before the page loads: images near the viewport load with it
        Flow flow = api.flow(token, running(locale, "doc-preview", documentsScreen()))
                .then(Reply.invalid("acknowledged", "required", "acknowledged: must be true", null))
                .then(Reply.moveTo(ended(locale)));
        flow.missingPages.add("2/1");
        b.driver.get(api.pageUrl(token));
        b.screen("documents");
        assertReadable(locale, "documents");
        assertThat(b.driver.findElements(By.cssSelector(".doc-title"))).extracting(WebElement::getText)
                .containsExactly(AGREEMENT.in(locale), TARIFFS.in(locale));
        assertThat(b.driver.findElement(By.cssSelector(".doc-pages-count")).getText()).isEqualTo(word(locale, "documents.pages"));
        WebElement first = b.driver.findElement(By.cssSelector("img[data-page='1-1']"));
        assertThat(first.getAttribute("alt")).isEqualTo(word(locale, "documents.alt").replace("{title}", AGREEMENT.in(locale)));
        assertThat(first.getAttribute("loading")).isEqualTo("lazy");
        b.waiting(Duration.ofSeconds(5)).until(d -> (Long) b.js("return arguments[0].naturalWidth", first) > 0);
        b.screenshot("kinds/documents-" + locale);
        b.js("document.querySelector('[data-page=\"2-1\"]').scrollIntoView()");
        WebElement missing = b.waiting(Duration.ofSeconds(5)).until(d -> d.findElement(By.cssSelector(".page-missing")));
        assertThat(missing.getText()).isEqualTo(word(locale, "documents.missing"));
        assertThat(flow.seen).extracting(Seen::path).contains("/hf/" + token + "/api/steps/" + STEP + "/documents/1/pages/1");

        WebElement next = b.driver.findElement(By.id("documents-continue"));
        assertThat(next.isEnabled()).as("Continue waits for “I have read”").isFalse();
        assertThat(b.driver.findElement(By.cssSelector("label[for='documents-read']")).getText())
                .isEqualTo(word(locale, "documents.read"));
        b.driver.findElement(By.cssSelector("label[for='documents-read']")).click();
        b.click("documents-continue");
        assertFieldError("documents-read", word(locale, "rule.tick"));
        b.click("documents-continue");
        b.screen("status");
        assertThat(bodies(flow, "/submit")).containsExactly(json("{\"acknowledged\": true}"), json("{\"acknowledged\": true}"));
    }

    @ParameterizedTest(name = "sign in {0}: the documents and the signer, Refuse and Confirm posted as such")
    @ValueSource(strings = {"kk", "ru", "en"})
    void aSignStepPostsTheRefusalOrTheConfirmation(String locale) {
        Flow flow = open("sign-" + locale, running(locale, "esign", signScreen()))
                .then(Reply.invalid("confirmed", "type", "confirmed: must be a boolean", null))
                .then(Reply.moveTo(ended(locale)));
        b.screen("sign");
        assertReadable(locale, "sign");
        assertThat(b.driver.findElements(By.cssSelector(".doc-line"))).extracting(WebElement::getText)
                .containsExactly(AGREEMENT.in(locale), TARIFFS.in(locale));
        assertThat(b.driver.findElement(By.id("signer")).getText())
                .isEqualTo(word(locale, "sign.signer").replace("{name}", SIGNER.in(locale)));
        b.screenshot("kinds/sign-" + locale);

        b.click("sign-refuse");
        assertThat(generalError()).isEqualTo(word(locale, "rule.type"));
        b.click("sign-confirm");
        b.screen("status");
        assertThat(bodies(flow, "/submit")).containsExactly(json("{\"confirmed\": false}"), json("{\"confirmed\": true}"));
    }

    @ParameterizedTest(name = "wait in {0}: the step's message and a spinner, nothing posted")
    @ValueSource(strings = {"kk", "ru", "en"})
    void aWaitStepShowsItsMessageAndPostsNothing(String locale) {
        Flow flow = open("wait-" + locale, running(locale, "interrupter", screen("wait").set("message", WAITING.json())));
        b.screen("wait");
        assertReadable(locale, "wait");
        assertThat(b.mainText()).contains(WAITING.in(locale));
        assertThat(b.driver.findElements(By.cssSelector("#main .spinner"))).hasSize(1);
        b.screenshot("kinds/wait-" + locale);
        assertThat(flow.posts()).isEmpty();
    }

    @ParameterizedTest(name = "info in {0}: the step's title and message, a 422 in words, Continue posts {{}}")
    @ValueSource(strings = {"kk", "ru", "en"})
    void anInfoStepShowsItsMessageAndPostsAnEmptyAnswer(String locale) {
        Flow flow = open("info-" + locale, running(locale, "notification",
                screen("info").<ObjectNode>set("title", INFO_TITLE.json()).set("message", INFO_TEXT.json())))
                .then(Reply.invalid(null, "required", "answer: required", null))
                .then(Reply.invalid(null, "a-rule-this-page-never-heard-of", "body: not what this step takes", null))
                .then(Reply.moveTo(ended(locale)));
        b.screen("info");
        assertThat(b.heading()).isEqualTo(INFO_TITLE.in(locale));
        assertReadable(locale, null);
        assertThat(b.mainText()).contains(INFO_TEXT.in(locale));
        assertThat(b.driver.findElement(By.id("info-continue")).getText()).isEqualTo(word(locale, "continue"));
        b.screenshot("kinds/info-" + locale);

        b.click("info-continue");
        assertThat(generalError()).isEqualTo(word(locale, "rule.required"));
        b.click("info-continue");
        assertThat(generalError()).as("a rule without words: the server's message").isEqualTo("body: not what this step takes");
        b.click("info-continue");
        b.screen("status");
        assertThat(bodies(flow, "/submit")).containsExactly(json("{}"), json("{}"), json("{}"));
    }

    // ------------------------------------------------------------------ behaviour across kinds

    @Test
    void aWaitStepPollsUntilTheStepChanges() {
        Flow flow = open("wait-poll", running("en", "interrupter", screen("wait")));
        b.screen("wait");
        assertThat(b.mainText()).contains("We are processing your data.");
        flow.state = running("en", "notification", screen("info").put("message", "Thank you."));
        b.screen("info", Duration.ofSeconds(6));
        assertThat(b.heading()).as("an info without a title has the page's own").isEqualTo("Information");
        assertThat(flow.posts()).isEmpty();
    }

    @Test
    void aCameraStepRunsTheLivenessClientWithTheSessionOfItsScreen() {
        String token = "camera-run";
        // the session only in the screen: the page finds its token there as well as at the top
        Flow flow = open(token, running("en", "verilive", cameraScreen(token)))
                .then(new Reply(200, JSON.createObjectNode().put("success", true).put("attempts_left", 0), Map.of(), ended("en")));
        b.click("live-begin");
        b.screen("live-capture");
        b.screen("status", Duration.ofSeconds(30));
        Seen attempt = flow.posts("/attempts").get(0);
        assertThat(attempt.path()).isEqualTo("/liveness2/client/attempts");
        assertThat(attempt.authorization()).isEqualTo("Bearer " + token);
        assertThat(attempt.parts()).extracting(Sent::name).startsWith("metadata", "frame");
        JsonNode metadata = json(new String(attempt.parts().get(0).bytes(), StandardCharsets.UTF_8));
        assertThat(metadata.path("actions").get(0).path("action").asText()).isEqualTo("smile");
    }

    @Test
    void stepsWithoutAScreenFallBackByServiceAndUnknownKindsWait() {
        open("legacy-consent", running("ru", "consent", null));
        b.screen("consent");
        open("legacy-language", running("en", "language-selector", null));
        b.screen("language");
        assertThat(b.driver.findElements(By.cssSelector("button[data-locale]"))).hasSize(3);
        open("legacy-camera", withSessionAtTheTop(running("kk", "verilive", null), "legacy-camera"));
        b.screen("live-intro");
        open("legacy-form", running("en", "flow-form", null));
        b.screen("progress");
        open("unknown-kind", running("kk", "video-call", screen("video-call").put("room", "r-1")));
        b.screen("progress");
        assertThat(b.heading()).isEqualTo(word("kk", "progress"));
    }

    @Test
    void theStartCallNamesTheDeviceTypeAndThePlatform() {
        ObjectNode notStarted = running("en", "consent", screen("consent"));
        notStarted.put("started", false);
        notStarted.remove("current_step");
        Flow web = open("start-web", notStarted).then(Reply.moveTo(running("en", "consent", screen("consent"))));
        b.click("start");
        b.screen("consent");
        JsonNode sent = web.posts("/api/start").get(0).json();
        assertThat(sent.get("platform").asText()).isEqualTo("web"); // Chromium on Linux
        assertThat(sent.get("device_type").asText()).isIn("mobile", "desktop");
        assertThat(iterable(sent.fieldNames())).containsExactlyInAnyOrder("device_type", "platform");

        b.driver.executeCdpCommand("Emulation.setUserAgentOverride", Map.of(
                "userAgent", "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
                        + "Chrome/126.0 Mobile Safari/537.36",
                "userAgentMetadata", Map.of("platform", "Android", "platformVersion", "14", "architecture", "",
                        "model", "SM-A546E", "mobile", true, "brands", List.of())));
        try {
            Flow phone = open("start-android", notStarted).then(Reply.moveTo(running("en", "consent", screen("consent"))));
            b.click("start");
            b.screen("consent");
            assertThat(phone.posts("/api/start").get(0).json())
                    .isEqualTo(json("{\"device_type\": \"mobile\", \"platform\": \"android\"}"));
        } finally {
            b.driver.executeCdpCommand("Emulation.setUserAgentOverride", Map.of("userAgent", "")); // empty: no override
        }
    }

    @Test
    void translationOverridesReachTheNewScreens() {
        ObjectNode state = running("ru", "otp", otpScreen(3, Instant.now().plusSeconds(60)));
        state.putObject("ui").putObject("translation").putObject("ru")
                .put("otp.heading", "Код из СМС от банка").put("rule.wrong_code", "Не тот код");
        open("override-ru", state).then(Reply.invalid("code", "wrong_code", "code: wrong", null));
        b.screen("otp");
        assertThat(b.heading()).isEqualTo("Код из СМС от банка");
        b.driver.findElement(By.id("otp-code")).sendKeys("000001", Keys.ENTER);
        assertFieldError("otp-code", "Не тот код");
    }

    @Test
    void theBtsThemeDressesTheNewControls() {
        ObjectNode state = running("ru", "flow-form", formScreen());
        state.putObject("ui").put("theme", "bts");
        open("bts-form", state).then(Reply.invalid("answers.iin", "pattern", "answers.iin: must be 12 digits", null));
        b.screen("form");
        assertThat(b.js("return document.body.className")).isEqualTo("theme-bts");
        fillForm("12345");
        b.click("form-submit");
        assertFieldError("field-2", word("ru", "rule.iin"));
        assertThat(css("field-1", "backgroundColor")).isEqualTo("rgb(21, 27, 46)");
        assertThat(css("field-1", "color")).isEqualTo("rgb(243, 244, 246)");
        assertThat(css("field-2", "borderTopColor")).as("the invalid field").isEqualTo("rgb(252, 165, 165)");
        assertThat(css("field-2-error", "color")).isEqualTo("rgb(252, 165, 165)");
        assertThat(css("form-submit", "color")).as("text on the accent").isEqualTo("rgb(11, 16, 32)");
        b.screenshot("kinds/form-ru-bts-422");

        ObjectNode otp = running("kk", "otp", otpScreen(3, Instant.now().plusSeconds(45)));
        otp.putObject("ui").put("theme", "bts");
        open("bts-otp", otp);
        b.screen("otp");
        assertThat(css("otp-code", "backgroundColor")).isEqualTo("rgb(21, 27, 46)");
        b.screenshot("kinds/otp-kk-bts");
    }

    @Test
    void aFormCanBeCompletedWithTheKeyboardAlone() {
        ObjectNode sc = screen("form");
        ArrayNode fields = sc.putArray("fields");
        fields.addObject().put("name", "full_name").put("type", "text").set("label", FULL_NAME.json());
        fields.addObject().put("name", "iin").put("type", "iin").set("label", IIN.json());
        addCity(fields);
        fields.addObject().put("name", "phone_number").put("type", "phone").set("label", PHONE.json());
        fields.addObject().put("name", "children").put("type", "number").put("required", false).put("min", 0)
                .set("label", new Text("Балалар саны", "Количество детей", "Number of children").json());
        fields.addObject().put("name", "not_pep").put("type", "checkbox").put("required", false).set("label", NOT_PEP.json());
        Flow flow = open("keyboard", running("en", "flow-form", sc)).then(Reply.moveTo(ended("en")));
        b.screen("form");
        Actions keys = new Actions(b.driver);

        // Enter with nothing typed: the page names every missing field and goes to the first
        keys.sendKeys(Keys.TAB).perform();
        assertFocused("field-1");
        keys.sendKeys(Keys.ENTER).perform();
        assertFieldError("field-1", word("en", "rule.required"));
        assertThat(b.driver.findElement(By.id("field-2-error")).getText()).isEqualTo(word("en", "rule.required"));
        assertThat(flow.posts()).isEmpty();

        keys.sendKeys("Aigerim Nurlanovna").perform();
        assertThat(css(null, "outlineStyle")).as("focus is visible").isEqualTo("solid");
        keys.sendKeys(Keys.TAB, "940517400123").perform();
        assertFocused("field-2");
        keys.sendKeys(Keys.TAB, Keys.ARROW_DOWN).perform();
        assertFocused("field-3");
        assertThat(css(null, "outlineStyle")).isEqualTo("solid");
        keys.sendKeys(Keys.TAB, "+7 (701) 234-56-78").perform();
        assertFocused("field-4");
        keys.sendKeys(Keys.TAB, "2").perform();
        assertFocused("field-5");
        keys.sendKeys(Keys.TAB, Keys.SPACE).perform();
        assertFocused("field-6");
        assertThat(css(null, "outlineStyle")).isEqualTo("solid");
        b.screenshot("kinds/form-en-keyboard");
        keys.keyDown(Keys.SHIFT).sendKeys(Keys.TAB).keyUp(Keys.SHIFT).perform();
        assertFocused("field-5");
        keys.sendKeys(Keys.ENTER).perform();
        b.screen("status");
        assertThat(bodies(flow, "/submit")).containsExactly(json("""
                {"answers": {"full_name": "Aigerim Nurlanovna", "iin": "940517400123", "city": "almaty",
                 "phone_number": "+77012345678", "children": 2, "not_pep": true}}"""));
    }

    @Test
    void noKindScrollsSidewaysAt360px() throws IOException {
        String long1 = "Жеке_сәйкестендіру_нөмірі_және_құжаттың_толық_атауы_бір_сөзбен_жазылған";
        ObjectNode form = formScreen();
        ((ObjectNode) form.get("fields").get(0)).put("label", long1);
        ObjectNode otp = otpScreen(3, Instant.now().plusSeconds(60)).put("channel", "email")
                .put("destination", "aigerim.nurlanovna.kenzhebekova.the.longest@subdomain.acme-bank-of-kazakhstan.kz");
        ObjectNode docs = documentsScreen();
        ((ObjectNode) docs.get("documents").get(0)).put("title", long1);
        ObjectNode sign = signScreen().put("signer", long1);
        ObjectNode info = screen("info").put("title", long1).put("message", long1);
        Path longName = file(long1 + ".jpg", new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF});
        Map<String, ObjectNode> kinds = new java.util.LinkedHashMap<>();
        kinds.put("consent", screen("consent").put("text", long1));
        kinds.put("language", screen("language"));
        kinds.put("camera", cameraScreen("wide-camera"));
        kinds.put("form", form);
        kinds.put("otp", otp);
        kinds.put("upload", uploadScreen());
        kinds.put("documents", docs);
        kinds.put("sign", sign);
        kinds.put("wait", screen("wait").put("message", long1));
        kinds.put("info", info);
        for (var kind : kinds.entrySet()) {
            String token = "wide-" + kind.getKey();
            open(token, running("kk", "service-" + kind.getKey(), kind.getValue()));
            b.waiting(Duration.ofSeconds(10)).until(d -> !List.of("loading", "(none)").contains(b.currentScreen()));
            if (kind.getKey().equals("upload")) {
                b.driver.findElement(By.id("file-1")).sendKeys(longName.toString());
            }
            if (kind.getKey().equals("form")) {
                b.click("form-submit"); // every required field empty: a message under each
            }
            assertThat(b.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth"))
                    .as(kind.getKey() + " scrolls sideways at 360 px").isEqualTo(0L);
            assertThat(b.js("return window.innerWidth")).isEqualTo(360L);
        }
    }

    // ------------------------------------------------------------------ states and screens

    private static ObjectNode running(String locale, String service, ObjectNode screen) {
        ObjectNode s = JSON.createObjectNode();
        s.put("flow_id", "01KCANNED-F").put("started", true).put("flow_status", "unknown").put("locale", locale);
        s.putObject("ui");
        s.put("status_page", true);
        ArrayNode steps = s.putArray("steps");
        steps.addObject().put("step_id", "step-1").put("service_name", "consent").put("status", "passed");
        steps.addObject().put("step_id", STEP).put("service_name", service).put("status", "active");
        ObjectNode current = s.putObject("current_step").put("step_id", STEP).put("service_name", service);
        if (screen != null) {
            current.set("screen", screen);
        }
        return s;
    }

    private static ObjectNode ended(String locale) {
        ObjectNode s = running(locale, "consent", null);
        s.remove("current_step");
        s.put("flow_status", "pass").put("end_cause", "completed");
        return s;
    }

    private static ObjectNode screen(String kind) {
        return JSON.createObjectNode().put("kind", kind);
    }

    private static ObjectNode cameraScreen(String token) {
        ObjectNode sc = screen("camera").put("session_id", "01KSESSION-S").put("access_token", token);
        sc.putArray("pipeline").addArray().add("smile");
        return sc.put("attempts_left", 1).put("expires_at", Instant.now().plusSeconds(600).toString());
    }

    /** The camera session's fields at the top of current_step, where the page read them before screen kinds. */
    private static ObjectNode withSessionAtTheTop(ObjectNode state, String token) {
        ObjectNode current = (ObjectNode) state.get("current_step");
        cameraScreen(token).properties().forEach(e -> {
            if (!e.getKey().equals("kind")) {
                current.set(e.getKey(), e.getValue());
            }
        });
        return state;
    }

    private static ObjectNode formScreen() {
        ObjectNode sc = screen("form");
        ArrayNode fields = sc.putArray("fields");
        fields.addObject().put("name", "full_name").put("type", "text").put("required", true).set("label", FULL_NAME.json());
        fields.addObject().put("name", "iin").put("type", "iin").put("required", true).set("label", IIN.json());
        fields.addObject().put("name", "birth_date").put("type", "date").put("required", true).set("label", BIRTH.json());
        fields.addObject().put("name", "income").put("type", "number").put("required", false).put("min", 0)
                .put("max", 100_000_000).set("label", INCOME.json());
        addCity(fields);
        fields.addObject().put("name", "phone").put("type", "phone").put("required", true).set("label", PHONE.json());
        fields.addObject().put("name", "email").put("type", "email").put("required", false).set("label", EMAIL.json());
        fields.addObject().put("name", "not_pep").put("type", "checkbox").put("required", false).set("label", NOT_PEP.json());
        sc.putObject("values").put("phone", "+7 701 234 56 78");
        return sc;
    }

    private static void addCity(ArrayNode fields) {
        ObjectNode city = fields.addObject().put("name", "city").put("type", "select").put("required", true);
        city.set("label", CITY.json());
        ArrayNode options = city.putArray("options");
        options.addObject().put("value", "almaty").put("label", "Алматы");
        options.addObject().put("value", "astana").set("label", ASTANA.json());
    }

    private static void fillForm(String iin) {
        b.driver.findElement(By.id("field-1")).sendKeys("Айгерім Нұрланқызы");
        b.driver.findElement(By.id("field-2")).sendKeys(iin);
        b.js("const d = document.getElementById('field-3'); d.value = '1994-05-17';"
                + " d.dispatchEvent(new Event('input', {bubbles: true}));");
        b.driver.findElement(By.id("field-4")).sendKeys("250000.5");
        new org.openqa.selenium.support.ui.Select(b.driver.findElement(By.id("field-5"))).selectByValue("astana");
        b.driver.findElement(By.id("field-7")).sendKeys("aigerim@example.kz");
        b.driver.findElement(By.cssSelector("label[for='field-8']")).click();
    }

    private static JsonNode formAnswers(String iin) {
        ObjectNode answers = JSON.createObjectNode();
        answers.putObject("answers").put("full_name", "Айгерім Нұрланқызы").put("iin", iin).put("birth_date", "1994-05-17")
                .put("income", 250000.5).put("city", "astana").put("phone", "+77012345678")
                .put("email", "aigerim@example.kz").put("not_pep", true);
        return answers;
    }

    private static ObjectNode otpScreen(int triesLeft, Instant resendAt) {
        return screen("otp").put("channel", "sms").put("destination", "+7 *** *** 45 67").put("length", 6)
                .put("expires_at", Instant.now().plusSeconds(300).toString()).put("resend_at", resendAt.toString())
                .put("tries_left", triesLeft);
    }

    private static ObjectNode uploadScreen() {
        ObjectNode sc = screen("upload");
        ArrayNode list = sc.putArray("files");
        ObjectNode front = list.addObject().put("label", "id-front").put("max_bytes", 5 << 20).put("required", true);
        front.set("title", ID_FRONT.json());
        front.putArray("types").add("image/jpeg").add("image/png");
        ObjectNode statement = list.addObject().put("label", "income-statement").put("max_bytes", 2 << 20).put("required", false);
        statement.set("title", STATEMENT.json());
        statement.putArray("types").add("application/pdf");
        return sc;
    }

    private static ObjectNode documentsScreen() {
        ObjectNode sc = screen("documents");
        ArrayNode docs = sc.putArray("documents");
        docs.addObject().put("pages", 2).set("title", AGREEMENT.json());
        docs.addObject().put("pages", 1).set("title", TARIFFS.json());
        return sc;
    }

    private static ObjectNode signScreen() {
        ObjectNode sc = screen("sign");
        ArrayNode docs = sc.putArray("documents");
        docs.addObject().set("title", AGREEMENT.json());
        docs.addObject().set("title", TARIFFS.json());
        sc.set("signer", SIGNER.json());
        return sc;
    }

    // ------------------------------------------------------------------ helpers

    private static Flow open(String token, JsonNode state) {
        Flow flow = api.flow(token, state);
        b.driver.get(api.pageUrl(token));
        return flow;
    }

    private static String word(String locale, String key) {
        String w = WORDS.get(locale).get(key);
        assertThat(w).as("the test's own words for " + key + " in " + locale).isNotNull();
        return w;
    }

    /** The kind's heading in this locale, and no i18n key or unfilled placeholder anywhere on the page. */
    private static void assertReadable(String locale, String headingKey) {
        @SuppressWarnings("unchecked")
        Map<String, Object> page = (Map<String, Object>) b.js("""
                const h1 = document.querySelector('#main h1');
                return {heading: h1 ? h1.innerText : '', lang: document.documentElement.lang, text: document.body.innerText,
                  unlabelled: [...document.querySelectorAll('#main input, #main select')]
                    .filter((e) => !e.labels || !e.labels.length).map((e) => e.id),
                  sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth};""");
        if (headingKey != null) {
            assertThat(page.get("heading")).isEqualTo(word(locale, headingKey));
        }
        assertThat(page.get("lang")).isEqualTo(locale);
        String text = (String) page.get("text");
        Matcher key = KEY_LIKE.matcher(text);
        if (key.find()) {
            throw new AssertionError("an untranslated key on the page: " + key.group() + "\n" + text);
        }
        assertThat(PLACEHOLDER.matcher(text).find()).as("an unfilled placeholder:\n" + text).isFalse();
        assertThat(page.get("unlabelled")).as("controls without a label").isEqualTo(List.of());
        assertThat(page.get("sideways")).as("no sideways scrolling").isEqualTo(0L);
    }

    private static void assertLabel(String id, String text, boolean required) {
        assertThat(b.js("const e = document.getElementById(arguments[0]);"
                + " return [[...e.labels].map((l) => l.innerText).join('|'), e.required]", id))
                .as(id + ": its label, and whether it is required").isEqualTo(List.of(required ? text + " *" : text, required));
    }

    private static void assertLabelled(String id) {
        assertThat(b.driver.findElements(By.cssSelector("label[for='" + id + "']"))).hasSize(1);
    }

    private static void assertAttributes(String id, Map<String, String> attributes) {
        Object all = b.js("return Object.fromEntries([...document.getElementById(arguments[0]).attributes]"
                + ".map((a) => [a.name, a.value]))", id);
        assertThat(all).as(id).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.map(String.class, Object.class))
                .containsAllEntriesOf(attributes);
    }

    /** The message shows under the field, the field says it is invalid and is described by it, and has focus. */
    private static void assertFieldError(String id, String message) {
        String script = """
                const c = document.getElementById(arguments[0]);
                const e = document.getElementById(arguments[0] + '-error');
                if (!e || e.hidden || e.innerText !== arguments[1]) return null;
                const cr = c.getBoundingClientRect();
                const er = e.getBoundingClientRect();
                return {invalid: c.getAttribute('aria-invalid'), described: (c.getAttribute('aria-describedby') || '').split(' ')
                  .includes(e.id), focused: document.activeElement === c, below: er.top >= cr.top, gap: er.top - cr.bottom};""";
        @SuppressWarnings("unchecked")
        Map<String, Object> seen = (Map<String, Object>) b.waiting(Duration.ofSeconds(5)).until(d -> b.js(script, id, message));
        assertThat(seen).as(id + ": marked invalid, described by its message, focused")
                .containsEntry("invalid", "true").containsEntry("described", true).containsEntry("focused", true)
                .containsEntry("below", true);
        // next to the field: right below it, within its row
        assertThat(((Number) seen.get("gap")).doubleValue()).isLessThan(60);
    }

    private static void assertFocused(String id) {
        b.waiting(Duration.ofSeconds(5)).until(d -> id.equals(b.js("return document.activeElement && document.activeElement.id")));
    }

    private static String generalError() {
        return b.waiting(Duration.ofSeconds(5)).until(d -> {
            WebElement e = d.findElement(By.id("screen-error"));
            return e.isDisplayed() && !e.getText().isBlank() ? e.getText() : null;
        });
    }

    private static String value(String id) {
        return b.driver.findElement(By.id(id)).getDomProperty("value");
    }

    /** A computed style of the element {@code id}, or of the focused element when null. */
    private static Object css(String id, String property) {
        return b.js("const e = arguments[0] ? document.getElementById(arguments[0]) : document.activeElement;"
                + " return getComputedStyle(e)[arguments[1]]", id, property);
    }

    private static String countdown(String locale) {
        return Pattern.quote(word(locale, "otp.resend_in")).replace("{n}", "\\E[0-9]+\\Q");
    }

    /** The JSON bodies of the flow's POSTs to a path ending so, in order. */
    private static List<JsonNode> bodies(Flow flow, String pathEnd) {
        b.waiting(Duration.ofSeconds(5)).until(d -> !flow.posts(pathEnd).isEmpty());
        return flow.posts(pathEnd).stream().map(Seen::json).toList();
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError(text, e);
        }
    }

    private static Path file(String name, byte[] bytes) throws IOException {
        return Files.write(files.resolve(name), bytes);
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
