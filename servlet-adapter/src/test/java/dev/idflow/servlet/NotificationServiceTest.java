package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.ApiAssertions.object;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.core.spi.MessageSender;
import dev.idflow.servlet.PersonDevice.Created;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Reply;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The {@code notification} step through the client API: in a live flow the message goes out through the
 * host's MessageSender once the step opened and the step passes when it was handed over, or fails
 * {@code not_delivered} when the sender threw; the page shows {@code wait} meanwhile. A test flow sends
 * nothing and passes at once.
 */
class NotificationServiceTest {
    static final String PHONE = "+77011234567";
    static final String TEXT = "{\"en\":\"Your application is received\",\"ru\":\"Ваша заявка принята\","
            + "\"kk\":\"Өтінішіңіз қабылданды\"}";
    static TestServer server;
    static RecordingMessageSender gateway;
    static PersonDevice live;

    @BeforeAll
    static void start() throws Exception {
        gateway = new RecordingMessageSender();
        server = new TestServer("/kyc", builder -> builder.messageSender(gateway));
        live = PersonDevice.liveKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static String notificationThenConsent(String stepOptions) {
        return "[{\"service_name\":\"notification\",\"text\":" + TEXT + stepOptions + "},{\"service_name\":\"consent\"}]";
    }

    private static String phone() {
        return "\"input_data\":{\"phone_number\":\"" + PHONE + "\"}";
    }

    @Test
    void aLiveFlowHandsTheMessageToTheSenderInTheFlowsLanguageAndMovesOn() throws Exception {
        Created flow = live.createFlow(newPerson(), notificationThenConsent(""), phone() + ",\"locale\":\"ru\"");

        JsonNode state = live.start(flow.vlinkId());

        assertThat(FlowLifecycleTest.stepStatuses(state)).containsExactly("passed", "active");
        assertThat(state.at("/current_step/service_name").asText()).isEqualTo("consent");
        List<MessageSender.Message> sent = gateway.sentFor(flow.flowId());
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).purpose()).isEqualTo("notification");
        assertThat(sent.get(0).channel()).isEqualTo("sms");
        assertThat(sent.get(0).to()).isEqualTo(PHONE);
        assertThat(sent.get(0).text()).isEqualTo("Ваша заявка принята");
        assertThat(session(flow, 0).result()).isEqualTo(object("{\"service_name\":\"notification\","
                + "\"service_status\":\"success\",\"channel\":\"sms\",\"destination\":\"+7 *** *** 45 67\",\"sent\":true}"));
    }

    @Test
    void whileTheGatewayIsAtWorkThePageShowsWait() throws Exception {
        CountDownLatch handedOver = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (TestServer slow = new TestServer("/kyc", builder -> builder.messageSender(message -> {
            handedOver.countDown();
            release.await(20, TimeUnit.SECONDS);
        }))) {
            PersonDevice device = PersonDevice.liveKey(slow);
            Created flow = device.createFlow(newPerson(), notificationThenConsent(""), phone());
            CompletableFuture<Reply> starting = CompletableFuture.supplyAsync(() -> {
                try {
                    return device.startReply(flow.vlinkId());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(handedOver.await(20, TimeUnit.SECONDS)).isTrue();

            JsonNode waiting = device.state(flow.vlinkId());

            assertThat(waiting.at("/current_step/service_name").asText()).isEqualTo("notification");
            assertThat(waiting.at("/current_step/screen/kind").asText()).isEqualTo("wait");
            release.countDown();
            PersonDevice.clientOk(starting.get(20, TimeUnit.SECONDS));
            assertThat(device.state(flow.vlinkId()).at("/current_step/service_name").asText()).isEqualTo("consent");
        }
    }

    @Test
    void aMessageTheSenderCouldNotDeliverFailsTheStepAsNotDelivered() throws Exception {
        RecordingMessageSender down = new RecordingMessageSender();
        down.goDown();
        try (TestServer failing = new TestServer("/kyc", builder -> builder.messageSender(down))) {
            PersonDevice device = PersonDevice.liveKey(failing);
            Created flow = device.createFlow(newPerson(), notificationThenConsent(",\"max_retries\":1"), phone());

            JsonNode state = device.start(flow.vlinkId());

            assertThat(state.get("flow_status").asText()).isEqualTo("fail");
            List<ServiceSession> sessions = failing.storage.sessions().findByFlowId(flow.flowId());
            assertThat(sessions).as("the step and its one retry").hasSize(2);
            assertThat(sessions).allSatisfy(s -> assertThat(s.result()).isEqualTo(object("{\"service_name\":\"notification\","
                    + "\"service_status\":\"fail\",\"channel\":\"sms\",\"destination\":\"+7 *** *** 45 67\",\"sent\":false,"
                    + "\"error_codes\":[\"not_delivered\"]}")));
        }
    }

    @Test
    void anUndeliveredMessageOfAStepThatMayFailLetsTheFlowGoOn() throws Exception {
        RecordingMessageSender down = new RecordingMessageSender();
        down.goDown();
        try (TestServer failing = new TestServer("/kyc", builder -> builder.messageSender(down))) {
            PersonDevice device = PersonDevice.liveKey(failing);
            Created flow = device.createFlow(newPerson(),
                    notificationThenConsent(",\"allow_failure\":true,\"max_retries\":1"), phone());

            JsonNode state = device.start(flow.vlinkId());

            assertThat(FlowLifecycleTest.stepStatuses(state)).containsExactly("failed", "active");
        }
    }

    @Test
    void byEmailTheMessageGoesToTheInputDatasEmail() throws Exception {
        Created flow = live.createFlow(newPerson(), notificationThenConsent(",\"channel\":\"email\""),
                "\"input_data\":{\"email\":\"aigerim@bank.kz\"}");

        live.start(flow.vlinkId());

        MessageSender.Message message = gateway.sentFor(flow.flowId()).get(0);
        assertThat(message.channel()).isEqualTo("email");
        assertThat(message.to()).isEqualTo("aigerim@bank.kz");
        assertThat(message.text()).isEqualTo("Your application is received");
        assertThat(session(flow, 0).result().get("destination").asText()).isEqualTo("a***@bank.kz");
    }

    @Test
    void withoutTheAddressTheStepFailsAsNoDestinationAndNothingIsSent() throws Exception {
        Created flow = live.createFlow(newPerson(), notificationThenConsent(",\"max_retries\":1"));

        JsonNode state = live.start(flow.vlinkId());

        assertThat(state.get("flow_status").asText()).isEqualTo("fail");
        assertThat(gateway.sentFor(flow.flowId())).isEmpty();
        assertThat(session(flow, 0).result().get("error_codes").toString()).isEqualTo("[\"no_destination\"]");
    }

    @Test
    void aTestFlowSendsNothingAndPassesAtOnce() throws Exception {
        PersonDevice sandbox = PersonDevice.testKey(server);
        Created flow = sandbox.createFlow(newPerson(), notificationThenConsent(""), phone());

        JsonNode state = sandbox.start(flow.vlinkId());

        assertThat(FlowLifecycleTest.stepStatuses(state)).containsExactly("passed", "active");
        assertThat(gateway.sentFor(flow.flowId())).isEmpty();
        assertThat(session(flow, 0).result()).isEqualTo(object("{\"service_name\":\"notification\","
                + "\"service_status\":\"success\",\"channel\":\"sms\",\"destination\":\"+7 *** *** 45 67\",\"sent\":false,"
                + "\"sandbox\":true}"));
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', textBlock = """
            "channel":"sms"                           | text
            "text":5                                  | text
            "text":""                                 | text
            "text":{"en":5}                           | text
            "text":{}                                 | text
            "text":"Hello","channel":"pigeon"         | channel
            """)
    void optionsANotificationCannotUseAreRefusedAtCreateNamingTheStep(String options, String path) throws Exception {
        Reply reply = server.postJson("/flow", Headers.test(TestServer.TEST_KEY), "{\"person_id\":\"" + newPerson()
                + "\",\"template\":{\"pipeline\":[{\"service_name\":\"consent\"},{\"service_name\":\"notification\","
                + options + "}]}}");

        assertError(reply, 422, "INVALID_PAYLOAD", "template.pipeline[1]." + path);
    }

    @Test
    void aLiveFlowOnAServerWithoutAMessageSenderIsRefusedAtCreate() throws Exception {
        try (TestServer bare = new TestServer("/kyc")) {
            Reply refused = bare.postJson("/flow", bare.live("/flow"), "{\"person_id\":\"" + newPerson()
                    + "\",\"template\":{\"pipeline\":[{\"service_name\":\"notification\",\"text\":\"Hi\"}]}}");

            assertError(refused, 422, "SERVICE_NOT_AVAILABLE", "template.pipeline[0].service_name");
        }
    }

    private static ServiceSession session(Created flow, int index) {
        return server.storage.sessions().findByFlowId(flow.flowId()).get(index);
    }
}
