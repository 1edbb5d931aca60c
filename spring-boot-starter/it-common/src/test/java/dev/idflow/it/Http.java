package dev.idflow.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Real HTTP calls to the running application, the way a bank's client makes them. */
final class Http {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private Http() {
    }

    record Answer(int status, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    static Answer get(int port, String path, String apiKey) throws IOException, InterruptedException {
        return send(request(port, path, apiKey).GET().build());
    }

    static Answer postJson(int port, String path, String apiKey, String json) throws IOException, InterruptedException {
        return send(request(port, path, apiKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    /** multipart/form-data: upload_file (with a filename), label and person_id, as a bank's client sends them. */
    static Answer upload(int port, String path, String apiKey, byte[] file, String label, String personId)
            throws IOException, InterruptedException {
        String boundary = "----idflow-it-" + System.nanoTime();
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        java.nio.charset.Charset utf8 = java.nio.charset.StandardCharsets.UTF_8;
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"upload_file\"; filename=\"big.txt\"\r\n"
                + "Content-Type: text/plain\r\n\r\n").getBytes(utf8));
        body.write(file);
        body.write(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"label\"\r\n\r\n" + label
                + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"person_id\"\r\n\r\n" + personId
                + "\r\n--" + boundary + "--\r\n").getBytes(utf8));
        return send(request(port, path, apiKey).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());
    }

    static HttpResponse<byte[]> download(int port, String path, String apiKey) throws IOException, InterruptedException {
        return CLIENT.send(request(port, path, apiKey).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpRequest.Builder request(int port, String path, String apiKey) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
        if (apiKey != null) {
            b.header("X-Verigram-Api-Key", apiKey).header("X-Verigram-Api-Version", "2");
        }
        return b;
    }

    private static Answer send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body());
    }
}
