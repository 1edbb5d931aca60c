package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.servlet.PersonDevice.Created;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Micrometer meters on the host's registry move as flows run through a real Jetty: flows created,
 * started and ended by cause and status, sessions by service and outcome, liveness attempts by verdict,
 * service latencies, the sweeper's lag; and no tag names a person, flow or session.
 */
class MetricsTest {
    static final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    static TestServer server;
    static PersonDevice device;
    static final List<String> ids = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc", b -> b.meterRegistry(registry));
        device = PersonDevice.testKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static double count(String name, String... tags) {
        Counter c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private static long timed(String name, String... tags) {
        Timer t = registry.find(name).tags(tags).timer();
        return t == null ? 0 : t.count();
    }

    @Test
    void theCountersMoveAsAFlowRunsToItsEnd() throws Exception {
        double created = count("idflow.flow.creations", "kind", "test");
        double started = count("idflow.flow.starts", "kind", "test");
        double completed = count("idflow.flow.endings", "kind", "test", "end_cause", "completed", "flow_status", "pass");
        double consents = count("idflow.session.endings", "service", "consent", "status", "pass");
        double livenessPassed = count("idflow.session.endings", "service", "verilive", "status", "pass");
        double passes = count("idflow.liveness.attempts", "kind", "test", "verdict", "pass");
        long opens = timed("idflow.service.latency", "service", "consent", "phase", "open");
        long acts = timed("idflow.service.latency", "service", "consent", "phase", "act");
        long judged = timed("idflow.service.latency", "service", "verilive", "phase", "judge");

        String person = newPerson();
        device.script(person, "verilive", "real");
        Created flow = device.createFlow(person, "[{\"service_name\":\"consent\"},{\"service_name\":\"verilive\"}]");
        ids.add(person);
        ids.add(flow.flowId());
        assertThat(count("idflow.flow.creations", "kind", "test")).isEqualTo(created + 1);
        assertThat(count("idflow.flow.starts", "kind", "test")).isEqualTo(started);

        device.start(flow.vlinkId());
        device.start(flow.vlinkId()); // a second start starts nothing
        assertThat(count("idflow.flow.starts", "kind", "test")).isEqualTo(started + 1);
        assertThat(timed("idflow.service.latency", "service", "consent", "phase", "open")).isGreaterThan(opens);

        device.consent(flow.vlinkId());
        assertThat(count("idflow.session.endings", "service", "consent", "status", "pass")).isEqualTo(consents + 1);
        assertThat(timed("idflow.service.latency", "service", "consent", "phase", "act")).isEqualTo(acts + 1);

        device.doLiveness(flow.vlinkId());
        assertThat(count("idflow.liveness.attempts", "kind", "test", "verdict", "pass")).isEqualTo(passes + 1);
        assertThat(timed("idflow.service.latency", "service", "verilive", "phase", "judge")).isEqualTo(judged + 1);
        assertThat(count("idflow.session.endings", "service", "verilive", "status", "pass")).isEqualTo(livenessPassed + 1);
        assertThat(count("idflow.flow.endings", "kind", "test", "end_cause", "completed", "flow_status", "pass"))
                .isEqualTo(completed + 1);
        collectSessionIds(flow.flowId());
    }

    @Test
    void aFailedAttemptAndATimeoutAreCountedByVerdictAndCause() throws Exception {
        double fails = count("idflow.liveness.attempts", "kind", "test", "verdict", "fail");
        double timeouts = count("idflow.flow.endings", "kind", "test", "end_cause", "timeout", "flow_status", "fail");
        long lags = timed("idflow.sweeper.lag");

        String person = newPerson();
        device.script(person, "verilive", "attack");
        Created flow = device.createFlow(person, "[{\"service_name\":\"verilive\",\"max_retries\":2}]");
        ids.add(person);
        ids.add(flow.flowId());
        device.start(flow.vlinkId());
        device.doLiveness(flow.vlinkId());
        assertThat(count("idflow.liveness.attempts", "kind", "test", "verdict", "fail")).isEqualTo(fails + 1);

        Created idle = device.createFlow(newPerson(), "[{\"service_name\":\"verilive\"}]", "\"ttl\":60");
        ids.add(idle.flowId());
        server.clock.advance(Duration.ofSeconds(90));
        server.idflow.sweepOnce();
        assertThat(count("idflow.flow.endings", "kind", "test", "end_cause", "timeout", "flow_status", "fail"))
                .as("the idle flow's ttl, and the attacked flow's inactivity or timeout are counted by cause")
                .isGreaterThanOrEqualTo(timeouts + 1);
        Timer lag = registry.find("idflow.sweeper.lag").timer();
        assertThat(lag).isNotNull();
        assertThat(lag.count()).isGreaterThan(lags);
        assertThat(lag.max(java.util.concurrent.TimeUnit.SECONDS)).as("claimed about 30 s after its ttl").isGreaterThanOrEqualTo(29);
        collectSessionIds(flow.flowId());
    }

    @Test
    void noMeterIsTaggedWithAPersonFlowOrSessionId() throws Exception {
        theCountersMoveAsAFlowRunsToItsEnd();
        List<String> values = new ArrayList<>();
        for (Meter m : registry.getMeters()) {
            assertThat(m.getId().getName()).startsWith("idflow.");
            for (Tag t : m.getId().getTags()) {
                values.add(t.getValue());
            }
        }
        assertThat(values).isNotEmpty().doesNotContainAnyElementsOf(ids);
        assertThat(values).noneMatch(v -> v.matches(".*[0-9A-HJKMNP-TV-Z]{26}.*"));
    }

    private static void collectSessionIds(String flowId) {
        StepsOnTheWire.sessions(server, flowId).forEach(s -> ids.add(s.sessionId()));
    }
}
