package dev.idflow.face;

import dev.idflow.core.spi.FaceMatcher;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Faces compared by the embedding model of MODELS.md: a template is the face's 512-d L2-normalised
 * embedding (2048 bytes, little-endian float32 after a 4-byte tag), the similarity their cosine
 * (below 0 taken as 0). {@link #THRESHOLD} is calibrated on the test pictures (MODELS.md gives its
 * measured error rates); a bank may set its own operating point.
 */
public final class OnnxFaceMatcher implements FaceMatcher {
    /** The similarity at or above which two faces are taken for the same person (MODELS.md). */
    public static final double THRESHOLD = 0.50;
    /**
     * Within one liveness attempt, a frame's face against the others' (linked through the frames between,
     * see {@link OnnxLivenessAnalyzer}): a little below {@link #THRESHOLD}, since the frames of one attempt show the
     * face turned, tilted and zoomed, and still above the most alike different people measured (MODELS.md).
     */
    public static final double SESSION_THRESHOLD = 0.45;
    /** The template's tag: "IFE1" (idflow face embedding, version 1). */
    private static final int TAG = 0x49464531;
    private static final int DIMENSIONS = 512;

    private final FaceEngine engine;
    private final double threshold;

    /** The JVM's shared engine and the calibrated {@link #THRESHOLD}. */
    public OnnxFaceMatcher() {
        this(FaceEngine.shared(), THRESHOLD);
    }

    public OnnxFaceMatcher(FaceEngine engine, double threshold) {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1]");
        }
        this.engine = engine;
        this.threshold = threshold;
    }

    @Override
    public String model() {
        return "idflow-face/" + FaceEngine.MODELS + "#fr_feature@1";
    }

    @Override
    public FaceFound face(byte[] image) throws Exception {
        Picture picture = Picture.decode(image);
        List<FaceEngine.Box> faces = OnnxLivenessAnalyzer.counted(engine.detect(picture));
        if (faces.size() != 1) {
            return new FaceFound(faces.size(), null);
        }
        return new FaceFound(1, template(engine.read(picture, faces.get(0), true).embedding()));
    }

    static byte[] template(float[] embedding) {
        ByteBuffer buffer = ByteBuffer.allocate(4 + 4 * embedding.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(TAG);
        for (float v : embedding) {
            buffer.putFloat(v);
        }
        return buffer.array();
    }

    static float[] embedding(byte[] template) {
        if (template == null || template.length != 4 + 4 * DIMENSIONS) {
            throw new IllegalArgumentException("not a template of " + "this model: expected " + (4 + 4 * DIMENSIONS) + " bytes");
        }
        ByteBuffer buffer = ByteBuffer.wrap(template).order(ByteOrder.LITTLE_ENDIAN);
        if (buffer.getInt() != TAG) {
            throw new IllegalArgumentException("not a template of this model (its tag differs)");
        }
        float[] e = new float[DIMENSIONS];
        for (int i = 0; i < DIMENSIONS; i++) {
            e[i] = buffer.getFloat();
        }
        return e;
    }

    @Override
    public double similarity(byte[] template, byte[] other) {
        return Math.max(0, Math.min(1, FaceEngine.cosine(embedding(template), embedding(other))));
    }

    @Override
    public double threshold() {
        return threshold;
    }
}
