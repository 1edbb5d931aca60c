package dev.idflow.demo;

import dev.idflow.core.Idflow;
import java.util.List;

/** Registers the consumers of the command line, or one "demo" consumer with a generated test key. */
final class DemoConsumers {
    private DemoConsumers() {
    }

    /** Returns the generated key to print, or null when the command line named the consumers. */
    static String register(Idflow idflow, List<DemoOptions.ConsumerKey> consumers) {
        if (consumers.isEmpty()) {
            idflow.registerConsumer("demo", "Demo consumer");
            return idflow.newTestKey("demo");
        }
        for (DemoOptions.ConsumerKey c : consumers) {
            idflow.registerConsumer(c.consumerId(), c.consumerId());
            // on a kept data dir the key may exist from the last run, maybe with another secret or
            // owner: the command line is the truth, so replace it
            idflow.revokeKey(c.apiKey());
            if (c.secret() == null) {
                idflow.addTestKey(c.consumerId(), c.apiKey());
            } else {
                idflow.addLiveKey(c.consumerId(), c.apiKey(), c.secret());
            }
        }
        return null;
    }
}
