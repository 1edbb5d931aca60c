package dev.idflow.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.Idflow;
import dev.idflow.core.keys.SealedStorage;
import dev.idflow.spring.IdflowBackground;
import dev.idflow.spring.IdflowProperties;
import dev.idflow.storage.jdbi.JdbiStorage;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The starter in a Boot application with only a DataSource (H2 in memory) and properties: the API at /kyc
 * over real HTTP, the health indicator, the properties bound (and masked), Micrometer bound, the background
 * work running with the context.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "idflow.public-base-url=https://bank.example/kyc",
        "idflow.secret-key=" + StarterTest.SECRET_KEY,
        "idflow.consumers[0].id=retail",
        "idflow.consumers[0].name=Retail banking",
        "idflow.consumers[0].test-keys[0]=" + StarterTest.TEST_KEY,
        "idflow.consumers[0].live-keys[0].key=" + StarterTest.LIVE_KEY,
        "idflow.consumers[0].live-keys[0].secret=" + StarterTest.LIVE_SECRET,
        "idflow.templates.inline={\"pipeline\":[{\"service_name\":\"consent\"}]}",
        "idflow.templates.onboarding=classpath:idflow/onboarding.json",
        "idflow.background.interval=1h",
        "management.endpoints.web.exposure.include=health,configprops,env",
        "management.endpoint.health.show-details=always",
        "management.endpoint.configprops.show-values=always",
        "management.endpoint.env.show-values=always"})
class StarterTest {
    static final String SECRET_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    static final String TEST_KEY = "test_0123456789abcdef0123456789abcdef";
    static final String LIVE_KEY = "live_0123456789abcdef0123456789abcdef";
    static final String LIVE_SECRET = "secret_0123456789abcdef0123456789abcdef";

    @Value("${local.server.port}")
    int port;
    @Autowired
    Idflow idflow;
    @Autowired
    IdflowProperties properties;
    @Autowired
    IdflowBackground background;
    @Autowired
    DataSource dataSource;
    @Autowired
    MeterRegistry meterRegistry;

