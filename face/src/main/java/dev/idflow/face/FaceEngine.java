package dev.idflow.face;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The four ONNX models of MODELS.md, loaded once from this jar and shared: {@link OrtSession#run} may be
 * called from many threads at once. What it reads from a picture: the faces (boxes), and for a face its
 * 68 landmarks, head pose, eyes open or closed, sharpness, mouth shape and its 512-d embedding.
 *
 * <p>One engine per JVM is enough ({@link #shared()}): the sessions hold about 60 MB of native memory
 * together; a second engine would only hold them twice.
 */
public final class FaceEngine {
    /** The models' package (MODELS.md): the embedding's {@link dev.idflow.core.spi.FaceMatcher#model()}. */
    public static final String MODELS = "faceplugin-face-recognition-js@0.0.1";
    /** A detection at or above this score is a face. */
    static final float FACE_SCORE = 0.7f;
    private static final float NMS_IOU = 0.3f;
    private static final int DETECT_W = 320;
    private static final int DETECT_H = 240;
    private static final float[] HALF = {0.5f, 0.5f, 0.5f};
    private static final float[] DETECT_STD = {128f / 255f, 128f / 255f, 128f / 255f};
    /** Where the five points of a face go in the embedding model's 112 × 112 input (ArcFace's alignment). */
    private static final double[][] REFERENCE_POINTS = {
        {38.2946, 51.6963}, {73.5318, 51.5014}, {56.0252, 71.7366}, {41.5493, 92.3655}, {70.7299, 92.2041}};

    private static volatile FaceEngine shared;

    private final OrtEnvironment env;
    private final OrtSession detector;
    private final OrtSession landmarks;
    private final OrtSession eyes;
    private final OrtSession embedding;

    private FaceEngine() {
        env = OrtEnvironment.getEnvironment();
        try {
            detector = load("fr_detect.onnx");
            landmarks = load("fr_landmark.onnx");
            eyes = load("fr_eye.onnx");
            embedding = load("fr_feature.onnx");
        } catch (OrtException e) {
            throw new IllegalStateException("the face models cannot be loaded", e);
        }
    }

    /** The JVM's engine, loaded on first use. */
    public static FaceEngine shared() {
        FaceEngine engine = shared;
        if (engine == null) {
            synchronized (FaceEngine.class) {
                engine = shared;
                if (engine == null) {
                    engine = new FaceEngine();
                    shared = engine;
                }
            }
        }
        return engine;
    }

    private OrtSession load(String name) throws OrtException {
        byte[] model;
        try (InputStream in = FaceEngine.class.getResourceAsStream("models/" + name)) {
            if (in == null) {
                throw new IllegalStateException("model " + name + " is not in the jar (the build unpacks it)");
            }
            model = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        // one thread per run: concurrency is the analyzer's to bound, one attempt per core
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return env.createSession(model, options);
    }

    /** A face's box in picture pixels, square around the detector's box (as the landmark model expects). */
    public record Box(float x, float y, float size, float score) {
        float cx() {
            return x + size / 2;
        }

        float cy() {
            return y + size / 2;
        }
    }

    /**
     * What one face showed: its box; 68 landmarks (x, y pairs in picture pixels, iBUG order); yaw, pitch
     * and roll as {@link #pose(float[])} measures them;
     * the probability that each eye is open; the face's sharpness (variance of the Laplacian of its
     * 64 × 64 luma); the mouth's opening (inner-lip gap over mouth width) and width (over the distance
     * between the eyes); and the L2-normalised embedding, when asked for.
     */
    public record Face(Box box, float[] points, float yaw, float pitch, float roll, float leftEyeOpen,
                       float rightEyeOpen, float sharpness, float mouthOpen, float mouthWidth, float[] embedding) {
        public boolean eyesOpen() {
            return leftEyeOpen >= 0.5f && rightEyeOpen >= 0.5f;
        }

        public boolean eyesClosed() {
            return leftEyeOpen < 0.5f && rightEyeOpen < 0.5f;
        }
    }

    /** The faces the detector finds in a picture, largest first. */
    public List<Box> detect(Picture picture) throws OrtException {
        float[] input = picture.chw(0, 0, picture.width, picture.height, DETECT_W, DETECT_H, HALF, DETECT_STD);
        float[][] scores;
        float[][] boxes;
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), new long[] {1, 3, DETECT_H, DETECT_W});
             OrtSession.Result result = detector.run(Map.of("input", tensor))) {
            scores = ((float[][][]) result.get("scores").orElseThrow().getValue())[0];
            boxes = ((float[][][]) result.get("boxes").orElseThrow().getValue())[0];
        }
        List<float[]> candidates = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            if (scores[i][1] >= FACE_SCORE) {
                float[] b = boxes[i];
                candidates.add(new float[] {b[0] * picture.width, b[1] * picture.height, b[2] * picture.width,
                    b[3] * picture.height, scores[i][1]});
            }
        }
        candidates.sort(Comparator.comparingDouble((float[] c) -> c[4]).reversed());
        List<float[]> kept = new ArrayList<>();
        for (float[] c : candidates) {
            boolean overlaps = false;
            for (float[] k : kept) {
                if (iou(c, k) > NMS_IOU) {
                    overlaps = true;
                    break;
                }
            }
            if (!overlaps && c[2] - c[0] > 4 && c[3] - c[1] > 4) {
                kept.add(c);
            }
        }
        List<Box> faces = new ArrayList<>();
        for (float[] k : kept) {
            float size = k[3] - k[1];
            float cx = (k[0] + k[2]) / 2;
            float cy = (k[1] + k[3]) / 2;
            faces.add(new Box(cx - size / 2, cy - size / 2, size, k[4]));
        }
        faces.sort(Comparator.comparingDouble(Box::size).reversed());
        return faces;
    }

    private static float iou(float[] a, float[] b) {
        float w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
        float h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
        float inter = w * h;
        float union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
        return union <= 0 ? 0 : inter / union;
    }

    /**
     * The head's pose from its landmarks, free of roll: along the line between the eyes, how far the nose
     * tip sits from their midpoint, in eye distances ({@code yaw}, &gt; 0 when it sits toward the picture's
     * right: the person turned to their own left, as a camera sees them); across it, where the nose tip
     * sits between the eyes' line (0) and the mouth's (1) ({@code pitch}, smaller when the head tilts up);
     * and the eyes' line's angle in degrees ({@code roll}). The nose tip stands out of the face, so it moves
     * across the face's flat points as the head turns: the sign of a turn needs no calibration.
     */
    static float[] pose(float[] p) {
        float[] le = centre(p, 36, 41);
        float[] re = centre(p, 42, 47);
        float ux = re[0] - le[0];
        float uy = re[1] - le[1];
        float eyeDistance = (float) Math.hypot(ux, uy);
        if (eyeDistance <= 0) {
            return new float[] {0, 0, 0};
        }
        ux /= eyeDistance;
        uy /= eyeDistance;
        // the perpendicular pointing down the face
        float vx = -uy;
        float vy = ux;
        float mx = (le[0] + re[0]) / 2;
        float my = (le[1] + re[1]) / 2;
        float nx = p[60] - mx;
        float ny = p[61] - my;
        float mouthX = (p[96] + p[108]) / 2 - mx;
        float mouthY = (p[97] + p[109]) / 2 - my;
        float down = mouthX * vx + mouthY * vy;
        float yaw = (nx * ux + ny * uy) / eyeDistance;
        float pitch = down <= 0 ? 0 : (nx * vx + ny * vy) / down;
        float roll = (float) Math.toDegrees(Math.atan2(uy, ux));
        return new float[] {yaw, pitch, roll};
    }

    /** Reads one face: landmarks, pose, eyes, sharpness, mouth, and (when asked) its embedding. */
    public Face read(Picture picture, Box box, boolean withEmbedding) throws OrtException {
        // the face's 64 × 64 luma: the landmark model's input, and what its sharpness is measured on
        float[] luma = picture.grayRegion(box.x(), box.y(), box.size(), box.size(), 64, 64, 1f);
        float[] points = landmarks(luma, box);
        float[] angles = pose(points);
        float[] leftEye = eyeRegion(points, 36, 37, 38, 39, 40, 41);
        float[] rightEye = eyeRegion(points, 42, 43, 44, 45, 46, 47);
        float leftOpen = eyeOpen(picture, leftEye);
        float rightOpen = eyeOpen(picture, rightEye);
        float sharpness = sharpness(luma);
        float mouthWidth = dist(points, 48, 54);
        float mouthGap = (dist(points, 61, 67) + dist(points, 62, 66) + dist(points, 63, 65)) / 3;
        float eyeDistance = (float) Math.hypot(centre(points, 36, 39)[0] - centre(points, 42, 45)[0],
                centre(points, 36, 39)[1] - centre(points, 42, 45)[1]);
        float[] emb = withEmbedding ? embedding(picture, points) : null;
        return new Face(box, points, angles[0], angles[1], angles[2], leftOpen, rightOpen, sharpness,
                mouthWidth <= 0 ? 0 : mouthGap / mouthWidth, eyeDistance <= 0 ? 0 : mouthWidth / eyeDistance, emb);
    }

    private float[] landmarks(float[] luma, Box box) throws OrtException {
        float[] input = new float[luma.length];
        for (int i = 0; i < luma.length; i++) {
            input[i] = luma[i] / 256f;
        }
        float[] out;
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), new long[] {1, 1, 64, 64});
             OrtSession.Result result = landmarks.run(Map.of("input", tensor))) {
            out = ((float[][]) result.get(0).getValue())[0];
        }
        float[] points = new float[out.length];
        for (int i = 0; i < out.length; i += 2) {
            points[i] = box.x() + out[i] * box.size();
            points[i + 1] = box.y() + out[i + 1] * box.size();
        }
        return points;
    }

    private static float[] softmax(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        float[] p = new float[logits.length];
        float sum = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = (float) Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** The square around an eye (x, y, size): the centre of its lids, 1.6 times its corner-to-corner width. */
    private static float[] eyeRegion(float[] p, int outer, int top1, int top2, int inner, int bottom1, int bottom2) {
        float cx = (p[2 * top1] + p[2 * top2] + p[2 * bottom1] + p[2 * bottom2]) / 4;
        float cy = (p[2 * top1 + 1] + p[2 * top2 + 1] + p[2 * bottom1 + 1] + p[2 * bottom2 + 1]) / 4;
        float size = Math.max(4, Math.abs(p[2 * inner] - p[2 * outer]) * 1.6f);
        return new float[] {cx - size / 2, cy - size / 2, size};
    }

    private float eyeOpen(Picture picture, float[] region) throws OrtException {
        float[] input = picture.grayRegion(region[0], region[1], region[2], region[2], 24, 24, 255f);
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), new long[] {1, 1, 24, 24});
             OrtSession.Result result = eyes.run(Map.of("input", tensor))) {
            float[] p = softmax(((float[][]) result.get(0).getValue())[0]);
            return p[EYE_OPEN_CLASS];
        }
    }

    /** Which of the eye model's two classes is "open" (measured on the test pictures: MODELS.md). */
    static final int EYE_OPEN_CLASS = 1;

    /** Variance of the 4-neighbour Laplacian of the face's 64 × 64 luma: blur and screens lower it. */
    private static float sharpness(float[] g) {
        int n = 64;
        double sum = 0;
        double sq = 0;
        int count = 0;
        for (int y = 1; y < n - 1; y++) {
            for (int x = 1; x < n - 1; x++) {
                double lap = 4 * g[y * n + x] - g[y * n + x - 1] - g[y * n + x + 1] - g[(y - 1) * n + x] - g[(y + 1) * n + x];
                sum += lap;
                sq += lap * lap;
                count++;
            }
        }
        double mean = sum / count;
        return (float) (sq / count - mean * mean);
    }

    private static float dist(float[] p, int a, int b) {
        return (float) Math.hypot(p[2 * a] - p[2 * b], p[2 * a + 1] - p[2 * b + 1]);
    }

    private static float[] centre(float[] p, int from, int to) {
        float x = 0;
        float y = 0;
        for (int i = from; i <= to; i++) {
            x += p[2 * i];
            y += p[2 * i + 1];
        }
        int n = to - from + 1;
        return new float[] {x / n, y / n};
    }

    /** The face's five points (eyes, nose tip, mouth corners), as the embedding model's alignment takes them. */
    static double[][] fivePoints(float[] p) {
        float[] le = centre(p, 36, 41);
        float[] re = centre(p, 42, 47);
        return new double[][] {
            {le[0], le[1]}, {re[0], re[1]}, {p[60], p[61]},
            {(p[96] + p[120]) / 2, (p[97] + p[121]) / 2}, {(p[108] + p[128]) / 2, (p[109] + p[129]) / 2}};
    }

    private float[] embedding(Picture picture, float[] points) throws OrtException {
        double[] map = similarityToPicture(fivePoints(points), REFERENCE_POINTS);
        float[] input = picture.warp(map, 112);
        float[] out;
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), new long[] {1, 3, 112, 112});
             OrtSession.Result result = embedding.run(Map.of("input", tensor))) {
            out = ((float[][]) result.get(0).getValue())[0];
        }
        double norm = 0;
        for (float v : out) {
            norm += v * v;
        }
        norm = Math.sqrt(norm);
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (out[i] / norm);
        }
        return out;
    }

    /**
     * The least-squares similarity (scale, rotation, shift) that takes the reference points onto the face's
     * points: the map from the 112 × 112 input's pixels to the picture's, {a, b, c, d, e, f}.
     */
    static double[] similarityToPicture(double[][] face, double[][] reference) {
        int n = face.length;
        double mx = 0;
        double my = 0;
        double ux = 0;
        double uy = 0;
        for (int i = 0; i < n; i++) {
            mx += reference[i][0];
            my += reference[i][1];
            ux += face[i][0];
            uy += face[i][1];
        }
        mx /= n;
        my /= n;
        ux /= n;
        uy /= n;
        double sxx = 0;
        double sxy = 0;
        double var = 0;
        for (int i = 0; i < n; i++) {
            double rx = reference[i][0] - mx;
            double ry = reference[i][1] - my;
            double fx = face[i][0] - ux;
            double fy = face[i][1] - uy;
            sxx += rx * fx + ry * fy;
            sxy += rx * fy - ry * fx;
            var += rx * rx + ry * ry;
        }
        double a = sxx / var;
        double b = sxy / var;
        // face = [a -b; b a] * ref + t
        double tx = ux - (a * mx - b * my);
        double ty = uy - (b * mx + a * my);
        return new double[] {a, -b, tx, b, a, ty};
    }

    /** Cosine of two L2-normalised embeddings. */
    static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
        }
        return dot;
    }
}
