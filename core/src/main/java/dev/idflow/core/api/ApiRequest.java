package dev.idflow.core.api;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * An HTTP request as the API sees it, independent of any server. The servlet adapter implements it
 * over {@code HttpServletRequest}; tests implement it directly.
 */
public interface ApiRequest {

    /** GET, POST, … */
    String method();

    /** The path relative to where the API is mounted, as sent (not decoded), e.g. {@code /flow/01K…-F}. */
    String rawPath();

    /** The query string as sent, without the '?', or null. */
    String rawQuery();

    /** The first value of a header (case-insensitive name), or null. */
    String header(String name);

    /** The request body. */
    InputStream body() throws IOException;

    /** The parts of a multipart/form-data body; empty for any other body. */
    List<UploadPart> parts() throws IOException;

    /**
     * The client's address (an IP address), for rate limits and the lockout after failed
     * authentications; null when unknown (no limit per address then). Behind a reverse proxy it must
     * be the client's, not the proxy's: the host configures that in its container (Jetty's
     * {@code ForwardedRequestCustomizer}, Tomcat's {@code RemoteIpValve}), trusting only its own proxies.
     */
    default String clientAddress() {
        return null;
    }
}
