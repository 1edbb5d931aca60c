package dev.idflow.storage.jdbi;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.List;
import javax.sql.DataSource;

/** A test's view of the SQL a store sends: wraps a DataSource and records every statement its connections make. */
final class CountingDataSource {
    private CountingDataSource() {
    }

    /** {@code db}, recording the SQL of every statement prepared or created on its connections into {@code statements}. */
    static DataSource wrap(DataSource db, List<String> statements) {
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    Object out = invoke(db, method, args);
                    if (out instanceof Connection c) {
                        return Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                                (p, m, a) -> {
                                    if (m.getName().equals("prepareStatement") || m.getName().equals("prepareCall")) {
                                        statements.add(String.valueOf(a[0]).strip());
                                    } else if (m.getName().equals("createStatement")) {
                                        statements.add("(statement)");
                                    }
                                    return invoke(c, m, a);
                                });
                    }
                    return out;
                });
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
