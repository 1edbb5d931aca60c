package dev.idflow.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.Idflow;
import dev.idflow.spring.IdflowBackground;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Background work follows the context (start, stop, start, close); the IDE metadata ships in the jar. */
class LifecycleAndMetadataTest {
    @Test
    void theBackgroundWorkStartsWithTheContextAndStopsWithIt() {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(ItApplication.class)
                .web(WebApplicationType.NONE)
                .properties("idflow.public-base-url=https://bank.example/kyc", "idflow.storage=memory",
                        "idflow.secret-key=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "idflow.background.interval=1h")
                .run();
        Idflow idflow = context.getBean(Idflow.class);
        IdflowBackground background = context.getBean(IdflowBackground.class);
        try {
            assertThat(background.isRunning()).isTrue();
            assertThat(idflow.health().checks()).containsKey("background");
            context.stop();
            assertThat(background.isRunning()).isFalse();
            assertThat(idflow.health().checks()).doesNotContainKey("background");
            context.start();
            assertThat(background.isRunning()).isTrue();
            assertThat(idflow.health().checks()).containsKey("background");
        } finally {
            context.close();
        }
        assertThat(background.isRunning()).isFalse();
    }

    @Test
    void backgroundWorkCanBeLeftToOtherNodes() {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(ItApplication.class)
                .web(WebApplicationType.NONE)
                .properties("idflow.public-base-url=https://bank.example/kyc", "idflow.storage=memory",
                        "idflow.secret-key=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "idflow.background.enabled=false")
                .run()) {
            assertThat(context.getBean(IdflowBackground.class).isRunning()).isFalse();
            assertThat(context.getBean(Idflow.class).health().checks()).doesNotContainKey("background");
        }
    }

    @Test
    void theConfigurationMetadataForTheIdeIsInTheStartersJar() throws Exception {
        JsonNode metadata;
        try (InputStream in = IdflowBackground.class.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            metadata = Http.JSON.readTree(in);
        }
        List<String> names = new ArrayList<>();
        metadata.get("properties").forEach(p -> names.add(p.get("name").asText()));
        assertThat(names).contains("idflow.path", "idflow.public-base-url", "idflow.secret-key", "idflow.consumers",
                "idflow.storage", "idflow.templates", "idflow.background.interval");
        for (JsonNode p : metadata.get("properties")) {
            if (p.get("name").asText().equals("idflow.secret-key")) {
                assertThat(p.get("description").asText()).contains("base64 of 32 random bytes");
            }
        }
        assertThat(IdflowBackground.class.getResource("/META-INF/additional-spring-configuration-metadata.json")).isNotNull();
    }
}
