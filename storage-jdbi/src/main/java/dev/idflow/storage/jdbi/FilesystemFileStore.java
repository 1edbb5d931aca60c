package dev.idflow.storage.jdbi;

import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.FileQuery;
import dev.idflow.core.spi.FileStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * File content in a directory, metadata in {@code idflow_file}: for hosts that keep media on a volume
 * (local, or shared by every node) rather than in the database. The database row is the source of
 * truth: a file exists when its row does.
 *
 * <p>Layout: {@code <directory>/<2 hex>/<SHA-256 of the file id, hex>}, so no id, however it is
 * spelled, can name a path outside the directory, and no folder grows past a few thousand entries.
 * Uploads in progress sit in {@code <directory>/.partial/}, on the same file system, so the final move
 * is a rename.
 *
 * <p>Where the file system is POSIX, every directory the store creates is {@code 0700} and every file
 * {@code 0600} (from its creation on, not changed afterwards: no moment where another local user could
 * open it): the content is identity evidence, for the service's account alone. A directory the host
 * made itself keeps the host's permissions.
 */
final class FilesystemFileStore implements FileStore {
    private static final Logger log = LoggerFactory.getLogger(FilesystemFileStore.class);
    /** An upload takes minutes at most; a partial file this old is a crashed node's leftover. */
    private static final Duration ABANDONED = Duration.ofDays(1);

    private final Jdbi jdbi;
    private final FileMetadata metadata;
    private final Path directory;
    private final Path partial;
    /** The file system keeps POSIX permissions: directories and files are created private to this user. */
    private final boolean posix;

    FilesystemFileStore(Jdbi jdbi, Path directory) {
        this.jdbi = jdbi;
        this.metadata = new FileMetadata(jdbi);
        this.directory = directory.toAbsolutePath().normalize();
        this.partial = this.directory.resolve(".partial");
        this.posix = this.directory.getFileSystem().supportedFileAttributeViews().contains("posix");
        try {
            createPrivateDirectories(partial);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the file store directory " + partial, e);
        }
        removeAbandonedUploads();
    }

