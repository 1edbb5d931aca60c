package dev.idflow.documents;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.model.FileLabels;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.StepContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The documents a step names in its {@code files} option (doc-preview, esign): each entry is either
 * {@code "input_files"} — the flow's input files, as its {@code input_data.files} lists them
 * ({@code [{"file_id": …, "filename": …}]}, {@code file_id} being what {@code POST /resources/storage}
 * answered) — or the label of a file an earlier step of the flow produced, in the service's spelling or
 * the file label's ({@code client-card} or {@code client_card}). The input files a step takes are those
 * under its own key ({@code input_data.files.doc_preview} for doc-preview, {@code …files.esign} for esign),
 * else every list under {@code input_data.files}, in order.
 */
public final class StepDocuments {
    /** The entry of a {@code files} option that stands for the flow's input files. */
    public static final String INPUT_FILES = "input_files";

    /** A document to show or sign: its title (the input file's {@code filename}, else the stored name) and file. */
    public record Document(String title, StoredFile file) {
        /**
         * The title a screen shows: the input file's name, or for a file idflow made itself (no name of its
         * own, titled by its label) the document's name in kk, ru and en, a "text" the page shows in the
         * flow's language.
         */
        public com.fasterxml.jackson.databind.JsonNode screenTitle() {
            String[] words = KNOWN_TITLES.get(file.label());
            if (words == null || !title.equals(file.label())) {
                return dev.idflow.core.internal.Json.mapper().getNodeFactory().textNode(title);
            }
            return dev.idflow.core.internal.Json.mapper().createObjectNode().put("kk", words[0]).put("ru", words[1])
                    .put("en", words[2]);
        }
    }

    private static final Map<String, String[]> KNOWN_TITLES = Map.of(
            "client_card", new String[] {"Клиент карточкасы", "Карточка клиента", "Client card"},
            "doc_builder_pdf", new String[] {"Құжат", "Документ", "Document"},
            "doc_builder_pdfs", new String[] {"Құжаттар", "Документы", "Documents"},
            "egov_doc_pdf", new String[] {"eGov құжаты", "Документ eGov", "eGov document"},
            "signed_doc", new String[] {"Қол қойылған құжат", "Подписанный документ", "Signed document"});

    /** A document the step names that the flow does not have: the step cannot go on. */
    public static final class MissingDocument extends Exception {
        public MissingDocument(String message) {
            super(message);
        }
    }

    private StepDocuments() {
    }

    /** Problems with a {@code files} option, each a sentence starting with its path (see FlowService.checkOptions). */
    public static List<String> checkOption(JsonNode files) {
        List<String> problems = new ArrayList<>();
        if (files == null || files.isNull()) {
            problems.add("files: is required (a list of \"input_files\" and labels of earlier steps' files)");
            return problems;
        }
        if (!files.isArray() || files.isEmpty()) {
            problems.add("files: must be a non-empty list of \"input_files\" and labels of earlier steps' files");
            return problems;
        }
        for (int i = 0; i < files.size(); i++) {
            JsonNode entry = files.get(i);
            if (!entry.isTextual() || !FileLabels.STEP_LABEL.matcher(entry.asText()).matches()) {
                problems.add("files[" + i + "]: must be \"input_files\" or a file label that "
                        + FileLabels.STEP_LABEL_RULE);
            }
        }
        return problems;
    }

    /**
     * The documents {@code step} names, in the order named; {@code inputKey} is the key of this service's
     * own list under {@code input_data.files} ({@code doc_preview}, {@code esign}).
     */
    public static List<Document> resolve(StepContext step, String inputKey) throws MissingDocument {
        JsonNode files = step.options().get("files");
        List<String> problems = checkOption(files);
        if (!problems.isEmpty()) {
            throw new MissingDocument(problems.get(0));
        }
        List<Document> documents = new ArrayList<>();
        for (JsonNode entry : files) {
            String name = entry.asText();
            if (INPUT_FILES.equals(name)) {
                documents.addAll(inputFiles(step, inputKey));
            } else {
                String label = name.replace('-', '_');
                Optional<StoredFile> file = step.flowFile(label);
                if (file.isEmpty() && !label.equals(name)) {
                    file = step.flowFile(name);
                }
                StoredFile found = file.orElseThrow(() -> new MissingDocument(
                        "files: no earlier step of this flow produced a file labelled " + label));
                documents.add(new Document(found.fileName() != null ? found.fileName() : label, found));
            }
        }
        return documents;
    }

    private static List<Document> inputFiles(StepContext step, String inputKey) throws MissingDocument {
        JsonNode all = step.inputData().extras().get("files");
        List<JsonNode> lists = new ArrayList<>();
        if (all != null && all.isObject()) {
            JsonNode own = all.get(inputKey);
            if (own != null && own.isArray()) {
                lists.add(own);
            } else {
                for (Map.Entry<String, JsonNode> list : (Iterable<Map.Entry<String, JsonNode>>) all::fields) {
                    if (list.getValue().isArray()) {
                        lists.add(list.getValue());
                    }
                }
            }
        }
        List<Document> documents = new ArrayList<>();
        for (JsonNode list : lists) {
            for (JsonNode item : list) {
                String fileId = item.path("file_id").asText("");
                if (fileId.isEmpty()) {
                    throw new MissingDocument("input_data.files." + inputKey + ": every entry needs a file_id");
                }
                StoredFile file = step.inputFile(fileId).orElseThrow(() -> new MissingDocument(
                        "input_data.files: no input file " + fileId + " was stored for this person"));
                String title = item.path("filename").asText("");
                documents.add(new Document(title.isEmpty() ? (file.fileName() != null ? file.fileName() : fileId) : title,
                        file));
            }
        }
        if (documents.isEmpty()) {
            throw new MissingDocument("input_data.files: the step names input_files, and the flow has none");
        }
        return documents;
    }
}
