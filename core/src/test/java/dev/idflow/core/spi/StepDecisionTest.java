package dev.idflow.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.ExecutionStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a service hands the engine is a value: a {@link Screen}, a {@link StepDecision} and an
 * {@link InputRejected} never change once made, whatever happens to the JSON they were made from, and
 * a screen of a kind the page could not even name is refused when it is made.
 */
class StepDecisionTest {

    // ---------------------------------------------------------------- Screen

    @Test
    void aScreenKeepsACopyOfItsDataAndGivesOutCopies() {
        ObjectNode data = Json.mapper().createObjectNode().put("message", "checking");
        Screen screen = new Screen("wait", data);

        data.put("message", "changed afterwards");
        screen.data().put("message", "changed through the getter");

        assertThat(screen.data().get("message").asText()).isEqualTo("checking");
        assertThat(screen.toJson().toString()).isEqualTo("{\"kind\":\"wait\",\"message\":\"checking\"}");
    }

    @Test
    void withMakesANewScreenAndLeavesTheOldOneAsItWas() {
        Screen info = Screen.of("info");
        Screen titled = info.with("title", Map.of("en", "Almost done", "ru", "Почти готово"))
                .with("message", "Press continue");

        assertThat(info.data()).isEmpty();
        assertThat(titled.data().at("/title/ru").asText()).isEqualTo("Почти готово");
        assertThat(titled.data().get("message").asText()).isEqualTo("Press continue");
    }

    @Test
    void aScreensKindIsItsOwnAndNotAFieldOfItsData() {
        Screen screen = new Screen("form", object("{\"kind\":\"camera\",\"fields\":[]}"));

        assertThat(screen.kind()).isEqualTo("form");
        assertThat(screen.data().has("kind")).isFalse();
        assertThat(screen.toJson().get("kind").asText()).isEqualTo("form");
    }

    @Test
    void aScreenReadBackFromItsJsonIsTheSameScreen() {
        Screen screen = Screen.of("otp").with("channel", "sms").with("length", 6);

        Screen read = Screen.fromJson(screen.toJson());

        assertThat(read).isEqualTo(screen);
        assertThat(read.kind()).isEqualTo("otp");
    }

