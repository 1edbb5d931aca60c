package dev.idflow.documents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.ServiceFile;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.multipdf.PDFMergerUtility;
import org.apache.pdfbox.pdmodel.PDDocument;

/**
 * {@code doc-builder}: finishes at once with a PDF made from an HTML template and data.
 *
 * <ul>
 *   <li><b>Template</b> (XHTML, see {@link HtmlTemplate}): the step's option {@code template} (a string),
 *       else the newest input file labelled {@code doc_builder_template} that the consumer stored for the
 *       person ({@code POST /resources/storage}, {@code label=doc_builder_template}). Neither → the session
 *       fails naming {@code doc_builder_template}.</li>
 *   <li><b>Data</b>: the step's option {@code data}, else the person's newest input file labelled
 *       {@code doc_builder_data} (JSON); an object, or a list of objects for several documents. A
 *       placeholder is looked up in the data, then in the flow's input_data ({@code full_name},
 *       {@code iin}, … and its extra fields), then in the flow itself ({@code flow_id}, {@code person_id},
 *       {@code date}: today, UTC, YYYY-MM-DD). A placeholder with no value fails the session, naming it
 *       ({@code error: unknown_placeholder}, {@code placeholder}); not retried, a retry would find the same.</li>
 *   <li><b>Files</b>: {@code doc_builder_pdf} (application/pdf): the document, or the first of several;
 *       with a list of data, also {@code doc_builder_pdfs}: every document, one after the other, in one PDF
 *       (a session's files are one per label).</li>
 * </ul>
 * Result: {@code {service_name, service_status: "success", documents: n, placeholders: [names]}}.
 */
public final class DocBuilderService implements FlowService {
    public static final String NAME = "doc-builder";
    public static final String TEMPLATE_LABEL = "doc_builder_template";
    public static final String DATA_LABEL = "doc_builder_data";
    public static final String PDF_LABEL = "doc_builder_pdf";
    public static final String PDFS_LABEL = "doc_builder_pdfs";
    /** A template's size, at most (as UTF-8). */
    static final int MAX_TEMPLATE_BYTES = 1 << 20;
    /** A data file's size, at most. */
    static final int MAX_DATA_BYTES = 1 << 20;
    /** Documents from one list of data, at most. */
    static final int MAX_DOCUMENTS = 20;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> checkOptions(Map<String, JsonNode> options) {
        List<String> problems = new ArrayList<>();
        JsonNode template = options.get("template");
        if (template != null && !(template.isTextual() && !template.asText().isBlank())) {
            problems.add("template: must be the XHTML template as a string");
        } else if (template != null && template.asText().getBytes(StandardCharsets.UTF_8).length > MAX_TEMPLATE_BYTES) {
            problems.add("template: must be at most " + MAX_TEMPLATE_BYTES + " bytes");
        }
        JsonNode data = options.get("data");
        if (data != null) {
            problems.addAll(checkData(data, "data"));
        }
        return problems;
    }

    private static List<String> checkData(JsonNode data, String at) {
        if (data.isObject()) {
            return List.of();
        }
        if (data.isArray() && !data.isEmpty() && data.size() <= MAX_DOCUMENTS) {
            for (int i = 0; i < data.size(); i++) {
                if (!data.get(i).isObject()) {
                    return List.of(at + "[" + i + "]: must be an object of the placeholders' values");
                }
            }
            return List.of();
        }
        return List.of(at + ": must be an object of the placeholders' values, or a list of 1 to " + MAX_DOCUMENTS + " of them");
    }

