package dev.idflow.storage.memory;

import static dev.idflow.core.spi.StorageFixtures.consumerId;
import static dev.idflow.core.spi.StorageFixtures.inputData;
import static dev.idflow.core.spi.StorageFixtures.minimalFlow;
import static dev.idflow.core.spi.StorageFixtures.template;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.model.Flow;
import org.junit.jupiter.api.Test;

/** The memory store shares a flow's immutable parts: what a caller changes in its Jackson trees never reaches it. */
class InMemoryFlowCopyTest {
    private final InMemoryFlowRepository repo = new InMemoryFlowRepository();

    private Flow flowWithTrees() {
        return minimalFlow(consumerId())
                .template(template("""
                        {"pipeline":[{"service_name":"liveness","files":{"a":1}}],
                         "ui":{"theme":"default","brand":{"c":"red"}},"extra":{"x":1}}"""))
                .inputData(inputData("""
                        {"iin":"900101300123","files":{"k":"v"}}"""))
                .build();
    }

    @Test
    void mutatingWhatWasInsertedOrReadNeverChangesTheStoredFlow() {
        Flow flow = flowWithTrees();
        repo.insert(flow);
        ((ObjectNode) flow.template().pipeline().get(0).options().get("files")).put("a", 2);
        ((ObjectNode) flow.template().ui().extras().get("brand")).put("c", "blue");
        ((ObjectNode) flow.template().extras().get("extra")).put("x", 2);
        ((ObjectNode) flow.inputData().extras().get("files")).put("k", "changed");

        Flow read = repo.findById(flow.flowId()).orElseThrow();
        assertThat(read.template().pipeline().get(0).options().get("files").get("a").asInt()).isEqualTo(1);
        assertThat(read.template().ui().extras().get("brand").get("c").asText()).isEqualTo("red");
        assertThat(read.template().extras().get("extra").get("x").asInt()).isEqualTo(1);
        assertThat(read.inputData().extras().get("files").get("k").asText()).isEqualTo("v");

        ((ObjectNode) read.template().pipeline().get(0).options().get("files")).put("a", 3);
        ((ObjectNode) read.template().extras().get("extra")).put("x", 3);
        ((ObjectNode) read.inputData().extras().get("files")).put("k", "again");
        Flow again = repo.findById(flow.flowId()).orElseThrow();
        assertThat(again.template().pipeline().get(0).options().get("files").get("a").asInt()).isEqualTo(1);
        assertThat(again.template().extras().get("extra").get("x").asInt()).isEqualTo(1);
        assertThat(again.inputData().extras().get("files").get("k").asText()).isEqualTo("v");
        assertThat(again).isEqualTo(read.toBuilder().template(again.template()).inputData(again.inputData()).build());
    }

    @Test
    void aFlowWithoutTreesIsSharedAsItIs() {
        Flow flow = minimalFlow(consumerId()).template(template("""
                {"pipeline":[{"service_name":"liveness"}]}""")).build();
        repo.insert(flow);
        assertThat(repo.findById(flow.flowId()).orElseThrow().template()).isSameAs(flow.template());
    }
}
