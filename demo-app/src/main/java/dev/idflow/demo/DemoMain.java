package dev.idflow.demo;

import dev.idflow.core.Idflow;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.face.OnnxFaceMatcher;
import dev.idflow.face.OnnxLivenessAnalyzer;
import dev.idflow.servlet.HostedPageOptions;
import dev.idflow.servlet.IdflowServlet;
import dev.idflow.servlet.jetty.JettyJsonErrors;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.io.PrintStream;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.MinimumDataRateHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone demo: Jetty 12 + the idflow servlet at {@code /}, on the storage the command line
 * picks, and the web SDK's example page at {@code /sdk/example}. Prints a ready API key and a curl line.
 */
public final class DemoMain {
    private static final Logger LOG = LoggerFactory.getLogger(DemoMain.class);
    static final long MAX_UPLOAD_BYTES = 50L << 20;

    private DemoMain() {
    }

    public static void main(String[] args) throws Exception {
        // Hibernate Validator logs through jboss-logging: send it where everything else goes
        System.setProperty("org.jboss.logging.provider", "slf4j");
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        } catch (DemoOptions.UsageException e) {
            if (e.getMessage() != null) {
                System.err.println("idflow-demo: " + e.getMessage());
            }
            System.err.print(DemoOptions.USAGE);
            System.exit(e.getMessage() == null ? 0 : 2);
            return;
        }
        Demo demo = Demo.start(options, System.out);
        Runtime.getRuntime().addShutdownHook(new Thread(demo::stop, "idflow-demo-shutdown"));
        demo.server.join();
    }

    /**
     * Jetty's defences against slow clients: the idle timeout of a connection and the minimum average
     * rate of a request body. Defaults: 15 s, and 4 KiB/s (32 kbit/s: a liveness upload of a few MB
     * over a poor mobile link still passes; one byte every few seconds does not). Tests use small values.
     */
    record ConnectionLimits(java.time.Duration idleTimeout, long minRequestBytesPerSecond) {
        static final ConnectionLimits DEFAULTS = new ConnectionLimits(java.time.Duration.ofSeconds(15), 4096);
    }

    /** A running demo: the server and what it runs on. Tests start and stop it in-process. */
    static final class Demo {
        final Server server;
        final Idflow idflow;
        /** Package-private for tests that take the database away (the health check's DOWN). */
        final DemoStorage.Opened storage;

        private Demo(Server server, Idflow idflow, DemoStorage.Opened storage) {
            this.server = server;
            this.idflow = idflow;
            this.storage = storage;
        }

        static Demo start(DemoOptions options, PrintStream out) throws Exception {
            return start(options, out, ConnectionLimits.DEFAULTS);
        }

        static Demo start(DemoOptions options, PrintStream out, ConnectionLimits limits) throws Exception {
            HostedPageOptions hostedPage;
            try {
                hostedPage = HostedPageOptions.frameAncestors(options.frameAncestors().toArray(String[]::new));
            } catch (IllegalArgumentException e) {
                throw new DemoOptions.UsageException("--frame-ancestors: " + e.getMessage());
            }
            DemoStorage.Opened opened = DemoStorage.open(options);
            IdflowStorage storage = opened.storage();
            // esign on local CAs kept in the data directory (the test flows' CA says TEST)
            DemoEsign.Made esign = DemoEsign.make(options, storage, opened.secretKey());
            Idflow.Builder builder = Idflow.builder();
            // idflow's meters for /metrics (Prometheus text); a bank hands its own registry instead
            io.micrometer.prometheusmetrics.PrometheusMeterRegistry meters =
                    new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                            io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
            builder.meterRegistry(meters);
            if (options.faceAnalysis()) {
                // idflow's own face analysis (idflow-face): a person with a real camera can pass a live flow
                builder.faceAnalysis(new OnnxLivenessAnalyzer());
                // and its face matcher: veriface, face lists
                builder.faceMatcher(new OnnxFaceMatcher());
            }
            Idflow idflow = builder
                    .storage(storage)
                    .publicBaseUrl(options.baseUrl())
                    .secretKey(opened.secretKey())
                    .inactivityTimeout(options.inactivityTimeout())
                    .maxUploadBytes(MAX_UPLOAD_BYTES)
                    .rateLimits(options.testRps(), (int) Math.max(1, options.testRps() * 5),
                            options.liveRps(), (int) Math.max(1, options.liveRps() * 2))
                    // the host's side of events: here, a log line each (ids and statuses, never tokens)
                    .listener(event -> {
                        if (LOG.isInfoEnabled()) {
                            AsyncLog.info(LOG, "event " + event.type() + " flow " + event.flowId()
                                    + (event.sessionId() == null ? "" : " session " + event.sessionId()) + " "
                                    + event.payload());
                        }
                    })
                    // otp and notification steps "send" to the demo's log; LogMessageSender says why only a demo may
                    .messageSender(new LogMessageSender())
                    // the document services (idflow-documents; DocumentServices.all() lists the same three)
                    .service(new dev.idflow.documents.DocPreviewService())
                    .service(new dev.idflow.documents.ClientCardService())
                    .service(new dev.idflow.documents.DocBuilderService())
                    .service(esign.service())
                    // webhooks may go to a receiver on this machine (loopback, plain http too), nowhere private
                    .webhookAllowLoopback(true)
                    // and are retried sooner than in production (2 s doubling up to 30 s, still for 24 h), so
                    // a receiver that was down for a moment gets its events soon after it is back
                    .webhookBackoff(java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(30))
                    .build();
            String printedKey = DemoConsumers.register(idflow, options.consumers());
            DemoConsumers.fillKycLists(idflow, options.kycLists());
            if (options.retentionBiometrics() != null || options.retentionFlows() != null) {
                for (String consumerId : options.consumers().isEmpty() ? java.util.List.of(DemoConsumers.DEMO_CONSUMER)
                        : options.consumers().stream().map(DemoOptions.ConsumerKey::consumerId).distinct().toList()) {
                    idflow.retention().set(consumerId, options.retentionBiometrics(), null, options.retentionFlows());
                }
            }
            DemoConsumers.registerWebhooks(idflow, options.webhooks());

            Server server = new Server();
            HttpConfiguration http = new HttpConfiguration();
            http.setSendServerVersion(false);
            // a connection silent for the idle timeout is closed (a trickle slower than that included)
            http.setIdleTimeout(limits.idleTimeout().toMillis());
            ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
            connector.setIdleTimeout(limits.idleTimeout().toMillis());
            connector.setPort(options.port());
            server.addConnector(connector);
            // what Jetty refuses before idflow sees it (bad %-encoding, headers too large) answers JSON too
            server.setErrorHandler(JettyJsonErrors.server());
            ServletContextHandler context = new ServletContextHandler();
            context.setContextPath("/");
            context.setErrorHandler(JettyJsonErrors.context());
            context.addEventListener(new ServletContextListener() {
                @Override
                public void contextInitialized(ServletContextEvent event) {
                    IdflowServlet.mount(event.getServletContext(), "idflow", "/*", idflow, MAX_UPLOAD_BYTES, hostedPage,
                            options.cors(), DemoOperators.console(options.operators()));
                    // the web SDK's example page beside the SDK; its longer path mapping wins over /*
                    event.getServletContext().addServlet("sdk-example", new SdkExampleServlet())
                            .addMapping(SdkExampleServlet.MAPPING);
                    // /metrics and /health: exact mappings, so they win over idflow's /*
                    event.getServletContext().addServlet("ops", new OpsServlet(idflow, meters))
                            .addMapping(OpsServlet.METRICS, OpsServlet.HEALTH);
                }
            });
            // a client that trickles its body holds a thread while the servlet reads: below this
            // average rate the read fails, the request is refused and its connection closed
            // (Jetty 12.1's replacement of HttpConfiguration.setMinRequestDataRate)
            DemoOperators.protect(context, options.operators());
            server.setHandler(new MinimumDataRateHandler(context, limits.minRequestBytesPerSecond(), 0));
            server.setRequestLog(new RedactingRequestLog());
            server.setStopAtShutdown(false);
            server.start();
            idflow.startBackground(options.sweepInterval());
            int port = connector.getLocalPort();
            LOG.info("idflow demo listening on port {} (storage: {})", port, opened.description());
            LOG.info("esign: live flows sign with \"{}\", test flows with \"{}\" ({})",
                    esign.live().certificate().getSubjectX500Principal().getName(),
                    esign.test().certificate().getSubjectX500Principal().getName(), esign.where());
            printWelcome(out, options, port, printedKey);
            return new Demo(server, idflow, opened);
        }

        int port() {
            return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        }

        void stop() {
            idflow.close();
            try {
                server.stop();
            } catch (Exception e) {
                LOG.warn("stopping Jetty: {}", e.toString());
            }
            storage.close();
        }
    }

    private static void printWelcome(PrintStream out, DemoOptions options, int port, String printedKey) {
        String base = "http://localhost:" + port;
        out.println();
        out.println("idflow demo is running at " + base + "  (API docs: " + base + "/openapi.json)");
        if (printedKey != null) {
            out.println("consumer 'demo', test API key: " + printedKey);
            out.println("create a flow:");
            out.println("  curl -s -X POST " + base + "/flow \\");
            out.println("    -H 'X-Verigram-Api-Key: " + printedKey + "' -H 'X-Verigram-Api-Version: 2' \\");
            out.println("    -H 'Content-Type: application/json' \\");
            out.println("    -d '{\"person_id\":\"demo-person-1\",\"template\":{\"pipeline\":"
                    + "[{\"service_name\":\"consent\"},{\"service_name\":\"verilive\"}]}}'");
        } else {
            out.println("consumers from --consumer: " + options.consumers().size());
        }
        out.println("web SDK: " + base + "/sdk/idflow-liveness.js  (try it: " + base + "/sdk/example)");
        out.println("metrics (Prometheus): " + base + "/metrics   health: " + base + "/health");
        if (!options.operators().isEmpty()) {
            out.println("operator console: " + base + "/console/  (sign in as an --operator; scripts: curl -u USER:PASSWORD "
                    + base + "/console/api/session)");
        }
        if (!options.cors().allowedOrigins().isEmpty()) {
            out.println("pages on " + String.join(", ", options.cors().allowedOrigins())
                    + " may run liveness sessions here from the browser (CORS)");
        }
        out.println();
        out.flush();
    }
}