    @Override
    public StepDecision open(StepContext step) throws Exception {
        String template;
        JsonNode data;
        try {
            template = template(step);
            data = data(step);
        } catch (HtmlTemplate.Problem p) {
            return failed(p);
        }
        List<JsonNode> each = new ArrayList<>();
        if (data.isArray()) {
            data.forEach(each::add);
        } else {
            each.add(data);
        }
        JsonNode input = Json.mapper().valueToTree(step.inputData());
        ObjectNode flow = Json.mapper().createObjectNode().put("flow_id", step.flowId()).put("person_id", step.personId())
                .put("date", step.now().atOffset(ZoneOffset.UTC).toLocalDate().toString());
        List<byte[]> pdfs = new ArrayList<>();
        try {
            for (JsonNode values : each) {
                String filled = HtmlTemplate.fill(template, name -> {
                    JsonNode v = HtmlTemplate.at(values, name);
                    if (v == null || v.isNull()) {
                        v = HtmlTemplate.at(input, name);
                    }
                    if (v == null || v.isNull()) {
                        v = HtmlTemplate.at(flow, name);
                    }
                    return v;
                });
                pdfs.add(HtmlTemplate.render(filled));
            }
        } catch (HtmlTemplate.Problem p) {
            return failed(p);
        }
        Map<String, ServiceFile> files = new LinkedHashMap<>();
        files.put(PDF_LABEL, new ServiceFile("application/pdf", pdfs.get(0)));
        if (pdfs.size() > 1) {
            files.put(PDFS_LABEL, new ServiceFile("application/pdf", merge(pdfs)));
        }
        ObjectNode result = Json.mapper().createObjectNode().put("service_name", NAME).put("service_status", "success")
                .put("documents", pdfs.size());
        ArrayNode names = result.putArray("placeholders");
        HtmlTemplate.placeholders(template).forEach(names::add);
        return StepDecision.finish(ServiceOutcome.pass(result).withFiles(files));
    }

    private static String template(StepContext step) throws HtmlTemplate.Problem, IOException {
        JsonNode option = step.options().get("template");
        if (option != null && option.isTextual()) {
            return option.asText();
        }
        Optional<StoredFile> file = step.personFile(TEMPLATE_LABEL);
        if (file.isEmpty()) {
            throw new HtmlTemplate.Problem("missing_template", null, TEMPLATE_LABEL + ": the step has no template option "
                    + "and no input file labelled " + TEMPLATE_LABEL + " was stored for the person");
        }
        byte[] bytes = read(step, file.get(), MAX_TEMPLATE_BYTES, TEMPLATE_LABEL);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString()
                    .replaceFirst("^\uFEFF", "");
        } catch (CharacterCodingException e) {
            throw new HtmlTemplate.Problem("invalid_template", null, TEMPLATE_LABEL + ": must be UTF-8 text");
        }
    }

    private static JsonNode data(StepContext step) throws HtmlTemplate.Problem, IOException {
        JsonNode option = step.options().get("data");
        if (option != null && !option.isNull()) {
            return option;
        }
        Optional<StoredFile> file = step.personFile(DATA_LABEL);
        if (file.isEmpty()) {
            return Json.mapper().createObjectNode(); // input_data and the flow's own values only
        }
        byte[] bytes = read(step, file.get(), MAX_DATA_BYTES, DATA_LABEL);
        JsonNode data;
        try {
            data = Json.mapper().readTree(bytes);
        } catch (IOException e) {
            throw new HtmlTemplate.Problem("invalid_data", null, DATA_LABEL + ": must be JSON");
        }
        List<String> problems = data == null ? List.of(DATA_LABEL + ": must be JSON") : checkData(data, DATA_LABEL);
        if (!problems.isEmpty()) {
            throw new HtmlTemplate.Problem("invalid_data", null, problems.get(0));
        }
        return data;
    }

    private static byte[] read(StepContext step, StoredFile file, int max, String label) throws HtmlTemplate.Problem, IOException {
        byte[] bytes;
        try (InputStream in = step.openFile(file)) {
            bytes = in.readNBytes(max + 1);
        }
        if (bytes.length > max) {
            throw new HtmlTemplate.Problem("too_large", null, label + ": must be at most " + max + " bytes");
        }
        return bytes;
    }

    /** Several documents, one after the other, in one PDF. */
    private static byte[] merge(List<byte[]> pdfs) throws IOException {
        try (PDDocument all = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            PDFMergerUtility merger = new PDFMergerUtility();
            for (byte[] pdf : pdfs) {
                try (PDDocument one = Loader.loadPDF(pdf)) {
                    merger.appendDocument(all, one);
                }
            }
            all.save(out);
            return out.toByteArray();
        }
    }

    private static StepDecision failed(HtmlTemplate.Problem p) {
        ObjectNode result = Json.mapper().createObjectNode().put("service_name", NAME).put("service_status", "fail")
                .put("error", p.error()).put("reason", p.getMessage());
        if (p.placeholder() != null) {
            result.put("placeholder", p.placeholder());
        }
        return StepDecision.finish(ServiceOutcome.fail(result).withoutRetry());
    }
}
