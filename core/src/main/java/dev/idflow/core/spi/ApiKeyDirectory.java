package dev.idflow.core.spi;

import dev.idflow.core.model.ApiKey;
import dev.idflow.core.model.Consumer;
import java.util.Optional;

/** Consumers and their API keys, looked up by the key's peppered hash (hex), never by the key. */
public interface ApiKeyDirectory {

    /** Creates the consumer or replaces its name. */
    void saveConsumer(Consumer consumer);

    Optional<Consumer> findConsumer(String consumerId);

    /** Adds a key. A key with the same hash → {@link DuplicateKeyException}. */
    void saveKey(ApiKey key);

    Optional<ApiKey> findKeyByHash(String keyHash);

    /** Revokes a key; true if there was one. */
    boolean deleteKey(String keyHash);
}
