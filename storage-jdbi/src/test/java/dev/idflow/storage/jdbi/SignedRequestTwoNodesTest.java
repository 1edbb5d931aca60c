package dev.idflow.storage.jdbi;

import static dev.idflow.storage.jdbi.DirectCall.callWith;
import static dev.idflow.storage.jdbi.DirectCall.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.Idflow;
import dev.idflow.core.api.ApiResponse;
import dev.idflow.core.internal.Crypto;
import dev.idflow.core.testing.SettableClock;
import dev.idflow.storage.jdbi.TestDatabases.Kind;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A signed request is served once by the whole cluster: replayed to another node sharing the database,
 * it is refused there too, and the purge forgets it only once its timestamp is too old to be accepted.
 */
class SignedRequestTwoNodesTest {
    private static final String KEY = "live-key-two-nodes-7d1e9b3a5c2f8046";
    private static final String SECRET = "live-secret-two-nodes-2a6c8e0b4d1f9357";
    private static final String BODY = "{\"person_id\":\"person-100001\",\"template\":{\"pipeline\":"
            + "[{\"service_name\":\"consent\",\"timeout\":10}]}}";

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aSignedRequestServedByOneNodeIsRefusedByTheOther(Kind kind) throws Exception {
        try (HikariDataSource db1 = TestDatabases.fresh(kind); HikariDataSource db2 = TestDatabases.secondNode(db1)) {
            SettableClock clock = SettableClock.startingNow();
            Idflow node1 = node(JdbiStorage.builder(db1).build(), clock);
            Idflow node2 = node(JdbiStorage.builder(db2).build(), clock);
            node1.registerConsumer("bank", "Bank");
            node1.addLiveKey("bank", KEY, SECRET);
            Map<String, String> signed = signed(clock.instant().getEpochSecond(), "/flow");

            ApiResponse first = callWith(node1, "POST", "/flow", signed, BODY);
            ApiResponse replayedElsewhere = callWith(node2, "POST", "/flow", signed, BODY.replace("100001", "100002"));
            ApiResponse replayedHere = callWith(node1, "POST", "/flow", signed, BODY);

            assertThat(first.status()).as(text(first)).isEqualTo(201);
            assertThat(replayedElsewhere.status()).isEqualTo(401);
            assertThat(text(replayedElsewhere)).contains("already used");
            assertThat(replayedHere.status()).isEqualTo(401);
            assertThat(callWith(node2, "POST", "/flow", signed(clock.instant().getEpochSecond() - 1, "/flow"), BODY)
                    .status()).as("a request signed anew is served").isEqualTo(201);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void usedSignaturesArePurgedOnlyOnceTheirTimestampIsTooOld(Kind kind) throws Exception {
        try (HikariDataSource db = TestDatabases.fresh(kind)) {
            SettableClock clock = SettableClock.startingNow();
            Idflow node = node(JdbiStorage.builder(db).build(), clock);
            node.registerConsumer("bank", "Bank");
            node.addLiveKey("bank", KEY, SECRET);
            assertThat(callWith(node, "POST", "/flow", signed(clock.instant().getEpochSecond(), "/flow"), BODY).status())
                    .isEqualTo(201);

            clock.advance(Duration.ofSeconds(300));
            assertThat(node.purgeUsedSignaturesOnce()).as("still within the window (and its margin)").isZero();
            clock.advance(Duration.ofSeconds(61));
            assertThat(node.purgeUsedSignaturesOnce()).isEqualTo(1);
        }
    }

    private static Idflow node(JdbiStorage storage, SettableClock clock) {
        return Idflow.builder().storage(storage).clock(clock).publicBaseUrl("https://bank.example/kyc")
                .secretKey(new byte[32]).build();
    }

    private static Map<String, String> signed(long ts, String path) {
        return Map.of("x-verigram-api-key", KEY, "x-verigram-api-version", "2", "x-verigram-ts", Long.toString(ts),
                "x-verigram-hmac-sha256", Crypto.hmacSha256Hex(SECRET.getBytes(StandardCharsets.UTF_8), ts + path));
    }
}
