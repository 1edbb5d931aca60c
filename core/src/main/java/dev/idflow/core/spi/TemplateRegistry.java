package dev.idflow.core.spi;

import dev.idflow.core.model.FlowTemplate;
import java.util.Optional;

/**
 * Where {@code template_id} of {@code POST /flow} is resolved. A host implements it to keep
 * templates wherever it likes; {@link dev.idflow.core.Idflow} ships an in-memory one.
 */
public interface TemplateRegistry {
    Optional<FlowTemplate> find(String consumerId, String templateId);
}
