package dev.idflow.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The slow fault suite (-Pfaults): kill -9 at random points under load many times on H2 and on
 * PostgreSQL with a webhook receiver watching (every acknowledged write present, no flow ended twice, no
 * event lost), with uploads and liveness attempts with frames and a video in the load (after each restart:
 * no file visible that its session does not name, every file it names downloadable byte for byte, every
 * acknowledged upload whole), and one of two nodes on one PostgreSQL killed while it holds sweeper claims
 * (the other ends those flows, and only after the lease).
 */
@Tag("faults")
class FaultSuiteTest {
    private static final String HOOK_SECRET = "whsec-faults-0017-5e2a9c7f1b3d";

    @TempDir
    Path dir;

    /** What the receiver saw: event id → (type, flow id); deliveries of one event id may repeat. */
    private final Map<String, String[]> events = new ConcurrentHashMap<>();

    private HttpServer receiver() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", exchange -> {
            JsonNode body = FaultLoad.JSON.readTree(exchange.getRequestBody().readAllBytes());
            events.put(body.get("event_id").asText(), new String[] {body.get("type").asText(), body.get("flow_id").asText()});
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        return server;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"h2", "postgres"})
    void killNineAtRandomPointsUnderLoad(String storage) throws Exception {
        int kills = Integer.getInteger("idflow.faults.kills", 3);
        HttpServer hooks = receiver();
        EmbeddedPostgres pg = storage.equals("postgres") ? EmbeddedPostgres.builder().setPort(pgPort()).start() : null;
        List<String> args = new ArrayList<>(List.of("--data-dir", dir.resolve("data").toString(),
                "--webhook", "bank:http://127.0.0.1:" + hooks.getAddress().getPort() + "/hook:" + HOOK_SECRET));
        if (pg != null) {
            args.addAll(List.of("--storage", "postgres", "--jdbc-url", pg.getJdbcUrl("postgres", "postgres"),
                    "--jdbc-user", "postgres", "--jdbc-password", "postgres"));
        } else {
            args.addAll(List.of("--storage", "h2"));
        }
        FaultLoad.DemoProcess demo = new FaultLoad.DemoProcess(dir.resolve("demo.log"), FaultLoad.freePort(),
                args.toArray(String[]::new));
        Map<String, FaultLoad.Ack> acked = new HashMap<>();
        FaultLoad.FileWriters files = new FaultLoad.FileWriters(demo.port); // all rounds' files (never started)
        FaultLoad.FilesChecked checked = null;
        try {
            demo.start();
            for (int round = 0; round < kills; round++) {
                FaultLoad.Writers writers = new FaultLoad.Writers(demo.port).start(4);
                FaultLoad.FileWriters fileWriters = new FaultLoad.FileWriters(demo.port).start(2);
                long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!(writers.anyPassed() && fileWriters.bothAcked()) && System.nanoTime() < warm) {
                    Thread.sleep(5);
                }
                Thread.sleep(ThreadLocalRandom.current().nextInt(10, 2000)); // anywhere: creates, submits, sweeps, deliveries
                int when = ThreadLocalRandom.current().nextInt(3); // now, or right after a flow's or a file's answer
                if (when > 0) {
                    CountDownLatch killed = new CountDownLatch(1);
                    Runnable kill = () -> {
                        demo.killNow();
                        killed.countDown();
                    };
                    if (when == 1) {
                        writers.onNextAck(kill);
                    } else {
                        fileWriters.onNextAck(kill);
                    }
                    killed.await(30, TimeUnit.SECONDS);
                }
                demo.kill9();
                writers.stopAndJoin();
                fileWriters.stopAndJoin();
                acked.putAll(writers.acked);
                files.absorb(fileWriters);
                demo.start();
                assertThat(FaultLoad.missing(demo.port, acked)).as("%s: acknowledged writes lost by kill %d", storage, round + 1)
                        .isEmpty();
                List<String> violations = new ArrayList<>();
                checked = FaultLoad.fileViolations(demo.port, files, violations);
                assertThat(violations).as("%s: files after kill %d (%s)", storage, round + 1, checked).isEmpty();
            }
            // every event of an acknowledged change reaches the receiver, a delivery cut by a kill after its lease
            Set<String> passed = new HashSet<>();
            acked.forEach((id, ack) -> {
                if (ack == FaultLoad.Ack.PASSED) {
                    passed.add(id);
                }
            });
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
            while (System.nanoTime() < end && !endedFlows().containsAll(passed)) {
                Thread.sleep(500);
            }
            assertThat(endedFlows()).as("%s: a flow_ended event for every flow answered as passed", storage).containsAll(passed);
            Map<String, Integer> endings = new HashMap<>();
            events.values().stream().filter(e -> e[0].equals("flow_ended")).forEach(e -> endings.merge(e[1], 1, Integer::sum));
            assertThat(endings).as("%s: no flow ended twice (distinct event ids per flow)", storage)
                    .allSatisfy((flow, n) -> assertThat(n).isEqualTo(1));
            assertThat(files.refused).as("%s: uploads and attempts refused other than 429 (an attempt given back)", storage)
                    .allSatisfy(r -> assertThat(r).contains(": 429 "));
            assertThat(checked.uploadsAcked()).as("%s: uploads acknowledged", storage).isPositive();
            assertThat(checked.attemptsAcked()).as("%s: attempts acknowledged", storage).isPositive();
            System.out.printf("FaultSuiteTest %s: %d kills, %d flows acknowledged (%d passed), %d distinct events received%n",
                    storage, kills, acked.size(), passed.size(), events.size());
            System.out.printf("FaultSuiteTest %s files: %d uploads sent, %d acknowledged, %d downloadable whole, %d not found "
                    + "(none acknowledged); %d attempts sent, %d acknowledged, %d sessions with a verdict (best frame and "
                    + "video downloadable by session, person and flow), %d without (none visible); %d downloads checked "
                    + "after the last kill; %d refused with 429%n", storage, files.uploadsSent.size(), checked.uploadsAcked(),
                    checked.uploadsVisible(), checked.uploadsAbsent(), files.attemptsSent.size(), checked.attemptsAcked(),
                    checked.sessionsWithVerdict(), checked.sessionsWithout(), checked.downloads(), files.refused.size());
        } finally {
            demo.stop();
            hooks.stop(0);
            if (pg != null) {
                pg.close();
            }
        }
    }

    private Set<String> endedFlows() {
        Set<String> ended = new HashSet<>();
        events.values().stream().filter(e -> e[0].equals("flow_ended")).forEach(e -> ended.add(e[1]));
        return ended;
    }

    @Test
    void oneOfTwoNodesKilledMidSweepTheOtherEndsItsFlowsAfterTheLease() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setPort(pgPort()).start()) {
            String[] storage = {"--storage", "postgres", "--jdbc-url", pg.getJdbcUrl("postgres", "postgres"),
                    "--jdbc-user", "postgres", "--jdbc-password", "postgres"};
            FaultLoad.DemoProcess a = node(dir.resolve("a"), storage);
            FaultLoad.DemoProcess b = node(dir.resolve("b"), storage);
            try {
                a.start();
                // 600 flows that all run out of time together (ttl 60 s, the least the API takes)
                ExecutorService creators = Executors.newFixedThreadPool(8);
                List<Future<Integer>> created = new ArrayList<>();
                for (int i = 0; i < 600; i++) {
                    created.add(creators.submit(() -> FaultLoad.post(a.port, "/flow", "{\"person_id\":\"sweep-person-1\","
                            + "\"ttl\":60,\"template\":{\"pipeline\":[{\"service_name\":\"consent\"}]}}", true).statusCode()));
                }
                for (Future<Integer> f : created) {
                    assertThat(f.get()).isEqualTo(201);
                }
                creators.shutdown();

                // node A claims a batch when they come due: kill it while it holds claims
                Map<String, Timestamp> held = new HashMap<>();
                try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                    while (System.nanoTime() < end) {
                        try (ResultSet r = s.executeQuery("SELECT count(*) FROM idflow_flow WHERE ended_at IS NULL "
                                + "AND claimed_until > now()")) {
                            r.next();
                            if (r.getInt(1) > 0) {
                                break;
                            }
                        }
                        Thread.sleep(2);
                    }
                    a.kill9();
                    try (ResultSet r = s.executeQuery("SELECT flow_id, claimed_until FROM idflow_flow WHERE ended_at IS NULL "
                            + "AND claimed_until > now()")) {
                        while (r.next()) {
                            held.put(r.getString(1), r.getTimestamp(2));
                        }
                    }
                    assertThat(held).as("flows node A held claims on when it died").isNotEmpty();

                    b.start();
                    long end2 = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
                    int open = -1;
                    while (System.nanoTime() < end2) {
                        try (ResultSet r = s.executeQuery("SELECT count(*) FROM idflow_flow WHERE ended_at IS NULL")) {
                            r.next();
                            open = r.getInt(1);
                        }
                        if (open == 0) {
                            break;
                        }
                        Thread.sleep(500);
                    }
                    assertThat(open).as("flows still open after node B's sweeps").isZero();
                    try (ResultSet r = s.executeQuery("SELECT flow_id, ended_at, end_cause FROM idflow_flow")) {
                        int n = 0;
                        while (r.next()) {
                            n++;
                            Timestamp claim = held.get(r.getString(1));
                            if (claim != null) {
                                assertThat(r.getTimestamp(2)).as("a flow A held is ended only after A's lease")
                                        .isAfterOrEqualTo(claim);
                            }
                        }
                        assertThat(n).isEqualTo(600);
                    }
                    try (ResultSet r = s.executeQuery("SELECT flow_id, count(*) FROM idflow_event WHERE event_type = 'FLOW_ENDED' "
                            + "GROUP BY flow_id HAVING count(*) <> 1")) {
                        assertThat(r.next()).as("a flow with other than one flow_ended event").isFalse();
                    }
                    try (ResultSet r = s.executeQuery("SELECT count(DISTINCT flow_id) FROM idflow_event WHERE event_type = 'FLOW_ENDED'")) {
                        r.next();
                        assertThat(r.getInt(1)).isEqualTo(600);
                    }
                    System.out.printf("FaultSuiteTest two nodes: node A killed holding %d claims; node B ended all 600 flows, "
                            + "those %d after A's lease%n", held.size(), held.size());
                }
            } finally {
                a.stop();
                b.stop();
            }
        }
    }

    private static FaultLoad.DemoProcess node(Path d, String... storage) throws IOException {
        List<String> args = new ArrayList<>(List.of(storage));
        args.addAll(List.of("--data-dir", d.resolve("data").toString()));
        java.nio.file.Files.createDirectories(d);
        return new FaultLoad.DemoProcess(d.resolve("demo.log"), FaultLoad.freePort(), args.toArray(String[]::new));
    }

    private static int pgPort() throws IOException {
        for (int port = 55430; port <= 55439; port++) {
            try (ServerSocket socket = new ServerSocket(port)) {
                return port;
            } catch (IOException taken) {
                // next
            }
        }
        return FaultLoad.freePort();
    }
}
