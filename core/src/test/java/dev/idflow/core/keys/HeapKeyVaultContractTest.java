package dev.idflow.core.keys;

import dev.idflow.core.spi.PersonKeyVault;

class HeapKeyVaultContractTest extends PersonKeyVaultContractTest {
    @Override
    protected PersonKeyVault vault() {
        return new HeapKeyVault();
    }
}
