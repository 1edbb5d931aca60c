package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.assertErrorShape;
import static dev.idflow.servlet.ApiAssertions.assertSuccess;
import static dev.idflow.servlet.ApiAssertions.createFlow;
import static dev.idflow.servlet.ApiAssertions.json;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.ApiAssertions.upload;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.f4b6a3.ulid.UlidCreator;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.FileQuery;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Multipart;
import dev.idflow.servlet.TestServer.Reply;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * POST /resources/storage (beyond the spec) and GET /resources/file. Another consumer's files (403 by
 * session or flow, 404 by person) are in {@link ConsumerIsolationTest}; 429 and 500 in
 * {@link OverloadAndFailureTest}.
 */
class FileApiTest {
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static Headers acme() {
        return Headers.test(TestServer.TEST_KEY);
    }

    /** A download request that asks for the file's own type (the contract's default is octet-stream). */
    private static Headers acmeAccepting(String type) {
        return Headers.test(TestServer.TEST_KEY).add("Accept", type);
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Random bytes behind a file type's signature: uploads are checked by their first bytes. */
    private static byte[] signed(byte[] signature, int size, long seed) {
        byte[] bytes = randomBytes(size, seed);
        System.arraycopy(signature, 0, bytes, 0, signature.length);
        return bytes;
    }

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    private static final byte[] WEBM_SIGNATURE = {0x1A, 0x45, (byte) 0xDF, (byte) 0xA3};

    private static byte[] png(int size, long seed) {
        return signed(PNG_SIGNATURE, size, seed);
    }

    private static byte[] webm(int size, long seed) {
        return signed(WEBM_SIGNATURE, size, seed);
    }

    /**
     * A download answer: 200, the bytes, the file's own Content-Type, an attachment, sandboxed, no
     * caching, no sniffing.
     */
    private static void assertDownload(Reply reply, byte[] content, String contentType) {
        assertThat(reply.status()).as("download answered %s", reply.status() == 200 ? "200" : reply.body()).isEqualTo(200);
        assertThat(reply.bytes()).isEqualTo(content);
        assertThat(reply.header("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith(contentType));
        assertThat(reply.header("Content-Disposition")).hasValueSatisfying(cd -> assertThat(cd).startsWith("attachment"));
        assertThat(reply.header("Content-Length")).hasValue(Long.toString(content.length));
        assertThat(reply.header("Cache-Control")).hasValue("no-store");
        assertThat(reply.header("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(reply.header("Content-Security-Policy")).hasValue("sandbox");
        ApiAssertions.assertConformant(reply);
    }

    private static Reply storage(Multipart body) throws Exception {
        return server.postMultipart("/resources/storage", acme(), body);
    }

    // ---- POST /resources/storage ----

    @Test
    void anUploadAnswers201WithASessionIdConformingToTheServedDocument() throws Exception {
        Reply reply = storage(new Multipart().field("label", "esign_original_doc").field("person_id", newPerson())
                .file("upload_file", "contract.pdf", "application/pdf", "%PDF-1.7".getBytes(StandardCharsets.US_ASCII)));

        assertThat(reply.status()).isEqualTo(201);
        assertThat(json(reply).get("session_id").asText()).matches("[0-7][0-9A-HJKMNP-TV-Z]{25}-S");
        assertThat(server.validateAgainstServedDocument("POST", "/resources/storage", reply).getMessages()).isEmpty();
    }

    @Test
    void anUploadedFileDownloadsByteIdenticalWithItsContentTypeAsAnAttachment() throws Exception {
        byte[] content = png(70_000, 1);
        String sessionId = upload(server, TestServer.TEST_KEY, newPerson(), "doc_original_front_img", "image/png", "front side.png", content);

        Reply reply = server.get("/resources/file?label=doc_original_front_img&session_id=" + sessionId, acmeAccepting("image/png"));

        assertDownload(reply, content, "image/png");
        assertThat(reply.header("Content-Disposition")).hasValue("attachment; filename=\"front_side.png\"");
    }

    @Test
    void aDownloadIsServedAsTheFilesOwnTypeWhateverTheClientsAccept() throws Exception {
        byte[] content = png(5_000, 7);
        String sessionId = upload(server, TestServer.TEST_KEY, newPerson(), "doc_original_front_img", "image/png", "f.png", content);
        String path = "/resources/file?label=doc_original_front_img&session_id=" + sessionId;

        // PRODUCT.md "Files": real clients branch on the type, so it is the file's own, not negotiated
        for (Headers headers : new Headers[] {acme(), acme().add("Accept", "*/*"),
                acme().add("Accept", "image/*;q=0.9, application/json"), acme().add("Accept", "image/jpeg"),
                acme().add("Accept", "application/octet-stream")}) {
            assertDownload(server.get(path, headers), content, "image/png");
        }
    }

    @Test
    void anUploadersFileNameCannotBreakOutOfTheContentDispositionHeader() throws Exception {
        String sessionId = upload(server, TestServer.TEST_KEY, newPerson(), "signed_doc", "application/pdf",
                "a\\\";b=c;../x.pdf", ApiAssertions.pdf("four"));

        Reply reply = server.get("/resources/file?label=signed_doc&session_id=" + sessionId, acmeAccepting("application/pdf"));

        assertDownload(reply, ApiAssertions.pdf("four"), "application/pdf");
        assertThat(reply.header("Content-Disposition").orElseThrow()).matches("attachment; filename=\"[A-Za-z0-9._-]+\"");
    }

    @Test
    void aThreeMegabyteFileDownloadsByteIdentical() throws Exception {
        byte[] content = webm(3 * 1024 * 1024 + 17, 3);
        String sessionId = upload(server, TestServer.TEST_KEY, newPerson(), "liveness_video", "video/webm", "v.webm", content);

        assertDownload(server.get("/resources/file?label=liveness_video&session_id=" + sessionId, acmeAccepting("video/webm")), content, "video/webm");
    }

    @Test
    void anUploadedSessionIsInTheJournal() throws Exception {
        String person = newPerson();
        String sessionId = upload(server, TestServer.TEST_KEY, person, "signed_doc", "application/pdf", "a.pdf", ApiAssertions.PDF);

        var session = assertSuccess(server.get("/journal/session/" + sessionId, acme()), 200);

        assertThat(session.get("person_id").asText()).isEqualTo(person);
        assertThat(session.get("service_name").asText()).isEqualTo("file-storage");
        assertThat(session.get("session_states")).hasSize(3);
    }

    @Test
    void byPersonIdTheNewestFileWins() throws Exception {
        String person = newPerson();
        upload(server, TestServer.TEST_KEY, person, "signed_doc", "application/pdf", "old.pdf", ApiAssertions.pdf("old"));
        server.clock.advance(Duration.ofSeconds(5));
        upload(server, TestServer.TEST_KEY, person, "signed_doc", "application/pdf", "new.pdf", ApiAssertions.pdf("new"));
        server.clock.advance(Duration.ofSeconds(5));
        upload(server, TestServer.TEST_KEY, person, "certificate", "application/pdf", "c.pdf", ApiAssertions.pdf("cert"));

        Reply reply = server.get("/resources/file?label=signed_doc&person_id=" + person, acmeAccepting("application/pdf"));

        assertDownload(reply, ApiAssertions.pdf("new"), "application/pdf");
        assertThat(reply.header("Content-Disposition")).hasValue("attachment; filename=\"new.pdf\"");
    }

    @Test
    void aFileWithoutNameDownloadsUnderItsLabel() throws Exception {
        String person = newPerson();
        String flowId = createFlow(server, TestServer.TEST_KEY, person);
        byte[] jpeg = randomBytes(4096, 7);
        server.storage.files().save(new StoredFile(UlidCreator.getUlid().toString(), "acme", person, flowId, null,
                "bestframe", "image/jpeg", null, -1, server.clock.instant(), true, null, true), new ByteArrayInputStream(jpeg));

        Reply reply = server.get("/resources/file?label=bestframe&flow_id=" + flowId, acmeAccepting("image/jpeg"));

        assertDownload(reply, jpeg, "image/jpeg");
        assertThat(reply.header("Content-Disposition")).hasValue("attachment; filename=\"bestframe.jpg\"");
    }

    @Test
    void byFlowIdTheNewestFileOfThatFlowWins() throws Exception {
        String person = newPerson();
        String flowId = createFlow(server, TestServer.TEST_KEY, person);
        String otherFlow = createFlow(server, TestServer.TEST_KEY, person);
        save(person, flowId, "liveness_video", "first");
        server.clock.advance(Duration.ofSeconds(1));
        save(person, flowId, "liveness_video", "second");
        server.clock.advance(Duration.ofSeconds(1));
        save(person, otherFlow, "liveness_video", "other flow");

        assertDownload(server.get("/resources/file?label=liveness_video&flow_id=" + flowId, acmeAccepting("video/webm")),
                "second".getBytes(StandardCharsets.UTF_8), "video/webm");
    }

    private static void save(String person, String flowId, String label, String content) throws Exception {
        server.storage.files().save(new StoredFile(UlidCreator.getUlid().toString(), "acme", person, flowId, null,
                label, "video/webm", null, -1, server.clock.instant(), true, null, true),
                new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aStoredFileOfATypeOffTheAllowListDownloadsAsOctetStreamAndConformsToTheContract() throws Exception {
        String person = newPerson();
        String flowId = createFlow(server, TestServer.TEST_KEY, person);
        // stored by a host's own service, or before uploads were checked by their bytes
        byte[] svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".getBytes(StandardCharsets.UTF_8);
        server.storage.files().save(new StoredFile(UlidCreator.getUlid().toString(), "acme", person, flowId, null,
                "kisc_raw_content", "image/svg+xml", null, -1, server.clock.instant(), true, null, true),
                new ByteArrayInputStream(svg));

        Reply reply = server.get("/resources/file?label=kisc_raw_content&flow_id=" + flowId, acmeAccepting("image/svg+xml"));

        assertDownload(reply, svg, "application/octet-stream");
        assertThat(reply.header("Content-Disposition")).hasValue("attachment; filename=\"kisc_raw_content.bin\"");
    }

    // ---- GET /resources/file: errors ----

    @Test
    void noIdAtAllIsRefused() throws Exception {
        assertError(server.get("/resources/file?label=bestframe", acme()), 422, "INVALID_PAYLOAD", "person_id");
    }

    @Test
    void twoOrThreeIdsAreRefused() throws Exception {
        String person = newPerson();
        String sessionId = upload(server, TestServer.TEST_KEY, person, "signed_doc", "application/pdf", "a.pdf", ApiAssertions.PDF);
        String flowId = createFlow(server, TestServer.TEST_KEY, person);

        assertError(server.get("/resources/file?label=signed_doc&session_id=" + sessionId + "&person_id=" + person, acme()),
                422, "INVALID_PAYLOAD", "person_id");
        assertError(server.get("/resources/file?label=signed_doc&flow_id=" + flowId + "&person_id=" + person, acme()),
                422, "INVALID_PAYLOAD", "person_id");
        assertError(server.get("/resources/file?label=signed_doc&flow_id=" + flowId + "&session_id=" + sessionId
                + "&person_id=" + person, acme()), 422, "INVALID_PAYLOAD", "person_id");
    }

    @Test
    void theSameIdTwiceIsRefused() throws Exception {
        String person = newPerson();
        assertError(server.get("/resources/file?label=signed_doc&person_id=" + person + "&person_id=" + person, acme()),
                422, "INVALID_PAYLOAD", "person_id");
    }

    @Test
    void aMissingLabelIsRefused() throws Exception {
        assertError(server.get("/resources/file?person_id=" + newPerson(), acme()), 422, "INVALID_PAYLOAD", "label");
    }

    @ParameterizedTest(name = "label {0}")
    @ValueSource(strings = {"passport", "BESTFRAME", "bestframe%20", "signed-doc"})
    void aLabelOutsideTheSpecsEnumIsRefused(String label) throws Exception {
        assertError(server.get("/resources/file?label=" + label + "&person_id=" + newPerson(), acme()),
                422, "INVALID_PAYLOAD", "label");
    }

    @Test
    void aValidLabelWithNoFileIsNotFound() throws Exception {
        String person = newPerson();
        String sessionId = upload(server, TestServer.TEST_KEY, person, "signed_doc", "application/pdf", "a.pdf", ApiAssertions.PDF);
        String flowId = createFlow(server, TestServer.TEST_KEY, person);

        assertError(server.get("/resources/file?label=bestframe&session_id=" + sessionId, acme()), 404, "NOT_FOUND", "label");
        assertError(server.get("/resources/file?label=bestframe&flow_id=" + flowId, acme()), 404, "NOT_FOUND", "label");
        assertError(server.get("/resources/file?label=bestframe&person_id=" + person, acme()), 404, "NOT_FOUND", "label");
    }

    @Test
    void anUnknownSessionOrFlowIsNotFound() throws Exception {
        assertError(server.get("/resources/file?label=bestframe&session_id=" + UlidCreator.getUlid() + "-S", acme()),
                404, "NOT_FOUND", "session_id");
        assertError(server.get("/resources/file?label=bestframe&flow_id=" + UlidCreator.getUlid() + "-F", acme()),
                404, "NOT_FOUND", "flow_id");
    }

    @Test
    void malformedIdsAreRefused() throws Exception {
        assertError(server.get("/resources/file?label=bestframe&session_id=abc", acme()), 422, "INVALID_PAYLOAD", "session_id");
        assertError(server.get("/resources/file?label=bestframe&flow_id=abc", acme()), 422, "INVALID_PAYLOAD", "flow_id");
        assertError(server.get("/resources/file?label=bestframe&person_id=abc", acme()), 422, "INVALID_PAYLOAD", "person_id");
        assertError(server.get("/resources/file?label=bestframe&person_id=abc%20defgh", acme()), 422, "INVALID_PAYLOAD", "person_id");
    }

    @Test
    void aDownloadWithoutApiKeyIsUnauthorized() throws Exception {
        assertError(server.get("/resources/file?label=bestframe&person_id=" + newPerson(), new Headers()),
                401, "UNAUTHORIZED", "X-Verigram-Api-Key");
    }

    // ---- POST /resources/storage: errors ----

    @Test
    void anUploadOverTheLimitIsRefusedAndNothingIsStored() throws Exception {
        String person = newPerson();
        byte[] tooBig = randomBytes((int) TestServer.MAX_UPLOAD + 1, 5);

        Reply reply = storage(new Multipart().field("label", "liveness_video").field("person_id", person)
                .file("upload_file", "big.webm", "video/webm", tooBig));

        assertErrorShape(reply, 422, "INVALID_PAYLOAD");
        assertThat(server.storage.files().findNewest("acme", "liveness_video", FileQuery.person(person, true))).isEmpty();
        assertError(server.get("/resources/file?label=liveness_video&person_id=" + person, acme()), 404, "NOT_FOUND", "label");
    }

    @Test
    void anUploadOfExactlyTheLimitIsStored() throws Exception {
        byte[] content = webm((int) TestServer.MAX_UPLOAD, 6);
        String sessionId = upload(server, TestServer.TEST_KEY, newPerson(), "liveness_video", "video/webm", "max.webm", content);

        assertDownload(server.get("/resources/file?label=liveness_video&session_id=" + sessionId, acmeAccepting("video/webm")), content, "video/webm");
    }

    @Test
    void anUploadWithoutTheFileIsRefusedNamingIt() throws Exception {
        Reply reply = storage(new Multipart().field("label", "signed_doc").field("person_id", newPerson()));
        assertThat(assertErrorShape(reply, 422, "INVALID_PAYLOAD").get("error_msg").asText()).startsWith("upload_file:");
    }

    @Test
    void anUploadWithoutLabelIsStoredAsUnspecified() throws Exception {
        String person = newPerson();
        Reply reply = storage(new Multipart().field("person_id", person)
                .file("upload_file", "a.pdf", "application/pdf", ApiAssertions.PDF));

        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        String sessionId = json(reply).get("session_id").asText();
        assertThat(server.validateAgainstServedDocument("POST", "/resources/storage", reply).getMessages()).isEmpty();
        assertDownload(server.get("/resources/file?label=unspecified&session_id=" + sessionId, acme()), ApiAssertions.PDF,
                "application/pdf");
    }

    @Test
    void anUploadLabelledAsTheLendingClientLabelsItIsStoredAndDownloadsAsApplicationPdf() throws Exception {
        String person = newPerson();
        Reply reply = storage(new Multipart().field("label", "unspecified").field("person_id", person)
                .file("upload_file", "loan-agreement.pdf", "application/octet-stream", ApiAssertions.pdf("loan agreement")));

        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        String sessionId = json(reply).get("session_id").asText();
        assertThat(server.validateAgainstServedDocument("POST", "/resources/storage", reply).getMessages()).isEmpty();
        Reply download = server.get("/resources/file?label=unspecified&person_id=" + person, acme());
        assertDownload(download, ApiAssertions.pdf("loan agreement"), "application/pdf");
        assertThat(download.header("Content-Type")).hasValue("application/pdf");
        assertThat(server.get("/resources/file?label=unspecified&session_id=" + sessionId, acme()).status()).isEqualTo(200);
    }

    @Test
    void anUploadWithoutPersonIdIsRefusedNamingIt() throws Exception {
        Reply reply = storage(new Multipart().field("label", "signed_doc")
                .file("upload_file", "a.pdf", "application/pdf", ApiAssertions.PDF));
        assertThat(assertErrorShape(reply, 422, "INVALID_PAYLOAD").get("error_msg").asText()).startsWith("person_id:");
    }

    @Test
    void anUploadWithAnUnknownLabelOrBadPersonIdIsRefused() throws Exception {
        Reply badLabel = storage(new Multipart().field("label", "Selfie Front").field("person_id", newPerson())
                .file("upload_file", "a.jpg", "image/jpeg", new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}));
        assertThat(assertErrorShape(badLabel, 422, "INVALID_PAYLOAD").get("error_msg").asText()).startsWith("label:");

        Reply badPerson = storage(new Multipart().field("label", "signed_doc").field("person_id", "abc")
                .file("upload_file", "a.pdf", "application/pdf", ApiAssertions.PDF));
        assertThat(assertErrorShape(badPerson, 422, "INVALID_PAYLOAD").get("error_msg").asText()).startsWith("person_id:");
    }

    @Test
    void anUploadThatIsNotMultipartIsRefused() throws Exception {
        Reply reply = server.postJson("/resources/storage", acme(), "{\"label\":\"signed_doc\"}");
        assertThat(assertErrorShape(reply, 422, "INVALID_PAYLOAD").get("error_msg").asText()).startsWith("body:");
        assertThat(server.validateAgainstServedDocument("POST", "/resources/storage", reply).getMessages()).isEmpty();
    }

    @Test
    void aMalformedMultipartBodyIsRefusedAndTheClientIsToldTheConnectionCloses() throws Exception {
        // The container gives up on a body it cannot parse and drops the connection after answering.
        // Unless the answer says "Connection: close", a pooling client (this one included) sends its
        // next request into the dead socket, intermittently. Ten rounds make a silent close show.
        for (int i = 0; i < 10; i++) {
            Reply reply = server.send("POST", "/resources/storage", acme(),
                    java.net.http.HttpRequest.BodyPublishers.ofString("these bytes hold no multipart boundary"),
                    "multipart/form-data; boundary=idflow-test-boundary");

            assertThat(assertErrorShape(reply, 422, "INVALID_PAYLOAD").get("error_msg").asText()).startsWith("body:");
            assertThat(reply.header("Connection")).hasValueSatisfying(c -> assertThat(c).isEqualToIgnoringCase("close"));
            assertSuccess(server.postJson("/flow", acme(), ApiAssertions.flowBody(newPerson(), "verilive")), 201);
        }
    }

    @Test
    void anUploadWithoutApiKeyIsUnauthorized() throws Exception {
        Reply reply = server.postMultipart("/resources/storage", new Headers(), new Multipart().field("label", "signed_doc")
                .field("person_id", newPerson()).file("upload_file", "a.pdf", "application/pdf", ApiAssertions.PDF));
        assertErrorShape(reply, 401, "UNAUTHORIZED");
    }
}
