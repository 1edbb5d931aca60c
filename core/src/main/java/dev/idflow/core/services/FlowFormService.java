package dev.idflow.core.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.FlowInputData;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.InputRejected;
import dev.idflow.core.spi.PersonInput;
import dev.idflow.core.spi.Screen;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code flow-form}: a form made of the step's {@code fields} option, validated server-side. Screen
 * {@code form} with the fields as the page renders them (every default filled in, select options as
 * {@code {value, label}}) and {@code values} prefilled from the flow's input_data for fields named like
 * its fields; answer {@code {"answers": {name: value}}}. The first wrong answer is refused with 422
 * naming {@code answers.<name>} and the rule it broke, and nothing is stored. The session result is
 * {@code {service_name, service_status: "success", answers}} (answers normalised: text trimmed, a phone
 * as {@code +} and its digits, a card number masked); an answer named like an input_data field
 * ({@code iin}, {@code phone_number}, {@code full_name}, {@code card_number}, {@code bin_field},
 * {@code org_name}, {@code email}) fills it where the flow's input_data has none.
 */
public final class FlowFormService implements FlowService {
    public static final String NAME = "flow-form";
    static final List<String> TYPES = List.of("text", "number", "date", "select", "checkbox", "phone", "email", "iin");
    static final int MAX_FIELDS = 50;
    static final int MAX_OPTIONS = 200;
    static final int MAX_OPTION_VALUE = 200;
    static final int MAX_PATTERN = 200;
    static final int MAX_TEXT = 1000;
    static final int MAX_EMAIL = 254;
    /** input_data fields a same-named answer fills; {@code email} is where an e-mail OTP is sent. */
    static final List<String> INPUT_DATA_FIELDS = List.of("iin", "phone_number", "full_name", "card_number",
            "bin_field", "org_name", "email");
    private static final Logger LOG = LoggerFactory.getLogger(FlowFormService.class);
    private static final Pattern NAME_RULE = Pattern.compile("[a-z][a-z0-9_]{0,63}");
    private static final List<String> FIELD_KEYS = List.of("name", "type", "label", "required", "options", "min", "max",
            "pattern");
    private static final DateTimeFormatter ISO_DATE = DateTimeFormatter.ofPattern("uuuu-MM-dd", Locale.ROOT)
            .withResolverStyle(ResolverStyle.STRICT);
    private static final Pattern PHONE = Pattern.compile("\\+[0-9 ()-]{1,40}");
    // local part: dot-separated atoms (no leading, trailing or double dot); domain: LDH labels and a
    // letters-only top-level label. Neither part can backtrack beyond a label's bounded length.
    private static final Pattern EMAIL = Pattern.compile(
            "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                    + "@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}");
    /**
     * How many characters a consumer's {@code pattern} may read while matching one answer. An honest
     * pattern reads an answer of 1000 characters a few thousand times; a pattern that backtracks
     * catastrophically ({@code (a+)+b}) would hold the request thread for ever on a crafted answer.
     */
    private static final long PATTERN_BUDGET = 1_000_000;

    @Override
    public String name() {
        return NAME;
    }

    // ---------------------------------------------------------------- options

    /** A field as the page renders it and the answer is checked against, defaults filled in. */
    record Field(String name, String type, JsonNode label, boolean required, List<Option> options, JsonNode min,
                 JsonNode max, Pattern pattern) {
    }

    record Option(String value, JsonNode label) {
    }

