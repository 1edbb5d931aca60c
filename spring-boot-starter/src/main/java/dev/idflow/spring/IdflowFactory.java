package dev.idflow.spring;

import dev.idflow.core.Idflow;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.FlowTemplate;
import dev.idflow.core.spi.DuplicateKeyException;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.storage.jdbi.JdbiStorage;
import dev.idflow.storage.jdbi.MigrationMode;
import dev.idflow.storage.memory.InMemoryStorage;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

/**
 * Builds {@link Idflow} from {@link IdflowProperties}: checks every property first (a wrong one fails the
 * start with {@link IdflowPropertyException}, naming it and its rule, before anything is stored), then
 * registers the consumers, their keys and the templates.
 */
final class IdflowFactory {
    static final String SECRET_KEY_RULE = "must be the base64 of exactly 32 bytes (e.g. openssl rand -base64 32), "
            + "the same on every node and across restarts";

    private IdflowFactory() {
    }

    static Idflow create(IdflowProperties properties, DataSource dataSource, MeterRegistry registry,
                         ResourceLoader resources) {
        byte[] secretKey = secretKey(properties.getSecretKey());
        String baseUrl = publicBaseUrl(properties.getPublicBaseUrl());
        path(properties.getPath());
        List<FlowTemplate> templates = templates(properties, resources);
        checkConsumers(properties.getConsumers());
        if (properties.getInactivityTimeout() == null || properties.getInactivityTimeout().isNegative()
                || properties.getInactivityTimeout().isZero()) {
            throw new IdflowPropertyException("idflow.inactivity-timeout", "must be a positive duration, e.g. 300s");
        }
        if (properties.getMaxUploadSize() == null || properties.getMaxUploadSize().toBytes() <= 0) {
            throw new IdflowPropertyException("idflow.max-upload-size", "must be a positive size, e.g. 50MB");
        }
        Idflow.Builder builder = Idflow.builder()
                .storage(storage(properties, dataSource))
                .publicBaseUrl(baseUrl)
                .secretKey(secretKey)
                .inactivityTimeout(properties.getInactivityTimeout())
                .maxUploadBytes(properties.getMaxUploadSize().toBytes());
        java.util.Arrays.fill(secretKey, (byte) 0);
        if (registry != null) {
            builder.meterRegistry(registry);
        }
        Idflow idflow = builder.build();
        try {
            registerConsumers(idflow, properties.getConsumers());
            int i = 0;
            for (String id : properties.getTemplates().keySet()) {
                idflow.registerTemplate(id, templates.get(i++));
            }
        } catch (RuntimeException e) {
            idflow.close();
            throw e;
        }
        return idflow;
    }

    static byte[] secretKey(String value) {
        String property = "idflow.secret-key";
        if (value == null || value.isBlank()) {
            throw new IdflowPropertyException(property, SECRET_KEY_RULE + "; it is not set");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(value.strip());
        } catch (IllegalArgumentException e) {
            throw new IdflowPropertyException(property, SECRET_KEY_RULE + "; it is not base64");
        }
        if (key.length != 32) {
            int length = key.length;
            java.util.Arrays.fill(key, (byte) 0);
            throw new IdflowPropertyException(property, SECRET_KEY_RULE + "; it decodes to " + length + " bytes");
        }
        return key;
    }

    static String publicBaseUrl(String value) {
        String property = "idflow.public-base-url";
        String rule = "must be the absolute http or https URL the API is reached at by people and clients, "
                + "e.g. https://bank.example/kyc";
        if (value == null || value.isBlank()) {
            throw new IdflowPropertyException(property, rule + "; it is not set");
        }
        try {
            URI uri = new URI(value.strip());
            if (uri.getScheme() == null || !(uri.getScheme().equalsIgnoreCase("https") || uri.getScheme().equalsIgnoreCase("http"))
                    || uri.getHost() == null || uri.getQuery() != null || uri.getFragment() != null) {
                throw new IdflowPropertyException(property, rule + "; it is not one");
            }
        } catch (URISyntaxException e) {
            throw new IdflowPropertyException(property, rule + "; it is not a URL");
        }
        return value.strip();
    }

    /** The servlet's mapping for {@code idflow.path}: {@code /kyc} → {@code /kyc/*}. */
    static String path(String value) {
        String property = "idflow.path";
        if (value == null || !value.matches("(/[A-Za-z0-9._~-]+)*/?")) {
            throw new IdflowPropertyException(property, "must be a path such as /kyc: segments of A-Z, a-z, 0-9, . _ ~ -, "
                    + "each after a /, no wildcard");
        }
        String path = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
        return path + "/*";
    }

