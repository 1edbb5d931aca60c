package dev.idflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.idflow.core.model.FlowEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Moving the clock runs what idflow's background work would have run by then, before advance returns. */
@IdflowTest
class TestClockTest {

    @Test
    void theClockStandsStillUntilTheTestMovesIt(TestClock clock) {
        Instant before = clock.instant();

        clock.advance(Duration.ofHours(3));

        assertThat(clock.instant()).isEqualTo(before.plus(Duration.ofHours(3)));
    }

    @Test
    void aPersonWhoGoesQuietIsDisconnectedOnceTheInactivityThresholdPassed(IdflowServer server, SimulatedPersons persons,
                                                                          TestClock clock) throws Exception {
        BankClient.Flow flow = BankClient.test(server).createFlow("person-quiet",
                "[{\"service_name\":\"consent\",\"timeout\":3600}]");
        SimulatedPerson person = persons.open(flow.vlink());
        person.start();

        assertThat(clock.advance(Duration.ofSeconds(299))).isZero();
        assertThat(person.ended()).isFalse();
        // the read above was the person's activity: the threshold counts from it
        assertThat(clock.advance(Duration.ofSeconds(301))).isEqualTo(1);

        assertThat(person.outcome()).isEqualTo(new SimulatedPerson.Ended("fail", "disconnected"));
    }

    @Test
    void aStepThatOutlivesItsTimeoutEndsTheFlowByTimeout(IdflowServer server, SimulatedPersons persons, TestClock clock)
            throws Exception {
        BankClient bank = BankClient.test(server);
        BankClient.Flow flow = bank.createFlow("person-slow", "[{\"service_name\":\"verilive\",\"timeout\":10}]");
        persons.open(flow.vlink()).start();

        clock.advance(Duration.ofSeconds(11));

        assertThat(bank.flow(flow.flowId()).get("end_cause").asText()).isEqualTo("timeout");
    }

    @Test
    void advancingDeliversTheEventsToTheHostsListeners(IdflowServer server, SimulatedPersons persons, TestClock clock)
            throws Exception {
        List<FlowEvent.Type> events = new CopyOnWriteArrayList<>();
        server.idflow().addListener(event -> events.add(event.type()));
        BankClient.Flow flow = BankClient.test(server).createFlow("person-events", "[{\"service_name\":\"consent\"}]");
        persons.open(flow.vlink()).completeFlow();

        clock.advance(Duration.ZERO);

        assertThat(events).containsExactly(FlowEvent.Type.FLOW_STARTED, FlowEvent.Type.SESSION_ENDED,
                FlowEvent.Type.FLOW_ENDED);
    }

    @Test
    void theClockNeverRunsBackwards(TestClock clock) {
        assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("duration: must not be negative");
    }
}
