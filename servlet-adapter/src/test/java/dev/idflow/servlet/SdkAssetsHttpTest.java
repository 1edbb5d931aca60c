package dev.idflow.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Reply;
import java.net.http.HttpRequest;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The web SDK's files over plain HTTP: {@code {mount}/sdk/idflow-liveness.js} and every module it
 * imports are served beside it as JavaScript no browser sniffs, revalidated on every use (the URL is not
 * versioned) and cheap to revalidate (304), and the shared modules are byte for byte the hosted page's.
 */
class SdkAssetsHttpTest {
    /** A static import's specifier: {@code import … from './x.js'}, {@code import './x.js'}, {@code export … from './x.js'}. */
    private static final Pattern IMPORT = Pattern.compile(
            "(?m)^\\s*(?:import\\b[^;'\"]*?|export\\b[^;'\"]*?\\bfrom\\s*)['\"]([^'\"]+)['\"]");
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** The Content-Type as a browser compares it: case and spaces aside. */
    private static String type(Reply reply) {
        return reply.header("Content-Type").orElse("").replace(" ", "").toLowerCase(java.util.Locale.ROOT);
    }

    @Test
    void theSdkAndEveryModuleItImportsAreServedBesideItAsJavaScriptRevalidatedOnEveryUse() throws Exception {
        Set<String> served = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of("idflow-liveness.js"));
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (!served.add(name)) {
                continue;
            }
            Reply js = server.get("/sdk/" + name, new Headers());
            assertThat(js.status()).as(name).isEqualTo(200);
            assertThat(type(js)).as(name).isEqualTo("text/javascript;charset=utf-8");
            assertThat(js.header("X-Content-Type-Options")).as(name).contains("nosniff");
            assertThat(js.header("Cache-Control")).as(name).contains("no-cache");
            assertThat(js.header("ETag")).as(name).hasValueSatisfying(etag -> assertThat(etag).matches("\"[0-9a-f]{20}\""));
            assertThat(js.header("Cross-Origin-Resource-Policy")).as(name).contains("cross-origin");

            Reply again = server.get("/sdk/" + name, new Headers().add("If-None-Match", js.header("ETag").orElseThrow()));
            assertThat(again.status()).as(name + " revalidated").isEqualTo(304);
            assertThat(again.bytes()).isEmpty();

            Matcher m = IMPORT.matcher(js.body());
            while (m.find()) {
                // beside it, never on another host: the page that imports the SDK makes no other request
                assertThat(m.group(1)).as("an import of " + name).matches("\\./[a-z0-9-]+\\.js");
                todo.add(m.group(1).substring(2));
            }
        }
        assertThat(served).containsExactlyInAnyOrder("idflow-liveness.js", "i18n.js", "camera.js", "ui.js");
    }

    @Test
    void itsStylesheetIsServedBesideIt() throws Exception {
        assertThat(server.get("/sdk/idflow-liveness.js", new Headers()).body()).contains("'./idflow-liveness.css'");
        Reply css = server.get("/sdk/idflow-liveness.css", new Headers());
        assertThat(css.status()).isEqualTo(200);
        assertThat(type(css)).isEqualTo("text/css;charset=utf-8");
        assertThat(css.header("X-Content-Type-Options")).contains("nosniff");
        assertThat(css.header("Cache-Control")).contains("no-cache");
        assertThat(css.body()).contains("--idflow-accent");
    }

    @Test
    void theCameraStepWordsAndHelpersAreTheHostedPagesOwnBytes() throws Exception {
        Reply page = server.get("/hf/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", new Headers());
        Matcher asset = Pattern.compile("assets/(v[0-9a-f]+)/app\\.js").matcher(page.body());
        assertThat(asset.find()).as(page.body()).isTrue();
        String version = asset.group(1);
        assertThat(server.get("/hf/assets/" + version + "/app.js", new Headers()).body())
                .contains("from './camera.js'").contains("from './ui.js'");
        for (String name : List.of("camera.js", "i18n.js", "ui.js")) {
            Reply hosted = server.get("/hf/assets/" + version + "/" + name, new Headers());
            assertThat(hosted.status()).as(name).isEqualTo(200);
            assertThat(type(hosted)).as(name).isEqualTo("text/javascript;charset=utf-8");
            assertThat(server.get("/sdk/" + name, new Headers()).bytes()).as(name).isEqualTo(hosted.bytes());
        }
    }

    @Test
    void onlyGetAndHeadAreAnsweredAndAnUnknownFileIsNotFound() throws Exception {
        Reply head = server.send("HEAD", "/sdk/idflow-liveness.js", new Headers(), HttpRequest.BodyPublishers.noBody(), null);
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.header("Content-Length").map(Long::parseLong)).hasValueSatisfying(n -> assertThat(n).isPositive());
        assertThat(head.bytes()).isEmpty();

        Reply post = server.postJson("/sdk/idflow-liveness.js", new Headers(), "{}");
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.header("Allow")).contains("GET, HEAD");
        assertThat(post.body()).contains("METHOD_NOT_ALLOWED");

        for (String path : List.of("/sdk/app.js", "/sdk/nothing.js", "/sdk/", "/sdk/hosted/camera.js")) {
            Reply missing = server.get(path, new Headers());
            assertThat(missing.status()).as(path).isEqualTo(404);
            assertThat(missing.header("Content-Type")).as(path).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        }
    }
}
