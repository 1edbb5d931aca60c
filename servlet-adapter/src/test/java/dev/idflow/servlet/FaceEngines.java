package dev.idflow.servlet;

import dev.idflow.core.spi.FaceMatcher;
import dev.idflow.core.spi.LivenessAnalyzer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A liveness engine for tests built on {@link ColourFaces}: every frame must hold exactly one face
 * ({@code no_face}, {@code face_multiplicity_frame}), all the same person ({@code face_multiplicity_session});
 * then {@code real}. It checks only {@link #checkable} actions and picks {@link #bestFrame} (null: none).
 */
final class FaceEngines implements LivenessAnalyzer {
    final FaceMatcher matcher;
    final AtomicReference<Integer> bestFrame = new AtomicReference<>();
    final AtomicReference<Set<String>> checkable = new AtomicReference<>(ACTIONS);

    FaceEngines(FaceMatcher matcher) {
        this.matcher = matcher;
    }

    @Override
    public Verdict analyze(Attempt attempt) throws Exception {
        byte[] first = null;
        for (byte[] frame : attempt.frames()) {
            FaceMatcher.FaceFound found = matcher.face(frame);
            if (found.faces() == 0) {
                return new Verdict("attack", List.of("no_face"), List.of(), bestFrame.get());
            }
            if (found.faces() > 1) {
                return new Verdict("attack", List.of("face_multiplicity_frame"), List.of(), bestFrame.get());
            }
            if (first == null) {
                first = found.template();
            } else if (matcher.similarity(first, found.template()) < matcher.threshold()) {
                return new Verdict("attack", List.of("face_multiplicity_session"), List.of(), bestFrame.get());
            }
        }
        return new Verdict("real", List.of(), List.of(), bestFrame.get());
    }

    @Override
    public Set<String> checkableActions() {
        return checkable.get();
    }
}