    @Test
    void aKindThePageCouldNotNameIsRefusedWhenTheScreenIsMade() {
        for (String bad : List.of("", "Form", "1form", "my form", "form<script>", "x".repeat(33))) {
            assertThatThrownBy(() -> Screen.of(bad)).as("kind %s", bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("screen kind: must match");
        }
        assertThatThrownBy(() -> Screen.of(null)).isInstanceOf(NullPointerException.class).hasMessage("kind");
    }

    @Test
    void aHostsOwnKindIsAllowedAndThePageShowsItsInProgressScreen() {
        Screen own = Screen.of("bank-video-call");

        assertThat(own.kind()).isEqualTo("bank-video-call");
        assertThat(Screen.KINDS).doesNotContain("bank-video-call")
                .contains("consent", "language", "camera", "form", "otp", "upload", "documents", "sign", "wait", "info");
    }

    // ---------------------------------------------------------------- StepDecision

    @Test
    void finishCarriesItsOutcomeAndNothingElse() {
        StepDecision passed = StepDecision.pass(result("success"));
        StepDecision failed = StepDecision.fail(result("fail"));

        assertThat(passed.kind()).isEqualTo(StepDecision.Kind.FINISH);
        assertThat(passed.outcome().status()).isEqualTo(ExecutionStatus.PASS);
        assertThat(failed.outcome().status()).isEqualTo(ExecutionStatus.FAIL);
        assertThat(passed.screen()).isNull();
        assertThat(passed.camera()).isNull();
        assertThat(passed.rejection()).isNull();
        assertThat(passed.effects()).isEmpty();
        assertThatThrownBy(() -> StepDecision.finish(null)).isInstanceOf(NullPointerException.class).hasMessage("outcome");
    }

    @Test
    void anAwaitingDecisionKeepsACopyOfItsState() {
        ObjectNode state = Json.mapper().createObjectNode().put("tries", 0);
        StepDecision decision = StepDecision.awaitPerson(Screen.of("form"), state);

        state.put("tries", 5);
        decision.state().put("tries", 9);

        assertThat(decision.kind()).isEqualTo(StepDecision.Kind.AWAIT_PERSON);
        assertThat(decision.state().get("tries").asInt()).isZero();
        assertThat(StepDecision.awaitOutside(Screen.of("wait"), null).state()).as("no state: an empty object").isEmpty();
        assertThatThrownBy(() -> StepDecision.awaitPerson(null, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("screen");
    }

    @Test
    void thenAndRejectingMakeNewDecisionsAndLeaveTheFirstAsItWas() throws Exception {
        List<String> ran = new ArrayList<>();
        StepDecision plain = StepDecision.awaitPerson(Screen.of("otp"), null);
        InputRejected wrong = InputRejected.invalid("code", "wrong_code", "is not the code sent");

        StepDecision more = plain.then(() -> ran.add("send")).then(() -> ran.add("audit")).rejecting(wrong);

        assertThat(plain.effects()).isEmpty();
        assertThat(plain.rejection()).isNull();
        assertThat(more.rejection()).isSameAs(wrong);
        assertThat(more.kind()).isEqualTo(StepDecision.Kind.AWAIT_PERSON);
        assertThat(more.screen().kind()).isEqualTo("otp");
        for (StepDecision.Effect effect : more.effects()) {
            effect.run();
        }
        assertThat(ran).as("the effects in the order added; none ran when they were added").containsExactly("send", "audit");
        assertThatThrownBy(() -> more.effects().add(() -> { })).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> plain.then(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aCameraDecisionShowsTheCameraAndNeedsAtLeastOneAttemptAndSecond() {
        List<String> group = new ArrayList<>(List.of("smile"));
        StepDecision camera = StepDecision.awaitCamera(new StepDecision.Camera(List.of(group), 1, 600, null));
        group.add("blink");

        assertThat(camera.kind()).isEqualTo(StepDecision.Kind.AWAIT_CAMERA);
        assertThat(camera.screen().kind()).isEqualTo("camera");
        assertThat(camera.camera().pipeline()).containsExactly(List.of("smile"));
        assertThatThrownBy(() -> new StepDecision.Camera(List.of(), 0, 600, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("attempts: must be at least 1");
        assertThatThrownBy(() -> new StepDecision.Camera(List.of(), 1, 0, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("durationSeconds: must be at least 1");
    }

    @Test
    void anOutcomeKeepsCopiesOfItsResultFilesAndData() {
        ObjectNode result = result("success");
        java.util.Map<String, String> data = new java.util.HashMap<>(Map.of("full_name", "ALIYEV ARMAN"));
        ServiceOutcome outcome = ServiceOutcome.pass(result).withData(data)
                .withFiles(Map.of("kisc_pii", new ServiceFile("application/json", "{}".getBytes())));

        result.put("service_status", "fail");
        data.put("full_name", "someone else");
        outcome.result().put("service_status", "fail");

        assertThat(outcome.result().get("service_status").asText()).isEqualTo("success");
        assertThat(outcome.data()).containsExactly(Map.entry("full_name", "ALIYEV ARMAN"));
        assertThat(outcome.files()).containsOnlyKeys("kisc_pii");
        assertThatThrownBy(() -> outcome.data().put("iin", "1")).isInstanceOf(UnsupportedOperationException.class);
    }

    // ---------------------------------------------------------------- InputRejected

    @Test
    void aWrongAnswerNamesItsFieldAndRuleAndSaysHowInItsMessage() {
        InputRejected rejected = InputRejected.invalid("answers.iin", "pattern", "must be 12 digits");

        assertThat(rejected.field()).isEqualTo("answers.iin");
        assertThat(rejected.rule()).isEqualTo("pattern");
        assertThat(rejected.getMessage()).isEqualTo("answers.iin: must be 12 digits");
        assertThat(rejected.retryAfterSeconds()).isEmpty();
        assertThat(rejected.getStackTrace()).as("a person's mistake, not a bug: no stack trace is taken").isEmpty();
        assertThatThrownBy(() -> InputRejected.invalid(null, "required", "x")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> InputRejected.invalid("code", null, "x")).isInstanceOf(NullPointerException.class);
    }

    @Test
    void tooSoonAsksToWaitAtLeastASecond() {
        assertThat(InputRejected.tooSoon("step_id", 42, "resend after 42 s").retryAfterSeconds()).hasValue(42);
        assertThat(InputRejected.tooSoon("step_id", 0, "now").retryAfterSeconds()).hasValue(1);
        assertThat(InputRejected.tooSoon("step_id", 5, "later").rule()).isEqualTo("too_soon");
    }

    @Test
    void anAnswerOfTheWrongKindNamesTheServiceAndHowItWasSent() {
        InputRejected upload = InputRejected.unexpected("consent", new PersonInput.Upload(List.of()));
        InputRejected resend = InputRejected.unexpected("flow-form", new PersonInput.Resend());

        assertThat(upload.field()).isEqualTo("step_id");
        assertThat(upload.rule()).isEqualTo("type");
        assertThat(upload.getMessage()).isEqualTo("step_id: a consent step is not answered through files");
        assertThat(resend.getMessage()).isEqualTo("step_id: a flow-form step is not answered through resend");
    }

    @Test
    void aSubmittedAnswerIsACopy() {
        ObjectNode body = object("{\"accepted\":true}");
        PersonInput.Submit submit = new PersonInput.Submit(body);

        body.put("accepted", false);
        ((ObjectNode) submit.body()).put("accepted", false);

        assertThat(submit.body().get("accepted").asBoolean()).isTrue();
    }

    private static ObjectNode result(String status) {
        return Json.mapper().createObjectNode().put("service_name", "kisc").put("service_status", status);
    }

    private static ObjectNode object(String json) {
        try {
            return (ObjectNode) Json.mapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- thenComplete

    @Test
    void onlyADecisionThatWaitsForAnOutsideSystemIsCompletedByItsWorkAndOnlyOnce() throws Exception {
        StepDecision.Completion work = () -> ServiceOutcome.pass(null);
        StepDecision waiting = StepDecision.awaitOutside(Screen.of("wait"), null);
        StepDecision completed = waiting.thenComplete(work).then(() -> { });

        assertThat(waiting.completion()).as("the original is unchanged").isNull();
        assertThat(completed.completion()).isSameAs(work);
        assertThat(completed.effects()).hasSize(1);
        assertThat(completed.rejecting(InputRejected.invalid("x", "type", "x")).completion()).isSameAs(work);
        assertThatThrownBy(() -> completed.thenComplete(work)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has its completion already");
        assertThatThrownBy(() -> StepDecision.pass(null).thenComplete(work)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("only a decision that waits for an outside system");
        assertThatThrownBy(() -> StepDecision.awaitPerson(Screen.of("consent"), null).thenComplete(work))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aFileKeyWithANumberAfterAHashIsAnotherFileOfTheSameLabel() {
        assertThat(ServiceOutcome.fileLabel("signed_docs")).isEqualTo("signed_docs");
        assertThat(ServiceOutcome.fileLabel("signed_docs#2")).isEqualTo("signed_docs");
        assertThat(ServiceOutcome.fileLabel("doc_builder_pdfs#10")).isEqualTo("doc_builder_pdfs");
    }
}
