package dev.idflow.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.Idflow;
import dev.idflow.spring.IdflowBackground;
import dev.idflow.storage.memory.InMemoryStorage;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * An application with its own {@code Idflow} bean: the starter builds no engine, touches no database,
 * checks none of its engine properties (there are none here), and its servlet serves the application's bean.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "management.endpoint.health.show-details=always"})
class OwnIdflowBeanTest {
    static final String KEY = "test_own0123456789abcdef0123456789ab";

    @TestConfiguration(proxyBeanMethods = false)
    static class OwnIdflow {
        @Bean
        Idflow myIdflow() {
            Idflow idflow = Idflow.builder().storage(new InMemoryStorage())
                    .publicBaseUrl("https://own.example/kyc").secretKey(new byte[32]).build();
            idflow.registerConsumer("own", "Own");
            idflow.addTestKey("own", KEY);
            return idflow;
        }
    }

    @Value("${local.server.port}")
    int port;
    @Autowired
    ApplicationContext context;
    @Autowired
    DataSource dataSource;

    @Test
    void theStarterBacksOffAndServesTheApplicationsOwnIdflow() throws Exception {
        assertThat(context.getBeansOfType(Idflow.class)).containsOnlyKeys("myIdflow");
        assertThat(context.getBeansOfType(IdflowBackground.class)).isEmpty();
        assertThat(context.getBean(Idflow.class).storage()).isInstanceOf(InMemoryStorage.class);
        // no migration ran on the application's database
        Integer tables = new JdbcTemplate(dataSource).queryForObject(
                "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE LOWER(TABLE_NAME) LIKE 'idflow%'", Integer.class);
        assertThat(tables).isZero();

        Http.Answer created = Http.postJson(port, "/kyc/flow", KEY,
                "{\"person_id\":\"own-person-1\",\"template\":{\"pipeline\":[{\"service_name\":\"consent\"}]}}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().get("vlink").asText()).startsWith("https://own.example/kyc/");
        // the health indicator reports the application's bean
        Http.Answer health = Http.get(port, "/actuator/health/idflow", null);
        assertThat(health.json().get("status").asText()).isEqualTo("UP");
    }
}
