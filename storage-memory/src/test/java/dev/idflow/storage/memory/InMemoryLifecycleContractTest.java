package dev.idflow.storage.memory;

import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.LifecycleContractTest;

class InMemoryLifecycleContractTest extends LifecycleContractTest {
    @Override
    protected IdflowStorage storage() {
        return new InMemoryStorage();
    }
}
