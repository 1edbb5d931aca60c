package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.ColourFaces.picture;
import static dev.idflow.servlet.PersonDevice.attempt;
import static dev.idflow.servlet.PersonDevice.metadata;
import static dev.idflow.servlet.PersonDevice.statuses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.FaceLists;
import dev.idflow.core.model.FaceTemplate;
import dev.idflow.core.model.KeyMode;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Multipart;
import dev.idflow.servlet.TestServer.Reply;
import java.awt.Color;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Face lists through a real Jetty, for a consumer that enabled them: a liveness attempt whose verdict is
 * {@code real} has its best frame searched against the consumer's blacklist ({@code face_in_blacklist},
 * attack), graylist ({@code face_in_graylist}, unknown) and the faces verified under its other
 * person_ids ({@code face_has_another_account}, attack); veriface searches its probe too. Templates are
 * sealed, kept apart for test and live, never in any answer, and deleted with the person. Each test
 * uses faces (colours) of its own: every real verdict keeps the person's face.
 */
class FaceListsTest {
    static final Color MAGENTA = new Color(224, 32, 224);
    static final Color CYAN = new Color(32, 224, 224);
    static final Color ORANGE = new Color(224, 160, 32);
    static final Color PURPLE = new Color(160, 32, 224);
    static final Color SKY = new Color(32, 160, 224);
    static final Color LIME = new Color(160, 224, 32);
    static final Color ROSE = new Color(224, 32, 160);
    static ColourFaces faces;
    static TestServer server;
    static PersonDevice live;
    static PersonDevice test;
    static FaceLists lists;
    /** Every answer the tests read, to check no template is in any of them. */
    static final List<String> answers = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        faces = new ColourFaces();
        server = new TestServer("/kyc", b -> b.faceMatcher(faces).faceAnalysis(new FaceEngines(faces)));
        live = PersonDevice.liveKey(server);
        test = PersonDevice.testKey(server);
        lists = server.idflow.faceLists();
        assertThat(lists.enable("acme")).isTrue();
        assertThat(lists.enabled("acme")).isTrue();
        assertThat(lists.enabled("globex")).isFalse();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private record Run(Created flow, String sessionId, JsonNode answer, JsonNode result) {
    }

    /** A hosted flow of one verilive step for {@code person}, its attempt made of frames of {@code face}. */
    private static Run liveness(PersonDevice device, String person, Color face) throws Exception {
        Created flow = device.createFlow(person, "[{\"service_name\":\"verilive\"}]");
        JsonNode state = device.start(flow.vlinkId());
        answers.add(state.toString());
        JsonNode step = state.get("current_step");
        JsonNode answer = device.attempt(step.get("access_token").asText(), attempt(metadata(step.get("pipeline"),
                server.clock.instant().minusSeconds(10), "FaceTime HD Camera"), picture(face), picture(0.7, face)));
        answers.add(answer.toString());
        String sessionId = step.get("session_id").asText();
        JsonNode journal = device.journal(sessionId);
        answers.add(journal.toString());
        JsonNode result = device.result(flow.flowId());
        answers.add(result.toString());
        answers.add(device.flow(flow.flowId()).toString());
        return new Run(flow, sessionId, answer, journal.get("result"));
    }

    private static List<String> codes(JsonNode result) {
        List<String> out = new ArrayList<>();
        result.get("error_codes").forEach(c -> out.add(c.asText()));
        return out;
    }

    @Test
    void aFaceOnTheBlacklistIsAnAttack() throws Exception {
        FaceLists.Entry entry = lists.enroll("acme", KeyMode.LIVE, "blacklist", picture(0.6, ColourFaces.YELLOW),
                null, "case 2026-114");
        assertThat(entry.list()).isEqualTo("blacklist");
        assertThat(lists.list("acme", KeyMode.LIVE, "blacklist")).contains(entry);

        Run run = liveness(live, newPerson(), ColourFaces.YELLOW);

        assertThat(run.answer().get("success").asBoolean()).isFalse();
        assertThat(run.answer().get("error_code").asText()).isEqualTo("face_in_blacklist");
        assertThat(run.result().get("service_status").asText()).isEqualTo("attack");
        assertThat(codes(run.result())).containsExactly("face_in_blacklist");
        JsonNode flow = live.result(run.flow().flowId());
        assertThat(flow.get("flow_status").asText()).isEqualTo("fail");
        assertThat(statuses(flow)).as("the same face would be on the list again: no retry").hasSize(1);
    }

