package dev.idflow.bench.http;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.storage.jdbi.JdbiStorage;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The same-run baselines of the HTTP scenarios (bench/README.md): a Jetty 12 ee10 servlet in a JVM of its own.
 *
 * <ul>
 *   <li>{@code --mode bare}: answers every scenario's request with the bytes the demo answered it once
 *       (status, content type, body; captured by {@link HttpBench} into {@code --answers DIR}), after reading
 *       the request's body whole: the container's ceiling.</li>
 *   <li>{@code --mode jdbc}: the same, plus only the essential SQL on a database of its own of the demo's
 *       kind, schema from idflow's own migrations: {@code GET /flow/{id}} one indexed SELECT of the flow's row
 *       by its id (404 when there is none), {@code POST /flow} one INSERT of a row as wide as the demo's
 *       (autocommit, one transaction): the storage's ceiling.</li>
 * </ul>
 *
 * <p>{@code BaselineServer --mode bare|jdbc [--storage h2|postgres] --port N --answers DIR [--ids FILE]
 * [--data-dir DIR] [--jdbc-url URL --jdbc-user U --jdbc-password P]}. With {@code --ids} the jdbc baseline
 * first inserts a row for each flow id in the file (one a line) that it does not hold yet, so that the GET
 * scenarios read the same ids from both.
 */
public final class BaselineServer {
    /** The scenarios' answers, by the name {@link HttpBench} saves them under. */
    static final List<String> ANSWERS = List.of("get-flow", "post-flow", "get-result", "post-session", "attempt", "download");

    private BaselineServer() {
    }

    /** One captured answer. */
    record Answer(int status, String contentType, byte[] body) {
        static Answer read(Path dir, String name) throws IOException {
            String[] meta = Files.readString(dir.resolve(name + ".meta")).trim().split(" ", 2);
            return new Answer(Integer.parseInt(meta[0]), meta[1], Files.readAllBytes(dir.resolve(name + ".body")));
        }

        void write(Path dir, String name) throws IOException {
            Files.writeString(dir.resolve(name + ".meta"), status + " " + contentType + "\n");
            Files.write(dir.resolve(name + ".body"), body);
        }

        void send(HttpServletResponse response) throws IOException {
            response.setStatus(status);
            response.setContentType(contentType);
            // the headers the demo sends on every answer
            response.setHeader("Cache-Control", "no-store");
            response.setHeader("X-Content-Type-Options", "nosniff");
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value pairs, got " + args[i]);
            }
            o.put(args[i].substring(2), args[i + 1]);
        }
        String mode = o.getOrDefault("mode", "bare");
        int port = Integer.parseInt(o.getOrDefault("port", "0"));
        Path answersDir = Path.of(require(o, "answers"));
        Map<String, Answer> answers = new HashMap<>();
        for (String name : ANSWERS) {
            if (Files.exists(answersDir.resolve(name + ".meta"))) {
                answers.put(name, Answer.read(answersDir, name));
            }
        }
        FlowTable table = null;
        HikariDataSource pool = null;
        switch (mode) {
            case "bare" -> { }
            case "jdbc" -> {
                pool = pool(o);
                table = FlowTable.open(pool, o.getOrDefault("storage", "h2"), answers);
                if (o.containsKey("ids")) {
                    int added = table.seed(Files.readAllLines(Path.of(o.get("ids"))));
                    System.out.println("baseline jdbc: " + added + " flow rows added");
                }
            }
            default -> throw new IllegalArgumentException("--mode: bare or jdbc, was " + mode);
        }

