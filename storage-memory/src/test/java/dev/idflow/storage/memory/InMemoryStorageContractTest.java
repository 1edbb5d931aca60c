package dev.idflow.storage.memory;

import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.StorageContractTest;

/** The storage contract on the in-memory store: a new, empty store for every test. */
class InMemoryStorageContractTest extends StorageContractTest {
    @Override
    protected IdflowStorage storage() {
        return new InMemoryStorage();
    }
}
