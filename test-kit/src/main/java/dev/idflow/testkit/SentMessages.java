package dev.idflow.testkit;

import dev.idflow.core.spi.MessageSender;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every message idflow handed the kit's {@link MessageSender} (OTP codes, notifications), in order: what
 * the bank's SMS gateway would have sent. idflow sends nothing for a <b>test</b> flow (a test key's: the
 * sandbox reaches nobody; its OTP code is {@code 000000}, or the one {@link Mockery#otpCode} scripted),
 * so messages appear here for flows made with the live key.
 */
public final class SentMessages {
    private static final Pattern CODE = Pattern.compile("\\b([0-9]{4,8})\\b");
    private final List<MessageSender.Message> sent = new CopyOnWriteArrayList<>();

    SentMessages() {
    }

    /** The sender idflow is built with. */
    MessageSender sender() {
        return sent::add;
    }

    /** Every message so far, oldest first. */
    public List<MessageSender.Message> all() {
        return List.copyOf(sent);
    }

    /** The messages of one flow, oldest first. */
    public List<MessageSender.Message> forFlow(String flowId) {
        return sent.stream().filter(m -> flowId.equals(m.flowId())).toList();
    }

    /** The code in the newest OTP message of the flow, as the person reads it off their phone; empty if none. */
    public Optional<String> lastCode(String flowId) {
        List<MessageSender.Message> otp = forFlow(flowId).stream().filter(m -> "otp".equals(m.purpose())).toList();
        if (otp.isEmpty()) {
            return Optional.empty();
        }
        Matcher m = CODE.matcher(otp.get(otp.size() - 1).text());
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }
}
