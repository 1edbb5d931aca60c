package dev.idflow.core.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Where webhooks may go (the SSRF guard). A target's host is resolved and every address it resolves to
 * must be public, unless the host application allows loopback or private networks; multicast, unspecified
 * and cloud metadata addresses are never allowed. Checked when an endpoint is registered and again before
 * every attempt (DNS may have changed); redirects are never followed (the sender's client does not).
 *
 * <p>Plain {@code http} is allowed only when every address is a loopback one and loopback is allowed, or
 * when the host allows http outright; otherwise {@code https}.
 */
public final class WebhookTargets {

    /** What the host application allows besides public https targets. */
    public record Policy(boolean allowLoopback, boolean allowPrivate, boolean allowHttp) {
        public static final Policy STRICT = new Policy(false, false, false);
    }

    /** A target refused; the message names the field ({@code url}) and the rule. */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message);
        }
    }

    private final Policy policy;
    private final dev.idflow.core.Webhooks.Resolver resolver;

    public WebhookTargets(Policy policy, dev.idflow.core.Webhooks.Resolver resolver) {
        this.policy = policy;
        this.resolver = resolver;
    }

    public Policy policy() {
        return policy;
    }

    /** The URL's form: absolute http(s), a host, no user info, no fragment, at most 2048 characters. */
    public static URI parse(String url) throws Refused {
        if (url == null || url.isBlank()) {
            throw new Refused("url: is required");
        }
        if (url.length() > 2048) {
            throw new Refused("url: must be at most 2048 characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new Refused("url: must be an absolute http or https URL (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || !(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null) {
            throw new Refused("url: must be an absolute http or https URL with a host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new Refused("url: must not carry user info (credentials belong in the signing secret)");
        }
        if (uri.getRawFragment() != null) {
            throw new Refused("url: must not have a fragment");
        }
        return uri;
    }

    /**
     * Checks the URL and what its host resolves to now.
     *
     * @throws Refused naming {@code url} and the rule broken
     */
    public URI check(String url) throws Refused {
        URI uri = parse(url);
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            throw new Refused("url: host " + host + " does not resolve");
        }
        if (addresses == null || addresses.length == 0) {
            throw new Refused("url: host " + host + " does not resolve");
        }
        boolean allLoopback = true;
        for (InetAddress address : addresses) {
            String kind = kind(address);
            if (kind == null) {
                allLoopback = false;
                continue;
            }
            switch (kind) {
                case "loopback" -> {
                    if (!policy.allowLoopback()) {
                        throw new Refused("url: host " + host + " resolves to the loopback address "
                                + address.getHostAddress() + ", and this host does not allow loopback webhook targets");
                    }
                }
                case "private", "link-local" -> {
                    allLoopback = false;
                    if (!policy.allowPrivate()) {
                        throw new Refused("url: host " + host + " resolves to the " + kind + " address "
                                + address.getHostAddress() + ", and this host does not allow private-network webhook targets");
                    }
                }
                default -> throw new Refused("url: host " + host + " resolves to the " + kind + " address "
                        + address.getHostAddress() + ", which is never a webhook target");
            }
        }
        boolean https = uri.getScheme().equalsIgnoreCase("https");
        if (!https && !policy.allowHttp() && !(allLoopback && policy.allowLoopback())) {
            throw new Refused("url: must use https (plain http only to a loopback address when the host allows "
                    + "loopback, or when the host allows http)");
        }
        return uri;
    }

    /**
     * What kind of address this is when it is not a public unicast one: "loopback", "private" (RFC 1918,
     * 100.64/10, fc00::/7), "link-local" (169.254/16, fe80::/10), "multicast", "unspecified", "metadata"
     * (169.254.169.254, 100.100.100.200, fd00:ec2::254); null for a public address. IPv4 addresses
     * embedded in IPv6 ones (mapped, compatible, NAT64 64:ff9b::/96) are judged as the IPv4 address.
     */
    public static String kind(InetAddress address) {
        byte[] b = address.getAddress();
        if (address instanceof Inet6Address) {
            byte[] v4 = embeddedV4(b);
            if (v4 != null) {
                try {
                    return kind(InetAddress.getByAddress(v4));
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
            if (address.isAnyLocalAddress()) {
                return "unspecified";
            }
            if (address.isLoopbackAddress()) {
                return "loopback";
            }
            if (address.isMulticastAddress()) {
                return "multicast";
            }
            if ((b[0] & 0xff) == 0xfd && (b[1] & 0xff) == 0x00 && (b[2] & 0xff) == 0x0e && (b[3] & 0xff) == 0xc2
                    && isZero(b, 4, 14) && (b[14] & 0xff) == 0x02 && (b[15] & 0xff) == 0x54) {
                return "metadata";
            }
            if (address.isLinkLocalAddress() || address.isSiteLocalAddress()) { // fe80::/10, fec0::/10
                return "link-local";
            }
            if ((b[0] & 0xfe) == 0xfc) { // fc00::/7
                return "private";
            }
            return null;
        }
        if (address instanceof Inet4Address) {
            int a0 = b[0] & 0xff;
            int a1 = b[1] & 0xff;
            if (a0 == 0) {
                return "unspecified";
            }
            if (a0 == 127) {
                return "loopback";
            }
            if (a0 >= 224) { // multicast 224/4 and reserved 240/4, broadcast
                return "multicast";
            }
            if (a0 == 169 && a1 == 254) {
                return (b[2] & 0xff) == 169 && (b[3] & 0xff) == 254 ? "metadata" : "link-local";
            }
            if (a0 == 100 && a1 == 100 && (b[2] & 0xff) == 100 && (b[3] & 0xff) == 200) {
                return "metadata";
            }
            if (a0 == 10 || (a0 == 172 && a1 >= 16 && a1 <= 31) || (a0 == 192 && a1 == 168)
                    || (a0 == 100 && a1 >= 64 && a1 <= 127)) {
                return "private";
            }
            return null;
        }
        return "unspecified";
    }

    private static byte[] embeddedV4(byte[] b) {
        boolean mapped = isZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
        boolean compatible = isZero(b, 0, 12) && !(isZero(b, 12, 15) && (b[15] == 0 || b[15] == 1));
        boolean nat64 = (b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b
                && isZero(b, 4, 12);
        if (mapped || compatible || nat64) {
            return new byte[] {b[12], b[13], b[14], b[15]};
        }
        return null;
    }

    private static boolean isZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
