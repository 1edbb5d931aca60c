package dev.idflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a client sends in a pipeline, a ui or input_data comes back as sent through {@link Json#mapper()}:
 * real clients put per-service options beside the spec's fields and expect to read them back.
 */
class JsonRoundTripTest {
    private static final ObjectMapper JSON = Json.mapper();

    @Test
    void aTemplateKeepsUnknownPropertiesAtEveryLevel() throws Exception {
        String sent = """
                {"pipeline":[
                   {"service_name":"verilive","native":false},
                   {"service_name":"esign","action":"sign","files":[{"label":"x","n":1.50}],"timeout":600},
                   {"service_name":"consent","text":"Я согласен","opt":null}],
                 "ui":{"theme":"bts","brand_color":"#112233","translation":{"ru":{"title":"Привет"}}},
                 "status_page":false,
                 "vendor":{"deep":[1,{"a":null}]}}""";

        FlowTemplate template = JSON.readValue(sent, FlowTemplate.class);

        // a property sent as null is an absent one (answers omit absent values); nested content is kept as is
        com.fasterxml.jackson.databind.node.ObjectNode expected = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(sent);
        ((com.fasterxml.jackson.databind.node.ObjectNode) expected.get("pipeline").get(2)).remove("opt");
        assertThat(JSON.readTree(JSON.writeValueAsString(template))).isEqualTo(expected);
        assertThat(template.pipeline().get(0).options()).containsOnlyKeys("native");
        assertThat(template.pipeline().get(1).options()).containsOnlyKeys("action", "files");
        assertThat(template.pipeline().get(1).timeout()).isEqualTo(600);
        assertThat(template.ui().extras()).containsOnlyKeys("brand_color");
        assertThat(template.extras()).containsOnlyKeys("vendor");
    }

    @Test
    void aStepKeepsItsOptionsOnItsOwn() throws Exception {
        String sent = """
                {"service_name":"esign","action":"sign","files":[{"label":"x","n":1.50}],"max_retries":2}""";

        PipelineStep step = JSON.readValue(sent, PipelineStep.class);

        assertThat(JSON.readTree(JSON.writeValueAsString(step))).isEqualTo(JSON.readTree(sent));
        assertThat(step.serviceName()).isEqualTo("esign");
        assertThat(step.maxRetries()).isEqualTo(2);
        assertThat(step.options().get("action").asText()).isEqualTo("sign");
    }

    @Test
    void inputDataKeepsFieldsTheSpecDoesNotName() throws Exception {
        String sent = """
                {"iin":"880101300123","full_name":"Айгерим","org_name":"ТОО",
                 "files":[{"label":"contract","session_id":"01KMWYGEEVW2TH4Q4SFFFFFFF5-S"}],"amount":10.00}""";

        FlowInputData input = JSON.readValue(sent, FlowInputData.class);

        assertThat(JSON.readTree(JSON.writeValueAsString(input))).isEqualTo(JSON.readTree(sent));
        assertThat(input.iin()).isEqualTo("880101300123");
        assertThat(input.fullName()).isEqualTo("Айгерим");
        assertThat(input.extras()).containsOnlyKeys("files", "amount");
    }

    @Test
    void theUiKeepsUnknownProperties() throws Exception {
        String sent = """
                {"theme":"default","logo_url":"https://bank.example/l.png","css":"a{}",
                 "translation":{"kk":{"start":"Бастау"}},"dark_mode":true,"fonts":["Inter"]}""";

        FlowUi ui = JSON.readValue(sent, FlowUi.class);

        assertThat(JSON.readTree(JSON.writeValueAsString(ui))).isEqualTo(JSON.readTree(sent));
        assertThat(ui.translation()).containsEntry("kk", Map.of("start", "Бастау"));
        assertThat(ui.extras()).containsOnlyKeys("dark_mode", "fonts");
    }

    @Test
    void decimalsComeBackWithTheDigitsSent() throws Exception {
        String sent = """
                {"service_name":"esign","n":1.50,"amount":10.00,"zero":0.000,"big":12345678901234567890.10}""";

        String written = JSON.writeValueAsString(JSON.readValue(sent, PipelineStep.class));

        assertThat(written).contains("\"n\":1.50", "\"amount\":10.00", "\"zero\":0.000",
                "\"big\":12345678901234567890.10");
    }

    @Test
    void withDefaultsFillsOnlyWhatTheClientLeftOut() throws Exception {
        FlowTemplate template = JSON.readValue("""
                {"pipeline":[
                   {"service_name":"verilive","native":false},
                   {"service_name":"kisc","allow_failure":true,"timeout":60,"max_retries":1}]}""",
                FlowTemplate.class);

        FlowTemplate filled = template.withDefaults();

        PipelineStep first = filled.pipeline().get(0);
        assertThat(first.allowFailure()).isFalse();
        assertThat(first.timeout()).isEqualTo(300);
        assertThat(first.maxRetries()).isEqualTo(5);
        assertThat(first.options().get("native").booleanValue()).isFalse();
        PipelineStep second = filled.pipeline().get(1);
        assertThat(second.allowFailure()).isTrue();
        assertThat(second.timeout()).isEqualTo(60);
        assertThat(second.maxRetries()).isEqualTo(1);
        assertThat(JSON.readTree(JSON.writeValueAsString(filled.pipeline().get(0)))).isEqualTo(JSON.readTree("""
                {"service_name":"verilive","allow_failure":false,"timeout":300,"max_retries":5,"native":false}"""));
    }

    @Test
    void withDefaultsKeepsTheUiStatusPageAndExtras() throws Exception {
        String sent = """
                {"pipeline":[{"service_name":"consent"}],"ui":{"theme":"bts","x":1},"status_page":true,"y":[2]}""";

        FlowTemplate filled = JSON.readValue(sent, FlowTemplate.class).withDefaults();

        JsonNode written = JSON.readTree(JSON.writeValueAsString(filled));
        assertThat(written.get("ui")).isEqualTo(JSON.readTree("{\"theme\":\"bts\",\"x\":1}"));
        assertThat(written.get("status_page").booleanValue()).isTrue();
        assertThat(written.get("y")).isEqualTo(JSON.readTree("[2]"));
    }

    @Test
    void absentFieldsAreOmittedNotWrittenAsNull() throws Exception {
        FlowTemplate template = FlowTemplate.of(PipelineStep.of("verilive"));
        FlowInputData input = new FlowInputData("880101300123", null, null, null, null, null, null);
        FlowUi ui = new FlowUi("bts", null, null, null, null, null);

        assertThat(JSON.writeValueAsString(template)).isEqualTo("{\"pipeline\":[{\"service_name\":\"verilive\"}]}");
        assertThat(JSON.writeValueAsString(input)).isEqualTo("{\"iin\":\"880101300123\"}");
        assertThat(JSON.writeValueAsString(ui)).isEqualTo("{\"theme\":\"bts\"}");
    }

    @Test
    void aFieldSentAsNullIsOmittedLikeAnAbsentOne() throws Exception {
        PipelineStep step = JSON.readValue("""
                {"service_name":"kisc","timeout":null,"allow_failure":null,"custom":null}""", PipelineStep.class);

        assertThat(step.timeout()).isNull();
        assertThat(JSON.readTree(JSON.writeValueAsString(step)))
                .isEqualTo(JSON.readTree("{\"service_name\":\"kisc\"}"));
    }

    @Test
    void keptJsonCannotBeChangedThroughWhatWasSent() throws Exception {
        ObjectNode files = (ObjectNode) JSON.readTree("{\"label\":\"x\"}");
        PipelineStep step = new PipelineStep("esign", null, null, null, Map.of("files", files));

        files.put("label", "changed");

        assertThat(step.options().get("files").get("label").asText()).isEqualTo("x");
        assertThat(List.copyOf(step.options().keySet())).containsExactly("files");
    }
}
