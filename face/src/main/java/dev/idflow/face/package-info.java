/**
 * idflow's own face analysis on ONNX Runtime (models and their measured accuracy: face/MODELS.md).
 *
 * <ul>
 *   <li>{@link dev.idflow.face.OnnxLivenessAnalyzer}: a {@code LivenessAnalyzer} for
 *       {@code Idflow.builder().faceAnalysis(new OnnxLivenessAnalyzer())}: one face per frame, the same face
 *       across frames, each requested action seen between frames, eyes open on the best frame it chooses;</li>
 *   <li>{@link dev.idflow.face.OnnxFaceMatcher}: a {@code FaceMatcher} (512-d embeddings, cosine, a
 *       calibrated threshold);</li>
 *   <li>{@link dev.idflow.face.FaceEngine}: the models, loaded once per JVM from this jar and shared.</li>
 * </ul>
 */
package dev.idflow.face;
