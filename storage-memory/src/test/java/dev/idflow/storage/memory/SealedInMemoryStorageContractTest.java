package dev.idflow.storage.memory;

import dev.idflow.core.keys.Sealing;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.StorageContractTest;

/** The storage contract through the sealing layer (crypto-shredding) on the in-memory store, keys in the heap. */
class SealedInMemoryStorageContractTest extends StorageContractTest {
    @Override
    protected IdflowStorage storage() {
        return Sealing.seal(new InMemoryStorage());
    }
}
