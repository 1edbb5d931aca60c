package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.attempt;
import static dev.idflow.servlet.PersonDevice.clientError;
import static dev.idflow.servlet.PersonDevice.metadata;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Reply;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Decompression bombs sent as liveness frames with nothing but an access token: refused from their
 * header in well under a second with a 422 naming the frame and the limit, never an OutOfMemoryError;
 * a normal camera frame still passes.
 */
class FrameBombTest {
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

    /** A PNG whose header claims width × height, its pixel data a tiny zlib stream of zeros. */
    static byte[] pngBomb(int width, int height) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream h = new DataOutputStream(ihdr);
        h.writeInt(width);
        h.writeInt(height);
        h.write(new byte[] {8, 2, 0, 0, 0});
        chunk(png, "IHDR", ihdr.toByteArray());
        ByteArrayOutputStream zeros = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(zeros)) {
            z.write(new byte[4 << 20]);
        }
        chunk(png, "IDAT", zeros.toByteArray());
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream png, String type, byte[] data) throws IOException {
        DataOutputStream out = new DataOutputStream(png);
        out.writeInt(data.length);
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        out.write(name);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }

    private static JsonNode livenessStep() throws Exception {
        String person = newPerson();
        device.script(person, "verilive", "real");
        Created flow = device.createFlow(person, "[{\"service_name\":\"verilive\"}]");
        device.start(flow.vlinkId());
        return device.state(flow.vlinkId()).get("current_step");
    }

    private static Reply send(JsonNode step, byte[]... frames) throws Exception {
        return device.attemptReply(step.get("access_token").asText(),
                attempt(metadata(step.get("pipeline"), server.clock.instant().minusSeconds(8), null), frames));
    }

    @Test
    void a40000By40000PngBombIsRefusedFastNamingTheFrameAndTheLimit() throws Exception {
        JsonNode step = livenessStep();
        long started = System.nanoTime();

        Reply reply = send(step, PersonDevice.frame(), pngBomb(40_000, 40_000));

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        JsonNode error = clientError(reply, 422, "INVALID_PAYLOAD");
        assertThat(error.get("error_msg").asText())
                .startsWith("frame[1]: declares 40000x40000 pixels").contains("at most 16777216 pixels");
    }

    @Test
    void a20000By20000PngIsNoLongerAcceptedAsAFrame() throws Exception {
        JsonNode error = clientError(send(livenessStep(), pngBomb(20_000, 20_000)), 422, "INVALID_PAYLOAD");
        assertThat(error.get("error_msg").asText()).startsWith("frame[0]: declares 20000x20000 pixels");
    }

    @Test
    void threeBombsInParallelAreAllRefusedWithoutExhaustingTheServer() throws Exception {
        byte[] bomb = pngBomb(40_000, 40_000);
        List<JsonNode> steps = List.of(livenessStep(), livenessStep(), livenessStep());
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<Reply>> replies = new ArrayList<>();
            for (JsonNode step : steps) {
                replies.add(pool.submit((Callable<Reply>) () -> send(step, bomb)));
            }
            for (Future<Reply> reply : replies) {
                clientError(reply.get(), 422, "INVALID_PAYLOAD");
            }
        } finally {
            pool.shutdownNow();
        }
        // the server is still itself: an honest attempt passes
        JsonNode honest = livenessStep();
        assertThat(device.attempt(honest.get("access_token").asText(), device.honestAttempt(honest))
                .get("success").asBoolean()).isTrue();
    }

    @Test
    void framesOverTheAttemptsPixelBudgetAreRefusedByTheFrameThatCrossesIt() throws Exception {
        byte[] big = PersonDevice.jpeg(4000, 4000, Color.GRAY, false); // 16 Mpx, within a frame's budget
        JsonNode error = clientError(send(livenessStep(), big, big, big), 422, "INVALID_PAYLOAD");
        assertThat(error.get("error_msg").asText())
                .startsWith("frame[2]: the frames of one attempt may have at most 40000000 pixels together");
    }

    @Test
    void framesOverTheAttemptsByteBudgetAreRefusedBeforeAnyIsRead() throws Exception {
        // six parts of 4.5 MiB, each within a frame's 5 MiB: 27 MiB together, over the 24 MiB budget, on a
        // mount that takes bodies as large as the demo's default (50 MiB)
        byte[] large = new byte[(9 << 20) / 2];
        JsonNode error;
        try (TestServer roomy = TestServer.withMaxUpload("/kyc", 50L << 20)) {
            PersonDevice person = PersonDevice.testKey(roomy);
            String id = newPerson();
            person.script(id, "verilive", "real");
            Created flow = person.createFlow(id, "[{\"service_name\":\"verilive\"}]");
            person.start(flow.vlinkId());
            JsonNode step = person.state(flow.vlinkId()).get("current_step");
            error = clientError(person.attemptReply(step.get("access_token").asText(),
                    attempt(metadata(step.get("pipeline"), roomy.clock.instant().minusSeconds(8), null),
                            large, large, large, large, large, large)), 422, "INVALID_PAYLOAD");
        }
        // refused by their sizes: none was read far enough to be found not to be an image
        assertThat(error.get("error_msg").asText())
                .startsWith("frame: the frames of one attempt may have at most 25165824 bytes together");
    }

    @Test
    void anAttemptRefusedBecauseTheDecodersAreBusyKeepsItsAttempt() throws Exception {
        JsonNode step = livenessStep();
        String token = step.get("access_token").asText();
        int before = PersonDevice.clientOk(device.clientSession(token)).get("attempts_left").asInt();
        java.util.concurrent.Semaphore decoders = nodeDecoders();
        int held = decoders.drainPermits();
        Reply busy;
        try {
            busy = send(step, PersonDevice.frame());
        } finally {
            decoders.release(held);
        }

        clientError(busy, 429, "TOO_MANY_REQUESTS");
        assertThat(busy.header("Retry-After")).hasValue("2");
        // the server's want, not the person's: the attempt is given back, and the next one is judged
        assertThat(PersonDevice.clientOk(device.clientSession(token)).get("attempts_left").asInt()).isEqualTo(before);
        assertThat(device.attempt(token, device.honestAttempt(step)).get("success").asBoolean()).isTrue();
    }

    /** The JVM's decode permits (package-private in core: a test may hold them all to make the node busy). */
    private static java.util.concurrent.Semaphore nodeDecoders() throws Exception {
        Object node = dev.idflow.core.internal.FrameImages.forThisNode();
        java.lang.reflect.Method permits = node.getClass().getDeclaredMethod("permits");
        permits.setAccessible(true);
        return (java.util.concurrent.Semaphore) permits.invoke(node);
    }

    @Test
    void aNormal640By480FrameStillPasses() throws Exception {
        JsonNode step = livenessStep();
        Reply reply = send(step, PersonDevice.jpeg(640, 480, new Color(90, 120, 160), true),
                PersonDevice.png(640, 480, Color.GRAY));
        assertThat(PersonDevice.clientOk(reply).get("success").asBoolean()).isTrue();
    }
}
