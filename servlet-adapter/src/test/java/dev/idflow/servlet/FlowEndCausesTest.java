package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.assertNoInternals;
import static dev.idflow.servlet.PersonDevice.clientError;
import static dev.idflow.servlet.PersonDevice.stateNames;
import static dev.idflow.servlet.PersonDevice.statuses;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.spi.ServiceHandler;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Reply;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every end cause of PRODUCT.md, reached through HTTP and the sweeper with a settable clock:
 * completed, timeout (a step's timeout, an unstarted flow's ttl), disconnected (the person went quiet
 * after a session started; their calls keep the flow alive), failed (the host's service threw).
 */
class FlowEndCausesTest {
    /** Default settings: inactivity threshold 300 s. */
    static TestServer server;
    static PersonDevice device;
    /** A host with its own kisc integration and a 30 s inactivity threshold. */
    static TestServer host;
    static PersonDevice hostDevice;
    static final AtomicReference<String> kiscMode = new AtomicReference<>("pass");
    static final AtomicInteger kiscCalls = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
        device = PersonDevice.testKey(server);
        host = new TestServer("/bank/kyc", b -> b.service(new Kisc()).inactivityTimeout(Duration.ofSeconds(30)));
        hostDevice = PersonDevice.testKey(host);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        host.close();
    }

    /** The bank's KISC integration: passes, fails, throws with internals in its message, or answers nothing. */
    static final class Kisc implements ServiceHandler {
        @Override
        public String serviceName() {
            return "kisc";
        }

        @Override
        public Outcome execute(Call call) {
            kiscCalls.incrementAndGet();
            ObjectNode result = ApiAssertions.JSON.createObjectNode().put("service_name", "kisc");
            return switch (kiscMode.get()) {
                case "pass" -> new Outcome(ExecutionStatus.PASS, result.put("service_status", "success")
                        .put("person_name", "ALIYEV ARMAN").put("iin", "900101300123").put("country_code", "KAZ"),
                        Map.of("kisc_pii", new File("application/json", "{\"iin\":\"900101300123\"}".getBytes())));
                case "throw" -> throw new IllegalStateException(
                        "org.postgresql.util.PSQLException: SELECT * FROM kisc_secrets WHERE iin=? stack");
                case "null" -> null;
                default -> throw new AssertionError(kiscMode.get());
            };
        }
    }

    // ---------------------------------------------------------------- completed

    @Test
    void aFlowThatRanToItsEndIsCompletedAndTheSweeperLeavesItAlone() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"consent\",\"timeout\":10}]");
        device.start(flow.vlinkId());
        device.consent(flow.vlinkId());
        Instant endedAt = server.clock.instant();

        server.clock.advance(Duration.ofDays(2));
        server.idflow.sweepOnce();

        JsonNode read = device.flow(flow.flowId());
        assertThat(read.get("end_cause").asText()).isEqualTo("completed");
        assertThat(read.get("flow_status").asText()).isEqualTo("pass");
        assertThat(Instant.parse(read.get("ended_at").asText())).isEqualTo(endedAt);
    }

    // ---------------------------------------------------------------- timeout: a step's timeout

    @Test
    void aStepThatOutlivesItsTimeoutEndsTheFlowByTimeoutAndClosesItsOpenSession() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"verilive\",\"timeout\":10}]");
        JsonNode step = device.start(flow.vlinkId()).get("current_step");
        assertThat(Instant.parse(step.get("expires_at").asText()))
                .as("a token never outlives its step").isEqualTo(server.clock.instant().plusSeconds(10));

        server.clock.advance(Duration.ofSeconds(9));
        server.idflow.sweepOnce();
        assertThat(device.flow(flow.flowId()).has("end_cause")).as("not yet").isFalse();

        server.clock.advance(Duration.ofSeconds(2));
        assertThat(server.idflow.sweepOnce()).isGreaterThanOrEqualTo(1);
        Instant endedAt = server.clock.instant();

        JsonNode state = device.state(flow.vlinkId());
        assertThat(state.get("end_cause").asText()).isEqualTo("timeout");
        assertThat(state.get("flow_status").asText()).isEqualTo("fail");
        assertThat(state.has("current_step")).isFalse();
        assertThat(FlowLifecycleTest.stepStatuses(state)).containsExactly("failed");
        JsonNode read = device.flow(flow.flowId());
        assertThat(read.get("end_cause").asText()).isEqualTo("timeout");
        assertThat(Instant.parse(read.get("ended_at").asText())).isEqualTo(endedAt);

        JsonNode result = device.result(flow.flowId());
        assertThat(result.get("end_cause").asText()).isEqualTo("timeout");
        assertThat(result.get("flow_status").asText()).isEqualTo("fail");
        JsonNode session = statuses(result).get(0);
        assertThat(session.get("session_id").asText()).isEqualTo(step.get("session_id").asText());
        assertThat(session.get("session_state").asText()).isEqualTo("processed");
        assertThat(stateNames(session.get("session_states"))).containsExactly("created", "processing", "processed");
        assertThat(session.get("session_status").asText()).isEqualTo("fail");
        assertThat(session.get("frontend_session_status").asText()).isEqualTo("expired");
        assertThat(session.at("/session_result/error_codes/0").asText()).isEqualTo("timeout");
        assertThat(device.journal(step.get("session_id").asText()).at("/result/error_codes/0").asText())
                .isEqualTo("timeout");

        // the closed session takes no attempt any more
        clientError(device.attemptReply(step.get("access_token").asText(), device.honestAttempt(step)),
                409, "NO_ATTEMPTS_LEFT");
        // a second sweep finds nothing more to do with it
        server.idflow.sweepOnce();
        assertThat(Instant.parse(device.flow(flow.flowId()).get("ended_at").asText())).isEqualTo(endedAt);
    }

    @Test
    void aTimedOutStepThatIsNotALivenessStepIsClosedAsExpiredToo() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"consent\",\"timeout\":10},"
                + "{\"service_name\":\"verilive\"}]");
        device.start(flow.vlinkId());
        server.clock.advance(Duration.ofSeconds(11));
        server.idflow.sweepOnce();

        JsonNode result = device.result(flow.flowId());
        assertThat(result.get("end_cause").asText()).isEqualTo("timeout");
        assertThat(result.get("sessions_count").asInt()).isEqualTo(1);
        JsonNode consent = statuses(result).get(0);
        assertThat(consent.get("session_state").asText()).isEqualTo("processed");
        assertThat(consent.get("session_status").asText()).isEqualTo("fail");
        // the person did not deny anything: their time ran out
        assertThat(consent.get("frontend_session_status").asText()).isEqualTo("expired");
        clientError(device.submitReply(flow.vlinkId(), "step-1", "{\"accepted\":true}"), 409, "FLOW_ENDED");
    }

    @Test
    void eachStepGetsItsOwnTimeoutFromWhenItStarted() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"consent\",\"timeout\":10},"
                + "{\"service_name\":\"consent\",\"timeout\":60}]");
        device.start(flow.vlinkId());
        server.clock.advance(Duration.ofSeconds(8));
        device.submit(flow.vlinkId(), "step-1", "{\"accepted\":true}");

        server.clock.advance(Duration.ofSeconds(30)); // 38 s after start: past step-1's 10 s, within step-2's 60 s
        server.idflow.sweepOnce();
        assertThat(device.flow(flow.flowId()).has("end_cause")).isFalse();
        assertThat(Instant.parse(device.flow(flow.flowId()).get("current_step_started_at").asText()))
                .isEqualTo(server.clock.instant().minusSeconds(30));

        server.clock.advance(Duration.ofSeconds(31));
        server.idflow.sweepOnce();
        assertThat(device.flow(flow.flowId()).get("end_cause").asText()).isEqualTo("timeout");
    }

    // ---------------------------------------------------------------- timeout: ttl

    @Test
    void anUnstartedFlowEndsByTimeoutWhenItsTtlRunsOut() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"verilive\"}]", "\"ttl\":60");
        server.clock.advance(Duration.ofSeconds(59));
        server.idflow.sweepOnce();
        JsonNode alive = device.flow(flow.flowId());
        assertThat(alive.has("end_cause")).isFalse();
        assertThat(alive.get("flow_status").asText()).isEqualTo("unknown");

        server.clock.advance(Duration.ofSeconds(2));
        assertThat(server.idflow.sweepOnce()).isGreaterThanOrEqualTo(1);

        JsonNode read = device.flow(flow.flowId());
        assertThat(read.get("end_cause").asText()).isEqualTo("timeout");
        assertThat(read.get("flow_status").asText()).isEqualTo("fail");
        assertThat(Instant.parse(read.get("ended_at").asText())).isEqualTo(server.clock.instant());
        assertThat(read.has("started_at")).isFalse();
        // the person comes too late
        clientError(device.startReply(flow.vlinkId()), 409, "FLOW_ENDED");
        JsonNode state = device.state(flow.vlinkId());
        assertThat(state.get("started").asBoolean()).isFalse();
        assertThat(state.get("end_cause").asText()).isEqualTo("timeout");
        // nobody started it: there is still no result to read
        assertError(device.resultReply(flow.flowId()), 404, "FLOW_NOT_STARTED", "flow_id");
    }

    @Test
    void anUnstartedFlowIsNeverDisconnectedOnlyTimedOutByItsTtl() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]", "\"ttl\":3600");
        server.clock.advance(Duration.ofSeconds(1000));
        server.idflow.sweepOnce();
        assertThat(device.flow(flow.flowId()).has("end_cause")).isFalse();
        device.start(flow.vlinkId());
        assertThat(device.consent(flow.vlinkId()).get("end_cause").asText()).isEqualTo("completed");
    }

    // ---------------------------------------------------------------- disconnected

    @Test
    void aPersonWhoGoesQuietAfterStartingIsDisconnectedAfterTheDefaultThreshold() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"consent\",\"timeout\":3600}]");
        device.start(flow.vlinkId());

        server.clock.advance(Duration.ofSeconds(299));
        server.idflow.sweepOnce();
        assertThat(device.flow(flow.flowId()).has("end_cause")).isFalse();

        server.clock.advance(Duration.ofSeconds(2));
        server.idflow.sweepOnce();
        JsonNode read = device.flow(flow.flowId());
        assertThat(read.get("end_cause").asText()).isEqualTo("disconnected");
        assertThat(read.get("flow_status").asText()).isEqualTo("fail");
        JsonNode session = statuses(device.result(flow.flowId())).get(0);
        assertThat(session.get("session_state").asText()).isEqualTo("processed");
        assertThat(session.get("session_status").asText()).isEqualTo("fail");
    }

    @Test
    void everyCallThroughTheVlinkKeepsTheFlowAlive() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"consent\",\"timeout\":3600}]");
        device.start(flow.vlinkId());

        server.clock.advance(Duration.ofSeconds(200));
        device.state(flow.vlinkId()); // the page polls: activity
        server.clock.advance(Duration.ofSeconds(101)); // 301 s after start, 101 s after the poll
        server.idflow.sweepOnce();
        assertThat(device.flow(flow.flowId()).has("end_cause")).as("alive: the poll counted").isFalse();

        server.clock.advance(Duration.ofSeconds(198)); // 299 s after the poll
        server.idflow.sweepOnce();
        assertThat(device.flow(flow.flowId()).has("end_cause")).isFalse();

        server.clock.advance(Duration.ofSeconds(2));
        server.idflow.sweepOnce();
        assertThat(device.flow(flow.flowId()).get("end_cause").asText()).isEqualTo("disconnected");
    }

    @Test
    void aRepeatedStartAndARefusedSubmitAreCallsThroughTheVlinkToo() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"consent\",\"timeout\":3600},"
                + "{\"service_name\":\"consent\"}]");
        device.start(flow.vlinkId());

        server.clock.advance(Duration.ofSeconds(200));
        device.start(flow.vlinkId()); // the page reloaded: start again, idempotent, but the person is there
        server.clock.advance(Duration.ofSeconds(200)); // 400 s after start, 200 s after the reload
        server.idflow.sweepOnce();
        assertThat(device.flow(flow.flowId()).has("end_cause")).as("the repeated start counted").isFalse();

        clientError(device.submitReply(flow.vlinkId(), "step-2", "{\"accepted\":true}"), 409, "STEP_NOT_CURRENT");
        server.clock.advance(Duration.ofSeconds(200)); // 400 s after the reload, 200 s after the refused submit
        server.idflow.sweepOnce();
        assertThat(device.flow(flow.flowId()).has("end_cause")).as("the refused submit counted").isFalse();

        server.clock.advance(Duration.ofSeconds(101));
        server.idflow.sweepOnce();
        assertThat(device.flow(flow.flowId()).get("end_cause").asText()).isEqualTo("disconnected");
    }

    @Test
    void aStartedFlowOutlivingItsTtlEndsByTimeout() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"consent\",\"timeout\":3600}]",
                "\"ttl\":120");
        server.clock.advance(Duration.ofSeconds(60));
        device.start(flow.vlinkId());
        server.clock.advance(Duration.ofSeconds(59));
        device.state(flow.vlinkId());
        server.idflow.sweepOnce();
        assertThat(device.flow(flow.flowId()).has("end_cause")).isFalse();

        server.clock.advance(Duration.ofSeconds(2)); // 121 s after creation, 2 s after the person's last call
        server.idflow.sweepOnce();
        JsonNode read = device.flow(flow.flowId());
        assertThat(read.get("end_cause").asText()).isEqualTo("timeout");
        assertThat(read.get("flow_status").asText()).isEqualTo("fail");
    }

    @Test
    void theCameraFrontEndsCallsAreActivityToo() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"verilive\",\"timeout\":3600}]");
        String token = device.start(flow.vlinkId()).at("/current_step/access_token").asText();

        server.clock.advance(Duration.ofSeconds(250));
        PersonDevice.clientOk(device.clientSession(token));
        server.clock.advance(Duration.ofSeconds(250));
        server.idflow.sweepOnce();
        assertThat(device.flow(flow.flowId()).has("end_cause")).isFalse();

        server.clock.advance(Duration.ofSeconds(51));
        server.idflow.sweepOnce();
        assertThat(device.flow(flow.flowId()).get("end_cause").asText()).isEqualTo("disconnected");
    }

    @Test
    void theInactivityThresholdIsTheHostsToChoose() throws Exception {
        Created flow = hostDevice.createFlow(newPerson(), "[{\"service_name\":\"consent\",\"timeout\":3600}]");
        hostDevice.start(flow.vlinkId());
        host.clock.advance(Duration.ofSeconds(29));
        host.idflow.sweepOnce();
        assertThat(hostDevice.flow(flow.flowId()).has("end_cause")).isFalse();
        host.clock.advance(Duration.ofSeconds(2));
        host.idflow.sweepOnce();
        assertThat(hostDevice.flow(flow.flowId()).get("end_cause").asText()).isEqualTo("disconnected");
    }

    // ---------------------------------------------------------------- failed

    @Test
    void aHostServiceThatThrowsEndsTheFlowAsFailedWithoutShowingAnyoneWhy() throws Exception {
        kiscMode.set("throw");
        Created flow = hostDevice.createFlow(newPerson(), "[{\"service_name\":\"consent\"},{\"service_name\":\"kisc\"}]");
        hostDevice.start(flow.vlinkId());

        Reply submitted = host.postJson("/hf/" + flow.vlinkId() + "/api/steps/step-1/submit", new TestServer.Headers(),
                "{\"accepted\":true}");
        JsonNode state = PersonDevice.clientOk(submitted);
        assertNoInternals(submitted);
        assertThat(submitted.body()).doesNotContain("SELECT").doesNotContain("kisc_secrets").doesNotContain("PSQL");
        assertThat(state.get("end_cause").asText()).isEqualTo("failed");
        assertThat(state.get("flow_status").asText()).isEqualTo("fail");
        assertThat(FlowLifecycleTest.stepStatuses(state)).containsExactly("passed", "failed");

        for (Reply reply : List.of(hostDevice.stateReply(flow.vlinkId()), hostDevice.flowReply(flow.flowId()),
                hostDevice.resultReply(flow.flowId()))) {
            assertThat(reply.status()).isEqualTo(200);
            assertNoInternals(reply);
            assertThat(reply.body()).doesNotContain("SELECT").doesNotContain("kisc_secrets");
        }
        JsonNode result = hostDevice.result(flow.flowId());
        assertThat(result.get("end_cause").asText()).isEqualTo("failed");
        assertThat(result.get("flow_status").asText()).isEqualTo("fail");
        JsonNode kisc = statuses(result).get(1);
        assertThat(kisc.get("service_name").asText()).isEqualTo("kisc");
        assertThat(kisc.get("session_status").asText()).isEqualTo("fail");
        assertThat(kisc.get("session_state").asText()).isEqualTo("processed");
        assertThat(kisc.get("frontend_session_status").asText()).isEqualTo("failure");
        Reply journal = host.get("/journal/session/" + kisc.get("session_id").asText(),
                TestServer.Headers.test(TestServer.TEST_KEY));
        ApiAssertions.assertSuccess(journal, 200);
        assertNoInternals(journal);
    }

    @Test
    void aHostServiceThatAnswersNothingFailsTheFlowToo() throws Exception {
        kiscMode.set("null");
        PersonDevice live = PersonDevice.liveKey(host);
        Created flow = live.createFlow(newPerson(), "[{\"service_name\":\"kisc\"}]");
        Reply started = host.postJson("/hf/" + flow.vlinkId() + "/api/start", new TestServer.Headers(), "");
        JsonNode state = PersonDevice.clientOk(started);
        assertNoInternals(started);
        assertThat(state.get("end_cause").asText()).isEqualTo("failed");
        assertThat(live.flow(flow.flowId()).get("end_cause").asText()).isEqualTo("failed");
    }

    @Test
    void aHostServiceThatPassesMovesTheFlowOnAndItsExtractedFactsReachTheResult() throws Exception {
        kiscMode.set("pass");
        PersonDevice live = PersonDevice.liveKey(host);
        String person = newPerson();
        Created flow = live.createFlow(person, "[{\"service_name\":\"consent\"},{\"service_name\":\"kisc\"}]");
        live.start(flow.vlinkId());
        int calls = kiscCalls.get();
        JsonNode state = live.consent(flow.vlinkId());
        assertThat(kiscCalls.get()).as("the service ran once").isEqualTo(calls + 1);
        assertThat(state.get("end_cause").asText()).isEqualTo("completed");
        assertThat(state.get("flow_status").asText()).isEqualTo("pass");

        JsonNode result = live.result(flow.flowId());
        assertThat(result.get("person_name").asText()).isEqualTo("ALIYEV ARMAN");
        assertThat(result.get("iin").asText()).isEqualTo("900101300123");
        assertThat(result.get("country_code").asText()).isEqualTo("KAZ");
        Reply pii = live.file("label=kisc_pii&flow_id=" + flow.flowId(), "application/json");
        assertThat(pii.status()).isEqualTo(200);
        assertThat(pii.body()).isEqualTo("{\"iin\":\"900101300123\"}");
    }
}
