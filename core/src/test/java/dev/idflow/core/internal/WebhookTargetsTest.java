package dev.idflow.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WebhookTargetsTest {

    @ParameterizedTest
    @CsvSource({
            "127.0.0.1, loopback", "127.8.9.10, loopback", "::1, loopback", "::ffff:127.0.0.1, loopback",
            "10.0.0.1, private", "172.16.0.1, private", "172.31.255.255, private", "192.168.1.1, private",
            "100.64.0.1, private", "fc00::1, private", "fdab:1234::1, private",
            "169.254.10.10, link-local", "fe80::1, link-local",
            "169.254.169.254, metadata", "100.100.100.200, metadata", "fd00:ec2::254, metadata",
            "224.0.0.1, multicast", "239.255.255.250, multicast", "ff02::1, multicast", "255.255.255.255, multicast",
            "0.0.0.0, unspecified", "::, unspecified", "0.1.2.3, unspecified",
            "::ffff:10.0.0.1, private", "64:ff9b::a9fe:a9fe, metadata",
    })
    void namesEveryAddressThatIsNotPublic(String address, String kind) throws Exception {
        assertThat(WebhookTargets.kind(InetAddress.getByName(address))).isEqualTo(kind);
    }

    @ParameterizedTest
    @CsvSource({"93.184.216.34", "8.8.8.8", "172.32.0.1", "172.15.255.255", "100.128.0.1", "2001:db8::1",
            "2a00:1450:4001:81c::200e", "192.169.0.1"})
    void publicAddressesHaveNoKind(String address) throws Exception {
        assertThat(WebhookTargets.kind(InetAddress.getByName(address))).isNull();
    }

    private static WebhookTargets targets(boolean loopback, boolean privateNets, boolean http) {
        return new WebhookTargets(new WebhookTargets.Policy(loopback, privateNets, http), host -> switch (host) {
            case "public.example" -> new InetAddress[] {InetAddress.getByName("93.184.216.34")};
            case "local.example" -> new InetAddress[] {InetAddress.getByName("127.0.0.1")};
            case "mixed.example" -> new InetAddress[] {InetAddress.getByName("127.0.0.1"),
                    InetAddress.getByName("93.184.216.34")};
            case "lan.example" -> new InetAddress[] {InetAddress.getByName("192.168.7.7")};
            default -> {
                if (host.matches("[0-9.]+|.*:.*")) { // an address literal: no DNS asked
                    yield InetAddress.getAllByName(host);
                }
                throw new UnknownHostException(host);
            }
        });
    }

    @Test
    void httpsToAPublicAddressIsTheOnlyTargetOfAStrictHost() throws Exception {
        WebhookTargets strict = targets(false, false, false);
        assertThat(strict.check("https://public.example/hook").getHost()).isEqualTo("public.example");
        assertThatThrownBy(() -> strict.check("http://public.example/hook")).hasMessageStartingWith("url: must use https");
        assertThatThrownBy(() -> strict.check("https://local.example/hook")).hasMessageContaining("loopback address 127.0.0.1");
        assertThatThrownBy(() -> strict.check("https://mixed.example/hook")).as("any address counts")
                .hasMessageContaining("loopback");
        assertThatThrownBy(() -> strict.check("https://lan.example/hook")).hasMessageContaining("private address 192.168.7.7");
        assertThatThrownBy(() -> strict.check("https://nowhere.example/hook"))
                .hasMessage("url: host nowhere.example does not resolve");
        assertThatThrownBy(() -> strict.check("https://public.example/hook#x")).hasMessage("url: must not have a fragment");
        assertThatThrownBy(() -> strict.check("/relative")).hasMessageStartingWith("url: must be an absolute");
        assertThatThrownBy(() -> strict.check(null)).hasMessage("url: is required");
        assertThatThrownBy(() -> strict.check("https://public.example/" + "a".repeat(2048)))
                .hasMessage("url: must be at most 2048 characters");
    }

    @Test
    void theHostsAllowancesOpenWhatTheySay() throws Exception {
        WebhookTargets loopback = targets(true, false, false);
        assertThat(loopback.check("http://local.example:8080/hook")).isNotNull();
        assertThatThrownBy(() -> loopback.check("http://mixed.example/hook")).as("http only when every address is loopback")
                .hasMessageStartingWith("url: must use https");
        assertThatThrownBy(() -> loopback.check("https://lan.example/hook")).hasMessageContaining("private");

        WebhookTargets lan = targets(false, true, false);
        assertThat(lan.check("https://lan.example/hook")).isNotNull();
        assertThatThrownBy(() -> lan.check("http://lan.example/hook")).hasMessageStartingWith("url: must use https");
        assertThatThrownBy(() -> lan.check("https://169.254.169.254/")).hasMessageContaining("never a webhook target");

        WebhookTargets http = targets(false, false, true);
        assertThat(http.check("http://public.example/hook")).isNotNull();
        assertThatThrownBy(() -> http.check("http://local.example/hook")).hasMessageContaining("loopback");
    }
}
