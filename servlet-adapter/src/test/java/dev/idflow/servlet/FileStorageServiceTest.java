package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.PDF;
import static dev.idflow.servlet.ApiAssertions.assertConformant;
import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.clientError;
import static dev.idflow.servlet.PersonDevice.clientOk;
import static dev.idflow.servlet.StepsOnTheWire.refusedAtCreate;
import static dev.idflow.servlet.StepsOnTheWire.sessions;
import static dev.idflow.servlet.StepsOnTheWire.uploadReply;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.spi.FileStore;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Multipart;
import dev.idflow.servlet.TestServer.Reply;
import java.awt.Color;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code file-storage}: the page shows an upload screen for the files the step asks for; the person sends
 * them in one multipart request; each is typed by its bytes and checked against the step's types, size and
 * required files. A wrong upload is a 422 naming the file and the rule and stores nothing; a right one
 * passes the step and each file is downloadable by its label with its own type.
 */
class FileStorageServiceTest {
    static TestServer server;
    static PersonDevice device;
    /** Files idflow has written into the store (saved, bound or not). */
    static final AtomicInteger saves = new AtomicInteger();

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestServer("/idflow", FileStorageServiceTest::countingSaves, 1000, 1000);
        device = PersonDevice.testKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** The store as idflow sees it: the same, counting every {@link FileStore#save}. */
    private static IdflowStorage countingSaves(IdflowStorage storage) {
        FileStore files = storage.files();
        FileStore counting = (FileStore) Proxy.newProxyInstance(FileStore.class.getClassLoader(),
                new Class<?>[] {FileStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("save")) {
                        saves.incrementAndGet();
                    }
                    try {
                        return method.invoke(files, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        return (IdflowStorage) Proxy.newProxyInstance(IdflowStorage.class.getClassLoader(),
                new Class<?>[] {IdflowStorage.class}, (proxy, method, args) -> {
                    if (method.getName().equals("files")) {
                        return counting;
                    }
                    try {
                        return method.invoke(storage, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** An ID card (PDF or JPEG, at most 4096 bytes, required) and an optional selfie (PNG). */
    private static final String STEP = "{\"service_name\":\"file-storage\",\"files\":["
            + "{\"label\":\"id_card\",\"title\":{\"en\":\"ID card\",\"ru\":\"Удостоверение\"},"
            + "\"types\":[\"application/pdf\",\"image/jpeg\"],\"max_bytes\":4096},"
            + "{\"label\":\"selfie\",\"types\":[\"image/png\"],\"required\":false}]}";

    private static Created startedUpload() throws Exception {
        Created flow = device.createFlow(newPerson(), "[" + STEP + ",{\"service_name\":\"consent\"}]");
        device.start(flow.vlinkId());
        return flow;
    }

    private static Reply upload(Created flow, Multipart files) throws Exception {
        return uploadReply(server, flow.vlinkId(), "step-1", files);
    }

    /** A refused upload: 422 naming the file and the rule; the step still shows its upload screen; nothing stored. */
    private static void assertRefused(Created flow, Multipart files, String field, String rule) throws Exception {
        int savedBefore = saves.get();
        JsonNode body = clientError(upload(flow, files), 422, "INVALID_PAYLOAD");
        assertThat(body.get("field").asText()).isEqualTo(field);
        assertThat(body.get("rule").asText()).isEqualTo(rule);
        assertThat(body.get("error_msg").asText()).startsWith(field + ": ");
        assertThat(saves.get()).as("a refused upload stores nothing").isEqualTo(savedBefore);
        JsonNode state = device.state(flow.vlinkId());
        assertThat(state.at("/current_step/step_id").asText()).isEqualTo("step-1");
        assertThat(state.at("/current_step/screen/kind").asText()).isEqualTo("upload");
        assertError(device.file("label=id_card&flow_id=" + flow.flowId()), 422, "INVALID_PAYLOAD", "label");
    }

    private static byte[] pdfOf(int bytes) {
        byte[] head = "%PDF-1.7\n%".getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[bytes];
        java.util.Arrays.fill(out, (byte) 'x');
        System.arraycopy(head, 0, out, 0, head.length);
        return out;
    }

    @Test
    void thePageShowsAnUploadScreenWithTheStepsFilesAndTheirDefaults() throws Exception {
        Created flow = startedUpload();
        JsonNode screen = device.state(flow.vlinkId()).at("/current_step/screen");
        assertThat(screen.get("kind").asText()).isEqualTo("upload");
        JsonNode idCard = screen.get("files").get(0);
        assertThat(idCard.get("label").asText()).isEqualTo("id_card");
        assertThat(idCard.at("/title/ru").asText()).isEqualTo("Удостоверение");
        assertThat(idCard.get("types")).extracting(JsonNode::asText).containsExactly("application/pdf", "image/jpeg");
        assertThat(idCard.get("max_bytes").asInt()).isEqualTo(4096);
        assertThat(idCard.get("required").asBoolean()).isTrue();
        JsonNode selfie = screen.get("files").get(1);
        assertThat(selfie.has("title")).isFalse();
        assertThat(selfie.get("max_bytes").asInt()).as("10 MiB by default").isEqualTo(10 << 20);
        assertThat(selfie.get("required").asBoolean()).isFalse();

        Created defaults = device.createFlow(newPerson(), "[{\"service_name\":\"file-storage\",\"files\":[{\"label\":\"doc\"}]}]");
        JsonNode doc = device.start(defaults.vlinkId()).at("/current_step/screen/files/0");
        assertThat(doc.get("types")).extracting(JsonNode::asText).containsExactly("application/pdf", "image/jpeg", "image/png");
        assertThat(doc.get("required").asBoolean()).isTrue();
    }

    @Test
    void theRightFilesPassTheStepAndAreDownloadableByTheirLabelsWithTheirOwnTypes() throws Exception {
        Created flow = startedUpload();
        byte[] selfie = PersonDevice.png(40, 30, Color.PINK);
        int savedBefore = saves.get();
        // what the device declares does not matter: the bytes do
        JsonNode state = clientOk(upload(flow, new Multipart()
                .file("id_card", "card.pdf", "application/octet-stream", PDF)
                .file("selfie", "me.png", "image/jpeg", selfie)));
        assertThat(saves.get() - savedBefore).as("both files stored").isEqualTo(2);
        assertThat(state.at("/current_step/step_id").asText()).isEqualTo("step-2");
        assertThat(state.at("/current_step/service_name").asText()).isEqualTo("consent");

        ServiceSession session = sessions(server, flow.flowId()).get(0);
        ObjectNode result = session.result();
        assertThat(result.get("service_name").asText()).isEqualTo("file-storage");
        assertThat(result.get("service_status").asText()).isEqualTo("success");
        assertThat(result.get("files").toString()).isEqualTo("[{\"label\":\"id_card\",\"content_type\":\"application/pdf\",\"size\":"
                + PDF.length + "},{\"label\":\"selfie\",\"content_type\":\"image/png\",\"size\":" + selfie.length + "}]");

        Reply card = device.file("label=id_card&session_id=" + session.sessionId());
        assertThat(card.status()).isEqualTo(200);
        assertConformant(card);
        assertThat(card.header("Content-Type")).hasValue("application/pdf");
        assertThat(card.header("Content-Disposition")).hasValueSatisfying(d -> assertThat(d).startsWith("attachment"));
        assertThat(card.bytes()).isEqualTo(PDF);
        Reply photo = device.file("label=selfie&flow_id=" + flow.flowId());
        assertThat(photo.status()).isEqualTo(200);
        assertThat(photo.header("Content-Type")).hasValue("image/png");
        assertThat(photo.bytes()).isEqualTo(selfie);
        assertThat(device.file("label=id_card&person_id=" + session.personId()).bytes()).isEqualTo(PDF);

        // a spec label still works as before beside them: none was stored here, so it is not found
        assertError(device.file("label=bestframe&flow_id=" + flow.flowId()), 404, "NOT_FOUND", "label");
    }

    @Test
    void anOptionalFileMayBeLeftOut() throws Exception {
        Created flow = startedUpload();
        byte[] jpeg = PersonDevice.jpeg(40, 30, Color.GRAY, false);
        assertThat(jpeg.length).isLessThan(4096);
        clientOk(upload(flow, new Multipart().file("id_card", "card.jpg", "image/jpeg", jpeg)));
        assertThat(device.file("label=id_card&flow_id=" + flow.flowId()).header("Content-Type")).hasValue("image/jpeg");
        assertError(device.file("label=selfie&flow_id=" + flow.flowId()), 422, "INVALID_PAYLOAD", "label");
    }

    @Test
    void aFileOfATypeTheStepDoesNotTakeIsRefusedByItsBytesWhateverItClaims() throws Exception {
        Created flow = startedUpload();
        byte[] html = "<!doctype html><script>alert(1)</script>".getBytes(StandardCharsets.UTF_8);
        assertRefused(flow, new Multipart().file("id_card", "card.pdf", "application/pdf", html), "files.id_card", "file_type");
        byte[] exe = new byte[256];
        exe[0] = 'M';
        exe[1] = 'Z';
        exe[2] = (byte) 0x90;
        assertRefused(flow, new Multipart().file("id_card", "card.pdf", "application/pdf", exe), "files.id_card", "file_type");
        // a real PNG, but the id card takes PDF or JPEG only
        assertRefused(flow, new Multipart().file("id_card", "card.png", "image/png", PersonDevice.png(10, 10, Color.RED)),
                "files.id_card", "file_type");
    }

    @Test
    void aFileBiggerThanItsMaxBytesIsRefused() throws Exception {
        Created flow = startedUpload();
        assertRefused(flow, new Multipart().file("id_card", "card.pdf", "application/pdf", pdfOf(4097)), "files.id_card", "file_size");
        clientOk(upload(flow, new Multipart().file("id_card", "card.pdf", "application/pdf", pdfOf(4096))));
    }

    @Test
    void aMissingRequiredFileIsRefused() throws Exception {
        Created flow = startedUpload();
        assertRefused(flow, new Multipart().file("selfie", "me.png", "image/png", PersonDevice.png(10, 10, Color.RED)),
                "files.id_card", "required");
    }

    @Test
    void aFileTheStepDoesNotAskForOrOneSentTwiceIsRefusedAndTheWholeUploadWithIt() throws Exception {
        Created flow = startedUpload();
        assertRefused(flow, new Multipart().file("id_card", "card.pdf", "application/pdf", PDF)
                .file("passport", "p.pdf", "application/pdf", PDF), "files.passport", "unknown_file");
        assertRefused(flow, new Multipart().file("id_card", "a.pdf", "application/pdf", PDF)
                .file("id_card", "b.pdf", "application/pdf", PDF), "files.id_card", "too_many");
    }

    @Test
    void anUploadStepTakesNoSubmitOrResend() throws Exception {
        Created flow = startedUpload();
        JsonNode submit = clientError(device.submitReply(flow.vlinkId(), "step-1", "{}"), 422, "INVALID_PAYLOAD");
        assertThat(submit.get("field").asText()).isEqualTo("step_id");
        clientError(server.postJson("/hf/" + flow.vlinkId() + "/api/steps/step-1/resend", new TestServer.Headers(), ""),
                422, "INVALID_PAYLOAD");
        assertThat(device.state(flow.vlinkId()).at("/current_step/screen/kind").asText()).isEqualTo("upload");
    }

    @Test
    void optionsOutsideTheRulesAreRefusedAtCreateNamingTheOption() throws Exception {
        String p = "template.pipeline[0].";
        refusedAtCreate(server, "{\"service_name\":\"file-storage\"}", p + "files");
        refusedAtCreate(server, "{\"service_name\":\"file-storage\",\"files\":[]}", p + "files");
        StringBuilder eleven = new StringBuilder();
        for (int i = 0; i < 11; i++) {
            eleven.append(i == 0 ? "" : ",").append("{\"label\":\"f").append(i).append("\"}");
        }
        refusedAtCreate(server, "{\"service_name\":\"file-storage\",\"files\":[" + eleven + "]}", p + "files");
        refusedAtCreate(server, "{\"service_name\":\"file-storage\",\"files\":[{\"title\":\"no label\"}]}", p + "files[0].label");
        refusedAtCreate(server, "{\"service_name\":\"file-storage\",\"files\":[{\"label\":\"ID Card\"}]}", p + "files[0].label");
        assertThat(refusedAtCreate(server, "{\"service_name\":\"file-storage\",\"files\":[{\"label\":\"a\"},{\"label\":\"a\"}]}",
                p + "files[1].label").get("error_msg").asText()).contains("unique");
        refusedAtCreate(server, "{\"service_name\":\"file-storage\",\"files\":[{\"label\":\"a\",\"title\":7}]}", p + "files[0].title");
        assertThat(refusedAtCreate(server, "{\"service_name\":\"file-storage\",\"files\":[{\"label\":\"a\",\"types\":[\"text/html\"]}]}",
                p + "files[0].types[0]").get("error_msg").asText()).contains("application/pdf");
        refusedAtCreate(server, "{\"service_name\":\"file-storage\",\"files\":[{\"label\":\"a\",\"types\":[]}]}", p + "files[0].types");
        refusedAtCreate(server, "{\"service_name\":\"file-storage\",\"files\":[{\"label\":\"a\",\"max_bytes\":0}]}", p + "files[0].max_bytes");
        refusedAtCreate(server, "{\"service_name\":\"file-storage\",\"files\":[{\"label\":\"a\",\"max_bytes\":" + ((20 << 20) + 1) + "}]}",
                p + "files[0].max_bytes");
        refusedAtCreate(server, "{\"service_name\":\"file-storage\",\"files\":[{\"label\":\"a\",\"max_bytes\":1.5}]}", p + "files[0].max_bytes");
        refusedAtCreate(server, "{\"service_name\":\"file-storage\",\"files\":[{\"label\":\"a\",\"required\":\"yes\"}]}", p + "files[0].required");
        refusedAtCreate(server, "{\"service_name\":\"file-storage\",\"files\":[\"a\"]}", p + "files[0]");
    }
}