    @Test
    void servesTheApiAtKycOverHttpOnTheApplicationsDataSource() throws Exception {
        Http.Answer created = Http.postJson(port, "/kyc/flow", TEST_KEY,
                "{\"person_id\":\"it-person-1\",\"template\":{\"pipeline\":[{\"service_name\":\"consent\"}]}}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String flowId = created.json().get("flow_id").asText();
        assertThat(created.json().get("vlink").asText()).startsWith("https://bank.example/kyc/");

        Http.Answer read = Http.get(port, "/kyc/flow/" + flowId, TEST_KEY);
        assertThat(read.status()).as(read.body()).isEqualTo(200);
        assertThat(read.json().get("flow_id").asText()).isEqualTo(flowId);
        assertThat(read.json().get("person_id").asText()).isEqualTo("it-person-1");

        // in the application's database, migrated at start
        // (JdbiStorage has a vault of person keys, so Idflow seals each person's data over it)
        assertThat(idflow.storage()).isInstanceOf(SealedStorage.class);
        assertThat(((SealedStorage) idflow.storage()).inner()).isInstanceOf(JdbiStorage.class);
        Integer rows = new JdbcTemplate(dataSource).queryForObject(
                "SELECT COUNT(*) FROM idflow_flow WHERE flow_id = ?", Integer.class, flowId);
        assertThat(rows).isEqualTo(1);
        // and counted on the application's MeterRegistry
        assertThat(meterRegistry.find("idflow.flow.creations").counters()).isNotEmpty();
    }

    @Test
    void anUploadLargerThanBootsOwnMultipartLimitGoesThroughTheContainer() throws Exception {
        // 2 MiB: above spring.servlet.multipart.max-file-size (1MB, the DispatcherServlet's), below idflow's 50MB
        byte[] text = "idflow ".repeat(2 * 1024 * 1024 / 7 + 1).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Http.Answer stored = Http.upload(port, "/kyc/resources/storage", TEST_KEY, text, "unspecified", "it-person-3");
        assertThat(stored.status()).as(stored.body()).isEqualTo(201);
        java.net.http.HttpResponse<byte[]> file = Http.download(port,
                "/kyc/resources/file?label=unspecified&person_id=it-person-3", TEST_KEY);
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(file.body()).isEqualTo(text);
    }

    @Test
    void templatesFromThePropertiesInlineOrFromTheClasspathAreUsedByTemplateId() throws Exception {
        for (String id : new String[] {"inline", "onboarding"}) {
            Http.Answer created = Http.postJson(port, "/kyc/flow", TEST_KEY,
                    "{\"person_id\":\"it-person-2\",\"template_id\":\"" + id + "\"}");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
        }
        Http.Answer unknown = Http.postJson(port, "/kyc/flow", TEST_KEY,
                "{\"person_id\":\"it-person-2\",\"template_id\":\"nope\"}");
        assertThat(unknown.status()).isNotEqualTo(201);
    }

    @Test
    void anUnknownKeyIsRefusedAndALiveKeyMustSign() throws Exception {
        assertThat(Http.get(port, "/kyc/flow/00000000000000000000000000-F", "test_ffffffffffffffffffffffffffffffff").status())
                .isEqualTo(401);
        // the live key is registered: unsigned, it is refused for want of a signature, not as unknown
        Http.Answer unsigned = Http.get(port, "/kyc/flow/00000000000000000000000000-F", LIVE_KEY);
        assertThat(unsigned.status()).isEqualTo(401);
        assertThat(unsigned.body()).doesNotContain(LIVE_SECRET);
    }

    @Test
    void theHealthIndicatorIsUpWithTheDatabaseAndBackgroundChecks() throws Exception {
        Http.Answer health = Http.get(port, "/actuator/health/idflow", null);
        assertThat(health.status()).as(health.body()).isEqualTo(200);
        JsonNode json = health.json();
        assertThat(json.get("status").asText()).isEqualTo("UP");
        assertThat(json.at("/details/database/status").asText()).isEqualTo("UP");
        assertThat(json.at("/details/background/status").asText()).isEqualTo("UP");
        Http.Answer all = Http.get(port, "/actuator/health", null);
        assertThat(all.json().at("/components/idflow/status").asText()).isEqualTo("UP");
    }

    @Test
    void thePropertiesAreBoundAndTheirSecretsNeverShown() throws Exception {
        assertThat(properties.getPath()).isEqualTo("/kyc");
        assertThat(properties.getPublicBaseUrl()).isEqualTo("https://bank.example/kyc");
        assertThat(properties.getStorage()).isEqualTo(IdflowProperties.StorageKind.JDBC);
        assertThat(properties.getConsumers()).hasSize(1);
        assertThat(properties.getConsumers().get(0).getId()).isEqualTo("retail");
        assertThat(properties.getConsumers().get(0).getTestKeys()).containsExactly(TEST_KEY);
        assertThat(properties.getConsumers().get(0).getLiveKeys().get(0).getSecret()).isEqualTo(LIVE_SECRET);
        assertThat(properties.getTemplates()).containsKeys("inline", "onboarding");

        assertThat(properties.toString()).contains("retail").doesNotContain(SECRET_KEY, TEST_KEY, LIVE_KEY, LIVE_SECRET);
        Http.Answer configprops = Http.get(port, "/actuator/configprops", null);
        assertThat(configprops.status()).isEqualTo(200);
        assertThat(configprops.body()).contains("https://bank.example/kyc", "retail", "******")
                .doesNotContain(SECRET_KEY, TEST_KEY, LIVE_KEY, LIVE_SECRET);
        Http.Answer env = Http.get(port, "/actuator/env", null);
        assertThat(env.status()).isEqualTo(200);
        assertThat(env.body()).contains("https://bank.example/kyc")
                .doesNotContain(SECRET_KEY, TEST_KEY, LIVE_KEY, LIVE_SECRET);
    }

    @Test
    void theBackgroundWorkRunsWithTheContext() {
        assertThat(background.isRunning()).isTrue();
        assertThat(idflow.health().checks()).containsKey("background");
    }
}
