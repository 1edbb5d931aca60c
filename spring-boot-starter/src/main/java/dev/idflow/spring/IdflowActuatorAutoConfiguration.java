package dev.idflow.spring;

import dev.idflow.core.Idflow;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Actuator side, each part only when its classes are there: the {@code idflow} health indicator from
 * {@link Idflow#health()} (Boot 3.5's {@code org.springframework.boot.actuate.health} or Boot 4's
 * {@code org.springframework.boot.health.contributor}), and the masking of idflow's keys and secrets in the
 * {@code configprops} and {@code env} endpoints. Serves the application's own {@code Idflow} bean too.
 */
@AutoConfiguration(after = IdflowAutoConfiguration.class)
@ConditionalOnBean(Idflow.class)
public class IdflowActuatorAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    static class Boot4Health {
        @Bean
        @ConditionalOnMissingBean(name = "idflowHealthIndicator")
        IdflowHealthBoot4 idflowHealthIndicator(Idflow idflow) {
            return new IdflowHealthBoot4(idflow);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
    @ConditionalOnMissingClass("org.springframework.boot.health.contributor.HealthIndicator")
    static class Boot3Health {
        @Bean
        @ConditionalOnMissingBean(name = "idflowHealthIndicator")
        IdflowHealthBoot3 idflowHealthIndicator(Idflow idflow) {
            return new IdflowHealthBoot3(idflow);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.SanitizingFunction")
    static class Sanitizing {
        @Bean
        IdflowSanitizingFunction idflowSanitizingFunction(IdflowProperties properties) {
            return new IdflowSanitizingFunction(properties);
        }
    }
}
