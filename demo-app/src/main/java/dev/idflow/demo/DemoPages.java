package dev.idflow.demo;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/** What the demo's own pages (the SDK example, the console's login) share: their resources and a 200 answer. */
final class DemoPages {
    private DemoPages() {
    }

    /** The demo jar's resource {@code dir/name} (next to this class), whole. */
    static byte[] resource(String dir, String name) {
        try (InputStream in = DemoPages.class.getResourceAsStream(dir + "/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + dir + "/" + name + " in idflow-demo");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** 200 with {@code body} of {@code type}, its length set. */
    static void write(HttpServletResponse resp, String type, byte[] body) throws IOException {
        resp.setStatus(HttpServletResponse.SC_OK);
        resp.setContentType(type);
        resp.setContentLength(body.length);
        try (OutputStream out = resp.getOutputStream()) {
            out.write(body);
        }
    }

    static String escapeHtml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }
}
