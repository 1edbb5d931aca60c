package dev.idflow.storage.memory;

import dev.idflow.core.spi.FaceTemplateContractTest;
import dev.idflow.core.spi.IdflowStorage;

/** The face template contract on the in-memory store: a new, empty store for every test. */
class InMemoryFaceTemplateContractTest extends FaceTemplateContractTest {
    @Override
    protected IdflowStorage storage() {
        return new InMemoryStorage();
    }
}
