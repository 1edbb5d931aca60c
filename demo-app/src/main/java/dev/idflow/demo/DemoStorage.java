package dev.idflow.demo;

import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.storage.memory.InMemoryStorage;
import java.security.SecureRandom;

/** Opens the storage the command line asks for. */
final class DemoStorage {
    private DemoStorage() {
    }

    /** An open storage, the key that encrypts API-key secrets in it, and how to close it. */
    record Opened(IdflowStorage storage, byte[] secretKey, String description, AutoCloseable closer) {
        void close() {
            try {
                closer.close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(DemoStorage.class).warn("closing storage: {}", e.toString());
            }
        }
    }

    static Opened open(DemoOptions options) throws Exception {
        return switch (options.storage()) {
            case "memory" -> memory();
            default -> throw new DemoOptions.UsageException("--storage " + options.storage()
                    + ": not available in this build");
        };
    }

    private static Opened memory() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return new Opened(new InMemoryStorage(), key, "memory (gone when the demo stops)", () -> { });
    }
}
