package dev.idflow.servlet;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import dev.idflow.core.Idflow;
import dev.idflow.core.internal.Crypto;
import dev.idflow.core.testing.SettableClock;
import dev.idflow.storage.memory.InMemoryStorage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A real Jetty with the idflow servlet mounted under {@code mountPath}, an in-memory store, a
 * settable clock, and an HTTP client whose every consumer-API response is validated against the
 * contract file. Consumers: "acme" (test key {@link #TEST_KEY}, live key {@link #LIVE_KEY} with
 * {@link #LIVE_SECRET}) and "globex" (test key {@link #OTHER_TEST_KEY}).
 */
final class TestServer implements AutoCloseable {
    // keys and secrets meet Idflow.KEY_RULE: 32 characters or more
    static final String TEST_KEY = "test-key-acme-0001-9c1f4e7a2b6d8053";
    static final String LIVE_KEY = "live-key-acme-0001-2d7e5b9a4c1f8036";
    static final String LIVE_SECRET = "live-secret-acme-0001-8b3f0e6a1d9c5274";
    static final String SIGNING_TEST_KEY = "test-key-acme-signing-5e2a9c7f1b3d";
    static final String SIGNING_TEST_SECRET = "test-secret-acme-signing-7c4e1a9f2b";
    static final String OTHER_TEST_KEY = "test-key-globex-0001-3a8d6f1c9e2b57";
    static final long MAX_UPLOAD = 5L << 20;

    final SettableClock clock = SettableClock.startingNow();
    final InMemoryStorage storage = new InMemoryStorage();
    final Idflow idflow;
    final String mountPath;
    private final Server server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final OpenApiInteractionValidator validator;
    final String baseUrl;

    TestServer(String mountPath) throws Exception {
        this(mountPath, storage -> storage, 1000, 1000);
    }

    /**
     * As {@link #TestServer(String)}, but idflow sees the in-memory store through {@code storageView}
     * (e.g. a wrapper that fails on demand; {@link #storage} stays the store underneath) and each key
     * may make {@code burst} requests at once, refilled at {@code perSecond} as {@link #clock} moves.
     */
    TestServer(String mountPath, java.util.function.UnaryOperator<dev.idflow.core.spi.IdflowStorage> storageView,
               double perSecond, int burst) throws Exception {
        this(mountPath, storageView, perSecond, burst, builder -> { });
    }

    /**
     * As {@link #TestServer(String)}, with {@code customize} applied to the builder just before
     * build(): a ServiceHandler, a listener, a face analyzer, a short inactivity timeout…
     */
    TestServer(String mountPath, java.util.function.Consumer<Idflow.Builder> customize) throws Exception {
        this(mountPath, storage -> storage, 1000, 1000, customize);
    }

    /** Both: idflow sees the store through {@code storageView}, and {@code customize} is applied to the builder. */
    TestServer(String mountPath, java.util.function.UnaryOperator<dev.idflow.core.spi.IdflowStorage> storageView,
               java.util.function.Consumer<Idflow.Builder> customize) throws Exception {
        this(mountPath, storageView, 1000, 1000, customize);
    }

    /**
     * As {@link #TestServer(String, java.util.function.Consumer)}, with idflow's own default limits of
     * the client API and of failed authentications (the other constructors lift them, so that a test's
     * many calls on the unmoving clock never meet them).
     */
    static TestServer withDefaultThrottles(String mountPath, java.util.function.Consumer<Idflow.Builder> customize)
            throws Exception {
        return new TestServer(mountPath, storage -> storage, 1000, 1000, false, MAX_UPLOAD, CorsOptions.none(), customize);
    }

    /** As {@link #TestServer(String)}, with requests (their multipart bodies) of up to {@code maxUpload} bytes. */
    static TestServer withMaxUpload(String mountPath, long maxUpload) throws Exception {
        return new TestServer(mountPath, storage -> storage, 1000, 1000, true, maxUpload, CorsOptions.none(), builder -> { });
    }

    /** As {@link #TestServer(String)}, mounted with {@code cors}: pages on its origins may call from a browser. */
    static TestServer withCors(String mountPath, CorsOptions cors) throws Exception {
        return new TestServer(mountPath, storage -> storage, 1000, 1000, true, MAX_UPLOAD, cors, builder -> { });
    }

    private TestServer(String mountPath, java.util.function.UnaryOperator<dev.idflow.core.spi.IdflowStorage> storageView,
                       double perSecond, int burst, java.util.function.Consumer<Idflow.Builder> customize) throws Exception {
        this(mountPath, storageView, perSecond, burst, true, MAX_UPLOAD, CorsOptions.none(), customize);
    }

    private TestServer(String mountPath, java.util.function.UnaryOperator<dev.idflow.core.spi.IdflowStorage> storageView,
                       double perSecond, int burst, boolean liftClientThrottles, long maxUpload, CorsOptions cors,
                       java.util.function.Consumer<Idflow.Builder> customize) throws Exception {
        this(mountPath, storageView, perSecond, burst, liftClientThrottles, maxUpload, cors, customize,
                ConsoleOptions.disabled(), context -> { });
    }

    /**
     * As {@link #TestServer(String)}, mounted with the console API as {@code console} says, and {@code security}
     * applied to the context (a login, e.g. BASIC with Jetty's HashLoginService) before it starts.
     */
    static TestServer withConsole(String mountPath, ConsoleOptions console,
                                  java.util.function.Consumer<ServletContextHandler> security) throws Exception {
        return new TestServer(mountPath, storage -> storage, 1000, 1000, true, MAX_UPLOAD, CorsOptions.none(),
                builder -> { }, console, security);
    }

    private TestServer(String mountPath, java.util.function.UnaryOperator<dev.idflow.core.spi.IdflowStorage> storageView,
                       double perSecond, int burst, boolean liftClientThrottles, long maxUpload, CorsOptions cors,
                       java.util.function.Consumer<Idflow.Builder> customize, ConsoleOptions console,
                       java.util.function.Consumer<ServletContextHandler> security) throws Exception {
        this.mountPath = mountPath;
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        connector.setPort(port);
        baseUrl = "http://127.0.0.1:" + port + mountPath;
        Idflow.Builder builder = Idflow.builder()
                .storage(storageView.apply(storage))
                .clock(clock)
                .publicBaseUrl(baseUrl)
                .secretKey(new byte[32])
                .maxUploadBytes(maxUpload)
                .rateLimits(perSecond, burst, perSecond, burst);
        if (liftClientThrottles) {
            builder.clientRateLimit(1_000_000, 1_000_000).clientAddressRateLimit(1_000_000, 1_000_000)
                    .authFailureLimit(1_000_000, java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1));
        }
        customize.accept(builder);
        idflow = builder.build();
        idflow.registerConsumer("acme", "Acme Bank");
        idflow.addTestKey("acme", TEST_KEY);
        idflow.addLiveKey("acme", LIVE_KEY, LIVE_SECRET);
        idflow.addTestKey("acme", SIGNING_TEST_KEY, SIGNING_TEST_SECRET);
        idflow.registerConsumer("globex", "Globex Bank");
        idflow.addTestKey("globex", OTHER_TEST_KEY);
        // as the README tells a host on Jetty: what Jetty refuses itself answers JSON too
        server.setErrorHandler(dev.idflow.servlet.jetty.JettyJsonErrors.server());
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.setErrorHandler(dev.idflow.servlet.jetty.JettyJsonErrors.context());
        // as a host application would: mount while the context initialises
        context.addEventListener(new jakarta.servlet.ServletContextListener() {
            @Override
            public void contextInitialized(jakarta.servlet.ServletContextEvent event) {
                IdflowServlet.mount(event.getServletContext(), "idflow", mountPath + "/*", idflow, maxUpload,
                        HostedPageOptions.defaults(), cors, console);
            }
        });
        security.accept(context);
        server.setHandler(context);
        server.start();
        validator = OpenApiInteractionValidator
                .createForInlineApiSpecification(contractWithPathParametersDeclared())
                // OpenAPI allows properties a schema does not name unless it says additionalProperties:
                // false, which the contract never does; the validator's default forbids them. idflow
                // returns clients' per-service options as sent (PRODUCT.md), so use the standard's rule.
                .withLevelResolver(com.atlassian.oai.validator.report.LevelResolver.create()
                        .withLevel("validation.schema.additionalProperties", ValidationReport.Level.IGNORE)
                        .build())
                .build();
    }

    /** The contract file in the repository (identical to ../shared/openapi, checked elsewhere). */
    static Path specPath() {
        Path p = Path.of("..", "spec", "identification-saas-2.0.0.json");
        if (!Files.exists(p)) {
            throw new IllegalStateException("contract not found at " + p.toAbsolutePath());
        }
        return p;
    }

    /**
     * The contract file with only its path parameters declared: without them the validator refuses to
     * load it. Response schemas, the thing checked, are untouched. Written independently of the
     * production OpenApiDocument so that a bug there cannot hide here.
     */
    static String contractWithPathParametersDeclared() throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode spec =
                (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(specPath().toFile());
        spec.get("paths").fields().forEachRemaining(e -> {
            for (String name : List.of("flow_id", "session_id")) {
                if (e.getKey().contains("{" + name + "}")) {
                    var p = ((com.fasterxml.jackson.databind.node.ObjectNode) e.getValue()).withArray("parameters").addObject();
                    p.put("name", name).put("in", "path").put("required", true).putObject("schema").put("type", "string");
                }
            }
        });
        return mapper.writeValueAsString(spec);
    }

    /** A response, its body as text, and the contract's verdict on it. */
    record Reply(int status, String body, byte[] bytes, Map<String, List<String>> headers, ValidationReport report) {
        Optional<String> header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst();
        }

        String messages() {
            return report == null ? "" : report.getMessages().stream().map(Object::toString)
                    .collect(Collectors.joining("\n"));
        }
    }

    /** Request headers as name/value pairs. */
    static final class Headers {
        final List<String> pairs = new ArrayList<>();

        Headers add(String name, String value) {
            pairs.add(name);
            pairs.add(value);
            return this;
        }

        static Headers test(String key) {
            return new Headers().add("X-Verigram-Api-Key", key).add("X-Verigram-Api-Version", "2.0.0");
        }
    }

    /** What this client has signed: key, ts and path, so that {@link #live} never signs one twice. */
    private final java.util.Set<String> signedRequests = java.util.concurrent.ConcurrentHashMap.newKeySet();

    Headers signed(String key, String secret, String pathWithQuery, long ts) {
        signedRequests.add(key + " " + ts + " " + pathWithQuery);
        return Headers.test(key)
                .add("X-Verigram-Ts", Long.toString(ts))
                .add("X-Verigram-Hmac-SHA256", Crypto.hmacSha256Hex(secret.getBytes(StandardCharsets.UTF_8),
                        ts + pathWithQuery));
    }

    /** A live key's headers for a request signed anew, with a ts {@link #freshTs} picks. */
    Headers live(String pathWithQuery) {
        return signed(LIVE_KEY, LIVE_SECRET, pathWithQuery, freshTs(LIVE_KEY, pathWithQuery));
    }

    /**
     * A ts this client has not yet signed {@code pathWithQuery} with for {@code key}. The server serves a
     * signed request once, so a client signs every request anew; here the clock stands still between
     * requests, so a repeat takes the second before (still well inside the 300 s window) instead of now.
     */
    long freshTs(String key, String pathWithQuery) {
        long ts = clock.instant().getEpochSecond();
        while (!signedRequests.add(key + " " + ts + " " + pathWithQuery)) {
            ts--;
        }
        return ts;
    }

    Reply get(String pathWithQuery, Headers headers) throws IOException, InterruptedException {
        return send("GET", pathWithQuery, headers, HttpRequest.BodyPublishers.noBody(), null);
    }

    Reply postJson(String path, Headers headers, String json) throws IOException, InterruptedException {
        return send("POST", path, headers, HttpRequest.BodyPublishers.ofString(json), "application/json");
    }

    Reply postMultipart(String path, Headers headers, Multipart body) throws IOException, InterruptedException {
        return send("POST", path, headers, HttpRequest.BodyPublishers.ofByteArray(body.bytes()), body.contentType());
    }

    Reply send(String method, String pathWithQuery, Headers headers, HttpRequest.BodyPublisher body,
               String contentType) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + pathWithQuery)).method(method, body);
        if (!headers.pairs.isEmpty()) {
            b.headers(headers.pairs.toArray(String[]::new));
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        HttpRequest request = b.build();
        HttpResponse<byte[]> r;
        try {
            r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException closed) {
            // HTTP/1.1 keep-alive: Jetty closes a connection after answering a request whose body was left
            // unread (a refusal), and the client may already have taken that pooled connection for this
            // request; it reads EOF before a single byte of an answer. Once more, on a fresh connection:
            // a server that really drops requests fails this too.
            if (closed.getMessage() == null || !closed.getMessage().contains("received no bytes")) {
                throw closed;
            }
            r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        }
        String text = new String(r.body(), StandardCharsets.UTF_8);
        ValidationReport report = validate(method, pathWithQuery, r, text);
        return new Reply(r.statusCode(), text, r.body(), r.headers().map(), report);
    }

    /** Validates a response of a contract operation; null for paths the contract does not have. */
    private ValidationReport validate(String method, String pathWithQuery, HttpResponse<byte[]> r, String text) {
        String path = pathWithQuery.contains("?") ? pathWithQuery.substring(0, pathWithQuery.indexOf('?')) : pathWithQuery;
        if (!isContractPath(path)) {
            return null;
        }
        SimpleResponse.Builder response = SimpleResponse.Builder.status(r.statusCode());
        r.headers().firstValue("Content-Type").ifPresent(ct -> response.withContentType(ct));
        if (r.headers().firstValue("Content-Type").orElse("").startsWith("application/json")) {
            response.withBody(text);
        } else if (r.body().length > 0) {
            // a download (the contract's SaasFile, a binary string): the validator wants the body present
            response.withBody(r.body());
        }
        SimpleResponse built = response.build();
        ValidationReport report = validator.validateResponse(path, Request.Method.valueOf(method), built);
        if (path.equals("/resources/file") && r.statusCode() == 200) {
            // The contract types every download application/octet-stream; idflow serves a file's own type
            // from an allow-list (PRODUCT.md "Files"), and the document it serves lists those types. So
            // the download's type is checked against the served document instead of the contract; every
            // other contract check of the answer still applies.
            List<com.atlassian.oai.validator.report.ValidationReport.Message> messages = new ArrayList<>(
                    report.getMessages().stream()
                            .filter(m -> !m.getKey().equals("validation.response.contentType.notAllowed"))
                            .collect(Collectors.toList()));
            messages.addAll(servedDocumentValidator().validateResponse(path, Request.Method.valueOf(method), built)
                    .getMessages());
            report = ValidationReport.from(messages);
        }
        return report;
    }

    private OpenApiInteractionValidator servedDocumentValidator;

    /**
     * Validates a response of an operation idflow adds beyond the contract ({@code POST /resources/storage},
     * {@code POST /mockery/result}) against the document the server itself serves at /openapi.json,
     * the only place those operations are described.
     */
    synchronized ValidationReport validateAgainstServedDocument(String method, String path, Reply reply)
            throws IOException, InterruptedException {
        SimpleResponse.Builder response = SimpleResponse.Builder.status(reply.status());
        reply.header("Content-Type").ifPresent(response::withContentType);
        if (reply.header("Content-Type").orElse("").startsWith("application/json")) {
            response.withBody(reply.body());
        } else if (reply.bytes().length > 0) {
            response.withBody(reply.bytes()); // a document or a page image: a binary string to the validator
        }
        return servedDocumentValidator().validateResponse(path, Request.Method.valueOf(method), response.build());
    }

    /** A validator of the document the server serves at /openapi.json, read once. */
    private synchronized OpenApiInteractionValidator servedDocumentValidator() {
        if (servedDocumentValidator == null) {
            Reply doc;
            try {
                doc = get("/openapi.json", new Headers());
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("/openapi.json could not be read", e);
            }
            if (doc.status() != 200) {
                throw new IllegalStateException("/openapi.json answered " + doc.status());
            }
            servedDocumentValidator = OpenApiInteractionValidator.createForInlineApiSpecification(doc.body())
                    .withLevelResolver(com.atlassian.oai.validator.report.LevelResolver.create()
                            .withLevel("validation.schema.additionalProperties", ValidationReport.Level.IGNORE)
                            .build())
                    .build();
        }
        return servedDocumentValidator;
    }

    private static boolean isContractPath(String path) {
        return path.equals("/flow") || path.matches("/flow/[^/]+") || path.matches("/flow/[^/]+/result")
                || path.matches("/journal/session/[^/]+") || path.equals("/liveness2/session")
                || path.equals("/resources/file");
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** A multipart/form-data body built by hand. */
    static final class Multipart {
        private final String boundary = "idflow-test-boundary-7MA4YWxkTrZu0gW";
        private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

        Multipart field(String name, String value) {
            write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n");
            return this;
        }

        Multipart file(String name, String fileName, String contentType, byte[] content) {
            write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + fileName
                    + "\"\r\nContent-Type: " + contentType + "\r\n\r\n");
            out.writeBytes(content);
            write("\r\n");
            return this;
        }

        byte[] bytes() {
            java.io.ByteArrayOutputStream copy = new java.io.ByteArrayOutputStream();
            copy.writeBytes(out.toByteArray());
            copy.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
            return copy.toByteArray();
        }

        String contentType() {
            return "multipart/form-data; boundary=" + boundary;
        }

        private void write(String s) {
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        }
    }
}
