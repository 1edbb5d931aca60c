package dev.idflow.core.model;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/** The spec's FlowInputData. Fields the spec does not name ({@code files}, …) are kept as sent. */
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
    }

    @Override
    @JsonAnyGetter
    public Map<String, JsonNode> extras() {
        return extras;
    }
}
