package dev.idflow.servlet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.idflow.core.Idflow;
import dev.idflow.core.testing.SettableClock;
import dev.idflow.storage.memory.InMemoryStorage;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.Part;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The hosted page's own resources, served by the real {@link HostedPage}, in front of a client API
 * that answers what the test tells it: a state per vlink token, and for each POST (start, submit,
 * resend, files, a liveness attempt) the next reply a test queued, else the state as it stands.
 * Everything the page sends is recorded. A liveness attempt's bearer token is the flow's vlink token.
 */
final class CannedClientApi implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern API = Pattern.compile("/hf/([^/]+)/api/(.+)");
    private static final Pattern PAGE_IMAGE = Pattern.compile("steps/[^/]+/documents/(\\d+)/pages/(\\d+)");
    private static final byte[] PAGE_PNG = pagePng();

    /** A part of a multipart request as it arrived. */
    record Sent(String name, String filename, String contentType, byte[] bytes) {
    }

    /** A request the page made. */
    record Seen(String method, String path, String contentType, String authorization, byte[] body, List<Sent> parts) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + new String(body, StandardCharsets.UTF_8), e);
            }
        }
    }

    /** What a POST is answered: status, JSON body, headers, and the state from then on (null: unchanged). */
    record Reply(int status, JsonNode body, Map<String, String> headers, JsonNode thenState) {
        /** The flow moves to {@code state}, and the answer is that state. */
        static Reply moveTo(JsonNode state) {
            return new Reply(200, state, Map.of(), state);
        }

        /** A 422 as SCREENS.md describes it; the state becomes {@code thenState} when not null. */
        static Reply invalid(String field, String rule, String message, JsonNode thenState) {
            var body = JSON.createObjectNode().put("error_code", "INVALID_PAYLOAD").put("error_msg", message);
            if (field != null) {
                body.put("field", field);
            }
            body.put("rule", rule);
            return new Reply(422, body, Map.of(), thenState);
        }

        static Reply tooSoon(int seconds) {
            return new Reply(429, JSON.createObjectNode().put("error_code", "TOO_MANY_REQUESTS")
                    .put("error_msg", "resend: wait " + seconds + " s"), Map.of("Retry-After", Integer.toString(seconds)), null);
        }
    }

    /** One vlink: its state, the replies queued for its POSTs, and what the page sent. */
    static final class Flow {
        volatile JsonNode state;
        final Deque<Reply> replies = new ConcurrentLinkedDeque<>();
        final List<Seen> seen = new CopyOnWriteArrayList<>();
        /** Pages ("n/p") whose image answers 404. */
        final Set<String> missingPages = ConcurrentHashMap.newKeySet();

        Flow then(Reply reply) {
            replies.add(reply);
            return this;
        }

        List<Seen> posts(String pathEnd) {
            return seen.stream().filter(s -> s.method().equals("POST") && s.path().endsWith(pathEnd)).toList();
        }

        List<Seen> posts() {
            return seen.stream().filter(s -> s.method().equals("POST")).toList();
        }

        long stateReads() {
            return seen.stream().filter(s -> s.method().equals("GET") && s.path().endsWith("/api/state")).count();
        }
    }

    private final Map<String, Flow> flows = new ConcurrentHashMap<>();
    private final HostedPage page;
    private final Server jetty;
    final String origin;

    CannedClientApi() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        origin = "http://127.0.0.1:" + port;
        // an idflow with nothing in it: the real page renders for any token (api/state says the rest)
        Idflow idflow = Idflow.builder()
                .storage(new InMemoryStorage())
                .clock(SettableClock.startingNow())
                .publicBaseUrl(origin + "/kyc")
                .secretKey(new byte[32])
                .clientRateLimit(1_000_000, 1_000_000)
                .clientAddressRateLimit(1_000_000, 1_000_000)
                .build();
        page = new HostedPage(idflow, HostedPageOptions.defaults());
        jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        ServletHolder holder = new ServletHolder(new Canned());
        holder.getRegistration().setMultipartConfig(new MultipartConfigElement(null, 8 << 20, 16 << 20, 1 << 20));
        context.addServlet(holder, "/kyc/*");
        jetty.setHandler(context);
        jetty.start();
    }

    /** The flow behind {@code token}, now in {@code state}, with nothing queued or seen yet. */
    Flow flow(String token, JsonNode state) {
        Flow flow = new Flow();
        flow.state = state;
        flows.put(token, flow);
        return flow;
    }

    String pageUrl(String token) {
        return origin + "/kyc/hf/" + token;
    }

    @Override
    public void close() throws Exception {
        jetty.stop();
    }

    private final class Canned extends HttpServlet {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
            String path = req.getRequestURI().substring(req.getContextPath().length() + req.getServletPath().length());
            if (page.handle(req, resp, path)) {
                return;
            }
            String authorization = req.getHeader("Authorization");
            Flow flow;
            String call;
            Matcher m = API.matcher(path);
            if (m.matches()) {
                flow = flows.get(m.group(1));
                call = m.group(2);
            } else if (path.startsWith("/liveness2/client/") && authorization != null && authorization.startsWith("Bearer ")) {
                flow = flows.get(authorization.substring("Bearer ".length()));
                call = path.substring("/liveness2/client/".length());
            } else {
                write(resp, 404, JSON.createObjectNode().put("error_code", "NOT_FOUND"), Map.of());
                return;
            }
            if (flow == null) {
                write(resp, 404, JSON.createObjectNode().put("error_code", "LINK_NOT_FOUND"), Map.of());
                return;
            }
            flow.seen.add(seen(req, path, authorization));
            if (req.getMethod().equals("GET")) {
                Matcher image = PAGE_IMAGE.matcher(call);
                if (image.matches()) {
                    if (flow.missingPages.contains(image.group(1) + "/" + image.group(2))) {
                        write(resp, 404, JSON.createObjectNode().put("error_code", "NOT_FOUND"), Map.of());
                    } else {
                        resp.setContentType("image/png");
                        resp.getOutputStream().write(PAGE_PNG);
                    }
                    return;
                }
                write(resp, 200, flow.state, Map.of());
                return;
            }
            Reply reply = flow.replies.poll();
            if (reply == null) {
                write(resp, 200, flow.state, Map.of());
                return;
            }
            if (reply.thenState() != null) {
                flow.state = reply.thenState();
            }
            write(resp, reply.status(), reply.body(), reply.headers());
        }

        private Seen seen(HttpServletRequest req, String path, String authorization) throws IOException, ServletException {
            String type = req.getContentType();
            List<Sent> parts = new ArrayList<>();
            byte[] body = new byte[0];
            if (type != null && type.startsWith("multipart/form-data")) {
                for (Part p : req.getParts()) {
                    parts.add(new Sent(p.getName(), p.getSubmittedFileName(), p.getContentType(), p.getInputStream().readAllBytes()));
                }
            } else {
                body = req.getInputStream().readAllBytes();
            }
            return new Seen(req.getMethod(), path, type, authorization, body, List.copyOf(parts));
        }

        private static void write(HttpServletResponse resp, int status, JsonNode body, Map<String, String> headers)
                throws IOException {
            resp.setStatus(status);
            resp.setHeader("Cache-Control", "no-store");
            headers.forEach(resp::setHeader);
            resp.setContentType("application/json");
            resp.getOutputStream().write(JSON.writeValueAsBytes(body));
        }
    }

    /** A page of a document, as a server renders one: white, a title bar, lines of "text". */
    private static byte[] pagePng() {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(298, 421, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 298, 421);
        g.setColor(new Color(0x1d4ed8));
        g.fillRect(24, 28, 160, 14);
        g.setColor(new Color(0x9ca3af));
        for (int y = 64; y < 390; y += 14) {
            g.fillRect(24, y, y % 70 == 8 ? 150 : 250, 6);
        }
        g.dispose();
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
