package dev.idflow.core.services;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.FileTypes;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.FlowInputData;
import dev.idflow.core.model.MockeryScript;
import dev.idflow.core.model.ServiceNames;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.Screen;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepContext;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The sandbox's answers for external services without a host implementation: a success of the live
 * answer's shape, marked {@code sandbox}, made of the flow's input_data or fixed sandbox values, the
 * same for the same person every time.
 */
class SandboxResultsTest {
    private static final Instant OPENED = Instant.parse("2026-03-01T10:00:00Z");
    private static final Instant NOW = OPENED.plusSeconds(3);
    private static final FlowInputData ARMAN = input("900101300123", "ALIYEV ARMAN SERIKOVICH", "+7 701 123 45 67");
    private static final FlowInputData NOTHING = input(null, null, null);

    @Test
    void kiscAnswersThePersonOfTheIinWithTheBirthDateAndGenderTheIinEncodes() {
        ServiceOutcome outcome = plausible("kisc", ARMAN);

        ObjectNode r = outcome.result();
        assertSandboxSuccess(r, "kisc");
        assertThat(r.get("iin").asText()).isEqualTo("900101300123");
        assertThat(r.get("full_name").asText()).isEqualTo("ALIYEV ARMAN SERIKOVICH");
        assertThat(r.get("last_name").asText()).isEqualTo("ALIYEV");
        assertThat(r.get("first_name").asText()).isEqualTo("ARMAN");
        assertThat(r.get("middle_name").asText()).isEqualTo("SERIKOVICH");
        assertThat(r.get("birth_date").asText()).isEqualTo("1990-01-01");
        assertThat(r.get("gender").asText()).isEqualTo("male");
        assertThat(r.get("citizenship").asText()).isEqualTo("KAZ");
        assertThat(r.get("country_code").asText()).isEqualTo("KAZ");
        assertThat(r.get("resident").asBoolean()).isTrue();
        assertThat(r.get("document")).isEqualTo(object(
                "{\"type\":\"id_card\",\"number\":\"101300123\",\"issuer\":\"MVD RK\",\"valid\":true}"));
        assertThat(outcome.files()).containsOnlyKeys("kisc_pii");
        assertThat(outcome.files().get("kisc_pii").contentType()).isEqualTo(FileTypes.JSON);
        JsonNode pii = parse(outcome.files().get("kisc_pii").content());
        assertThat(pii.get("iin").asText()).isEqualTo("900101300123");
        assertThat(pii.get("birth_date").asText()).isEqualTo("1990-01-01");
        assertThat(pii.get("document")).isEqualTo(r.get("document"));
        assertThat(outcome.data()).containsExactlyInAnyOrderEntriesOf(
                Map.of("iin", "900101300123", "full_name", "ALIYEV ARMAN SERIKOVICH"));
    }

    @Test
    void kiscReadsTheCenturyAndGenderFromTheSeventhDigit() {
        ObjectNode woman2001 = plausible("kisc", input("010203600011", "NURLANOVA AIGERIM", null)).result();
        assertThat(woman2001.get("birth_date").asText()).isEqualTo("2001-02-03");
        assertThat(woman2001.get("gender").asText()).isEqualTo("female");
        assertThat(woman2001.has("middle_name")).isFalse();

        ObjectNode notADate = plausible("kisc", input("991399300123", "X", null)).result();
        assertThat(notADate.has("birth_date")).as("month 13 is no date").isFalse();
        assertThat(notADate.has("gender")).isFalse();
        assertThat(notADate.get("iin").asText()).isEqualTo("991399300123");
    }

    @Test
    void withoutInputDataKiscAnswersTheFixedSandboxPersonWhoseIinIsWellFormed() {
        ObjectNode r = plausible("kisc", NOTHING).result();

        assertThat(r.get("iin").asText()).isEqualTo(SandboxResults.SANDBOX_IIN);
        assertThat(r.get("full_name").asText()).isEqualTo("SANDBOX PERSON");
        assertThat(r.get("birth_date").asText()).isEqualTo("2000-01-01");
        assertThat(r.get("gender").asText()).isEqualTo("male");
        assertThat(iinCheckDigitHolds(SandboxResults.SANDBOX_IIN)).isTrue();
        assertThat(plausible("kisc", null).result()).as("no input_data at all").isEqualTo(r);
    }

