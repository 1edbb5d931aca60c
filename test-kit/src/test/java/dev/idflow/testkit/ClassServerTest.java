package dev.idflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A server asked for by {@code @BeforeAll} is the class's: its tests share it. */
@IdflowTest
class ClassServerTest {
    private static IdflowServer shared;
    private static BankClient.Flow flow;

    @BeforeAll
    static void oneFlowForTheClass(IdflowServer server) throws Exception {
        shared = server;
        flow = BankClient.test(server).createFlow("person-class", "[{\"service_name\":\"consent\"}]");
    }

    @Test
    void aTestOfTheClassGetsTheClassesServer(IdflowServer server) throws Exception {
        assertThat(server).isSameAs(shared);
        assertThat(BankClient.test(server).flow(flow.flowId()).get("flow_id").asText()).isEqualTo(flow.flowId());
    }

    @Test
    void andSoDoesAnother(IdflowServer server, SimulatedPersons persons) {
        assertThat(server).isSameAs(shared);
        assertThat(persons).isSameAs(shared.persons());
    }
}
