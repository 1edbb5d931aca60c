package dev.idflow.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * idflow's settings under {@code idflow.*}. Keys, secrets and the secret key come from the environment
 * (e.g. {@code IDFLOW_SECRET_KEY}, {@code IDFLOW_CONSUMERS_0_LIVE_KEYS_0_SECRET}) and are never shown: every
 * {@code toString} here masks them, and the Actuator {@code configprops} endpoint shows them as {@code ******}.
 */
@ConfigurationProperties(prefix = "idflow")
public class IdflowProperties {
    static final String MASK = "******";

    /** Where the API and the hosted page are served, e.g. /kyc (the servlet takes /kyc/*). */
    private String path = "/kyc";

    /**
     * The absolute URL the API is reached at by people and clients, e.g. https://bank.example/kyc (vlinks
     * start with it). Default: http://localhost:${server.port}${idflow.path}, for development only.
     */
    private String publicBaseUrl;

    /**
     * The base64 of 32 random bytes (e.g. from openssl rand -base64 32, kept in your KMS): seals secrets
     * and bearer tokens at rest and peppers API-key hashes. The same on every node and across restarts.
     */
    private String secretKey;

    /** Where idflow keeps its data: jdbc (the application's DataSource, PostgreSQL or H2) or memory. */
    private StorageKind storage = StorageKind.JDBC;

    /** Whether the database schema is migrated at start (else only validated; a DBA applies the scripts). */
    private boolean migrateSchema = true;

    /** The consumers (API clients) and their keys, registered at start. */
    private List<ConsumerProperties> consumers = new ArrayList<>();

    /**
     * Templates for POST /flow {"template_id": …}, by id: the template's JSON inline, or a resource
     * location (classpath:…, file:…) of a JSON file.
     */
    private Map<String, String> templates = new LinkedHashMap<>();

    /** The largest upload accepted (POST /resources/storage, camera attempts). */
    private DataSize maxUploadSize = DataSize.ofMegabytes(50);

    /** How long a person may be idle before their flow ends as timeout (not counted while a step waits). */
    private Duration inactivityTimeout = Duration.ofSeconds(300);

    /** Origins (scheme://host[:port]) whose pages may show the hosted page in a frame. */
    private List<String> frameAncestors = new ArrayList<>();

    /** Origins (scheme://host[:port]) whose pages may use the web SDK and the liveness client API. */
    private List<String> corsOrigins = new ArrayList<>();

    private final Background background = new Background();

    public enum StorageKind { JDBC, MEMORY }

    /** The sweeper (timeouts), event and webhook delivery: on every node, work claimed through the database. */
    public static class Background {
        /** Whether this node runs idflow's background work (started with the context, stopped on close). */
        private boolean enabled = true;
        /** How often the background work runs. */
        private Duration interval = Duration.ofSeconds(5);

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public Duration getInterval() {
            return interval;
        }

        public void setInterval(Duration interval) {
            this.interval = interval;
        }

        @Override
        public String toString() {
            return "Background[enabled=" + enabled + ", interval=" + interval + "]";
        }
    }

    /** One consumer: its id, display name, test keys and live keys. */
    public static class ConsumerProperties {
        /** The consumer's id: 1–64 of A-Z, a-z, 0-9, _ . - */
        private String id;
        /** A display name (default: the id). */
        private String name;
        /** Test (sandbox) keys, 32–256 characters each; they may call unsigned. */
        private List<String> testKeys = new ArrayList<>();
        /** Live keys with the secret every request is signed with. */
        private List<LiveKeyProperties> liveKeys = new ArrayList<>();

        public String getId() {
            return id;
        }

        public void setId(String id) {
            this.id = id;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public List<String> getTestKeys() {
            return testKeys;
        }

        public void setTestKeys(List<String> testKeys) {
            this.testKeys = testKeys;
        }

        public List<LiveKeyProperties> getLiveKeys() {
            return liveKeys;
        }

        public void setLiveKeys(List<LiveKeyProperties> liveKeys) {
            this.liveKeys = liveKeys;
        }

        @Override
        public String toString() {
            return "Consumer[id=" + id + ", name=" + name + ", testKeys=" + testKeys.size() + " (" + MASK + ")"
                    + ", liveKeys=" + liveKeys + "]";
        }
    }

    /** A live key and its secret, 32–256 characters each. */
    public static class LiveKeyProperties {
        /** The API key (X-Verigram-Api-Key). */
        private String key;
        /** The secret requests are signed with (HMAC-SHA256). */
        private String secret;

        public String getKey() {
            return key;
        }

        public void setKey(String key) {
            this.key = key;
        }

        public String getSecret() {
            return secret;
        }

        public void setSecret(String secret) {
            this.secret = secret;
        }

        @Override
        public String toString() {
            return "LiveKey[" + MASK + "]";
        }
    }

    public String getPath() {
        return path;
    }

    public void setPath(String path) {
        this.path = path;
    }

    public String getPublicBaseUrl() {
        return publicBaseUrl;
    }

    public void setPublicBaseUrl(String publicBaseUrl) {
        this.publicBaseUrl = publicBaseUrl;
    }

    public String getSecretKey() {
        return secretKey;
    }

    public void setSecretKey(String secretKey) {
        this.secretKey = secretKey;
    }

    public StorageKind getStorage() {
        return storage;
    }

    public void setStorage(StorageKind storage) {
        this.storage = storage;
    }

    public boolean isMigrateSchema() {
        return migrateSchema;
    }

    public void setMigrateSchema(boolean migrateSchema) {
        this.migrateSchema = migrateSchema;
    }

    public List<ConsumerProperties> getConsumers() {
        return consumers;
    }

    public void setConsumers(List<ConsumerProperties> consumers) {
        this.consumers = consumers;
    }

    public Map<String, String> getTemplates() {
        return templates;
    }

    public void setTemplates(Map<String, String> templates) {
        this.templates = templates;
    }

    public DataSize getMaxUploadSize() {
        return maxUploadSize;
    }

    public void setMaxUploadSize(DataSize maxUploadSize) {
        this.maxUploadSize = maxUploadSize;
    }

    public Duration getInactivityTimeout() {
        return inactivityTimeout;
    }

    public void setInactivityTimeout(Duration inactivityTimeout) {
        this.inactivityTimeout = inactivityTimeout;
    }

    public List<String> getFrameAncestors() {
        return frameAncestors;
    }

    public void setFrameAncestors(List<String> frameAncestors) {
        this.frameAncestors = frameAncestors;
    }

    public List<String> getCorsOrigins() {
        return corsOrigins;
    }

    public void setCorsOrigins(List<String> corsOrigins) {
        this.corsOrigins = corsOrigins;
    }

    public Background getBackground() {
        return background;
    }

    @Override
    public String toString() {
        return "IdflowProperties[path=" + path + ", publicBaseUrl=" + publicBaseUrl
                + ", secretKey=" + (secretKey == null ? null : MASK) + ", storage=" + storage
                + ", consumers=" + consumers + ", templates=" + templates.keySet() + ", background=" + background + "]";
    }
}
