package dev.idflow.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.api.ApiDispatcher;
import org.junit.jupiter.api.Test;

/** The request log masks vlink tokens exactly as ApiDispatcher.redact does, without a regex. */
class RedactingRequestLogTest {

    private static String redacted(String path) {
        StringBuilder out = new StringBuilder();
        RedactingRequestLog.appendRedacted(out, path);
        return out.toString();
    }

    @Test
    void masksTheVlinkTokenOfEveryPersonPath() {
        assertThat(RedactingRequestLog.line("GET", "/hf/abcDEF123/api/state", 200, 42, 3))
                .isEqualTo("GET /hf/***/api/state 200 42B 3ms")
                .doesNotContain("abcDEF123");
        assertThat(redacted("/hf/tok")).isEqualTo("/hf/***");
        assertThat(redacted("/flow/01ABC")).isEqualTo("/flow/01ABC");
    }

    @Test
    void agreesWithTheDispatchersRedaction() {
        for (String path : new String[] {"/hf/tok/api/start", "/hf/tok?x=1", "/hf/", "/hf//hf/tok", "/a/hf/t1/b/hf/t2",
                "/hf/hf/tok", "/xhf/tok", "", "/", "/hf", "/hf/a/hf/", "/flow/1/hf/secret/api/steps/step-1/submit"}) {
            assertThat(redacted(path)).as(path).isEqualTo(ApiDispatcher.redact(path));
        }
    }
}
