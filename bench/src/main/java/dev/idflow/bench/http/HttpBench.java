package dev.idflow.bench.http;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The HTTP scenarios of issue #12, each beside its baselines in the same run (bench/README.md; {@code
 * bench/run} builds and starts it). Per storage: the demo (its rate limit lifted, face analysis off, one test
 * key) in a JVM of its own, seeded through its API ({@link Seeder}); its answers captured once per scenario;
 * a {@link BaselineServer} {@code bare} answering those bytes and, on H2 and PostgreSQL, one {@code jdbc}
 * doing only the essential SQL on a database of its own. Then per scenario a warm-up of each, and rounds
 * alternating demo, bare, jdbc, demo, bare, jdbc, … with wrk (the liveness attempt with {@link AttemptLoad});
 * the medians, their ratios and the targets go to {@code report.md}.
 *
 * <p>Options: {@code --quick} (1 round of 2 s, 2 s warm-up), {@code --storage memory,h2,postgres},
 * {@code --scenarios get-hot,get-10k,post-flow,get-result,post-session,attempt,download}, {@code --rounds N},
 * {@code --duration S}, {@code --warmup S} (per scenario and target), {@code --jit-warmup S} (5: GET and POST
 * against every server before the first scenario), {@code --flows N} (10000), {@code --connections N} (16),
 * {@code --threads N} (2), {@code --pg-url jdbc:postgresql://127.0.0.1:5460/} (a server where the user may
 * create databases), {@code --pg-user postgres}, {@code --demo-jar}, {@code --wrk-scripts DIR},
 * {@code --out DIR}, {@code --port N} (the first of three ports: demo, bare, jdbc; default 18641).
 */
public final class HttpBench {
    static final String KEY = "bench-harness-key-0001-7a1c6e30589d4b2f";
    static final List<String> SCENARIOS = List.of("get-hot", "get-10k", "post-flow", "get-result", "post-session",
            "attempt", "download");
    private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");
    private static final Pattern SOCKET = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern COMPLETED = Pattern.compile("(\\d+) requests in");

    private final Map<String, String> options;
    private final List<String> storages;
    private final List<String> scenarios;
    private final int rounds;
    private final double duration;
    private final double warmup;
    private final double jitWarmup;
    private final int flows;
    private final int connections;
    private final int threads;
    private final Path out;
    private final Path work;
    private final Path wrkScripts;
    private final int firstPort;
    private final List<Process> children = new ArrayList<>();
    private final List<Result> results = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    /** One scenario on one storage: the rates of each target's rounds. */
    record Result(String scenario, String storage, Map<String, List<Double>> rates, Map<String, Integer> errors) {
        double median(String target) {
            List<Double> r = rates.get(target);
            if (r == null || r.isEmpty()) {
                return Double.NaN;
            }
            double[] sorted = r.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            int n = sorted.length;
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        }
    }

    /** One load run's figure. */
    record Run(double rate, int errors, String detail) {
    }

