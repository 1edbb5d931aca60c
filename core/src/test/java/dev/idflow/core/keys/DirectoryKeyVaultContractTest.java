package dev.idflow.core.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.spi.PersonKeyVault;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The vault contract on files; a second node is another DirectoryKeyVault on the same directory. */
class DirectoryKeyVaultContractTest extends PersonKeyVaultContractTest {
    @TempDir
    Path directory;

    @Override
    protected PersonKeyVault vault() {
        return new DirectoryKeyVault(directory.resolve("person-keys"));
    }

    @Override
    protected PersonKeyVault secondNode(PersonKeyVault vault) {
        return new DirectoryKeyVault(directory.resolve("person-keys"));
    }

    @Test
    void filesAreNamedByTheKeyIdsDigestOwnerOnlyAndGoneAfterDestroy() throws IOException {
        PersonKeyVault v = vault();
        v.putIfAbsent("hmac:0123456789abcdef0123456789abcdef/t", new byte[] {1, 2, 3});
        Path dir = directory.resolve("person-keys");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList())
                    .containsExactly("0123456789abcdef0123456789abcdef-t");
        }
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("0123456789abcdef0123456789abcdef-t")))).isEqualTo("rw-------");
        v.destroy("hmac:0123456789abcdef0123456789abcdef/t");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.toList()).isEmpty();
        }
    }
}
