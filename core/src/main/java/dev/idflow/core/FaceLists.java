package dev.idflow.core;

import dev.idflow.core.model.FaceTemplate;
import dev.idflow.core.model.KeyMode;
import dev.idflow.core.services.FaceChecks;
import dev.idflow.core.spi.ApiKeyDirectory;
import dev.idflow.core.spi.FaceMatcher;
import dev.idflow.core.spi.FaceTemplateRepository;
import dev.idflow.core.spi.SecretCipher;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A consumer's face lists, as the host (or its operator console) manages them. Once a consumer enables
 * them, every {@code verilive} and {@code verilive-one-shot} attempt whose verdict is {@code real}, and
 * every {@code veriface} step, searches the best frame's face among the consumer's templates of the same
 * kind (test or live): on the {@code blacklist} → {@code face_in_blacklist} (an attack); on the
 * {@code graylist} → {@code face_in_graylist} (no verdict: {@code unknown}, for an operator's review); the
 * face of a person verified under another person_id → {@code face_has_another_account} (an attack). A
 * person whose liveness session passes has their face kept (sealed) for that last check.
 *
 * <p>Templates are made by the host's {@link FaceMatcher}, sealed with the host's cipher, never returned:
 * {@link Entry} has no template. Every method takes the consumer first and refuses one that is not
 * registered. Enrolling needs a matcher ({@code Idflow.builder().faceMatcher(...)}).
 *
 * <pre>{@code
 * idflow.faceLists().enable("retail");
 * idflow.faceLists().enroll("retail", KeyMode.LIVE, "blacklist", jpegBytes, "case 2026-114");
 * }</pre>
 */
public final class FaceLists {
    private final FaceTemplateRepository templates;
    private final ApiKeyDirectory consumers;
    private final FaceMatcher matcher;
    private final SecretCipher cipher;
    private final SecureRandom random;
    private final Supplier<Instant> clock;
    private final Auditor auditor;
    private final String actor;

    FaceLists(FaceTemplateRepository templates, ApiKeyDirectory consumers, FaceMatcher matcher, SecretCipher cipher,
              SecureRandom random, Supplier<Instant> clock) {
        this(templates, consumers, matcher, cipher, random, clock, Auditor.NONE, null);
    }

    FaceLists(FaceTemplateRepository templates, ApiKeyDirectory consumers, FaceMatcher matcher, SecretCipher cipher,
              SecureRandom random, Supplier<Instant> clock, Auditor auditor, String actor) {
        this.auditor = auditor;
        this.actor = actor;
        this.templates = templates;
        this.consumers = consumers;
        this.matcher = matcher;
        this.cipher = cipher;
        this.random = random;
        this.clock = clock;
    }

    /** An entry as the host sees it: never its template. {@code personId} and {@code reference} as enrolled (or null). */
    public record Entry(String entryId, String list, boolean test, String personId, String reference, String model,
                        Instant createdAt) {
    }

    /**
     * The same lists, with every change recorded in the audit trail as made by {@code actor} (the host's
     * principal). Without it, changes are recorded as made by {@code host}.
     */
    public FaceLists as(String actor) {
        return new FaceLists(templates, consumers, matcher, cipher, random, clock, auditor,
                Objects.requireNonNull(actor, "actor"));
    }

    /** Face lists on for the consumer: true when they were off. Checked on every session from now on. */
    public boolean enable(String consumerId) {
        boolean changed = templates.enable(registered(consumerId), clock.get());
        if (changed) {
            auditor.record(consumerId, actor, "face_list.enable", "consumer", consumerId, null);
        }
        return changed;
    }

    /** Face lists off for the consumer (its templates stay): true when they were on. */
    public boolean disable(String consumerId) {
        boolean changed = templates.disable(registered(consumerId));
        if (changed) {
            auditor.record(consumerId, actor, "face_list.disable", "consumer", consumerId, null);
        }
        return changed;
    }

    public boolean enabled(String consumerId) {
        return templates.enabled(registered(consumerId));
    }

    /**
     * Puts the one face in {@code image} (JPEG or PNG) on the consumer's {@code list} (blacklist or
     * graylist) for its {@code mode}'s flows (test or live). {@code personId} (optional) is whose face it is,
     * so that erasing that person deletes it; {@code reference} (optional, at most 256 characters) the
     * host's own word for it.
     *
     * @throws IllegalArgumentException when the image holds no face or several, or a rule is broken
     * @throws IllegalStateException    without a face matcher
     */
    public Entry enroll(String consumerId, KeyMode mode, String list, byte[] image, String personId, String reference) {
        registered(consumerId);
        Objects.requireNonNull(mode, "mode");
        FaceTemplate.checkList(list);
        Objects.requireNonNull(image, "image");
        if (matcher == null) {
            throw new IllegalStateException("enrolling a face needs a face matcher (Idflow.builder().faceMatcher(...))");
        }
        FaceMatcher.FaceFound found;
        try {
            found = matcher.face(image);
        } catch (Exception e) {
            throw new IllegalArgumentException("image: the face matcher could not read it (a JPEG or PNG picture is needed)", e);
        }
        if (found.faces() != 1) {
            throw new IllegalArgumentException("image: must show exactly one face; the face matcher found " + found.faces());
        }
        FaceTemplate t = new FaceTemplate(FaceChecks.newTemplateId(random), consumerId, mode == KeyMode.TEST, list,
                personId, reference, matcher.model(), cipher.encrypt(found.template()), null, clock.get());
        templates.add(t);
        auditor.record(consumerId, actor, "face_list.enroll", "face_list_entry", t.templateId(),
                "list=" + list + ", mode=" + (mode == KeyMode.TEST ? "test" : "live"));
        return entry(t);
    }

    /** {@link #enroll(String, KeyMode, String, byte[], String, String)} without a person or a reference. */
    public Entry enroll(String consumerId, KeyMode mode, String list, byte[] image) {
        return enroll(consumerId, mode, list, image, null, null);
    }

    /** Takes an entry off its list: true when it was there. Only list entries; a verified face goes with its person. */
    public boolean remove(String consumerId, KeyMode mode, String entryId) {
        registered(consumerId);
        boolean removed = templates.find(consumerId, mode == KeyMode.TEST, entryId)
                .filter(t -> FaceTemplate.LISTS.contains(t.kind()))
                .map(t -> templates.remove(consumerId, mode == KeyMode.TEST, entryId))
                .orElse(false);
        if (removed) {
            auditor.record(consumerId, actor, "face_list.remove", "face_list_entry", entryId,
                    "mode=" + (mode == KeyMode.TEST ? "test" : "live"));
        }
        return removed;
    }

    /** The entries of one list, oldest first, without templates. */
    public List<Entry> list(String consumerId, KeyMode mode, String list) {
        registered(consumerId);
        return templates.list(consumerId, mode == KeyMode.TEST, FaceTemplate.checkList(list)).stream()
                .map(FaceLists::entry).toList();
    }

    /** How many verified faces the consumer keeps for {@code mode}'s flows (never the faces themselves). */
    public int verifiedCount(String consumerId, KeyMode mode) {
        registered(consumerId);
        return templates.list(consumerId, mode == KeyMode.TEST, FaceTemplate.VERIFIED).size();
    }

    /** Deletes every face template of the person (verified, and list entries enrolled with their person_id). */
    public int deletePerson(String consumerId, String personId) {
        int n = templates.deleteByPerson(registered(consumerId), Objects.requireNonNull(personId, "personId"));
        auditor.record(consumerId, actor, "face_list.delete_person", "person", personId, "templates=" + n);
        return n;
    }

    private static Entry entry(FaceTemplate t) {
        return new Entry(t.templateId(), t.kind(), t.test(), t.personId(), t.reference(), t.model(), t.createdAt());
    }

    private String registered(String consumerId) {
        Objects.requireNonNull(consumerId, "consumerId");
        if (consumers.findConsumer(consumerId).isEmpty()) {
            throw new IllegalArgumentException("consumerId: no consumer " + consumerId
                    + " is registered (Idflow.registerConsumer)");
        }
        return consumerId;
    }
}