    private HttpBench(Map<String, String> options) {
        this.options = options;
        boolean quick = options.containsKey("quick");
        storages = List.of(options.getOrDefault("storage", "memory,h2,postgres").split(","));
        scenarios = List.of(options.getOrDefault("scenarios", String.join(",", SCENARIOS)).split(","));
        for (String s : scenarios) {
            if (!SCENARIOS.contains(s)) {
                throw new IllegalArgumentException("--scenarios: " + s + " is none of " + String.join(", ", SCENARIOS));
            }
        }
        for (String s : storages) {
            if (!List.of("memory", "h2", "postgres").contains(s)) {
                throw new IllegalArgumentException("--storage: " + s + " is none of memory, h2, postgres");
            }
        }
        rounds = Integer.parseInt(options.getOrDefault("rounds", quick ? "1" : "3"));
        duration = Double.parseDouble(options.getOrDefault("duration", quick ? "2" : "5"));
        warmup = Double.parseDouble(options.getOrDefault("warmup", quick ? "2" : "3"));
        jitWarmup = Double.parseDouble(options.getOrDefault("jit-warmup", "5"));
        flows = Integer.parseInt(options.getOrDefault("flows", "10000"));
        connections = Integer.parseInt(options.getOrDefault("connections", "16"));
        threads = Integer.parseInt(options.getOrDefault("threads", "2"));
        out = Path.of(options.getOrDefault("out", "bench/target"));
        work = out.resolve("http");
        wrkScripts = Path.of(options.getOrDefault("wrk-scripts", "bench/wrk"));
        firstPort = Integer.parseInt(options.getOrDefault("port", "18641"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
            String name = args[i].substring(2);
            if (name.equals("quick")) {
                options.put(name, "true");
            } else if (i + 1 < args.length) {
                options.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException(args[i] + ": needs a value");
            }
        }
        HttpBench bench = new HttpBench(options);
        Runtime.getRuntime().addShutdownHook(new Thread(bench::stopChildren));
        String command = System.getenv().getOrDefault("BENCH_COMMAND", "HttpBench " + String.join(" ", args));
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        ZonedDateTime started = ZonedDateTime.now(ZoneOffset.UTC);
        try {
            bench.runAll();
        } finally {
            bench.stopChildren();
            String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
            Path report = bench.out.resolve("report.md");
            Files.writeString(report, bench.report(command, started, loadBefore, loadAfter));
            System.out.println("\nreport: " + report);
            System.out.println(Files.readString(report));
        }
    }

    private void runAll() throws Exception {
        Files.createDirectories(work);
        for (String storage : storages) {
            runStorage(storage);
        }
    }

    private void runStorage(String storage) throws Exception {
        log("== storage " + storage);
        Path dir = work.resolve(storage);
        deleteTree(dir);
        Files.createDirectories(dir);
        Path answers = Files.createDirectories(dir.resolve("answers"));
        // the demo's and the jdbc baseline's databases side by side, on the same file system
        Path data = data(storage);
        deleteTree(data);
        Files.createDirectories(data);
        int demoPort = firstPort;
        int barePort = firstPort + 1;
        int jdbcPort = firstPort + 2;
        String pgUrl = options.getOrDefault("pg-url", "jdbc:postgresql://127.0.0.1:5460/");
        String pgUser = options.getOrDefault("pg-user", "postgres");
        List<String> demoArgs = new ArrayList<>(List.of("--port", String.valueOf(demoPort), "--storage", storage,
                "--data-dir", data.resolve("demo").toString(), "--consumer", "bench:" + KEY,
                "--rate-limit", "1000000:1000000", "--no-face-analysis"));
        if (storage.equals("postgres")) {
            freshDatabase(pgUrl, pgUser, "idflow_bench_demo");
            freshDatabase(pgUrl, pgUser, "idflow_bench_jdbc");
            demoArgs.addAll(List.of("--jdbc-url", pgUrl + "idflow_bench_demo", "--jdbc-user", pgUser));
        }
        List<String> demoCommand = new ArrayList<>(java());
        demoCommand.addAll(List.of("-jar", options.getOrDefault("demo-jar", "demo-app/target/idflow-demo.jar")));
        demoCommand.addAll(demoArgs);
        Process demo = start(demoCommand, dir.resolve("demo.log"));
        String demoBase = "http://127.0.0.1:" + demoPort;
        awaitHealth(demo, demoBase, dir.resolve("demo.log"));
        try {
            // seed and capture
            Seeder seeder = new Seeder(demoBase, KEY);
            long t0 = System.nanoTime();
            String hot = seeder.flow();
            List<String> ids = new ArrayList<>();
            if (scenarios.contains("get-10k")) {
                ids.addAll(seeder.flows(flows, 8));
            }
            log("seeded " + (ids.size() + 1) + " flows in " + String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - t0) / 1e9));
            Path idsFile = dir.resolve("flow-ids.txt");
            Files.write(idsFile, ids);
            Path allIds = dir.resolve("all-flow-ids.txt");
            List<String> all = new ArrayList<>(ids);
            all.add(hot);
            Files.write(allIds, all);
            String ended = seeder.endedFlow();
            byte[] file = new byte[64 * 1024];
            new java.util.Random(7).nextBytes(file);
            byte[] text = java.util.Base64.getEncoder().encode(file);
            seeder.upload(Arrays.copyOf(text, 64 * 1024));
            capture(seeder.get("/flow/" + hot), answers, "get-flow");
            capture(seeder.postJson("/flow", Seeder.FLOW_BODY, true), answers, "post-flow");
            capture(seeder.get("/flow/" + ended + "/result"), answers, "get-result");
            capture(seeder.postJson("/liveness2/session", Seeder.SESSION_BODY, true), answers, "post-session");
            capture(seeder.get(Seeder.downloadPath()), answers, "download");
            Seeder.Multipart attempt = Seeder.attemptBody();
            String token = seeder.sessionToken();
            capture(seeder.send(HttpRequest.newBuilder(URI.create(demoBase + "/liveness2/client/attempts"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", attempt.contentType())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(attempt.bytes())).build()), answers, "attempt");
            Files.writeString(dir.resolve("post-flow.json"), Seeder.FLOW_BODY);

            // the baselines
            Map<String, String> bases = new LinkedHashMap<>();
            bases.put("idflow", demoBase);
            List<String> bare = new ArrayList<>(java());
            bare.addAll(List.of("-cp", System.getProperty("java.class.path"), BaselineServer.class.getName(),
                    "--mode", "bare", "--port", String.valueOf(barePort), "--answers", answers.toString()));
            Process bareProcess = start(bare, dir.resolve("bare.log"));
            awaitHealth(bareProcess, "http://127.0.0.1:" + barePort, dir.resolve("bare.log"));
            bases.put("bare", "http://127.0.0.1:" + barePort);
            if (!storage.equals("memory")) {
                List<String> jdbc = new ArrayList<>(java());
                jdbc.addAll(List.of("-cp", System.getProperty("java.class.path"), BaselineServer.class.getName(),
                        "--mode", "jdbc", "--storage", storage, "--port", String.valueOf(jdbcPort), "--answers",
                        answers.toString(), "--ids", allIds.toString()));
                if (storage.equals("postgres")) {
                    jdbc.addAll(List.of("--jdbc-url", pgUrl + "idflow_bench_jdbc", "--jdbc-user", pgUser));
                } else {
                    jdbc.addAll(List.of("--data-dir", data.resolve("jdbc").toString()));
                }
                Process jdbcProcess = start(jdbc, dir.resolve("jdbc.log"));
                awaitHealth(jdbcProcess, "http://127.0.0.1:" + jdbcPort, dir.resolve("jdbc.log"));
                bases.put("jdbc", "http://127.0.0.1:" + jdbcPort);
                if (storage.equals("postgres")) {
                    notes.add("postgres: average flow row " + rowWidth(pgUrl + "idflow_bench_demo", pgUser) + " bytes in the demo's "
                            + "database, " + rowWidth(pgUrl + "idflow_bench_jdbc", pgUser) + " in the jdbc baseline's "
                            + "(pg_column_size, after seeding)");
                }
            }

            // every server's JIT warmed alike before any scenario: the demo's seeding alone would favour it over
            // baselines just started (a cold jdbc servlet runs at a tenth of its speed)
            for (String target : bases.keySet()) {
                Load get = load("get-10k", dir, hot, ended, ids.isEmpty() ? allIds : idsFile, allIds, seeder, attempt);
                Load post = load("post-flow", dir, hot, ended, idsFile, allIds, seeder, attempt);
                get.run(target, bases.get(target), jitWarmup);
                post.run(target, bases.get(target), jitWarmup);
            }
            log("JIT warm-up done (" + jitWarmup + " s of GET and of POST per server)");

            for (String scenario : scenarios) {
                List<String> targets = new ArrayList<>(List.of("idflow", "bare"));
                if (bases.containsKey("jdbc") && List.of("get-hot", "get-10k", "post-flow").contains(scenario)) {
                    targets.add("jdbc");
                }
                Load load = load(scenario, dir, hot, ended, idsFile, allIds, seeder, attempt);
                Map<String, List<Double>> rates = new LinkedHashMap<>();
                Map<String, Integer> errors = new LinkedHashMap<>();
                for (String target : targets) {
                    load.run(target, bases.get(target), warmup);
                    rates.put(target, new ArrayList<>());
                    errors.put(target, 0);
                }
                for (int round = 1; round <= rounds; round++) {
                    for (String target : targets) {
                        Run run = load.run(target, bases.get(target), duration);
                        rates.get(target).add(run.rate());
                        errors.merge(target, run.errors(), Integer::sum);
                        log(String.format(Locale.ROOT, "%-12s %-8s round %d %-6s %10.0f req/s%s", scenario, storage, round,
                                target, run.rate(), run.errors() > 0 ? "  (" + run.errors() + " errors: " + run.detail() + ")" : ""));
                    }
                }
                results.add(new Result(scenario, storage, rates, errors));
            }
        } finally {
            stopChildren();
        }
    }

    /** How one scenario is driven against one target. */
    interface Load {
        Run run(String target, String base, double seconds) throws Exception;
    }

    private Load load(String scenario, Path dir, String hot, String ended, Path idsFile, Path allIds, Seeder seeder,
            Seeder.Multipart attempt) {
        return switch (scenario) {
            case "get-hot" -> (target, base, s) -> wrk("get.lua", base, s, Map.of("BENCH_PATH", "/flow/" + hot));
            case "get-10k" -> (target, base, s) -> wrk("get-random.lua", base, s, Map.of("BENCH_IDS", idsFile.toString()));
            case "post-flow" -> (target, base, s) -> wrk("post.lua", base, s,
                    Map.of("BENCH_PATH", "/flow", "BENCH_BODY", dir.resolve("post-flow.json").toString()));
            case "get-result" -> (target, base, s) -> wrk("get.lua", base, s, Map.of("BENCH_PATH", "/flow/" + ended + "/result"));
            case "post-session" -> (target, base, s) -> wrk("post-person.lua", base, s, Map.of("BENCH_PATH", "/liveness2/session"));
            case "download" -> (target, base, s) -> wrk("get.lua", base, s, Map.of("BENCH_PATH", Seeder.downloadPath()));
            case "attempt" -> new Load() {
                private double lastRate = 150;

                @Override
                public Run run(String target, String base, double seconds) throws Exception {
                    // one session per attempt, made before the timed run: twice what the last run's rate needs
                    Supplier<String> tokens;
                    if (target.equals("idflow")) {
                        int need = (int) Math.ceil(lastRate * seconds * 2 + 100);
                        tokens = new ConcurrentLinkedQueue<>(seeder.sessionTokens(need, 8))::poll;
                    } else {
                        // the baselines check no token
                        tokens = () -> "baseline-token";
                    }
                    AttemptLoad.Run run = AttemptLoad.run(base, tokens, attempt, connections, seconds);
                    if (target.equals("idflow")) {
                        lastRate = Math.max(run.rate(), 20);
                    }
                    String detail = run.ranOut() ? String.format(Locale.ROOT, "the sessions ran out after %.1f s", run.seconds()) : "";
                    if (run.ranOut()) {
                        notes.add("attempt on " + dir.getFileName() + ", " + target + ": " + detail + " (rate over that time)");
                    }
                    return new Run(run.rate(), run.errors(), run.errors() > 0 ? "first: " + run.firstError() : detail);
                }
            };
            default -> throw new IllegalArgumentException(scenario);
        };
    }

    private Run wrk(String script, String base, double seconds, Map<String, String> env) throws Exception {
        List<String> command = List.of("wrk", "-t" + threads, "-c" + connections, "-d" + Math.max(1, Math.round(seconds)) + "s",
                "-s", wrkScripts.resolve(script).toString(), base);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("BENCH_KEY", KEY);
        pb.environment().putAll(env);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        Matcher rate = RATE.matcher(output);
        if (rc != 0 || !rate.find()) {
            throw new IllegalStateException("wrk failed (exit " + rc + "): " + String.join(" ", command) + "\n" + output);
        }
        int errors = 0;
        List<String> detail = new ArrayList<>();
        Matcher non2xx = NON_2XX.matcher(output);
        if (non2xx.find()) {
            errors += Integer.parseInt(non2xx.group(1));
            detail.add(non2xx.group(1) + " non-2xx");
        }
        Matcher socket = SOCKET.matcher(output);
        if (socket.find()) {
            int n = 0;
            for (int g = 1; g <= 4; g++) {
                n += Integer.parseInt(socket.group(g));
            }
            errors += n;
            detail.add(socket.group());
        }
        double r = Double.parseDouble(rate.group(1));
        if (errors > 0) {
            // wrk counts every answer; the figure is the 2xx ones
            Matcher completed = COMPLETED.matcher(output);
            if (completed.find() && non2xx.reset().find()) {
                long all = Long.parseLong(completed.group(1));
                r = r * Math.max(0, all - Integer.parseInt(non2xx.group(1))) / Math.max(1, all);
            }
        }
        return new Run(r, errors, String.join(", ", detail));
    }

    private static void capture(HttpResponse<byte[]> response, Path dir, String name) throws IOException {
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException("capturing " + name + ": the demo answered " + response.statusCode() + ": "
                    + new String(response.body(), StandardCharsets.UTF_8));
        }
        String type = response.headers().firstValue("Content-Type").orElse("application/octet-stream");
        new BaselineServer.Answer(response.statusCode(), type, response.body()).write(dir, name);
    }

    private List<String> java() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // the same heap for the demo and the baselines
        command.addAll(List.of(options.getOrDefault("jvm", "-Xms256m -Xmx1g").split(" ")));
        return command;
    }

    private Process start(List<String> command, Path log) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        synchronized (children) {
            children.add(p);
        }
        return p;
    }

