package dev.idflow.storage.jdbi;

import static dev.idflow.storage.jdbi.DirectCall.callWith;
import static dev.idflow.storage.jdbi.DirectCall.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.Idflow;
import dev.idflow.core.api.ApiResponse;
import dev.idflow.core.testing.SettableClock;
import dev.idflow.storage.jdbi.TestDatabases.Kind;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two nodes on one database, creates with one Idempotency-Key racing across them: one flow is stored,
 * every answer is its answer, and the key's row keeps no bearer token.
 */
class IdempotencyTwoNodesTest {
    private static final String KEY = "test-key-idem-two-nodes-4b7e1d9a3c6f";
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @EnumSource(Kind.class)
    void createsWithOneKeyOnTwoNodesAtOnceMakeOneFlow(Kind kind) throws Exception {
        try (HikariDataSource db1 = TestDatabases.fresh(kind); HikariDataSource db2 = TestDatabases.secondNode(db1)) {
            SettableClock clock = SettableClock.startingNow();
            Idflow node1 = node(JdbiStorage.builder(db1).build(), clock);
            Idflow node2 = node(JdbiStorage.builder(db2).build(), clock);
            node1.registerConsumer("bank", "Bank");
            node1.addTestKey("bank", KEY);
            String body = "{\"person_id\":\"person-200001\",\"template\":{\"pipeline\":[{\"service_name\":\"consent\"}]}}";
            Map<String, String> headers = Map.of("x-verigram-api-key", KEY, "x-verigram-api-version", "2",
                    "idempotency-key", "order-4711");

            int threads = 8;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<String> answers = new ArrayList<>();
            try {
                CountDownLatch ready = new CountDownLatch(threads);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<ApiResponse>> calls = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    Idflow node = i % 2 == 0 ? node1 : node2;
                    calls.add(pool.submit(() -> {
                        ready.countDown();
                        go.await();
                        return callWith(node, "POST", "/flow", headers, body);
                    }));
                }
                ready.await();
                go.countDown();
                for (Future<ApiResponse> call : calls) {
                    ApiResponse response = call.get(60, TimeUnit.SECONDS);
                    String text = text(response);
                    assertThat(response.status()).as(text).isEqualTo(201);
                    answers.add(text);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(answers).containsOnly(answers.get(0));
            String vlink = JSON.readTree(answers.get(0)).get("vlink").asText();
            try (Connection c = db1.getConnection(); Statement s = c.createStatement()) {
                // the person_id column holds the person's key id (crypto-shredding), never the person_id
                String keyId = dev.idflow.core.keys.PersonRefs.fromSecret(new byte[32]).keyId("bank", "person-200001", true);
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM idflow_flow WHERE person_id = '" + keyId + "'")) {
                    rs.next();
                    assertThat(rs.getInt(1)).isEqualTo(1);
                }
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM idflow_flow WHERE person_id = 'person-200001'")) {
                    rs.next();
                    assertThat(rs.getInt(1)).isZero();
                }
                try (ResultSet rs = s.executeQuery("SELECT answer FROM idflow_idempotency_key")) {
                    assertThat(rs.next()).isTrue();
                    String stored = rs.getString(1);
                    assertThat(stored).contains(JSON.readTree(answers.get(0)).get("flow_id").asText())
                            .doesNotContain(vlink.substring(vlink.lastIndexOf('/') + 1));
                    assertThat(rs.next()).isFalse();
                }
            }
        }
    }

    private static Idflow node(JdbiStorage storage, SettableClock clock) {
        return Idflow.builder().storage(storage).clock(clock).publicBaseUrl("https://bank.example/kyc")
                .secretKey(new byte[32]).build();
    }
}
