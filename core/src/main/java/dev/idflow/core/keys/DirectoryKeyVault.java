package dev.idflow.core.keys;

import dev.idflow.core.spi.PersonKeyVault;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.UUID;

/**
 * Person keys as files in a directory (the demo's {@code <data-dir>/person-keys}), one file per key named by
 * the key id's hex digits and kind ({@code 0123…cdef-t}), never by the person_id; owner-only (0600 in a 0700
 * directory where the file system is POSIX). A key is written to a temp file, fsynced and linked into place
 * (a link fails when the name exists: the first of two writers wins, also across processes sharing the
 * directory). Destroying overwrites the file with zeros, fsyncs and unlinks it; what a journaling or
 * copy-on-write file system or an SSD's wear levelling keeps of the old blocks is outside its reach (put the
 * directory on encrypted storage). A key kept here, not in the database, means an H2 file's old pages do not
 * hold the key to their own rows.
 */
public final class DirectoryKeyVault implements PersonKeyVault {
    private final Path directory;

    public DirectoryKeyVault(Path directory) {
        this.directory = directory;
        try {
            Files.createDirectories(directory);
            try {
                Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException ignored) {
                // not POSIX: the host protects the directory
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the person-key directory " + directory, e);
        }
    }

    private Path file(String keyId) {
        if (!PersonRefs.isKeyId(keyId)) {
            throw new IllegalArgumentException("keyId must be hmac:<32 hex>/t or /l");
        }
        return directory.resolve(keyId.substring(5, 37) + "-" + keyId.charAt(38));
    }

    @Override
    public byte[] putIfAbsent(String keyId, byte[] material) {
        Path target = file(keyId);
        Optional<byte[]> existing = find(keyId);
        if (existing.isPresent()) {
            return existing.get();
        }
        Path temp = directory.resolve(".tmp-" + UUID.randomUUID());
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                try {
                    Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException ignored) {
                    // not POSIX
                }
                ch.write(ByteBuffer.wrap(material));
                ch.force(true);
            }
            try {
                Files.createLink(target, temp);
            } catch (FileAlreadyExistsException e) {
                // another writer was first: its key wins
            } catch (UnsupportedOperationException e) {
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException other) {
                    // the first wins
                }
            }
            return find(keyId).orElseThrow(() -> new IllegalStateException("the key " + keyId + " vanished"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the person key " + keyId, e);
        } finally {
            try {
                shred(temp);
            } catch (IOException ignored) {
                // the temp file is only a link to the stored one, or never got its bytes
            }
        }
    }

    @Override
    public Optional<byte[]> find(String keyId) {
        try {
            return Optional.of(Files.readAllBytes(file(keyId)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the person key " + keyId, e);
        }
    }

    @Override
    public boolean destroy(String keyId) {
        try {
            return shred(file(keyId));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot destroy the person key " + keyId, e);
        }
    }

    private static int links(Path file) throws IOException {
        try {
            return Files.getAttribute(file, "unix:nlink") instanceof Integer n ? n : 1;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return 1;
        }
    }

    /** Overwrites with zeros (fsynced) and unlinks; false when there was no file. A linked temp file is just unlinked. */
    private static boolean shred(Path file) throws IOException {
        if (!Files.exists(file)) {
            return false;
        }
        if (links(file) > 1) {
            Files.deleteIfExists(file);
            return true;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            long size = ch.size();
            ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(size, 1 << 16));
            for (long at = 0; at < size; ) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), size - at));
                at += ch.write(zeros, at);
            }
            ch.force(true);
        }
        return Files.deleteIfExists(file);
    }
}
