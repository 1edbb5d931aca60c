package dev.idflow.core.spi;

import dev.idflow.core.model.FaceTemplate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The consumers' face templates ({@link FaceTemplate}): blacklist and graylist entries the host enrolls,
 * and the faces of persons verified by a liveness session; and which consumers have face lists enabled.
 * Templates arrive sealed and are handed back sealed: a store never sees a template in clear. One
 * consumer never sees another's templates; test and live templates never meet ({@code test} is part of
 * every read).
 *
 * <p>Orders are by {@code createdAt}, then {@code templateId}, the same on every store.
 */
public interface FaceTemplateRepository {

    /** Face lists on for the consumer (the checks run from now on): true when they were off. */
    boolean enable(String consumerId, Instant at);

    /** Face lists off for the consumer (templates stay until removed): true when they were on. */
    boolean disable(String consumerId);

    boolean enabled(String consumerId);

    /**
     * Stores a template. A {@code verified} template replaces the person's earlier verified templates of
     * the same consumer, kind of flow (test/live) and model: one face per verified person.
     *
     * @throws DuplicateKeyException when {@code templateId} exists
     */
    void add(FaceTemplate template);

    /** The template with this id of the consumer and kind of flow, if there is one. */
    Optional<FaceTemplate> find(String consumerId, boolean test, String templateId);

    /** Deletes one template of the consumer and kind of flow: true when it was there. */
    boolean remove(String consumerId, boolean test, String templateId);

    /** The consumer's templates of one kind (blacklist, graylist or verified), oldest first. */
    List<FaceTemplate> list(String consumerId, boolean test, String kind);

    /** Every template of the consumer and kind of flow made by {@code model}, oldest first: a 1:N search's candidates. */
    List<FaceTemplate> candidates(String consumerId, boolean test, String model);

    /**
     * Deletes every template, of every kind, test and live, whose person_id is {@code personId}: a
     * person's erasure. Returns how many.
     */
    int deleteByPerson(String consumerId, String personId);
}
