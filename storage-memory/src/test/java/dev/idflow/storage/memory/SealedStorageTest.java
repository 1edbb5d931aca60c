package dev.idflow.storage.memory;

import static dev.idflow.core.spi.StorageFixtures.T0;
import static dev.idflow.core.spi.StorageFixtures.event;
import static dev.idflow.core.spi.StorageFixtures.inputData;
import static dev.idflow.core.spi.StorageFixtures.minimalFlow;
import static dev.idflow.core.spi.StorageFixtures.object;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.idflow.core.Idflow;
import dev.idflow.core.keys.HeapKeyVault;
import dev.idflow.core.keys.PersonKeys;
import dev.idflow.core.keys.PersonRefs;
import dev.idflow.core.keys.SealedStorage;
import dev.idflow.core.keys.Sealing;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.spi.FlowChange;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the sealing layer keeps in the store underneath, and what it refuses to open. */
class SealedStorageTest {
    private final InMemoryStorage inner = new InMemoryStorage();
    private final HeapKeyVault vault = new HeapKeyVault();
    private final SealedStorage sealed = Sealing.seal(inner, vault);

    private Flow flow(String person, boolean test) {
        return minimalFlow("bank").personId(person).testFlow(test).callbackUrl("https://cb.example/" + person)
                .inputData(inputData("{\"full_name\":\"Name of " + person + "\"}")).build();
    }

    @Test
    void theStoreUnderneathHoldsTheKeyIdAndSealedValuesOnly() {
        Flow f = flow("p-100001", true);
        sealed.flows().insert(f);
        Flow raw = inner.flows().findById(f.flowId()).orElseThrow();
        assertThat(raw.personId()).isEqualTo(new PersonRefs(Sealing.PEPPER).keyId("bank", "p-100001", true));
        assertThat(raw.inputData().extras()).containsOnlyKeys("$sealed");
        assertThat(raw.inputData().fullName()).isNull();
        assertThat(raw.callbackUrl()).startsWith("sealed:").doesNotContain("p-100001");
        Flow read = sealed.flows().findById(f.flowId()).orElseThrow();
        assertThat(read.personId()).isEqualTo("p-100001");
        assertThat(read.inputData().fullName()).isEqualTo("Name of p-100001");
        assertThat(read.callbackUrl()).isEqualTo("https://cb.example/p-100001");
    }

    @Test
    void testAndLivePersonsHaveDifferentKeysAndErasingOneKindKeepsTheOther() throws IOException {
        PersonKeys.Key test = sealed.keys().forWrite("bank", "p-100002", true);
        PersonKeys.Key live = sealed.keys().forWrite("bank", "p-100002", false);
        assertThat(test.keyId()).endsWith("/t");
        assertThat(live.keyId()).endsWith("/l");
        assertThat(test.secret().getEncoded()).isNotEqualTo(live.secret().getEncoded());
        Flow t = flow("p-100002", true);
        Flow l = flow("p-100002", false);
        sealed.flows().insert(t);
        sealed.flows().insert(l);
        while (sealed.lifecycle().erasePerson("bank", "p-100002", true, 100, null) > 0) {
            // batches
        }
        assertThat(vault.find(test.keyId())).isEmpty();
        assertThat(vault.find(live.keyId())).isPresent();
        assertThat(sealed.flows().findById(t.flowId())).isEmpty();
        assertThat(sealed.flows().findById(l.flowId()).orElseThrow().personId()).isEqualTo("p-100002");
    }

    @Test
    void aSealedValueCopiedIntoAnotherRowDoesNotOpen() {
        Flow a = flow("p-100003", true);
        Flow b = flow("p-100003", true);
        sealed.flows().insert(a);
        sealed.flows().insert(b);
        Flow rawA = inner.flows().findById(a.flowId()).orElseThrow();
        Flow rawB = inner.flows().findById(b.flowId()).orElseThrow();
        // b's row gets a's sealed input_data (same person, same key): the row id in the associated data refuses it
        assertThat(inner.flows().update(rawB.toBuilder().inputData(rawA.inputData()).build())).isTrue();
        assertThatThrownBy(() -> sealed.flows().findById(b.flowId())).isInstanceOf(PersonKeys.SealBroken.class)
                .hasMessageContaining("idflow_flow.input_data");
    }

    @Test
    void anEventOfAnErasedPersonIsNotSentButMarkedDone() throws IOException {
        Flow f = flow("p-100004", true);
        sealed.flows().insert(f);
        FlowEvent base = event("bank", f.flowId(), null, T0);
        FlowEvent e = new FlowEvent(base.eventId(), base.type(), "bank", f.flowId(), null,
                object("{\"person_id\":\"p-100004\"}"), T0);
        assertThat(sealed.commit(new FlowChange(f, List.of(), List.of(), List.of(e)))).isTrue();
        assertThat(inner.events().claimUndelivered(T0.plusSeconds(1), Duration.ofMillis(1), 10)).singleElement()
                .satisfies(raw -> assertThat(raw.payload().toString()).doesNotContain("p-100004").contains("$sealed"));
        Instant later = T0.plusSeconds(5);
        assertThat(sealed.events().claimUndelivered(later, Duration.ofMillis(1), 10)).singleElement()
                .satisfies(opened -> assertThat(opened.payload().get("person_id").asText()).isEqualTo("p-100004"));
        // the key destroyed (as an erasure does last), the stored event is told to no one
        sealed.keys().destroy(new PersonRefs(Sealing.PEPPER).keyId("bank", "p-100004", true));
        assertThat(sealed.events().claimUndelivered(later.plusSeconds(5), Duration.ofMillis(1), 10)).isEmpty();
        assertThat(inner.events().claimUndelivered(later.plusSeconds(10), Duration.ofMillis(1), 10)).isEmpty();
    }

    @Test
    void idflowSealsAMemoryStoreOnlyWhenGivenAVaultAndNamesPersonsInTheAuditAsTheKeyIdsDo() {
        Idflow plain = Idflow.builder().storage(new InMemoryStorage()).publicBaseUrl("https://bank.example")
                .secretKey(new byte[32]).build();
        assertThat(plain.storage()).isInstanceOf(InMemoryStorage.class);
        Idflow withVault = Idflow.builder().storage(new InMemoryStorage()).publicBaseUrl("https://bank.example")
                .secretKey(new byte[32]).personKeys(new HeapKeyVault()).personKeyCacheTtl(Duration.ofSeconds(5)).build();
        assertThat(withVault.storage()).isInstanceOf(SealedStorage.class);
        assertThat(PersonRefs.fromSecret(new byte[32]).keyId("bank", "p-1", true))
                .isEqualTo(withVault.audit().personRef("bank", "p-1") + "/t");
        assertThatThrownBy(() -> Idflow.builder().personKeyCacheTtl(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("personKeyCacheTtl");
    }
}
