package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.assertSuccess;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.ColourFaces.BLUE;
import static dev.idflow.servlet.ColourFaces.RED;
import static dev.idflow.servlet.ColourFaces.picture;
import static dev.idflow.servlet.PersonDevice.attempt;
import static dev.idflow.servlet.PersonDevice.metadata;
import static dev.idflow.servlet.PersonDevice.statuses;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Multipart;
import dev.idflow.servlet.TestServer.Reply;
import java.awt.Color;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code veriface} through a real Jetty: a live flow's verilive step produces the best frame, and the
 * veriface step after it matches that face against the reference (the person's uploaded
 * {@code face_enroll_img}, or a file the step names). The consumer reads the outcome through
 * {@code /flow/{id}/result} and {@code /journal/session/{id}} (validated against the contract; the spec's
 * session result is a VeriliveResult, so veriface's own result — similarity, threshold, decision,
 * reference — is the host's to read through the Java API).
 */
class VerifaceServiceTest {
    static ColourFaces faces;
    static TestServer server;
    static PersonDevice live;
    static PersonDevice test;

    @BeforeAll
    static void start() throws Exception {
        faces = new ColourFaces();
        server = new TestServer("/kyc", b -> b.faceMatcher(faces).faceAnalysis(new FaceEngines(faces)));
        live = PersonDevice.liveKey(server);
        test = PersonDevice.testKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static final String LIVENESS_THEN_VERIFACE = "[{\"service_name\":\"verilive\"},{\"service_name\":\"veriface\"}]";

    /** The consumer uploads the person's enrolment picture (POST /resources/storage, signed with the live key). */
    private static void enroll(String person, byte[] jpeg) throws Exception {
        Reply reply = server.postMultipart("/resources/storage", server.live("/resources/storage"),
                new Multipart().field("label", "face_enroll_img").field("person_id", person)
                        .file("upload_file", "enrol.jpg", "image/jpeg", jpeg));
        assertThat(reply.status()).as("upload answered %s", reply.body()).isEqualTo(201);
    }

    /** Runs the flow's liveness step with three frames of one face; the flow then runs veriface at once. */
    private static Created livenessThenVeriface(PersonDevice device, String person, String pipeline, Color face)
            throws Exception {
        Created flow = device.createFlow(person, pipeline);
        JsonNode step = device.start(flow.vlinkId()).get("current_step");
        ObjectNode meta = metadata(step.get("pipeline"), server.clock.instant().minusSeconds(10), "FaceTime HD Camera");
        JsonNode answer = device.attempt(step.get("access_token").asText(),
                attempt(meta, picture(face), picture(0.8, face), picture(0.6, face)));
        assertThat(answer.get("success").asBoolean()).as("the liveness attempt passed: %s", answer).isTrue();
        return flow;
    }

    private static ServiceSession verifaceSession(String flowId) {
        return StepsOnTheWire.last(server, flowId);
    }

    @Test
    void theSameFaceAboveTheThresholdPasses() throws Exception {
        String person = newPerson();
        enroll(person, picture(0.5, RED)); // the same person, photographed smaller
        Created flow = livenessThenVeriface(live, person, LIVENESS_THEN_VERIFACE, RED);

        JsonNode result = live.result(flow.flowId());
        assertThat(result.get("flow_status").asText()).isEqualTo("pass");
        JsonNode veriface = statuses(result).get(1);
        assertThat(veriface.get("service_name").asText()).isEqualTo("veriface");
        assertThat(veriface.get("session_status").asText()).isEqualTo("pass");
        assertThat(veriface.get("frontend_session_status").asText()).isEqualTo("approved");
        JsonNode journal = live.journal(veriface.get("session_id").asText());
        assertThat(journal.get("service_name").asText()).isEqualTo("veriface");

        ServiceSession session = verifaceSession(flow.flowId());
        ObjectNode stored = session.result();
        assertThat(stored.get("service_status").asText()).isEqualTo("success");
        assertThat(stored.get("decision").asText()).isEqualTo("match");
        assertThat(stored.get("similarity").asDouble()).isGreaterThanOrEqualTo(stored.get("threshold").asDouble());
        assertThat(stored.get("threshold").asDouble()).isEqualTo(0.9);
        assertThat(stored.at("/reference/source").asText()).isEqualTo("person_upload");
        assertThat(stored.at("/reference/label").asText()).isEqualTo("face_enroll_img");
        assertThat(stored.get("model").asText()).isEqualTo("colour-faces@1");
    }

    @Test
    void aDifferentFaceFailsBelowTheThreshold() throws Exception {
        String person = newPerson();
        enroll(person, picture(BLUE));
        Created flow = livenessThenVeriface(live, person, LIVENESS_THEN_VERIFACE, RED);

        JsonNode result = live.result(flow.flowId());
        assertThat(result.get("flow_status").asText()).isEqualTo("fail");
        JsonNode veriface = statuses(result).get(1);
        assertThat(veriface.get("session_status").asText()).isEqualTo("fail");
        assertThat(veriface.get("frontend_session_status").asText()).isEqualTo("denied");
        live.journal(veriface.get("session_id").asText());
        assertThat(statuses(result)).as("a different face is no reason to try again").hasSize(2);

        ObjectNode stored = verifaceSession(flow.flowId()).result();
        assertThat(stored.get("service_status").asText()).isEqualTo("fail");
        assertThat(stored.get("decision").asText()).isEqualTo("no_match");
        assertThat(stored.get("similarity").asDouble()).isLessThan(stored.get("threshold").asDouble());
    }

    @Test
    void aStepThresholdOverridesTheMatchersOwn() throws Exception {
        String person = newPerson();
        enroll(person, picture(BLUE));
        Created flow = livenessThenVeriface(live, person,
                "[{\"service_name\":\"verilive\"},{\"service_name\":\"veriface\",\"threshold\":0.3}]", RED);

        assertThat(live.result(flow.flowId()).get("flow_status").asText()).isEqualTo("pass");
        ObjectNode stored = verifaceSession(flow.flowId()).result();
        assertThat(stored.get("threshold").asDouble()).isEqualTo(0.3);
        assertThat(stored.get("decision").asText()).isEqualTo("match");
    }

    @Test
    void withoutAReferenceTheStepFailsAndSaysWhy() throws Exception {
        Created flow = livenessThenVeriface(live, newPerson(), LIVENESS_THEN_VERIFACE, RED);

        JsonNode veriface = statuses(live.result(flow.flowId())).get(1);
        assertThat(veriface.get("session_status").asText()).isEqualTo("fail");
        live.journal(veriface.get("session_id").asText());
        ObjectNode stored = verifaceSession(flow.flowId()).result();
        assertThat(stored.get("reason").asText()).isEqualTo("no_reference");
        assertThat(stored.has("similarity")).isFalse();
    }

    @Test
    void withoutABestFrameTheStepFailsAndSaysWhy() throws Exception {
        String person = newPerson();
        enroll(person, picture(RED));
        Created flow = live.createFlow(person, "[{\"service_name\":\"consent\"},{\"service_name\":\"veriface\"}]");
        live.start(flow.vlinkId());
        live.consent(flow.vlinkId());

        JsonNode veriface = statuses(live.result(flow.flowId())).get(1);
        assertThat(veriface.get("session_status").asText()).isEqualTo("fail");
        assertThat(verifaceSession(flow.flowId()).result().get("reason").asText()).isEqualTo("no_probe");
    }

    @Test
    void aReferenceWithTwoFacesOrNoneFailsAndSaysWhich() throws Exception {
        String twoFaces = newPerson();
        enroll(twoFaces, picture(RED, BLUE));
        Created flow = livenessThenVeriface(live, twoFaces, LIVENESS_THEN_VERIFACE, RED);
        assertThat(verifaceSession(flow.flowId()).result().get("reason").asText()).isEqualTo("several_faces_in_reference");

        String noFace = newPerson();
        enroll(noFace, picture());
        Created other = livenessThenVeriface(live, noFace, LIVENESS_THEN_VERIFACE, RED);
        assertThat(verifaceSession(other.flowId()).result().get("reason").asText()).isEqualTo("no_face_in_reference");
    }

    @Test
    void aStepMayNameTheLabelOfItsReference() throws Exception {
        String person = newPerson();
        enroll(person, picture(BLUE)); // not this one
        Reply reply = server.postMultipart("/resources/storage", server.live("/resources/storage"),
                new Multipart().field("label", "face_verif_img").field("person_id", person)
                        .file("upload_file", "photo.png", "image/png", ColourFaces.png(RED)));
        assertThat(reply.status()).as("upload answered %s", reply.body()).isEqualTo(201);
        Created flow = livenessThenVeriface(live, person,
                "[{\"service_name\":\"verilive\"},{\"service_name\":\"veriface\",\"reference\":\"face_verif_img\"}]", RED);

        assertThat(live.result(flow.flowId()).get("flow_status").asText()).isEqualTo("pass");
        assertThat(verifaceSession(flow.flowId()).result().at("/reference/label").asText()).isEqualTo("face_verif_img");
    }

    @Test
    void badOptionsAreRefusedAtCreateNamingTheOption() throws Exception {
        StepsOnTheWire.refusedAtCreate(server, "{\"service_name\":\"veriface\",\"threshold\":1.5}",
                "template.pipeline[0].threshold");
        StepsOnTheWire.refusedAtCreate(server, "{\"service_name\":\"veriface\",\"reference\":\"Not A Label\"}",
                "template.pipeline[0].reference");
    }

    @Test
    void aLiveFlowWithoutAFaceMatcherIsRefusedAtCreateWhileATestFlowGetsTheSandbox() throws Exception {
        try (TestServer bare = new TestServer("/kyc")) {
            String body = "{\"person_id\":\"" + newPerson() + "\",\"template\":{\"pipeline\":" + LIVENESS_THEN_VERIFACE + "}}";

            Reply refused = bare.postJson("/flow", bare.live("/flow"), body);

            JsonNode error = assertError(refused, 422, "SERVICE_NOT_AVAILABLE", "template.pipeline[1].service_name");
            assertThat(error.get("error_msg").asText()).contains("step-2").contains("veriface");
            assertSuccess(bare.postJson("/flow", Headers.test(TestServer.TEST_KEY), body), 201);
        }
    }

    @Test
    void aTestFlowFollowsTheMockeryScript() throws Exception {
        String person = newPerson();
        test.script(person, "verilive", "real");
        test.script(person, "veriface", "fail");
        Created flow = test.createFlow(person, LIVENESS_THEN_VERIFACE);
        JsonNode step = test.start(flow.vlinkId()).get("current_step");
        test.attempt(step.get("access_token").asText(), attempt(metadata(step.get("pipeline"),
                server.clock.instant().minusSeconds(10), "FaceTime HD Camera"), picture(RED)));

        JsonNode result = test.result(flow.flowId());
        assertThat(statuses(result).get(1).get("session_status").asText()).isEqualTo("fail");
    }
}
