package dev.idflow.core.services;

import dev.idflow.core.engine.ServiceRegistry;
import dev.idflow.core.model.ServiceNames;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.LivenessAnalyzer;
import dev.idflow.core.spi.MessageSender;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The services idflow performs itself, and the registry made of them and the host's. A host's service
 * replaces the built-in one of its name. Test flows: every built-in runs as itself (each keeps to the
 * sandbox on its own: an OTP of a test flow sends nothing); a host's service, and every service name
 * of the spec without an implementation, runs through the {@link SandboxService}.
 */
public final class BuiltInServices {
    private BuiltInServices() {
    }

    /**
     * What the built-in services need from the host's set-up: the storage, the liveness analyzer,
     * {@code completer}, {@code Idflow.completeSession} for a service that completes its own session from
     * its work after the commit (the engine is made after the services, so it is reached through this),
     * and the host's {@code messageSender} for otp and notification (null: live flows cannot use them).
     */
    public record Needs(IdflowStorage storage, LivenessAnalyzer analyzer, Completer completer,
                        MessageSender messageSender, byte[] codePepper, Faces faces) {
        public Needs(IdflowStorage storage, LivenessAnalyzer analyzer, Completer completer,
                     MessageSender messageSender, byte[] codePepper) {
            this(storage, analyzer, completer, messageSender, codePepper, null);
        }
    }

    /**
     * What the face services need: the face checks (the host's matcher, null when none, and the sealed
     * templates), the selfie analyzer of {@code verilive-one-shot} (idflow's rules around
     * {@link VeriliveOneShotService#selfieChecks}) and the host's veriface threshold (null: the matcher's).
     */
    public record Faces(FaceChecks checks, LivenessAnalyzer selfieAnalyzer, Double verifaceThreshold) {
    }

    /** Completes a session that waits for an outside system; false when it no longer waits. */
    @FunctionalInterface
    public interface Completer {
        boolean complete(String sessionId, dev.idflow.core.spi.ServiceOutcome outcome);
    }

    public static Map<String, FlowService> of(Needs needs) {
        Map<String, FlowService> builtIn = new LinkedHashMap<>();
        add(builtIn, new ConsentService());
        add(builtIn, new LanguageSelectorService());
        Faces faces = needs.faces() != null ? needs.faces() : new Faces(new FaceChecks(null,
                needs.storage().faceTemplates(), needs.storage().sessions(), null), VeriliveOneShotService.selfieChecks(null, null), null);
        add(builtIn, new VeriliveService(needs.analyzer(), needs.storage().sessions(), faces.checks()));
        add(builtIn, new VeriliveOneShotService(faces.selfieAnalyzer(), needs.storage().sessions(), faces.checks()));
        add(builtIn, new VerifaceService(faces.checks(), faces.verifaceThreshold()));
        add(builtIn, new FlowFormService());
        add(builtIn, new OtpService(needs.messageSender(), needs.codePepper()));
        add(builtIn, new NotificationService(needs.messageSender(), needs.completer()));
        add(builtIn, new DeviceFilterService());
        add(builtIn, new InterrupterService());
        add(builtIn, new KycListService(needs.storage().kycLists()));
        add(builtIn, new FileStorageService());
        return builtIn;
    }

    private static void add(Map<String, FlowService> services, FlowService service) {
        services.put(service.name(), service);
    }

    /** The registry: built-in services, replaced or joined by the host's. */
    public static ServiceRegistry registry(Map<String, FlowService> builtIn, Map<String, FlowService> host) {
        Map<String, FlowService> live = new LinkedHashMap<>(builtIn);
        live.putAll(host);
        Map<String, FlowService> test = new LinkedHashMap<>();
        Set<String> names = new TreeSet<>(ServiceNames.ALL);
        names.addAll(live.keySet());
        for (String name : names) {
            FlowService hosts = host.get(name);
            if (hosts == null && builtIn.containsKey(name)) {
                test.put(name, builtIn.get(name));
            } else if (hosts instanceof dev.idflow.core.spi.CameraService) {
                // judged attempt by attempt: its mockery script is its own to read (StepContext.sandboxScript)
                test.put(name, hosts);
            } else {
                test.put(name, new SandboxService(name, hosts));
            }
        }
        return new ServiceRegistry(live, test);
    }
}
