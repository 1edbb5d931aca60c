package dev.idflow.spring;

import dev.idflow.core.Health.Check;
import dev.idflow.core.Health.Report;
import dev.idflow.core.Health.Status;
import dev.idflow.core.Idflow;
import java.util.Map;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/** {@link Idflow#health()} as a Boot 3.5 {@code HealthIndicator} (component {@code idflow}). */
public class IdflowHealthBoot3 implements HealthIndicator {
    private final Idflow idflow;

    public IdflowHealthBoot3(Idflow idflow) {
        this.idflow = idflow;
    }

    @Override
    public Health health() {
        Report report = idflow.health();
        Health.Builder builder = report.status() == Status.UP ? Health.up() : Health.down();
        for (Map.Entry<String, Check> check : report.checks().entrySet()) {
            builder.withDetail(check.getKey(), Map.of("status", check.getValue().status().name(),
                    "detail", check.getValue().detail()));
        }
        return builder.build();
    }
}
