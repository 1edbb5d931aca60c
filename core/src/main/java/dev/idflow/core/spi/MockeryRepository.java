package dev.idflow.core.spi;

import dev.idflow.core.model.MockeryScript;
import java.util.Optional;

/** Sandbox scripts, one per (consumer, person, service); a new one replaces the old. */
public interface MockeryRepository {

    void put(MockeryScript script);

    Optional<MockeryScript> find(String consumerId, String personId, String serviceName);
}
