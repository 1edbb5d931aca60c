package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.assertError;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.servlet.TestServer.Headers;
import dev.idflow.servlet.TestServer.Multipart;
import dev.idflow.servlet.TestServer.Reply;
import java.util.List;

/**
 * What the built-in services' tests share: the page's start with the device it reports, an upload to a
 * step, a flow refused at create for a step's options, and the host's view of a flow's sessions (their
 * results are the host's to read through the Java API: the spec puts only verilive results on the wire).
 */
final class StepsOnTheWire {
    private StepsOnTheWire() {
    }

    /** {@code POST /hf/{vlink}/api/start} with the device the page reports. */
    static Reply startOnReply(TestServer server, String vlinkId, String deviceType, String platform) throws Exception {
        StringBuilder body = new StringBuilder("{");
        if (deviceType != null) {
            body.append("\"device_type\":\"").append(deviceType).append('"');
        }
        if (platform != null) {
            body.append(body.length() > 1 ? "," : "").append("\"platform\":\"").append(platform).append('"');
        }
        return server.postJson("/hf/" + vlinkId + "/api/start", new Headers(), body.append('}').toString());
    }

    static JsonNode startOn(TestServer server, String vlinkId, String deviceType, String platform) throws Exception {
        return PersonDevice.clientOk(startOnReply(server, vlinkId, deviceType, platform));
    }

    /** {@code POST /hf/{vlink}/api/steps/{step}/files}: the whole answer of an upload screen. */
    static Reply uploadReply(TestServer server, String vlinkId, String stepId, Multipart files) throws Exception {
        return server.postMultipart("/hf/" + vlinkId + "/api/steps/" + stepId + "/files", new Headers(), files);
    }

    /** A flow of one step refused at create: 422 naming the step's option by its path in the request. */
    static JsonNode refusedAtCreate(TestServer server, String step, String path) throws Exception {
        Reply reply = server.postJson("/flow", Headers.test(TestServer.TEST_KEY),
                "{\"person_id\":\"" + ApiAssertions.newPerson() + "\",\"template\":{\"pipeline\":[" + step + "]}}");
        return assertError(reply, 422, "INVALID_PAYLOAD", path);
    }

    /** The flow's sessions as the host reads them through the Java API, oldest first. */
    static List<ServiceSession> sessions(TestServer server, String flowId) {
        return server.idflow.storage().sessions().findByFlowId(flowId);
    }

    /** The newest session of the flow. */
    static ServiceSession last(TestServer server, String flowId) {
        List<ServiceSession> all = sessions(server, flowId);
        return all.get(all.size() - 1);
    }
}
