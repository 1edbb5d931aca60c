package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertError;
import static dev.idflow.servlet.ApiAssertions.assertSuccess;
import static dev.idflow.servlet.ApiAssertions.flowBody;
import static dev.idflow.servlet.ApiAssertions.json;
import static dev.idflow.servlet.ApiAssertions.newPerson;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.Idflow;
import dev.idflow.core.testing.SettableClock;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Reply;
import dev.idflow.storage.memory.InMemoryStorage;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

/** The servlet mounted at the root, under a path, twice in one JVM; and the OpenAPI document it serves. */
class MountingAndOpenApiTest {

    private static void createAndReadAFlow(TestServer server) throws Exception {
        String flowId = assertSuccess(server.postJson("/flow", server.live("/flow"), flowBody(newPerson(), "verilive")), 201)
                .get("flow_id").asText();
        JsonNode flow = assertSuccess(server.get("/flow/" + flowId, server.live("/flow/" + flowId)), 200);
        assertThat(flow.get("vlink").asText()).startsWith(server.baseUrl + "/hf/");
        String result = "/flow/" + flowId + "/result";
        assertError(server.get(result, server.live(result)), 404, "FLOW_NOT_STARTED", "flow_id");
    }

    @Test
    void theApiWorksMountedAtTheRoot() throws Exception {
        try (TestServer server = new TestServer("")) {
            assertThat(server.baseUrl).doesNotEndWith("/kyc");
            createAndReadAFlow(server);
        }
    }

