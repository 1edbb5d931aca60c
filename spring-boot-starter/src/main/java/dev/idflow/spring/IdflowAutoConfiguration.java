package dev.idflow.spring;

import dev.idflow.core.Idflow;
import dev.idflow.servlet.CorsOptions;
import dev.idflow.servlet.HostedPageOptions;
import dev.idflow.servlet.IdflowServlet;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ResourceLoader;

/**
 * idflow in a Spring Boot application: {@link Idflow} on the application's {@code DataSource} (or in memory,
 * {@code idflow.storage=memory}), its background work in the context's lifecycle, and {@link IdflowServlet}
 * at {@code idflow.path}. An application's own {@code Idflow} bean replaces the engine and its background
 * work (the servlet then serves that bean). Runs after Boot's DataSource auto-configuration (its package
 * differs between Boot 3.5 and 4.0, hence the names).
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnClass(Idflow.class)
@EnableConfigurationProperties(IdflowProperties.class)
public class IdflowAutoConfiguration {

    /** The engine and its background work, unless the application defines its own {@code Idflow}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(Idflow.class)
    static class Engine {
        @Bean(destroyMethod = "close")
        Idflow idflow(IdflowProperties properties, ObjectProvider<DataSource> dataSource,
                      ObjectProvider<MeterRegistry> meterRegistry, ResourceLoader resources) {
            DataSource ds = properties.getStorage() == IdflowProperties.StorageKind.JDBC ? dataSource.getIfUnique() : null;
            return IdflowFactory.create(properties, ds, meterRegistry.getIfUnique(), resources);
        }

        @Bean
        IdflowBackground idflowBackground(Idflow idflow, IdflowProperties properties) {
            IdflowProperties.Background background = properties.getBackground();
            if (background.getInterval() == null || background.getInterval().isNegative() || background.getInterval().isZero()) {
                throw new IdflowPropertyException("idflow.background.interval", "must be a positive duration, e.g. 5s");
            }
            return new IdflowBackground(idflow, background.getInterval(), background.isEnabled());
        }
    }

    /** {@link IdflowServlet} at {@code idflow.path}, with uploads up to {@code idflow.max-upload-size}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(name = "jakarta.servlet.http.HttpServlet")
    static class Servlet {
        @Bean
        @ConditionalOnMissingBean(name = "idflowServletRegistration")
        ServletRegistrationBean<IdflowServlet> idflowServletRegistration(Idflow idflow, IdflowProperties properties) {
            String mapping = IdflowFactory.path(properties.getPath());
            HostedPageOptions page;
            CorsOptions cors;
            try {
                page = new HostedPageOptions(properties.getFrameAncestors());
            } catch (IllegalArgumentException e) {
                throw new IdflowPropertyException("idflow.frame-ancestors", "must be origins: " + e.getMessage());
            }
            try {
                cors = new CorsOptions(properties.getCorsOrigins());
            } catch (IllegalArgumentException e) {
                throw new IdflowPropertyException("idflow.cors-origins", "must be origins: " + e.getMessage());
            }
            ServletRegistrationBean<IdflowServlet> registration =
                    new ServletRegistrationBean<>(new IdflowServlet(idflow, page, cors), mapping);
            registration.setName("idflow");
            registration.setMultipartConfig(IdflowServlet.multipartConfig(properties.getMaxUploadSize().toBytes()));
            registration.setAsyncSupported(false);
            registration.setLoadOnStartup(1);
            return registration;
        }
    }
}
