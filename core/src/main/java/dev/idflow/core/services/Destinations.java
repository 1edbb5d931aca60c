package dev.idflow.core.services;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.model.FlowInputData;
import java.util.List;
import java.util.Map;

/**
 * Where a message to the person goes ({@code sms}: input_data {@code phone_number}; {@code email}:
 * input_data {@code email}), and how an address is shown: masked, so a screen or a log line tells the
 * person which phone or mailbox without giving it to whoever reads over their shoulder.
 */
public final class Destinations {
    public static final String SMS = "sms";
    public static final String EMAIL = "email";
    static final List<String> CHANNELS = List.of(SMS, EMAIL);

    private Destinations() {
    }

    /** The step's {@code channel} option: sms (the default) or email. Checked at create. */
    static String channel(Map<String, JsonNode> options) {
        JsonNode channel = options.get("channel");
        return channel == null || channel.isNull() ? SMS : channel.asText();
    }

    /** The problem with a {@code channel} option, or null. */
    static String channelProblem(Map<String, JsonNode> options) {
        JsonNode channel = options.get("channel");
        if (channel == null || channel.isNull() || (channel.isTextual() && CHANNELS.contains(channel.asText()))) {
            return null;
        }
        return "channel: must be sms or email";
    }

    /** The person's address for {@code channel} from the flow's input_data; null when it has none. */
    static String of(FlowInputData input, String channel) {
        if (input == null) {
            return null;
        }
        String to;
        if (EMAIL.equals(channel)) {
            JsonNode email = input.extras().get(EMAIL);
            to = email != null && email.isTextual() ? email.asText() : null;
        } else {
            to = input.phoneNumber();
        }
        return to == null || to.isBlank() ? null : to.strip();
    }

    /**
     * {@code to} as a screen or a log line may show it. A phone keeps its {@code +}, its country code and
     * its last 4 digits ({@code +7 *** *** 45 67}); an e-mail its first letter and its domain
     * ({@code a***@bank.kz}). Anything else: {@code ***}.
     */
    public static String mask(String channel, String to) {
        if (to == null) {
            return "***";
        }
        return EMAIL.equals(channel) ? maskEmail(to.strip()) : maskPhone(to.strip());
    }

    static String maskEmail(String email) {
        int at = email.lastIndexOf('@');
        if (at < 1 || at == email.length() - 1) {
            return "***";
        }
        return email.charAt(0) + "***@" + email.substring(at + 1);
    }

    static String maskPhone(String phone) {
        String digits = phone.replaceAll("[^0-9]", "");
        if (digits.length() < 8) {
            return "***"; // too short to keep anything and still hide the rest
        }
        int country = phone.startsWith("+") ? countryCodeLength(digits) : 0;
        int hidden = digits.length() - country - 4;
        StringBuilder out = new StringBuilder();
        if (country > 0) {
            out.append('+').append(digits, 0, country).append(' ');
        }
        for (int i = 0; i < hidden; i++) {
            if (i > 0 && i % 3 == 0) {
                out.append(' ');
            }
            out.append('*');
        }
        String last = digits.substring(digits.length() - 4);
        return out.append(' ').append(last, 0, 2).append(' ').append(last, 2, 4).toString();
    }

    /**
     * How many leading digits of an international number are its country code (ITU-T E.164: the codes are
     * prefix-free, 1 to 3 digits). Zones 1 and 7 are one digit; the two-digit codes are listed by zone;
     * every other code is three digits.
     */
    static int countryCodeLength(String digits) {
        char zone = digits.charAt(0);
        if (zone == '1' || zone == '7') {
            return 1;
        }
        String twoDigit = switch (zone) {
            case '2' -> "07";
            case '3' -> "0123469";
            case '4' -> "013456789";
            case '5' -> "12345678";
            case '6' -> "0123456";
            case '8' -> "1246";
            case '9' -> "0123458";
            default -> "";
        };
        return twoDigit.indexOf(digits.charAt(1)) >= 0 ? 2 : 3;
    }
}
