package dev.idflow.servlet;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which other sites' pages may call idflow from a browser (CORS): a bank's own page, on its own
 * origin, that runs a liveness session with the web SDK. CORS covers only what such a page calls —
 * {@code GET /liveness2/client/session}, {@code POST /liveness2/client/attempts} and the SDK's files
 * under {@code /sdk/} — never the consumer API (its API key belongs on the bank's backend, not in a
 * browser) and never the hosted page (it calls itself, on idflow's origin).
 *
 * @param allowedOrigins the origins whose pages may call, each {@code scheme://host[:port]} exactly as
 *                       a browser sends it in {@code Origin}: e.g. {@code https://portal.bank.example},
 *                       {@code http://localhost:3000}. No path, no wildcard: each origin is named.
 *                       Empty: no cross-origin page may call ({@link #none()}).
 */
public record CorsOptions(List<String> allowedOrigins) {
    /**
     * An origin: a URI scheme, {@code ://}, a host (DNS name, IPv4 address, or an IPv6 address in
     * brackets), an optional port. Lower case already (see {@link #checked}).
     */
    private static final Pattern ORIGIN = Pattern.compile(
            "([a-z][a-z0-9+.-]*)://([a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|\\[[0-9a-f:.]+])"
                    + "(:([0-9]{1,5}))?");
    /** Anything after the host: what a page's URL has and its origin has not. */
    private static final Pattern WITH_PATH = Pattern.compile("[a-z][a-z0-9+.-]*://[^/?#]+[/?#].*");
    private static final String RULE = "scheme://host[:port] with no path and no wildcard, "
            + "e.g. https://portal.bank.example or http://localhost:3000";

    public CorsOptions {
        Objects.requireNonNull(allowedOrigins, "allowedOrigins");
        allowedOrigins = allowedOrigins.stream().map(CorsOptions::checked).distinct().toList();
    }

    /** No cross-origin page may call (the default). */
    public static CorsOptions none() {
        return new CorsOptions(List.of());
    }

    /**
     * Pages on these origins may call; each is checked.
     *
     * @throws IllegalArgumentException naming an origin that is not {@code scheme://host[:port]}
     */
    public static CorsOptions allow(String... origins) {
        return new CorsOptions(List.of(origins));
    }

    /**
     * Whether a page on {@code origin} (a request's {@code Origin} header, as sent) may call. A browser
     * sends the origin serialized (lower case, no default port), so it is compared as it is, ignoring
     * only the case of its letters; {@code null} and {@code "null"} (a sandboxed frame, a file) never match.
     */
    public boolean allows(String origin) {
        return origin != null && allowedOrigins.contains(origin.toLowerCase(Locale.ROOT));
    }

    /**
     * The origin in the form a browser sends it: lower case, no trailing slash, no default port
     * ({@code https://bank.example:443} is sent as {@code https://bank.example}, so it is kept so).
     */
    private static String checked(String origin) {
        Objects.requireNonNull(origin, "a CORS origin");
        String o = origin.trim().toLowerCase(Locale.ROOT);
        if (o.endsWith("/") && !o.endsWith("//")) {
            o = o.substring(0, o.length() - 1); // copied from an address bar: the root path is no path
        }
        if (o.contains("*")) {
            throw new IllegalArgumentException("CORS origin \"" + origin + "\" has a wildcard: name each origin ("
                    + RULE + ")");
        }
        Matcher m = ORIGIN.matcher(o);
        if (!m.matches()) {
            throw new IllegalArgumentException("CORS origin \"" + origin + "\" is not an origin"
                    + (WITH_PATH.matcher(o).matches() ? " (it has a path, query or fragment)" : "")
                    + ": " + RULE);
        }
        String port = m.group(7);
        if (port != null) {
            int p = Integer.parseInt(port);
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("CORS origin \"" + origin + "\" has port " + port
                        + ", not within 1–65535: " + RULE);
            }
            String scheme = m.group(1);
            if ((scheme.equals("https") && p == 443) || (scheme.equals("http") && p == 80)) {
                return o.substring(0, o.length() - port.length() - 1);
            }
            return o.substring(0, o.length() - port.length()) + p; // :08080 is sent as :8080
        }
        return o;
    }
}
