package dev.idflow.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.idflow.core.Idflow;
import dev.idflow.spring.IdflowPropertyException;
import dev.idflow.storage.memory.InMemoryStorage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A wrong property stops the start with Boot's "APPLICATION FAILED TO START" report from idflow's
 * FailureAnalyzer: the property, the rule, how it is broken, and never the value.
 */
@ExtendWith(OutputCaptureExtension.class)
class StartupFailureTest {
    private static final String GOOD_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    private static ConfigurableApplicationContext start(String... properties) {
        List<String> all = new ArrayList<>(List.of("idflow.public-base-url=https://bank.example/kyc",
                "spring.datasource.url=jdbc:h2:mem:startup-" + System.nanoTime()));
        all.addAll(List.of(properties));
        return new SpringApplicationBuilder(ItApplication.class).web(WebApplicationType.NONE)
                .properties(all.toArray(String[]::new)).run();
    }

    @Test
    void aSecretKeyOfSixteenBytesFailsTheStartNamingThePropertyAndTheRule(CapturedOutput output) {
        String sixteenBytes = "AAECAwQFBgcICQoLDA0ODw==";
        assertThatThrownBy(() -> start("idflow.secret-key=" + sixteenBytes))
                .hasRootCauseInstanceOf(IdflowPropertyException.class);
        assertThat(output.toString())
                .contains("APPLICATION FAILED TO START")
                .contains("idflow could not start: the property idflow.secret-key must be the base64 of exactly 32 bytes")
                .contains("it decodes to 16 bytes")
                .contains("Set idflow.secret-key")
                .doesNotContain(sixteenBytes);
    }

    @Test
    void aSecretKeyThatIsNotBase64OrMissingFailsTheStart(CapturedOutput output) {
        assertThatThrownBy(() -> start("idflow.secret-key=not base64 at all!"))
                .hasRootCauseInstanceOf(IdflowPropertyException.class);
        assertThat(output.toString()).contains("idflow.secret-key must be the base64 of exactly 32 bytes")
                .contains("it is not base64").doesNotContain("not base64 at all!");
        assertThatThrownBy(() -> start())
                .hasRootCauseMessage("idflow.secret-key " + "must be the base64 of exactly 32 bytes "
                        + "(e.g. openssl rand -base64 32), the same on every node and across restarts; it is not set");
    }

    @Test
    void aShortTestKeyFailsTheStartNamingItsIndexNotItsValue(CapturedOutput output) {
        assertThatThrownBy(() -> start("idflow.secret-key=" + GOOD_KEY, "idflow.consumers[0].id=retail",
                "idflow.consumers[0].test-keys[0]=test_0123456789abcdef0123456789abcdef",
                "idflow.consumers[0].test-keys[1]=short-key-1234"))
                .hasRootCauseInstanceOf(IdflowPropertyException.class);
        assertThat(output.toString()).contains("the property idflow.consumers[0].test-keys[1] must be 32 to 256")
                .contains("this one has 14 characters").doesNotContain("short-key-1234");
    }

    @Test
    void aBadPublicBaseUrlOrPathFailsTheStart(CapturedOutput output) {
        assertThatThrownBy(() -> start("idflow.secret-key=" + GOOD_KEY, "idflow.public-base-url=bank.example/kyc"))
                .hasRootCauseInstanceOf(IdflowPropertyException.class);
        assertThat(output.toString()).contains("the property idflow.public-base-url must be the absolute http or https URL");
        assertThatThrownBy(() -> start("idflow.secret-key=" + GOOD_KEY, "idflow.templates.broken={\"pipeline\":[]}"))
                .hasRootCauseInstanceOf(IdflowPropertyException.class);
        assertThat(output.toString()).contains("the property idflow.templates.broken must be a FlowTemplate");
    }

    @Test
    void memoryStorageNeedsNoDataSourceAndAGoodConfigurationStarts() {
        try (ConfigurableApplicationContext context = start("idflow.secret-key=" + GOOD_KEY, "idflow.storage=memory")) {
            assertThat(context.getBean(Idflow.class).storage()).isInstanceOf(InMemoryStorage.class);
        }
    }
}
