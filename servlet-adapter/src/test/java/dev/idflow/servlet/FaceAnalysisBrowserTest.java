package dev.idflow.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.face.OnnxLivenessAnalyzer;
import dev.idflow.servlet.PersonDevice.Created;
import java.awt.image.BufferedImage;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * A live flow (live key, no mockery) judged by idflow's own face analysis ({@link OnnxLivenessAnalyzer}) through the
 * real hosted page, in headless Chromium whose fake camera films a Y4M video written here from a real face
 * picture (Debian's facedetect package): a person moving closer while asked to zoom in passes; a camera
 * that films no face fails, and the person reads why in their language. Screenshots:
 * target/screenshots/face/*.png.
 */
class FaceAnalysisBrowserTest {
    private static final String FRONT_CAMERA = "camera2 1, facing front";
    private static final int W = 640;
    private static final int H = 480;
    private static final int FPS = 10;
    private static final String ZOOM_IN_STEP = "[{\"service_name\":\"verilive\",\"max_retries\":1,\"pipeline\":[[\"zoom-in\"]]}]";

    private static TestServer server;
    private static PersonDevice bankApi;
    private static Path videos;

    @BeforeAll
    static void start() throws Exception {
        HostedBrowser.requireChromium();
        server = new TestServer("/idflow", builder -> builder.faceAnalysis(new OnnxLivenessAnalyzer()));
        bankApi = PersonDevice.liveKey(server);
        videos = Files.createDirectories(Path.of("target", "face-videos"));
        Files.createDirectories(HostedBrowser.SCREENSHOTS.resolve("face"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aPersonMovingCloserWhenAskedToZoomInPasses() throws Exception {
        BufferedImage face = FacePictures.load(FacePictures.GRACE_HOPPER);
        // her face (about 210 px in the picture) grows steadily from 110 px: 9 % a second, 10 s, from the
        // moment the camera opens; the baseline frame and the zoom-in's frames are ~1.2–2.5 s apart
        Path video = y4m("zoom-in.y4m", 10 * FPS, i -> {
            double size = 110 * Math.exp(0.09 * i / FPS);
            return FacePictures.place(face, W, H, 265, 215, size / 210, 0, 10);
        });
        Created flow = newFlow("face-zoom-in");
        try (HostedBrowser b = HostedBrowser.phoneFilming(video)) {
            ownCamera(b);
            runLiveness(b, flow);
            b.screen("live-passed", Duration.ofSeconds(40));
            b.screenshot("face/zoom-in-passed");
        }
        JsonNode session = veriliveSession(flow);
        assertThat(session.at("/session_result/service_status").asText()).as(session.toString()).isEqualTo("real");
        JsonNode journal = bankApi.journal(session.path("session_id").asText());
        assertThat(journal.at("/result/service_status").asText()).isEqualTo("real");
        assertThat(journal.at("/result/error_codes")).isEmpty();
        assertThat(bankApi.result(flow.flowId()).path("flow_status").asText()).isEqualTo("pass");
    }

    @Test
    void aCameraThatFilmsNoFaceFailsAndThePersonIsToldWhy() throws Exception {
        BufferedImage ice = FacePictures.load(FacePictures.ICE_BLOCK);
        Path video = y4m("no-face.y4m", 2 * FPS, i -> FacePictures.place(ice, W, H, ice.getWidth() / 2.0, ice.getHeight() / 2.0, 1.0, i, 0));
        Created flow = newFlow("face-absent");
        try (HostedBrowser b = HostedBrowser.phoneFilming(video)) {
            ownCamera(b);
            runLiveness(b, flow);
            String words = "We could not see your face in the frame.";
            try {
                b.waiting(Duration.ofSeconds(40)).until(d -> b.mainText().contains(words));
            } catch (org.openqa.selenium.TimeoutException e) {
                throw new AssertionError("the page never said \"" + words + "\"; it shows \"" + b.currentScreen() + "\": "
                        + b.mainText() + "\nbrowser console: " + b.console(), e);
            }
            b.screenshot("face/no-face-told");
        }
        JsonNode session = veriliveSession(flow);
        JsonNode journal = bankApi.journal(session.path("session_id").asText());
        assertThat(journal.at("/result/service_status").asText()).as(journal.toString()).isEqualTo("attack");
        List<String> codes = new ArrayList<>();
        journal.at("/result/error_codes").forEach(c -> codes.add(c.asText()));
        assertThat(codes).contains("no_face");
        assertThat(bankApi.result(flow.flowId()).path("flow_status").asText()).isNotEqualTo("pass");
    }

    // ------------------------------------------------------------------ the flow

    private static Created newFlow(String person) throws Exception {
        // the device's clock times the actions; the server's must agree with it for them to count
        server.clock.set(Instant.now());
        return bankApi.createFlow(person, ZOOM_IN_STEP, "\"locale\":\"en\"");
    }

    /** The vlink's start page, then the liveness intro, then the camera. */
    private static void runLiveness(HostedBrowser b, Created flow) {
        b.driver.get(flow.vlink());
        b.screen("start");
        b.click("start");
        b.screen("live-intro");
        b.click("live-begin");
        b.screen("live-capture");
        b.waiting(Duration.ofSeconds(10)).until(d -> !d.findElement(By.id("counter")).getText().isBlank());
        b.screenshot("face/" + flow.flowId() + "-capture");
    }

    /**
     * Chromium names its fake camera "fake_device_0", which idflow's rules rightly take for a virtual camera;
     * the page reads the name a phone gives its front camera instead (the frames are still the video's).
     */
    private static void ownCamera(HostedBrowser b) {
        b.driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", """
                const own = Object.getOwnPropertyDescriptor(MediaStreamTrack.prototype, 'label');
                Object.defineProperty(MediaStreamTrack.prototype, 'label', { configurable: true, get() {
                  return this.kind === 'video' ? '%s' : own.get.call(this); } });""".formatted(FRONT_CAMERA)));
    }

    private static JsonNode veriliveSession(Created flow) throws Exception {
        for (JsonNode s : bankApi.result(flow.flowId()).path("service_statuses")) {
            if (s.path("service_name").asText().equals("verilive")) {
                return s;
            }
        }
        throw new AssertionError("no verilive session in flow " + flow.flowId());
    }

    // ------------------------------------------------------------------ the camera's video

    /** Writes a YUV4MPEG2 (4:2:0, BT.601 studio range) video of {@code count} frames at {@link #FPS}. */
    private static Path y4m(String name, int count, IntFunction<BufferedImage> frames) throws IOException {
        Path file = videos.resolve(name);
        byte[] y = new byte[W * H];
        byte[] u = new byte[W * H / 4];
        byte[] v = new byte[W * H / 4];
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            out.write(("YUV4MPEG2 W" + W + " H" + H + " F" + FPS + ":1 Ip A1:1 C420jpeg\n").getBytes(StandardCharsets.US_ASCII));
            int[] rgb = new int[W * H];
            for (int n = 0; n < count; n++) {
                frames.apply(n).getRGB(0, 0, W, H, rgb, 0, W);
                for (int i = 0; i < rgb.length; i++) {
                    int r = (rgb[i] >> 16) & 0xff;
                    int g = (rgb[i] >> 8) & 0xff;
                    int b = rgb[i] & 0xff;
                    y[i] = (byte) Math.round(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255);
                }
                for (int row = 0; row < H / 2; row++) {
                    for (int col = 0; col < W / 2; col++) {
                        double r = 0;
                        double g = 0;
                        double b = 0;
                        for (int k = 0; k < 4; k++) {
                            int p = rgb[(2 * row + k / 2) * W + 2 * col + k % 2];
                            r += (p >> 16) & 0xff;
                            g += (p >> 8) & 0xff;
                            b += p & 0xff;
                        }
                        r /= 4 * 255.0;
                        g /= 4 * 255.0;
                        b /= 4 * 255.0;
                        u[row * (W / 2) + col] = (byte) Math.round(128 - 37.797 * r - 74.203 * g + 112 * b);
                        v[row * (W / 2) + col] = (byte) Math.round(128 + 112 * r - 93.786 * g - 18.214 * b);
                    }
                }
                out.write("FRAME\n".getBytes(StandardCharsets.US_ASCII));
                out.write(y);
                out.write(u);
                out.write(v);
            }
        }
        return file;
    }
}
