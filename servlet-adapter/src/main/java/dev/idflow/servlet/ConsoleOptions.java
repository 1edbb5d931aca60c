package dev.idflow.servlet;

import dev.idflow.core.console.Operator;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Whether {@link IdflowServlet} serves the operator console's API at {@code /console/api/*}, and who may use
 * it. Off unless the host turns it on. The host decides who is an operator: by default the container's
 * authenticated principal ({@code request.getUserPrincipal()}) in the role {@value #ROLE}, granted the
 * consumers {@code grants} returns for the principal's name; or a check of the host's own.
 */
public final class ConsoleOptions {
    /** The container role an operator needs with {@link #containerRole}. */
    public static final String ROLE = "idflow-operator";

    /**
     * The console page's Content-Security-Policy: nothing but this origin's own scripts, styles, images and API
     * calls, no framing. A host serving its own login page in front of the console may send the same.
     */
    public static final String PAGE_CSP = String.join("; ",
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' blob: data:",
            "media-src 'self' blob:",
            "connect-src 'self'",
            "font-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'");

    /** The host's decision for one request: who the operator is, or why not. */
    public sealed interface Access permits Access.Granted, Access.Unauthenticated, Access.Forbidden {
        record Granted(Operator operator) implements Access {
        }

        record Unauthenticated() implements Access {
        }

        record Forbidden() implements Access {
        }
    }

    private final Function<HttpServletRequest, Access> check;
    private final String signOutPath;

    private ConsoleOptions(Function<HttpServletRequest, Access> check) {
        this(check, null);
    }

    private ConsoleOptions(Function<HttpServletRequest, Access> check, String signOutPath) {
        this.check = check;
        this.signOutPath = signOutPath;
    }

    /**
     * As these options, with a sign-out button on the console page that POSTs (a plain form, same origin) to
     * {@code path}: the host's own logout (idflow never ends a login itself), e.g. {@code /console/logout}.
     * {@code path} is an absolute path on this server: it starts with one '/' and holds no whitespace, quote or
     * angle bracket.
     */
    public ConsoleOptions signOutAt(String path) {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/") || path.startsWith("//") || !path.matches("[^\\s\"'<>\\\\]+")) {
            throw new IllegalArgumentException("path: must be an absolute path on this server (one leading '/', "
                    + "no whitespace, quotes, angle brackets or backslashes), was " + path);
        }
        return new ConsoleOptions(check, path);
    }

    /** The host's sign-out path for the page's button, or null for none. */
    String signOutPath() {
        return signOutPath;
    }

    /** No console API (the default): {@code /console/api/*} is an unknown path. */
    public static ConsoleOptions disabled() {
        return new ConsoleOptions(null);
    }

    /**
     * The container's login decides: no principal → 401, a principal not in role {@value #ROLE} → 403,
     * else an operator granted {@code grants.apply(principalName)} (null or an {@link Operator} of all
     * consumers, as the host likes: return {@code Operator.ofAllConsumers(name)} for every consumer).
     */
    public static ConsoleOptions containerRole(Function<String, Operator> grants) {
        Objects.requireNonNull(grants, "grants");
        return new ConsoleOptions(request -> {
            if (request.getUserPrincipal() == null) {
                return new Access.Unauthenticated();
            }
            if (!request.isUserInRole(ROLE)) {
                return new Access.Forbidden();
            }
            Operator op = grants.apply(request.getUserPrincipal().getName());
            return op == null ? new Access.Granted(Operator.of(request.getUserPrincipal().getName(), Set.of()))
                    : new Access.Granted(op);
        });
    }

    /** The host's own check (a header its gateway sets, its own session...). */
    public static ConsoleOptions custom(Function<HttpServletRequest, Access> check) {
        return new ConsoleOptions(Objects.requireNonNull(check, "check"));
    }

    boolean enabled() {
        return check != null;
    }

    Access access(HttpServletRequest request) {
        return check.apply(request);
    }
}
