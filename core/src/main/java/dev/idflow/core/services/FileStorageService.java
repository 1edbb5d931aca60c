package dev.idflow.core.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.FileTypes;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.FileLabels;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.InputRejected;
import dev.idflow.core.spi.PersonInput;
import dev.idflow.core.spi.Screen;
import dev.idflow.core.spi.ServiceFile;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code file-storage}: the person uploads the files the step asks for, on an {@code upload} screen, in
 * one request ({@code POST …/steps/{step_id}/files}, one part per file named by its label). Each file's
 * type is what its bytes say (never what the device declared), checked against the types the step
 * accepts. All fine: the step passes and the files are stored under their labels, downloadable with
 * {@code GET /resources/file?label=…&session_id=…} (or the flow's or the person's id).
 *
 * <p>Options: {@code files}, 1–10 of {@code {label, title, types, max_bytes, required}}: {@code label}
 * 1–64 characters of a-z, 0-9, _ and -, unique within the step; {@code title} a text or {locale: text}
 * for the page; {@code types} the accepted types (default PDF, JPEG, PNG), of those idflow can tell by
 * their bytes ({@link FileTypes#UPLOADABLE}); {@code max_bytes} 1 B to 20 MiB (default 10 MiB; the
 * server's own upload limit still applies); {@code required} (default true).
 *
 * <p>A wrong upload is refused whole, naming the file ({@code files.<label>}) and the rule:
 * {@code unknown_file} (a label the step does not ask for), {@code too_many} (a label twice),
 * {@code file_type}, {@code file_size}, {@code required} (a required file missing). Nothing is stored
 * and the step stays open. Result: {@code {service_name, service_status: success, files: [{label,
 * content_type, size}]}}.
 */
public final class FileStorageService implements FlowService {
    public static final String NAME = "file-storage";
    static final int MAX_FILES = 10;
    static final int MAX_BYTES = 20 << 20;
    static final int DEFAULT_MAX_BYTES = 10 << 20;
    static final List<String> DEFAULT_TYPES = List.of(FileTypes.PDF, FileTypes.JPEG, FileTypes.PNG);

    /** One file the step asks for, its defaults filled in. */
    private record Wanted(String label, JsonNode title, List<String> types, int maxBytes, boolean required) {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> checkOptions(Map<String, JsonNode> options) {
        List<String> problems = new ArrayList<>();
        JsonNode files = options.get("files");
        if (files == null || !files.isArray() || files.isEmpty() || files.size() > MAX_FILES) {
            problems.add("files: is required, a list of 1 to " + MAX_FILES + " files ({label, title, types, max_bytes, required})");
            return problems;
        }
        Set<String> labels = new HashSet<>();
        for (int i = 0; i < files.size(); i++) {
            String at = "files[" + i + "]";
            JsonNode file = files.get(i);
            if (!file.isObject()) {
                problems.add(at + ": must be an object {label, title, types, max_bytes, required}");
                continue;
            }
            JsonNode label = file.get("label");
            if (label == null || !label.isTextual() || !FileLabels.STEP_LABEL.matcher(label.asText()).matches()) {
                problems.add(at + ".label: is required and " + FileLabels.STEP_LABEL_RULE);
            } else if (!labels.add(label.asText())) {
                problems.add(at + ".label: " + label.asText() + " is asked for twice; labels must be unique");
            }
            JsonNode title = file.get("title");
            if (title != null && !Texts.isText(title)) {
                problems.add(at + ".title: must be a text or an object of texts by locale");
            }
            JsonNode types = file.get("types");
            if (types != null) {
                if (!types.isArray() || types.isEmpty()) {
                    problems.add(at + ".types: must be a non-empty list of " + String.join(", ", FileTypes.UPLOADABLE));
                } else {
                    for (int t = 0; t < types.size(); t++) {
                        if (!types.get(t).isTextual() || !FileTypes.UPLOADABLE.contains(types.get(t).asText())) {
                            problems.add(at + ".types[" + t + "]: must be one of " + String.join(", ", FileTypes.UPLOADABLE)
                                    + " (the types idflow can tell by a file's bytes)");
                        }
                    }
                }
            }
            JsonNode maxBytes = file.get("max_bytes");
            if (maxBytes != null && !(maxBytes.isIntegralNumber() && maxBytes.canConvertToInt()
                    && maxBytes.asInt() >= 1 && maxBytes.asInt() <= MAX_BYTES)) {
                problems.add(at + ".max_bytes: must be a whole number from 1 to " + MAX_BYTES + " (20 MiB)");
            }
            JsonNode required = file.get("required");
            if (required != null && !required.isBoolean()) {
                problems.add(at + ".required: must be true or false");
            }
        }
        return problems;
    }

    @Override
    public StepDecision open(StepContext step) {
        ArrayNode files = Json.mapper().createArrayNode();
        for (Wanted wanted : wanted(step)) {
            ObjectNode file = files.addObject().put("label", wanted.label());
            if (wanted.title() != null) {
                file.set("title", wanted.title());
            }
            wanted.types().forEach(file.putArray("types")::add);
            file.put("max_bytes", wanted.maxBytes()).put("required", wanted.required());
        }
        return StepDecision.awaitPerson(Screen.of("upload").with("files", files), null);
    }

    @Override
    public StepDecision act(StepContext step, PersonInput input) {
        if (!(input instanceof PersonInput.Upload upload)) {
            throw InputRejected.unexpected(NAME, input);
        }
        Map<String, Wanted> wanted = new LinkedHashMap<>();
        wanted(step).forEach(w -> wanted.put(w.label(), w));
        Map<String, ServiceFile> received = new LinkedHashMap<>();
        for (PersonInput.UploadedFile file : upload.files()) {
            String field = "files." + file.label();
            Wanted asked = wanted.get(file.label());
            if (asked == null) {
                throw InputRejected.invalid(field, "unknown_file", "is not a file this step asks for (it asks for "
                        + String.join(", ", wanted.keySet()) + ")");
            }
            if (received.containsKey(file.label())) {
                throw InputRejected.invalid(field, "too_many", "was sent more than once; send one file per label");
            }
            String type = file.file().contentType();
            if (!asked.types().contains(type)) {
                throw InputRejected.invalid(field, "file_type", "must be " + String.join(", ", asked.types())
                        + " (checked by its bytes)");
            }
            if (file.file().size() > asked.maxBytes()) {
                throw InputRejected.invalid(field, "file_size", "must be at most " + asked.maxBytes() + " bytes ("
                        + file.file().size() + " sent)");
            }
            received.put(file.label(), file.file());
        }
        for (Wanted w : wanted.values()) {
            if (w.required() && !received.containsKey(w.label())) {
                throw InputRejected.invalid("files." + w.label(), "required", "is required");
            }
        }
        ObjectNode result = Json.mapper().createObjectNode().put("service_name", NAME).put("service_status", "success");
        ArrayNode stored = result.putArray("files");
        received.forEach((label, file) -> stored.addObject().put("label", label).put("content_type", file.contentType())
                .put("size", file.size()));
        // the engine stores the files unbound and binds them in the commit that records this outcome
        return StepDecision.finish(ServiceOutcome.pass(result).withFiles(received));
    }

    /** The files the step asks for, as its (checked) options say, with the defaults. */
    private static List<Wanted> wanted(StepContext step) {
        List<Wanted> out = new ArrayList<>();
        for (JsonNode file : step.options().get("files")) {
            List<String> types = new ArrayList<>();
            if (file.get("types") == null) {
                types.addAll(DEFAULT_TYPES);
            } else {
                file.get("types").forEach(t -> types.add(t.asText()));
            }
            JsonNode maxBytes = file.get("max_bytes");
            JsonNode required = file.get("required");
            out.add(new Wanted(file.get("label").asText(), file.get("title"), types,
                    maxBytes == null ? DEFAULT_MAX_BYTES : maxBytes.asInt(), required == null || required.asBoolean()));
        }
        return out;
    }
}
