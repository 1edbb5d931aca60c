package dev.idflow.storage.jdbi;

import static dev.idflow.core.spi.StorageFixtures.consumerId;
import static dev.idflow.core.spi.StorageFixtures.minimalFlow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.zaxxer.hikari.HikariDataSource;
import dev.idflow.core.model.Flow;
import dev.idflow.storage.jdbi.TestDatabases.Kind;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A failing statement's exception, which ends up in logs, says what failed but not with which values:
 * bound parameters are a person's data (person_id, input_data, card numbers).
 */
class StatementMessagesTest {

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aFailingStatementsMessageCarriesNoBoundValue(Kind kind) throws Exception {
        try (HikariDataSource db = TestDatabases.fresh(kind)) {
            JdbiStorage storage = JdbiStorage.builder(db).build();
            // a schema the statement no longer fits: the database's own message names the column, not a value
            try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE idflow_flow RENAME COLUMN locale TO locale_elsewhere");
            }
            Flow flow = minimalFlow(consumerId()).personId("person-880101300123").build();

            Throwable failure = catchThrowable(() -> storage.flows().insert(flow));

            assertThat(failure).isNotNull();
            List<String> messages = new ArrayList<>();
            for (Throwable t = failure; t != null; t = t.getCause()) {
                messages.add(String.valueOf(t.getMessage()));
                if (t instanceof SQLException sql && sql.getNextException() != null) {
                    messages.add(String.valueOf(sql.getNextException().getMessage()));
                }
            }
            assertThat(String.join("\n", messages)).as("the statement still fails loudly").isNotBlank()
                    .doesNotContain("880101300123").doesNotContain(flow.flowId());
        }
    }
}
