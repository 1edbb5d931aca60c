package dev.idflow.storage.jdbi;

import static dev.idflow.storage.jdbi.DirectCall.call;
import static dev.idflow.storage.jdbi.DirectCall.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.Idflow;
import dev.idflow.core.api.ApiResponse;
import dev.idflow.core.internal.Crypto;
import dev.idflow.storage.jdbi.TestDatabases.Kind;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A copy of the database holds no usable vlink token (PRODUCT.md, "Bearer tokens at rest"): the row of
 * a flow keeps the token's SHA-256 and a sealed copy, never the token, on H2 and PostgreSQL alike; and a
 * flow stored in clear before schema V3 is still reached through its vlink and sealed at the next start.
 */
class VlinkAtRestTest {
    private static final String KEY = "vlink-at-rest-test-key-7Qm2Xw9Lp4Rt6Yz8Kd3Nf5Hb";

    @ParameterizedTest
    @EnumSource(Kind.class)
    void noColumnOfAFlowsRowHoldsItsVlinkToken(Kind kind) throws Exception {
        try (HikariDataSource db = TestDatabases.fresh(kind)) {
            Idflow node = node(JdbiStorage.builder(db).build());
            JsonNode created = json(call(node, "POST", "/flow", KEY,
                    "{\"person_id\":\"person-at-rest\",\"template\":{\"pipeline\":[{\"service_name\":\"consent\"}]}}"), 201);
            String vlink = created.get("vlink").asText();
            String token = vlink.substring(vlink.lastIndexOf('/') + 1);

            Map<String, String> row = rawRow(db, created.get("flow_id").asText());

            assertThat(row.values()).allSatisfy(value -> assertThat(String.valueOf(value)).doesNotContain(token));
            assertThat(row.get("vlink_hash")).isEqualTo(Crypto.sha256Hex(token));
            assertThat(row.get("vlink_sealed")).isNotBlank();
            assertThat(row.get("vlink_id")).isNull();
            assertThat(json(call(node, "GET", "/flow/" + created.get("flow_id").asText(), KEY, null), 200)
                    .get("vlink").asText()).isEqualTo(vlink);
            assertThat(json(call(node, "GET", "/hf/" + token + "/api/state", null, null), 200)
                    .get("flow_id").asText()).isEqualTo(created.get("flow_id").asText());
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aFlowStoredInClearBeforeV3IsReachedByItsVlinkAndSealedAtTheNextStart(Kind kind) throws Exception {
        try (HikariDataSource db = TestDatabases.fresh(kind)) {
            Dialect dialect = kind == Kind.H2 ? Dialect.H2 : Dialect.POSTGRESQL;
            applyByHand(db, dialect, "V1__init.sql");
            String token = "OldClearVlinkToken_0123456789abcdefXYZ";
            execute(db, "INSERT INTO idflow_flow (flow_id, consumer_id, vlink_id, api_version, locale, person_id, "
                    + "template, test_flow, ttl, created_at, updated_at, current_step_id, flow_status, edited, "
                    + "deadline_at, version) VALUES ('01JOLDFLOW0000000000000000-F', 'bank', '" + token + "', '2.0.0', "
                    + "'en', 'person-before-v3', '{\"pipeline\":[{\"service_name\":\"consent\"}]}', true, 86400, "
                    + "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'step-1', 'unknown', false, NULL, 0)");

            JdbiStorage storage = JdbiStorage.builder(db).build();
            assertThat(rawRow(db, "01JOLDFLOW0000000000000000-F").get("vlink_hash"))
                    .as("V3 hashed the old token in SQL exactly as the engine does").isEqualTo(Crypto.sha256Hex(token));

            Idflow node = node(storage);

            Map<String, String> row = rawRow(db, "01JOLDFLOW0000000000000000-F");
            assertThat(row.values()).allSatisfy(value -> assertThat(String.valueOf(value)).doesNotContain(token));
            assertThat(json(call(node, "GET", "/flow/01JOLDFLOW0000000000000000-F", KEY, null), 200)
                    .get("vlink").asText()).isEqualTo("https://bank.example/kyc/hf/" + token);
            assertThat(json(call(node, "GET", "/hf/" + token + "/api/state", null, null), 200)
                    .get("flow_id").asText()).isEqualTo("01JOLDFLOW0000000000000000-F");
            assertThat(storage.flows().sealClearVlinks(t -> "again")).as("a second start has nothing to seal").isZero();
        }
    }

    private static Idflow node(JdbiStorage storage) {
        Idflow node = Idflow.builder().storage(storage).publicBaseUrl("https://bank.example/kyc")
                .secretKey(new byte[32]).rateLimits(10_000, 10_000, 10_000, 10_000).build();
        node.registerConsumer("bank", "Bank");
        node.addTestKey("bank", KEY);
        return node;
    }

    /** Every column of the flow's row, as the database's own text of it (null for SQL NULL). */
    private static Map<String, String> rawRow(DataSource db, String flowId) throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT * FROM idflow_flow WHERE flow_id = ?")) {
            s.setString(1, flowId);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).as("the flow's row").isTrue();
                ResultSetMetaData meta = rs.getMetaData();
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.put(meta.getColumnName(i).toLowerCase(java.util.Locale.ROOT), rs.getString(i));
                }
                return row;
            }
        }
    }

    /** A script applied as an operator would, recorded in the history so the migrator goes on from it. */
    private static void applyByHand(DataSource db, Dialect dialect, String script) throws Exception {
        for (String name : List.of(Migrator.BOOKKEEPING_SCRIPT, script)) {
            try (InputStream in = VlinkAtRestTest.class.getClassLoader()
                    .getResourceAsStream(dialect.migrationsPath() + name)) {
                Migrator.statements(new String(in.readAllBytes(), StandardCharsets.UTF_8)).forEach(sql -> execute(db, sql));
            }
        }
        Migrator.Script parsed = Migrator.load(dialect, script);
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                "INSERT INTO idflow_schema_history (version, description, checksum, applied_at) "
                        + "VALUES (?, ?, ?, CURRENT_TIMESTAMP)")) {
            s.setInt(1, parsed.version());
            s.setString(2, parsed.description());
            s.setString(3, parsed.checksum());
            s.executeUpdate();
        }
    }

    private static void execute(DataSource db, String sql) {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
