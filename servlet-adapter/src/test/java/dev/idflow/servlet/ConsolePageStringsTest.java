package dev.idflow.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.model.EndCause;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.KycListEntry;
import dev.idflow.core.model.SessionStateName;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The console's words, read from its files as the browser gets them: i18n.js has the same keys in kk, ru
 * and en, every key the page's scripts and HTML use (and every wire value they show the meaning of) is
 * in it, and the few words the server writes into the shell are i18n.js's own.
 */
class ConsolePageStringsTest {
    private static final String DIR = "/dev/idflow/servlet/console/";
    private static final Pattern BLOCK_START = Pattern.compile("^  (en|ru|kk): \\{$");
    private static final Pattern ENTRY = Pattern.compile("^    '([a-z0-9_.]+)': '((?:[^'\\\\]|\\\\.)*)',$");
    private static final Pattern KEY_LITERAL = Pattern.compile(
            "'((?:app|header|nav|error|common|flows|flow|charts|kyc|data|audit|unit)\\.[a-z0-9_.]+)'");

    static String read(String name) throws IOException {
        try (InputStream in = ConsolePageStringsTest.class.getResourceAsStream(DIR + name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** locale → key → text, parsed line by line: a line in a block that is not an entry fails the test. */
    static Map<String, Map<String, String>> strings() throws IOException {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        Map<String, String> block = null;
        for (String line : read("i18n.js").split("\n")) {
            Matcher start = BLOCK_START.matcher(line);
            if (start.matches()) {
                block = new LinkedHashMap<>();
                out.put(start.group(1), block);
            } else if (block != null && line.startsWith("  }")) {
                block = null;
            } else if (block != null && !line.isBlank()) {
                Matcher entry = ENTRY.matcher(line);
                assertThat(entry.matches()).as("an entry of i18n.js: " + line).isTrue();
                assertThat(block.put(entry.group(1), entry.group(2))).as("a key given twice: " + line).isNull();
            }
        }
        return out;
    }

    @Test
    void kazakhRussianAndEnglishHaveTheSameKeysAndNoEmptyOrUntranslatedText() throws Exception {
        Map<String, Map<String, String>> s = strings();
        assertThat(s.keySet()).containsExactlyInAnyOrder("kk", "ru", "en");
        Set<String> en = s.get("en").keySet();
        for (String locale : List.of("kk", "ru")) {
            assertThat(s.get(locale).keySet()).as(locale).containsExactlyInAnyOrderElementsOf(en);
            for (String key : en) {
                String text = s.get(locale).get(key);
                assertThat(text).as(locale + " " + key).isNotBlank();
                // placeholders are the same, so no value is lost in a language
                assertThat(placeholders(text)).as(locale + " " + key).isEqualTo(placeholders(s.get("en").get(key)));
                if (!text.matches("[{}a-z0-9 ]*")) {
                    assertThat(text).as(locale + " " + key + " is Cyrillic").containsPattern("[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]");
                }
            }
        }
    }

    @Test
    void everyKeyThePageUsesAndEveryWireValueItExplainsIsThere() throws Exception {
        Set<String> en = strings().get("en").keySet();
        Set<String> used = new LinkedHashSet<>();
        for (String file : List.of("console.js", "api.js", "dom.js", "flows.js", "charts.js", "admin.js")) {
            Matcher m = KEY_LITERAL.matcher(read(file));
            while (m.find()) {
                // 'charts.legend_' + k: a prefix, its values are listed below
                if (!m.group(1).endsWith("_") && !m.group(1).endsWith(".")) {
                    used.add(m.group(1));
                }
            }
        }
        Matcher html = Pattern.compile("data-i18n(?:-aria)?=\"([a-z0-9_.]+)\"").matcher(read("console.html"));
        while (html.find()) {
            used.add(html.group(1));
        }
        assertThat(used).hasSizeGreaterThan(100);
        // the keys the page makes from the API's values: every value the API can send has its words
        for (ExecutionStatus v : ExecutionStatus.values()) {
            used.add("status." + v.wire());
        }
        for (EndCause v : EndCause.values()) {
            used.add("end_cause." + v.wire());
        }
        for (SessionStateName v : SessionStateName.values()) {
            used.add("state." + v.wire());
        }
        for (String v : KycListEntry.FIELDS) {
            used.add("kyc.field_" + v);
        }
        used.addAll(List.of("check_type.auto", "check_type.edited", "status.running"));
        for (String kind : List.of("flow.created", "flow.started", "session.created", "session.processing",
                "session.processed", "session.reviewed", "flow.ended")) {
            used.add("event." + kind);
        }
        for (String k : List.of("pass", "fail", "unknown", "running", "passed", "failed", "stopped", "other")) {
            used.add("charts.legend_" + k);
        }
        for (String k : List.of("biometrics", "documents", "flows")) {
            used.add("data.kind_" + k);
        }
        for (String u : List.of("years", "months", "weeks", "days", "hours", "minutes", "seconds")) {
            used.add("unit." + u);
        }
        List<String> missing = new ArrayList<>(used);
        missing.removeAll(en);
        assertThat(missing).as("keys the page uses that i18n.js lacks").isEmpty();
    }

    @Test
    void theWordsTheServerWritesIntoTheShellAreI18nJsOwn() throws Exception {
        Map<String, Map<String, String>> s = strings();
        for (String locale : List.of("kk", "ru", "en")) {
            Map<String, String> server = ConsolePage.STRINGS.get(locale);
            assertThat(server.get("title")).as(locale).isEqualTo(s.get(locale).get("app.title"));
            assertThat(server.get("loading")).as(locale).isEqualTo(s.get(locale).get("app.loading"));
            assertThat(server.get("noscript")).as(locale).isEqualTo(s.get(locale).get("app.noscript"));
            assertThat(server.keySet()).containsExactlyInAnyOrder("title", "loading", "noscript", "401", "403");
        }
    }

    private static List<String> placeholders(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\\{[a-z_]+}").matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        out.sort(null);
        return out;
    }
}
