package dev.idflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.model.Flow;
import dev.idflow.core.spi.FlowRepository;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.testing.SettableClock;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Idflow#health()}: UP while the store answers its read; DOWN when it throws or hangs (bounded by
 * the timeout, on one thread), and when the background loop stopped finishing runs.
 */
class HealthTest {
    /** What the store's flow lookup does: answer, throw, or hang until released. */
    enum Mode { ANSWER, THROW, HANG }

    private final AtomicReference<Mode> mode = new AtomicReference<>(Mode.ANSWER);
    private final CountDownLatch release = new CountDownLatch(1);
    private final SettableClock clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private Idflow idflow;

    @AfterEach
    void close() {
        release.countDown();
        if (idflow != null) {
            idflow.close();
        }
    }

    private Idflow idflow() {
        idflow = Idflow.builder().storage(storage()).publicBaseUrl("https://bank.example/kyc")
                .secretKey(new byte[32]).clock(clock).build();
        return idflow;
    }

    @Test
    void upWhileTheStoreAnswers() {
        Health.Report report = idflow().health();
        assertThat(report.status()).isEqualTo(Health.Status.UP);
        assertThat(report.checks()).containsOnlyKeys("database");
        assertThat(report.checks().get("database").detail()).startsWith("answered in");
    }

    @Test
    void downWhenTheStoreThrowsNamingOnlyTheFailuresKind() {
        Idflow idflow = idflow();
        mode.set(Mode.THROW);
        Health.Report report = idflow.health();
        assertThat(report.status()).isEqualTo(Health.Status.DOWN);
        assertThat(report.checks().get("database").detail())
                .isEqualTo("the storage failed: IllegalStateException").doesNotContain("secret-host");
    }

    @Test
    void downWithinTheTimeoutWhenTheStoreHangsAndAHungCheckHoldsNoMoreThreads() {
        Idflow idflow = idflow();
        mode.set(Mode.HANG);
        long start = System.nanoTime();
        Health.Report first = idflow.health();
        Health.Report second = idflow.health();
        long took = System.nanoTime() - start;
        assertThat(first.status()).isEqualTo(Health.Status.DOWN);
        assertThat(first.checks().get("database").detail()).startsWith("no answer within");
        assertThat(second.status()).isEqualTo(Health.Status.DOWN);
        assertThat(took).isLessThan(TimeUnit.SECONDS.toNanos(6));
        assertThat(Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("idflow-health")).count())
                .isLessThanOrEqualTo(1);
    }

    @Test
    void theBackgroundCheckIsDownWhenNoRunFinishedWithinThreeIntervals() throws Exception {
        Idflow idflow = idflow();
        idflow.startBackground(Duration.ofMillis(20));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!idflow.health().checks().get("background").detail().startsWith("last run")
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(idflow.health().status()).isEqualTo(Health.Status.UP);
        // the loop's runs now fail (the store throws), so no run finishes; a minute later it is DOWN
        mode.set(Mode.THROW);
        Thread.sleep(100);
        clock.advance(Duration.ofMinutes(2));
        Health.Report report = idflow.health();
        assertThat(report.checks().get("background").status()).isEqualTo(Health.Status.DOWN);
        assertThat(report.checks().get("background").detail()).contains("allowed 60 s");
        assertThat(report.status()).isEqualTo(Health.Status.DOWN);
    }

    @Test
    void stopBackgroundStopsTheLoopAndLeavesIdflowWorkingAndStartableAgain() {
        Idflow idflow = idflow();
        idflow.startBackground(Duration.ofMinutes(1));
        assertThat(idflow.health().checks()).containsKey("background");
        idflow.stopBackground();
        Health.Report stopped = idflow.health();
        assertThat(stopped.status()).isEqualTo(Health.Status.UP);
        assertThat(stopped.checks()).containsOnlyKeys("database");
        idflow.stopBackground();   // again: nothing runs, nothing happens
        idflow.startBackground(Duration.ofMinutes(1));   // no "already running"
        assertThat(idflow.health().checks()).containsKey("background");
    }

    /** A store whose every read finds nothing, and whose flow lookup follows {@link #mode}. */
    private IdflowStorage storage() {
        FlowRepository flows = (FlowRepository) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {FlowRepository.class}, (p, method, args) -> {
                    if (method.getName().equals("findById")) {
                        switch (mode.get()) {
                            case THROW -> throw new IllegalStateException("connection to secret-host refused");
                            case HANG -> release.await();
                            default -> { }
                        }
                        return Optional.<Flow>empty();
                    }
                    if (mode.get() == Mode.THROW && method.getName().equals("claimDue")) {
                        throw new IllegalStateException("connection to secret-host refused");
                    }
                    return empty(method.getReturnType());
                });
        InvocationHandler nothing = new InvocationHandler() {
            @Override
            public Object invoke(Object p, java.lang.reflect.Method method, Object[] args) {
                if (method.getReturnType() == FlowRepository.class) {
                    return flows;
                }
                if (method.getReturnType().isInterface() && method.getReturnType().getPackageName().endsWith(".spi")) {
                    return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {method.getReturnType()}, this);
                }
                return empty(method.getReturnType());
            }
        };
        return (IdflowStorage) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {IdflowStorage.class}, nothing);
    }

    private static Object empty(Class<?> type) {
        if (type == boolean.class) {
            return false;
        }
        if (type == int.class) {
            return 0;
        }
        if (type == long.class) {
            return 0L;
        }
        if (type == Optional.class) {
            return Optional.empty();
        }
        if (type == java.util.List.class) {
            return java.util.List.of();
        }
        return null;
    }
}
