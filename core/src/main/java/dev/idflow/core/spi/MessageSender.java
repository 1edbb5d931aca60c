package dev.idflow.core.spi;

import java.util.Objects;

/**
 * Sends a message to the person (an OTP code, a notification) through the host's own SMS or e-mail
 * gateway. Called after the step's decision was committed, once per message, never for a test flow
 * (the sandbox sends nothing). Must be thread-safe; a failure is the host's to report by throwing.
 * Without one, live flows cannot use {@code otp} or {@code notification}.
 */
public interface MessageSender {

    void send(Message message) throws Exception;

    /**
     * A message: its channel ({@code sms} or {@code email}), the address ({@code phone_number} or
     * {@code email} of the flow's input_data), the text in the flow's locale, and why it is sent
     * ({@code otp}, {@code notification}) with the flow and session it belongs to. The text of an OTP
     * message holds the code: a sender must not log it.
     */
    record Message(String consumerId, String flowId, String sessionId, String purpose, String channel, String to,
                   String locale, String text) {
        public Message {
            Objects.requireNonNull(channel, "channel");
            Objects.requireNonNull(to, "to");
            Objects.requireNonNull(text, "text");
        }

        @Override
        public String toString() {
            // the text may carry a one-time code: never in a log line by accident
            return "Message[" + purpose + " via " + channel + " for flow " + flowId + "]";
        }
    }
}
