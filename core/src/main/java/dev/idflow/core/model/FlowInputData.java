package dev.idflow.core.model;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * The spec's FlowInputData. Fields the spec does not name ({@code files}, …) are kept as sent.
 *
 * <p>{@code card_number} is never held whole (PRODUCT.md, "Payment card numbers are never stored whole"):
 * the constructor keeps its first 6 and last 4 digits and puts {@code *} in place of every digit between
 * them, so the masked form is what is stored, returned and handed to services, whichever way the data
 * arrived (a request body, a flow-form answer, a row read back). The spec gives card_number no pattern;
 * the masked form keeps the number's length and separators ({@code 4400430012345678} →
 * {@code 440043******5678}), as card receipts print it. A value of 10 digits or fewer is kept as is:
 * it already shows no more than first 6 + last 4.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FlowInputData(
        @JsonProperty("iin") String iin,
        @JsonProperty("phone_number") String phoneNumber,
        @JsonProperty("full_name") String fullName,
        @JsonProperty("card_number") String cardNumber,
        @JsonProperty("bin_field") String binField,
        @JsonProperty("org_name") String orgName,
        @JsonAnySetter Map<String, JsonNode> extras) {

    public FlowInputData {
        extras = Extras.copy(extras);
        cardNumber = maskCardNumber(cardNumber);
    }

    /** This input data sharing nothing mutable with it (its extras' trees copied), or itself when it holds none. */
    public FlowInputData detached() {
        return extras.isEmpty() ? this : new FlowInputData(iin, phoneNumber, fullName, cardNumber, binField, orgName, extras);
    }

    /** First 6 and last 4 digits kept, every digit between them replaced by {@code *}; other characters kept. */
    public static String maskCardNumber(String value) {
        if (value == null) {
            return null;
        }
        int digits = (int) value.chars().filter(c -> c >= '0' && c <= '9').count();
        if (digits <= 10) {
            return value;
        }
        StringBuilder masked = new StringBuilder(value.length());
        int seen = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c >= '0' && c <= '9') {
                seen++;
                masked.append(seen > 6 && seen <= digits - 4 ? '*' : c);
            } else {
                masked.append(c);
            }
        }
        return masked.toString();
    }

    @Override
    @JsonAnyGetter
    public Map<String, JsonNode> extras() {
        return extras;
    }
}
