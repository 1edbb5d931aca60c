package dev.idflow.storage.memory;

import dev.idflow.core.spi.SignatureLedger;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Signed requests served, in a map: putIfAbsent is the unique key, so two uses at once get one true. */
final class InMemorySignatureLedger implements SignatureLedger {
    private final Map<String, Instant> used = new ConcurrentHashMap<>();

    @Override
    public boolean firstUse(String keyHash, long ts, String signatureHash, Instant expiresAt) {
        return used.putIfAbsent(keyHash + "\n" + signatureHash, expiresAt) == null;
    }

    @Override
    public int purgeExpired(Instant now, int max) {
        int purged = 0;
        for (Iterator<Map.Entry<String, Instant>> it = used.entrySet().iterator(); it.hasNext() && purged < max; ) {
            if (it.next().getValue().isBefore(now)) {
                it.remove();
                purged++;
            }
        }
        return purged;
    }
}
