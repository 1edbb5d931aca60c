package dev.idflow.core.keys;

import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.PersonKeyVault;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;

/** Tests' way to put a store behind {@link SealedStorage}, as Idflow does. */
public final class Sealing {
    /** A fixed pepper: every node of a test computes the same key ids. */
    public static final byte[] PEPPER = "idflow-test-pepper-0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private Sealing() {
    }

    public static PersonKeys keys(PersonKeyVault vault, Duration ttl, Clock clock) {
        return new PersonKeys(vault, new PersonRefs(PEPPER), new SecureRandom(), ttl, clock);
    }

    public static SealedStorage seal(IdflowStorage inner, PersonKeyVault vault) {
        return new SealedStorage(inner, keys(vault, Duration.ofSeconds(60), Clock.systemUTC()));
    }

    public static SealedStorage seal(IdflowStorage inner) {
        return seal(inner, new HeapKeyVault());
    }
}
