package dev.idflow.storage.memory;

import dev.idflow.core.model.FaceTemplate;
import dev.idflow.core.spi.DuplicateKeyException;
import dev.idflow.core.spi.FaceTemplateRepository;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Face templates in one map by id, under one lock: a verified template's replacement (delete the person's
 * older ones, insert the new one) is one step, as in the SQL stores' transaction. Records are immutable
 * and copy their bytes in and out.
 */
final class InMemoryFaceTemplateRepository implements FaceTemplateRepository {
    private static final Comparator<FaceTemplate> ORDER = Comparator.comparing(FaceTemplate::createdAt)
            .thenComparing(FaceTemplate::templateId);

    private final Map<String, FaceTemplate> templates = new LinkedHashMap<>();
    private final Map<String, Instant> enabled = new LinkedHashMap<>();

    @Override
    public synchronized boolean enable(String consumerId, Instant at) {
        Objects.requireNonNull(at, "at");
        return enabled.putIfAbsent(Objects.requireNonNull(consumerId, "consumerId"), at) == null;
    }

    @Override
    public synchronized boolean disable(String consumerId) {
        return enabled.remove(consumerId) != null;
    }

    @Override
    public synchronized boolean enabled(String consumerId) {
        return enabled.containsKey(consumerId);
    }

    @Override
    public synchronized void add(FaceTemplate template) {
        Objects.requireNonNull(template, "template");
        if (templates.containsKey(template.templateId())) {
            throw new DuplicateKeyException("face template " + template.templateId() + " exists");
        }
        if (FaceTemplate.VERIFIED.equals(template.kind())) {
            templates.values().removeIf(t -> t.consumerId().equals(template.consumerId()) && t.test() == template.test()
                    && t.kind().equals(FaceTemplate.VERIFIED) && t.personId().equals(template.personId())
                    && t.model().equals(template.model()));
        }
        templates.put(template.templateId(), template);
    }

    @Override
    public synchronized Optional<FaceTemplate> find(String consumerId, boolean test, String templateId) {
        FaceTemplate t = templates.get(templateId);
        return t != null && t.consumerId().equals(consumerId) && t.test() == test ? Optional.of(t) : Optional.empty();
    }

    @Override
    public synchronized boolean remove(String consumerId, boolean test, String templateId) {
        if (find(consumerId, test, templateId).isEmpty()) {
            return false;
        }
        return templates.remove(templateId) != null;
    }

    @Override
    public synchronized List<FaceTemplate> list(String consumerId, boolean test, String kind) {
        FaceTemplate.checkKind(kind);
        return select(t -> t.consumerId().equals(consumerId) && t.test() == test && t.kind().equals(kind));
    }

    @Override
    public synchronized List<FaceTemplate> candidates(String consumerId, boolean test, String model) {
        return select(t -> t.consumerId().equals(consumerId) && t.test() == test && t.model().equals(model));
    }

    @Override
    public synchronized int deleteByPerson(String consumerId, String personId) {
        int before = templates.size();
        templates.values().removeIf(t -> t.consumerId().equals(consumerId) && personId.equals(t.personId()));
        return before - templates.size();
    }

    private List<FaceTemplate> select(Predicate<FaceTemplate> which) {
        List<FaceTemplate> out = new ArrayList<>();
        for (FaceTemplate t : templates.values()) {
            if (which.test(t)) {
                out.add(t);
            }
        }
        out.sort(ORDER);
        return out;
    }

    /** Deletes up to {@code limit} templates that {@code which} selects, oldest first; returns how many. */
    synchronized int removeWhere(Predicate<FaceTemplate> which, int limit) {
        List<FaceTemplate> gone = select(which);
        int n = 0;
        for (FaceTemplate t : gone) {
            if (n == limit) {
                break;
            }
            templates.remove(t.templateId());
            n++;
        }
        return n;
    }
}
