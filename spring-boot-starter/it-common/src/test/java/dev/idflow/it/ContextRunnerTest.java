package dev.idflow.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.Idflow;
import dev.idflow.spring.IdflowActuatorAutoConfiguration;
import dev.idflow.spring.IdflowAutoConfiguration;
import dev.idflow.spring.IdflowBackground;
import dev.idflow.spring.IdflowPropertyException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The auto-configuration alone: without Actuator on the classpath, and with jdbc storage but no DataSource. */
class ContextRunnerTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IdflowAutoConfiguration.class, IdflowActuatorAutoConfiguration.class))
            .withPropertyValues("idflow.public-base-url=https://bank.example/kyc",
                    "idflow.secret-key=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");

    @Test
    void withoutActuatorThereIsNoHealthIndicatorAndIdflowStillStarts() {
        runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate", "org.springframework.boot.health"))
                .withPropertyValues("idflow.storage=memory")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(Idflow.class).hasSingleBean(IdflowBackground.class);
                    assertThat(context).doesNotHaveBean("idflowHealthIndicator").doesNotHaveBean("idflowSanitizingFunction");
                });
    }

    @Test
    void withActuatorTheHealthIndicatorIsThere() {
        runner.withPropertyValues("idflow.storage=memory")
                .run(context -> assertThat(context).hasNotFailed().hasBean("idflowHealthIndicator")
                        .hasBean("idflowSanitizingFunction"));
    }

    @Test
    void jdbcStorageWithoutADataSourceFailsNamingIdflowStorage() {
        runner.run(context -> {
            assertThat(context).hasFailed();
            Throwable root = context.getStartupFailure();
            while (root.getCause() != null) {
                root = root.getCause();
            }
            assertThat(root).isInstanceOf(IdflowPropertyException.class);
            assertThat(((IdflowPropertyException) root).property()).isEqualTo("idflow.storage");
            assertThat(root.getMessage()).contains("needs the application's DataSource", "idflow.storage=memory");
        });
    }
}
