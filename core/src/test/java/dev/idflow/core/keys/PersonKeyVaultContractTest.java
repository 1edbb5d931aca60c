package dev.idflow.core.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.spi.PersonKeyVault;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * What every {@link PersonKeyVault} must do. A vault extends this class and gives a fresh, empty vault per
 * test ({@link #vault()}); for a vault several nodes share, {@link #secondNode} gives another view of it.
 */
public abstract class PersonKeyVaultContractTest {
    private static final String A = "hmac:0123456789abcdef0123456789abcdef/t";
    private static final String A_LIVE = "hmac:0123456789abcdef0123456789abcdef/l";
    private static final String B = "hmac:fedcba9876543210fedcba9876543210/t";

    protected abstract PersonKeyVault vault();

    /** Another node's view of {@code vault}; by default the same object. */
    protected PersonKeyVault secondNode(PersonKeyVault vault) {
        return vault;
    }

    private static byte[] material(int seed) {
        byte[] m = new byte[77];
        for (int i = 0; i < m.length; i++) {
            m[i] = (byte) (seed * 31 + i);
        }
        return m;
    }

    @Test
    void anUnknownKeyIsNotFound() {
        assertThat(vault().find(A)).isEmpty();
    }

    @Test
    void aStoredKeyIsFoundAsStored() {
        PersonKeyVault v = vault();
        assertThat(v.putIfAbsent(A, material(1))).isEqualTo(material(1));
        assertThat(v.find(A)).hasValueSatisfying(m -> assertThat(m).isEqualTo(material(1)));
        assertThat(secondNode(v).find(A)).hasValueSatisfying(m -> assertThat(m).isEqualTo(material(1)));
    }

    @Test
    void theFirstKeyWinsAndIsNeverReplaced() {
        PersonKeyVault v = vault();
        v.putIfAbsent(A, material(1));
        assertThat(secondNode(v).putIfAbsent(A, material(2))).isEqualTo(material(1));
        assertThat(v.find(A)).hasValueSatisfying(m -> assertThat(m).isEqualTo(material(1)));
    }

    @Test
    void keysOfOtherIdsAndTheOtherKindAreApart() {
        PersonKeyVault v = vault();
        v.putIfAbsent(A, material(1));
        v.putIfAbsent(A_LIVE, material(2));
        v.putIfAbsent(B, material(3));
        assertThat(v.destroy(A)).isTrue();
        assertThat(v.find(A)).isEmpty();
        assertThat(v.find(A_LIVE)).hasValueSatisfying(m -> assertThat(m).isEqualTo(material(2)));
        assertThat(v.find(B)).hasValueSatisfying(m -> assertThat(m).isEqualTo(material(3)));
    }

    @Test
    void destroyIsForGoodIdempotentAndSeenByEveryNode() {
        PersonKeyVault v = vault();
        v.putIfAbsent(A, material(1));
        assertThat(secondNode(v).destroy(A)).isTrue();
        assertThat(v.find(A)).isEmpty();
        assertThat(v.destroy(A)).isFalse();
        assertThat(v.destroy(B)).isFalse();
        // a new key may be made afterwards (the person came back): it is the new one that is found
        assertThat(v.putIfAbsent(A, material(4))).isEqualTo(material(4));
        assertThat(v.find(A)).hasValueSatisfying(m -> assertThat(m).isEqualTo(material(4)));
    }

    @Test
    void eightPutsAtOnceAllGetOneKey() throws Exception {
        PersonKeyVault v = vault();
        PersonKeyVault other = secondNode(v);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int seed = 10 + i;
                PersonKeyVault node = i % 2 == 0 ? v : other;
                Callable<byte[]> put = () -> {
                    start.await();
                    return node.putIfAbsent(A, material(seed));
                };
                results.add(pool.submit(put));
            }
            start.countDown();
            Set<String> seen = new HashSet<>();
            for (Future<byte[]> r : results) {
                seen.add(java.util.HexFormat.of().formatHex(r.get()));
            }
            assertThat(seen).hasSize(1);
            assertThat(java.util.HexFormat.of().formatHex(v.find(A).orElseThrow())).isEqualTo(seen.iterator().next());
        } finally {
            pool.shutdownNow();
        }
    }
}
