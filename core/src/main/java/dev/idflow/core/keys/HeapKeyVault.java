package dev.idflow.core.keys;

import dev.idflow.core.spi.PersonKeyVault;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Person keys in this JVM's heap: for tests, and for a memory store that should seal too. Gone at exit. */
public final class HeapKeyVault implements PersonKeyVault {
    private final ConcurrentHashMap<String, byte[]> keys = new ConcurrentHashMap<>();

    @Override
    public byte[] putIfAbsent(String keyId, byte[] material) {
        byte[] stored = keys.putIfAbsent(keyId, material.clone());
        return (stored == null ? material : stored).clone();
    }

    @Override
    public Optional<byte[]> find(String keyId) {
        return Optional.ofNullable(keys.get(keyId)).map(byte[]::clone);
    }

    @Override
    public boolean destroy(String keyId) {
        byte[] gone = keys.remove(keyId);
        if (gone != null) {
            Arrays.fill(gone, (byte) 0);
        }
        return gone != null;
    }
}
