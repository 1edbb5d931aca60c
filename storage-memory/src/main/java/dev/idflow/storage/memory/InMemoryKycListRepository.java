package dev.idflow.storage.memory;

import dev.idflow.core.model.KycListEntry;
import dev.idflow.core.spi.KycListRepository;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * KYC lists in one sorted map keyed by (consumer, list, field, value), the SQL table's primary key in
 * the same order: a list is a run of adjacent keys, already by field then value, and a consumer's
 * list names are the runs of its keys. putIfAbsent is the unique key, so of two adds at once one gets
 * true.
 */
final class InMemoryKycListRepository implements KycListRepository {
    private static final Comparator<Key> ORDER = Comparator.comparing(Key::consumerId)
            .thenComparing(Key::listName)
            .thenComparing(Key::field)
            .thenComparing(Key::value);

    private final ConcurrentNavigableMap<Key, KycListEntry> entries = new ConcurrentSkipListMap<>(ORDER);

    private record Key(String consumerId, String listName, String field, String value) {
    }

    @Override
    public boolean add(String consumerId, String listName, String field, String value, Instant at) {
        KycListEntry entry = new KycListEntry(consumerId, listName, field, value, at);
        return entries.putIfAbsent(key(entry), entry) == null;
    }

    @Override
    public boolean remove(String consumerId, String listName, String field, String value) {
        // the same checks as add, so a mistyped entry is reported rather than "not there"
        KycListEntry entry = new KycListEntry(consumerId, listName, field, value, Instant.EPOCH);
        return entries.remove(key(entry)) != null;
    }

    @Override
    public List<String> matches(String consumerId, Collection<String> listNames, String field, String value) {
        listNames.forEach(KycListEntry::checkListName);
        Optional<String> stored = KycListEntry.storedForm(field, value);
        if (stored.isEmpty()) {
            return List.of();
        }
        TreeSet<String> found = new TreeSet<>();
        for (String listName : listNames) {
            if (entries.containsKey(new Key(consumerId, listName, field, stored.get()))) {
                found.add(listName);
            }
        }
        return List.copyOf(found);
    }

    @Override
    public List<KycListEntry> list(String consumerId, String listName) {
        KycListEntry.checkListName(listName);
        // "" sorts before every field, so this is the list's first key or the next list's
        return entries.tailMap(new Key(consumerId, listName, "", "")).values().stream()
                .takeWhile(e -> e.consumerId().equals(consumerId) && e.listName().equals(listName))
                .toList();
    }

    @Override
    public List<String> listNames(String consumerId) {
        Objects.requireNonNull(consumerId, "consumerId");
        return entries.tailMap(new Key(consumerId, "", "", "")).values().stream()
                .takeWhile(e -> e.consumerId().equals(consumerId))
                .map(KycListEntry::listName)
                .distinct()
                .toList();
    }

    private static Key key(KycListEntry entry) {
        return new Key(entry.consumerId(), entry.listName(), entry.field(), entry.value());
    }
}