        Server server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(new ServletHolder(new Baseline(answers, table)), "/*");
        server.setHandler(context);
        server.start();
        System.out.println("baseline " + mode + " listening on port " + connector.getLocalPort()
                + (table != null ? " (" + table.description + ")" : ""));
        HikariDataSource closing = pool;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.stop();
            } catch (Exception e) {
                // exiting anyway
            }
            if (closing != null) {
                closing.close();
            }
        }));
        server.join();
    }

    private static String require(Map<String, String> o, String name) {
        String v = o.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + ": required");
        }
        return v;
    }

    /** The demo's pool sizes (DemoStorage): 8 connections on H2, 16 on PostgreSQL. */
    private static HikariDataSource pool(Map<String, String> o) throws IOException {
        HikariConfig c = new HikariConfig();
        if (o.getOrDefault("storage", "h2").equals("postgres")) {
            c.setJdbcUrl(require(o, "jdbc-url"));
            c.setUsername(o.getOrDefault("jdbc-user", "postgres"));
            c.setPassword(o.getOrDefault("jdbc-password", ""));
            c.setMaximumPoolSize(16);
        } else {
            Path dir = Files.createDirectories(Path.of(require(o, "data-dir")).toAbsolutePath());
            // what the demo's H2 runs with: every commit in the file before it is answered
            c.setJdbcUrl("jdbc:h2:file:" + dir.resolve("baseline") + ";DB_CLOSE_ON_EXIT=FALSE;TRACE_LEVEL_FILE=0;WRITE_DELAY=0");
            c.setUsername("sa");
            c.setPassword("");
            c.setMaximumPoolSize(8);
        }
        c.setPoolName("baseline");
        return new HikariDataSource(c);
    }

    /** idflow's flow table, migrated by idflow itself, read and written with plain JDBC. */
    static final class FlowTable {
        private static final String INSERT = "INSERT INTO idflow_flow (flow_id, consumer_id, vlink_hash, vlink_sealed, "
                + "api_version, locale, person_id, template, test_flow, input_data, ttl, created_at, updated_at, "
                + "current_step_id, flow_status, edited, deadline_at, version) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        private static final String SELECT = "SELECT * FROM idflow_flow WHERE flow_id = ?";

        private final DataSource pool;
        private final String template;
        private final String vlinkSealed;
        final String description;

        private FlowTable(DataSource pool, String template, String vlinkSealed, String description) {
            this.pool = pool;
            this.template = template;
            this.vlinkSealed = vlinkSealed;
            this.description = description;
        }

        /**
         * Creates idflow's schema through {@code JdbiStorage} (its own migrations, and on H2 {@code SET WRITE_DELAY
         * 0}); the storage itself is not used. The rows are filled as the demo fills a flow of the scenarios'
         * one-step consent template (read from the demo's PostgreSQL database): the template as stored, a sealed
         * vlink of 80 characters, a SHA-256 vlink hash, a person reference of the {@code hmac:…/t} form; HttpBench
         * notes both databases' average row size in the report.
         */
        static FlowTable open(HikariDataSource pool, String storage, Map<String, Answer> answers) {
            JdbiStorage.builder(pool).build();
            String template = "{\"pipeline\":[{\"service_name\":\"consent\",\"allow_failure\":false,\"timeout\":300,"
                    + "\"max_retries\":5}]}";
            return new FlowTable(pool, template, "v".repeat(80), storage + " via HikariCP, idflow's schema");
        }

        int seed(List<String> ids) throws SQLException {
            int added = 0;
            try (Connection c = pool.getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement exists = c.prepareStatement("SELECT 1 FROM idflow_flow WHERE flow_id = ?");
                     PreparedStatement insert = c.prepareStatement(INSERT)) {
                    for (String id : ids) {
                        if (id.isBlank()) {
                            continue;
                        }
                        exists.setString(1, id.trim());
                        try (ResultSet rs = exists.executeQuery()) {
                            if (rs.next()) {
                                continue;
                            }
                        }
                        bind(insert, id.trim());
                        insert.addBatch();
                        if (++added % 500 == 0) {
                            insert.executeBatch();
                        }
                    }
                    insert.executeBatch();
                }
                c.commit();
            }
            return added;
        }

        private void bind(PreparedStatement insert, String flowId) throws SQLException {
            Timestamp now = Timestamp.from(Instant.now());
            insert.setString(1, flowId);
            insert.setString(2, "bench");
            insert.setString(3, hex64(flowId));
            insert.setString(4, vlinkSealed);
            insert.setString(5, "2.0.0");
            insert.setString(6, "en");
            insert.setString(7, "hmac:" + hex64(flowId + "/person").substring(0, 32) + "/t");
            insert.setString(8, template);
            insert.setBoolean(9, true);
            insert.setString(10, null);
            insert.setInt(11, 86400);
            insert.setTimestamp(12, now);
            insert.setTimestamp(13, now);
            insert.setString(14, "step-1");
            insert.setString(15, "unknown");
            insert.setBoolean(16, false);
            insert.setTimestamp(17, Timestamp.from(now.toInstant().plusSeconds(86400)));
            insert.setLong(18, 1);
        }

        private static String hex64(String of) {
            try {
                return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(of.getBytes(StandardCharsets.UTF_8)));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        /** One indexed SELECT of the row by its primary key, every column read; false when there is none. */
        boolean read(String flowId) throws SQLException {
            try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(SELECT)) {
                s.setString(1, flowId);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return false;
                    }
                    int columns = rs.getMetaData().getColumnCount();
                    for (int i = 1; i <= columns; i++) {
                        rs.getString(i);
                    }
                    return true;
                }
            }
        }

        /** One INSERT of a new row, in a transaction of its own (autocommit). */
        void insert() throws SQLException {
            try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(INSERT)) {
                bind(s, UUID.randomUUID() + "-F");
                s.executeUpdate();
            }
        }
    }

    /** Routes a request to its scenario's answer; the jdbc mode does its SQL first. */
    static final class Baseline extends HttpServlet {
        private final Map<String, Answer> answers;
        private final FlowTable table;

        Baseline(Map<String, Answer> answers, FlowTable table) {
            this.answers = answers;
            this.table = table;
        }

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            drain(request.getInputStream());
            String path = request.getRequestURI();
            String method = request.getMethod();
            try {
                if (path.equals("/health")) {
                    new Answer(200, "application/json", "{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8)).send(response);
                    return;
                }
                String name;
                if (method.equals("POST") && path.equals("/flow")) {
                    name = "post-flow";
                    if (table != null) {
                        table.insert();
                    }
                } else if (method.equals("GET") && path.startsWith("/flow/") && path.endsWith("/result")) {
                    name = "get-result";
                } else if (method.equals("GET") && path.startsWith("/flow/")) {
                    name = "get-flow";
                    if (table != null && !table.read(path.substring("/flow/".length()))) {
                        response.sendError(404);
                        return;
                    }
                } else if (method.equals("POST") && path.equals("/liveness2/session")) {
                    name = "post-session";
                } else if (method.equals("POST") && path.equals("/liveness2/client/attempts")) {
                    name = "attempt";
                } else if (method.equals("GET") && path.equals("/resources/file")) {
                    name = "download";
                } else {
                    response.sendError(404);
                    return;
                }
                Answer answer = answers.get(name);
                if (answer == null) {
                    response.sendError(404, "no captured answer for " + name);
                    return;
                }
                answer.send(response);
            } catch (SQLException e) {
                throw new IOException(e);
            }
        }

        private static void drain(InputStream in) throws IOException {
            byte[] buf = new byte[16384];
            while (in.read(buf) >= 0) {
                // read whole, as the demo reads a body before it answers
            }
        }
    }
}
