package dev.idflow.servlet;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How the hosted verification page ({@code GET /hf/{vlink_id}}) may be embedded.
 *
 * @param frameAncestors the origins allowed to show the page in an iframe or webview — the bank's
 *                       portals, e.g. {@code https://portal.bank.example} or {@code https://*.bank.example};
 *                       {@code 'self'} for the page's own origin. Empty: no one may frame it
 *                       ({@code frame-ancestors 'none'}).
 */
public record HostedPageOptions(List<String> frameAncestors) {
    /** An origin as CSP writes one: scheme, host (optionally {@code *.} first), optional port; nothing else. */
    private static final Pattern SOURCE = Pattern.compile(
            "https?://(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?");

    public HostedPageOptions {
        Objects.requireNonNull(frameAncestors, "frameAncestors");
        frameAncestors = frameAncestors.stream().map(HostedPageOptions::checked).distinct().toList();
    }

    /** No framing allowed. */
    public static HostedPageOptions defaults() {
        return new HostedPageOptions(List.of());
    }

    /** The page may be framed by these origins (the bank's portals). */
    public static HostedPageOptions frameAncestors(String... origins) {
        return new HostedPageOptions(List.of(origins));
    }

    /** The value of the CSP {@code frame-ancestors} directive. */
    String frameAncestorsDirective() {
        return frameAncestors.isEmpty() ? "'none'" : String.join(" ", frameAncestors);
    }

    private static String checked(String origin) {
        Objects.requireNonNull(origin, "a frame ancestor");
        String o = origin.trim();
        if (o.endsWith("/")) {
            o = o.substring(0, o.length() - 1);
        }
        String lower = o.toLowerCase(Locale.ROOT);
        if (lower.equals("'self'") || lower.equals("self")) {
            return "'self'";
        }
        if (!SOURCE.matcher(lower).matches()) {
            throw new IllegalArgumentException("frame ancestor \"" + origin + "\" is not an origin such as "
                    + "https://portal.bank.example, https://*.bank.example or 'self'");
        }
        return lower;
    }
}
