package dev.idflow.bench.storage;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.Idflow;
import dev.idflow.core.internal.Ids;
import dev.idflow.core.internal.Json;
import dev.idflow.core.keys.DirectoryKeyVault;
import dev.idflow.core.keys.PersonKeys;
import dev.idflow.core.keys.PersonRefs;
import dev.idflow.core.keys.SealedStorage;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.FlowTemplate;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.servlet.IdflowServlet;
import dev.idflow.storage.jdbi.JdbiStorage;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Target: a 200 MB {@code liveness_video} downloads under {@code -Xmx128m} at ≥ 50 MB/s on loopback, from
 * PostgreSQL, H2 and the filesystem store, plain and sealed. One run per store and sealing, each in a JVM of
 * its own started with -Xmx128m: an in-process Jetty with the idflow servlet, the video saved through the
 * store (FileStore.save, streamed from a generator, its SHA-256 taken on the way in), then {@code GET
 * /resources/file?label=liveness_video&flow_id=…} with java.net.http, read in 64 KB reads, its SHA-256 compared.
 *
 * <p>{@code java -cp … dev.idflow.bench.storage.DownloadBench [sizeMB]} runs all six; {@code … DownloadBench
 * one <postgres|h2|filesystem> <plain|sealed> [sizeMB]} runs one in this JVM. MB = 2^20 bytes.
 */
