package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Multipart;
import dev.idflow.servlet.TestServer.Reply;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Files are test or live data like everything else (PRODUCT.md: test keys see test data only): a file
 * a test key planted is never what the live key downloads for the same person, and the other way round.
 */
class TestAndLiveFilesTest {
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void aFilePlantedWithATestKeyIsNeverDownloadedWithTheLiveKey() throws Exception {
        String person = newPerson();
        byte[] planted = "a test key's forged passport scan".getBytes(StandardCharsets.UTF_8);
        assertThat(upload(Headers.test(TestServer.TEST_KEY), person, planted).status()).isEqualTo(201);

        assertError(download(live("/resources/file?label=doc_original_front_img&person_id=" + person)),
                404, "NOT_FOUND", "label");
        assertThat(download(Headers.test(TestServer.TEST_KEY), "/resources/file?label=doc_original_front_img&person_id="
                + person).bytes()).isEqualTo(planted);
    }

    @Test
    void aLiveFileIsNeverDownloadedWithATestKey() throws Exception {
        String person = newPerson();
        byte[] real = "the live customer's passport scan".getBytes(StandardCharsets.UTF_8);
        Reply stored = upload(server.live("/resources/storage"), person, real);
        assertThat(stored.status()).as(stored.body()).isEqualTo(201);

        assertError(download(Headers.test(TestServer.TEST_KEY), "/resources/file?label=doc_original_front_img&person_id="
                + person), 404, "NOT_FOUND", "label");
        assertThat(download(live("/resources/file?label=doc_original_front_img&person_id=" + person)).bytes())
                .isEqualTo(real);
    }

    @Test
    void eachKindDownloadsItsOwnNewestFileWhateverTheOtherKindStoredSince() throws Exception {
        String person = newPerson();
        byte[] real = "live scan".getBytes(StandardCharsets.UTF_8);
        byte[] planted = "test scan, newer".getBytes(StandardCharsets.UTF_8);
        assertThat(upload(server.live("/resources/storage"), person, real).status()).isEqualTo(201);
        server.clock.advance(Duration.ofSeconds(5));
        assertThat(upload(Headers.test(TestServer.TEST_KEY), person, planted).status()).isEqualTo(201);

        assertThat(download(live("/resources/file?label=doc_original_front_img&person_id=" + person)).bytes())
                .isEqualTo(real);
        assertThat(download(Headers.test(TestServer.TEST_KEY), "/resources/file?label=doc_original_front_img&person_id="
                + person).bytes()).isEqualTo(planted);
    }

    @Test
    void aTestFlowsBestframeIsNotTheLiveKeysBestframeOfThatPerson() throws Exception {
        String person = newPerson();
        PersonDevice device = PersonDevice.testKey(server);
        device.script(person, "verilive", "real");
        Created flow = device.createFlow(person, "[{\"service_name\":\"verilive\"}]");
        device.start(flow.vlinkId());
        assertThat(device.doLiveness(flow.vlinkId()).get("success").asBoolean()).isTrue();
        assertThat(device.file("label=bestframe&person_id=" + person).status()).isEqualTo(200);

        assertError(download(live("/resources/file?label=bestframe&person_id=" + person)), 404, "NOT_FOUND", "label");
    }

    private static Reply upload(Headers headers, String person, byte[] content) throws Exception {
        return server.postMultipart("/resources/storage", headers, new Multipart().field("label", "doc_original_front_img")
                .field("person_id", person).file("upload_file", "front.png", "image/png", content));
    }

    /** The live key's signed headers for a path, and the path, together. */
    private record Signed(Headers headers, String path) {
    }

    private static Signed live(String path) {
        return new Signed(server.live(path), path);
    }

    private static Reply download(Signed signed) throws Exception {
        return download(signed.headers(), signed.path());
    }

    private static Reply download(Headers headers, String path) throws Exception {
        return server.get(path, headers.add("Accept", "*/*"));
    }
}
