package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.attempt;
import static dev.idflow.servlet.PersonDevice.clientError;
import static dev.idflow.servlet.PersonDevice.clientOk;
import static dev.idflow.servlet.PersonDevice.metadata;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.FileStore;
import dev.idflow.core.spi.FlowChange;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Multipart;
import dev.idflow.servlet.TestServer.Reply;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Evidence substitution: a device holds one upload open while another attempt on the same session is
 * judged. Whatever the order, the frame a download returns is the frame of the attempt whose verdict
 * counted, and the store keeps no file of an attempt that was refused or lost.
 */
class AttemptRaceTest {
    private TestServer server;
    private PersonDevice device;
    /** Every file the engine saved and not deleted since: what the store holds, findable or not. */
    private final Map<String, StoredFile> held = new ConcurrentHashMap<>();
    /** Counted down by every commit: the held upload's reservation is one. */
    private volatile CountDownLatch committed = new CountDownLatch(1);

    @BeforeEach
    void start() throws Exception {
        server = new TestServer("/kyc", this::watched, 1000, 1000);
        device = PersonDevice.testKey(server);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    // ---------------------------------------------------------------- the race of the issue

    @Test
    void aHeldUploadNeverReplacesTheFrameOfTheAttemptThatCounted() throws Exception {
        Created flow = livenessFlow("real", "");
        JsonNode step = device.state(flow.vlinkId()).get("current_step");
        String token = step.get("access_token").asText();
        byte[] heldFrame = PersonDevice.jpeg(320, 240, Color.RED, true);
        byte[] quickFrame = PersonDevice.jpeg(320, 240, Color.GREEN, true);

        HeldUpload held = HeldUpload.open(server, token, honest(step, heldFrame));
        committed = new CountDownLatch(1);
        held.sendHead();
        // the held upload has reached the server and taken its attempt (a commit) before its body is read;
        // a server that reads the body first commits nothing until the body is complete, and this waits out
        committed.await(2, TimeUnit.SECONDS);
        Reply quick = device.attemptReply(token, honest(step, quickFrame));
        Reply late = held.finish();

        List<Reply> answers = List.of(late, quick);
        List<byte[]> frames = List.of(heldFrame, quickFrame);
        int counted = late.status() == 200 ? 0 : 1;
        assertThat(answers.get(counted).status()).as("one attempt is judged: %s", answers.get(counted).body()).isEqualTo(200);
        assertThat(clientOk(answers.get(counted)).get("success").asBoolean()).isTrue();
        clientError(answers.get(1 - counted), 409, "NO_ATTEMPTS_LEFT");

        String sessionId = step.get("session_id").asText();
        assertThat(device.file("label=bestframe&session_id=" + sessionId).bytes()).isEqualTo(frames.get(counted));
        assertThat(device.file("label=bestframe&flow_id=" + flow.flowId()).bytes()).isEqualTo(frames.get(counted));
        assertThat(device.result(flow.flowId()).get("flow_status").asText()).isEqualTo("pass");
        assertThat(heldContents()).as("the store holds the counted attempt's frame and nothing else")
                .containsExactly(frames.get(counted));
        // the device that held its upload open first is the one judged: its attempt was taken first
        assertThat(counted).isZero();
    }

    @Test
    void manyConcurrentUploadsOnOneAttemptLeaveExactlyOneFileSet() throws Exception {
        Created flow = livenessFlow("real", "");
        JsonNode step = device.state(flow.vlinkId()).get("current_step");
        String token = step.get("access_token").asText();
        int n = 8;
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            frames.add(PersonDevice.jpeg(320, 240, new Color(20 * i, 200 - 20 * i, 90), true));
        }
        byte[] video = webm();

        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Reply>> replies = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                Multipart body = honest(step, frames.get(i)).file("video", "v.webm", "video/webm", video);
                replies.add(pool.submit(() -> {
                    go.await();
                    return device.attemptReply(token, body);
                }));
            }
            go.countDown();
            List<Integer> judged = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Reply reply = replies.get(i).get(30, TimeUnit.SECONDS);
                if (reply.status() == 200) {
                    judged.add(i);
                } else {
                    clientError(reply, 409, "NO_ATTEMPTS_LEFT");
                }
            }
            assertThat(judged).hasSize(1);
            byte[] counted = frames.get(judged.get(0));
            assertThat(device.file("label=bestframe&flow_id=" + flow.flowId()).bytes()).isEqualTo(counted);
            assertThat(held.values()).extracting(StoredFile::label).containsExactlyInAnyOrder("bestframe", "liveness_video");
            assertThat(heldContents()).containsExactlyInAnyOrder(counted, video);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anAttemptThatLosesToAnotherOfTheSameSessionIsRefusedAndLeavesNoFile() throws Exception {
        String person = newPerson();
        device.script(person, "verilive", "real");
        JsonNode session = device.livenessSession("{\"person_id\":\"" + person + "\",\"duration\":600,\"max_retries\":1}");
        String token = session.get("access_token").asText();
        JsonNode pipeline = clientOk(device.clientSession(token)).get("pipeline");
        byte[] heldFrame = PersonDevice.jpeg(320, 240, Color.RED, true);
        byte[] quickFrame = PersonDevice.jpeg(320, 240, Color.GREEN, true);

        // two attempts: each upload reserves one, and the one judged first decides the session
        HeldUpload held = HeldUpload.open(server, token, attempt(metadata(pipeline, server.clock.instant().minusSeconds(8),
                null), heldFrame));
        committed = new CountDownLatch(1);
        held.sendHead();
        assertThat(committed.await(10, TimeUnit.SECONDS)).as("the held upload reserved its attempt").isTrue();
        JsonNode quick = device.attempt(token, attempt(metadata(pipeline, server.clock.instant().minusSeconds(8), null),
                quickFrame));
        assertThat(quick.get("success").asBoolean()).isTrue();
        assertThat(quick.get("attempts_left").asInt()).isZero();

        // the session passed while the held upload was still being read: it lost, and counts for nothing
        clientError(held.finish(), 409, "NO_ATTEMPTS_LEFT");
        assertThat(device.file("label=bestframe&session_id=" + session.get("session_id").asText()).bytes())
                .isEqualTo(quickFrame);
        assertThat(heldContents()).containsExactly(quickFrame);
        JsonNode journal = device.journal(session.get("session_id").asText());
        assertThat(journal.at("/result/service_status").asText()).isEqualTo("real");
    }

    // ---------------------------------------------------------------- helpers

    private Created livenessFlow(String verdict, String stepFields) throws Exception {
        String person = newPerson();
        device.script(person, "verilive", verdict);
        Created flow = device.createFlow(person, "[{\"service_name\":\"verilive\"" + stepFields + "}]");
        device.start(flow.vlinkId());
        return flow;
    }

    private Multipart honest(JsonNode step, byte[] frame) {
        return attempt(metadata(step.get("pipeline"), server.clock.instant().minusSeconds(10), null), frame);
    }

    private List<byte[]> heldContents() throws Exception {
        List<byte[]> contents = new ArrayList<>();
        for (StoredFile f : held.values()) {
            try (InputStream in = server.storage.files().open(f.fileId()).orElseThrow()) {
                contents.add(in.readAllBytes());
            }
        }
        return contents;
    }

    private static byte[] webm() {
        byte[] video = new byte[2048];
        new java.util.Random(3).nextBytes(video);
        video[0] = 0x1A;
        video[1] = 0x45;
        video[2] = (byte) 0xDF;
        video[3] = (byte) 0xA3;
        return video;
    }

    /** The store as idflow sees it: saves and deletes recorded in {@link #held}, commits counted down. */
    private IdflowStorage watched(IdflowStorage real) {
        FileStore files = (FileStore) Proxy.newProxyInstance(FileStore.class.getClassLoader(),
                new Class<?>[] {FileStore.class}, (proxy, method, args) -> {
                    Object out = invoke(method, real.files(), args);
                    if (method.getName().equals("save")) {
                        StoredFile saved = (StoredFile) out;
                        held.put(saved.fileId(), saved);
                    } else if (method.getName().equals("delete")) {
                        held.remove((String) args[0]);
                    }
                    return out;
                });
        return (IdflowStorage) Proxy.newProxyInstance(IdflowStorage.class.getClassLoader(),
                new Class<?>[] {IdflowStorage.class}, (proxy, method, args) -> {
                    if (method.getName().equals("files")) {
                        return files;
                    }
                    Object out = invoke(method, real, args);
                    if (method.getName().equals("commit") && Boolean.TRUE.equals(out) && args[0] instanceof FlowChange) {
                        committed.countDown();
                    }
                    return out;
                });
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /**
     * An attempt sent over a plain socket in two halves: the request line, the headers and the first
     * bytes of the body, then — when the test says — the rest. Between the two the server is inside
     * the request, waiting for its body, as with a device that holds its upload open.
     */
    private static final class HeldUpload {
        private final Socket socket;
        private final byte[] head;
        private final byte[] rest;

        private HeldUpload(Socket socket, byte[] head, byte[] rest) {
            this.socket = socket;
            this.head = head;
            this.rest = rest;
        }

        static HeldUpload open(TestServer server, String token, Multipart body) throws Exception {
            URI uri = URI.create(server.baseUrl + "/liveness2/client/attempts");
            byte[] bytes = body.bytes();
            int split = bytes.length / 2;
            String headers = "POST " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nAuthorization: Bearer " + token + "\r\nContent-Type: " + body.contentType()
                    + "\r\nContent-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n";
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            head.writeBytes(headers.getBytes(StandardCharsets.US_ASCII));
            head.write(bytes, 0, split);
            byte[] rest = java.util.Arrays.copyOfRange(bytes, split, bytes.length);
            Socket socket = new Socket(uri.getHost(), uri.getPort());
            socket.setSoTimeout(30_000);
            return new HeldUpload(socket, head.toByteArray(), rest);
        }

        void sendHead() throws Exception {
            OutputStream out = socket.getOutputStream();
            out.write(head);
            out.flush();
        }

        /** Sends the rest of the body and reads the answer (status and JSON body). */
        Reply finish() throws Exception {
            try (socket) {
                OutputStream out = socket.getOutputStream();
                try {
                    out.write(rest);
                    out.flush();
                } catch (java.io.IOException answeredEarly) {
                    // the server may answer (and close) before reading a body it does not need
                }
                byte[] response = socket.getInputStream().readAllBytes();
                String text = new String(response, StandardCharsets.UTF_8);
                int status = Integer.parseInt(text.substring(9, 12));
                int bodyStart = text.indexOf("\r\n\r\n") + 4;
                String headerBlock = text.substring(0, bodyStart);
                String body = text.substring(bodyStart);
                if (headerBlock.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
                    body = unchunk(body);
                }
                Map<String, List<String>> headers = new java.util.LinkedHashMap<>();
                for (String line : headerBlock.split("\r\n")) {
                    int colon = line.indexOf(':');
                    if (colon > 0) {
                        headers.computeIfAbsent(line.substring(0, colon).trim(), k -> new ArrayList<>())
                                .add(line.substring(colon + 1).trim());
                    }
                }
                return new Reply(status, body, body.getBytes(StandardCharsets.UTF_8), headers, null);
            }
        }

        private static String unchunk(String chunked) {
            StringBuilder out = new StringBuilder();
            int at = 0;
            while (true) {
                int eol = chunked.indexOf("\r\n", at);
                int size = Integer.parseInt(chunked.substring(at, eol).split(";")[0].trim(), 16);
                if (size == 0) {
                    return out.toString();
                }
                out.append(chunked, eol + 2, eol + 2 + size);
                at = eol + 2 + size + 2;
            }
        }
    }
}
