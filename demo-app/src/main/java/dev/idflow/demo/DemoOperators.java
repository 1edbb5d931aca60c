package dev.idflow.demo;

import dev.idflow.core.console.Operator;
import dev.idflow.servlet.ConsoleOptions;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.servlet.SessionHandler;
import org.eclipse.jetty.ee10.servlet.security.ConstraintMapping;
import org.eclipse.jetty.ee10.servlet.security.ConstraintSecurityHandler;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.security.Constraint;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.util.security.Password;

/**
 * The demo's operators (--operator): Jetty's own login (form and HTTP Basic, a HashLoginService in memory)
 * guards {@code /console/*}; idflow sees only the container's principal and role, never a password.
 */
final class DemoOperators {
    /** A form login's session ends after this long without a request. */
    static final java.time.Duration SESSION_IDLE = java.time.Duration.ofMinutes(30);

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
        return ConsoleOptions.containerRole(grants::get).signOutAt("/console/logout");
    }

    /**
     * Jetty's own login in front of /console/*: HTTP Basic for a request that carries it, else the form
     * ({@link ConsoleAuthenticator}; the page at /console/login, a session after it). Any authenticated
     * user gets past Jetty; idflow checks the role and the grants.
     */
    static void protect(ServletContextHandler context, List<DemoOptions.OperatorValue> operators) {
        if (operators.isEmpty()) {
            return;
        }
        UserStore users = new UserStore();
        for (DemoOptions.OperatorValue op : operators) {
            users.addUser(op.user(), new Password(op.password()), new String[] {ConsoleOptions.ROLE});
        }
        HashLoginService login = new HashLoginService(ConsoleAuthenticator.REALM);
        login.setUserStore(users);
        context.setSessionHandler(sessions());
        ConstraintSecurityHandler security = new ConstraintSecurityHandler();
        security.setLoginService(login);
        security.setAuthenticator(new ConsoleAuthenticator());
        // a new session id at login: a session id planted before it is worth nothing after
        security.setSessionRenewedOnAuthentication(true);
        ConstraintMapping mapping = new ConstraintMapping();
        mapping.setPathSpec("/console/*");
        mapping.setConstraint(Constraint.ANY_USER);
        security.addConstraintMapping(mapping);
        context.setSecurityHandler(security);
        // the demo's own pages beside the console: longer mappings than idflow's /*
        context.addServlet(new ServletHolder("console-login", new ConsoleLoginServlet()), ConsoleLoginServlet.MAPPING);
        context.addServlet(new ServletHolder("console-logout", new ConsoleLoginServlet.Logout()), ConsoleAuthenticator.LOGOUT);
    }

    /**
     * The form login's sessions: a cookie for /console only, never readable by a script, not sent on a
     * cross-site subrequest, Secure when the request came over TLS; no session id in URLs; 30 minutes idle.
     */
    private static SessionHandler sessions() {
        SessionHandler sessions = new SessionHandler();
        sessions.setSessionCookie("IDFLOW_CONSOLE_SESSION");
        sessions.setSessionPath("/console");
        sessions.setHttpOnly(true);
        sessions.setSameSite(HttpCookie.SameSite.LAX);
        sessions.setSecureRequestOnly(true);
        sessions.setUsingUriParameters(false);
        sessions.setMaxInactiveInterval((int) SESSION_IDLE.toSeconds());
        return sessions;
    }
}
