package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.model.Flow;
import dev.idflow.servlet.PersonDevice.Created;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A card number is kept as its first 6 and last 4 digits from the moment it arrives (PRODUCT.md). */
class CardNumberMaskingTest {
    private static final String PAN = "4400430012345678";
    private static final String MASKED = "440043******5678";
    private static TestServer server;
    private static PersonDevice device;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
        device = PersonDevice.testKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static Created flowWithCard(String cardNumber) throws Exception {
        return device.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]",
                "\"input_data\":{\"card_number\":\"" + cardNumber + "\",\"iin\":\"900101300123\"}");
    }

    @Test
    void theStoreNeverHoldsTheWholeCardNumber() throws Exception {
        Created flow = flowWithCard(PAN);

        Flow stored = server.storage.flows().findById(flow.flowId()).orElseThrow();

        assertThat(stored.inputData().cardNumber()).isEqualTo(MASKED);
        assertThat(stored.toString()).doesNotContain(PAN).doesNotContain("0012345678");
    }

    @Test
    void theFlowAndItsResultShowTheMaskedNumber() throws Exception {
        Created flow = flowWithCard(PAN);
        device.start(flow.vlinkId());
        device.consent(flow.vlinkId());

        assertThat(device.flow(flow.flowId()).at("/input_data/card_number").asText()).isEqualTo(MASKED);
        assertThat(device.flowReply(flow.flowId()).body()).doesNotContain(PAN);
        assertThat(device.resultReply(flow.flowId()).body()).doesNotContain(PAN);
    }

    @Test
    void separatorsAndLengthAreKeptAndOnlyTheMiddleDigitsHidden() throws Exception {
        Created spaced = flowWithCard("4400 4300 1234 5678");
        Created nineteen = flowWithCard("6250941006528599123");

        assertThat(device.flow(spaced.flowId()).at("/input_data/card_number").asText()).isEqualTo("4400 43** **** 5678");
        assertThat(device.flow(nineteen.flowId()).at("/input_data/card_number").asText()).isEqualTo("625094*********9123");
    }

    @Test
    void aNumberAlreadyMaskedOrTooShortToBeAPanIsKeptAsSent() throws Exception {
        assertThat(device.flow(flowWithCard(MASKED).flowId()).at("/input_data/card_number").asText()).isEqualTo(MASKED);
        assertThat(device.flow(flowWithCard("5678").flowId()).at("/input_data/card_number").asText()).isEqualTo("5678");
    }
}
