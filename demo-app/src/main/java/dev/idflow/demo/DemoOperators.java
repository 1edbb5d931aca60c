package dev.idflow.demo;

import dev.idflow.core.console.Operator;
import dev.idflow.servlet.ConsoleOptions;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.security.ConstraintMapping;
import org.eclipse.jetty.ee10.servlet.security.ConstraintSecurityHandler;
import org.eclipse.jetty.security.Constraint;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.security.authentication.BasicAuthenticator;
import org.eclipse.jetty.util.security.Password;

/**
 * The demo's operators (--operator): Jetty's own login (HTTP Basic, a HashLoginService in memory) guards
 * {@code /console/*}; idflow sees only the container's principal and role, never a password.
 */
final class DemoOperators {
    private DemoOperators() {
    }

    /** The console API's access: on only when operators were given. */
    static ConsoleOptions console(List<DemoOptions.OperatorValue> operators) {
        if (operators.isEmpty()) {
            return ConsoleOptions.disabled();
        }
        Map<String, Operator> grants = new HashMap<>();
        for (DemoOptions.OperatorValue op : operators) {
            grants.put(op.user(), op.consumerIds().isEmpty() ? Operator.ofAllConsumers(op.user())
                    : Operator.of(op.user(), new HashSet<>(op.consumerIds())));
        }
        return ConsoleOptions.containerRole(grants::get);
    }

    /** BASIC login in front of /console/*: any authenticated user gets in; idflow checks the role. */
    static void protect(ServletContextHandler context, List<DemoOptions.OperatorValue> operators) {
        if (operators.isEmpty()) {
            return;
        }
        UserStore users = new UserStore();
        for (DemoOptions.OperatorValue op : operators) {
            users.addUser(op.user(), new Password(op.password()), new String[] {ConsoleOptions.ROLE});
        }
        HashLoginService login = new HashLoginService("idflow console");
        login.setUserStore(users);
        ConstraintSecurityHandler security = new ConstraintSecurityHandler();
        security.setLoginService(login);
        security.setAuthenticator(new BasicAuthenticator());
        ConstraintMapping mapping = new ConstraintMapping();
        mapping.setPathSpec("/console/*");
        mapping.setConstraint(Constraint.ANY_USER);
        security.addConstraintMapping(mapping);
        context.setSecurityHandler(security);
    }
}
