package dev.idflow.core.api;

import dev.idflow.core.engine.FlowEngine;
import dev.idflow.core.internal.Authenticator;
import dev.idflow.core.internal.Crypto;
import dev.idflow.core.internal.QueryString;
import dev.idflow.core.internal.RateLimiter;
import java.io.IOException;
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

    ApiDispatcher(Authenticator authenticator, RateLimiter rateLimiter, Throttles throttles,
                  ConsumerApi api, ClientApi client, OpenApiDocument openApi) {
        this.authenticator = authenticator;
        this.rateLimiter = rateLimiter;
        this.throttles = throttles;
        this.api = api;
        this.client = client;
        this.openApi = openApi;
    }

    /**
     * Wires the consumer API. Called by {@link dev.idflow.core.Idflow}; public only because the two
     * live in different packages.
     */
    public static ApiDispatcher wire(dev.idflow.core.spi.IdflowStorage storage, dev.idflow.core.engine.FlowEngine engine,
                                     dev.idflow.core.spi.TemplateRegistry templates, Set<String> availableServices,
                                     Authenticator authenticator, RateLimiter rateLimiter, Throttles throttles,
                                     dev.idflow.core.internal.Ids ids, String publicBaseUrl,
                                     int maxJsonBytes, long maxUploadBytes,
                                     dev.idflow.core.spi.LivenessAnalyzer analyzer) {
        ConsumerApi api = new ConsumerApi(storage, engine, templates, Set.copyOf(availableServices),
                new dev.idflow.core.internal.validation.InputValidator(),
                new dev.idflow.core.internal.RequestBodies(maxJsonBytes), ids, publicBaseUrl, maxUploadBytes);
        return new ApiDispatcher(authenticator, rateLimiter, throttles, api,
                new ClientApi(storage, engine, analyzer), new OpenApiDocument(publicBaseUrl));
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

    private ApiResponse route(ApiRequest request) {
        String path = request.rawPath() == null || request.rawPath().isEmpty() ? "/" : request.rawPath();
        // HEAD is GET without a body (the servlet writes none): same operation, same answer
        String method = "HEAD".equals(request.method()) ? "GET" : request.method();
        String[] seg = path.length() > 1 && path.endsWith("/")
                ? path.substring(1, path.length() - 1).split("/", -1) : path.substring(1).split("/", -1);
        // What the signature covers: the path relative to the mount point, with the query as sent.
        String signedPath = request.rawQuery() == null ? path : path + "?" + request.rawQuery();

        if (seg.length == 1 && seg[0].equals("openapi.json")) {
            return "GET".equals(method) ? openApi.response() : methodNotAllowed("GET");
        }
        if (seg.length == 1 && seg[0].equals("flow")) {
            return "POST".equals(method) ? run(request, signedPath, CREATE, c -> api.createFlow(c, request))
                    : methodNotAllowed("POST");
        }
        if (seg.length == 2 && seg[0].equals("flow")) {
            return "GET".equals(method) ? run(request, signedPath, READ, c -> api.getFlow(c, seg[1]))
                    : methodNotAllowed("GET");
        }
        if (seg.length == 3 && seg[0].equals("flow") && seg[2].equals("result")) {
            return "GET".equals(method) ? run(request, signedPath, READ, c -> api.getFlowResult(c, seg[1]))
                    : methodNotAllowed("GET");
        }
        if (seg.length == 3 && seg[0].equals("journal") && seg[1].equals("session")) {
            return "GET".equals(method) ? run(request, signedPath, READ_NO_403, c -> api.getSession(c, seg[2]))
                    : methodNotAllowed("GET");
        }
        if (seg.length == 2 && seg[0].equals("liveness2") && seg[1].equals("session")) {
            return "POST".equals(method) ? run(request, signedPath, CREATE, c -> api.createLivenessSession(c, request))
                    : methodNotAllowed("POST");
        }
        if (seg.length == 2 && seg[0].equals("resources") && seg[1].equals("file")) {
            return "GET".equals(method) ? run(request, signedPath, READ,
                    c -> api.getFile(c, QueryString.parse(request.rawQuery()))) : methodNotAllowed("GET");
        }
        if (seg.length == 2 && seg[0].equals("resources") && seg[1].equals("storage")) {
            return "POST".equals(method) ? run(request, signedPath, CREATE, c -> api.storeUpload(c, request))
                    : methodNotAllowed("POST");
        }
        if (seg.length == 2 && seg[0].equals("mockery") && seg[1].equals("result")) {
            return "POST".equals(method) ? run(request, signedPath, MOCKERY, c -> api.scriptMockery(c, request))
                    : methodNotAllowed("POST");
        }
        // ---- the client API: the person's device, with a vlink token or a liveness access token ----
        if (seg.length == 4 && seg[0].equals("hf") && seg[2].equals("api") && seg[3].equals("state")) {
            return "GET".equals(method) ? runClient(request, vlink(seg[1]), () -> client.state(seg[1])) : methodNotAllowed("GET");
        }
        if (seg.length == 4 && seg[0].equals("hf") && seg[2].equals("api") && seg[3].equals("start")) {
            return "POST".equals(method) ? runClient(request, vlink(seg[1]), () -> client.start(seg[1], request)) : methodNotAllowed("POST");
        }
        if (seg.length == 6 && seg[0].equals("hf") && seg[2].equals("api") && seg[3].equals("steps") && seg[5].equals("submit")) {
            return "POST".equals(method) ? runClient(request, vlink(seg[1]), () -> client.submit(seg[1], seg[4], request))
                    : methodNotAllowed("POST");
        }
        if (seg.length == 3 && seg[0].equals("liveness2") && seg[1].equals("client") && seg[2].equals("session")) {
            return "GET".equals(method) ? runClient(request, bearer(request), () -> client.livenessSession(request)) : methodNotAllowed("GET");
        }
        if (seg.length == 3 && seg[0].equals("liveness2") && seg[1].equals("client") && seg[2].equals("attempts")) {
            return "POST".equals(method) ? runClient(request, bearer(request), () -> client.attempt(request)) : methodNotAllowed("POST");
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
        if (e instanceof VirtualMachineError) {
            LOG.error("request failed with a virtual machine error, reference {}: {} {}", reference, request.method(), path, e);
        } else {
            LOG.error("request failed, reference {}: {} {}", reference, request.method(), path, e);
        }
        return ApiResponse.error(new ApiException(500, "INTERNAL_ERROR",
                "the server could not complete the request; reference " + reference));
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
