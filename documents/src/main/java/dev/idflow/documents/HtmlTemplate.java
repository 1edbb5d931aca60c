package dev.idflow.documents;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXParseException;
import com.openhtmltopdf.outputdevice.helper.ExternalResourceControlPriority;
import com.openhtmltopdf.pdfboxout.PdfRendererBuilder;

/**
 * doc-builder's template: XHTML (well-formed HTML: every element closed, {@code &#160;} rather than
 * {@code &nbsp;}) with placeholders {@code {{name}}} or {@code {{a.b}}} (a path into the data), rendered
 * to PDF with openhtmltopdf (CSS 2.1 and paged media, on PDFBox 3).
 *
 * <ul>
 *   <li>Every placeholder must have a value (a string, number or boolean): a missing one, or one that is
 *       an object or a list, is a {@link Problem} naming it, never an empty blank. Something that looks
 *       like a placeholder but is none ({@code {{ }}}, {@code {{a b}}}) is one too.</li>
 *   <li>Values are escaped (&amp; &lt; &gt; &quot; &#39;): data is text, never markup.</li>
 *   <li>The filled template is parsed by a parser that loads no external DTD or entity (entity expansion
 *       bounded by the JDK's secure processing), and the renderer may load no resource but {@code data:}
 *       URIs: a template cannot make the server fetch anything.</li>
 *   <li>Text is set in Liberation Sans, embedded ({@link PdfText}), under every family name a template is
 *       likely to ask for (sans-serif, serif, Arial, Helvetica, Times New Roman, …), so Kazakh and
 *       Russian text renders whatever the template's css says.</li>
 * </ul>
 */
final class HtmlTemplate {
    /** A template's placeholder: {@code {{ path }}}, the path of letters, digits, _ and - joined by dots. */
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)*)\\s*}}");
    private static final Pattern ANY_BRACES = Pattern.compile("\\{\\{(.{0,40}?)}}", Pattern.DOTALL);
    private static final List<String> FAMILIES = List.of("Liberation Sans", "sans-serif", "serif", "monospace", "Arial",
            "Helvetica", "Times New Roman", "Times", "Verdana", "Tahoma", "Calibri", "DejaVu Sans", "PT Sans", "Roboto");

    /** What is wrong with a template or its data, naming the placeholder or the place. */
    static final class Problem extends Exception {
        private final String error;
        private final String placeholder;

        Problem(String error, String placeholder, String message) {
            super(message, null, false, false);
            this.error = error;
            this.placeholder = placeholder;
        }

        String error() {
            return error;
        }

        String placeholder() {
            return placeholder;
        }
    }

    private HtmlTemplate() {
    }

    /** The placeholders of {@code template}, each once, in order of appearance. */
    static Set<String> placeholders(String template) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = PLACEHOLDER.matcher(template);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** {@code template} with every placeholder replaced by its value from {@code lookup} (null: it has none), escaped. */
    static String fill(String template, Function<String, JsonNode> lookup) throws Problem {
        Matcher any = ANY_BRACES.matcher(template);
        while (any.find()) {
            if (!PLACEHOLDER.matcher(any.group()).matches()) {
                throw new Problem("malformed_placeholder", null, "template: " + any.group().replaceAll("\\s+", " ")
                        + " is no placeholder ({{name}} or {{a.b}}: letters, digits, _ and -, joined by dots)");
            }
        }
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder(template.length() + 256);
        while (m.find()) {
            String name = m.group(1);
            JsonNode value = lookup.apply(name);
            if (value == null || value.isMissingNode() || value.isNull()) {
                throw new Problem("unknown_placeholder", name, "template: the placeholder {{" + name
                        + "}} has no value in the step's data (doc_builder_data), the flow's input_data or the flow itself");
            }
            if (value.isContainerNode()) {
                throw new Problem("unknown_placeholder", name, "template: the placeholder {{" + name + "}} is "
                        + (value.isArray() ? "a list" : "an object") + " in the data; it must name a text, number or boolean");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(escape(value.asText())));
        }
        m.appendTail(out);
        return out.toString();
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    // XML 1.0 has no place for most control characters: a value carrying one could not parse
                    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
                        out.append(' ');
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** The filled template as a PDF. */
    static byte[] render(String xhtml) throws Problem, IOException {
        Document document = parse(xhtml);
        addDefaultFont(document);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PdfRendererBuilder builder = new PdfRendererBuilder();
        builder.useFastMode();
        for (String family : FAMILIES) {
            builder.useFont((com.openhtmltopdf.extend.FSSupplier<java.io.InputStream>) PdfText::fontStream, family);
        }
        // no file, no network: only data: URIs (an inline logo) may be loaded while rendering
        builder.useExternalResourceAccessControl((uri, type) -> uri != null && uri.startsWith("data:"),
                ExternalResourceControlPriority.RUN_BEFORE_RESOLVING_URI);
        builder.useExternalResourceAccessControl((uri, type) -> uri != null && uri.startsWith("data:"),
                ExternalResourceControlPriority.RUN_AFTER_RESOLVING_URI);
        builder.withW3cDocument(document, null);
        builder.withProducer("idflow");
        builder.toStream(out);
        try {
            builder.run();
        } catch (IOException | RuntimeException e) {
            throw new Problem("render_failed", null, "template: could not be rendered as a PDF (" + e.getClass().getSimpleName() + ")");
        }
        return out.toByteArray();
    }

    private static Document parse(String xhtml) throws Problem {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder parser = f.newDocumentBuilder();
            parser.setErrorHandler(null);
            parser.setEntityResolver((publicId, systemId) -> new InputSource(new StringReader("")));
            return parser.parse(new InputSource(new StringReader(xhtml)));
        } catch (SAXParseException e) {
            throw new Problem("invalid_template", null, "template: is not well-formed XHTML at line " + e.getLineNumber()
                    + ", column " + e.getColumnNumber() + " (close every element; write &#160; for &nbsp;)");
        } catch (ParserConfigurationException | org.xml.sax.SAXException | IOException e) {
            throw new Problem("invalid_template", null, "template: is not well-formed XHTML");
        }
    }

    /** A first style rule in the head: the embedded font, unless the template's own css says otherwise. */
    private static void addDefaultFont(Document document) {
        Element root = document.getDocumentElement();
        String ns = root.getNamespaceURI();
        NodeList heads = root.getElementsByTagNameNS("*", "head");
        Element head;
        if (heads.getLength() > 0) {
            head = (Element) heads.item(0);
        } else {
            head = document.createElementNS(ns, "head");
            root.insertBefore(head, root.getFirstChild());
        }
        Element style = document.createElementNS(ns, "style");
        style.setTextContent("body { font-family: 'Liberation Sans', sans-serif; }");
        head.insertBefore(style, head.getFirstChild());
    }

    /** The values of a data object by path ({@code a.b}), or null. */
    static JsonNode at(JsonNode data, String path) {
        JsonNode node = data;
        for (String part : path.split("\\.")) {
            if (node == null || !node.isObject()) {
                return null;
            }
            node = node.get(part);
        }
        return node;
    }
}
