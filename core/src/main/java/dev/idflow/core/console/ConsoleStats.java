package dev.idflow.core.console;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.EndCause;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.Flow;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.spi.FlowQuery;
import dev.idflow.core.spi.IdflowStorage;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The console's charts for one consumer over a time range: flows per UTC day by outcome, the funnel of the
 * steps flows reached and where they stopped, and how many attempts the liveness steps took. Counted here
 * from the storage's own queries ({@link dev.idflow.core.spi.FlowRepository#search} and
 * {@link dev.idflow.core.spi.SessionRepository#findByFlowIds}, 100 flows a query), at most {@link #MAX_FLOWS}
 * flows, newest first, so a chart never costs more than 200 queries.
 */
final class ConsoleStats {
    /** The most flows one answer counts (the newest of the range); {@code truncated} says there were more. */
    static final int MAX_FLOWS = 10_000;
    static final Duration DEFAULT_SPAN = Duration.ofDays(30);
    static final Duration MAX_SPAN = Duration.ofDays(366);
    private static final Set<String> PARAMETERS = Set.of("from", "before", "test");

    private final IdflowStorage storage;

    ConsoleStats(IdflowStorage storage) {
        this.storage = storage;
    }

    /** The answer of {@code GET /consumers/{c}/stats}; {@code now} is Idflow's clock. */
    ObjectNode stats(String consumerId, Map<String, String> q, Instant now) {
        for (String name : q.keySet()) {
            if (!PARAMETERS.contains(name)) {
                throw ConsoleException.invalid(name, "is not a parameter of the stats (from, before, test)");
            }
        }
        // "now" counts: a flow created this very millisecond is in the default range
        Instant before = q.containsKey("before") ? time(q, "before") : now.plusMillis(1);
        Instant from = q.containsKey("from") ? time(q, "from") : before.minus(DEFAULT_SPAN);
        if (!from.isBefore(before)) {
            throw ConsoleException.invalid("from", "must be before before");
        }
        if (Duration.between(from, before).compareTo(MAX_SPAN) > 0) {
            throw ConsoleException.invalid("from", "must be at most 366 days before before");
        }
        Boolean test = ConsoleApi.testParameter(q);
        List<Flow> flows = new ArrayList<>();
        boolean truncated = collect(consumerId, from, before, test, flows);

        ObjectNode out = Json.mapper().createObjectNode();
        out.put("consumer_id", consumerId);
        out.put("from", from.toString());
        out.put("before", before.toString());
        out.put("flows_counted", flows.size());
        out.put("truncated", truncated);
        Map<LocalDate, int[]> days = days(from, before);
        Map<Step, int[]> funnel = new TreeMap<>();
        Map<Integer, Integer> attempts = new TreeMap<>();
        for (int i = 0; i < flows.size(); i += FlowQuery.MAX_LIMIT) {
            List<Flow> page = flows.subList(i, Math.min(flows.size(), i + FlowQuery.MAX_LIMIT));
            // the sessions of a page of flows in one read, not one read per flow
            Map<String, List<ServiceSession>> sessions = storage.sessions()
                    .findByFlowIds(page.stream().map(Flow::flowId).toList());
            for (Flow f : page) {
                int[] day = days.get(LocalDate.ofInstant(f.createdAt(), ZoneOffset.UTC));
                if (day != null) {
                    day[outcome(f)]++;
                }
                count(f, sessions.getOrDefault(f.flowId(), List.of()), funnel, attempts);
            }
        }
        ArrayNode dayRows = out.putArray("days");
        days.forEach((date, n) -> dayRows.addObject().put("date", date.toString())
                .put("pass", n[0]).put("fail", n[1]).put("unknown", n[2]).put("running", n[3]));
        ArrayNode stepRows = out.putArray("funnel");
        funnel.forEach((step, n) -> stepRows.addObject().put("step_id", step.stepId()).put("service_name", step.service())
                .put("reached", n[0]).put("passed", n[1]).put("failed", n[2]).put("stopped", n[3]));
        ArrayNode attemptRows = out.putArray("attempts");
        attempts.forEach((used, sessions) -> attemptRows.addObject().put("attempts", used).put("sessions", sessions));
        return out;
    }

    /** The newest {@link #MAX_FLOWS} flows of the range into {@code out}, a page at a time; whether there were more. */
    private boolean collect(String consumerId, Instant from, Instant before, Boolean test, List<Flow> out) {
        FlowQuery.Position after = null;
        while (true) {
            List<Flow> page = storage.flows().search(new FlowQuery(consumerId, null, null, from, before, List.of(), test,
                    after, FlowQuery.MAX_LIMIT));
            for (Flow f : page) {
                if (out.size() == MAX_FLOWS) {
                    return true;
                }
                out.add(f);
            }
            if (page.size() < FlowQuery.MAX_LIMIT) {
                return false;
            }
            Flow last = page.get(page.size() - 1);
            after = new FlowQuery.Position(last.createdAt(), last.flowId());
        }
    }

    /** Every UTC day the range touches, in order, each with zero counts (pass, fail, unknown, running). */
    private static Map<LocalDate, int[]> days(Instant from, Instant before) {
        Map<LocalDate, int[]> days = new LinkedHashMap<>();
        LocalDate last = LocalDate.ofInstant(before.minusNanos(1), ZoneOffset.UTC);
        for (LocalDate d = LocalDate.ofInstant(from, ZoneOffset.UTC); !d.isAfter(last); d = d.plusDays(1)) {
            days.put(d, new int[4]);
        }
        return days;
    }

    private static int outcome(Flow f) {
        if (!f.ended()) {
            return 3;
        }
        return switch (f.flowStatus()) {
            case PASS -> 0;
            case FAIL -> 1;
            case UNKNOWN -> 2;
        };
    }

    /** A step of the funnel: the order flows meet it (its index in the pipeline), then its id and service. */
    record Step(int index, String stepId, String service) implements Comparable<Step> {
        private static final Comparator<Step> ORDER = Comparator.comparingInt(Step::index)
                .thenComparing(Step::stepId).thenComparing(Step::service);

        @Override
        public int compareTo(Step o) {
            return ORDER.compare(this, o);
        }
    }

    /**
     * One flow's share of the funnel and of the attempts. A step is reached when it has a session; its outcome
     * is its newest session's. It stopped there when the flow ended while at the step without a verdict: no
     * pass or fail, or failed only because the flow timed out or was disconnected there (the engine then
     * closes the open session as failed; the person went away, the service did not deny them).
     */
    static void count(Flow f, List<ServiceSession> sessions, Map<Step, int[]> funnel, Map<Integer, Integer> attempts) {
        Map<String, List<ServiceSession>> byStep = new LinkedHashMap<>();
        for (ServiceSession s : sessions) {
            if (s.stepId() != null) {
                byStep.computeIfAbsent(s.stepId(), k -> new ArrayList<>()).add(s);
            }
        }
        boolean walkedAway = f.ended() && (f.endCause() == EndCause.TIMEOUT || f.endCause() == EndCause.DISCONNECTED);
        byStep.forEach((stepId, tries) -> {
            ServiceSession last = tries.stream().max(Comparator.comparing(ServiceSession::createdAt)
                    .thenComparing(ServiceSession::sessionId)).orElseThrow();
            int index = f.template().indexOf(stepId);
            int[] n = funnel.computeIfAbsent(new Step(index < 0 ? Integer.MAX_VALUE : index, stepId, last.serviceName()),
                    k -> new int[4]);
            n[0]++;
            boolean endedHere = f.ended() && stepId.equals(f.currentStepId());
            if (last.status() == ExecutionStatus.PASS) {
                n[1]++;
            } else if (endedHere && (walkedAway || last.status() == ExecutionStatus.UNKNOWN)) {
                n[3]++;
            } else if (last.status() == ExecutionStatus.FAIL) {
                n[2]++;
            } else if (f.ended()) {
                // no verdict, and the flow went on or ended elsewhere: it stopped being decided here
                n[3]++;
            }
            // liveness: the hosted page gives each session one attempt and a retry is a new session, so the
            // attempts a step took are its camera sessions
            long camera = tries.stream().filter(s -> s.liveness() != null).count();
            if (camera > 0) {
                attempts.merge((int) camera, 1, Integer::sum);
            }
        });
    }

    /** An ISO-8601 UTC instant, or a date (its first instant, UTC). */
    private static Instant time(Map<String, String> q, String name) {
        String v = q.get(name);
        try {
            return v.length() == 10 ? LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw ConsoleException.invalid(name, "must be an ISO-8601 UTC instant (2026-01-31T00:00:00Z) or a date (2026-01-31)");
        }
    }
}
