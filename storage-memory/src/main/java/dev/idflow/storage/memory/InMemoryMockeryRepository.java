package dev.idflow.storage.memory;

import dev.idflow.core.model.MockeryScript;
import dev.idflow.core.spi.MockeryRepository;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

final class InMemoryMockeryRepository implements MockeryRepository {
    private final Map<String, MockeryScript> scripts = new ConcurrentHashMap<>();

    @Override
    public void put(MockeryScript script) {
        scripts.put(key(script.consumerId(), script.personId(), script.serviceName()), script);
    }

    @Override
    public Optional<MockeryScript> find(String consumerId, String personId, String serviceName) {
        return Optional.ofNullable(scripts.get(key(consumerId, personId, serviceName)));
    }

    private static String key(String consumerId, String personId, String serviceName) {
        return consumerId + "\n" + personId + "\n" + serviceName;
    }

    /** Forgets the person's scripts (erasure); returns how many. */
    int removePerson(String consumerId, String personId) {
        int[] n = {0};
        scripts.values().removeIf(m -> {
            boolean match = m.consumerId().equals(consumerId) && m.personId().equals(personId);
            if (match) {
                n[0]++;
            }
            return match;
        });
        return n[0];
    }
}
