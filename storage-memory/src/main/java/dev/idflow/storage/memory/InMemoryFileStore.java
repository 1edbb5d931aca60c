package dev.idflow.storage.memory;

import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.DuplicateKeyException;
import dev.idflow.core.spi.FileQuery;
import dev.idflow.core.spi.FileStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Files in memory, as byte arrays: right for tests and the demo, not for tens of megabytes of video
 * in production (use a JDBI or filesystem file store there).
 */
final class InMemoryFileStore implements FileStore {
    private record Entry(StoredFile meta, byte[] content) {
    }

    private final Map<String, Entry> files = new ConcurrentHashMap<>();
    /**
     * File ids by what a lookup names: {@code s:<session>}, {@code f:<flow>}, {@code p:<person>} (as the JDBI store's
     * indexes), so that finding a session's newest frame reads that session's files, not every file. A file is
     * indexed before it can be bound (save returns first), so every bound file a lookup may answer is indexed; each
     * key's set changes atomically ({@code compute}), and an id whose file is gone is skipped.
     */
    private final Map<String, Set<String>> index = new ConcurrentHashMap<>();

    private static List<String> keys(StoredFile f) {
        List<String> keys = new ArrayList<>(3);
        if (f.sessionId() != null) {
            keys.add("s:" + f.sessionId());
        }
        if (f.flowId() != null) {
            keys.add("f:" + f.flowId());
        }
        if (f.personId() != null) {
            keys.add("p:" + f.personId());
        }
        return keys;
    }

    private void index(StoredFile f) {
        for (String key : keys(f)) {
            index.compute(key, (k, ids) -> {
                Set<String> out = ids == null ? new HashSet<>(4) : ids;
                out.add(f.fileId());
                return out;
            });
        }
    }

    private void unindex(StoredFile f) {
        for (String key : keys(f)) {
            index.computeIfPresent(key, (k, ids) -> {
                ids.remove(f.fileId());
                return ids.isEmpty() ? null : ids;
            });
        }
    }

    /** The files indexed under {@code key} now (a copy, taken under the key's lock). */
    private List<StoredFile> indexed(String key) {
        List<StoredFile> out = new ArrayList<>();
        index.computeIfPresent(key, (k, ids) -> {
            for (String id : ids) {
                Entry e = files.get(id);
                if (e != null) {
                    out.add(e.meta());
                }
            }
            return ids;
        });
        return out;
    }

    private static String key(FileQuery query) {
        return switch (query.kind()) {
            case SESSION -> "s:" + query.id();
            case FLOW -> "f:" + query.id();
            case PERSON -> "p:" + query.id();
        };
    }

    @Override
    public StoredFile save(StoredFile file, InputStream content) throws IOException {
        byte[] bytes = content.readAllBytes();
        StoredFile stored = file.withSize(bytes.length);
        if (files.putIfAbsent(file.fileId(), new Entry(stored, bytes)) != null) {
            throw new DuplicateKeyException("file " + file.fileId() + " exists");
        }
        index(stored);
        return stored;
    }

    @Override
    public Optional<StoredFile> findNewest(String consumerId, String label, FileQuery query) {
        return indexed(key(query)).stream()
                .filter(f -> f.bound() && f.test() == query.test())
                .filter(f -> f.consumerId().equals(consumerId) && f.label().equals(label) && matches(f, query))
                .max(Comparator.comparing(StoredFile::createdAt).thenComparing(StoredFile::fileId));
    }

    @Override
    public Optional<StoredFile> findInput(String consumerId, String personId, String uploadId, boolean test) {
        return indexed("p:" + personId).stream()
                .filter(f -> f.bound() && f.test() == test && f.consumerId().equals(consumerId)
                        && f.personId().equals(personId) && uploadId.equals(f.sessionId()))
                .max(Comparator.comparing(StoredFile::createdAt).thenComparing(StoredFile::fileId));
    }

    @Override
    public Optional<StoredFile> findById(String fileId) {
        return Optional.ofNullable(files.get(fileId)).map(Entry::meta);
    }

    private static boolean matches(StoredFile f, FileQuery query) {
        return switch (query.kind()) {
            case SESSION -> query.id().equals(f.sessionId());
            case FLOW -> query.id().equals(f.flowId());
            case PERSON -> query.id().equals(f.personId());
        };
    }

    /** Called by {@link InMemoryStorage#commit} while it holds the commit's locks: bound with the rest of it. */
    @Override
    public void bind(Collection<String> fileIds) {
        for (String fileId : fileIds) {
            files.computeIfPresent(fileId, (id, entry) -> new Entry(entry.meta().asBound(), entry.content()));
        }
    }

    @Override
    public boolean delete(String fileId) {
        Entry gone = files.remove(fileId);
        if (gone == null) {
            return false;
        }
        unindex(gone.meta());
        return true;
    }

    @Override
    public int purgeUnbound(java.time.Instant createdBefore, int limit) {
        List<Entry> old = files.values().stream()
                .filter(e -> !e.meta().bound() && e.meta().createdAt().isBefore(createdBefore))
                .sorted(Comparator.comparing((Entry e) -> e.meta().createdAt()))
                .limit(limit)
                .toList();
        int purged = 0;
        for (Entry e : old) {
            // removed only if still this very entry: a file bound meanwhile is a new entry and stays
            if (files.remove(e.meta().fileId(), e)) {
                unindex(e.meta());
                purged++;
            }
        }
        return purged;
    }

    @Override
    public Optional<InputStream> open(String fileId) {
        Entry entry = files.get(fileId);
        // a fresh stream over the stored array: the array itself never leaves the store
        return entry == null ? Optional.empty() : Optional.of(new ByteArrayInputStream(entry.content()));
    }

    /** Up to {@code limit} files (bound or not) that {@code which} selects, oldest first. */
    List<StoredFile> select(java.util.function.Predicate<StoredFile> which, int limit) {
        return files.values().stream().map(Entry::meta).filter(which)
                .sorted(Comparator.comparing(StoredFile::createdAt).thenComparing(StoredFile::fileId))
                .limit(limit).toList();
    }
}
