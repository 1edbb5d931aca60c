package dev.idflow.storage.jdbi;

import static dev.idflow.core.spi.StorageFixtures.inputData;
import static dev.idflow.core.spi.StorageFixtures.minimalFlow;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.keys.PersonKeys;
import dev.idflow.core.keys.Sealing;
import dev.idflow.core.keys.SealedStorage;
import dev.idflow.core.model.Flow;
import dev.idflow.core.testing.SettableClock;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two nodes on one database, each caching person keys for a TTL of 60 s (the nodes' clocks are set, not
 * waited on). An erasure on node A wins on node B within that TTL at most: B may still use the key it cached
 * (a flow it writes in that window is sealed under the destroyed key), but once its copy has expired nothing
 * sealed under the destroyed key opens on B, and B's next write makes a new key.
 */
class KeyCacheAcrossNodesTest {
    private static final Duration TTL = Duration.ofSeconds(60);
    private final SettableClock clockA = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final SettableClock clockB = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private HikariDataSource dsA;
    private HikariDataSource dsB;
    private SealedStorage a;
    private SealedStorage b;

    @BeforeEach
    void twoNodes() {
        dsA = TestDatabases.h2();
        dsB = TestDatabases.secondNode(dsA);
        JdbiStorage ja = JdbiStorage.builder(dsA).build();
        JdbiStorage jb = JdbiStorage.builder(dsB).build();
        a = new SealedStorage(ja, Sealing.keys(ja.personKeys(), TTL, clockA));
        b = new SealedStorage(jb, Sealing.keys(jb.personKeys(), TTL, clockB));
    }

    @AfterEach
    void close() {
        dsB.close();
        dsA.close();
    }

    private static Flow flowOf(String person) {
        return minimalFlow("bank").personId(person).testFlow(true)
                .inputData(inputData("{\"full_name\":\"Name of " + person + "\"}")).build();
    }

    @Test
    void anErasureOnOneNodeWinsOnTheOtherWithinTheKeyCacheTtl() throws IOException {
        Flow first = flowOf("p-1");
        a.flows().insert(first);
        // B reads the flow: it now holds the person's key in its cache
        assertThat(b.flows().findById(first.flowId()).orElseThrow().inputData().fullName()).isEqualTo("Name of p-1");

        while (a.lifecycle().erasePerson("bank", "p-1", true, 100, null) > 0) {
            // batches
        }
        assertThat(a.flows().findById(first.flowId())).isEmpty();
        assertThat(b.flows().findById(first.flowId())).isEmpty();

        // within the TTL B still seals with its cached copy of the destroyed key, and can open what it wrote
        clockB.advance(Duration.ofSeconds(59));
        Flow raced = flowOf("p-1").toBuilder().deadlineAt(Instant.parse("2026-01-01T00:05:00Z")).build();
        b.flows().insert(raced);
        assertThat(b.flows().findById(raced.flowId())).isPresent();
        // A never had that key any more: to A the flow is erased already
        assertThat(a.flows().findById(raced.flowId())).isEmpty();

        // past the TTL B's copy is gone: the erasure has won on B too
        clockB.advance(Duration.ofSeconds(2));
        assertThat(b.flows().findById(raced.flowId())).isEmpty();

        // the sweeper on A finds that flow due: its key is gone, so it is erased rather than handed out
        assertThat(a.inner().flows().findById(raced.flowId())).isPresent();
        assertThat(a.flows().claimDue(Instant.parse("2026-01-01T00:10:00Z"), Duration.ofSeconds(30), 10)).isEmpty();
        assertThat(a.inner().flows().findById(raced.flowId())).isEmpty();

        // the person comes back: B makes a new key, which both nodes open
        Flow later = flowOf("p-1");
        b.flows().insert(later);
        assertThat(a.flows().findById(later.flowId()).orElseThrow().personId()).isEqualTo("p-1");
        assertThat(b.flows().findById(later.flowId()).orElseThrow().inputData().fullName()).isEqualTo("Name of p-1");
    }

    @Test
    void theSecondNodeFindsTheKeyTheFirstMade() {
        PersonKeys.Key onA = a.keys().forWrite("bank", "p-2", false);
        PersonKeys.Key onB = b.keys().forWrite("bank", "p-2", false);
        assertThat(onB.secret().getEncoded()).isEqualTo(onA.secret().getEncoded());
        Flow f = flowOf("p-2");
        b.flows().insert(f.toBuilder().testFlow(false).build());
        assertThat(a.flows().findById(f.flowId()).orElseThrow().personId()).isEqualTo("p-2");
    }
}
