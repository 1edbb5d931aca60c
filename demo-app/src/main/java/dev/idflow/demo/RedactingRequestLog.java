package dev.idflow.demo;

import dev.idflow.core.api.ApiDispatcher;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per request: method, path, status, time. The query string is left out (it can hold a
 * person_id) and vlink tokens in paths are masked: a vlink is a bearer credential.
 */
final class RedactingRequestLog implements RequestLog {
    private static final Logger LOG = LoggerFactory.getLogger("idflow.request");

    @Override
    public void log(Request request, Response response) {
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - request.getHeadersNanoTime());
        LOG.info("{} {} {} {}B {}ms", request.getMethod(), ApiDispatcher.redact(request.getHttpURI().getPath()),
                response.getStatus(), Response.getContentBytesWritten(response), ms);
    }
}
