package dev.idflow.servlet;

import dev.idflow.core.api.ApiException;
import dev.idflow.core.api.ApiRequest;
import dev.idflow.core.api.UploadPart;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.Part;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** An {@link ApiRequest} over a servlet request; parts are parsed only when an operation asks for them. */
final class ServletApiRequest implements ApiRequest {
    private final HttpServletRequest request;
    private boolean unreadableBody;

    ServletApiRequest(HttpServletRequest request) {
        this.request = request;
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    /**
     * The request URI as sent, less the context path and the servlet's mount path: what a live key's
     * signature covers. The servlet path is decoded by the container while the URI is not, so when
     * the two prefixes do not line up (an encoded mount path) the decoded path info is the fallback.
     */
    @Override
    public String rawPath() {
        String uri = request.getRequestURI();
        String prefix = request.getContextPath() + request.getServletPath();
        if (uri.startsWith(prefix)) {
            String rest = uri.substring(prefix.length());
            return rest.isEmpty() ? "/" : rest;
        }
        String info = request.getPathInfo();
        return info == null ? "/" : info;
    }

    @Override
    public String rawQuery() {
        return request.getQueryString();
    }

    @Override
    public String header(String name) {
        return request.getHeader(name);
    }

    /**
     * The body as the container reads it. A container signals some read failures unchecked (Jetty's
     * BadMessageException when a client sends below the minimum data rate): they become the
     * IOException of a body that could not be read, answered 422 like any unreadable body, not a 500.
     */
    @Override
    public InputStream body() throws IOException {
        InputStream in = request.getInputStream();
        return new java.io.FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                try {
                    return super.read();
                } catch (RuntimeException e) {
                    throw unreadable(e);
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return super.read(b, off, len);
                } catch (RuntimeException e) {
                    throw unreadable(e);
                }
            }
        };
    }

    private IOException unreadable(RuntimeException e) {
        unreadableBody = true;
        return new IOException("the container could not read the body: " + e.getMessage(), e);
    }

    @Override
    public List<UploadPart> parts() throws IOException {
        String type = request.getContentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            return List.of();
        }
        List<UploadPart> out = new ArrayList<>();
        try {
            for (Part part : request.getParts()) {
                out.add(new ServletUploadPart(part));
            }
        } catch (ServletException | RuntimeException e) {
            // Jetty and Tomcat signal a part over the size limit, a malformed body, or a servlet
            // registered without multipart settings this way (IllegalStateException), and a body sent
            // below the minimum data rate unchecked too (Jetty's BadMessageException); none of it is
            // the client's to see
            unreadableBody = true;
            throw ApiException.invalid("body: must be valid multipart/form-data within the upload size limit");
        }
        return out;
    }

    /**
     * True when the container gave up reading the body (a malformed or oversized multipart body): it
     * then cannot find where the next request on this connection starts, and closes it after answering.
     */
    boolean unreadableBody() {
        return unreadableBody;
    }

    /** The container's view of the client: behind a proxy, configure the container to take it from X-Forwarded-For. */
    @Override
    public String clientAddress() {
        return request.getRemoteAddr();
    }

    private record ServletUploadPart(Part part) implements UploadPart {
        @Override
        public String name() {
            return part.getName();
        }

        @Override
        public String fileName() {
            return part.getSubmittedFileName();
        }

        @Override
        public String contentType() {
            return part.getContentType();
        }

        @Override
        public long size() {
            return part.getSize();
        }

        @Override
        public InputStream open() throws IOException {
            return part.getInputStream();
        }
    }
}
