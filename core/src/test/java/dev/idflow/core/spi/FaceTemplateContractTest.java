package dev.idflow.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.idflow.core.model.FaceTemplate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link FaceTemplateRepository}, run on every store (memory, H2, PostgreSQL) by a
 * subclass that implements {@link #storage()}: an empty store for every test, as {@link StorageContractTest}.
 */
public abstract class FaceTemplateContractTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00.123Z");
    private static final String MODEL = "fake-model@1";
    private static final AtomicInteger IDS = new AtomicInteger();

    private FaceTemplateRepository templates;

    protected abstract IdflowStorage storage();

    @BeforeEach
    void openEmptyStorage() {
        templates = storage().faceTemplates();
    }

    private static String id() {
        return "tpl-" + IDS.incrementAndGet();
    }

    private static byte[] sealed(int seed) {
        byte[] b = new byte[48];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (seed * 31 + i);
        }
        return b;
    }

    private static FaceTemplate listEntry(String consumer, boolean test, String list, String personId, Instant at, int seed) {
        return new FaceTemplate(id(), consumer, test, list, personId, "case-" + seed, MODEL, sealed(seed), null, at);
    }

    private static FaceTemplate verified(String consumer, boolean test, String personId, String model, Instant at, int seed) {
        return new FaceTemplate(id(), consumer, test, FaceTemplate.VERIFIED, personId, null, model, sealed(seed),
                "01KMWYGEEVW2TH4Q4SFFFFFFF5-S", at);
    }

    @Test
    void aTemplateComesBackWhole() {
        FaceTemplate entry = listEntry("acme", false, FaceTemplate.BLACKLIST, "person-001", T0, 1);
        templates.add(entry);

        FaceTemplate found = templates.find("acme", false, entry.templateId()).orElseThrow();
        assertThat(found).isEqualTo(entry);
        assertThat(found.sealedTemplate()).isEqualTo(sealed(1));
        assertThat(templates.list("acme", false, FaceTemplate.BLACKLIST)).containsExactly(entry);
        FaceTemplate v = verified("acme", false, "person-002", MODEL, T0, 2);
        templates.add(v);
        assertThat(templates.find("acme", false, v.templateId()).orElseThrow()).isEqualTo(v);
    }

    @Test
    void aTemplateIdIsTakenOnce() {
        FaceTemplate entry = listEntry("acme", false, FaceTemplate.BLACKLIST, null, T0, 1);
        templates.add(entry);
        FaceTemplate same = new FaceTemplate(entry.templateId(), "acme", false, FaceTemplate.GRAYLIST, null, null, MODEL,
                sealed(2), null, T0);
        assertThatThrownBy(() -> templates.add(same)).isInstanceOf(DuplicateKeyException.class);
        assertThat(templates.list("acme", false, FaceTemplate.GRAYLIST)).isEmpty();
    }

    @Test
    void consumersAndTestAndLiveNeverMeet() {
        FaceTemplate live = listEntry("acme", false, FaceTemplate.BLACKLIST, null, T0, 1);
        FaceTemplate test = listEntry("acme", true, FaceTemplate.BLACKLIST, null, T0, 2);
        FaceTemplate other = listEntry("globex", false, FaceTemplate.BLACKLIST, null, T0, 3);
        templates.add(live);
        templates.add(test);
        templates.add(other);

        assertThat(templates.list("acme", false, FaceTemplate.BLACKLIST)).containsExactly(live);
        assertThat(templates.list("acme", true, FaceTemplate.BLACKLIST)).containsExactly(test);
        assertThat(templates.candidates("acme", false, MODEL)).containsExactly(live);
        assertThat(templates.find("acme", true, live.templateId())).isEmpty();
        assertThat(templates.find("globex", false, live.templateId())).isEmpty();
        assertThat(templates.remove("globex", false, live.templateId())).isFalse();
        assertThat(templates.remove("acme", true, live.templateId())).isFalse();
        assertThat(templates.list("acme", false, FaceTemplate.BLACKLIST)).containsExactly(live);
    }

    @Test
    void listsAreByKindOldestFirstAndCandidatesAreEveryKindOfOneModel() {
        FaceTemplate later = listEntry("acme", false, FaceTemplate.BLACKLIST, null, T0.plusSeconds(60), 1);
        FaceTemplate earlier = listEntry("acme", false, FaceTemplate.BLACKLIST, null, T0, 2);
        FaceTemplate gray = listEntry("acme", false, FaceTemplate.GRAYLIST, null, T0.plusSeconds(30), 3);
        FaceTemplate person = verified("acme", false, "person-001", MODEL, T0.plusSeconds(10), 4);
        FaceTemplate otherModel = verified("acme", false, "person-002", "other-model@2", T0, 5);
        for (FaceTemplate t : List.of(later, earlier, gray, person, otherModel)) {
            templates.add(t);
        }

        assertThat(templates.list("acme", false, FaceTemplate.BLACKLIST)).containsExactly(earlier, later);
        assertThat(templates.list("acme", false, FaceTemplate.GRAYLIST)).containsExactly(gray);
        assertThat(templates.list("acme", false, FaceTemplate.VERIFIED)).containsExactly(otherModel, person);
        assertThat(templates.candidates("acme", false, MODEL)).containsExactly(earlier, person, gray, later);
        assertThat(templates.candidates("acme", false, "other-model@2")).containsExactly(otherModel);
        assertThatThrownBy(() -> templates.list("acme", false, "whitelist")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPersonsNewVerifiedTemplateReplacesTheirOlderOneOfTheSameModel() {
        FaceTemplate first = verified("acme", false, "person-001", MODEL, T0, 1);
        FaceTemplate otherPerson = verified("acme", false, "person-002", MODEL, T0, 2);
        FaceTemplate otherModel = verified("acme", false, "person-001", "other-model@2", T0, 3);
        FaceTemplate inTest = verified("acme", true, "person-001", MODEL, T0, 4);
        templates.add(first);
        templates.add(otherPerson);
        templates.add(otherModel);
        templates.add(inTest);

        FaceTemplate second = verified("acme", false, "person-001", MODEL, T0.plusSeconds(5), 5);
        templates.add(second);

        assertThat(templates.list("acme", false, FaceTemplate.VERIFIED)).containsExactlyInAnyOrder(otherPerson,
                otherModel, second);
        assertThat(templates.list("acme", true, FaceTemplate.VERIFIED)).containsExactly(inTest);
        assertThat(templates.find("acme", false, first.templateId())).isEmpty();
    }

    @Test
    void removeDeletesOneTemplate() {
        FaceTemplate a = listEntry("acme", false, FaceTemplate.GRAYLIST, null, T0, 1);
        FaceTemplate b = listEntry("acme", false, FaceTemplate.GRAYLIST, null, T0, 2);
        templates.add(a);
        templates.add(b);

        assertThat(templates.remove("acme", false, a.templateId())).isTrue();
        assertThat(templates.remove("acme", false, a.templateId())).as("already gone").isFalse();
        assertThat(templates.list("acme", false, FaceTemplate.GRAYLIST)).containsExactly(b);
    }

    @Test
    void deleteByPersonErasesEveryTemplateOfThatPersonOfTheConsumerTestAndLive() {
        FaceTemplate liveVerified = verified("acme", false, "person-001", MODEL, T0, 1);
        FaceTemplate testVerified = verified("acme", true, "person-001", MODEL, T0, 2);
        FaceTemplate enrolled = listEntry("acme", false, FaceTemplate.BLACKLIST, "person-001", T0, 3);
        FaceTemplate anonymous = listEntry("acme", false, FaceTemplate.BLACKLIST, null, T0, 4);
        FaceTemplate someoneElse = verified("acme", false, "person-002", MODEL, T0, 5);
        FaceTemplate otherConsumer = verified("globex", false, "person-001", MODEL, T0, 6);
        for (FaceTemplate t : List.of(liveVerified, testVerified, enrolled, anonymous, someoneElse, otherConsumer)) {
            templates.add(t);
        }

        assertThat(templates.deleteByPerson("acme", "person-001")).isEqualTo(3);
        assertThat(templates.deleteByPerson("acme", "person-001")).isZero();

        assertThat(templates.candidates("acme", false, MODEL)).containsExactly(anonymous, someoneElse);
        assertThat(templates.candidates("acme", true, MODEL)).isEmpty();
        assertThat(templates.candidates("globex", false, MODEL)).containsExactly(otherConsumer);
    }

    @Test
    void faceListsAreEnabledPerConsumerAndEnablingIsIdempotent() {
        assertThat(templates.enabled("acme")).isFalse();
        assertThat(templates.enable("acme", T0)).isTrue();
        assertThat(templates.enable("acme", T0.plusSeconds(1))).isFalse();
        assertThat(templates.enabled("acme")).isTrue();
        assertThat(templates.enabled("globex")).isFalse();

        assertThat(templates.disable("acme")).isTrue();
        assertThat(templates.disable("acme")).isFalse();
        assertThat(templates.enabled("acme")).isFalse();
    }

    @Test
    void ofEightEnablesAtOnceExactlyOneIsTheFirst() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> templates.enable("acme", T0)));
            }
            int firsts = 0;
            for (Future<Boolean> r : results) {
                firsts += r.get(30, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertThat(firsts).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }
}
