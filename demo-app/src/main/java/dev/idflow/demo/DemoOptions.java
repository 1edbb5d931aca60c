package dev.idflow.demo;

import dev.idflow.core.Idflow;
import dev.idflow.core.model.KycListEntry;
import dev.idflow.servlet.CorsOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The demo's command line. Names are kept stable: people and scripts start the demo with them. */
record DemoOptions(
        int port,
        String storage,
        Path dataDir,
        String jdbcUrl,
        String jdbcUser,
        String jdbcPassword,
        String baseUrl,
        List<ConsumerKey> consumers,
        Duration inactivityTimeout,
        Duration sweepInterval,
        List<String> frameAncestors,
        double testRps,
        double liveRps,
        List<KycListValue> kycLists,
        CorsOptions cors,
        boolean faceAnalysis,
        Duration retentionBiometrics,
        Duration retentionFlows,
        List<WebhookValue> webhooks,
        List<OperatorValue> operators) {

    static final String USAGE = """
            usage: java -jar idflow-demo.jar [options]
              --port N                    port to listen on (default 8080)
              --storage memory|h2|postgres where to keep data (default h2)
              --data-dir DIR              where h2 keeps its files, and the e-sign CAs their
                                          keystores, esign/*.p12 (default ./idflow-data)
              --jdbc-url URL              PostgreSQL JDBC URL (with --storage postgres)
              --jdbc-user USER            PostgreSQL user
              --jdbc-password PASSWORD    PostgreSQL password
              --base-url URL              public URL prefix of vlinks (default http://localhost:PORT)
              --consumer ID:KEY[:SECRET]  a consumer and its API key; without SECRET a test key,
                                          with one a live key (repeatable). KEY and SECRET: 32 to 256
                                          printable characters each (128 bits or more), no ':' in KEY.
                                          Without any, a consumer "demo" with a generated test key
                                          is created and printed.
              --signed-test-key ID:KEY:SECRET
                                          a test key with a secret, for a client that signs every
                                          request: a signed request's signature is checked as a live
                                          key's is (the sandbox, test data only; repeatable)
              --inactivity-timeout DUR    quiet time before a started flow ends 'disconnected' (default 300s)
              --sweep-interval DUR        how often timeouts are looked for (default 5s)
              --rate-limit TEST:LIVE      requests per second per key, test and live keys (default 20:200;
                                          bursts are 5x test, 2x live)
              --frame-ancestors ORIGIN    a portal origin allowed to show the hosted page in an iframe
                                          (repeatable; default: no framing)
              --cors-origin ORIGIN        a bank page's origin (scheme://host[:port], no path, no
                                          wildcard) allowed to run a liveness session from the browser
                                          with the web SDK: CORS on /liveness2/client/* and /sdk/*
                                          (repeatable; default: none)
              --retention-biometrics DUR  how long frames, liveness videos, best frames and verified faces
                                          are kept, for every consumer: ISO-8601 (P30D) or 30d, 12h, 90m
                                          (default: until the person is erased)
              --retention-flows DUR       how long an ended flow is kept whole (sessions, files,
                                          events), same forms (default: until the person is erased)
              --kyc-list CONSUMER:LIST:FIELD:VALUE
                                          puts VALUE on the consumer's KYC list LIST, which kyc-list
                                          steps check (repeatable). CONSUMER: one of --consumer (or
                                          demo without any); LIST: 1-64 of a-z 0-9 _ -; FIELD:
                                          person_id, iin or phone_number; VALUE: 1-256 characters
              --webhook CONSUMER:URL:SECRET
                                          POSTs the consumer's flow and session events to URL, signed
                                          with SECRET (16-256 printable characters, no ':'), retried
                                          for 24 h, every 2 s doubling up to 30 s (repeatable; see
                                          docs/WEBHOOKS.md). The demo allows loopback targets, over
                                          plain http too
              --operator USER:PASSWORD[:CONSUMER,...]
                                          an operator of the console at /console/ (Jetty's own login:
                                          the form at /console/login in a browser, HTTP Basic for
                                          scripts; role idflow-operator), granted the CONSUMERs
                                          listed, or every consumer without a list (repeatable; the
                                          console is off without any; see docs/CONSOLE-API.md)
              --no-face-analysis          no face analysis (idflow-face) of liveness attempts, and no face
                                          matcher: a live verilive step then ends 'unknown', never
                                          'real', and live flows cannot name veriface
              --help                      this text
            """;

    /** One --kyc-list value: a value on one of a consumer's KYC lists. */
    record KycListValue(String consumerId, String listName, String field, String value) {
        @Override
        public String toString() {
            // the value is a person's data: never in a log line by accident
            return "KycListValue[" + consumerId + ":" + listName + ":" + field + "]";
        }
    }

    /** One --operator value: a login of the console, its password, and the consumers granted (empty = all). */
    record OperatorValue(String user, String password, List<String> consumerIds) {
        @Override
        public String toString() {
            return "OperatorValue[" + user + ":***:" + String.join(",", consumerIds) + "]";
        }
    }

    /** USER:PASSWORD[:CONSUMER,…]: USER before the first ':', the consumers after the last when three parts. */
    static OperatorValue parseOperator(String value) {
        String[] parts = value.split(":", -1);
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new UsageException("--operator: must be USER:PASSWORD or USER:PASSWORD:CONSUMER,... (no ':' in the "
                    + "password), e.g. alice:a-long-password:demo");
        }
        if (!parts[0].matches("[A-Za-z0-9._@-]{1,64}")) {
            throw new UsageException("--operator: USER must be 1-64 of A-Z a-z 0-9 . _ @ -");
        }
        List<String> granted = new ArrayList<>();
        if (parts.length == 3) {
            for (String c : parts[2].split(",", -1)) {
                if (c.isEmpty()) {
                    throw new UsageException("--operator: CONSUMER list has an empty entry");
                }
                granted.add(c);
            }
        }
        return new OperatorValue(parts[0], parts[1], List.copyOf(granted));
    }

    /** One --webhook value: an endpoint of a consumer and its signing secret. */
    record WebhookValue(String consumerId, String url, String secret) {
        @Override
        public String toString() {
            return "WebhookValue[" + consumerId + ":" + url + ":***]";
        }
    }

    /** One --consumer value. */
    record ConsumerKey(String consumerId, String apiKey, String secret, boolean test) {
        ConsumerKey(String consumerId, String apiKey, String secret) {
            this(consumerId, apiKey, secret, secret == null);
        }

        @Override
        public String toString() {
            return "ConsumerKey[" + consumerId + "]";
        }
    }

    static DemoOptions parse(String[] args) {
        int port = 8080;
        String storage = "h2";
        Path dataDir = Path.of("idflow-data");
        String jdbcUrl = null;
        String jdbcUser = null;
        String jdbcPassword = null;
        String baseUrl = null;
        List<ConsumerKey> consumers = new ArrayList<>();
        Duration inactivity = Duration.ofSeconds(300);
        Duration sweepInterval = Duration.ofSeconds(5);
        List<String> frameAncestors = new ArrayList<>();
        double testRps = 20;
        double liveRps = 200;
        List<KycListValue> kycLists = new ArrayList<>();
        List<String> corsOrigins = new ArrayList<>();
        boolean faceAnalysis = true;
        Duration retentionBiometrics = null;
        Duration retentionFlows = null;
        List<WebhookValue> webhooks = new ArrayList<>();
        List<OperatorValue> operators = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            if (arg.equals("--help") || arg.equals("-h")) {
                throw new UsageException(null);
            }
            if (arg.equals("--no-face-analysis") && value == null) {
                faceAnalysis = false;
                continue;
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException(arg + ": needs a value");
                }
                value = args[++i];
            }
            switch (arg) {
                case "--port" -> port = parsePort(value);
                case "--storage" -> {
                    storage = value.toLowerCase(Locale.ROOT);
                    if (!List.of("memory", "h2", "postgres").contains(storage)) {
                        throw new UsageException("--storage: must be memory, h2 or postgres");
                    }
                }
                case "--data-dir" -> dataDir = Path.of(value);
                case "--jdbc-url" -> jdbcUrl = value;
                case "--jdbc-user" -> jdbcUser = value;
                case "--jdbc-password" -> jdbcPassword = value;
                case "--base-url" -> baseUrl = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
                case "--consumer" -> consumers.add(parseConsumer(value));
                case "--signed-test-key" -> {
                    ConsumerKey key = parseConsumer(value);
                    if (key.secret() == null) {
                        throw new UsageException("--signed-test-key: must be ID:KEY:SECRET (a signing key has a secret)");
                    }
                    consumers.add(new ConsumerKey(key.consumerId(), key.apiKey(), key.secret(), true));
                }
                case "--inactivity-timeout" -> inactivity = parseDuration(arg, value);
                case "--sweep-interval" -> sweepInterval = parseDuration(arg, value);
                case "--frame-ancestors" -> frameAncestors.add(value);
                case "--kyc-list" -> kycLists.add(parseKycList(value));
                case "--retention-biometrics" -> retentionBiometrics = parseRetention(arg, value);
                case "--retention-flows" -> retentionFlows = parseRetention(arg, value);
                case "--cors-origin" -> corsOrigins.add(value);
                case "--webhook" -> webhooks.add(parseWebhook(value));
                case "--operator" -> operators.add(parseOperator(value));
                case "--rate-limit" -> {
                    String[] parts = value.split(":");
                    try {
                        testRps = Double.parseDouble(parts[0]);
                        liveRps = Double.parseDouble(parts.length > 1 ? parts[1] : parts[0]);
                    } catch (NumberFormatException e) {
                        testRps = -1;
                    }
                    if (testRps <= 0 || liveRps <= 0) {
                        throw new UsageException("--rate-limit: must be TEST:LIVE requests per second, e.g. 20:200");
                    }
                }
                default -> throw new UsageException(arg + ": unknown option");
            }
        }
        if (storage.equals("postgres") && jdbcUrl == null) {
            throw new UsageException("--storage postgres: needs --jdbc-url (and usually --jdbc-user, --jdbc-password)");
        }
        if (baseUrl == null) {
            baseUrl = "http://localhost:" + port;
        }
        List<String> consumerIds = consumers.isEmpty() ? List.of(DemoConsumers.DEMO_CONSUMER)
                : consumers.stream().map(ConsumerKey::consumerId).toList();
        for (KycListValue entry : kycLists) {
            if (!consumerIds.contains(entry.consumerId())) {
                throw new UsageException("--kyc-list: CONSUMER " + entry.consumerId() + " is not a consumer of this "
                        + "demo (" + String.join(", ", consumerIds) + "; give it with --consumer)");
            }
        }
        for (WebhookValue hook : webhooks) {
            if (!consumerIds.contains(hook.consumerId())) {
                throw new UsageException("--webhook: CONSUMER " + hook.consumerId() + " is not a consumer of this "
                        + "demo (" + String.join(", ", consumerIds) + "; give it with --consumer)");
            }
        }
        for (OperatorValue op : operators) {
            for (String c : op.consumerIds()) {
                if (!consumerIds.contains(c)) {
                    throw new UsageException("--operator: CONSUMER " + c + " is not a consumer of this demo ("
                            + String.join(", ", consumerIds) + "; give it with --consumer)");
                }
            }
        }
        CorsOptions cors;
        try {
            cors = new CorsOptions(corsOrigins);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--cors-origin: " + e.getMessage());
        }
        return new DemoOptions(port, storage, dataDir, jdbcUrl, jdbcUser, jdbcPassword, baseUrl,
                List.copyOf(consumers), inactivity, sweepInterval, List.copyOf(frameAncestors), testRps, liveRps,
                List.copyOf(kycLists), cors, faceAnalysis, retentionBiometrics, retentionFlows,
                List.copyOf(webhooks), List.copyOf(operators));
    }

    /**
     * CONSUMER:URL:SECRET: CONSUMER up to the first ':', SECRET after the last (so it holds no ':'), the URL
     * between (its own ':'s included). The URL and the secret are checked when the demo registers them, by
     * the rules {@code Idflow.webhooks()} applies; the secret is never repeated in a message.
     */
    static WebhookValue parseWebhook(String value) {
        int first = value.indexOf(':');
        int last = value.lastIndexOf(':');
        if (first <= 0 || last <= first + 1 || last == value.length() - 1) {
            throw new UsageException("--webhook: must be CONSUMER:URL:SECRET, e.g. demo:http://127.0.0.1:9000/hook:"
                    + "a-secret-of-16-chars");
        }
        return new WebhookValue(value.substring(0, first), value.substring(first + 1, last), value.substring(last + 1));
    }

    /**
     * CONSUMER:LIST:FIELD:VALUE, each part checked by the rules the KYC lists apply, so that a mistyped one
     * is a usage error naming the part (exit status 2) rather than a stack trace at start. The value may
     * hold ':' itself; it is never repeated in a message (it is a person's data).
     */
    static KycListValue parseKycList(String value) {
        String[] parts = value.split(":", 4);
        if (parts.length < 4) {
            throw new UsageException("--kyc-list: must be CONSUMER:LIST:FIELD:VALUE (" + parts.length + " of the 4 parts given)");
        }
        if (parts[0].isEmpty()) {
            throw new UsageException("--kyc-list: CONSUMER is empty");
        }
        try {
            KycListEntry.checkListName(parts[1]);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--kyc-list: LIST must be 1-64 characters of a-z, 0-9, _ and -");
        }
        try {
            KycListEntry.checkField(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--kyc-list: FIELD must be one of " + String.join(", ", KycListEntry.FIELDS));
        }
        if (KycListEntry.storedForm(parts[2], parts[3]).isEmpty()) {
            throw new UsageException("--kyc-list: VALUE must be 1-" + KycListEntry.MAX_VALUE_LENGTH + " characters, not blank"
                    + (parts[2].equals(KycListEntry.PHONE_NUMBER) ? "; a phone_number holds digits, one leading '+' "
                    + "and spaces, '-', '(', ')' or '.' between them" : ""));
        }
        return new KycListValue(parts[0], parts[1], parts[2], parts[3]);
    }

    private static int parsePort(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new UsageException("--port: must be a number from 0 to 65535");
        }
    }

    static ConsumerKey parseConsumer(String value) {
        String[] parts = value.split(":", 3);
        if (parts.length < 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new UsageException("--consumer: must be ID:KEY or ID:KEY:SECRET");
        }
        String secret = parts.length == 3 && !parts[2].isEmpty() ? parts[2] : null;
        // the same rule Idflow.addTestKey/addLiveKey applies, checked here so that a short key is a usage
        // error (message, exit status 2) rather than a stack trace at start
        try {
            Idflow.checkKeyStrength("API key", parts[1]);
            if (secret != null) {
                Idflow.checkKeyStrength("API secret", secret);
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("--consumer " + parts[0] + ": " + e.getMessage());
        }
        return new ConsumerKey(parts[0], parts[1], secret);
    }

    /** 500ms, 1s, 20s, 5m, 1h; a bare number is seconds. */
    static Duration parseRetention(String option, String value) {
        try {
            return dev.idflow.core.Retention.parsePeriod(value);
        } catch (IllegalArgumentException e) {
            throw new UsageException(option + ": " + e.getMessage());
        }
    }

    static Duration parseDuration(String option, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            long n = Long.parseLong(v.replaceAll("[smh]$", ""));
            Duration d = v.endsWith("h") ? Duration.ofHours(n) : v.endsWith("m") ? Duration.ofMinutes(n) : Duration.ofSeconds(n);
            if (d.isNegative() || d.isZero()) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException(option + ": must be a positive duration such as 500ms, 20s, 5m or 1h");
        }
    }

    /** A command line that cannot be run; the message says why (null: show the usage). */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message, null, false, false);
        }
    }
}
