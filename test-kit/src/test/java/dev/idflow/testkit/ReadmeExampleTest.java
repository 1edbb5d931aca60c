package dev.idflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's test-kit example is OnboardingTest, word for word: the two are kept in sync by hand, and
 * this says when they are not.
 */
class ReadmeExampleTest {
    private static final String START = "<!-- test-kit example: test-kit/src/test/java/bank/onboarding/OnboardingTest.java -->\n```java\n";
    private static final String END = "```\n<!-- end of the test-kit example -->";

    @Test
    void theReadmeShowsOnboardingTestAsItIs() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        String test = Files.readString(Path.of("src/test/java/bank/onboarding/OnboardingTest.java"), StandardCharsets.UTF_8);
        int start = readme.indexOf(START);
        assertThat(start).as("README.md has the marked test-kit example").isNotNegative();
        int end = readme.indexOf(END, start);
        assertThat(end).as("the example's end marker").isPositive();

        assertThat(readme.substring(start + START.length(), end))
                .as("README.md's example against OnboardingTest.java: copy the test into the README (or back)")
                .isEqualTo(test);
    }
}
