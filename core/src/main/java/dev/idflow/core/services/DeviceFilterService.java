package dev.idflow.core.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code device-filter}: passes or fails at once by the device the person's page reported when it
 * started the flow ({@code device_type} mobile|desktop, {@code platform} android|ios|web), against the
 * step's options: exactly one of {@code allow} or {@code deny}, a non-empty list of {@code mobile},
 * {@code desktop}; optionally {@code platforms}, a non-empty list of {@code android}, {@code ios},
 * {@code web}, which narrows the rule to those platforms.
 *
 * <ul>
 *   <li>{@code allow}: passes only when the device type is listed and, with {@code platforms}, the
 *       platform too; otherwise fails with error code {@code device_denied}.</li>
 *   <li>{@code deny}: fails with {@code device_denied} when the device type is listed and, with
 *       {@code platforms}, the platform too; otherwise passes.</li>
 *   <li>An <b>unknown device</b> (the page reported nothing, e.g. a flow driven through the API only; or
 *       {@code platforms} is given and no platform was reported) cannot be shown to be allowed: under
 *       {@code allow} the step fails with error code {@code device_unknown}; under {@code deny} it cannot
 *       be shown to be denied either, and passes.</li>
 * </ul>
 *
 * <p>Result: {@code {service_name, service_status: success|fail, device_type, platform, error_codes}}, the
 * device fields only when reported, {@code error_codes} only on a failure.
 */
public final class DeviceFilterService implements FlowService {
    public static final String NAME = "device-filter";
    static final List<String> DEVICE_TYPES = List.of("mobile", "desktop");
    static final List<String> PLATFORMS = List.of("android", "ios", "web");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> checkOptions(Map<String, JsonNode> options) {
        List<String> problems = new ArrayList<>();
        JsonNode allow = options.get("allow");
        JsonNode deny = options.get("deny");
        if (allow == null && deny == null) {
            problems.add("allow: one of allow or deny is required (a list of mobile, desktop)");
        } else if (allow != null && deny != null) {
            problems.add("deny: give allow or deny, not both");
        } else {
            checkList(allow != null ? "allow" : "deny", allow != null ? allow : deny, DEVICE_TYPES, problems);
        }
        JsonNode platforms = options.get("platforms");
        if (platforms != null) {
            checkList("platforms", platforms, PLATFORMS, problems);
        }
        return problems;
    }

    /** {@code value} must be a non-empty list of {@code allowed} words. */
    private static void checkList(String path, JsonNode value, List<String> allowed, List<String> problems) {
        String rule = "must be a non-empty list of " + String.join(", ", allowed);
        if (!value.isArray() || value.isEmpty()) {
            problems.add(path + ": " + rule);
            return;
        }
        for (int i = 0; i < value.size(); i++) {
            if (!value.get(i).isTextual() || !allowed.contains(value.get(i).asText())) {
                problems.add(path + "[" + i + "]: must be one of " + String.join(", ", allowed));
            }
        }
    }

    @Override
    public StepDecision open(StepContext step) {
        StepContext.Device device = step.device();
        String type = device == null ? null : device.type();
        String platform = device == null ? null : device.platform();
        Map<String, JsonNode> options = step.options();
        boolean allowList = options.get("allow") != null;
        List<String> types = words(allowList ? options.get("allow") : options.get("deny"));
        List<String> platforms = options.get("platforms") == null ? null : words(options.get("platforms"));

        boolean known = type != null && (platforms == null || platform != null);
        boolean listed = known && types.contains(type) && (platforms == null || platforms.contains(platform));
        String errorCode;
        if (allowList) {
            errorCode = !known ? "device_unknown" : listed ? null : "device_denied";
        } else {
            // a device nobody reported cannot be shown to be one of the denied: it passes
            errorCode = listed ? "device_denied" : null;
        }

        ObjectNode result = Json.mapper().createObjectNode().put("service_name", NAME)
                .put("service_status", errorCode == null ? "success" : "fail");
        if (type != null) {
            result.put("device_type", type);
        }
        if (platform != null) {
            result.put("platform", platform);
        }
        if (errorCode == null) {
            return StepDecision.pass(result);
        }
        result.putArray("error_codes").add(errorCode);
        // the same device would be refused again: no retry, whatever the step's max_retries
        return StepDecision.finish(ServiceOutcome.fail(result).withoutRetry());
    }

    private static List<String> words(JsonNode list) {
        List<String> out = new ArrayList<>();
        list.forEach(word -> out.add(word.asText()));
        return out;
    }
}
