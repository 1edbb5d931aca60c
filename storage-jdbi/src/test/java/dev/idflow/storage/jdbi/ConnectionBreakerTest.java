package dev.idflow.storage.jdbi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.idflow.core.spi.StorageUnavailableException;
import dev.idflow.core.testing.SettableClock;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The connection breaker on an injected clock and a DataSource that fails when told to. */
class ConnectionBreakerTest {
    private final SettableClock clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final FlakyDataSource pool = new FlakyDataSource();
    private final GuardedDataSource guarded = new GuardedDataSource(pool,
            new ConnectionBreaker(3, Duration.ofMillis(250), clock));

    @Test
    void opensAfterThreeFailuresInARowThenRefusesWithoutAskingThePool() throws Exception {
        pool.down.set(true);
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(guarded::getConnection).isInstanceOf(StorageUnavailableException.class)
                    .hasMessageContaining("could not get a database connection")
                    .hasCauseInstanceOf(SQLTransientConnectionException.class);
        }
        assertThat(pool.attempts.get()).isEqualTo(3);
        assertThat(guarded.breaker().isOpen()).isTrue();
        for (int i = 0; i < 100; i++) {
            assertThatThrownBy(guarded::getConnection).isInstanceOf(StorageUnavailableException.class)
                    .hasMessageContaining("3 connection attempts failed in a row");
        }
        assertThat(pool.attempts.get()).as("an open breaker asks the pool nothing").isEqualTo(3);
    }

    @Test
    void aSuccessInBetweenStartsTheCountAgain() throws Exception {
        pool.down.set(true);
        assertThatThrownBy(guarded::getConnection).isInstanceOf(StorageUnavailableException.class);
        assertThatThrownBy(guarded::getConnection).isInstanceOf(StorageUnavailableException.class);
        pool.down.set(false);
        guarded.getConnection().close();
        pool.down.set(true);
        assertThatThrownBy(guarded::getConnection).isInstanceOf(StorageUnavailableException.class);
        assertThatThrownBy(guarded::getConnection).isInstanceOf(StorageUnavailableException.class);
        assertThat(guarded.breaker().isOpen()).isFalse();
        assertThat(pool.attempts.get()).isEqualTo(5);
    }

    @Test
    void probesOncePerIntervalAndClosesOnTheFirstSuccess() throws Exception {
        pool.down.set(true);
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(guarded::getConnection).isInstanceOf(StorageUnavailableException.class);
        }
        clock.advance(Duration.ofMillis(249));
        assertThatThrownBy(guarded::getConnection).hasMessageContaining("refused at once");
        assertThat(pool.attempts.get()).isEqualTo(3);

        clock.advance(Duration.ofMillis(1));
        assertThatThrownBy(guarded::getConnection).as("the probe reaches the pool and fails")
                .hasMessageContaining("could not get a database connection");
        assertThat(pool.attempts.get()).isEqualTo(4);
        assertThatThrownBy(guarded::getConnection).hasMessageContaining("refused at once");
        assertThat(pool.attempts.get()).as("the next probe waits another interval").isEqualTo(4);

        pool.down.set(false);
        assertThatThrownBy(guarded::getConnection).as("still within the interval").hasMessageContaining("refused at once");
        clock.advance(Duration.ofMillis(250));
        guarded.getConnection().close();
        assertThat(guarded.breaker().isOpen()).isFalse();
        for (int i = 0; i < 5; i++) {
            guarded.getConnection().close();
        }
        assertThat(pool.attempts.get()).isEqualTo(10);
    }

    @Test
    void whileOneProbeIsOutOthersAreRefused() {
        ConnectionBreaker breaker = new ConnectionBreaker(1, Duration.ofMillis(250), clock);
        breaker.failed(breaker.acquire(), new SQLException("down"));
        clock.advance(Duration.ofSeconds(1));
        ConnectionBreaker.Permit probe = breaker.acquire();
        assertThat(probe).isEqualTo(ConnectionBreaker.Permit.PROBE);
        clock.advance(Duration.ofSeconds(10));
        assertThatThrownBy(breaker::acquire).isInstanceOf(StorageUnavailableException.class);
        breaker.succeeded(probe);
        assertThat(breaker.acquire()).isEqualTo(ConnectionBreaker.Permit.NORMAL);
    }

    @Test
    void itsSettingsAreChecked() {
        assertThatThrownBy(() -> new ConnectionBreaker(0, Duration.ofMillis(250), clock))
                .hasMessageContaining("failures: must be 1 or more");
        assertThatThrownBy(() -> new ConnectionBreaker(3, Duration.ZERO, clock))
                .hasMessageContaining("every: must be a positive duration");
        assertThatThrownBy(() -> JdbiStorage.builder(pool).connectionBreaker(3, Duration.ofMillis(-1)))
                .hasMessageContaining("connectionBreaker probeEvery: must be a positive duration");
    }

    @Test
    void outagesAreRecognisedThroughWrappers() {
        assertThat(StorageUnavailableException.isOutage(new RuntimeException(new StorageUnavailableException("x")))).isTrue();
        assertThat(StorageUnavailableException.isOutage(new RuntimeException(new SQLException("gone", "08006")))).isTrue();
        assertThat(StorageUnavailableException.isOutage(new RuntimeException(new SQLException("dup", "23505")))).isFalse();
        assertThat(StorageUnavailableException.isOutage(new IllegalStateException("bug"))).isFalse();
    }

    /** Hands out a connection proxy when up, fails as HikariCP does after its timeout when down. */
    private static final class FlakyDataSource implements DataSource {
        final AtomicBoolean down = new AtomicBoolean();
        final AtomicInteger attempts = new AtomicInteger();

        @Override
        public Connection getConnection() throws SQLException {
            attempts.incrementAndGet();
            if (down.get()) {
                throw new SQLTransientConnectionException("pool - Connection is not available, request timed out");
            }
            return (Connection) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {Connection.class}, (proxy, method, args) -> null);
        }

        @Override
        public Connection getConnection(String u, String p) throws SQLException {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() {
            return Logger.getGlobal();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
