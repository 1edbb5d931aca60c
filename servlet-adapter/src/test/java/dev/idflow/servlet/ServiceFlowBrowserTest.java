package dev.idflow.servlet;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.spi.LivenessAnalyzer;
import dev.idflow.core.spi.MessageSender;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Reply;
import java.awt.Color;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * Every kind of step, end to end: a person on a phone 360 px wide, in headless Chromium with a fake
 * camera, goes through a live flow of [language-selector, consent, flow-form, otp, file-storage,
 * verilive] on the real server and engine, once in each language, from the vlink to the bank's callback.
 * They pick their language, agree, fill the form (a mistyped IIN first, which the page names in their
 * language at the field), type the code the bank's SMS gateway ({@link RecordingMessageSender}) was
 * given, upload their ID card, pass the face check, and land on the callback with the flow's id. The
 * bank then finds it all through its signed consumer API. Screenshots of every screen in each language:
 * target/screenshots/flow/{locale}-{n}-{screen}.png.
 */
class ServiceFlowBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PHONE = "+77011234567";
    /** How Android names a phone's front camera; what the page reports as the camera that filmed the face. */
    private static final String FRONT_CAMERA = "camera2 1, facing front";
    private static final Pattern KEY_LIKE = Pattern.compile("\\b(?:app|common|start|step|consent|language|live|action"
            + "|reason|err|progress|status|form|otp|upload|unit|documents|sign|wait|info|rule)\\.[a-z][a-z_.-]*");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{[a-z_]+}");
    /**
     * A word in Latin letters, other than the names of file formats (the same in every language) and
     * "English" on the language choice (each language named as its speakers write it).
     */
    private static final Pattern LATIN_WORD = Pattern.compile("\\b(?!(?:PDF|JPEG|PNG|English)\\b)[A-Za-z]{2,}\\b");

    /** What a person reads, written here independently of i18n.js. */
    private static final Map<String, Map<String, String>> WORDS = Map.of(
            "en", Map.ofEntries(
                    entry("start", "Verify your identity"), entry("language", "Choose a language"),
                    entry("consent", "Consent to personal data processing"), entry("form", "Your details"),
                    entry("iin.invalid", "This is not a valid IIN. Check the digits."),
                    entry("otp", "Enter the code"), entry("otp.sent", "We have sent a code by SMS to +7 *** *** 45 67."),
                    entry("upload", "Upload documents"), entry("live", "Face check"), entry("live.passed", "Face check passed"),
                    entry("pass", "Verification passed"), entry("step", "Step 2 of 6"),
                    entry("sms", "Your code: ")),
            "ru", Map.ofEntries(
                    entry("start", "Подтвердите свою личность"), entry("language", "Выберите язык"),
                    entry("consent", "Согласие на обработку персональных данных"), entry("form", "Ваши данные"),
                    entry("iin.invalid", "Такого ИИН не существует. Проверьте цифры."),
                    entry("otp", "Введите код"), entry("otp.sent", "Мы отправили код в СМС на номер +7 *** *** 45 67."),
                    entry("upload", "Загрузите документы"), entry("live", "Проверка лица"),
                    entry("live.passed", "Проверка лица пройдена"),
                    entry("pass", "Проверка пройдена"), entry("step", "Шаг 2 из 6"),
                    entry("sms", "Ваш код: ")),
            "kk", Map.ofEntries(
                    entry("start", "Жеке басыңызды растаңыз"), entry("language", "Тілді таңдаңыз"),
                    entry("consent", "Дербес деректерді өңдеуге келісім"), entry("form", "Сіздің деректеріңіз"),
                    entry("iin.invalid", "Мұндай ЖСН жоқ. Сандарды тексеріңіз."),
                    entry("otp", "Кодты енгізіңіз"), entry("otp.sent", "Кодты +7 *** *** 45 67 нөміріне СМС арқылы жібердік."),
                    entry("upload", "Құжаттарды жүктеңіз"), entry("live", "Бет-әлпетті тексеру"),
                    entry("live.passed", "Бет-әлпетті тексеру сәтті өтті"),
                    entry("pass", "Тексеру сәтті өтті"), entry("step", "6 қадамның 2-қадамы"),
                    entry("sms", "Сіздің кодыңыз: ")));

    /** A "text" of the screen contract in three languages. */
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

    private static final Text FULL_NAME = new Text("Толық аты-жөніңіз", "Фамилия, имя, отчество", "Full name");
    private static final Text IIN = new Text("ЖСН", "ИИН", "IIN");
    private static final Text BIRTH = new Text("Туған күніңіз", "Дата рождения", "Date of birth");
    private static final Text CITY = new Text("Қала", "Город", "City");
    private static final Text ALMATY = new Text("Алматы", "Алматы", "Almaty");
    private static final Text ASTANA = new Text("Астана", "Астана", "Astana");
    private static final Text SHYMKENT = new Text("Шымкент", "Шымкент", "Shymkent");
    private static final Text AGREE = new Text("Деректерімнің дұрыстығын растаймын",
            "Подтверждаю, что мои данные верны", "I confirm that my details are correct");
    private static final Text ID_CARD = new Text("Жеке куәлік", "Удостоверение личности", "Identity card");

    /** Who goes through the flow in each language: the flow's language before they choose, and what they type. */
    record Person(String locale, String createdIn, String name, String iin, String birthDate, String city,
                  String fileName, String type, byte[] file) {
        /** The IIN with its last digit mistyped: twelve digits, the check digit wrong. */
        String mistypedIin() {
            char last = iin.charAt(11);
            return iin.substring(0, 11) + (last == '9' ? '0' : (char) (last + 1));
        }
    }

    private static final Map<String, Person> PEOPLE = Map.of(
            "kk", new Person("kk", "ru", "Айгерім Нұрланқызы", "940517400121", "1994-05-17", "almaty",
                    "жеке-куәлік.pdf", "application/pdf", ApiAssertions.pdf("Aigerim's identity card")),
            "ru", new Person("ru", "en", "Дмитрий Ким", "881102300455", "1988-11-02", "shymkent",
                    "udostoverenie.jpg", "image/jpeg", PersonDevice.jpeg(320, 200, new Color(40, 90, 160), false)),
            "en", new Person("en", "kk", "Daniyar Seitkali", "900101300017", "1990-01-01", "astana",
                    "id-card.pdf", "application/pdf", ApiAssertions.pdf("Daniyar's identity card")));

    private static TestServer server;
    private static PersonDevice bankApi;
    private static HostedPageBrowserTest.Bank bank;
    private static HostedBrowser b;
    private static Path files;
    private static final RecordingMessageSender SMS = new RecordingMessageSender();
    /** What the bank's face-analysis engine was asked to judge. */
    private static final List<LivenessAnalyzer.Attempt> ANALYSED = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        HostedBrowser.requireChromium();
        server = new TestServer("/idflow", builder -> builder.messageSender(SMS).faceAnalysis(attempt -> {
            ANALYSED.add(attempt);
            return new LivenessAnalyzer.Verdict("real", List.of(), List.of());
        }));
        bankApi = PersonDevice.liveKey(server);
        bank = new HostedPageBrowserTest.Bank(server);
        b = HostedBrowser.phone(360, 740);
        // Chromium's fake camera calls itself "fake_device_0", and idflow's rules rightly take a camera by
        // such a name for a virtual one (an attack). A live flow needs the person's own camera: the page
        // reads the name a phone gives its front camera, the frames are still the fake camera's.
        b.driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", """
                const own = Object.getOwnPropertyDescriptor(MediaStreamTrack.prototype, 'label');
                Object.defineProperty(MediaStreamTrack.prototype, 'label', { configurable: true, get() {
                  return this.kind === 'video' ? '%s' : own.get.call(this); } });""".formatted(FRONT_CAMERA)));
        Files.createDirectories(HostedBrowser.SCREENSHOTS.resolve("flow"));
        files = Files.createTempDirectory("idflow-flow-upload-");
    }

    @AfterAll
    static void stop() throws Exception {
        if (b != null) {
            b.close();
        }
        if (bank != null) {
            bank.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest(name = "in {0}: language, consent, form, code from the SMS, upload, face check, then the callback")
    @ValueSource(strings = {"kk", "ru", "en"})
    void aPersonGoesThroughEveryKindOfStepInTheirLanguage(String locale) throws Exception {
        Person person = PEOPLE.get(locale);
        // the device's clock times its face-check movements; the server's must be near it for them to count
        server.clock.set(Instant.now());
        Created flow = bankApi.createFlow(flowBody(person));
        Shots shots = new Shots(locale);
        b.console(); // read and so cleared: what the last person's pages logged (the bank's page too) is theirs

        b.driver.get(flow.vlink());
        b.screen("start");
        assertThat(b.heading()).as("the flow's language before the person chooses").isEqualTo(word(person.createdIn(), "start"));
        assertThat(b.driver.findElements(By.cssSelector(".step-list li"))).as("the steps, the language choice aside").hasSize(5);
        assertReadable(person.createdIn());
        assertThat((Boolean) b.js("return document.getElementById('start').getBoundingClientRect().bottom <= innerHeight"))
                .as("Start is in sight without scrolling, below five steps").isTrue();
        shots.take("start");
        b.click("start");

        b.screen("language");
        assertThat(b.heading()).isEqualTo(word(person.createdIn(), "language"));
        assertThat(b.driver.findElements(By.cssSelector("button[data-locale]"))).extracting(WebElement::getText)
                .containsExactly("Қазақша", "Русский", "English");
        assertReadable(person.createdIn());
        shots.take("language");
        b.driver.findElement(By.cssSelector("button[data-locale='" + locale + "']")).click();

        b.screen("consent");
        assertThat(b.js("return document.documentElement.lang")).isEqualTo(locale);
        assertThat(b.heading()).isEqualTo(word(locale, "consent"));
        assertThat(b.driver.findElement(By.id("step-info")).getText()).isEqualTo(word(locale, "step"));
        assertReadable(locale);
        shots.take("consent");
        b.click("consent-accept");

        b.screen("form");
        assertThat(b.heading()).isEqualTo(word(locale, "form"));
        assertThat(b.js("return [...document.querySelectorAll('#main label.field-label')].map((l) => l.innerText)"))
                .isEqualTo(List.of(FULL_NAME.in(locale) + " *", IIN.in(locale) + " *", BIRTH.in(locale) + " *",
                        CITY.in(locale) + " *", AGREE.in(locale) + " *"));
        assertReadable(locale);
        shots.take("form");
        fillForm(person, person.mistypedIin());
        b.click("form-submit");
        assertFieldError("field-2", word(locale, "iin.invalid"));
        assertThat(value("field-1")).as("what was typed stays").isEqualTo(person.name());
        assertReadable(locale);
        shots.take("form-wrong-iin");
        WebElement iin = b.driver.findElement(By.id("field-2"));
        iin.clear();
        iin.sendKeys(person.iin());
        assertThat(b.driver.findElement(By.id("field-2-error")).isDisplayed()).as("the message goes once the IIN changes").isFalse();
        b.click("form-submit");

        b.screen("otp");
        assertThat(b.heading()).isEqualTo(word(locale, "otp"));
        assertThat(b.driver.findElement(By.id("otp-sent")).getText()).isEqualTo(word(locale, "otp.sent"));
        assertReadable(locale);
        shots.take("otp");
        MessageSender.Message sms = b.waiting(Duration.ofSeconds(5)).until(d -> {
            List<MessageSender.Message> sent = SMS.sentFor(flow.flowId());
            return sent.isEmpty() ? null : sent.get(sent.size() - 1);
        });
        assertThat(sms.to()).isEqualTo(PHONE);
        assertThat(sms.locale()).as("the SMS speaks the language the person chose").isEqualTo(locale);
        assertThat(sms.text()).startsWith(word(locale, "sms"));
        b.driver.findElement(By.id("otp-code")).sendKeys(SMS.lastCode(flow.flowId()), Keys.ENTER);

        b.screen("upload");
        assertThat(b.heading()).isEqualTo(word(locale, "upload"));
        assertThat(b.js("return document.getElementById('file-1').labels[0].innerText")).isEqualTo(ID_CARD.in(locale) + " *");
        assertReadable(locale);
        shots.take("upload");
        Path file = Files.write(Files.createDirectories(files.resolve(locale)).resolve(person.fileName()), person.file());
        b.driver.findElement(By.id("file-1")).sendKeys(file.toString());
        // the file's name is the person's own, in whatever letters: the page shows it as it is
        b.waiting(Duration.ofSeconds(5)).until(d -> d.findElement(By.id("file-1-chosen")).getText()
                .startsWith(person.fileName() + " · "));
        shots.take("upload-chosen");
        b.click("upload-submit");

        b.screen("live-intro");
        assertThat(b.heading()).isEqualTo(word(locale, "live"));
        assertReadable(locale);
        shots.take("live-intro");
        b.click("live-begin");
        b.screen("live-capture");
        b.waiting(Duration.ofSeconds(10)).until(d -> !d.findElement(By.id("counter")).getText().isBlank());
        assertThat((Long) b.js("return document.querySelector('video').videoWidth")).as("the camera films").isPositive();
        assertReadable(locale);
        shots.take("live-capture");
        b.screen("live-passed", Duration.ofSeconds(30));
        assertThat(b.heading()).isEqualTo(word(locale, "live.passed"));
        shots.take("live-passed");

        b.screen("status", Duration.ofSeconds(15));
        assertThat(b.heading()).isEqualTo(word(locale, "pass"));
        assertReadable(locale);
        shots.take("status");
        assertThat(b.console().lines().filter(l -> !l.contains("the server responded with a status of 422")))
                .as("the browser's console; the mistyped IIN's 422 is the one error expected")
                .noneMatch(l -> l.contains("Content Security Policy") || l.startsWith("SEVERE"));
        b.click("continue");
        b.waiting(Duration.ofSeconds(10)).until(d -> d.getCurrentUrl().startsWith(bank.origin + "/bank/done"));
        assertThat(URI.create(b.driver.getCurrentUrl()).getQuery()).isEqualTo("ref=" + locale + "&flow_id=" + flow.flowId());
        shots.take("callback");

        assertTheBankFindsItAll(person, flow);
    }

    /** Through its signed consumer API the bank finds the flow passed, the person's answers, the file; its page was reached. */
    private static void assertTheBankFindsItAll(Person person, Created flow) throws Exception {
        JsonNode result = bankApi.result(flow.flowId());
        assertThat(result.path("flow_status").asText()).isEqualTo("pass");
        assertThat(result.path("end_cause").asText()).isEqualTo("completed");
        assertThat(result.path("person_name").asText()).isEqualTo(person.name());
        assertThat(result.path("iin").asText()).isEqualTo(person.iin());
        JsonNode sessions = result.path("service_statuses");
        assertThat(sessions).extracting(s -> s.path("service_name").asText()).containsExactly(
                "language-selector", "consent", "flow-form", "otp", "file-storage", "verilive");
        for (JsonNode s : sessions) {
            assertThat(s.path("session_id").asText()).as(s.toString()).isNotBlank();
            assertThat(s.path("session_status").asText()).as(s.toString()).isEqualTo("pass");
        }
        // the wire carries verilive's results only (the spec types a result so); the host reads the rest
        JsonNode form = server.storage.sessions().findByFlowId(flow.flowId()).stream()
                .filter(s -> s.serviceName().equals("flow-form")).findFirst().orElseThrow().result().path("answers");
        assertThat(form).as("the form's answers, typed").isEqualTo(JSON.createObjectNode().put("full_name", person.name()).put("iin", person.iin())
                .put("birth_date", person.birthDate()).put("city", person.city()).put("agree", true));
        assertThat(sessions.get(5).path("session_result").path("service_status").asText()).isEqualTo("real");

        JsonNode input = bankApi.flow(flow.flowId()).path("input_data");
        assertThat(input.path("full_name").asText()).isEqualTo(person.name());
        assertThat(input.path("iin").asText()).isEqualTo(person.iin());
        assertThat(input.path("phone_number").asText()).isEqualTo(PHONE);

        Reply card = bankApi.file("label=id_card&flow_id=" + flow.flowId(), person.type());
        assertThat(card.status()).as(card.body()).isEqualTo(200);
        assertThat(card.header("Content-Type")).hasValue(person.type());
        assertThat(card.bytes()).isEqualTo(person.file());

        assertThat(bank.requests).as("the callback page was reached with the flow's id")
                .anyMatch(r -> r.path().equals("/bank/done") && r.query().equals("ref=" + person.locale() + "&flow_id=" + flow.flowId()));
        assertThat(ANALYSED).as("the bank's face-analysis engine judged frames of the camera")
                .anyMatch(a -> a.sessionId().equals(sessions.get(5).path("session_id").asText()) && !a.frames().isEmpty()
                        && a.metadata().path("camera_label").asText().equals(FRONT_CAMERA));
    }

    // ------------------------------------------------------------------ the flow

    private static String flowBody(Person person) {
        ObjectNode body = JSON.createObjectNode();
        body.put("person_id", "service-flow-" + person.locale());
        body.put("locale", person.createdIn());
        body.put("callback_url", bank.origin + "/bank/done?ref=" + person.locale());
        body.putObject("input_data").put("phone_number", PHONE);
        ObjectNode template = body.putObject("template");
        template.put("status_page", true);
        ArrayNode steps = template.putArray("pipeline");
        steps.addObject().put("service_name", "language-selector");
        steps.addObject().put("service_name", "consent");
        ArrayNode fields = steps.addObject().put("service_name", "flow-form").putArray("fields");
        fields.addObject().put("name", "full_name").put("type", "text").set("label", FULL_NAME.json());
        fields.addObject().put("name", "iin").put("type", "iin").set("label", IIN.json());
        fields.addObject().put("name", "birth_date").put("type", "date").set("label", BIRTH.json());
        ObjectNode city = fields.addObject().put("name", "city").put("type", "select");
        city.set("label", CITY.json());
        ArrayNode options = city.putArray("options");
        options.addObject().put("value", "almaty").set("label", ALMATY.json());
        options.addObject().put("value", "astana").set("label", ASTANA.json());
        options.addObject().put("value", "shymkent").set("label", SHYMKENT.json());
        fields.addObject().put("name", "agree").put("type", "checkbox").set("label", AGREE.json());
        steps.addObject().put("service_name", "otp");
        ObjectNode card = steps.addObject().put("service_name", "file-storage").putArray("files").addObject()
                .put("label", "id_card").put("max_bytes", 1 << 20).put("required", true);
        card.set("title", ID_CARD.json());
        card.putArray("types").add("application/pdf").add("image/jpeg");
        steps.addObject().put("service_name", "verilive").putArray("pipeline").addArray().add("smile");
        return body.toString();
    }

    private static void fillForm(Person person, String iin) {
        b.driver.findElement(By.id("field-1")).sendKeys(person.name());
        b.driver.findElement(By.id("field-2")).sendKeys(iin);
        // a date input's keystrokes follow the browser's own locale; its value is the same everywhere
        b.js("const d = document.getElementById('field-3'); d.value = arguments[0];"
                + " d.dispatchEvent(new Event('input', {bubbles: true}));", person.birthDate());
        new Select(b.driver.findElement(By.id("field-4"))).selectByValue(person.city());
        b.driver.findElement(By.cssSelector("label[for='field-5']")).click();
    }

    // ------------------------------------------------------------------ what the person sees

    /** Numbered screenshots of one person's flow: target/screenshots/flow/{locale}-{n}-{screen}.png. */
    private static final class Shots {
        private final String locale;
        private int n;

        Shots(String locale) {
            this.locale = locale;
        }

        void take(String screen) {
            n++;
            b.screenshot("flow/" + locale + "-" + (n < 10 ? "0" : "") + n + "-" + screen);
        }
    }

    private static String word(String locale, String key) {
        String w = WORDS.get(locale).get(key);
        assertThat(w).as("the test's own words for " + key + " in " + locale).isNotNull();
        return w;
    }

    /** The page speaks {@code locale}: no i18n key, no unfilled placeholder, no English in kk or ru, no sideways scrolling. */
    private static void assertReadable(String locale) {
        @SuppressWarnings("unchecked")
        Map<String, Object> page = (Map<String, Object>) b.js("""
                return {lang: document.documentElement.lang, text: document.body.innerText,
                  unlabelled: [...document.querySelectorAll('#main input, #main select')]
                    .filter((e) => !e.labels || !e.labels.length).map((e) => e.id),
                  sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth};""");
        String text = (String) page.get("text");
        assertThat(page.get("lang")).isEqualTo(locale);
        Matcher key = KEY_LIKE.matcher(text);
        if (key.find()) {
            throw new AssertionError("an untranslated key on the page: " + key.group() + "\n" + text);
        }
        assertThat(PLACEHOLDER.matcher(text).find()).as("an unfilled placeholder:\n" + text).isFalse();
        if (!locale.equals("en")) {
            Matcher latin = LATIN_WORD.matcher(text);
            if (latin.find()) {
                throw new AssertionError("English on a " + locale + " page: \"" + latin.group() + "\" in\n" + text);
            }
        }
        assertThat(page.get("unlabelled")).as("controls without a label").isEqualTo(List.of());
        assertThat(page.get("sideways")).as("no sideways scrolling at 360 px").isEqualTo(0L);
    }

    /** The message shows right under the field, which says it is invalid, is described by it, and has focus. */
    private static void assertFieldError(String id, String message) {
        String script = """
                const c = document.getElementById(arguments[0]);
                const e = document.getElementById(arguments[0] + '-error');
                if (!e || e.hidden || e.innerText !== arguments[1]) return null;
                return {invalid: c.getAttribute('aria-invalid'), described: (c.getAttribute('aria-describedby') || '')
                  .split(' ').includes(e.id), focused: document.activeElement === c,
                  gap: e.getBoundingClientRect().top - c.getBoundingClientRect().bottom};""";
        @SuppressWarnings("unchecked")
        Map<String, Object> seen;
        try {
            seen = (Map<String, Object>) b.waiting(Duration.ofSeconds(5)).until(d -> b.js(script, id, message));
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("no \"" + message + "\" under " + id + "; the page reads:\n" + b.mainText(), e);
        }
        assertThat(seen).as(id).containsEntry("invalid", "true").containsEntry("described", true).containsEntry("focused", true);
        assertThat(((Number) seen.get("gap")).doubleValue()).as("right under the field").isBetween(0.0, 24.0);
    }

    private static String value(String id) {
        return b.driver.findElement(By.id(id)).getDomProperty("value");
    }
}
