package dev.idflow.documents;

import dev.idflow.core.spi.FlowService;
import java.util.List;

/**
 * The document services, for a host to register:
 * <pre>{@code
 * Idflow.Builder builder = Idflow.builder()…;
 * DocumentServices.all().forEach(builder::service);
 * }</pre>
 * {@code doc-preview} (the person reads documents, pages rendered on the server), {@code client-card}
 * (a PDF card of the verified person) and {@code doc-builder} (a PDF from an HTML template). Each is
 * stateless and thread-safe; one instance serves every flow.
 */
public final class DocumentServices {
    private DocumentServices() {
    }

    /** doc-preview, client-card and doc-builder. */
    public static List<FlowService> all() {
        return List.of(new DocPreviewService(), new ClientCardService(), new DocBuilderService());
    }
}
