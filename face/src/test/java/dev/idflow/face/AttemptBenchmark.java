package dev.idflow.face;

import dev.idflow.core.spi.LivenessAnalyzer;
import java.awt.image.BufferedImage;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One liveness attempt of 10 frames at 640 × 480 (JPEG, a real face zooming in and out), analysed whole:
 * decode, detect, landmarks, eyes, embedding for each frame, then the verdict. Run with
 * {@code mvn -B -Pbench verify -pl face -am -Dcodegen.skip=true -DskipTests} (MODELS.md has the figures).
 * {@code oneAttempt} is one analysis at a time (its time is its CPU: the models run on one thread);
 * {@code twoAttemptsAtOnce} two at once on the machine's two cores.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class AttemptBenchmark {
    private OnnxLivenessAnalyzer analyzer;
    private LivenessAnalyzer.Attempt attempt;

    @Setup
    public void setUp() throws Exception {
        analyzer = new OnnxLivenessAnalyzer();
        BufferedImage grace = TestPictures.load(TestPictures.GRACE_HOPPER);
        FaceEngine.Box box = FaceEngine.shared().detect(Picture.of(grace)).get(0);
        double[] sizes = {180, 200, 225, 250, 270, 250, 225, 200, 175, 160};
        BufferedImage[] frames = new BufferedImage[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            frames[i] = TestPictures.frame(grace, 640, 480, box.cx(), box.cy(), sizes[i] / box.size(), i * 3, i, 0, 1f);
        }
        attempt = new Attempts().baseline(frames[0])
                .action("zoom-in", frames[1], frames[2], frames[3], frames[4])
                .action("zoom-out", frames[5], frames[6], frames[7], frames[8], frames[9])
                .build();
        LivenessAnalyzer.Verdict verdict = analyzer.analyze(attempt);
        if (!verdict.serviceStatus().equals("real") || attempt.frames().size() != 10) {
            throw new IllegalStateException("the benchmark's attempt must be a real one of 10 frames: " + verdict);
        }
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private final LongAdder cpuNanos = new LongAdder();
    private final LongAdder attempts = new LongAdder();

    /** Analyses the attempt and counts the CPU time this thread spent on it (the models run on this thread). */
    private LivenessAnalyzer.Verdict analyzeCounted() throws Exception {
        long start = THREADS.getCurrentThreadCpuTime();
        LivenessAnalyzer.Verdict verdict = analyzer.analyze(attempt);
        cpuNanos.add(THREADS.getCurrentThreadCpuTime() - start);
        attempts.increment();
        return verdict;
    }

    @Benchmark
    public LivenessAnalyzer.Verdict oneAttempt() throws Exception {
        return analyzeCounted();
    }

    @Benchmark
    @Threads(2)
    public LivenessAnalyzer.Verdict twoAttemptsAtOnce() throws Exception {
        return analyzeCounted();
    }

    /** The wall time above includes waiting for a core the machine gives to others; this is the CPU an attempt costs. */
    @TearDown
    public void cpuPerAttempt() {
        System.out.printf("%nCPU per attempt: %.1f ms (%d attempts, warm-up included)%n",
                cpuNanos.sum() / 1e6 / Math.max(1, attempts.sum()), attempts.sum());
    }
}
