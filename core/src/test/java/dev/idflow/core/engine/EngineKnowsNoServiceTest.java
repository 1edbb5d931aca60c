package dev.idflow.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.model.ServiceNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The engine runs every step through the service SPI: no service of the spec is named anywhere in its
 * sources, neither in code nor in comments, and it does not use the catalogue of names.
 */
class EngineKnowsNoServiceTest {
    private static final Path ENGINE = Path.of("src/main/java/dev/idflow/core/engine");

    @Test
    void noServiceNameAppearsInTheEnginesSources() throws IOException {
        assertThat(ENGINE).isDirectory();
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(ENGINE)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String text = Files.readString(file).toLowerCase(Locale.ROOT);
                if (text.contains("servicenames")) {
                    found.add(file.getFileName() + ": uses ServiceNames");
                }
                for (String name : ServiceNames.ALL) {
                    // a name as a word of its own: "erd" must not match "ordered", "otp" not "otpx"
                    Pattern word = Pattern.compile("(?<![a-z0-9_-])" + Pattern.quote(name) + "(?![a-z0-9_]|-[a-z])");
                    if (word.matcher(text).find()) {
                        found.add(file.getFileName() + ": " + name);
                    }
                }
            }
        }
        assertThat(found).as("service names in engine/").isEmpty();
    }

    @Test
    void theCheckWouldSeeANameIfOneWereThere() {
        Pattern word = Pattern.compile("(?<![a-z0-9_-])" + Pattern.quote("verilive") + "(?![a-z0-9_]|-[a-z])");
        assertThat(word.matcher("if (\"verilive\".equals(service))").find()).isTrue();
        assertThat(word.matcher("a verilive-one-shot step").find()).isFalse();
    }
}
