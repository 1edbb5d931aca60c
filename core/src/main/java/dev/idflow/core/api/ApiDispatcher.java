package dev.idflow.core.api;

import dev.idflow.core.engine.FlowEngine;
import dev.idflow.core.internal.Authenticator;
import dev.idflow.core.internal.Crypto;
import dev.idflow.core.internal.QueryString;
import dev.idflow.core.internal.RateLimiter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer API's front door: finds the operation, authenticates, applies the rate limit, runs
 * the operation and turns every outcome into a response that uses only the statuses the spec lists
 * for that operation. Thread-safe; one per {@link dev.idflow.core.Idflow}.
 */
public final class ApiDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(ApiDispatcher.class);

    /** The statuses the spec lists per operation (and ours for the operations beyond it). */
    private static final Set<Integer> CREATE = Set.of(201, 401, 403, 422, 429, 500);
    private static final Set<Integer> READ = Set.of(200, 401, 403, 404, 422, 429, 500);
    private static final Set<Integer> READ_NO_403 = Set.of(200, 401, 404, 422, 429, 500);
    /** DELETE /persons/{person_id} is idflow's own: idempotent, so an unknown person is a 204 too, never a 404. */
    private static final Set<Integer> ERASE = Set.of(204, 401, 422, 429, 500);
    private static final Set<Integer> MOCKERY = Set.of(200, 401, 403, 422, 429, 500);

    @FunctionalInterface
    private interface Operation {
        ApiResponse run(Caller caller) throws IOException;
    }

    /**
     * The limits the dispatcher applies: per API key (test and live), per vlink token and per access
     * token of the client API ({@code clientToken}), per client address on the client API, and the
     * failed authentications an address may make before it is refused for a while.
     */
    public record Throttles(RateLimiter.Limit testKey, RateLimiter.Limit liveKey, RateLimiter.Limit clientToken,
                            RateLimiter.Limit clientAddress, RateLimiter.FailureLimit authFailures) {
    }

    private final Authenticator authenticator;
    private final RateLimiter rateLimiter;
    private final Throttles throttles;
    private final ConsumerApi api;
    private final ClientApi client;
    private final OpenApiDocument openApi;
    private final List<Route> routes;

    ApiDispatcher(Authenticator authenticator, RateLimiter rateLimiter, Throttles throttles,
                  ConsumerApi api, ClientApi client, OpenApiDocument openApi) {
        this.authenticator = authenticator;
        this.rateLimiter = rateLimiter;
        this.throttles = throttles;
        this.api = api;
        this.client = client;
        this.openApi = openApi;
        this.routes = routes();
    }

    /**
     * Wires the consumer API. Called by {@link dev.idflow.core.Idflow}; public only because the two
     * live in different packages.
     */
    public static ApiDispatcher wire(dev.idflow.core.spi.IdflowStorage storage, dev.idflow.core.engine.FlowEngine engine,
                                     dev.idflow.core.engine.DataKeeper keeper,
                                     dev.idflow.core.spi.TemplateRegistry templates,
                                     Authenticator authenticator, dev.idflow.core.engine.PollMarks pollMarks,
                                     RateLimiter rateLimiter, Throttles throttles,
                                     dev.idflow.core.internal.Ids ids, String publicBaseUrl,
                                     int maxJsonBytes, long maxUploadBytes, byte[] requestHashKey) {
        ConsumerApi api = new ConsumerApi(storage, engine, keeper, templates, pollMarks,
                new dev.idflow.core.internal.validation.InputValidator(),
                new dev.idflow.core.internal.RequestBodies(maxJsonBytes), ids, publicBaseUrl, maxUploadBytes, maxJsonBytes, requestHashKey);
        return new ApiDispatcher(authenticator, rateLimiter, throttles, api,
                new ClientApi(storage, engine, maxUploadBytes), new OpenApiDocument(publicBaseUrl));
    }

    /**
     * The hosted page's HTML and css are the client API too (PRODUCT.md): the same address lockout,
     * address bucket and vlink bucket as {@code /hf/{vlink}/api/…}, so a page load and its polling share
     * one budget. Empty when the request may go on, else the seconds to wait (its {@code Retry-After}).
     * Called by the servlet adapter before it looks the vlink up; an unknown vlink is not counted as a
     * failed authentication here (the page answers it like any other), its {@code api/state} call is.
     */
    public java.util.OptionalLong throttleHostedPage(String clientAddress, String vlinkId) {
        try {
            refuseLockedOut(clientAddress, "client");
            if (clientAddress != null) {
                throttle(rateLimiter.acquire("address:" + clientAddress, throttles.clientAddress()),
                        "client: too many requests from this address; slow down");
            }
            if (vlinkId != null) {
                throttle(rateLimiter.acquire(vlink(vlinkId), throttles.clientToken()),
                        "vlink: too many requests for this link; slow down");
            }
            return java.util.OptionalLong.empty();
        } catch (RetryLater e) {
            return java.util.OptionalLong.of(e.seconds());
        }
    }

    public ApiResponse handle(ApiRequest request) {
        ApiResponse response;
        try {
            response = route(request);
        } catch (Throwable e) {
            // nothing may escape as the container's own page (HTML, a class name, the whole URI in its log)
            response = internalError(request, e);
        }
        // answers carry ids, tokens and personal data: no cache may keep them, no browser may sniff them
        response.headers().putIfAbsent("Cache-Control", "no-store");
        response.headers().putIfAbsent("X-Content-Type-Options", "nosniff");
        return response;
    }

    /** A path's variable parts ({@code {flow_id}}, …) by name, as they appeared in the path. */
    private record PathVars(Map<String, String> values) {
        String get(String name) {
            return values.get(name);
        }
    }

    /** The request as a route sees it: the request, its variables, the path a signature covers. */
    private record Call(ApiRequest request, PathVars vars, String signedPath) {
    }

    /** What a route does with a call; answers within its statuses (consumer) or any (client). */
    @FunctionalInterface
    private interface Handler {
        ApiResponse handle(Call call);
    }

    /**
     * One operation: its method and path pattern ({@code /flow/{flow_id}/result}; a {@code {name}}
     * segment matches any one segment), and its handler.
     */
    private record Route(String method, List<String> pattern, Handler handler) {
        static Route of(String method, String pattern, Handler handler) {
            return new Route(method, List.of(pattern.substring(1).split("/", -1)), handler);
        }

        /** The path's variables when {@code segments} match the pattern, else null. */
        PathVars match(String[] segments) {
            if (segments.length != pattern.size()) {
                return null;
            }
            Map<String, String> vars = new java.util.HashMap<>();
            for (int i = 0; i < segments.length; i++) {
                String p = pattern.get(i);
                if (p.startsWith("{") && p.endsWith("}")) {
                    vars.put(p.substring(1, p.length() - 1), segments[i]);
                } else if (!p.equals(segments[i])) {
                    return null;
                }
            }
            return new PathVars(vars);
        }
    }

    /**
     * Every operation of the consumer API (authenticated by API key, within the spec's statuses) and of
     * the client API (the person's device, with a vlink token or a liveness access token). The order
     * does not matter: no two patterns match the same path.
     */
    private List<Route> routes() {
        return List.of(
                Route.of("GET", "/openapi.json", c -> openApi.response()),
                consumer("POST", "/flow", CREATE, (caller, c) -> api.createFlow(caller, c.request())),
                consumer("GET", "/flow/{flow_id}", READ, (caller, c) -> api.getFlow(caller, c.vars().get("flow_id"))),
                consumer("GET", "/flow/{flow_id}/result", READ,
                        (caller, c) -> api.getFlowResult(caller, c.vars().get("flow_id"))),
                consumer("GET", "/journal/session/{session_id}", READ_NO_403,
                        (caller, c) -> api.getSession(caller, c.vars().get("session_id"))),
                consumer("POST", "/liveness2/session", CREATE, (caller, c) -> api.createLivenessSession(caller, c.request())),
                consumer("GET", "/resources/file", READ,
                        (caller, c) -> api.getFile(caller, QueryString.parse(c.request().rawQuery()))),
                consumer("POST", "/resources/storage", CREATE, (caller, c) -> api.storeUpload(caller, c.request())),
                consumer("DELETE", "/persons/{person_id}", ERASE,
                        (caller, c) -> api.erasePerson(caller, c.vars().get("person_id"))),
                consumer("POST", "/mockery/result", MOCKERY, (caller, c) -> api.scriptMockery(caller, c.request())),
                // ---- the client API ----
                byVlink("GET", "/hf/{vlink}/api/state", (v, c) -> client.state(v)),
                byVlink("POST", "/hf/{vlink}/api/start", (v, c) -> client.start(v, c.request())),
                byVlink("POST", "/hf/{vlink}/api/steps/{step_id}/submit",
                        (v, c) -> client.submit(v, c.vars().get("step_id"), c.request())),
                byVlink("POST", "/hf/{vlink}/api/steps/{step_id}/resend",
                        (v, c) -> client.resend(v, c.vars().get("step_id"), c.request())),
                byVlink("POST", "/hf/{vlink}/api/steps/{step_id}/files",
                        (v, c) -> client.files(v, c.vars().get("step_id"), c.request())),
                byVlink("GET", "/hf/{vlink}/api/steps/{step_id}/documents/{n}",
                        (v, c) -> client.document(v, c.vars().get("step_id"), c.vars().get("n"))),
                byVlink("GET", "/hf/{vlink}/api/steps/{step_id}/documents/{n}/pages/{p}",
                        (v, c) -> client.page(v, c.vars().get("step_id"), c.vars().get("n"), c.vars().get("p"))),
                byBearer("GET", "/liveness2/client/session", c -> client.livenessSession(c.request())),
                byBearer("POST", "/liveness2/client/attempts", c -> client.attempt(c.request())));
    }

    @FunctionalInterface
    private interface ConsumerHandler {
        ApiResponse handle(Caller caller, Call call) throws IOException;
    }

    @FunctionalInterface
    private interface VlinkHandler {
        ApiResponse handle(String vlinkId, Call call) throws IOException;
    }

    @FunctionalInterface
    private interface BearerHandler {
        ApiResponse handle(Call call) throws IOException;
    }

    private Route consumer(String method, String pattern, Set<Integer> allowed, ConsumerHandler handler) {
        return Route.of(method, pattern, c -> run(c.request(), c.signedPath(), allowed, caller -> handler.handle(caller, c)));
    }

    private Route byVlink(String method, String pattern, VlinkHandler handler) {
        return Route.of(method, pattern, c -> runClient(c.request(), vlink(c.vars().get("vlink")),
                () -> handler.handle(c.vars().get("vlink"), c)));
    }

    private Route byBearer(String method, String pattern, BearerHandler handler) {
        return Route.of(method, pattern, c -> runClient(c.request(), bearer(c.request()), () -> handler.handle(c)));
    }

    private ApiResponse route(ApiRequest request) {
        String path = request.rawPath() == null || request.rawPath().isEmpty() ? "/" : request.rawPath();
        // HEAD is GET without a body (the servlet writes none): same operation, same answer
        String method = "HEAD".equals(request.method()) ? "GET" : request.method();
        String[] seg = path.length() > 1 && path.endsWith("/")
                ? path.substring(1, path.length() - 1).split("/", -1) : path.substring(1).split("/", -1);
        // What the signature covers: the path relative to the mount point, with the query as sent.
        String signedPath = request.rawQuery() == null ? path : path + "?" + request.rawQuery();
        List<String> allowed = new ArrayList<>();
        for (Route route : routes) {
            PathVars vars = route.match(seg);
            if (vars == null) {
                continue;
            }
            if (route.method().equals(method)) {
                return route.handler().handle(new Call(request, vars, signedPath));
            }
            allowed.add(route.method());
        }
        if (!allowed.isEmpty()) {
            return methodNotAllowed(String.join(", ", allowed));
        }
        return ApiResponse.error(ApiException.notFound("path: no operation here; see /openapi.json"));
    }

    @FunctionalInterface
    private interface ClientOperation {
        ApiResponse run() throws IOException;
    }

    /** The bucket of a vlink token: by its hash, so that no map of this node holds a bearer token. */
    private static String vlink(String vlinkId) {
        return "vlink:" + Crypto.sha256Hex(vlinkId);
    }

    /** The bucket of a liveness access token (by its hash), or null when the request carries none. */
    private static String bearer(ApiRequest request) {
        String auth = request.header("Authorization");
        if (auth == null || auth.length() < 8 || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return "token:" + Crypto.sha256Hex(auth.substring(7).trim());
    }

    /**
     * The client API is ours to define: any status fits, but never internals. Throttled in this
     * order: an address locked out after failed authentications, the address's own bucket, then the
     * credential's (vlink or access token) bucket; an unknown vlink or access token counts as a failed
     * authentication of the address.
     */
    private ApiResponse runClient(ApiRequest request, String credentialBucket, ClientOperation operation) {
        String address = request.clientAddress();
        try {
            refuseLockedOut(address, "client");
            if (address != null) {
                throttle(rateLimiter.acquire("address:" + address, throttles.clientAddress()),
                        "client: too many requests from this address; slow down");
            }
            if (credentialBucket != null) {
                throttle(rateLimiter.acquire(credentialBucket, throttles.clientToken()),
                        credentialBucket.startsWith("vlink:") ? "vlink: too many requests for this link; slow down"
                                : "Authorization: too many requests for this access token; slow down");
            }
            return operation.run();
        } catch (ApiException e) {
            if (e.status() == 401 || "LINK_NOT_FOUND".equals(e.errorCode())) {
                recordFailure(address);
            }
            return ApiResponse.error(e); // a RetryLater carries its Retry-After
        } catch (FlowEngine.Refusal e) {
            return ApiResponse.error(new ApiException(e.status(), e.code(), e.getMessage()));
        } catch (Throwable e) {
            return internalError(request, e);
        }
    }

    /**
     * The JSON 500 for anything that went wrong inside: the client learns a reference, never the
     * exception (its message may hold SQL or internals); the log gets the reference, the method, the
     * path with vlink tokens masked, and the stack trace. Errors are answered the same way and logged
     * as such: a StackOverflowError or an AssertionError of one request leaves the node able to serve
     * the next. An OutOfMemoryError is answered and logged, not rethrown: the request's objects are
     * unreachable once its stack unwinds, and rethrowing would only reach the container, which logs
     * the whole URI and answers its own page; a host that prefers to restart on one sets
     * {@code -XX:+ExitOnOutOfMemoryError}. Public for the servlet adapter, which answers the same way
     * for what fails outside the dispatcher.
     */
    public static ApiResponse internalError(ApiRequest request, Throwable e) {
        String reference = Long.toHexString(System.nanoTime());
        String path = redact(request.rawPath());
        if (dev.idflow.core.spi.StorageUnavailableException.isOutage(e)) {
            // an outage fails every request alike: one short line each, no stack trace storm
            LOG.warn("request failed, reference {}: {} {}: storage unavailable ({})", reference, request.method(), path,
                    outageReason(e));
        } else if (e instanceof VirtualMachineError) {
            LOG.error("request failed with a virtual machine error, reference {}: {} {}", reference, request.method(), path, e);
        } else {
            LOG.error("request failed, reference {}: {} {}", reference, request.method(), path, e);
        }
        return ApiResponse.error(new ApiException(500, "INTERNAL_ERROR",
                "the server could not complete the request; reference " + reference));
    }

    /** idflow's own message when a store said so, else the root cause's class (a driver's message may name hosts). */
    private static String outageReason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof dev.idflow.core.spi.StorageUnavailableException) {
                return t.getMessage();
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName();
    }

    /**
     * A consumer operation: an address locked out after failed authentications is refused first (429,
     * listed for every operation, even with a valid key: the lockout is what slows a key guesser);
     * then the key is authenticated (a 401 counts against the address) and its bucket applied.
     */
    private ApiResponse run(ApiRequest request, String signedPath, Set<Integer> allowed, Operation operation) {
        String address = request.clientAddress();
        try {
            refuseLockedOut(address, "X-Verigram-Api-Key");
            Caller caller;
            try {
                caller = authenticator.authenticate(request, signedPath);
            } catch (ApiException e) {
                if (e.status() == 401) {
                    recordFailure(address);
                }
                throw e;
            }
            throttle(rateLimiter.acquire("key:" + caller.keyHash(), caller.test() ? throttles.testKey() : throttles.liveKey()),
                    "X-Verigram-Api-Key: too many requests for this key; slow down");
            return operation.run(caller);
        } catch (ApiException e) {
            return ApiResponse.error(within(allowed, e));
        } catch (FlowEngine.Refusal e) {
            return ApiResponse.error(within(allowed, new ApiException(e.status(), e.code(), e.getMessage())));
        } catch (Throwable e) {
            return internalError(request, e);
        }
    }

    private static void throttle(RateLimiter.Decision decision, String message) {
        if (!decision.allowed()) {
            throw new RetryLater(message, decision.retryAfterSeconds());
        }
    }

    private void refuseLockedOut(String address, String field) {
        if (address != null) {
            throttle(rateLimiter.checkFailures("failures:" + address), field
                    + ": too many failed authentications from this address; try again later");
        }
    }

    private void recordFailure(String address) {
        if (address != null) {
            rateLimiter.recordFailure("failures:" + address, throttles.authFailures());
        }
    }

    /** Keeps to the operation's listed statuses: a 403 where none is listed becomes 404, anything else unlisted 500. */
    private static ApiException within(Set<Integer> allowed, ApiException e) {
        if (allowed.contains(e.status())) {
            return e;
        }
        if (e.status() == 403 && allowed.contains(404)) {
            return ApiException.notFound(e.getMessage());
        }
        LOG.error("status {} is not listed for this operation; answering 500 ({})", e.status(), e.errorCode());
        return new ApiException(500, "INTERNAL_ERROR", "the server could not complete the request");
    }

    private static ApiResponse methodNotAllowed(String allow) {
        return ApiResponse.json(405, new ApiResponse.ErrorBody("METHOD_NOT_ALLOWED", "method: use " + allow))
                .header("Allow", allow);
    }

    /** Paths that carry bearer tokens (vlinks) never reach a log whole. */
    public static String redact(String path) {
        if (path == null) {
            return null;
        }
        return path.replaceAll("/hf/[^/?]+", "/hf/***");
    }

}
