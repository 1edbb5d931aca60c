package dev.idflow.demo;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.security.AuthenticationState;
import org.eclipse.jetty.security.Authenticator;
import org.eclipse.jetty.security.Constraint;
import org.eclipse.jetty.security.ServerAuthException;
import org.eclipse.jetty.security.authentication.BasicAuthenticator;
import org.eclipse.jetty.security.authentication.FormAuthenticator;
import org.eclipse.jetty.security.authentication.SessionAuthentication;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Session;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.URIUtil;

/**
 * The demo console's login: Jetty's own {@link BasicAuthenticator} for a request that carries
 * {@code Authorization: Basic} (scripts, curl), Jetty's {@link FormAuthenticator} otherwise (a browser:
 * {@value #LOGIN_PAGE}, posting to {@code /console/j_security_check}, then a session). Two exceptions to
 * the form's redirect: the console API without credentials answers 401 JSON with a Basic challenge (a
 * script or the page's fetch must not be sent an HTML login page), and the login page, its assets and
 * the logout are open. Passwords are checked by the login service, never here.
 */
final class ConsoleAuthenticator implements Authenticator {
    static final String LOGIN_PAGE = "/console/login";
    static final String ERROR_PAGE = LOGIN_PAGE + "?error=1";
    static final String LOGOUT = "/console/logout";
    static final String HOME = "/console/";
    private static final String API = "/console/api";
    static final String REALM = "idflow console";
    private static final byte[] UNAUTHENTICATED = ("{\"error_code\":\"UNAUTHENTICATED\",\"message\":"
            + "\"log in as an operator first (HTTP Basic, or the form at " + LOGIN_PAGE + ")\"}")
            .getBytes(StandardCharsets.UTF_8);

    private final BasicAuthenticator basic = new BasicAuthenticator();
    private final FormAuthenticator form = new FormAuthenticator(LOGIN_PAGE, ERROR_PAGE, false);

    ConsoleAuthenticator() {
        basic.setCharset(StandardCharsets.UTF_8);
    }

    @Override
    public void setConfiguration(Configuration configuration) {
        basic.setConfiguration(configuration);
        form.setConfiguration(configuration);
    }

    @Override
    public String getAuthenticationType() {
        return FORM_AUTH;
    }

    /** Open: the login page and its assets, the logout. The rest as the form says (j_security_check, /console/*). */
    @Override
    public Constraint.Authorization getConstraintAuthentication(String pathInContext, Constraint.Authorization existing,
                                                                Function<Boolean, Session> getSession) {
        if (isLoginPageOrAsset(pathInContext) || LOGOUT.equals(pathInContext)) {
            return Constraint.Authorization.ALLOWED;
        }
        return form.getConstraintAuthentication(pathInContext, existing, getSession);
    }

    static boolean isLoginPageOrAsset(String pathInContext) {
        return pathInContext != null && (pathInContext.equals(LOGIN_PAGE) || pathInContext.startsWith(LOGIN_PAGE + "/"));
    }

    @Override
    public AuthenticationState validateRequest(Request request, Response response, Callback callback)
            throws ServerAuthException {
        String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return basic.validateRequest(request, response, callback);
        }
        String path = Request.getPathInContext(request);
        if (form.isJSecurityCheck(path)) {
            rememberWhereToGoAfterLogin(request);
            return form.validateRequest(request, response, callback);
        }
        if ((path.equals(API) || path.startsWith(API + "/")) && !loggedInByForm(request)) {
            return challenge(request, response, callback);
        }
        return form.validateRequest(request, response, callback);
    }

    /**
     * After a login from the login page itself (no guarded page asked for first), the form would send the
     * browser to the context root, which is idflow's API: send it to the console instead, in the
     * language the login page was shown in.
     */
    private static void rememberWhereToGoAfterLogin(Request request) {
        Session existing = request.getSession(false);
        if (existing != null && existing.getAttribute(FormAuthenticator.__J_URI) != null) {
            return;
        }
        String lang = ConsoleLoginServlet.langParameter(request.getHttpURI().getQuery());
        // the core request's context path of the root context is "/", not "" as the servlet's
        String home = URIUtil.addPaths(Request.getContextPath(request), HOME) + (lang == null ? "" : "?lang=" + lang);
        request.getSession(true).setAttribute(FormAuthenticator.__J_URI,
                HttpURI.build(request.getHttpURI()).pathQuery(home).asImmutable());
    }

    private static boolean loggedInByForm(Request request) {
        Session session = request.getSession(false);
        return session != null && session.getAttribute(SessionAuthentication.AUTHENTICATED_ATTRIBUTE) != null;
    }

    /**
     * 401, as the console API answers it (JSON), with the Basic challenge a script understands; but not to
     * a page's own fetch (Sec-Fetch-Mode other than navigate, e.g. the console page after its session
     * ended): a browser answers a Basic challenge to a fetch with its own login dialog (headless, the fetch
     * never settles), where the page should see the 401 and send the operator to the form.
     */
    private static AuthenticationState challenge(Request request, Response response, Callback callback) {
        response.setStatus(401);
        String mode = request.getHeaders().get("Sec-Fetch-Mode");
        if (mode == null || mode.equals("navigate")) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Basic realm=\"" + REALM + "\", charset=\"UTF-8\"");
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, UNAUTHENTICATED.length);
        response.write(true, ByteBuffer.wrap(UNAUTHENTICATED), callback);
        return AuthenticationState.CHALLENGE;
    }

    @Override
    public Request prepareRequest(Request request, AuthenticationState authenticationState) {
        // the form restores the method and body of the request that was sent to the login page
        if (authenticationState instanceof AuthenticationState.Succeeded succeeded
                && FORM_AUTH.equals(succeeded.getAuthenticationType())) {
            return form.prepareRequest(request, authenticationState);
        }
        return request;
    }
}
