package dev.idflow.core.engine;

import dev.idflow.core.model.FlowEvent;
import dev.idflow.core.spi.LivenessAnalyzer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * idflow's meters, on the host's Micrometer registry ({@code Idflow.builder().meterRegistry(registry)});
 * without one every method does nothing (no global registry is ever used). Tags are few and bounded:
 * the kind of flow (test, live), end causes and statuses, and service names known to the registry
 * (any other name, such as a test flow's made-up service, is tagged {@code other}); never a person,
 * flow, session or consumer id.
 *
 * <p>Meters (Prometheus adds {@code _total}, {@code _seconds}): {@code idflow.flow.creations}, {@code idflow.flow.starts},
 * {@code idflow.flow.endings} (counters by {@code kind}; endings also by {@code end_cause} and
 * {@code flow_status}), {@code idflow.session.endings} ({@code service}, {@code status}),
 * {@code idflow.liveness.attempts} ({@code verdict}: pass, fail, unknown, or refused when it came too late),
 * {@code idflow.service.latency} (timer by {@code service} and {@code phase}: open, act, complete, judge),
 * {@code idflow.analyzer.latency} (timer by {@code analyzer}), {@code idflow.sweeper.lag} (timer: how late
 * a due flow was claimed), {@code idflow.events.delivered} (counter), and for webhooks
 * {@code idflow.webhook.deliveries} ({@code outcome}) and the gauge {@code idflow.webhook.backlog}.
 */
public final class Metrics {
    /** Records nothing. */
    public static final Metrics NONE = new Metrics(null, name -> false);

    private final MeterRegistry registry;
    private final Predicate<String> knownService;

    private Metrics(MeterRegistry registry, Predicate<String> knownService) {
        this.registry = registry;
        this.knownService = knownService;
    }

    /** Meters on {@code registry}, or {@link #NONE} when it is null. */
    public static Metrics on(MeterRegistry registry) {
        return registry == null ? NONE : new Metrics(registry, name -> false);
    }

    /** The same registry, with service names tagged as themselves when {@code knownService} accepts them. */
    public Metrics knowingServices(Predicate<String> knownService) {
        return registry == null ? NONE : new Metrics(registry, knownService);
    }

    public boolean enabled() {
        return registry != null;
    }

    private static String kind(boolean test) {
        return test ? "test" : "live";
    }

    String service(String name) {
        return name != null && knownService.test(name) ? name : "other";
    }

    private void count(String name, String... tags) {
        if (registry != null) {
            Counter.builder(name).tags(tags).register(registry).increment();
        }
    }

    public void flowCreated(boolean test) {
        count("idflow.flow.creations", "kind", kind(test));
    }

    /** The events of a change that was committed: flows started and ended, sessions ended. */
    void committed(Iterable<FlowEvent> events, boolean test) {
        if (registry == null) {
            return;
        }
        for (FlowEvent e : events) {
            var p = e.payload();
            switch (e.type()) {
                case FLOW_STARTED -> count("idflow.flow.starts", "kind", kind(test));
                case FLOW_ENDED -> count("idflow.flow.endings", "kind", kind(test),
                        "end_cause", p == null ? "none" : p.path("end_cause").asText("none"),
                        "flow_status", p == null ? "unknown" : p.path("flow_status").asText("unknown"));
                case SESSION_ENDED -> count("idflow.session.endings", "kind", kind(test),
                        "service", service(p == null ? null : p.path("service_name").asText(null)),
                        "status", p == null ? "unknown" : p.path("session_status").asText("unknown"));
            }
        }
    }

    private static final Set<String> VERDICTS = Set.of("pass", "fail", "unknown", "refused");

    /** A liveness attempt's verdict: pass, fail, unknown, or refused (the session no longer took it). */
    void attempt(String verdict, Boolean test) {
        count("idflow.liveness.attempts", "kind", test == null ? "unknown" : kind(test), "verdict", VERDICTS.contains(verdict) ? verdict : "other");
    }

    /** Times a service call ({@code phase}: open, act, complete, judge). */
    public <T> T timeService(String serviceName, String phase, Callable<T> call) throws Exception {
        if (registry == null) {
            return call.call();
        }
        long start = System.nanoTime();
        try {
            return call.call();
        } finally {
            Timer.builder("idflow.service.latency").tags("service", service(serviceName), "phase", phase)
                    .register(registry).record(Duration.ofNanos(System.nanoTime() - start));
        }
    }

    /** {@code analyzer}, its {@code analyze} timed as {@code idflow.analyzer.latency{analyzer=name}}. */
    public LivenessAnalyzer timed(LivenessAnalyzer analyzer, String name) {
        if (registry == null || analyzer == null) {
            return analyzer;
        }
        Timer timer = Timer.builder("idflow.analyzer.latency").tag("analyzer", name).register(registry);
        return new LivenessAnalyzer() {
            @Override
            public Verdict analyze(Attempt attempt) throws Exception {
                long start = System.nanoTime();
                try {
                    return analyzer.analyze(attempt);
                } finally {
                    timer.record(Duration.ofNanos(System.nanoTime() - start));
                }
            }

            @Override
            public java.util.Set<String> checkableActions() {
                return analyzer.checkableActions();
            }
        };
    }

    /** How late the sweeper claimed a flow after its deadline. */
    void sweeperLag(Duration lag) {
        if (registry != null) {
            Timer.builder("idflow.sweeper.lag").register(registry).record(lag.isNegative() ? Duration.ZERO : lag);
        }
    }

    public void eventsDelivered(int n) {
        if (registry != null && n > 0) {
            Counter.builder("idflow.events.delivered").register(registry).increment(n);
        }
    }

    // ---- for the webhook delivery ----

    private static final Set<String> DELIVERY_OUTCOMES = Set.of("delivered", "failed", "retried", "dead", "refused");

    /** One webhook delivery attempt's outcome: delivered, failed, retried, dead or refused (SSRF guard). */
    public void webhookDelivery(String outcome) {
        count("idflow.webhook.deliveries", "outcome", DELIVERY_OUTCOMES.contains(outcome) ? outcome : "other");
    }

    /** How long one webhook delivery took (the HTTP exchange). */
    public void webhookLatency(Duration took) {
        if (registry != null) {
            Timer.builder("idflow.webhook.latency").register(registry).record(took);
        }
    }

    /**
     * The number of webhook deliveries waiting, read when the registry is scraped (a cheap count through the
     * store, or a cached one). Registered once; a second call replaces nothing.
     */
    public void webhookBacklog(Supplier<Number> waiting) {
        if (registry != null) {
            Gauge.builder("idflow.webhook.backlog", waiting).strongReference(true).register(registry);
        }
    }

    /** Seconds since the background loop last ended a run on this node (NaN before its first). */
    public void backgroundAge(Supplier<Number> secondsSinceLastRun) {
        if (registry != null) {
            Gauge.builder("idflow.background.last_run.age", secondsSinceLastRun).baseUnit("seconds")
                    .strongReference(true).register(registry);
        }
    }
}