    @Test
    void egovDocAnswersTheDocumentAndAPdfHeadedSandbox() {
        ServiceOutcome outcome = plausible("egov-doc", ARMAN);

        ObjectNode r = outcome.result();
        assertSandboxSuccess(r, "egov-doc");
        assertThat(r.get("iin").asText()).isEqualTo("900101300123");
        assertThat(r.get("full_name").asText()).isEqualTo("ALIYEV ARMAN SERIKOVICH");
        assertThat(r.get("document")).isEqualTo(object(
                "{\"type\":\"identity_card\",\"number\":\"101300123\",\"issuer\":\"MVD RK\",\"status\":\"valid\"}"));
        byte[] pdf = outcome.files().get("egov_doc_pdf").content();
        assertThat(outcome.files().get("egov_doc_pdf").contentType()).isEqualTo(FileTypes.PDF);
        assertThat(FileTypes.sniff(pdf)).isEqualTo(FileTypes.PDF);
        String text = new String(pdf, StandardCharsets.US_ASCII);
        assertThat(text).contains("(SANDBOX - not a real document)").contains("(IIN: 900101300123)").endsWith("%%EOF\n");
        assertThat(outcome.data()).containsEntry("full_name", "ALIYEV ARMAN SERIKOVICH");
    }

    @Test
    void theSandboxPdfsCrossReferenceTablePointsAtItsObjects() {
        byte[] pdf = SandboxResults.pdf(List.of("a (bracketed) line", "back\\slash"));
        String text = new String(pdf, StandardCharsets.US_ASCII);

        int startxref = Integer.parseInt(text.substring(text.indexOf("startxref\n") + 10, text.indexOf("\n%%EOF")));
        assertThat(text.substring(startxref)).startsWith("xref\n0 6\n");
        String[] rows = text.substring(startxref).split("\n");
        for (int object = 1; object <= 5; object++) {
            int offset = Integer.parseInt(rows[2 + object].substring(0, 10));
            assertThat(text.substring(offset)).as("object %d", object).startsWith(object + " 0 obj\n");
        }
        assertThat(text).contains("(a \\(bracketed\\) line)").contains("(back\\\\slash)");
    }

    @Test
    void veridocAndRedocAnswerADocumentReadFromItsPictures() {
        for (String service : List.of("veridoc", "redoc")) {
            ServiceOutcome outcome = plausible(service, ARMAN);
            ObjectNode r = outcome.result();
            assertSandboxSuccess(r, service);
            assertThat(r.get("doc_type").asText()).isEqualTo("id_card");
            assertThat(r.get("country_code").asText()).isEqualTo("KAZ");
            assertThat(r.get("iin").asText()).isEqualTo("900101300123");
            assertThat(r.get("last_name").asText()).isEqualTo("ALIYEV");
            assertThat(r.get("birth_date").asText()).isEqualTo("1990-01-01");
            assertThat(r.get("doc_number").asText()).isEqualTo("101300123");
            assertThat(r.get("document_valid").asBoolean()).isTrue();
            assertThat(r.get("checks")).isEqualTo(object(
                    "{\"mrz\":\"passed\",\"expiry\":\"passed\",\"tampering\":\"passed\"}"));
            assertThat(outcome.files()).isEmpty();
            assertThat(outcome.data()).containsEntry("iin", "900101300123");
        }
    }

    @Test
    void veriphoneAnswersTheNumberItsOperatorAndThatThePersonHoldsIt() {
        ObjectNode r = plausible("veriphone", ARMAN).result();

        assertSandboxSuccess(r, "veriphone");
        assertThat(r.get("phone_number").asText()).isEqualTo("+7 701 123 45 67");
        assertThat(r.get("operator").asText()).isEqualTo("Kcell");
        assertThat(r.get("line_type").asText()).isEqualTo("mobile");
        assertThat(r.get("owner_match").asBoolean()).isTrue();
        assertThat(r.has("iin")).as("a check of the person leaves the identity to the services that establish it").isFalse();
        assertThat(plausible("veriphone", NOTHING).result().get("phone_number").asText()).isEqualTo("+77000000000");
    }

