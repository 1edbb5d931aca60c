package dev.idflow.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootVersion;

/**
 * idflow runs here on what this Boot version manages, not on the versions idflow's own build uses
 * (Jackson 2.21.2, Hibernate Validator 9.1.0.Final): the host's managed versions win. The expected
 * versions come from the Boot parent's properties (see this module's pom).
 */
class ManagedVersionsTest {
    @Test
    void jacksonHibernateValidatorAndBootAreTheManagedOnes() {
        assertThat(SpringBootVersion.getVersion()).isEqualTo(System.getProperty("expected.boot.version"));
        assertThat(com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION.toString())
                .isEqualTo(System.getProperty("expected.jackson.version"));
        assertThat(org.hibernate.validator.internal.util.Version.getVersionString())
                .isEqualTo(System.getProperty("expected.hibernate-validator.version"));
    }
}
