package dev.idflow.core.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.MessageSender;
import dev.idflow.core.spi.Screen;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code notification}: a message to the person ({@code text}, a text or {locale: text}, in the flow's
 * language) by {@code channel} (sms → input_data {@code phone_number}, the default; email → input_data
 * {@code email}) through the host's {@link MessageSender}. The session waits for the sending (screen
 * {@code wait}): the message goes out once that is committed, and the session is then completed as
 * passed, or failed with {@code not_delivered} when the sender threw. A test flow sends nothing and
 * passes at once ({@code sent: false, sandbox: true}); a flow without the address fails the step
 * ({@code no_destination}).
 */
public final class NotificationService implements FlowService {
    public static final String NAME = "notification";
    private static final Logger LOG = LoggerFactory.getLogger(NotificationService.class);

    private final MessageSender sender;
    private final BuiltInServices.Completer completer;

    /** {@code sender}: the host's, or null (live flows then cannot name this service). */
    public NotificationService(MessageSender sender, BuiltInServices.Completer completer) {
        this.sender = sender;
        this.completer = completer;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> checkOptions(Map<String, JsonNode> options) {
        List<String> problems = new ArrayList<>();
        String channel = Destinations.channelProblem(options);
        if (channel != null) {
            problems.add(channel);
        }
        JsonNode text = options.get("text");
        if (text == null || text.isNull()) {
            problems.add("text: is required (a text, or an object of texts by locale)");
        } else if (!Texts.isText(text) || Texts.in(text, "en").isBlank()) {
            problems.add("text: must be a non-empty text, or an object of texts by locale");
        }
        return problems;
    }

    @Override
    public boolean availableIn(boolean testFlow) {
        return testFlow || sender != null;
    }

    @Override
    public StepDecision open(StepContext step) {
        String channel = Destinations.channel(step.options());
        String to = Destinations.of(step.inputData(), channel);
        if (to == null) {
            ObjectNode result = result("fail", channel, null, false);
            result.putArray("error_codes").add("no_destination");
            return StepDecision.fail(result);
        }
        if (step.testFlow()) {
            return StepDecision.pass(result("success", channel, to, false).put("sandbox", true));
        }
        if (sender == null) {
            throw new IllegalStateException("notification in a live flow needs a MessageSender "
                    + "(Idflow.builder().messageSender)");
        }
        MessageSender.Message message = new MessageSender.Message(step.consumerId(), step.flowId(), step.sessionId(),
                NAME, channel, to, step.locale(), Texts.in(step.options().get("text"), step.locale()));
        // sent after the commit that makes the session wait, then completed from here: a decision that lost
        // its race is made again and sends nothing, and a slow gateway holds no transaction open
        return StepDecision.awaitOutside(Screen.of("wait"), null).then(() -> deliver(message, to));
    }

    private void deliver(MessageSender.Message message, String to) {
        ServiceOutcome outcome;
        try {
            sender.send(message);
            outcome = ServiceOutcome.pass(result("success", message.channel(), to, true));
        } catch (Exception e) {
            LOG.warn("notification of flow {} session {} was not delivered: {}", message.flowId(), message.sessionId(),
                    e.toString());
            ObjectNode result = result("fail", message.channel(), to, false);
            result.putArray("error_codes").add("not_delivered");
            outcome = ServiceOutcome.fail(result);
        }
        if (!completer.complete(message.sessionId(), outcome)) {
            LOG.info("notification session {} had ended before its sending was recorded", message.sessionId());
        }
    }

    private static ObjectNode result(String status, String channel, String to, boolean sent) {
        ObjectNode result = Json.mapper().createObjectNode().put("service_name", NAME).put("service_status", status)
                .put("channel", channel);
        if (to != null) {
            result.put("destination", Destinations.mask(channel, to));
        }
        return result.put("sent", sent);
    }
}
