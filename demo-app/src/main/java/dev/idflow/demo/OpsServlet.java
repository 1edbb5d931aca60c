package dev.idflow.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.Health;
import dev.idflow.core.Idflow;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The demo's operations endpoints, beside idflow (their exact mappings win over idflow's {@code /*}):
 * {@code GET /metrics}, idflow's meters in the Prometheus text format, and {@code GET /health},
 * {@link Idflow#health()} as JSON ({@code {"status":"UP"|"DOWN","checks":{…}}}, 200 or 503). A bank puts
 * both behind its own network policy; the demo serves them to anyone who reaches it.
 */
final class OpsServlet extends HttpServlet {
    static final String METRICS = "/metrics";
    static final String HEALTH = "/health";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final transient Idflow idflow;
    private final transient PrometheusMeterRegistry registry;

    OpsServlet(Idflow idflow, PrometheusMeterRegistry registry) {
        this.idflow = idflow;
        this.registry = registry;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        String path = request.getServletPath();
        if (METRICS.equals(path)) {
            byte[] text = registry.scrape().getBytes(StandardCharsets.UTF_8);
            response.setStatus(200);
            response.setContentType("text/plain; version=0.0.4; charset=utf-8");
            response.setContentLength(text.length);
            response.getOutputStream().write(text);
            return;
        }
        Health.Report report = idflow.health();
        ObjectNode body = JSON.createObjectNode().put("status", report.status().name());
        ObjectNode checks = body.putObject("checks");
        for (Map.Entry<String, Health.Check> e : report.checks().entrySet()) {
            checks.putObject(e.getKey()).put("status", e.getValue().status().name()).put("detail", e.getValue().detail());
        }
        byte[] json = JSON.writeValueAsBytes(body);
        response.setStatus(report.status() == Health.Status.UP ? 200 : 503);
        response.setContentType("application/json");
        response.setContentLength(json.length);
        response.getOutputStream().write(json);
    }
}
