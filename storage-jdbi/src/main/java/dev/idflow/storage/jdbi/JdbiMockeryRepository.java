package dev.idflow.storage.jdbi;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.model.MockeryScript;
import dev.idflow.core.spi.MockeryRepository;
import java.util.LinkedHashMap;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Sandbox scripts in {@code idflow_mockery}, one row per (consumer, person, service). The scripted
 * files are small (they arrive base64 in a JSON request), so they are kept as JSON {label: base64}.
 */
final class JdbiMockeryRepository implements MockeryRepository {
    private static final TypeReference<LinkedHashMap<String, byte[]>> FILES = new TypeReference<>() { };

    private final Jdbi jdbi;

    JdbiMockeryRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public void put(MockeryScript script) {
        String result = Sql.json(script.result());
        String files = Sql.json(script.files());
        Sql.upsert(jdbi,
                h -> h.createUpdate("UPDATE idflow_mockery SET result = :result, files = :files, created_at = :createdAt "
                                + "WHERE consumer_id = :consumerId AND person_id = :personId AND service_name = :serviceName")
                        .bind("result", result)
                        .bind("files", files)
                        .bind("createdAt", Sql.time(script.createdAt()))
                        .bind("consumerId", script.consumerId())
                        .bind("personId", script.personId())
                        .bind("serviceName", script.serviceName())
                        .execute(),
                h -> h.createUpdate("INSERT INTO idflow_mockery (consumer_id, person_id, service_name, result, files, created_at) "
                                + "VALUES (:consumerId, :personId, :serviceName, :result, :files, :createdAt)")
                        .bind("consumerId", script.consumerId())
                        .bind("personId", script.personId())
                        .bind("serviceName", script.serviceName())
                        .bind("result", result)
                        .bind("files", files)
                        .bind("createdAt", Sql.time(script.createdAt()))
                        .execute());
    }

    @Override
    public Optional<MockeryScript> find(String consumerId, String personId, String serviceName) {
        return jdbi.withHandle(h -> h.createQuery("SELECT consumer_id, person_id, service_name, result, files, created_at "
                        + "FROM idflow_mockery WHERE consumer_id = :consumerId AND person_id = :personId "
                        + "AND service_name = :serviceName")
                .bind("consumerId", consumerId)
                .bind("personId", personId)
                .bind("serviceName", serviceName)
                .map((rs, ctx) -> new MockeryScript(
                        rs.getString("consumer_id"),
                        rs.getString("person_id"),
                        rs.getString("service_name"),
                        Sql.json(rs.getString("result"), ObjectNode.class),
                        Sql.json(rs.getString("files"), FILES),
                        Sql.time(rs, "created_at")))
                .findOne());
    }
}