    private void stopChildren() {
        List<Process> stopping;
        synchronized (children) {
            stopping = new ArrayList<>(children);
            children.clear();
        }
        for (Process p : stopping) {
            p.destroy();
        }
        for (Process p : stopping) {
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void awaitHealth(Process p, String base, Path log) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long end = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < end) {
            if (!p.isAlive()) {
                throw new IllegalStateException("exited at start (" + log + "):\n" + Files.readString(log));
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(base + "/health")).GET().build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(base + " did not answer /health within 180 s (" + log + ")");
    }

    private static int rowWidth(String url, String user) throws Exception {
        try (Connection c = DriverManager.getConnection(url, user, ""); Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT avg(pg_column_size(f.*))::int FROM idflow_flow f")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void freshDatabase(String url, String user, String name) throws Exception {
        try (Connection c = DriverManager.getConnection(url + "postgres", user, ""); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + name);
        }
    }

    private Path data(String storage) {
        return Path.of(options.getOrDefault("data", "/tmp/idflow-bench-http")).toAbsolutePath().resolve(storage);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }

    private static void log(String line) {
        System.out.println(line);
    }

    /** The target for a scenario on a storage: the baseline it is judged against and the ratio; null if none. */
    static Map.Entry<String, Double> target(String scenario, String storage) {
        boolean get = scenario.equals("get-hot") || scenario.equals("get-10k");
        boolean post = scenario.equals("post-flow");
        if (storage.equals("memory")) {
            return get ? Map.entry("bare", 0.7) : post ? Map.entry("bare", 0.5) : null;
        }
        return get || post ? Map.entry("jdbc", 0.5) : null;
    }

    private String report(String command, ZonedDateTime started, String loadBefore, String loadAfter) {
        StringBuilder r = new StringBuilder();
        r.append("# HTTP scenarios (bench/run)\n\n");
        r.append("- command: `").append(command).append("`\n");
        r.append("- date: ").append(started.format(DateTimeFormatter.ISO_LOCAL_DATE_TIME).substring(0, 16)).append(" UTC\n");
        r.append("- machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, load average ")
                .append(firstThree(loadBefore)).append(" at start, ").append(firstThree(loadAfter))
                .append(" at end; Java ").append(System.getProperty("java.version")).append("; commit ")
                .append(System.getenv().getOrDefault("BENCH_COMMIT", "?")).append("\n");
        r.append(String.format(Locale.ROOT, "- load: wrk -t%d -c%d, %.0f s of GET and of POST against every server first (JIT), then per scenario %d round(s) of %.0f s per target after a %.0f s warm-up, "
                + "rounds alternating idflow, bare, jdbc; the liveness attempt with AttemptLoad (%d threads, one session per "
                + "attempt); figures are medians of 2xx answers per second\n", threads, connections, jitWarmup, rounds, duration, warmup,
                connections));
        r.append("- idflow: the demo jar, --rate-limit 1000000:1000000 --no-face-analysis, a test key; bare: the demo's "
                + "captured bytes from a Jetty 12 servlet; jdbc: the same plus one indexed SELECT (GET) or one INSERT (POST) "
                + "on a database of its own of the same kind\n\n");
        r.append("| scenario | storage | idflow req/s | bare req/s | × bare | jdbc req/s | × jdbc | target | met? |\n");
        r.append("|---|---|---|---|---|---|---|---|---|\n");
        for (Result res : results) {
            double idflow = res.median("idflow");
            double bare = res.median("bare");
            double jdbc = res.median("jdbc");
            Map.Entry<String, Double> target = target(res.scenario(), res.storage());
            String targetText = "—";
            String met = "—";
            if (target != null) {
                double base = target.getKey().equals("bare") ? bare : jdbc;
                targetText = "≥ " + target.getValue() + "× " + target.getKey();
                met = Double.isNaN(base) ? "?" : idflow / base >= target.getValue() ? "yes" : "**no**";
            }
            r.append("| ").append(res.scenario()).append(" | ").append(res.storage()).append(" | ").append(num(idflow))
                    .append(" | ").append(num(bare)).append(" | ").append(ratio(idflow, bare)).append(" | ").append(num(jdbc))
                    .append(" | ").append(ratio(idflow, jdbc)).append(" | ").append(targetText).append(" | ").append(met)
                    .append(" |\n");
        }
        r.append("\nEvery round (req/s):\n\n| scenario | storage | idflow | bare | jdbc | errors |\n|---|---|---|---|---|---|\n");
        for (Result res : results) {
            r.append("| ").append(res.scenario()).append(" | ").append(res.storage());
            for (String t : List.of("idflow", "bare", "jdbc")) {
                List<Double> rates = res.rates().get(t);
                r.append(" | ").append(rates == null ? "—" : String.join(", ", rates.stream().map(HttpBench::num).toList()));
            }
            String errors = res.errors().entrySet().stream().filter(e -> e.getValue() > 0)
                    .map(e -> e.getKey() + " " + e.getValue()).reduce((a, b) -> a + ", " + b).orElse("none");
            r.append(" | ").append(errors).append(" |\n");
        }
        if (!notes.isEmpty()) {
            r.append("\nNotes:\n\n");
            notes.forEach(n -> r.append("- ").append(n).append("\n"));
        }
        return r.toString();
    }

    private static String firstThree(String loadavg) {
        return String.join(" ", Arrays.asList(loadavg.split(" ")).subList(0, 3));
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%,.0f", v);
    }

    private static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "—" : String.format(Locale.ROOT, "%.2f×", a / b);
    }
}