    @Test
    void aBlacklistedFaceEndsAConsumersLivenessSessionAtOnceWhateverItsAttempts() throws Exception {
        Color face = new Color(96, 224, 224);
        lists.enroll("acme", KeyMode.LIVE, "blacklist", picture(face));
        JsonNode created = live.livenessSession("{\"person_id\":\"" + newPerson() + "\",\"max_retries\":3}");
        JsonNode pipeline = PersonDevice.clientOk(live.clientSession(created.get("access_token").asText())).get("pipeline");

        JsonNode answer = live.attempt(created.get("access_token").asText(), attempt(metadata(pipeline,
                server.clock.instant().minusSeconds(10), "FaceTime HD Camera"), picture(face)));

        assertThat(answer.get("error_code").asText()).isEqualTo("face_in_blacklist");
        assertThat(answer.get("attempts_left").asInt()).as("none could pass").isZero();
        Reply again = live.attemptReply(created.get("access_token").asText(), attempt(metadata(pipeline,
                server.clock.instant().minusSeconds(10), "FaceTime HD Camera"), picture(face)));
        PersonDevice.clientError(again, 409, "NO_ATTEMPTS_LEFT");
        assertThat(live.journal(created.get("session_id").asText()).at("/result/service_status").asText()).isEqualTo("attack");
    }

    @Test
    void aFaceOnTheGraylistIsLeftUnknownForAReview() throws Exception {
        lists.enroll("acme", KeyMode.LIVE, "graylist", picture(MAGENTA));

        Run run = liveness(live, newPerson(), MAGENTA);

        assertThat(run.result().get("service_status").asText()).isEqualTo("unknown");
        assertThat(codes(run.result())).containsExactly("face_in_graylist");
        JsonNode session = statuses(live.result(run.flow().flowId())).get(0);
        assertThat(session.get("session_status").asText()).isEqualTo("unknown");
        assertThat(session.get("frontend_session_status").asText()).isEqualTo("reviewing");
        assertThat(lists.verifiedCount("acme", KeyMode.LIVE)).as("kept only once a verdict is real").isPositive();
    }

    @Test
    void theSameFaceVerifiedUnderAnotherPersonIdIsAnotherAccountButNotForThePersonThemself() throws Exception {
        String first = newPerson();
        Run verified = liveness(live, first, CYAN);
        assertThat(verified.result().get("service_status").asText()).isEqualTo("real");

        Run again = liveness(live, first, CYAN);
        assertThat(again.result().get("service_status").asText()).as("one's own face is no other account").isEqualTo("real");

        Run other = liveness(live, newPerson(), CYAN);
        assertThat(other.result().get("service_status").asText()).isEqualTo("attack");
        assertThat(codes(other.result())).containsExactly("face_has_another_account");
        assertThat(other.answer().get("error_code").asText()).isEqualTo("face_has_another_account");

        Run someoneElse = liveness(live, newPerson(), SKY);
        assertThat(someoneElse.result().get("service_status").asText()).isEqualTo("real");
    }

    @Test
    void aPersonsFacesAreDeletedWithThePerson() throws Exception {
        String person = newPerson();
        liveness(live, person, ORANGE);
        FaceLists.Entry enrolled = lists.enroll("acme", KeyMode.LIVE, "graylist", picture(LIME), person, null);

        assertThat(lists.deletePerson("acme", person)).isEqualTo(2);

        assertThat(lists.list("acme", KeyMode.LIVE, "graylist")).doesNotContain(enrolled);
        Run other = liveness(live, newPerson(), ORANGE);
        assertThat(other.result().get("service_status").asText()).as("the erased face is no other account").isEqualTo("real");
        Run lime = liveness(live, newPerson(), LIME);
        assertThat(lime.result().get("service_status").asText()).isEqualTo("real");
    }

    @Test
    void testAndLiveTemplatesNeverMeet() throws Exception {
        lists.enroll("acme", KeyMode.LIVE, "blacklist", picture(PURPLE));

        Run inTest = liveness(test, newPerson(), PURPLE);
        assertThat(inTest.result().get("service_status").asText()).as("a live blacklist is not the sandbox's").isEqualTo("real");

        lists.enroll("acme", KeyMode.TEST, "blacklist", picture(ROSE));
        Run liveRose = liveness(live, newPerson(), ROSE);
        assertThat(liveRose.result().get("service_status").asText()).isEqualTo("real");
        Run testRose = liveness(test, newPerson(), ROSE);
        assertThat(codes(testRose.result())).containsExactly("face_in_blacklist");
    }

