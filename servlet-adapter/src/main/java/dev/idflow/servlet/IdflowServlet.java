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
 * <p>Mount it under any path, {@code /*} or {@code /kyc/*}; {@link #mount} does it with the multipart
 * settings uploads need. When registering it yourself, give the registration
 * {@link #multipartConfig(long)}, or uploads are refused.
 */
public class IdflowServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(IdflowServlet.class);

    private final transient ApiDispatcher api;

    public IdflowServlet(Idflow idflow) {
        this.api = Objects.requireNonNull(idflow, "idflow").api();
    }

    /**
     * Registers a servlet for {@code idflow} in {@code context} at {@code urlPattern} (e.g. {@code /kyc/*}),
     * with uploads up to {@code maxUploadBytes} spooled to disk above 1 MiB.
     */
    public static ServletRegistration.Dynamic mount(ServletContext context, String name, String urlPattern,
                                                    Idflow idflow, long maxUploadBytes) {
        ServletRegistration.Dynamic registration = context.addServlet(name, new IdflowServlet(idflow));
        registration.addMapping(urlPattern);
        registration.setMultipartConfig(multipartConfig(maxUploadBytes));
        registration.setAsyncSupported(false);
        return registration;
    }

    /** Parts above 1 MiB go to the container's temp directory, never held whole in memory. */
    public static MultipartConfigElement multipartConfig(long maxUploadBytes) {
        return new MultipartConfigElement(null, maxUploadBytes, maxUploadBytes + (1 << 20), 1 << 20);
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        ApiResponse answer = api.handle(new ServletApiRequest(request));
        response.setStatus(answer.status());
        for (Map.Entry<String, String> header : answer.headers().entrySet()) {
            response.setHeader(header.getKey(), header.getValue());
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
        try (OutputStream out = response.getOutputStream()) {
            answer.writeBody(out);
        } catch (IOException e) {
            // the client went away mid-download; nothing to answer to
            LOG.debug("response not completed: {}", e.toString());
        }
    }
}
