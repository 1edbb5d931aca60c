package dev.idflow.core.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.FlowInputData;
import dev.idflow.core.model.KycListEntry;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.KycListRepository;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code kyc-list}: checks the flow's {@code person_id}, and its input_data {@code iin} and
 * {@code phone_number}, against the consumer's KYC lists ({@link KycListRepository}; managed with
 * {@code Idflow.kycLists()}), at once. Only the consumer's own lists are looked at, whatever their names.
 *
 * <p>Options: {@code lists} (required, the names of the lists, each {@code [a-z0-9_-]{1,64}}),
 * {@code match} (the fields to check, of {@code person_id}, {@code iin}, {@code phone_number}; default all
 * three) and {@code on_match}: {@code fail} (default; a block list: a hit fails the step) or {@code pass}
 * (an allow list: the step passes only on a hit).
 *
 * <p>Result: {@code {service_name, service_status: success|fail, matched: [{list, field}], checked:
 * [fields]}}. {@code checked} names the fields the flow had a value for (a field without one is not
 * looked up and matches nothing); {@code matched} names each list and field that hit, never the value,
 * which is the person's data.
 */
public final class KycListService implements FlowService {
    public static final String NAME = "kyc-list";

    private final KycListRepository lists;

    public KycListService(KycListRepository lists) {
        this.lists = lists;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> checkOptions(Map<String, JsonNode> options) {
        List<String> problems = new ArrayList<>();
        JsonNode names = options.get("lists");
        if (names == null || !names.isArray() || names.isEmpty()) {
            problems.add("lists: is required, a non-empty list of list names");
        } else {
            for (int i = 0; i < names.size(); i++) {
                if (!names.get(i).isTextual() || !isListName(names.get(i).asText())) {
                    problems.add("lists[" + i + "]: must be 1–64 characters of a-z, 0-9, _ and -");
                }
            }
        }
        JsonNode match = options.get("match");
        if (match != null) {
            if (!match.isArray() || match.isEmpty()) {
                problems.add("match: must be a non-empty list of " + String.join(", ", KycListEntry.FIELDS));
            } else {
                for (int i = 0; i < match.size(); i++) {
                    if (!match.get(i).isTextual() || !KycListEntry.FIELDS.contains(match.get(i).asText())) {
                        problems.add("match[" + i + "]: must be one of " + String.join(", ", KycListEntry.FIELDS));
                    }
                }
            }
        }
        JsonNode onMatch = options.get("on_match");
        if (onMatch != null && !(onMatch.isTextual() && List.of("fail", "pass").contains(onMatch.asText()))) {
            problems.add("on_match: must be fail or pass");
        }
        return problems;
    }

    @Override
    public StepDecision open(StepContext step) {
        Map<String, JsonNode> options = step.options();
        List<String> listNames = new ArrayList<>();
        options.get("lists").forEach(n -> listNames.add(n.asText()));
        List<String> fields = new ArrayList<>();
        if (options.get("match") == null) {
            fields.addAll(KycListEntry.FIELDS);
        } else {
            // in the order the spec names them, each once, whatever order the step gave
            KycListEntry.FIELDS.stream().filter(f -> contains(options.get("match"), f)).forEach(fields::add);
        }
        boolean allowList = options.get("on_match") != null && options.get("on_match").asText().equals("pass");

        ObjectNode result = Json.mapper().createObjectNode().put("service_name", NAME);
        ArrayNode matched = Json.mapper().createArrayNode();
        ArrayNode checked = Json.mapper().createArrayNode();
        for (String field : fields) {
            String value = valueOf(step, field);
            if (value == null || value.isBlank()) {
                continue;
            }
            checked.add(field);
            for (String list : lists.matches(step.consumerId(), listNames, field, value)) {
                matched.addObject().put("list", list).put("field", field);
            }
        }
        boolean hit = !matched.isEmpty();
        boolean passes = allowList == hit;
        result.put("service_status", passes ? "success" : "fail");
        result.set("matched", matched);
        result.set("checked", checked);
        // the same lists would answer the same again: a failure is not retried, whatever the step's max_retries
        return passes ? StepDecision.pass(result) : StepDecision.finish(ServiceOutcome.fail(result).withoutRetry());
    }

    /** The store's own rule ({@link KycListEntry#checkListName}), so a step can name every list a host can fill. */
    private static boolean isListName(String name) {
        try {
            KycListEntry.checkListName(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean contains(JsonNode array, String word) {
        for (JsonNode n : array) {
            if (word.equals(n.asText())) {
                return true;
            }
        }
        return false;
    }

    private static String valueOf(StepContext step, String field) {
        FlowInputData input = step.inputData();
        return switch (field) {
            case KycListEntry.PERSON_ID -> step.personId();
            case KycListEntry.IIN -> input == null ? null : input.iin();
            case KycListEntry.PHONE_NUMBER -> input == null ? null : input.phoneNumber();
            default -> throw new IllegalArgumentException("field " + field);
        };
    }
}
