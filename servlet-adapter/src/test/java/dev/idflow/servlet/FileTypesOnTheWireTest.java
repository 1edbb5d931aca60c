package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertConformant;
import static dev.idflow.servlet.ApiAssertions.assertErrorShape;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.ApiAssertions.upload;
import static dev.idflow.servlet.PersonDevice.attempt;
import static dev.idflow.servlet.PersonDevice.clientError;
import static dev.idflow.servlet.PersonDevice.frame;
import static dev.idflow.servlet.PersonDevice.metadata;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.spi.FileQuery;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Multipart;
import dev.idflow.servlet.TestServer.Reply;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Files are what their bytes say, never what a client declares: uploads outside PDF, JPEG, PNG, WebM,
 * MP4, plain text and JSON are refused (markup above all: an SVG or HTML page must never come back
 * from the bank's origin as a page), and a download carries the file's own type from the allow-list,
 * always as a sandboxed attachment (PRODUCT.md "Files").
 */
class FileTypesOnTheWireTest {
    static TestServer server;
    static PersonDevice device;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
        device = PersonDevice.testKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static Reply store(String person, String label, String declaredType, String fileName, byte[] content)
            throws Exception {
        return server.postMultipart("/resources/storage", Headers.test(TestServer.TEST_KEY), new Multipart()
                .field("label", label).field("person_id", person).file("upload_file", fileName, declaredType, content));
    }

    private static Reply download(String query) throws Exception {
        return server.get("/resources/file?" + query, Headers.test(TestServer.TEST_KEY));
    }

    private static void assertServedAs(Reply reply, String type, byte[] content) {
        assertThat(reply.status()).as("download answered %s", reply.body()).isEqualTo(200);
        assertThat(reply.header("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith(type));
        assertThat(reply.header("Content-Disposition")).hasValueSatisfying(cd -> assertThat(cd).startsWith("attachment"));
        assertThat(reply.header("Content-Security-Policy")).hasValue("sandbox");
        assertThat(reply.header("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(reply.bytes()).isEqualTo(content);
        assertConformant(reply);
    }

    @Test
    void svgAndHtmlUploadsAreRefusedNamingUploadFileAndTheAllowedTypesAndNothingIsStored() throws Exception {
        String person = newPerson();
        byte[] svg = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"
                .getBytes(StandardCharsets.UTF_8);
        byte[] html = "\n  <!DOCTYPE html><html><body><script>fetch('/kyc/flow')</script></body></html>"
                .getBytes(StandardCharsets.UTF_8);
        byte[] binary = {0x4D, 0x5A, (byte) 0x90, 0x00, 0x03, 0x00, 0x00, 0x00}; // an executable's first bytes
        byte[] latin1 = "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1);
        for (Object[] c : new Object[][] {{"image/svg+xml", "x.svg", svg}, {"text/html", "x.html", html},
                {"application/pdf", "looks.pdf", html}, {"application/octet-stream", "a.exe", binary},
                {"text/plain", "latin1.txt", latin1}}) {
            Reply reply = store(person, "signed_doc", (String) c[0], (String) c[1], (byte[]) c[2]);

            JsonNode error = assertErrorShape(reply, 422, "INVALID_PAYLOAD");
            assertThat(error.get("error_msg").asText()).as("%s", c[1]).startsWith("upload_file:")
                    .contains("PDF", "JPEG", "PNG", "WebM", "MP4", "text", "JSON");
        }
        assertThat(server.storage.files().findNewest("acme", "signed_doc", FileQuery.person(person, true))).isEmpty();
    }

    @Test
    void aPdfUploadDownloadsAsApplicationPdfSandboxedAsAnAttachmentWhateverWasDeclared() throws Exception {
        byte[] pdf = ApiAssertions.pdf("a contract to sign");
        String sessionId = upload(server, TestServer.TEST_KEY, newPerson(), "esign_original_doc",
                "application/octet-stream", "contract.pdf", pdf);

        Reply reply = download("label=esign_original_doc&session_id=" + sessionId);

        assertServedAs(reply, "application/pdf", pdf);
        assertThat(reply.header("Content-Disposition")).hasValue("attachment; filename=\"contract.pdf\"");
    }

    @Test
    void textAndJsonAreStoredAsWhatTheyAreNotAsDeclared() throws Exception {
        byte[] text = "\uFEFFИванов Иван, паспорт N12345678\n".getBytes(StandardCharsets.UTF_8);
        byte[] json = "  {\"person\": {\"iin\": \"900101300123\"}, \"tags\": [1, 2]}\n".getBytes(StandardCharsets.UTF_8);
        String textId = upload(server, TestServer.TEST_KEY, newPerson(), "kisc_raw_content", "image/png", "t.png", text);
        String jsonId = upload(server, TestServer.TEST_KEY, newPerson(), "kisc_pii", "text/html", "p.html", json);

        assertServedAs(download("label=kisc_raw_content&session_id=" + textId), "text/plain", text);
        assertServedAs(download("label=kisc_pii&session_id=" + jsonId), "application/json", json);
    }

    @Test
    void theBestframeDownloadsAsImageJpegWithoutAskingForIt() throws Exception {
        String person = newPerson();
        device.script(person, "verilive", "real");
        Created flow = device.createFlow(person, "[{\"service_name\":\"verilive\"}]");
        device.start(flow.vlinkId());
        JsonNode step = device.state(flow.vlinkId()).get("current_step");
        byte[] best = frame();
        device.attempt(step.get("access_token").asText(),
                attempt(metadata(step.get("pipeline"), server.clock.instant().minusSeconds(8), null), best));

        assertServedAs(download("label=bestframe&flow_id=" + flow.flowId()), "image/jpeg", best);
    }

    @Test
    void aVideoPartThatIsNotWebmOrMp4IsRefusedNamingVideo() throws Exception {
        String person = newPerson();
        device.script(person, "verilive", "real");
        Created flow = device.createFlow(person, "[{\"service_name\":\"verilive\"}]");
        device.start(flow.vlinkId());
        JsonNode step = device.state(flow.vlinkId()).get("current_step");
        byte[] html = "<html><script>alert(document.domain)</script></html>".getBytes(StandardCharsets.UTF_8);

        Reply reply = device.attemptReply(step.get("access_token").asText(),
                attempt(metadata(step.get("pipeline"), server.clock.instant().minusSeconds(8), null), frame())
                        .file("video", "liveness.webm", "video/webm", html));

        assertThat(clientError(reply, 422, "INVALID_PAYLOAD").get("error_msg").asText())
                .startsWith("video:").contains("WebM or MP4");
        assertThat(server.storage.files().findNewest("acme", "liveness_video", FileQuery.person(person, true))).isEmpty();
    }
}