    @Test
    void theApiWorksMountedUnderAPath() throws Exception {
        try (TestServer server = new TestServer("/kyc")) {
            createAndReadAFlow(server);
            // outside the mount there is no idflow
            HttpResponse<String> outside = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(server.baseUrl.replace("/kyc", "") + "/flow")).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(outside.statusCode()).isEqualTo(404);
        }
    }

    @Test
    void theApiWorksMountedUnderANestedPath() throws Exception {
        try (TestServer server = new TestServer("/bank/portal/kyc")) {
            createAndReadAFlow(server);
            assertError(server.postJson("/flow", server.live("/bank/portal/kyc/flow"), flowBody(newPerson(), "verilive")),
                    401, "UNAUTHORIZED", "X-Verigram-Hmac-SHA256");
        }
    }

    @Test
    void twoServletsWithTwoIdflowsInOneJvmDoNotSeeEachOthersData() throws Exception {
        Server jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        jetty.setHandler(context);
        Idflow[] idflows = new Idflow[2];
        String[] mounts = {"/retail", "/business"};
        for (int i = 0; i < 2; i++) {
            idflows[i] = Idflow.builder().storage(new InMemoryStorage()).clock(SettableClock.startingNow())
                    .publicBaseUrl("https://bank.example" + mounts[i]).secretKey(new byte[32]).build();
            // the same consumer and key in both: only the Idflow object tells them apart
            idflows[i].registerConsumer("acme", "Acme Bank");
            idflows[i].addTestKey("acme", TestServer.TEST_KEY);
        }
        context.addServlet(new org.eclipse.jetty.ee10.servlet.ServletHolder(new IdflowServlet(idflows[0])), "/retail/*");
        IdflowServlet second = new IdflowServlet(idflows[1]);
        org.eclipse.jetty.ee10.servlet.ServletHolder holder = new org.eclipse.jetty.ee10.servlet.ServletHolder(second);
        holder.getRegistration().setMultipartConfig(IdflowServlet.multipartConfig(1 << 20));
        context.addServlet(holder, "/business/*");
        jetty.start();
        try {
            String base = "http://127.0.0.1:" + connector.getLocalPort();
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/retail/flow"))
                    .headers("X-Verigram-Api-Key", TestServer.TEST_KEY, "X-Verigram-Api-Version", "2",
                            "Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(flowBody(newPerson(), "verilive"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).isEqualTo(201);
            JsonNode body = ApiAssertions.JSON.readTree(created.body());
            assertThat(body.get("vlink").asText()).startsWith("https://bank.example/retail/hf/");
            String flowId = body.get("flow_id").asText();

            assertThat(get(http, base + "/retail/flow/" + flowId).statusCode()).isEqualTo(200);
            HttpResponse<String> elsewhere = get(http, base + "/business/flow/" + flowId);
            assertThat(elsewhere.statusCode()).isEqualTo(404);
            assertThat(ApiAssertions.JSON.readTree(elsewhere.body()).get("error_code").asText()).isEqualTo("NOT_FOUND");
            assertThat(idflows[1].storage().flows().findById(flowId)).isEmpty();
            // each serves its own document, pointing at its own installation
            assertThat(ApiAssertions.JSON.readTree(get(http, base + "/business/openapi.json").body()).at("/servers/0/url").asText())
                    .isEqualTo("https://bank.example/business");
        } finally {
            jetty.stop();
        }
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url))
                .headers("X-Verigram-Api-Key", TestServer.TEST_KEY, "X-Verigram-Api-Version", "2").GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    // ---- GET /openapi.json ----

    @Test
    void theServedOpenApiDocumentParsesWithoutAnyMessage() throws Exception {
        try (TestServer server = new TestServer("/kyc")) {
            Reply reply = server.get("/openapi.json", new Headers());
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.header("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
            assertThat(reply.header("X-Content-Type-Options")).hasValue("nosniff");

            ParseOptions options = new ParseOptions();
            options.setResolve(true);
            SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(reply.body(), null, options);

            assertThat(parsed.getMessages()).isEmpty();
            OpenAPI api = parsed.getOpenAPI();
            assertThat(api.getServers().get(0).getUrl()).isEqualTo(server.baseUrl);
            assertThat(api.getPaths()).containsKeys("/flow", "/flow/{flow_id}", "/flow/{flow_id}/result",
                    "/journal/session/{session_id}", "/liveness2/session", "/resources/file",
                    "/resources/storage", "/mockery/result");
            assertPathParameter(api.getPaths().get("/flow/{flow_id}"), "flow_id");
            assertPathParameter(api.getPaths().get("/flow/{flow_id}/result"), "flow_id");
            assertPathParameter(api.getPaths().get("/journal/session/{session_id}"), "session_id");

            List<Parameter> fileParameters = api.getPaths().get("/resources/file").getGet().getParameters().stream()
                    .map(p -> p.get$ref() == null ? p
                            : api.getComponents().getParameters().get(p.get$ref().substring(p.get$ref().lastIndexOf('/') + 1)))
                    .toList();
            Parameter flowId = fileParameters.stream().filter(p -> "flow_id".equals(p.getName())).findFirst().orElseThrow();
            assertThat(flowId.getRequired()).isNotEqualTo(Boolean.TRUE);
            assertThat(fileParameters.stream().filter(p -> "label".equals(p.getName())).findFirst().orElseThrow().getRequired())
                    .isTrue();
            assertThat(api.getPaths().get("/resources/storage").getPost()).isNotNull();
            assertThat(api.getPaths().get("/mockery/result").getPost()).isNotNull();

            // the Idempotency-Key header idflow adds to both creates, with its syntax
            for (String create : List.of("/flow", "/liveness2/session")) {
                Parameter key = api.getPaths().get(create).getPost().getParameters().stream()
                        .map(p -> p.get$ref() == null ? p
                                : api.getComponents().getParameters().get(p.get$ref().substring(p.get$ref().lastIndexOf('/') + 1)))
                        .filter(p -> "Idempotency-Key".equals(p.getName())).findFirst().orElseThrow();
                assertThat(key.getIn()).as(create).isEqualTo("header");
                assertThat(key.getRequired()).as(create).isNotEqualTo(Boolean.TRUE);
                assertThat(key.getSchema().getPattern()).isEqualTo("^[A-Za-z0-9._:-]{1,128}$");
                assertThat(key.getDescription()).contains("24 h", "422");
            }
        }
    }

    @Test
    void theServedDocumentIsTheSameAtTheRootMount() throws Exception {
        try (TestServer server = new TestServer("")) {
            Reply reply = server.get("/openapi.json", new Headers());
            assertThat(reply.status()).isEqualTo(200);
            assertThat(json(reply).at("/servers/0/url").asText()).isEqualTo(server.baseUrl);
            assertThat(new OpenAPIV3Parser().readContents(reply.body(), null, new ParseOptions()).getMessages()).isEmpty();
        }
    }

    private static void assertPathParameter(PathItem item, String name) {
        List<Parameter> parameters = new java.util.ArrayList<>();
        if (item.getParameters() != null) {
            parameters.addAll(item.getParameters());
        }
        item.readOperations().forEach(op -> {
            if (op.getParameters() != null) {
                parameters.addAll(op.getParameters());
            }
        });
        assertThat(parameters).anySatisfy(p -> {
            assertThat(p.getName()).isEqualTo(name);
            assertThat(p.getIn()).isEqualTo("path");
            assertThat(p.getRequired()).isTrue();
        });
    }
}
