package dev.idflow.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code --retention-biometrics} and {@code --retention-flows}: ISO-8601 or 30d/12h forms, refused with the rule. */
class DemoRetentionOptionsTest {

    @Test
    void bothFormsAreRead() {
        DemoOptions o = DemoOptions.parse(new String[] {"--retention-biometrics", "30d", "--retention-flows=P400D"});
        assertThat(o.retentionBiometrics()).isEqualTo(Duration.ofDays(30));
        assertThat(o.retentionFlows()).isEqualTo(Duration.ofDays(400));
        assertThat(DemoOptions.parse(new String[] {"--retention-biometrics", "PT12H"}).retentionBiometrics())
                .isEqualTo(Duration.ofHours(12));
        assertThat(DemoOptions.parse(new String[] {"--retention-flows", "12h"}).retentionFlows()).isEqualTo(Duration.ofHours(12));
    }

    @Test
    void withoutThemDataIsKept() {
        DemoOptions o = DemoOptions.parse(new String[] {});
        assertThat(o.retentionBiometrics()).isNull();
        assertThat(o.retentionFlows()).isNull();
    }

    @Test
    void aBadPeriodIsAUsageErrorNamingTheOptionAndTheRule() {
        for (String bad : new String[] {"0d", "-5d", "soon", "30 days", "P0D"}) {
            assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--retention-biometrics", bad}))
                    .as(bad).isInstanceOf(DemoOptions.UsageException.class)
                    .hasMessageStartingWith("--retention-biometrics: a period must be ISO-8601");
        }
    }
}