    /**
     * Writes the content to a partial file and forces it to disk; then, in one transaction, inserts the
     * row and renames the partial file to its final name; then commits.
     *
     * <p>What can interleave, and why it is safe:
     * <ul>
     *   <li>Two saves of one file id: the second blocks on the row's primary key until the first
     *       commits, then fails with a duplicate key and deletes only its own partial file. The first
     *       save's content is never replaced.</li>
     *   <li>A crash after the rename but before the commit leaves a file no row points at: invisible,
     *       and replaced if that id is ever saved again (hence REPLACE_EXISTING, which can only ever
     *       replace such a leftover, since the row insert that precedes it proves no committed file
     *       holds the id).</li>
     *   <li>Renaming before committing, rather than after, means a committed row always has its file:
     *       a reader who finds the row finds the whole content, never a half-written one.</li>
     * </ul>
     */
    @Override
    public StoredFile save(StoredFile file, InputStream content) throws IOException {
        Path upload = posix ? Files.createTempFile(partial, "upload-", ".part", PRIVATE_FILE)
                : Files.createTempFile(partial, "upload-", ".part");
        try {
            long size;
            try {
                try (OutputStream out = Files.newOutputStream(upload)) {
                    size = content.transferTo(out);
                }
                force(upload);
            } catch (IOException e) {
                if (e instanceof java.nio.file.FileSystemException || isNoSpace(e)) {
                    // a full disk (or a read-only one): say where and that nothing was kept; the partial
                    // upload is deleted below and no row names it
                    throw new IOException("file store " + directory + ": could not write file " + file.fileId() + " ("
                            + e.getMessage() + "); nothing was stored", e);
                }
                throw e; // the client's stream failed: its own message
            }
            StoredFile stored = file.withSize(size);
            Path target = pathOf(file.fileId());
            createPrivateDirectories(target.getParent());
            Sql.uniquely("file " + file.fileId(), () -> jdbi.inTransaction(h -> {
                FileMetadata.insert(h, stored);
                Files.move(upload, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                forceDirectory(target.getParent());
                return stored;
            }));
            return stored;
        } finally {
            Files.deleteIfExists(upload);
        }
    }

    @Override
    public Optional<StoredFile> findNewest(String consumerId, String label, FileQuery query) {
        return metadata.findNewest(consumerId, label, query);
    }

    @Override
    public Optional<StoredFile> findById(String fileId) {
        return metadata.findById(fileId);
    }

    @Override
    public Optional<StoredFile> findInput(String consumerId, String personId, String uploadId, boolean test) {
        return metadata.findInput(consumerId, personId, uploadId, test);
    }

    @Override
    public void bind(java.util.Collection<String> fileIds) {
        metadata.bind(fileIds);
    }

    /**
     * The row first, then the content: once the row is gone no reader finds the file, and a crash between
     * the two leaves content no row points at (invisible, as after a crash in {@link #save}).
     */
    @Override
    public boolean delete(String fileId) throws IOException {
        boolean existed = jdbi.inTransaction(h -> FileMetadata.delete(h, fileId));
        Files.deleteIfExists(pathOf(fileId));
        return existed;
    }

    /** As {@link #delete}, row first, and only a row still unbound; its content only once the row is gone. */
    @Override
    public int purgeUnbound(Instant createdBefore, int limit) throws IOException {
        int purged = 0;
        for (String fileId : metadata.unboundBefore(createdBefore, limit)) {
            if (jdbi.inTransaction(h -> FileMetadata.deleteUnbound(h, fileId))) {
                Files.deleteIfExists(pathOf(fileId));
                purged++;
            }
        }
        return purged;
    }

    @Override
    public Optional<InputStream> open(String fileId) throws IOException {
        if (metadata.size(fileId).isEmpty()) {
            return Optional.empty();
        }
        Path path = pathOf(fileId);
        try {
            return Optional.of(Files.newInputStream(path));
        } catch (NoSuchFileException e) {
            throw new IOException("file " + fileId + " is recorded in idflow_file but its content " + path
                    + " is missing: was the directory moved or cleaned?", e);
        }
    }

    private static final java.nio.file.attribute.FileAttribute<java.util.Set<java.nio.file.attribute.PosixFilePermission>>
            PRIVATE_FILE = java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    private static final java.nio.file.attribute.FileAttribute<java.util.Set<java.nio.file.attribute.PosixFilePermission>>
            PRIVATE_DIRECTORY = java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));

    /**
     * Creates {@code dir} and its missing parents 0700 where POSIX applies. The mode is given at
     * creation (the process umask can only take bits away from it), so no directory is ever readable
     * by others, even for a moment. Two nodes creating the same directory at once both succeed.
     */
    private void createPrivateDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (posix) {
            Files.createDirectories(dir, PRIVATE_DIRECTORY);
        } else {
            Files.createDirectories(dir);
        }
        // a new directory's own entry is durable only once its parent is forced
        if (dir.getParent() != null) {
            forceDirectory(dir.getParent());
        }
    }

    Path pathOf(String fileId) {
        String hash = sha256(fileId);
        return directory.resolve(hash.substring(0, 2)).resolve(hash);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static boolean isNoSpace(IOException e) {
        String message = e.getMessage();
        return message != null && (message.contains("No space left") || message.contains("Disk quota exceeded"));
    }

    private static void force(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    /**
     * Makes the rename itself durable, so a committed row does not outlive its file after a power
     * failure. Not every platform can open a directory for this; there the rename's durability is the
     * file system's.
     */
    private static void forceDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            log.debug("cannot force directory {} to disk on this platform", dir, e);
        }
    }

    /**
     * Other nodes may share this directory and be uploading right now, so only partial files older
     * than any upload could be are removed.
     */
    private void removeAbandonedUploads() {
        Instant cutoff = Instant.now().minus(ABANDONED);
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(partial, "upload-*.part")) {
            for (Path part : parts) {
                if (Files.getLastModifiedTime(part).toInstant().isBefore(cutoff)) {
                    Files.deleteIfExists(part);
                    log.info("removed an abandoned upload {}", part);
                }
            }
        } catch (IOException e) {
            log.warn("could not clean abandoned uploads in {}", partial, e);
        }
    }

    /** Deletes the content of files whose rows are gone already (retention, erasure). */
    void deleteContent(java.util.Collection<String> fileIds) throws IOException {
        for (String fileId : fileIds) {
            Files.deleteIfExists(pathOf(fileId));
        }
    }
}
