package dev.idflow.servlet;

import dev.idflow.core.spi.MessageSender;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A bank's SMS and e-mail gateway as a test sees it: every message it was handed, in order, and a switch
 * that makes it fail as a gateway that is down would.
 */
final class RecordingMessageSender implements MessageSender {
    private static final Pattern CODE = Pattern.compile("\\b([0-9]{4,8})\\b");
    private final List<Message> sent = new CopyOnWriteArrayList<>();
    private volatile boolean down;

    @Override
    public void send(Message message) throws Exception {
        if (down) {
            throw new java.io.IOException("gateway unreachable");
        }
        sent.add(message);
    }

    /** From now on every send throws, as a gateway that cannot be reached. */
    void goDown() {
        down = true;
    }

    List<Message> sent() {
        return List.copyOf(sent);
    }

    List<Message> sentFor(String flowId) {
        return sent.stream().filter(m -> flowId.equals(m.flowId())).toList();
    }

    /** The code in the newest message of the flow, as the person reads it off their phone. */
    String lastCode(String flowId) {
        List<Message> messages = sentFor(flowId);
        if (messages.isEmpty()) {
            throw new AssertionError("no message was sent for flow " + flowId);
        }
        Matcher m = CODE.matcher(messages.get(messages.size() - 1).text());
        if (!m.find()) {
            throw new AssertionError("the newest message of flow " + flowId + " holds no code");
        }
        return m.group(1);
    }
}