    @Test
    void vericfaceSearchesItsProbeToo() throws Exception {
        Color face = new Color(32, 32, 160);
        lists.enroll("acme", KeyMode.TEST, "blacklist", picture(face));
        String person = newPerson();
        // the sandbox's script decides the liveness step (no face lists there): veriface still searches
        test.script(person, "verilive", "real");
        Reply upload = server.postMultipart("/resources/storage", Headers.test(TestServer.TEST_KEY),
                new Multipart().field("label", "face_enroll_img").field("person_id", person)
                        .file("upload_file", "enrol.jpg", "image/jpeg", picture(face)));
        assertThat(upload.status()).isEqualTo(201);
        Created flow = test.createFlow(person, "[{\"service_name\":\"verilive\"},{\"service_name\":\"veriface\"}]");
        JsonNode step = test.start(flow.vlinkId()).get("current_step");
        test.attempt(step.get("access_token").asText(), attempt(metadata(step.get("pipeline"),
                server.clock.instant().minusSeconds(10), "FaceTime HD Camera"), picture(face)));

        JsonNode veriface = statuses(test.result(flow.flowId())).get(1);
        assertThat(veriface.get("session_status").asText()).isEqualTo("fail");
        var stored = StepsOnTheWire.last(server, flow.flowId()).result();
        assertThat(stored.get("decision").asText()).as("the faces match; the list fails it").isEqualTo("match");
        assertThat(stored.get("error_codes")).extracting(JsonNode::asText).containsExactly("face_in_blacklist");
    }

    @Test
    void aConsumerWithoutFaceListsIsNotSearched() throws Exception {
        Color face = new Color(160, 160, 32);
        lists.enroll("globex", KeyMode.TEST, "blacklist", picture(face));
        PersonDevice globex = PersonDevice.testKeyOf(server, TestServer.OTHER_TEST_KEY);

        Run run = liveness(globex, newPerson(), face);

        assertThat(run.result().get("service_status").asText()).isEqualTo("real");
        assertThat(lists.verifiedCount("globex", KeyMode.TEST)).as("no face kept without face lists").isZero();
    }

    @Test
    void enrollingNeedsExactlyOneFaceAndAnEntryShowsNoTemplate() {
        assertThatThrownBy(() -> lists.enroll("acme", KeyMode.LIVE, "blacklist", picture()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exactly one face").hasMessageContaining("0");
        assertThatThrownBy(() -> lists.enroll("acme", KeyMode.LIVE, "blacklist", picture(ColourFaces.RED, ColourFaces.BLUE)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2");
        assertThatThrownBy(() -> lists.enroll("acme", KeyMode.LIVE, "whitelist", picture(ColourFaces.RED)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blacklist or graylist");
        assertThatThrownBy(() -> lists.enroll("nobody", KeyMode.LIVE, "blacklist", picture(ColourFaces.RED)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no consumer");

        FaceLists.Entry entry = lists.enroll("acme", KeyMode.LIVE, "graylist", picture(new Color(32, 160, 32)));
        assertThat(FaceLists.Entry.class.getRecordComponents()).extracting(c -> c.getName())
                .doesNotContain("template", "sealedTemplate");
        assertThat(lists.remove("acme", KeyMode.TEST, entry.entryId())).as("the sandbox's lists are others").isFalse();
        assertThat(lists.remove("acme", KeyMode.LIVE, entry.entryId())).isTrue();
        assertThat(lists.remove("acme", KeyMode.LIVE, entry.entryId())).isFalse();
    }

    @Test
    void templatesAreSealedAtRestAndInNoAnswer() throws Exception {
        String person = newPerson();
        Run run = liveness(live, person, new Color(224, 96, 32));
        assertThat(run.result().get("service_status").asText()).isEqualTo("real");

        List<FaceTemplate> stored = server.storage.faceTemplates().list("acme", false, FaceTemplate.VERIFIED);
        FaceTemplate mine = stored.stream().filter(t -> person.equals(t.personId())).findFirst().orElseThrow();
        byte[] clear = faces.face(picture(new Color(224, 96, 32))).template();
        assertThat(mine.sealedTemplate()).as("sealed, not the matcher's bytes").isNotEqualTo(clear)
                .hasSizeGreaterThan(clear.length);
        List<String> forms = new ArrayList<>();
        for (FaceTemplate t : stored) {
            forms.add(Base64.getEncoder().encodeToString(t.sealedTemplate()));
            forms.add(Base64.getUrlEncoder().withoutPadding().encodeToString(t.sealedTemplate()));
        }
        forms.add(Base64.getEncoder().encodeToString(clear));
        assertThat(answers).isNotEmpty();
        for (String answer : answers) {
            for (String form : forms) {
                assertThat(answer).doesNotContain(form);
            }
        }
    }
}
