package dev.idflow.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the demo on H2 (its default store) right after acknowledged writes, under load from four
 * writers, a few times over (more with -Didflow.faults.kills=N, as the faults profile does): after each
 * restart every flow that was answered as created is there, every start answered is started, every
 * submit answered 200 has its flow passed. Before WRITE_DELAY 0, a submit killed at once was lost.
 */
class KillNineTest {
    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedWriteOnH2SurvivesKillNine() throws Exception {
        int kills = Integer.getInteger("idflow.faults.kills", 3);
        FaultLoad.DemoProcess demo = new FaultLoad.DemoProcess(dir.resolve("demo.log"), FaultLoad.freePort(),
                "--storage", "h2", "--data-dir", dir.resolve("data").toString());
        Map<String, FaultLoad.Ack> acked = new HashMap<>();
        long closest = Long.MAX_VALUE;
        demo.start();
        try {
            for (int round = 0; round < kills; round++) {
                FaultLoad.Writers writers = new FaultLoad.Writers(demo.port).start(4);
                long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!writers.anyPassed() && System.nanoTime() < warm) {
                    Thread.sleep(5); // a fresh JVM answers its first requests slowly: wait for one whole flow
                }
                assertThat(writers.anyPassed()).as("a flow passed before the kill").isTrue();
                Thread.sleep(ThreadLocalRandom.current().nextInt(50, 1000)); // a random point under load
                java.util.concurrent.CountDownLatch killed = new java.util.concurrent.CountDownLatch(1);
                long[] gap = new long[1];
                writers.onNextAck(() -> { // right after an acknowledged write, the others still in flight
                    long answeredAt = writers.lastAckNanos.get();
                    demo.killNow();
                    gap[0] = System.nanoTime() - answeredAt;
                    killed.countDown();
                });
                assertThat(killed.await(30, TimeUnit.SECONDS)).as("killed after an answer").isTrue();
                demo.kill9(); // waits for the process to be gone
                writers.stopAndJoin();
                closest = Math.min(closest, gap[0]);
                acked.putAll(writers.acked);
                demo.start();
                assertThat(FaultLoad.missing(demo.port, acked)).as("acknowledged writes lost by kill %d", round + 1).isEmpty();
            }
        } finally {
            demo.stop();
        }
        assertThat(acked.values()).contains(FaultLoad.Ack.PASSED);
        System.out.printf("KillNineTest: %d kills, %d flows acknowledged, the closest SIGKILL %.3f ms after an answer%n",
                kills, acked.size(), closest / 1e6);
    }
}
