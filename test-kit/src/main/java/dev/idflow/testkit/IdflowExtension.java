package dev.idflow.testkit;

import dev.idflow.core.Idflow;
import java.util.Map;
import java.util.Objects;
import dev.idflow.core.spi.IdflowStorage;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit 5 extension behind {@link IdflowTest}. It starts an {@link IdflowServer} the first time a
 * test asks for one of the kit's types, and stops it when that test is over: each test method has its
 * own server, store and clock, so tests never see each other's flows. A server asked for by a
 * constructor or a {@code @BeforeAll} method is the test class's, shared by its tests.
 *
 * <p>Injected by parameter type: {@link IdflowServer}, {@link TestClock}, {@link Mockery},
 * {@link SimulatedPersons}, {@link SentMessages}, {@link WebhookDeliveries}, and {@link Idflow}.
 */
public final class IdflowExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(IdflowExtension.class);
    private static final Map<Class<?>, Function<IdflowServer, Object>> INJECTED = Map.of(
            IdflowServer.class, s -> s,
            TestClock.class, IdflowServer::clock,
            Mockery.class, IdflowServer::mockery,
            SimulatedPersons.class, IdflowServer::persons,
            SentMessages.class, IdflowServer::sentMessages,
            WebhookDeliveries.class, IdflowServer::webhooks,
            Idflow.class, IdflowServer::idflow);

    private final String consumerId;
    private final String mountPath;
    private final BiConsumer<Idflow.Builder, IdflowStorage> customize;
    /** Made by {@link IdflowTest} (not a builder): the annotation's consumer id and mount path apply. */
    private final boolean fromAnnotation;

    /** What {@link IdflowTest} uses: consumer {@code bank}, mounted at {@code /kyc}, idflow as built in. */
    public IdflowExtension() {
        this("bank", "/kyc", (builder, storage) -> { }, true);
    }

    private IdflowExtension(String consumerId, String mountPath, BiConsumer<Idflow.Builder, IdflowStorage> customize,
                            boolean fromAnnotation) {
        this.consumerId = consumerId;
        this.mountPath = mountPath;
        this.customize = customize;
        this.fromAnnotation = fromAnnotation;
    }

    /** For {@code @RegisterExtension}: another consumer id, mount path, or builder settings. */
    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private String consumerId = "bank";
        private String mountPath = "/kyc";
        private BiConsumer<Idflow.Builder, IdflowStorage> customize = (builder, storage) -> { };

        private Builder() {
        }

        public Builder consumerId(String consumerId) {
            this.consumerId = Objects.requireNonNull(consumerId, "consumerId");
            return this;
        }

        /** Where idflow is mounted: {@code /kyc} by default. */
        public Builder mountPath(String mountPath) {
            this.mountPath = Objects.requireNonNull(mountPath, "mountPath");
            return this;
        }

        /**
         * Applied to idflow's builder after the kit's settings: a service of the bank's
         * ({@code b.service(…)}), a listener, an inactivity timeout. Leave storage, clock, public URL and
         * message sender to the kit: its helpers read them.
         */
        public Builder customize(Consumer<Idflow.Builder> customize) {
            Objects.requireNonNull(customize, "customize");
            return customizeWithStorage((builder, storage) -> customize.accept(builder));
        }

        /**
         * As {@link #customize(Consumer)}, for a service that needs the kit's store: e.g.
         * {@code (b, storage) -> b.service(EsignService.withLocalCa(liveCa, testCa, storage.personCertificates(), cipher))}.
         */
        public Builder customizeWithStorage(BiConsumer<Idflow.Builder, IdflowStorage> customize) {
            this.customize = this.customize.andThen(Objects.requireNonNull(customize, "customize"));
            return this;
        }

        public IdflowExtension build() {
            return new IdflowExtension(consumerId, mountPath, customize, false);
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return INJECTED.containsKey(parameter.getParameter().getType());
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return INJECTED.get(parameter.getParameter().getType()).apply(server(context));
    }

    /**
     * The server of this test (or of its class, if one was started for the class): started on first use,
     * closed by JUnit when the context it was stored in ends.
     */
    public IdflowServer server(ExtensionContext context) {
        // a store lookup sees the enclosing contexts' values too: a class's server serves its methods
        Running running = context.getStore(NAMESPACE).getOrComputeIfAbsent(Running.class, k -> start(context), Running.class);
        return running.server;
    }

    private Running start(ExtensionContext context) {
        String consumer = consumerId;
        String mount = mountPath;
        if (fromAnnotation) {
            IdflowTest options = context.getTestClass()
                    .flatMap(c -> AnnotationSupport.findAnnotation(c, IdflowTest.class)).orElse(null);
            if (options != null) {
                consumer = options.consumerId();
                mount = options.mountPath();
            }
        }
        try {
            return new Running(new IdflowServer(consumer, mount, customize));
        } catch (Exception e) {
            throw new ParameterResolutionException("idflow could not be started for the test: " + e, e);
        }
    }

    /** Closed by JUnit with the context that holds it (AutoCloseable for JUnit 5.13+, CloseableResource before). */
    private record Running(IdflowServer server) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() throws Exception {
            server.close();
        }
    }
}
