package dev.idflow.core.api;

import dev.idflow.core.engine.FlowEngine;
import dev.idflow.core.internal.Authenticator;
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

    private final Authenticator authenticator;
    private final RateLimiter rateLimiter;
    private final RateLimiter.Limit testLimit;
    private final RateLimiter.Limit liveLimit;
    private final ConsumerApi api;
    private final ClientApi client;
    private final OpenApiDocument openApi;

    ApiDispatcher(Authenticator authenticator, RateLimiter rateLimiter, RateLimiter.Limit testLimit,
                  RateLimiter.Limit liveLimit, ConsumerApi api, ClientApi client, OpenApiDocument openApi) {
        this.authenticator = authenticator;
        this.rateLimiter = rateLimiter;
        this.testLimit = testLimit;
        this.liveLimit = liveLimit;
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
                                     Authenticator authenticator, RateLimiter rateLimiter, RateLimiter.Limit testLimit,
                                     RateLimiter.Limit liveLimit, dev.idflow.core.internal.Ids ids, String publicBaseUrl,
                                     int maxJsonBytes, long maxUploadBytes,
                                     dev.idflow.core.spi.LivenessAnalyzer analyzer) {
        ConsumerApi api = new ConsumerApi(storage, engine, templates, Set.copyOf(availableServices),
                new dev.idflow.core.internal.validation.InputValidator(),
                new dev.idflow.core.internal.RequestBodies(maxJsonBytes), ids, publicBaseUrl, maxUploadBytes);
        return new ApiDispatcher(authenticator, rateLimiter, testLimit, liveLimit, api,
                new ClientApi(storage, engine, analyzer), new OpenApiDocument(publicBaseUrl));
    }

    public ApiResponse handle(ApiRequest request) {
        ApiResponse response = route(request);
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
            return "GET".equals(method) ? runClient(request, () -> client.state(seg[1])) : methodNotAllowed("GET");
        }
        if (seg.length == 4 && seg[0].equals("hf") && seg[2].equals("api") && seg[3].equals("start")) {
            return "POST".equals(method) ? runClient(request, () -> client.start(seg[1], request)) : methodNotAllowed("POST");
        }
        if (seg.length == 6 && seg[0].equals("hf") && seg[2].equals("api") && seg[3].equals("steps") && seg[5].equals("submit")) {
            return "POST".equals(method) ? runClient(request, () -> client.submit(seg[1], seg[4], request))
                    : methodNotAllowed("POST");
        }
        if (seg.length == 3 && seg[0].equals("liveness2") && seg[1].equals("client") && seg[2].equals("session")) {
            return "GET".equals(method) ? runClient(request, () -> client.livenessSession(request)) : methodNotAllowed("GET");
        }
        if (seg.length == 3 && seg[0].equals("liveness2") && seg[1].equals("client") && seg[2].equals("attempts")) {
            return "POST".equals(method) ? runClient(request, () -> client.attempt(request)) : methodNotAllowed("POST");
        }
        return ApiResponse.error(ApiException.notFound("path: no operation here; see /openapi.json"));
    }

    @FunctionalInterface
    private interface ClientOperation {
        ApiResponse run() throws IOException;
    }

    /** The client API is ours to define: any status fits, but never internals. */
    private ApiResponse runClient(ApiRequest request, ClientOperation operation) {
        try {
            return operation.run();
        } catch (ApiException e) {
            return ApiResponse.error(e);
        } catch (FlowEngine.Refusal e) {
            return ApiResponse.error(new ApiException(e.status(), e.code(), e.getMessage()));
        } catch (RuntimeException | IOException e) {
            return internalError(request, e);
        }
    }

    private static ApiResponse internalError(ApiRequest request, Exception e) {
        // the client learns a reference, never the exception: its message may hold SQL or internals
        String reference = Long.toHexString(System.nanoTime());
        LOG.error("request failed, reference {}: {} {}", reference, request.method(), redact(request.rawPath()), e);
        return ApiResponse.error(new ApiException(500, "INTERNAL_ERROR",
                "the server could not complete the request; reference " + reference));
    }

    private ApiResponse run(ApiRequest request, String signedPath, Set<Integer> allowed, Operation operation) {
        try {
            Caller caller = authenticator.authenticate(request, signedPath);
            if (!rateLimiter.tryAcquire(caller.keyHash(), caller.test() ? testLimit : liveLimit)) {
                throw new ApiException(429, "TOO_MANY_REQUESTS", "X-Verigram-Api-Key: too many requests for this key; slow down");
            }
            return operation.run(caller);
        } catch (ApiException e) {
            return ApiResponse.error(within(allowed, e));
        } catch (FlowEngine.Refusal e) {
            return ApiResponse.error(within(allowed, new ApiException(e.status(), e.code(), e.getMessage())));
        } catch (RuntimeException | IOException e) {
            return internalError(request, e);
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
