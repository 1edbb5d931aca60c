package dev.idflow.storage.jdbi;

import dev.idflow.core.model.ApiKey;
import dev.idflow.core.model.Consumer;
import dev.idflow.core.model.KeyMode;
import dev.idflow.core.spi.ApiKeyDirectory;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Consumers in {@code idflow_consumer}, their keys in {@code idflow_api_key}, found by the key's hash. */
final class JdbiApiKeyDirectory implements ApiKeyDirectory {
    private final Jdbi jdbi;

    JdbiApiKeyDirectory(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Creates the consumer, or replaces the name of the one stored (its creation time stays). */
    @Override
    public void saveConsumer(Consumer consumer) {
        Sql.upsert(jdbi,
                h -> h.createUpdate("UPDATE idflow_consumer SET name = :name WHERE consumer_id = :id")
                        .bind("name", consumer.name())
                        .bind("id", consumer.consumerId())
                        .execute(),
                h -> h.createUpdate("INSERT INTO idflow_consumer (consumer_id, name, created_at) VALUES (:id, :name, :createdAt)")
                        .bind("id", consumer.consumerId())
                        .bind("name", consumer.name())
                        .bind("createdAt", Sql.time(consumer.createdAt()))
                        .execute());
    }

    @Override
    public Optional<Consumer> findConsumer(String consumerId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT consumer_id, name, created_at FROM idflow_consumer WHERE consumer_id = :id")
                .bind("id", consumerId)
                .map((rs, ctx) -> new Consumer(rs.getString("consumer_id"), rs.getString("name"), Sql.time(rs, "created_at")))
                .findOne());
    }

    @Override
    public void saveKey(ApiKey key) {
        Sql.uniquely("an API key with this hash", () -> jdbi.inTransaction(h -> h.createUpdate("INSERT INTO idflow_api_key "
                        + "(key_hash, consumer_id, key_mode, encrypted_secret, key_prefix, created_at) "
                        + "VALUES (:hash, :consumerId, :mode, :secret, :prefix, :createdAt)")
                .bind("hash", key.keyHash())
                .bind("consumerId", key.consumerId())
                .bind("mode", key.mode().name())
                .bind("secret", key.encryptedSecret())
                .bind("prefix", key.keyPrefix())
                .bind("createdAt", Sql.time(key.createdAt()))
                .execute()));
    }

    @Override
    public Optional<ApiKey> findKeyByHash(String keyHash) {
        return jdbi.withHandle(h -> h.createQuery("SELECT key_hash, consumer_id, key_mode, encrypted_secret, key_prefix, "
                        + "created_at FROM idflow_api_key WHERE key_hash = :hash")
                .bind("hash", keyHash)
                .map((rs, ctx) -> new ApiKey(
                        rs.getString("key_hash"),
                        rs.getString("consumer_id"),
                        KeyMode.valueOf(rs.getString("key_mode")),
                        rs.getBytes("encrypted_secret"),
                        rs.getString("key_prefix"),
                        Sql.time(rs, "created_at")))
                .findOne());
    }

    @Override
    public boolean deleteKey(String keyHash) {
        return jdbi.inTransaction(h -> h.createUpdate("DELETE FROM idflow_api_key WHERE key_hash = :hash")
                .bind("hash", keyHash)
                .execute()) > 0;
    }
}
