package dev.idflow.core.spi;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Faces compared: a template made from the one face in an image, and the similarity of two templates.
 * idflow's own {@code face} module implements it; a bank may plug in its certified engine instead.
 * A template is the engine's own bytes: idflow seals it at rest, never returns it through any API,
 * and compares only templates of the same {@link #model()}.
 */
public interface FaceMatcher {

    /** The engine and model version that makes templates, e.g. {@code "idflow-face/arcface-r50@1"}. */
    String model();

    /**
     * The faces found in {@code image} (JPEG or PNG bytes), and the template of the face when exactly one
     * was found.
     */
    FaceFound face(byte[] image) throws Exception;

    /** How alike two templates of this model are: 0 (different people) … 1 (the same image). */
    double similarity(byte[] template, byte[] other);

    /**
     * The similarity at or above which two faces are taken for the same person: the engine's calibrated
     * operating point (its error rates at that point are the engine's to document).
     */
    double threshold();

    /** 1:N: the candidates at or above {@code threshold}, most similar first. */
    default List<Match> search(byte[] probe, Collection<Candidate> candidates, double threshold) {
        List<Match> matches = new ArrayList<>();
        for (Candidate candidate : candidates) {
            double similarity = similarity(probe, candidate.template());
            if (similarity >= threshold) {
                matches.add(new Match(candidate.id(), similarity));
            }
        }
        matches.sort(Comparator.comparingDouble(Match::similarity).reversed());
        return matches;
    }

    /** How many faces an image held, and the template of the face when it held exactly one (else null). */
    record FaceFound(int faces, byte[] template) {
        public FaceFound {
            if (faces < 0) {
                throw new IllegalArgumentException("faces must be 0 or more");
            }
            if ((faces == 1) != (template != null)) {
                throw new IllegalArgumentException("a template comes with exactly one face, and only then");
            }
        }
    }

    /** A stored template to search: its id (the caller's) and bytes. */
    record Candidate(String id, byte[] template) {
        public Candidate {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(template, "template");
        }
    }

    /** A candidate found alike: its id and similarity. */
    record Match(String id, double similarity) {
    }
}
