package dev.idflow.demo;

import dev.idflow.core.Idflow;
import java.util.List;

/** Registers the consumers of the command line, or one "demo" consumer with a generated test key. */
final class DemoConsumers {
    /** The consumer the demo makes when the command line names none. */
    static final String DEMO_CONSUMER = "demo";

    private DemoConsumers() {
    }

    /** Returns the generated key to print, or null when the command line named the consumers. */
    static String register(Idflow idflow, List<DemoOptions.ConsumerKey> consumers) {
        if (consumers.isEmpty()) {
            idflow.registerConsumer(DEMO_CONSUMER, "Demo consumer");
            return idflow.newTestKey(DEMO_CONSUMER);
        }
        for (DemoOptions.ConsumerKey c : consumers) {
            idflow.registerConsumer(c.consumerId(), c.consumerId());
            // on a kept data dir the key may exist from the last run, maybe with another secret or
            // owner: the command line is the truth, so replace it
            idflow.revokeKey(c.apiKey());
            if (c.secret() == null) {
                idflow.addTestKey(c.consumerId(), c.apiKey());
            } else if (c.test()) {
                idflow.addTestKey(c.consumerId(), c.apiKey(), c.secret());
            } else {
                idflow.addLiveKey(c.consumerId(), c.apiKey(), c.secret());
            }
        }
        return null;
    }

    /** Puts the command line's values on the consumers' KYC lists (a value there already stays as it is). */
    static void fillKycLists(Idflow idflow, List<DemoOptions.KycListValue> values) {
        for (DemoOptions.KycListValue v : values) {
            idflow.kycLists().add(v.consumerId(), v.listName(), v.field(), v.value());
        }
    }

    /** The --webhook endpoints, kept across restarts: one already there with the same URL and secret stays. */
    static void registerWebhooks(Idflow idflow, List<DemoOptions.WebhookValue> values) {
        for (DemoOptions.WebhookValue v : values) {
            try {
                idflow.webhooks().ensure(v.consumerId(), v.url(), v.secret());
            } catch (IllegalArgumentException e) {
                throw new DemoOptions.UsageException("--webhook: " + e.getMessage());
            }
        }
    }
}
