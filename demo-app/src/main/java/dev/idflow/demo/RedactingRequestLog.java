package dev.idflow.demo;

import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per request: method, path, status, time. The query string is left out (it can hold a
 * person_id) and vlink tokens in paths are masked: a vlink is a bearer credential.
 *
 * <p>It runs on every request, so it does nothing when the logger is off, hands the line to {@link AsyncLog}
 * (never waiting on the logger's lock), and builds the line in one
 * pass: the mask is a scan for {@code /hf/}, not a regex (it masks what
 * {@link dev.idflow.core.api.ApiDispatcher#redact} masks).
 */
final class RedactingRequestLog implements RequestLog {
    private static final Logger LOG = LoggerFactory.getLogger("idflow.request");
    private static final String HF = "/hf/";

    @Override
    public void log(Request request, Response response) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - request.getHeadersNanoTime());
        AsyncLog.info(LOG, line(request.getMethod(), request.getHttpURI().getPath(), response.getStatus(),
                Response.getContentBytesWritten(response), ms));
    }

    static String line(String method, String path, int status, long bytes, long ms) {
        StringBuilder line = new StringBuilder(64 + (path == null ? 4 : path.length()));
        line.append(method).append(' ');
        appendRedacted(line, path);
        return line.append(' ').append(status).append(' ').append(bytes).append("B ").append(ms).append("ms").toString();
    }

    /** {@code path} with every {@code /hf/<token>} as {@code /hf/***}: a token ends at the next / or ?. */
    static void appendRedacted(StringBuilder out, String path) {
        if (path == null) {
            out.append("null");
            return;
        }
        int from = 0;
        int at = path.indexOf(HF);
        while (at >= 0) {
            int start = at + HF.length();
            int end = start;
            while (end < path.length() && path.charAt(end) != '/' && path.charAt(end) != '?') {
                end++;
            }
            if (end == start) {
                // "/hf/" with no token: keep its first character and look again from the next
                out.append(path, from, at + 1);
                from = at + 1;
            } else {
                out.append(path, from, at).append("/hf/***");
                from = end;
            }
            at = path.indexOf(HF, from);
        }
        out.append(path, from, path.length());
    }
}