    @Test
    void theOperatorFollowsTheKazakhMobileCodes() {
        assertThat(SandboxResults.operator("+77051234567")).isEqualTo("Beeline");
        assertThat(SandboxResults.operator("87771234567")).isEqualTo("Beeline");
        assertThat(SandboxResults.operator("+7 747 123 4567")).isEqualTo("Tele2");
        assertThat(SandboxResults.operator("+77081234567")).isEqualTo("Altel");
        assertThat(SandboxResults.operator("+77781234567")).isEqualTo("Kcell");
        assertThat(SandboxResults.operator("+77271234567")).as("an Almaty landline").isEqualTo("unknown");
        assertThat(SandboxResults.operator("+4915112345678")).isEqualTo("unknown");
    }

    @Test
    void amlCftFindsNobodyOnTheListsItNames() {
        ObjectNode r = plausible("aml-cft", ARMAN).result();

        assertSandboxSuccess(r, "aml-cft");
        assertThat(r.get("found").asBoolean()).isFalse();
        assertThat(r.get("matches")).isEmpty();
        assertThat(r.get("lists_checked")).extracting(JsonNode::asText)
                .containsExactly("kz_afm_terrorism", "kz_afm_proliferation", "un_sc_consolidated", "ofac_sdn", "eu_consolidated");
        assertThat(r.get("subject")).isEqualTo(object("{\"iin\":\"900101300123\",\"full_name\":\"ALIYEV ARMAN SERIKOVICH\"}"));
        assertThat(r.has("iin")).isFalse();
        assertThat(r.has("full_name")).isFalse();
        assertThat(plausible("aml-cft", NOTHING).result().get("subject")).as("nothing made up").isEmpty();
    }

    @Test
    void amlcftServiceAddsItsScoreToTheListCheck() {
        ObjectNode r = plausible("amlcft-service", ARMAN).result();

        assertSandboxSuccess(r, "amlcft-service");
        assertThat(r.get("found").asBoolean()).isFalse();
        assertThat(r.get("lists_checked")).hasSize(5);
        assertThat(r.get("pep").asBoolean()).isFalse();
        assertThat(r.get("risk_level").asText()).isEqualTo("low");
        assertThat(r.get("risk_score").asInt()).isZero();
        assertThat(r.at("/subject/iin").asText()).isEqualTo("900101300123");
    }

    @Test
    void erdFindsNoDebts() {
        ObjectNode r = plausible("erd", ARMAN).result();

        assertSandboxSuccess(r, "erd");
        assertThat(r.get("found").asBoolean()).isFalse();
        assertThat(r.get("proceedings")).isEmpty();
        assertThat(r.get("total_debt").asInt()).isZero();
        assertThat(r.get("currency").asText()).isEqualTo("KZT");
        assertThat(r.get("travel_ban").asBoolean()).isFalse();
        assertThat(r.get("subject")).isEqualTo(object("{\"iin\":\"900101300123\"}"));
    }

    @Test
    void veriliveInfraredAnswersARealVerdictInTheShapeOfAVeriliveResult() {
        ServiceOutcome outcome = plausible("verilive-infrared", ARMAN);
        ObjectNode r = outcome.result();

        assertThat(outcome.status()).isEqualTo(ExecutionStatus.PASS);
        assertThat(r.get("service_name").asText()).isEqualTo("verilive-infrared");
        assertThat(r.get("service_status").asText()).isEqualTo("real");
        assertThat(r.get("sandbox").asBoolean()).isTrue();
        assertThat(r.get("error_codes")).isEmpty();
        assertThat(r.get("warnings")).isEmpty();
        assertThat(r.get("start_time").asText()).isEqualTo(OPENED.toString());
        assertThat(r.get("end_time").asText()).isEqualTo(NOW.toString());
    }

    @Test
    void anyOtherServiceAnswersThePlainSandboxSuccess() {
        ServiceOutcome outcome = plausible("device-filter", ARMAN);

        assertThat(outcome.status()).isEqualTo(ExecutionStatus.PASS);
        assertThat(outcome.result()).isEqualTo(object(
                "{\"service_name\":\"device-filter\",\"service_status\":\"success\",\"sandbox\":true}"));
        assertThat(outcome.files()).isEmpty();
        assertThat(outcome.data()).isEmpty();
    }

