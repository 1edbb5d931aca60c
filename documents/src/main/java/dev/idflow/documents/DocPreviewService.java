package dev.idflow.documents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.DocumentPages;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.InputRejected;
import dev.idflow.core.spi.PersonInput;
import dev.idflow.core.spi.Screen;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code doc-preview}: the person reads the documents the step names and confirms.
 *
 * <p>Option {@code files} (required): {@code "input_files"} (the flow's input files,
 * {@code input_data.files.doc_preview[]} else every list under {@code input_data.files}, titled by their
 * {@code filename}) and labels of files earlier steps produced ({@code client-card}); see
 * {@link StepDocuments}. At open each document is found and its pages counted (PDF, JPEG or PNG): the
 * screen is {@code {"kind": "documents", "documents": [{"title", "pages"}]}} and its pages are rendered
 * on the server ({@link DocumentPages}, {@link PageRenderer}). A document missing or unreadable at open
 * fails the session with the reason (not retried: a retry would find the same). The person answers
 * {@code {"acknowledged": true}} → pass; the result names the documents read:
 * {@code {service_name, service_status: "success", acknowledged: true, documents: [{title, pages, label,
 * content_type}]}}.
 */
public final class DocPreviewService implements FlowService, DocumentPages {
    public static final String NAME = "doc-preview";
    /** The key of this service's own list under {@code input_data.files}. */
    static final String INPUT_KEY = "doc_preview";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> checkOptions(Map<String, JsonNode> options) {
        return StepDocuments.checkOption(options.get("files"));
    }

    @Override
    public StepDecision open(StepContext step) throws Exception {
        List<StepDocuments.Document> documents;
        try {
            documents = StepDocuments.resolve(step, INPUT_KEY);
        } catch (StepDocuments.MissingDocument missing) {
            return failed("missing_document", missing.getMessage());
        }
        ObjectNode state = Json.mapper().createObjectNode();
        ArrayNode kept = state.putArray("documents");
        ArrayNode shown = Json.mapper().createArrayNode();
        for (StepDocuments.Document document : documents) {
            StoredFile file = document.file();
            int pages;
            try (InputStream in = step.openFile(file)) {
                pages = PageRenderer.pageCount(in, file.contentType());
            } catch (PageRenderer.UnreadableDocument e) {
                return failed("unreadable_document", "files: the document \"" + document.title() + "\" cannot be shown: "
                        + e.getMessage());
            } catch (IOException e) {
                return failed("missing_document", "files: the document \"" + document.title() + "\" is no longer stored");
            }
            kept.addObject().put("file_id", file.fileId()).put("title", document.title()).put("pages", pages);
            ObjectNode entry = shown.addObject();
            entry.set("title", document.screenTitle());
            entry.put("pages", pages);
        }
        return StepDecision.awaitPerson(Screen.of("documents").with("documents", shown), state);
    }

    @Override
    public StepDecision act(StepContext step, PersonInput input) {
        if (!(input instanceof PersonInput.Submit submit)) {
            throw InputRejected.unexpected(NAME, input);
        }
        JsonNode acknowledged = submit.body().get("acknowledged");
        if (acknowledged == null || !acknowledged.isBoolean()) {
            throw InputRejected.invalid("acknowledged", acknowledged == null ? "required" : "type",
                    "is required (true, once the person has read the documents)");
        }
        if (!acknowledged.asBoolean()) {
            throw InputRejected.invalid("acknowledged", "required", "must be true: the step passes once the person "
                    + "has read the documents");
        }
        ObjectNode result = Json.mapper().createObjectNode().put("service_name", NAME).put("service_status", "success")
                .put("acknowledged", true).put("acknowledged_at", step.now().toString());
        ArrayNode read = result.putArray("documents");
        List<ShownDocument> documents = documents(step);
        for (ShownDocument d : documents) {
            read.addObject().put("title", d.title()).put("pages", d.pages()).put("label", d.file().label())
                    .put("content_type", d.file().contentType());
        }
        return StepDecision.finish(ServiceOutcome.pass(result));
    }

    @Override
    public List<ShownDocument> shownDocuments(StepContext step) {
        return documents(step);
    }

    @Override
    public byte[] renderPage(StepContext step, ShownDocument document, int page) throws IOException {
        try (InputStream in = step.openFile(document.file())) {
            return PageRenderer.renderPng(in, document.file().contentType(), page);
        }
    }

    /**
     * The documents as counted at open, each found again by what the step names: the same files, since a
     * file's id never names other content and the step's own session is the only one open. A document
     * that is gone since is left out (its pages then answer 404).
     */
    private static List<ShownDocument> documents(StepContext step) {
        JsonNode kept = step.state().path("documents");
        List<StepDocuments.Document> found;
        try {
            found = StepDocuments.resolve(step, INPUT_KEY);
        } catch (StepDocuments.MissingDocument gone) {
            found = List.of();
        }
        List<ShownDocument> out = new ArrayList<>();
        for (JsonNode k : kept) {
            String fileId = k.path("file_id").asText();
            for (StepDocuments.Document d : found) {
                if (d.file().fileId().equals(fileId)) {
                    out.add(new ShownDocument(k.path("title").asText(d.title()), d.file(), Math.max(1, k.path("pages").asInt(1))));
                    break;
                }
            }
        }
        return out;
    }

    private static StepDecision failed(String error, String reason) {
        ObjectNode result = Json.mapper().createObjectNode().put("service_name", NAME).put("service_status", "fail")
                .put("error", error).put("reason", reason);
        // the flow's documents would be as missing on a retry: not retried, whatever max_retries says
        return StepDecision.finish(ServiceOutcome.fail(result).withoutRetry());
    }
}
