package dev.idflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension registered by the test with its own consumer, mount path and builder settings. */
class RegisteredExtensionTest {
    @RegisterExtension
    static IdflowExtension idflow = IdflowExtension.builder()
            .consumerId("retail")
            .mountPath("/identity/v2")
            .customize(builder -> builder.inactivityTimeout(Duration.ofSeconds(30)))
            .build();

    @Test
    void theServerIsMountedWhereAskedForTheConsumerAsked(IdflowServer server) throws Exception {
        assertThat(server.baseUrl()).matches("http://127\\.0\\.0\\.1:[0-9]+/identity/v2");
        assertThat(server.consumerId()).isEqualTo("retail");
        assertThat(BankClient.test(server).createFlow("person-retail", "[{\"service_name\":\"consent\"}]").vlink())
                .startsWith(server.baseUrl() + "/hf/");
    }

    @Test
    void theBuilderSettingsApply(IdflowServer server, SimulatedPersons persons, TestClock clock) throws Exception {
        BankClient.Flow flow = BankClient.test(server).createFlow("person-short", "[{\"service_name\":\"consent\"}]");
        SimulatedPerson person = persons.open(flow.vlink());
        person.start();

        clock.advance(Duration.ofSeconds(31));

        assertThat(person.outcome().endCause()).isEqualTo("disconnected");
    }
}