    @Test
    void everyServiceOfTheSpecAnswersTheSameForTheSamePersonEveryTime() {
        for (String service : ServiceNames.ALL) {
            ServiceOutcome first = plausible(service, ARMAN);
            ServiceOutcome again = plausible(service, ARMAN);
            assertThat(again.result()).as(service).isEqualTo(first.result());
            assertThat(again.data()).as(service).isEqualTo(first.data());
            assertThat(again.files().keySet()).as(service).isEqualTo(first.files().keySet());
            first.files().forEach((label, file) ->
                    assertThat(again.files().get(label).content()).as(service + " " + label).isEqualTo(file.content()));
            assertThat(first.result().get("sandbox").asBoolean()).as(service).isTrue();
            assertThat(first.status()).as(service).isEqualTo(ExecutionStatus.PASS);
        }
    }

    @Test
    void onlyTheServicesThatEstablishWhoThePersonIsNameThemAtTheTop() {
        Set<String> identity = Set.of("kisc", "egov-doc", "veridoc", "redoc");
        for (String service : ServiceNames.ALL) {
            ObjectNode r = plausible(service, ARMAN).result();
            assertThat(r.has("full_name") || r.has("iin") || r.has("person_name")).as(service)
                    .isEqualTo(identity.contains(service));
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void assertSandboxSuccess(ObjectNode r, String service) {
        assertThat(r.get("service_name").asText()).isEqualTo(service);
        assertThat(r.get("service_status").asText()).isEqualTo("success");
        assertThat(r.get("sandbox").asBoolean()).isTrue();
    }

    /** The IIN's 12th digit: the weighted sum of the first 11 mod 11 (weights 1..11, else 3..11,1,2). */
    private static boolean iinCheckDigitHolds(String iin) {
        int[] d = iin.chars().map(c -> c - '0').toArray();
        int sum = 0;
        for (int i = 0; i < 11; i++) {
            sum += d[i] * (i + 1);
        }
        int check = sum % 11;
        if (check == 10) {
            sum = 0;
            for (int i = 0; i < 11; i++) {
                sum += d[i] * ((i + 2) % 11 + 1);
            }
            check = sum % 11;
        }
        return check != 10 && check == d[11];
    }

    private static ServiceOutcome plausible(String service, FlowInputData input) {
        return SandboxResults.plausible(service, new Step(input));
    }

    private static FlowInputData input(String iin, String fullName, String phone) {
        return new FlowInputData(iin, phone, fullName, null, null, null, null);
    }

    private static JsonNode object(String json) {
        return parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode parse(byte[] json) {
        try {
            return Json.mapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A test flow's step as the engine would show it: only the input data and the times matter here. */
    private record Step(FlowInputData inputData) implements StepContext {
        @Override
        public String consumerId() {
            return "acme";
        }

        @Override
        public String personId() {
            return "person-0001";
        }

        @Override
        public String flowId() {
            return "01KMWYGEEVW2TH4Q4SFFFFFFF5-F";
        }

        @Override
        public String sessionId() {
            return "01KMWYGEEVW2TH4Q4SFFFFFFF6-S";
        }

        @Override
        public String stepId() {
            return "step-1";
        }

        @Override
        public Instant openedAt() {
            return OPENED;
        }

        @Override
        public int attempt() {
            return 1;
        }

        @Override
        public int timeoutSeconds() {
            return 300;
        }

        @Override
        public boolean testFlow() {
            return true;
        }

        @Override
        public String locale() {
            return "en";
        }

        @Override
        public Map<String, JsonNode> options() {
            return Map.of();
        }

        @Override
        public Device device() {
            return new Device(null, null);
        }

        @Override
        public Map<String, ObjectNode> earlierResults() {
            return Map.of();
        }

        @Override
        public Optional<StoredFile> flowFile(String label) {
            return Optional.empty();
        }

        @Override
        public Optional<StoredFile> personFile(String label) {
            return Optional.empty();
        }

        @Override
        public Optional<StoredFile> inputFile(String uploadId) {
            return Optional.empty();
        }

        @Override
        public InputStream openFile(StoredFile file) {
            throw new UnsupportedOperationException("no files in this test");
        }

        @Override
        public ObjectNode state() {
            return Json.mapper().createObjectNode();
        }

        @Override
        public Optional<Screen> screen() {
            return Optional.empty();
        }

        @Override
        public Optional<MockeryScript> sandboxScript() {
            return Optional.empty();
        }

        @Override
        public Instant now() {
            return NOW;
        }

        @Override
        public SecureRandom random() {
            return new SecureRandom();
        }
    }
}