    @Override
    public List<String> checkOptions(Map<String, JsonNode> options) {
        JsonNode fields = options.get("fields");
        if (fields == null || fields.isNull()) {
            return List.of("fields: is required (a list of {name, type, label, …})");
        }
        if (!fields.isArray()) {
            return List.of("fields: must be a list of {name, type, label, …}");
        }
        if (fields.isEmpty()) {
            return List.of("fields: must have at least one field");
        }
        if (fields.size() > MAX_FIELDS) {
            return List.of("fields: must have at most " + MAX_FIELDS + " fields");
        }
        List<String> problems = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < fields.size(); i++) {
            checkField(fields.get(i), "fields[" + i + "]", names, problems);
        }
        return problems;
    }

    private static void checkField(JsonNode field, String at, Set<String> names, List<String> problems) {
        if (!field.isObject()) {
            problems.add(at + ": must be an object {name, type, label, …}");
            return;
        }
        for (Iterator<String> keys = field.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!FIELD_KEYS.contains(key)) {
                problems.add(at + "." + key + ": is not a field option (" + String.join(", ", FIELD_KEYS) + ")");
            }
        }
        JsonNode name = field.get("name");
        if (name == null || name.isNull()) {
            problems.add(at + ".name: is required");
        } else if (!name.isTextual() || !NAME_RULE.matcher(name.asText()).matches()) {
            problems.add(at + ".name: must match [a-z][a-z0-9_]{0,63}");
        } else if (!names.add(name.asText())) {
            problems.add(at + ".name: must be unique (" + name.asText() + " is named twice)");
        }
        JsonNode type = field.get("type");
        String kind = type != null && type.isTextual() ? type.asText() : null;
        if (type == null || type.isNull()) {
            problems.add(at + ".type: is required (" + String.join(", ", TYPES) + ")");
        } else if (!TYPES.contains(kind)) {
            problems.add(at + ".type: must be one of " + String.join(", ", TYPES));
            kind = null;
        }
        JsonNode label = field.get("label");
        if (label == null || label.isNull()) {
            problems.add(at + ".label: is required (a text, or an object of texts by locale)");
        } else if (!Texts.isText(label)) {
            problems.add(at + ".label: must be a text, or an object of texts by locale");
        }
        JsonNode required = field.get("required");
        if (required != null && !required.isBoolean()) {
            problems.add(at + ".required: must be true or false");
        }
        checkSelectOptions(field.get("options"), kind, at + ".options", problems);
        checkBounds(field, kind, at, problems);
        checkPattern(field.get("pattern"), kind, at + ".pattern", problems);
    }

    private static void checkSelectOptions(JsonNode options, String kind, String at, List<String> problems) {
        if (options == null || options.isNull()) {
            if ("select".equals(kind)) {
                problems.add(at + ": is required for a select field (a list of values or {value, label})");
            }
            return;
        }
        if (kind != null && !"select".equals(kind)) {
            problems.add(at + ": only a select field has options");
            return;
        }
        if (!options.isArray() || options.isEmpty()) {
            problems.add(at + ": must be a non-empty list of values or {value, label}");
            return;
        }
        if (options.size() > MAX_OPTIONS) {
            problems.add(at + ": must have at most " + MAX_OPTIONS + " options");
            return;
        }
        Set<String> values = new HashSet<>();
        for (int j = 0; j < options.size(); j++) {
            JsonNode option = options.get(j);
            String where = at + "[" + j + "]";
            JsonNode value = option.isObject() ? option.get("value") : option;
            if (option.isObject()) {
                for (Iterator<String> keys = option.fieldNames(); keys.hasNext(); ) {
                    String key = keys.next();
                    if (!key.equals("value") && !key.equals("label")) {
                        problems.add(where + "." + key + ": is not an option's member (value, label)");
                    }
                }
                where = where + ".value";
                JsonNode label = option.get("label");
                if (label != null && !label.isNull() && !Texts.isText(label)) {
                    problems.add(at + "[" + j + "].label: must be a text, or an object of texts by locale");
                }
            }
            if (value == null || !value.isTextual() || value.asText().isBlank()) {
                problems.add(where + ": must be a non-empty string" + (option.isObject() ? "" : " or {value, label}"));
            } else if (value.asText().length() > MAX_OPTION_VALUE) {
                problems.add(where + ": must be at most " + MAX_OPTION_VALUE + " characters");
            } else if (!values.add(value.asText())) {
                problems.add(where + ": must be unique (" + value.asText() + " is listed twice)");
            }
        }
    }

    private static void checkBounds(JsonNode field, String kind, String at, List<String> problems) {
        JsonNode min = field.get("min");
        JsonNode max = field.get("max");
        for (String bound : List.of("min", "max")) {
            JsonNode value = field.get(bound);
            if (value == null || value.isNull()) {
                continue;
            }
            if (kind != null && !"number".equals(kind)) {
                problems.add(at + "." + bound + ": only a number field has min and max");
            } else if (!isFiniteNumber(value)) {
                problems.add(at + "." + bound + ": must be a number");
            }
        }
        if (isFiniteNumber(min) && isFiniteNumber(max) && min.decimalValue().compareTo(max.decimalValue()) > 0) {
            problems.add(at + ".max: must not be less than min");
        }
    }

    private static void checkPattern(JsonNode pattern, String kind, String at, List<String> problems) {
        if (pattern == null || pattern.isNull()) {
            return;
        }
        if (kind != null && !"text".equals(kind)) {
            problems.add(at + ": only a text field has a pattern");
        } else if (!pattern.isTextual()) {
            problems.add(at + ": must be a string (a Java regular expression)");
        } else if (pattern.asText().length() > MAX_PATTERN) {
            problems.add(at + ": must be at most " + MAX_PATTERN + " characters");
        } else {
            try {
                Pattern.compile(pattern.asText());
            } catch (PatternSyntaxException e) {
                problems.add(at + ": must be a Java regular expression (" + e.getDescription() + " at index "
                        + e.getIndex() + ")");
            }
        }
    }

    private static boolean isFiniteNumber(JsonNode node) {
        if (node == null || !node.isNumber()) {
            return false;
        }
        return !(node.isDouble() || node.isFloat()) || Double.isFinite(node.doubleValue());
    }

    /** The step's fields, checked at create (a template's too): a problem here is a bug, not bad input. */
    static List<Field> fields(Map<String, JsonNode> options) {
        JsonNode fields = options.get("fields");
        if (fields == null || !fields.isArray()) {
            throw new IllegalStateException("flow-form options were not checked: no fields");
        }
        List<Field> out = new ArrayList<>();
        for (JsonNode f : fields) {
            List<Option> choices = new ArrayList<>();
            JsonNode listed = f.get("options");
            if (listed != null && listed.isArray()) {
                for (JsonNode o : listed) {
                    String value = o.isObject() ? o.path("value").asText() : o.asText();
                    JsonNode label = o.isObject() && o.hasNonNull("label") ? o.get("label") : TextNode.valueOf(value);
                    choices.add(new Option(value, label));
                }
            }
            JsonNode pattern = f.get("pattern");
            out.add(new Field(f.path("name").asText(), f.path("type").asText(), f.get("label"),
                    f.path("required").asBoolean(true), List.copyOf(choices), nonNull(f.get("min")),
                    nonNull(f.get("max")), pattern != null && pattern.isTextual() ? Pattern.compile(pattern.asText()) : null));
        }
        return out;
    }

    private static JsonNode nonNull(JsonNode node) {
        return node == null || node.isNull() ? null : node;
    }

    // ---------------------------------------------------------------- the screen

    @Override
    public StepDecision open(StepContext step) {
        List<Field> fields = fields(step.options());
        ArrayNode shown = Json.mapper().createArrayNode();
        ObjectNode values = Json.mapper().createObjectNode();
        for (Field field : fields) {
            shown.add(toScreen(field));
            String prefill = prefill(step.inputData(), field);
            if (prefill != null) {
                values.put(field.name(), prefill);
            }
        }
        Screen screen = Screen.of("form").with("fields", shown);
        if (!values.isEmpty()) {
            screen = screen.with("values", values);
        }
        return StepDecision.awaitPerson(screen, null);
    }

    private static ObjectNode toScreen(Field field) {
        ObjectNode out = Json.mapper().createObjectNode().put("name", field.name()).put("type", field.type());
        out.set("label", field.label());
        out.put("required", field.required());
        if (!field.options().isEmpty()) {
            ArrayNode options = out.putArray("options");
            field.options().forEach(o -> options.addObject().put("value", o.value()).set("label", o.label()));
        }
        if (field.min() != null) {
            out.set("min", field.min());
        }
        if (field.max() != null) {
            out.set("max", field.max());
        }
        if (field.pattern() != null) {
            out.put("pattern", field.pattern().pattern());
        }
        return out;
    }

    /**
     * What the flow's input_data holds for a field of the same name, shown as the field's first value.
     * Never the card number: input_data holds it masked, and a masked number is no answer.
     */
    private static String prefill(FlowInputData input, Field field) {
        if (input == null || field.type().equals("number") || field.type().equals("checkbox")) {
            return null;
        }
        String value = switch (field.name()) {
            case "iin" -> input.iin();
            case "phone_number" -> input.phoneNumber();
            case "full_name" -> input.fullName();
            case "bin_field" -> input.binField();
            case "org_name" -> input.orgName();
            case "card_number" -> null;
            default -> {
                JsonNode extra = input.extras().get(field.name());
                yield extra != null && extra.isTextual() ? extra.asText() : null;
            }
        };
        if (value == null || value.isBlank()) {
            return null;
        }
        if (field.type().equals("select") && field.options().stream().noneMatch(o -> o.value().equals(value))) {
            return null;
        }
        return value;
    }

    // ---------------------------------------------------------------- the answers

    @Override
    public StepDecision act(StepContext step, PersonInput input) {
        if (!(input instanceof PersonInput.Submit submit)) {
            throw InputRejected.unexpected(NAME, input);
        }
        JsonNode answers = submit.body().get("answers");
        if (answers == null || answers.isNull()) {
            throw InputRejected.invalid("answers", "required", "is required: an object of the answers by field name");
        }
        if (!answers.isObject()) {
            throw InputRejected.invalid("answers", "type", "must be an object of the answers by field name");
        }
        List<Field> fields = fields(step.options());
        ObjectNode normalised = Json.mapper().createObjectNode();
        Set<String> known = new HashSet<>();
        for (Field field : fields) {
            known.add(field.name());
            JsonNode answer = check(field, answers.get(field.name()));
            if (answer != null) {
                normalised.set(field.name(), answer);
            }
        }
        for (Iterator<String> names = answers.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                // a name that could not be a field is not echoed: the field path stays one the page can show
                throw NAME_RULE.matcher(name).matches()
                        ? InputRejected.invalid("answers." + name, "unknown", "is not a field of this form")
                        : InputRejected.invalid("answers", "unknown", "names an answer that is not a field of this form");
            }
        }
        Map<String, String> data = new LinkedHashMap<>();
        if (normalised.has("card_number") && normalised.get("card_number").isTextual()) {
            // never whole, in the session result as in input_data (FlowInputData)
            normalised.put("card_number", FlowInputData.maskCardNumber(normalised.get("card_number").asText()));
        }
        for (String field : INPUT_DATA_FIELDS) {
            JsonNode answer = normalised.get(field);
            if (answer != null && (answer.isTextual() || answer.isNumber())) {
                data.put(field, answer.asText());
            }
        }
        ObjectNode result = Json.mapper().createObjectNode().put("service_name", NAME).put("service_status", "success");
        result.set("answers", normalised);
        return StepDecision.finish(ServiceOutcome.pass(result).withData(data));
    }

    /** The answer to {@code field}, normalised; null when an optional field is left empty. */
    static JsonNode check(Field field, JsonNode value) {
        String at = "answers." + field.name();
        boolean empty = value == null || value.isNull() || (value.isTextual() && value.asText().isBlank());
        if (field.type().equals("checkbox")) {
            if (empty) {
                if (field.required()) {
                    throw InputRejected.invalid(at, "required", "must be ticked");
                }
                return BooleanNode.FALSE;
            }
            if (!value.isBoolean()) {
                throw InputRejected.invalid(at, "type", "must be true or false");
            }
            if (field.required() && !value.asBoolean()) {
                throw InputRejected.invalid(at, "required", "must be ticked");
            }
            return value;
        }
        if (empty) {
            if (field.required()) {
                throw InputRejected.invalid(at, "required", "is required");
            }
            return null;
        }
        if (field.type().equals("number")) {
            return checkNumber(field, value, at);
        }
        if (!value.isTextual()) {
            throw InputRejected.invalid(at, "type", "must be a string");
        }
        String text = value.asText().strip();
        return switch (field.type()) {
            case "text" -> checkText(field, text, at);
            case "date" -> {
                try {
                    yield TextNode.valueOf(LocalDate.parse(text, ISO_DATE).toString());
                } catch (DateTimeParseException e) {
                    throw InputRejected.invalid(at, "pattern", "must be a date YYYY-MM-DD");
                }
            }
            case "select" -> {
                if (field.options().stream().noneMatch(o -> o.value().equals(text))) {
                    throw InputRejected.invalid(at, "option", "must be one of the field's options");
                }
                yield TextNode.valueOf(text);
            }
            case "phone" -> {
                String digits = text.replaceAll("[^0-9]", "");
                if (!PHONE.matcher(text).matches() || digits.length() < 10 || digits.length() > 15) {
                    throw InputRejected.invalid(at, "pattern", "must be an international number: + and 10 to 15 digits");
                }
                yield TextNode.valueOf("+" + digits);
            }
            case "email" -> {
                if (text.length() > MAX_EMAIL) {
                    throw InputRejected.invalid(at, "length", "must be at most " + MAX_EMAIL + " characters");
                }
                int atSign = text.lastIndexOf('@');
                if (!EMAIL.matcher(text).matches() || atSign > 64) {
                    throw InputRejected.invalid(at, "pattern", "must be an e-mail address");
                }
                yield TextNode.valueOf(text.substring(0, atSign + 1) + text.substring(atSign + 1).toLowerCase(Locale.ROOT));
            }
            case "iin" -> {
                String iin = text.replace(" ", "");
                if (!iin.matches("[0-9]{12}")) {
                    throw InputRejected.invalid(at, "pattern", "must be 12 digits");
                }
                if (!Iin.isValid(iin)) {
                    throw InputRejected.invalid(at, "pattern", "must be 12 digits with a valid check digit");
                }
                yield TextNode.valueOf(iin);
            }
            default -> throw new IllegalStateException("flow-form options were not checked: type " + field.type());
        };
    }

    private static JsonNode checkNumber(Field field, JsonNode value, String at) {
        if (!isFiniteNumber(value)) {
            throw InputRejected.invalid(at, "type", "must be a number");
        }
        BigDecimal number = value.decimalValue();
        if (field.min() != null && number.compareTo(field.min().decimalValue()) < 0) {
            throw InputRejected.invalid(at, "min", "must be at least " + field.min().asText());
        }
        if (field.max() != null && number.compareTo(field.max().decimalValue()) > 0) {
            throw InputRejected.invalid(at, "max", "must be at most " + field.max().asText());
        }
        return value;
    }

    private static JsonNode checkText(Field field, String text, String at) {
        if (text.codePointCount(0, text.length()) > MAX_TEXT) {
            throw InputRejected.invalid(at, "length", "must be at most " + MAX_TEXT + " characters");
        }
        if (field.pattern() != null && !matchesWithinBudget(field.pattern(), text)) {
            throw InputRejected.invalid(at, "pattern", "must match the field's pattern");
        }
        return TextNode.valueOf(text);
    }

    /** Whether {@code text} matches whole; false when matching would read more than the budget allows. */
    private static boolean matchesWithinBudget(Pattern pattern, String text) {
        try {
            return pattern.matcher(new BudgetedChars(text, new long[] {PATTERN_BUDGET})).matches();
        } catch (BudgetedChars.Exhausted e) {
            LOG.warn("a flow-form pattern backtracks beyond {} reads on an answer of {} characters: the answer is "
                    + "refused; the consumer should simplify the pattern {}", PATTERN_BUDGET, text.length(), pattern);
            return false;
        }
    }

    /** A string that throws once its characters were read {@code budget} times (all views share it). */
    private static final class BudgetedChars implements CharSequence {
        static final class Exhausted extends RuntimeException {
            Exhausted() {
                super(null, null, false, false);
            }
        }

        private final String text;
        private final long[] budget;

        BudgetedChars(String text, long[] budget) {
            this.text = text;
            this.budget = budget;
        }

        @Override
        public char charAt(int index) {
            if (--budget[0] < 0) {
                throw new Exhausted();
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new BudgetedChars(text.substring(start, end), budget);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
