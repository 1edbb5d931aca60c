package dev.idflow.storage.memory;

import dev.idflow.core.model.ApiKey;
import dev.idflow.core.model.Consumer;
import dev.idflow.core.spi.ApiKeyDirectory;
import dev.idflow.core.spi.DuplicateKeyException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

final class InMemoryApiKeyDirectory implements ApiKeyDirectory {
    private final Map<String, Consumer> consumers = new ConcurrentHashMap<>();
    private final Map<String, ApiKey> keys = new ConcurrentHashMap<>();

    @Override
    public void saveConsumer(Consumer consumer) {
        // "creates the consumer or replaces its name": a consumer saved again keeps its creation time
        consumers.merge(consumer.consumerId(), consumer,
                (stored, given) -> new Consumer(stored.consumerId(), given.name(), stored.createdAt()));
    }

    @Override
    public Optional<Consumer> findConsumer(String consumerId) {
        return Optional.ofNullable(consumers.get(consumerId));
    }

    @Override
    public void saveKey(ApiKey key) {
        if (keys.putIfAbsent(key.keyHash(), key) != null) {
            throw new DuplicateKeyException("an API key with this hash exists");
        }
    }

    @Override
    public Optional<ApiKey> findKeyByHash(String keyHash) {
        return Optional.ofNullable(keys.get(keyHash));
    }

    @Override
    public boolean deleteKey(String keyHash) {
        return keys.remove(keyHash) != null;
    }
}
