package dev.idflow.spring;

import dev.idflow.core.Health.Check;
import dev.idflow.core.Health.Report;
import dev.idflow.core.Health.Status;
import dev.idflow.core.Idflow;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** {@link Idflow#health()} as a Boot 4 {@code HealthIndicator} (org.springframework.boot.health.contributor) (component {@code idflow}). */
public class IdflowHealthBoot4 implements HealthIndicator {
    private final Idflow idflow;

    public IdflowHealthBoot4(Idflow idflow) {
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
