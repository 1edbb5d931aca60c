package dev.idflow.testkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sandbox's scripts for a person, sent as a bank would: {@code POST /mockery/result} with the kit's
 * test key. A script decides the person's next sessions of that service in <b>test</b> flows (those made
 * with {@link IdflowServer#testKey()}); live flows never read one.
 */
public final class Mockery {
    private final KitHttp http;
    private final String testKey;
    private final Map<String, String> otpCodes = new ConcurrentHashMap<>();

    Mockery(KitHttp http, String testKey) {
        this.http = http;
        this.testKey = testKey;
    }

    /** The person's liveness attempts pass ({@code real}) or fail ({@code attack}). */
    public void liveness(String personId, ScriptedLiveness outcome) {
        script(personId, "{\"service_name\":\"verilive\",\"service_status\":\"" + outcome.serviceStatus() + "\"}");
    }

    /** The person's OTP code in test flows, instead of {@code 000000}; it must have the step's length. */
    public void otpCode(String personId, String code) {
        if (code == null || !code.matches("[0-9]{4,8}")) {
            throw new IllegalArgumentException("code: must be 4 to 8 digits, the otp step's length");
        }
        script(personId, "{\"service_name\":\"otp\",\"service_status\":\"success\",\"code\":\"" + code + "\"}");
        otpCodes.put(personId, code);
    }

    /** The outcome of any service for the person: e.g. {@code service(p, "kisc", "fail")}. */
    public void service(String personId, String serviceName, String serviceStatus) {
        script(personId, "{\"service_name\":\"" + serviceName + "\",\"service_status\":\"" + serviceStatus + "\"}");
    }

    /** A whole scripted result ({@code service_name}, {@code service_status} and the service's fields). */
    public void result(String personId, ObjectNode result) {
        script(personId, result.toString());
    }

    /** The OTP code {@link #otpCode} scripted for the person, else null. */
    String scriptedOtpCode(String personId) {
        return personId == null ? null : otpCodes.get(personId);
    }

    private void script(String personId, String result) {
        Objects.requireNonNull(personId, "personId");
        String body = "{\"person_id\":" + KitHttp.JSON.valueToTree(personId) + ",\"result\":" + result + "}";
        KitHttp.Reply reply = http.postJson("/mockery/result", body,
                "X-Verigram-Api-Key", testKey, "X-Verigram-Api-Version", "2.0.0");
        if (reply.status() != 200) {
            throw new IllegalArgumentException("the sandbox refused the script " + result + " for person " + personId
                    + ": " + reply.summary());
        }
    }
}
