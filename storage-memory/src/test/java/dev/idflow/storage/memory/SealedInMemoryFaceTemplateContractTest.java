package dev.idflow.storage.memory;

import dev.idflow.core.keys.Sealing;
import dev.idflow.core.spi.FaceTemplateContractTest;
import dev.idflow.core.spi.IdflowStorage;

/** The face template contract through the sealing layer on the in-memory store. */
class SealedInMemoryFaceTemplateContractTest extends FaceTemplateContractTest {
    @Override
    protected IdflowStorage storage() {
        return Sealing.seal(new InMemoryStorage());
    }
}