    private static IdflowStorage storage(IdflowProperties properties, DataSource dataSource) {
        if (properties.getStorage() == IdflowProperties.StorageKind.MEMORY) {
            return new InMemoryStorage();
        }
        if (dataSource == null) {
            throw new IdflowPropertyException("idflow.storage", "is jdbc (the default), which needs the application's "
                    + "DataSource, and there is none (or more than one without a @Primary): add spring-boot-starter-jdbc "
                    + "and a driver (PostgreSQL or H2), or set idflow.storage=memory");
        }
        return JdbiStorage.builder(dataSource)
                .migrations(properties.isMigrateSchema() ? MigrationMode.APPLY : MigrationMode.VALIDATE)
                .build();
    }

    private static List<FlowTemplate> templates(IdflowProperties properties, ResourceLoader resources) {
        return properties.getTemplates().entrySet().stream().map(e -> {
            String property = "idflow.templates." + e.getKey();
            String text = e.getValue() == null ? "" : e.getValue().strip();
            if (!text.startsWith("{")) {
                Resource resource = resources.getResource(text);
                try (InputStream in = resource.getInputStream()) {
                    text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException ex) {
                    throw new IdflowPropertyException(property, "must be a template's JSON or the location of a JSON file "
                            + "(classpath:…, file:…); " + text + " cannot be read");
                }
            }
            FlowTemplate template;
            try {
                template = Json.mapper().readValue(text, FlowTemplate.class);
            } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
                throw new IdflowPropertyException(property, "must be a FlowTemplate in JSON "
                        + "({\"pipeline\":[{\"service_name\":…}]}); it is not: " + ex.getOriginalMessage());
            }
            if (template == null || template.pipeline() == null || template.pipeline().isEmpty()) {
                throw new IdflowPropertyException(property, "must be a FlowTemplate with a non-empty pipeline");
            }
            return template;
        }).toList();
    }

    /** Every consumer id and key against idflow's rules, before the engine is built or anything stored. */
    private static void checkConsumers(List<IdflowProperties.ConsumerProperties> consumers) {
        for (int c = 0; c < consumers.size(); c++) {
            IdflowProperties.ConsumerProperties consumer = consumers.get(c);
            String prefix = "idflow.consumers[" + c + "]";
            if (consumer.getId() == null || !consumer.getId().matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new IdflowPropertyException(prefix + ".id", "must be 1–64 characters of A-Z, a-z, 0-9, _ . -");
            }
            for (int k = 0; k < consumer.getTestKeys().size(); k++) {
                checkKey(prefix + ".test-keys[" + k + "]", "API key", consumer.getTestKeys().get(k));
            }
            for (int k = 0; k < consumer.getLiveKeys().size(); k++) {
                IdflowProperties.LiveKeyProperties key = consumer.getLiveKeys().get(k);
                checkKey(prefix + ".live-keys[" + k + "].key", "API key", key.getKey());
                checkKey(prefix + ".live-keys[" + k + "].secret", "API secret", key.getSecret());
            }
        }
    }

    private static void checkKey(String property, String what, String value) {
        try {
            Idflow.checkKeyStrength(what, value);
        } catch (IllegalArgumentException e) {
            // the message names the rule and the length, never the value
            throw new IdflowPropertyException(property, e.getMessage().replaceFirst("^an? " + what + " ", ""));
        }
    }

    /**
     * The configuration is the truth: a key already stored (the last start, another node) is replaced, so a
     * changed secret or owner takes effect. Two nodes starting at once may both insert: the second one's
     * duplicate is the same key from the same configuration, so it is taken as done.
     */
    private static void registerConsumers(Idflow idflow, List<IdflowProperties.ConsumerProperties> consumers) {
        for (IdflowProperties.ConsumerProperties consumer : consumers) {
            idflow.registerConsumer(consumer.getId(), consumer.getName() == null ? consumer.getId() : consumer.getName());
            for (String key : consumer.getTestKeys()) {
                replace(idflow, key, () -> idflow.addTestKey(consumer.getId(), key));
            }
            for (IdflowProperties.LiveKeyProperties key : consumer.getLiveKeys()) {
                replace(idflow, key.getKey(), () -> idflow.addLiveKey(consumer.getId(), key.getKey(), key.getSecret()));
            }
        }
    }

    private static void replace(Idflow idflow, String apiKey, Runnable add) {
        idflow.revokeKey(apiKey);
        try {
            add.run();
        } catch (DuplicateKeyException e) {
            // another node starting on the same configuration wrote it between our revoke and our add
        }
    }
}
