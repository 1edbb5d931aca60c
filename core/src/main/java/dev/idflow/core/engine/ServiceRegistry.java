package dev.idflow.core.engine;

import dev.idflow.core.spi.FlowService;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which {@link FlowService} performs a service name, for live flows and for test flows. Made by
 * {@link dev.idflow.core.Idflow} from the built-in services, the host's (which replace built-in ones of
 * the same name) and, for test flows, the sandbox; the engine only looks names up here.
 */
public final class ServiceRegistry {
    private final Map<String, FlowService> live;
    private final Map<String, FlowService> test;

    public ServiceRegistry(Map<String, FlowService> live, Map<String, FlowService> test) {
        this.live = Map.copyOf(live);
        this.test = Map.copyOf(test);
    }

    /** The service performing {@code name} in a flow of that kind; empty when this server has none. */
    public Optional<FlowService> find(String name, boolean testFlow) {
        return Optional.ofNullable((testFlow ? test : live).get(name));
    }

    /** The names a flow of that kind may use (whether each is usable now is {@link FlowService#availableIn}). */
    public Set<String> names(boolean testFlow) {
        return new TreeSet<>((testFlow ? test : live).keySet());
    }
}
