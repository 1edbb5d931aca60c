package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.StepsOnTheWire.refusedAtCreate;
import static dev.idflow.servlet.StepsOnTheWire.sessions;
import static dev.idflow.servlet.StepsOnTheWire.startOn;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.ServiceSession;
import dev.idflow.servlet.PersonDevice.Created;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code device-filter} through the client API: the page reports its device at start, the step decides
 * at once (the person sees the next step, or the flow's end), and the host reads why in the result.
 */
class DeviceFilterServiceTest {
    static TestServer server;
    static PersonDevice device;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/idflow");
        device = PersonDevice.testKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /**
     * A device-filter step with {@code options} and the default max_retries (5), then a consent: passing the
     * filter shows the consent.
     */
    private static Created flow(String options) throws Exception {
        return device.createFlow(newPerson(), "[{\"service_name\":\"device-filter\"," + options
                + "},{\"service_name\":\"consent\"}]");
    }

    private static void assertPassedTo(JsonNode state, Created flow, String deviceType, String platform) {
        assertThat(state.at("/current_step/service_name").asText()).as("the filter passed: the next step shows")
                .isEqualTo("consent");
        ServiceSession filter = sessions(server, flow.flowId()).get(0);
        assertThat(filter.status()).isEqualTo(ExecutionStatus.PASS);
        ObjectNode result = filter.result();
        assertThat(result.get("service_name").asText()).isEqualTo("device-filter");
        assertThat(result.get("service_status").asText()).isEqualTo("success");
        assertThat(result.path("device_type").asText(null)).isEqualTo(deviceType);
        assertThat(result.path("platform").asText(null)).isEqualTo(platform);
        assertThat(result.has("error_codes")).isFalse();
    }

    private static void assertFailedWith(JsonNode state, Created flow, String errorCode) {
        assertThat(state.get("flow_status").asText()).as("the filter failed the flow").isEqualTo("fail");
        assertThat(state.get("end_cause").asText()).isEqualTo("completed");
        assertThat(state.has("current_step")).isFalse();
        List<ServiceSession> all = sessions(server, flow.flowId());
        assertThat(all).as("a refused device is not retried: one session, whatever max_retries").hasSize(1)
                .allSatisfy(s -> assertThat(s.status()).isEqualTo(ExecutionStatus.FAIL));
        ObjectNode result = all.get(0).result();
        assertThat(result.get("service_status").asText()).isEqualTo("fail");
        assertThat(result.get("error_codes")).extracting(JsonNode::asText).containsExactly(errorCode);
    }

    @Test
    void anAllowedDeviceTypePassesAndTheResultNamesTheDevice() throws Exception {
        Created flow = flow("\"allow\":[\"mobile\"]");
        assertPassedTo(startOn(server, flow.vlinkId(), "mobile", "android"), flow, "mobile", "android");
    }

    @Test
    void aDeviceTypeThatIsNotAllowedFailsAsDenied() throws Exception {
        Created flow = flow("\"allow\":[\"mobile\"]");
        JsonNode state = startOn(server, flow.vlinkId(), "desktop", "web");
        assertFailedWith(state, flow, "device_denied");
        assertThat(sessions(server, flow.flowId()).get(0).result().get("device_type").asText()).isEqualTo("desktop");
    }

    @Test
    void withPlatformsTheAllowedTypeMustAlsoBeOnAnAllowedPlatform() throws Exception {
        Created android = flow("\"allow\":[\"mobile\"],\"platforms\":[\"ios\"]");
        assertFailedWith(startOn(server, android.vlinkId(), "mobile", "android"), android, "device_denied");
        Created ios = flow("\"allow\":[\"mobile\"],\"platforms\":[\"ios\"]");
        assertPassedTo(startOn(server, ios.vlinkId(), "mobile", "ios"), ios, "mobile", "ios");
        Created desktopIos = flow("\"allow\":[\"mobile\"],\"platforms\":[\"ios\"]");
        assertFailedWith(startOn(server, desktopIos.vlinkId(), "desktop", "ios"), desktopIos, "device_denied");
    }

    @Test
    void aDeniedDeviceTypeFailsAndAnyOtherPasses() throws Exception {
        Created desktop = flow("\"deny\":[\"desktop\"]");
        assertFailedWith(startOn(server, desktop.vlinkId(), "desktop", "web"), desktop, "device_denied");
        Created mobile = flow("\"deny\":[\"desktop\"]");
        assertPassedTo(startOn(server, mobile.vlinkId(), "mobile", "web"), mobile, "mobile", "web");
    }

    @Test
    void withPlatformsOnlyTheDeniedTypeOnThosePlatformsFails() throws Exception {
        Created web = flow("\"deny\":[\"mobile\"],\"platforms\":[\"web\"]");
        assertFailedWith(startOn(server, web.vlinkId(), "mobile", "web"), web, "device_denied");
        Created app = flow("\"deny\":[\"mobile\"],\"platforms\":[\"web\"]");
        assertPassedTo(startOn(server, app.vlinkId(), "mobile", "android"), app, "mobile", "android");
    }

    @Test
    void anUnknownDeviceFailsAnAllowListAsUnknownAndPassesADenyList() throws Exception {
        // a flow driven only through the API: the page reported nothing at start
        Created allow = flow("\"allow\":[\"mobile\",\"desktop\"]");
        assertFailedWith(startOn(server, allow.vlinkId(), null, null), allow, "device_unknown");
        assertThat(sessions(server, allow.flowId()).get(0).result().has("device_type")).isFalse();

        Created deny = flow("\"deny\":[\"mobile\",\"desktop\"]");
        assertPassedTo(startOn(server, deny.vlinkId(), null, null), deny, null, null);
    }

    @Test
    void aTypeWithoutItsPlatformIsUnknownWhenTheStepNamesPlatforms() throws Exception {
        Created allow = flow("\"allow\":[\"mobile\"],\"platforms\":[\"android\"]");
        assertFailedWith(startOn(server, allow.vlinkId(), "mobile", null), allow, "device_unknown");
        Created deny = flow("\"deny\":[\"mobile\"],\"platforms\":[\"android\"]");
        assertPassedTo(startOn(server, deny.vlinkId(), "mobile", null), deny, "mobile", null);
    }

    @Test
    void optionsOutsideTheRulesAreRefusedAtCreateNamingTheOption() throws Exception {
        assertThat(refusedAtCreate(server, "{\"service_name\":\"device-filter\"}", "template.pipeline[0].allow")
                .get("error_msg").asText()).contains("allow or deny");
        assertThat(refusedAtCreate(server, "{\"service_name\":\"device-filter\",\"allow\":[\"mobile\"],\"deny\":[\"desktop\"]}",
                "template.pipeline[0].deny").get("error_msg").asText()).contains("not both");
        refusedAtCreate(server, "{\"service_name\":\"device-filter\",\"allow\":[]}", "template.pipeline[0].allow");
        refusedAtCreate(server, "{\"service_name\":\"device-filter\",\"deny\":\"mobile\"}", "template.pipeline[0].deny");
        assertThat(refusedAtCreate(server, "{\"service_name\":\"device-filter\",\"allow\":[\"mobile\",\"tablet\"]}",
                "template.pipeline[0].allow[1]").get("error_msg").asText()).contains("mobile, desktop");
        assertThat(refusedAtCreate(server, "{\"service_name\":\"device-filter\",\"allow\":[\"mobile\"],\"platforms\":[\"windows\"]}",
                "template.pipeline[0].platforms[0]").get("error_msg").asText()).contains("android, ios, web");
        refusedAtCreate(server, "{\"service_name\":\"device-filter\",\"allow\":[\"mobile\"],\"platforms\":[]}",
                "template.pipeline[0].platforms");
    }
}
