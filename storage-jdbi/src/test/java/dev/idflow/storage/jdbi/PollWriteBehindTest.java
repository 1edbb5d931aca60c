package dev.idflow.storage.jdbi;

import static dev.idflow.storage.jdbi.DirectCall.call;
import static dev.idflow.storage.jdbi.DirectCall.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.Idflow;
import dev.idflow.core.model.EndCause;
import dev.idflow.core.model.Flow;
import dev.idflow.core.testing.SettableClock;
import dev.idflow.storage.jdbi.TestDatabases.Kind;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * polled_at written behind on a SQL store, two nodes on one database: a GET writes nothing in the request,
 * each node's flush keeps the latest poll whatever the order, and the sweeper decides right while a node
 * still holds an unflushed poll.
 */
class PollWriteBehindTest {
    private static final String KEY = "poll-write-behind-key-7c1e9a4f20b3d865";

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aGetIssuesOneStatementAndTheFlushWritesThePollLater(Kind kind) throws Exception {
        try (HikariDataSource db = TestDatabases.fresh(kind)) {
            List<String> statements = new CopyOnWriteArrayList<>();
            SettableClock clock = SettableClock.startingNow();
            try (Idflow node = node(JdbiStorage.builder(CountingDataSource.wrap(db, statements)).build(), clock)) {
                node.registerConsumer("bank", "Bank");
                node.addTestKey("bank", KEY);
                String flowId = create(node);
                json(call(node, "GET", "/flow/" + flowId, KEY, null), 200); // the key is cached from here on

                statements.clear();
                clock.advance(Duration.ofSeconds(3));
                JsonNode read = json(call(node, "GET", "/flow/" + flowId, KEY, null), 200);

                assertThat(statements).as("the GET reads the flow's row and writes nothing").hasSize(1);
                assertThat(statements.get(0)).startsWith("SELECT").doesNotContain("UPDATE");
                Instant polled = Instant.parse(read.get("polled_at").asText());
                assertThat(polled).isEqualTo(clock.instant().truncatedTo(ChronoUnit.MILLIS));

                assertThat(node.flushPollsOnce()).isEqualTo(1);
                assertThat(stored(db, flowId).polledAt()).isEqualTo(polled);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void twoNodesFlushingInEitherOrderKeepTheLatestPoll(Kind kind) throws Exception {
        try (HikariDataSource db1 = TestDatabases.fresh(kind); HikariDataSource db2 = TestDatabases.secondNode(db1)) {
            SettableClock clock = SettableClock.startingNow();
            try (Idflow node1 = node(JdbiStorage.builder(db1).build(), clock);
                 Idflow node2 = node(JdbiStorage.builder(db2).build(), clock)) {
                node1.registerConsumer("bank", "Bank");
                node1.addTestKey("bank", KEY);
                String flowId = create(node1);

                json(call(node1, "GET", "/flow/" + flowId, KEY, null), 200);
                clock.advance(Duration.ofSeconds(1));
                Instant newest = Instant.parse(json(call(node2, "GET", "/flow/" + flowId, KEY, null), 200)
                        .get("polled_at").asText());

                // the newer node flushes first; the older one's flush must not move the time back
                assertThat(node2.flushPollsOnce()).isEqualTo(1);
                assertThat(node1.flushPollsOnce()).isEqualTo(1);
                Flow stored = stored(db1, flowId);
                assertThat(stored.polledAt()).isEqualTo(newest);
                assertThat(stored.version()).as("a poll is no state change").isZero();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void anotherNodesSweeperEndsAFlowRightWhileAPollIsUnflushed(Kind kind) throws Exception {
        try (HikariDataSource db1 = TestDatabases.fresh(kind); HikariDataSource db2 = TestDatabases.secondNode(db1)) {
            SettableClock clock = SettableClock.startingNow();
            try (Idflow node1 = node(JdbiStorage.builder(db1).build(), clock);
                 Idflow node2 = node(JdbiStorage.builder(db2).build(), clock)) {
                node1.registerConsumer("bank", "Bank");
                node1.addTestKey("bank", KEY);
                JsonNode created = json(call(node1, "POST", "/flow", KEY, "{\"person_id\":\"person-100001\","
                        + "\"template\":{\"pipeline\":[{\"service_name\":\"consent\",\"timeout\":10}]}}"), 201);
                String flowId = created.get("flow_id").asText();
                String vlink = created.get("vlink").asText();
                json(call(node1, "POST", "/hf/" + vlink.substring(vlink.lastIndexOf('/') + 1) + "/api/start", null, ""),
                        200);

                clock.advance(Duration.ofSeconds(9));
                json(call(node1, "GET", "/flow/" + flowId, KEY, null), 200); // buffered on node 1
                clock.advance(Duration.ofSeconds(1));

                // the consumer's poll is no activity of the person: the step's timeout ends the flow on node 2
                assertThat(node2.sweepOnce()).isEqualTo(1);
                Flow ended = stored(db1, flowId);
                assertThat(ended.endCause()).isEqualTo(EndCause.TIMEOUT);

                // node 1's late flush records the poll on the ended flow and changes nothing else
                assertThat(node1.flushPollsOnce()).isEqualTo(1);
                Flow after = stored(db1, flowId);
                assertThat(after.polledAt()).isEqualTo(clock.instant().minusSeconds(1).truncatedTo(ChronoUnit.MILLIS));
                assertThat(after.version()).isEqualTo(ended.version());
                assertThat(after.endCause()).isEqualTo(EndCause.TIMEOUT);
                assertThat(node1.sweepOnce()).isZero();
            }
        }
    }

    private static String create(Idflow node) throws Exception {
        return json(call(node, "POST", "/flow", KEY, "{\"person_id\":\"person-100000\",\"template\":{\"pipeline\":"
                + "[{\"service_name\":\"consent\",\"timeout\":600}]}}"), 201).get("flow_id").asText();
    }

    private static Flow stored(DataSource db, String flowId) {
        return JdbiStorage.builder(db).build().flows().findById(flowId).orElseThrow();
    }

    private static Idflow node(JdbiStorage storage, SettableClock clock) {
        return Idflow.builder().storage(storage).clock(clock).publicBaseUrl("https://bank.example/kyc")
                .secretKey(new byte[32]).rateLimits(10_000, 10_000, 10_000, 10_000).build();
    }
}
