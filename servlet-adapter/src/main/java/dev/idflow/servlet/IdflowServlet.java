package dev.idflow.servlet;

import dev.idflow.core.Idflow;
import dev.idflow.core.api.ApiDispatcher;
import dev.idflow.core.api.ApiResponse;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The idflow API as one servlet. It only translates: HTTP request → {@link dev.idflow.core.api.ApiRequest},
 * {@link ApiResponse} → HTTP response; every decision is idflow-core's. Holds no static state, so
 * several instances (several consumers' setups, several mount paths) live in one JVM.
 *
 * <p>It also serves the hosted verification page ({@code GET /hf/{vlink_id}}, its assets and the
 * template's css; see {@link HostedPage}); give {@link HostedPageOptions} to let the bank's portals frame it.
 * When {@link ConsoleOptions} enable it, the operator console: its API ({@code /console/api/*}, see
 * {@link ConsoleHttp}) and its page ({@code /console/}, see {@link ConsolePage}).
 * And the web SDK a bank imports into its own page ({@code GET /sdk/idflow-liveness.js}; see {@link SdkAssets}).
 *
 * <p>A bank's own page on another origin may run a liveness session with the web SDK once its origin
 * is allowed by {@link CorsOptions} (see {@link Cors} for what CORS covers); by default none is.
 *
 * <p>Mount it under any path, {@code /*} or {@code /kyc/*}; {@link #mount} does it with the multipart
 * settings uploads need. When registering it yourself, give the registration
 * {@link #multipartConfig(long)}, or uploads are refused.
 */
public class IdflowServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(IdflowServlet.class);

    private final transient ApiDispatcher api;
    private final transient HostedPage hostedPage;
    private final transient SdkAssets sdk = new SdkAssets();
    private final transient Cors cors;
    private final transient ConsoleHttp console;
    private final transient ConsolePage consolePage;

    /** The API and the hosted page; the page may not be framed by any site, no other origin may call. */
    public IdflowServlet(Idflow idflow) {
        this(idflow, HostedPageOptions.defaults());
    }

    /** The API and the hosted page, framed only by {@code hostedPage}'s frame ancestors (the bank's portals). */
    public IdflowServlet(Idflow idflow, HostedPageOptions hostedPage) {
        this(idflow, hostedPage, CorsOptions.none());
    }

    /**
     * As {@link #IdflowServlet(Idflow, HostedPageOptions)}, and pages on {@code cors}'s origins may run a
     * liveness session from the browser (the web SDK): e.g. {@code CorsOptions.allow("https://portal.bank.example")}.
     */
    public IdflowServlet(Idflow idflow, HostedPageOptions hostedPage, CorsOptions cors) {
        this(idflow, hostedPage, cors, ConsoleOptions.disabled());
    }

    /**
     * As {@link #IdflowServlet(Idflow, HostedPageOptions, CorsOptions)}, and the operator console's API at
     * {@code /console/api/*} when {@code console} enables it (see docs/CONSOLE-API.md): e.g.
     * {@code ConsoleOptions.containerRole(name -> Operator.of(name, Set.of("bank-1")))}.
     */
    public IdflowServlet(Idflow idflow, HostedPageOptions hostedPage, CorsOptions cors, ConsoleOptions console) {
        this.api = Objects.requireNonNull(idflow, "idflow").api();
        this.hostedPage = new HostedPage(idflow, Objects.requireNonNull(hostedPage, "hostedPage"));
        this.cors = new Cors(Objects.requireNonNull(cors, "cors"));
        this.console = new ConsoleHttp(idflow.console(), Objects.requireNonNull(console, "console"));
        this.consolePage = new ConsolePage(console);
    }

    /**
     * Registers a servlet for {@code idflow} in {@code context} at {@code urlPattern} (e.g. {@code /kyc/*}),
     * with uploads up to {@code maxUploadBytes} spooled to disk above 1 MiB.
     */
    public static ServletRegistration.Dynamic mount(ServletContext context, String name, String urlPattern,
                                                    Idflow idflow, long maxUploadBytes) {
        return mount(context, name, urlPattern, idflow, maxUploadBytes, HostedPageOptions.defaults());
    }

    /**
     * As {@link #mount(ServletContext, String, String, Idflow, long)}, with the hosted page's options:
     * e.g. {@code HostedPageOptions.frameAncestors("https://portal.bank.example")} to show the vlink in
     * the bank's portal.
     */
    public static ServletRegistration.Dynamic mount(ServletContext context, String name, String urlPattern,
                                                    Idflow idflow, long maxUploadBytes, HostedPageOptions hostedPage) {
        return mount(context, name, urlPattern, idflow, maxUploadBytes, hostedPage, CorsOptions.none());
    }

    /**
     * As {@link #mount(ServletContext, String, String, Idflow, long, HostedPageOptions)}, with the origins
     * whose pages may call the liveness client API and load the web SDK: e.g.
     * {@code CorsOptions.allow("https://portal.bank.example")}.
     */
    public static ServletRegistration.Dynamic mount(ServletContext context, String name, String urlPattern,
                                                    Idflow idflow, long maxUploadBytes, HostedPageOptions hostedPage,
                                                    CorsOptions cors) {
        return mount(context, name, urlPattern, idflow, maxUploadBytes, hostedPage, cors, ConsoleOptions.disabled());
    }

    /** As the other {@code mount}s, with the operator console's API when {@code console} enables it. */
    public static ServletRegistration.Dynamic mount(ServletContext context, String name, String urlPattern,
                                                    Idflow idflow, long maxUploadBytes, HostedPageOptions hostedPage,
                                                    CorsOptions cors, ConsoleOptions console) {
        ServletRegistration.Dynamic registration = context.addServlet(name,
                new IdflowServlet(idflow, hostedPage, cors, console));
        registration.addMapping(urlPattern);
        registration.setMultipartConfig(multipartConfig(maxUploadBytes));
        registration.setAsyncSupported(false);
        return registration;
    }

    /** Parts above 1 MiB go to the container's temp directory, never held whole in memory. */
    public static MultipartConfigElement multipartConfig(long maxUploadBytes) {
        return new MultipartConfigElement(null, maxUploadBytes, maxUploadBytes + (1 << 20), 1 << 20);
    }

    /**
     * Nothing escapes: whatever is thrown (an Error too, and while a streamed body is written) is
     * answered as the JSON 500 with a reference when the response is not yet committed, and only
     * logged, with the path's vlink masked, when it is. An exception leaving a servlet would reach
     * the container, which logs the whole request URI (a vlink is a bearer token) and answers its own
     * HTML page naming the exception's class.
     */
    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        ServletApiRequest apiRequest = new ServletApiRequest(request);
        try {
            serve(request, response, apiRequest);
        } catch (Throwable e) {
            if (response.isCommitted()) {
                // the status and part of the body are out: the client sees a cut-off answer
                LOG.warn("response to {} {} failed after it was committed: {}", request.getMethod(),
                        ApiDispatcher.redact(apiRequest.rawPath()), e.toString());
                return;
            }
            response.reset();
            ApiResponse failure = ApiDispatcher.internalError(apiRequest, e);
            failure.header("Cache-Control", "no-store").header("X-Content-Type-Options", "nosniff");
            // reset() dropped them: a page on an allowed origin must be able to read the 500 too
            cors.answerHeaders(apiRequest).forEach(failure::header);
            write(request, response, apiRequest, failure);
        }
    }

    private void serve(HttpServletRequest request, HttpServletResponse response, ServletApiRequest apiRequest)
            throws IOException {
        // a preflight is answered here: the dispatcher knows no OPTIONS and would answer 405
        ApiResponse preflight = cors.preflight(apiRequest);
        if (preflight != null) {
            write(request, response, apiRequest, preflight);
            return;
        }
        // set before anything is answered, so that whatever answers (the API, a file) carries them
        cors.answerHeaders(apiRequest).forEach(response::setHeader);
        // the operator console's API, when the host enabled it: its own access rules (the host's operators)
        if (console.handles(apiRequest.rawPath())) {
            console.serve(request, response, apiRequest.rawPath());
            return;
        }
        // and its page (/console/, its assets), with the same access
        if (consolePage.handle(request, response, apiRequest.rawPath())) {
            return;
        }
        // the hosted page's HTML, assets and custom css; its API (/hf/{vlink}/api/...) is idflow-core's
        if (hostedPage.handle(request, response, apiRequest.rawPath())) {
            return;
        }
        // the web SDK (/sdk/idflow-liveness.js and the files beside it), for the bank's own pages
        if (sdk.handle(request, response, apiRequest.rawPath())) {
            return;
        }
        write(request, response, apiRequest, api.handle(apiRequest));
    }

    private static void write(HttpServletRequest request, HttpServletResponse response, ServletApiRequest apiRequest,
                              ApiResponse answer) throws IOException {
        response.setStatus(answer.status());
        for (Map.Entry<String, String> header : answer.headers().entrySet()) {
            response.setHeader(header.getKey(), header.getValue());
        }
        if (apiRequest.unreadableBody()) {
            // the container drops this connection once the answer is out; a client that pools
            // connections must be told, or it sends its next request into a closed socket
            response.setHeader("Connection", "close");
        }
        if (answer.contentType() != null) {
            response.setContentType(answer.contentType());
        }
        if (answer.contentLength() >= 0) {
            response.setContentLengthLong(answer.contentLength());
        }
        if ("HEAD".equals(request.getMethod())) {
            return;
        }
        // closed only after a complete body: closing after a failure would send the part written so far as the answer
        OutputStream out = response.getOutputStream();
        try {
            answer.writeBody(out);
        } catch (IOException e) {
            if (!response.isCommitted()) {
                throw e; // nothing sent yet: a store that failed to read, answered as the JSON 500
            }
            // the client went away mid-download; nothing to answer to
            LOG.debug("response not completed: {}", e.toString());
            return;
        }
        out.close();
    }
}
