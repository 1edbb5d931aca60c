package dev.idflow.demo;

import dev.idflow.core.services.Destinations;
import dev.idflow.core.spi.MessageSender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's "gateway": each message an otp or notification step sends is written to the demo's log
 * (INFO, logger {@code idflow.messages}) instead of to a phone or a mailbox, so that whoever tries the
 * demo can read the code and type it on the page. The text is logged whole, the code included, only
 * because the demo has no SMS gateway and nobody's real code passes through it. A bank's sender hands
 * the text to its gateway and never logs it: the code is a credential for as long as it lives.
 */
final class LogMessageSender implements MessageSender {
    private static final Logger LOG = LoggerFactory.getLogger("idflow.messages");

    @Override
    public void send(Message message) {
        LOG.info("{} message via {} to {} (flow {}): {}", message.purpose(), message.channel(),
                Destinations.mask(message.channel(), message.to()), message.flowId(), message.text());
    }
}
