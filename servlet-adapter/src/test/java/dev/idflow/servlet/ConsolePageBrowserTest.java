package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.attempt;
import static dev.idflow.servlet.PersonDevice.greyPicture;
import static dev.idflow.servlet.PersonDevice.metadata;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.idflow.core.console.Operator;
import dev.idflow.servlet.PersonDevice.Created;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The console page in Chromium against a Jetty with idflow in-process (memory storage), the host's own
 * access check granting an operator: the list and its filters, a flow's page, a review that marks the
 * flow edited, resuming a held step, KYC lists, erasure's confirmation, the audit trail, the charts,
 * every string in kk, ru and en, and screenshots of every view in en and kk.
 */
class ConsolePageBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A Latin word in a kk or ru string is English leaking, but for names and codes that stay as they are. */
    private static final Pattern LATIN_WORD = Pattern.compile("\\b(?!(?:idflow|JavaScript|KYC|UTC)\\b)[A-Za-z]{2,}\\b");
    static TestServer server;
    static PersonDevice acme;
    static PersonDevice acmeLive;
    static Created undecided;
    static String undecidedPerson;
    static Created held;
    static Created passed;

    @BeforeAll
    static void start() throws Exception {
        HostedBrowser.requireChromium();
        server = TestServer.withConsole("/kyc", ConsoleOptions.custom(
                request -> new ConsoleOptions.Access.Granted(Operator.of("alice", Set.of("acme")))), context -> { });
        acme = PersonDevice.testKey(server);
        acmeLive = PersonDevice.liveKey(server);
        // more than a page of the list (50)
        for (int i = 0; i < 52; i++) {
            acme.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]");
        }
        // a live flow whose liveness step had no verdict: ended, fail, its session processed (to review)
        undecidedPerson = newPerson();
        undecided = acmeLive.createFlow(undecidedPerson, "[{\"service_name\":\"verilive\"}]");
        JsonNode step = acmeLive.start(undecided.vlinkId()).get("current_step");
        acmeLive.attempt(step.get("access_token").asText(),
                attempt(metadata(step.get("pipeline"), server.clock.instant().minusSeconds(8), null), greyPicture()));
        // a flow held by an interrupter step, waiting for the operator
        held = acme.createFlow(newPerson(), "[{\"service_name\":\"interrupter\"},{\"service_name\":\"consent\"}]");
        acme.start(held.vlinkId());
        // a flow that passed consent and liveness: a best frame and a video to show
        passed = acme.createFlow(newPerson(), "[{\"service_name\":\"consent\"},{\"service_name\":\"verilive\"}]");
        acme.start(passed.vlinkId());
        acme.consent(passed.vlinkId());
        acme.doLiveness(passed.vlinkId());
        // and, as a document step and a recording front end would leave them, a document page and a video
        JsonNode detail = JSON.readTree(server.idflow.console().flow(Operator.of("alice", Set.of("acme")), passed.flowId()).toString());
        JsonNode liveness = detail.at("/sessions/1");
        for (String[] f : new String[][] {{"doc_original_front_img", "image/jpeg"}, {"liveness_video", "video/webm"}}) {
            byte[] bytes = f[1].startsWith("image/") ? PersonDevice.frame() : new byte[] {0x1a, 0x45, (byte) 0xdf, (byte) 0xa3};
            server.storage.files().save(new dev.idflow.core.model.StoredFile("file-" + f[0], "acme",
                    detail.at("/flow/person_id").asText(), passed.flowId(), liveness.get("session_id").asText(), f[0], f[1],
                    f[0], bytes.length, server.clock.instant(), true, null, true), new java.io.ByteArrayInputStream(bytes));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    static String console(String lang) {
        return server.baseUrl + "/console/?lang=" + lang;
    }

    static void open(HostedBrowser b, String url) {
        b.driver.get(url);
        waitFor(b, "#principal", e -> !e.getText().isEmpty());
    }

    static WebElement waitFor(HostedBrowser b, String css, java.util.function.Predicate<WebElement> ok) {
        try {
            return b.waiting(Duration.ofSeconds(15)).until(d -> {
                List<WebElement> found = d.findElements(By.cssSelector(css));
                return !found.isEmpty() && ok.test(found.get(0)) ? found.get(0) : null;
            });
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("no " + css + " as expected; #error: "
                    + b.driver.findElement(By.id("error")).getText() + "\nmain: "
                    + b.driver.findElement(By.id("main")).getText() + "\nconsole: " + b.console(), e);
        }
    }

    static WebElement shown(HostedBrowser b, String css) {
        return waitFor(b, css, WebElement::isDisplayed);
    }

    static List<String> rows(HostedBrowser b) {
        List<String> ids = new ArrayList<>();
        for (WebElement tr : b.driver.findElements(By.cssSelector("#flows-table tbody tr[data-flow-id]"))) {
            ids.add(tr.getAttribute("data-flow-id"));
        }
        return ids;
    }

    @Test
    void anOperatorFiltersTheListOpensAFlowApprovesItsSessionAndSeesTheFlowEdited() throws Exception {
        try (HostedBrowser b = HostedBrowser.desktop()) {
            open(b, console("en"));
            assertThat(b.driver.findElement(By.id("principal")).getText()).isEqualTo("alice");
            assertThat(new Select(b.driver.findElement(By.id("consumer"))).getFirstSelectedOption().getText()).isEqualTo("acme");
            waitFor(b, "#flows-table tbody tr[data-flow-id]", WebElement::isDisplayed);
            assertThat(rows(b)).contains(undecided.flowId(), held.flowId(), passed.flowId());
            assertThat(b.driver.findElement(By.id("nav-flows")).getAttribute("aria-current")).isEqualTo("page");
            b.screenshot("console/en-flows");

            b.driver.findElement(By.id("f-person-id")).sendKeys(undecidedPerson);
            b.driver.findElement(By.id("apply-filters")).click();
            b.waiting(Duration.ofSeconds(10)).until(d -> rows(b).equals(List.of(undecided.flowId())));
            assertThat(b.driver.getCurrentUrl()).contains("#/flows?person_id=" + undecidedPerson);
            new Select(b.driver.findElement(By.id("f-test"))).selectByValue("true");
            b.driver.findElement(By.id("apply-filters")).click();
            shown(b, "#flows-empty");
            assertThat(rows(b)).isEmpty();
            new Select(b.driver.findElement(By.id("f-test"))).selectByValue("false");
            b.driver.findElement(By.id("apply-filters")).click();
            b.waiting(Duration.ofSeconds(10)).until(d -> rows(b).equals(List.of(undecided.flowId())));

            b.driver.findElement(By.cssSelector("tr[data-flow-id='" + undecided.flowId() + "'] a")).click();
            WebElement detail = shown(b, "#flow-detail");
            assertThat(detail.getAttribute("data-flow-id")).isEqualTo(undecided.flowId());
            assertThat(b.driver.findElement(By.id("flow-status")).getText()).isEqualTo("fail");
            assertThat(b.driver.findElement(By.id("flow-check-type")).getText()).isEqualTo("auto");
            assertThat(b.driver.findElements(By.cssSelector("#timeline li")).size()).isGreaterThanOrEqualTo(3);
            WebElement session = b.driver.findElement(By.cssSelector("section.session"));
            assertThat(session.findElement(By.cssSelector(".session-state")).getText()).isEqualTo("processed");
            b.screenshot("console/en-flow-before-review");

            // a review without a reason is the API's refusal, shown as it says
            session.findElement(By.cssSelector("button.approve")).click();
            WebElement error = shown(b, "#error");
            assertThat(error.getText()).contains("reason").contains("422");
            assertThat(b.driver.findElement(By.id("flow-check-type")).getText()).isEqualTo("auto");

            session.findElement(By.cssSelector("textarea.review-reason")).sendKeys("document checked by hand");
            session.findElement(By.cssSelector("button.approve")).click();
            b.waiting(Duration.ofSeconds(10)).until(d -> "edited".equals(d.findElement(By.id("flow-check-type")).getText()));
            assertThat(shown(b, "#notice").getText()).contains("Approved");
            assertThat(b.driver.findElement(By.id("error")).isDisplayed()).isFalse();
            WebElement reviewed = b.driver.findElement(By.cssSelector("section.session"));
            assertThat(reviewed.findElement(By.cssSelector(".session-state")).getText()).isEqualTo("reviewed");
            assertThat(reviewed.findElement(By.cssSelector(".session-status")).getText()).isEqualTo("pass");
            assertThat(reviewed.getText()).contains("document checked by hand");
            assertThat(b.driver.findElement(By.id("flow-status")).getText()).isEqualTo("pass");
            assertThat(server.idflow.audit().list("acme", server.clock.instant().minusSeconds(3600),
                    server.clock.instant().plusSeconds(1), null).records().stream()
                    .anyMatch(r -> "session.review".equals(r.action()) && "alice".equals(r.actor()))).isTrue();
            b.screenshot("console/en-flow-reviewed");
        }
    }

    @Test
    void theListPagesOnWithTheCursorAndBackWithoutGapsOrRepeats() throws Exception {
        try (HostedBrowser b = HostedBrowser.desktop()) {
            open(b, console("en"));
            WebElement next = shown(b, "#next-page");
            List<String> first = rows(b);
            assertThat(first).hasSize(50);
            next.click();
            b.waiting(Duration.ofSeconds(10)).until(d -> !rows(b).isEmpty() && !rows(b).get(0).equals(first.get(0)));
            List<String> second = rows(b);
            assertThat(second).isNotEmpty().doesNotContainAnyElementsOf(first);
            List<String> all = new ArrayList<>(first);
            all.addAll(second);
            JsonNode api = JSON.readTree(server.idflow.console().listFlows(Operator.of("alice", Set.of("acme")), "acme",
                    java.util.Map.of("limit", "100")).toString());
            List<String> expected = new ArrayList<>();
            api.get("flows").forEach(f -> expected.add(f.get("flow_id").asText()));
            assertThat(all).isEqualTo(expected.subList(0, all.size()));
            assertThat(b.driver.findElement(By.id("next-page")).isDisplayed()).isEqualTo(expected.size() > 100);
            b.driver.findElement(By.id("prev-page")).click();
            b.waiting(Duration.ofSeconds(10)).until(d -> rows(b).equals(first));
            assertThat(b.driver.findElement(By.id("prev-page")).isDisplayed()).isFalse();
        }
    }

    /** Every visible text of every view against the background it is drawn on: at least 4.5:1. */
    @Test
    void everyTextOfEveryViewHasAContrastOfAtLeast4point5() throws Exception {
        String contrast = """
                const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
                const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
                  .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
                const bg = (el) => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
                  if (c.length === 3 || c[3] > 0) return c.slice(0, 3); } return [255, 255, 255]; };
                const bad = [];
                let checked = 0;
                for (const el of document.querySelectorAll('body *')) {
                  if (el.closest('svg, option, [hidden]') || !el.checkVisibility || !el.checkVisibility()) continue;
                  const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
                  if (!own) continue;
                  const s = getComputedStyle(el);
                  const a = lum(rgb(s.color)); const b = lum(bg(el));
                  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
                  checked++;
                  if (!(ratio >= 4.5)) bad.push(el.tagName + '.' + el.className + ' "' + el.textContent.trim().slice(0, 30) + '" ' + ratio.toFixed(2));
                }
                return checked + (bad.length ? '\\n' + bad.join('\\n') : '');""";
        // a flow of its own held by an interrupter (another test resumes the shared one)
        Created waiting = acme.createFlow(newPerson(), "[{\"service_name\":\"interrupter\"}]");
        acme.start(waiting.vlinkId());
        try (HostedBrowser b = HostedBrowser.desktop()) {
            String[][] views = {
                {"", "#flows-table tbody tr"}, {"#/flows/" + undecided.flowId(), "section.session"},
                {"#/flows/" + waiting.flowId(), "button.resume-pass"}, {"#/charts", "#chart-range"},
                {"#/kyc?list=greylist", "#kyc-add"}, {"#/data", "#retention dd"}, {"#/audit", "#audit-table"}};
            for (String[] v : views) {
                b.driver.get(console("en") + v[0]);
                waitFor(b, "#principal", e -> !e.getText().isEmpty());
                shown(b, v[1]);
                String[] answer = String.valueOf(b.js(contrast)).split("\n", 2);
                assertThat(Integer.parseInt(answer[0])).as("texts checked on " + v[0]).isGreaterThan(15);
                assertThat(answer.length == 1 ? "" : answer[1]).as("low contrast on " + v[0]).isEmpty();
            }
        }
    }

    @Test
    void aChangeRefusedForAnExpiredCsrfTokenIsRetriedOnceWithAFreshOne() throws Exception {
        // a server of its own: its clock jumps past the token's validity
        try (TestServer own = TestServer.withConsole("/kyc", ConsoleOptions.custom(
                request -> new ConsoleOptions.Access.Granted(Operator.of("alice", Set.of("acme")))), context -> { });
             HostedBrowser b = HostedBrowser.desktop()) {
            b.driver.get(own.baseUrl + "/console/?lang=en#/kyc?list=watch");
            waitFor(b, "#principal", e -> !e.getText().isEmpty());
            shown(b, "#kyc-add");
            own.clock.advance(dev.idflow.core.console.ConsoleApi.CSRF_VALIDITY.plusMinutes(1));
            b.js("window.calls = []; const real = window.fetch;"
                    + "window.fetch = (u, o) => { window.calls.push(((o && o.method) || 'GET') + ' ' + u); return real(u, o); };");
            b.driver.findElement(By.id("kyc-value")).sendKeys("person-csrf-1");
            b.driver.findElement(By.id("kyc-add")).click();
            shown(b, "#kyc-entries tbody tr[data-value='person-csrf-1']");
            assertThat(shown(b, "#notice").getText()).isEqualTo("Entry added.");
            assertThat(b.driver.findElement(By.id("error")).isDisplayed()).isFalse();
            assertThat(own.idflow.kycLists().list("acme", "watch")).hasSize(1);
            // refused once (the token expired), a fresh token, the same change again; then the list read anew
            assertThat(String.valueOf(b.js("return window.calls.join('\\n')")).split("\n")).startsWith(
                    "POST api/consumers/acme/kyc-lists/watch/entries", "GET api/session",
                    "POST api/consumers/acme/kyc-lists/watch/entries", "GET api/consumers/acme/kyc-lists/watch");
        }
    }

    @Test
    void aHeldFlowIsResumedFromItsPage() throws Exception {
        try (HostedBrowser b = HostedBrowser.desktop()) {
            open(b, console("en") + "#/flows/" + held.flowId());
            WebElement resume = shown(b, "button.resume-pass");
            b.screenshot("console/en-flow-held");
            resume.click();
            assertThat(shown(b, "#notice").getText()).isNotBlank();
            b.waiting(Duration.ofSeconds(10)).until(d -> d.findElements(By.cssSelector("button.resume-pass")).isEmpty());
            String interrupter = b.driver.findElement(By.cssSelector("section.session .session-status")).getText();
            assertThat(interrupter).isEqualTo("pass");
        }
    }

    @Test
    void aPassedFlowShowsItsBestFrameAndFilesAndAnUnknownFlowTheApisRefusal() throws Exception {
        try (HostedBrowser b = HostedBrowser.desktop()) {
            open(b, console("en") + "#/flows/" + passed.flowId());
            shown(b, "#flow-detail");
            WebElement frame = shown(b, "img.best-frame");
            assertThat(frame.getAttribute("src")).contains("/console/api/files/");
            assertThat(shown(b, "video.liveness-video").getAttribute("src")).endsWith("/console/api/files/file-liveness_video");
            assertThat(shown(b, "img.document-page").getAttribute("src")).endsWith("/console/api/files/file-doc_original_front_img");
            assertThat(b.driver.findElement(By.cssSelector("video.liveness-video")).getAttribute("controls")).isNotNull();
            List<WebElement> downloads = b.driver.findElements(By.cssSelector("ul.files a.file-download"));
            assertThat(downloads).hasSizeGreaterThanOrEqualTo(3);
            assertThat(downloads.get(0).getAttribute("href")).contains("/console/api/files/").endsWith("download=1");
            b.screenshot("console/en-flow-passed");
            b.js("document.querySelector('video.liveness-video').scrollIntoView()");
            b.screenshot("console/en-flow-passed-media");

            b.driver.get(console("en") + "#/flows/01KMWYGEEVW2TH4Q4SFFFFFFF5");
            assertThat(shown(b, "#error").getText()).contains("404").contains("not found");
        }
    }

    @Test
    void kycEntriesAreAddedAndRemovedAndErasureNeedsTheIdTwice() throws Exception {
        try (HostedBrowser b = HostedBrowser.desktop()) {
            open(b, console("en") + "#/kyc?list=blacklist");
            shown(b, "#kyc-add");
            new Select(b.driver.findElement(By.id("kyc-field"))).selectByValue("iin");
            b.driver.findElement(By.id("kyc-value")).sendKeys("900101300123");
            b.driver.findElement(By.id("kyc-add")).click();
            WebElement row = shown(b, "#kyc-entries tbody tr[data-value='900101300123']");
            assertThat(row.getText()).contains("IIN");
            assertThat(new Select(b.driver.findElement(By.id("kyc-lists"))).getFirstSelectedOption().getText()).isEqualTo("blacklist");
            b.screenshot("console/en-kyc");
            row.findElement(By.cssSelector("button.kyc-remove")).click();
            b.waiting(Duration.ofSeconds(10)).until(d ->
                    d.findElements(By.cssSelector("#kyc-entries tbody tr[data-value='900101300123']")).isEmpty());
            assertThat(shown(b, "#notice").getText()).contains("900101300123");

            b.driver.findElement(By.id("nav-data")).click();
            WebElement submit = shown(b, "#erase-submit");
            assertThat(submit.isEnabled()).isFalse();
            String person = newPerson();
            Created erased = acme.createFlow(person, "[{\"service_name\":\"consent\"}]");
            b.driver.findElement(By.id("erase-person-id")).sendKeys(person);
            b.driver.findElement(By.id("erase-confirm")).sendKeys(person.substring(0, person.length() - 1));
            assertThat(submit.isEnabled()).as("the ids differ").isFalse();
            b.driver.findElement(By.id("erase-confirm")).sendKeys(person.substring(person.length() - 1));
            assertThat(submit.isEnabled()).isTrue();
            waitFor(b, "#retention dd", e -> !e.getText().isEmpty());
            b.screenshot("console/en-data");
            submit.click();
            assertThat(shown(b, "#notice").getText()).contains(person);
            assertThat(acme.flowReply(erased.flowId()).status()).as("the erased person's flow").isEqualTo(404);

            b.driver.findElement(By.id("nav-audit")).click();
            WebElement audit = waitFor(b, "#audit-table tbody tr", WebElement::isDisplayed);
            assertThat(b.driver.findElement(By.id("audit-table")).getText()).contains("alice");
            assertThat(audit).isNotNull();
            b.screenshot("console/en-audit");
        }
    }

    @Test
    void theChartsAreDrawnFromTheStatsEndpointWithTitlesAndTables() throws Exception {
        try (HostedBrowser b = HostedBrowser.desktop()) {
            open(b, console("en") + "#/charts");
            b.waiting(Duration.ofSeconds(15)).until(d -> d.findElements(By.cssSelector("#charts svg")).size() == 3
                    || d.findElement(By.id("error")).isDisplayed());
            b.screenshot("console/en-charts");
            assertThat(b.driver.findElement(By.id("error")).isDisplayed()).as("an error instead of the charts: %s",
                    b.driver.findElement(By.id("error")).getText()).isFalse();
            for (String id : List.of("chart-days", "chart-funnel", "chart-attempts")) {
                WebElement chart = b.driver.findElement(By.id(id));
                assertThat(chart.getTagName()).isEqualTo("svg");
                assertThat(chart.findElement(By.tagName("title")).getAttribute("textContent")).as(id).isNotBlank();
            }
            assertThat(b.driver.findElements(By.cssSelector("#chart-days rect.bar")).size()).isPositive();
            assertThat(b.driver.findElements(By.cssSelector("#charts table")).size()).isEqualTo(3);
        }
    }

    /** The stats answer of the contract (docs/CONSOLE-API.md), as the server would send it. */
    static final String STATS = """
            {"consumer_id":"acme","from":"2026-11-26T00:00:00Z","before":"2026-12-03T00:00:00Z","flows_counted":41,
             "truncated":false,
             "days":[{"date":"2026-11-26","pass":3,"fail":1,"unknown":0,"running":0},
                     {"date":"2026-11-27","pass":5,"fail":2,"unknown":1,"running":0},
                     {"date":"2026-11-28","pass":0,"fail":0,"unknown":0,"running":0},
                     {"date":"2026-11-29","pass":4,"fail":0,"unknown":2,"running":0},
                     {"date":"2026-11-30","pass":6,"fail":3,"unknown":0,"running":1},
                     {"date":"2026-12-01","pass":2,"fail":1,"unknown":1,"running":2},
                     {"date":"2026-12-02","pass":3,"fail":0,"unknown":0,"running":4}],
             "funnel":[{"step_id":"step-1","service_name":"consent","reached":41,"passed":38,"failed":0,"stopped":3},
                       {"step_id":"step-2","service_name":"verilive","reached":38,"passed":27,"failed":7,"stopped":2},
                       {"step_id":"step-3","service_name":"other","reached":27,"passed":23,"failed":1,"stopped":0}],
             "attempts":[{"attempts":1,"sessions":22},{"attempts":2,"sessions":9},{"attempts":3,"sessions":7}]}""";

    @Test
    void theChartsDrawTheStatsAnswerAsSvgWithTitlesAndATableOfTheSameNumbers() throws Exception {
        for (String lang : List.of("en", "kk")) {
            try (HostedBrowser b = HostedBrowser.desktop()) {
                open(b, console(lang));
                // the page's own fetch answers the stats as the contract says (whatever this server has)
                b.js("const stats = arguments[0]; const real = window.fetch;"
                        + "window.fetch = (url, o) => String(url).includes('/stats') ? Promise.resolve(new Response(stats,"
                        + " {status: 200, headers: {'Content-Type': 'application/json'}})) : real(url, o);"
                        + "location.hash = '#/charts';", STATS);
                b.waiting(Duration.ofSeconds(10)).until(d -> d.findElements(By.cssSelector("#charts svg")).size() == 3);
                for (String id : List.of("chart-days", "chart-funnel", "chart-attempts")) {
                    WebElement chart = b.driver.findElement(By.id(id));
                    assertThat(chart.getTagName()).isEqualTo("svg");
                    assertThat(chart.getAttribute("role")).isEqualTo("img");
                    assertThat(chart.findElement(By.tagName("title")).getAttribute("textContent")).as(id).isNotBlank();
                }
                // one bar segment per non-zero outcome of a day, each with its number in its title
                assertThat(b.driver.findElements(By.cssSelector("#chart-days rect.bar"))).hasSize(16);
                assertThat(b.driver.findElements(By.cssSelector("#chart-days rect.bar title")).get(0).getAttribute("textContent"))
                        .contains("2026-11-26").contains("3");
                assertThat(b.driver.findElements(By.cssSelector("#chart-funnel rect.bar"))).hasSize(2 + 4 + 3);
                assertThat(b.driver.findElements(By.cssSelector("#chart-attempts rect.bar"))).hasSize(3);
                assertThat(b.driver.findElements(By.cssSelector("#table-days tbody tr"))).hasSize(7);
                assertThat(b.driver.findElement(By.id("table-funnel")).getAttribute("textContent"))
                        .contains("verilive").contains("38").contains("27");
                assertThat(b.driver.findElement(By.id("table-attempts")).getAttribute("textContent")).contains("22");
                b.screenshot("console/" + lang + "-charts-drawn");
                b.js("document.getElementById('chart-funnel').scrollIntoView()");
                b.screenshot("console/" + lang + "-charts-drawn-2");
            }
        }
    }

    @Test
    void everyStringExistsInKazakhRussianAndEnglishWithNoEnglishLeaking() throws Exception {
        try (HostedBrowser b = HostedBrowser.desktop()) {
            open(b, console("ru"));
            assertThat(b.js("return document.documentElement.lang")).isEqualTo("ru");
            Object answer = b.driver.executeAsyncScript("""
                    const done = arguments[arguments.length - 1];
                    const src = document.querySelector('script[type=module]').src.replace('console.js', 'i18n.js');
                    import(src).then((m) => done(JSON.stringify(m.STRINGS))).catch((e) => done('failed: ' + e));
                    """);
            JsonNode strings = JSON.readTree(String.valueOf(answer));
            JsonNode en = strings.get("en");
            List<String> keys = new ArrayList<>();
            en.fieldNames().forEachRemaining(keys::add);
            assertThat(keys).hasSizeGreaterThan(150);
            for (String locale : List.of("kk", "ru")) {
                JsonNode l = strings.get(locale);
                List<String> own = new ArrayList<>();
                l.fieldNames().forEachRemaining(own::add);
                assertThat(own).as(locale + " keys").containsExactlyInAnyOrderElementsOf(keys);
                for (String key : keys) {
                    String text = l.get(key).asText();
                    assertThat(text).as(locale + " " + key).isNotBlank();
                    Matcher m = LATIN_WORD.matcher(text.replaceAll("\\{[a-z_]+}", ""));
                    assertThat(m.find()).as(locale + " " + key + " has English in it: " + text).isFalse();
                }
            }
        }
    }

    @Test
    void everyViewInKazakhAndAt768PixelsHasNoEnglishAndNoSidewaysScroll() throws Exception {
        try (HostedBrowser b = HostedBrowser.desktop(768, 1000)) {
            open(b, console("kk"));
            assertThat(b.js("return document.documentElement.lang")).isEqualTo("kk");
            assertThat(b.driver.findElement(By.id("nav-flows")).getText()).isEqualTo("Тексерулер");
            String[][] views = {
                {"", "#flows-table tbody tr"}, {"#/flows/" + passed.flowId(), "#flow-detail"},
                {"#/charts", "#chart-range"}, {"#/kyc", "#kyc-lists"}, {"#/data", "#retention dd"},
                {"#/audit", "#audit-range"}};
            for (String[] v : views) {
                b.driver.get(console("kk") + v[0]);
                waitFor(b, "#principal", e -> !e.getText().isEmpty());
                shown(b, v[1]);
                String name = v[0].isEmpty() ? "flows" : v[0].substring(2).replaceAll("/.*", "-detail");
                b.screenshot("console/kk-768-" + name);
                Object overflow = b.js("return document.documentElement.scrollWidth - window.innerWidth");
                assertThat(((Number) overflow).intValue()).as(name + " scrolls sideways").isLessThanOrEqualTo(0);
                // the words of the page (not the wire codes, ids and data it shows) are Kazakh
                String words = String.valueOf(b.js("""
                        const clone = document.body.cloneNode(true);
                        clone.querySelectorAll('.mono, .badge, .error-code, pre, td, time, option, #principal, #error, .brand, .chart')
                          .forEach((e) => e.remove());
                        return clone.innerText;"""));
                Matcher m = LATIN_WORD.matcher(words);
                assertThat(m.find()).as(name + " shows English: " + (m.hitEnd() ? "" : m.group()) + "\n" + words).isFalse();
            }
            // keyboard: Tab reaches the header's controls and shows where focus is
            b.driver.get(console("kk"));
            waitFor(b, "#principal", e -> !e.getText().isEmpty());
            b.driver.findElement(By.tagName("body")).sendKeys(Keys.TAB);
            assertThat(b.js("return getComputedStyle(document.activeElement).outlineStyle")).isEqualTo("solid");
        }
    }
}
