package dev.idflow.core;

import dev.idflow.core.model.KycListEntry;
import dev.idflow.core.spi.ApiKeyDirectory;
import dev.idflow.core.spi.KycListRepository;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A consumer's KYC lists, as the host (or its operator console) manages them: named lists of
 * person_id, iin or phone_number values that {@code kyc-list} steps check a flow against
 * ({@code lists}, {@code match}, {@code on_match} in the step's options). A list exists while it holds an
 * entry. Every method takes the consumer first and refuses one that is not registered: one consumer's
 * lists are never another's, whatever the names.
 *
 * <p>Rules ({@link KycListEntry}): list names are 1–64 characters of a-z, 0-9, _ and -; a field is
 * {@code person_id}, {@code iin} or {@code phone_number}; a value is 1–256 characters, matched exactly,
 * except a phone number, kept and matched as its digits ("+7 701 234 5678" is "77012345678"). A value
 * that breaks them throws {@link IllegalArgumentException} naming the rule, never the value. Safe from
 * any thread and any node.
 *
 * <pre>{@code
 * idflow.kycLists().add("retail", "blocked", "iin", "880101300123");
 * }</pre>
 */
public final class KycLists {
    private final KycListRepository lists;
    private final ApiKeyDirectory consumers;
    private final Supplier<Instant> clock;
    private final Auditor auditor;
    private final String actor;

    KycLists(KycListRepository lists, ApiKeyDirectory consumers, Supplier<Instant> clock) {
        this(lists, consumers, clock, Auditor.NONE, null);
    }

    KycLists(KycListRepository lists, ApiKeyDirectory consumers, Supplier<Instant> clock, Auditor auditor, String actor) {
        this.lists = lists;
        this.consumers = consumers;
        this.clock = clock;
        this.auditor = auditor;
        this.actor = actor;
    }

    /**
     * The same lists, with every change recorded in the audit trail as made by {@code actor} (the host's
     * principal, e.g. an operator's login). Without it, changes are recorded as made by {@code host}.
     */
    public KycLists as(String actor) {
        return new KycLists(lists, consumers, clock, auditor, Objects.requireNonNull(actor, "actor"));
    }

    /** Puts {@code value} on the list for {@code field}: true when it was not there yet. */
    public boolean add(String consumerId, String listName, String field, String value) {
        boolean added = lists.add(registered(consumerId), listName, field, value, clock.get());
        if (added) {
            // the field, never the value: a value is a person's IIN or phone number
            auditor.record(consumerId, actor, "kyc_list.add", "kyc_list", listName, "field=" + field);
        }
        return added;
    }

    /** Takes {@code value} off the list for {@code field}: true when it was there. */
    public boolean remove(String consumerId, String listName, String field, String value) {
        boolean removed = lists.remove(registered(consumerId), listName, field, value);
        if (removed) {
            auditor.record(consumerId, actor, "kyc_list.remove", "kyc_list", listName, "field=" + field);
        }
        return removed;
    }

    /** The entries of one list, by field then value; empty for a list that holds nothing. */
    public List<KycListEntry> list(String consumerId, String listName) {
        return lists.list(registered(consumerId), listName);
    }

    /** The consumer's lists that hold at least one entry, sorted. */
    public List<String> listNames(String consumerId) {
        return lists.listNames(registered(consumerId));
    }

    private String registered(String consumerId) {
        Objects.requireNonNull(consumerId, "consumerId");
        if (consumers.findConsumer(consumerId).isEmpty()) {
            throw new IllegalArgumentException("consumerId: no consumer " + consumerId
                    + " is registered (Idflow.registerConsumer)");
        }
        return consumerId;
    }
}