public final class DownloadBench {
    private DownloadBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("one")) {
            one(args[1], args[2].equals("sealed"), args.length > 3 ? Integer.parseInt(args[3]) : 200);
            return;
        }
        int mb = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> results = new ArrayList<>();
        for (String store : List.of("postgres", "h2", "filesystem")) {
            for (String sealing : List.of("plain", "sealed")) {
                Process p = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                        DownloadBench.class.getName(), "one", store, sealing, String.valueOf(mb))
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                int rc = p.waitFor();
                String result = out.lines().filter(l -> l.startsWith("RESULT")).findFirst()
                        .orElse("RESULT download " + store + " " + sealing + ": FAILED (exit " + rc + ")\n"
                                + out.lines().filter(l -> !l.contains("DEBUG")).reduce("", (a, b) -> a + "    " + b + "\n"));
                System.out.println(result);
                results.add(result);
            }
        }
    }

    static void one(String store, boolean sealed, int mb) throws Exception {
        long size = mb * 1024L * 1024L;
        Path dir = Files.createTempDirectory("idflow-download-bench");
        BenchPostgres pg = null;
        HikariDataSource h2 = null;
        IdflowStorage raw;
        switch (store) {
            case "postgres" -> {
                pg = BenchPostgres.start(4);
                raw = JdbiStorage.builder(pg.pool).build();
            }
            case "h2", "filesystem" -> {
                HikariConfig c = new HikariConfig();
                c.setJdbcUrl("jdbc:h2:file:" + dir.resolve("idflow") + ";TRACE_LEVEL_FILE=0");
                c.setUsername("sa");
                c.setPassword("");
                c.setMaximumPoolSize(4);
                h2 = new HikariDataSource(c);
                JdbiStorage.Builder b = JdbiStorage.builder(h2);
                raw = (store.equals("filesystem") ? b.filesInDirectory(dir.resolve("files")) : b).build();
            }
            default -> throw new IllegalArgumentException("store: postgres, h2 or filesystem; was " + store);
        }
        byte[] secretKey = new byte[32];
        new SecureRandom().nextBytes(secretKey);
        IdflowStorage storage = sealed ? new SealedStorage(raw, new PersonKeys(new DirectoryKeyVault(dir.resolve("keys")),
                PersonRefs.fromSecret(secretKey), new SecureRandom(), Duration.ofSeconds(60), Clock.systemUTC())) : raw;

        Server jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        connector.open();
        String base = "http://127.0.0.1:" + connector.getLocalPort() + "/kyc";
        Idflow idflow = Idflow.builder().storage(storage).secretKey(secretKey).publicBaseUrl(base)
                .rateLimits(1_000_000, 1_000_000, 1_000_000, 1_000_000).build();
        idflow.registerConsumer("bench", "Bench");
        String key = idflow.newTestKey("bench");
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addEventListener(new ServletContextListener() {
            @Override
            public void contextInitialized(ServletContextEvent event) {
                IdflowServlet.mount(event.getServletContext(), "idflow", "/kyc/*", idflow, 300L << 20);
            }
        });
        jetty.setHandler(context);
        jetty.start();
        try {
            Ids ids = new Ids(new SecureRandom(), Clock.systemUTC());
            Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            String flowId = ids.flowId();
            String sessionId = ids.sessionId();
            storage.flows().insert(Flow.builder().flowId(flowId).consumerId("bench").vlinkHash(ids.flowId() + "v")
                    .personId("person-1").testFlow(true).ttl(3600).createdAt(now).flowStatus(ExecutionStatus.UNKNOWN)
                    .template(Json.mapper().readValue("{\"pipeline\":[{\"service_name\":\"verilive\"}]}", FlowTemplate.class))
                    .build());
            MessageDigest in = MessageDigest.getInstance("SHA-256");
            long t0 = System.nanoTime();
            storage.files().save(new StoredFile(ids.fileId(), "bench", "person-1", flowId, sessionId, "liveness_video",
                    "video/webm", "video.webm", size, now, true, null, true), new Generated(size, in));
            double saveS = (System.nanoTime() - t0) / 1e9;
            String expected = HexFormat.of().formatHex(in.digest());

            HttpClient client = HttpClient.newHttpClient();
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/resources/file?label=liveness_video&flow_id=" + flowId))
                    .header("X-Verigram-Api-Key", key).header("X-Verigram-Api-Version", "2.0.0").build();
            List<Double> rates = new ArrayList<>();
            long heapPeak = 0;
            for (int round = 0; round < 3; round++) {
                MessageDigest out = MessageDigest.getInstance("SHA-256");
                long start = System.nanoTime();
                HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("download: HTTP " + response.statusCode() + " "
                            + new String(response.body().readAllBytes()));
                }
                long got = 0;
                byte[] buf = new byte[65536];
                try (InputStream body = response.body()) {
                    for (int n; (n = body.read(buf)) > 0; ) {
                        out.update(buf, 0, n);
                        got += n;
                    }
                }
                double s = (System.nanoTime() - start) / 1e9;
                String actual = HexFormat.of().formatHex(out.digest());
                if (got != size || !actual.equals(expected)) {
                    throw new IllegalStateException("download: " + got + " bytes, sha-256 " + actual + "; expected " + size + ", " + expected);
                }
                Runtime rt = Runtime.getRuntime();
                heapPeak = Math.max(heapPeak, rt.totalMemory() - rt.freeMemory());
                double mbs = size / 1048576.0 / s;
                System.out.printf("round %d: %d MB in %.2f s = %.0f MB/s, digest ok%n", round, mb, s, mbs);
                rates.add(mbs);
            }
            java.util.Collections.sort(rates);
            double median = rates.get(1);
            System.out.printf("RESULT download %s %s: %d MB under -Xmx%dm: median of 3 %.0f MB/s (save %.1f s), digest ok"
                    + " (target >= 50 MB/s: %s)%n", store, sealed ? "sealed" : "plain", mb,
                    Runtime.getRuntime().maxMemory() >> 20, median, saveS, median >= 50 ? "met" : "MISSED");
        } finally {
            jetty.stop();
            idflow.close();
            if (pg != null) {
                pg.close();
            }
            if (h2 != null) {
                h2.close();
            }
        }
    }

    /** {@code size} pseudo-random bytes (xorshift), digested as they are read. */
    static final class Generated extends InputStream {
        private long left;
        private long x = 0x9E3779B97F4A7C15L;
        private final MessageDigest digest;

        Generated(long size, MessageDigest digest) {
            this.left = size;
            this.digest = digest;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            for (int i = 0; i < n; i++) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
                b[off + i] = (byte) x;
            }
            digest.update(b, off, n);
            left -= n;
            return n;
        }
    }
}
