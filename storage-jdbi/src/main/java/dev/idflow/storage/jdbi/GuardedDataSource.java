package dev.idflow.storage.jdbi;

import dev.idflow.core.spi.StorageUnavailableException;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The host's DataSource behind a {@link ConnectionBreaker}: a connection that cannot be had becomes a
 * {@link StorageUnavailableException} (idflow's core knows what that means: the JSON 500, a paused
 * background loop), and once the breaker is open callers are refused without touching the pool.
 */
final class GuardedDataSource implements DataSource {
    private final DataSource delegate;
    private final ConnectionBreaker breaker;

    GuardedDataSource(DataSource delegate, ConnectionBreaker breaker) {
        this.delegate = delegate;
        this.breaker = breaker;
    }

    ConnectionBreaker breaker() {
        return breaker;
    }

    @Override
    public Connection getConnection() throws SQLException {
        ConnectionBreaker.Permit permit = breaker.acquire();
        Connection connection;
        try {
            connection = delegate.getConnection();
        } catch (SQLException | RuntimeException e) {
            breaker.failed(permit, e);
            throw new StorageUnavailableException("could not get a database connection (" + e.getClass().getSimpleName() + ")", e);
        }
        breaker.succeeded(permit);
        return connection;
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("idflow asks its DataSource for connections without credentials");
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return iface.isInstance(this) ? iface.cast(this) : delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || delegate.isWrapperFor(iface);
    }
}
