package dev.idflow.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Erasure end to end over HTTP on the demo's H2 file (keys in {@code <data-dir>/person-keys}): a flow with a
 * name in its input_data and an uploaded document, {@code DELETE /persons/{id}} → 204, the flow 404, and then
 * no file of the data directory holds the person_id, the name or the document's bytes; a positive control
 * (another person's flow id, a column kept plain) is found there.
 */
class DemoErasureTest {
    private static final String KEY = "demo-erasure-key-1-7c2e9a4b6d8f0135";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    private HttpRequest.Builder call(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("X-Verigram-Api-Key", KEY).header("X-Verigram-Api-Version", "2");
    }

    private String createFlow(int port, String person, String name) throws Exception {
        HttpResponse<String> r = http.send(call(port, "/flow").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"person_id\":\"" + person + "\",\"input_data\":{\"full_name\":\""
                        + name + "\"},\"template\":{\"pipeline\":[{\"service_name\":\"consent\"}]}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return JSON.readTree(r.body()).get("flow_id").asText();
    }

    private void upload(int port, String person, String content) throws Exception {
        String boundary = "b" + UUID.randomUUID().toString().replace("-", "");
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"label\"\r\n\r\ndoc_original_front_img\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"person_id\"\r\n\r\n" + person + "\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"upload_file\"; filename=\"scan.txt\"\r\n"
                + "Content-Type: text/plain\r\n\r\n" + content + "\r\n--" + boundary + "--\r\n";
        HttpResponse<String> r = http.send(call(port, "/resources/storage")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    private List<String> found(List<String> needles) throws IOException {
        List<String> hits = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dataDir)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        for (Path f : files) {
            String raw;
            try {
                raw = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            } catch (IOException gone) {
                continue;
            }
            for (String n : needles) {
                if (raw.contains(n) && !hits.contains(n)) {
                    hits.add(n);
                }
            }
        }
        return hits;
    }

    @Test
    void deletePersonsLeavesNothingOfThePersonInTheDataDirectory() throws Exception {
        String tag = UUID.randomUUID().toString().replace("-", "");
        String person = "erase-" + tag.substring(0, 12);
        String name = "Name " + tag;
        String content = "document of " + tag + " ".repeat(10);
        String[] args = {"--port", "0", "--data-dir", dataDir.toString(), "--consumer", "bank:" + KEY,
                "--no-face-analysis"};
        DemoMain.Demo demo = DemoMain.Demo.start(DemoOptions.parse(args), new PrintStream(new ByteArrayOutputStream()));
        try {
            int port = demo.port();
            String flow = createFlow(port, person, name);
            upload(port, person, content);
            String control = createFlow(port, "keep-" + tag.substring(0, 12), "Kept " + tag);
            HttpResponse<String> got = http.send(call(port, "/flow/" + flow).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(JSON.readTree(got.body()).get("person_id").asText()).isEqualTo(person);
            assertThat(JSON.readTree(got.body()).at("/input_data/full_name").asText()).isEqualTo(name);

            HttpResponse<String> erased = http.send(call(port, "/persons/" + person).DELETE().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(erased.statusCode()).isEqualTo(204);
            assertThat(http.send(call(port, "/flow/" + flow).GET().build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(404);
            assertThat(http.send(call(port, "/flow/" + control).GET().build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(200);

            // H2 writes its file in the background: wait until the control is on disk, then search
            for (int i = 0; i < 200 && found(List.of(control)).isEmpty(); i++) {
                Thread.sleep(50);
            }
            assertThat(found(List.of(control))).as("the positive control").containsExactly(control);
            assertThat(found(List.of(person, name, "document of " + tag))).isEmpty();
            try (Stream<Path> keys = Files.list(dataDir.resolve("person-keys"))) {
                assertThat(keys.map(p -> p.getFileName().toString()).toList())
                        .as("the control's key stays, the erased person's is gone").hasSize(1);
            }
        } finally {
            demo.stop();
        }
    }
}
