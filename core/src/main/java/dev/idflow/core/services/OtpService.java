package dev.idflow.core.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Crypto;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.MockeryScript;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.InputRejected;
import dev.idflow.core.spi.MessageSender;
import dev.idflow.core.spi.PersonInput;
import dev.idflow.core.spi.Screen;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code otp}: a one-time code sent to the person ({@code channel} sms → input_data {@code phone_number},
 * email → input_data {@code email}; {@code length} digits, 6 by default), which they type back. The code
 * lives 5 minutes and allows 5 wrong tries; a new one may be asked for 60 s after the last was sent
 * (a new code, a new life, the tries back to 5). The session keeps only a salted, peppered HMAC of the code, never
 * the code; the message goes out through the host's {@link MessageSender} once the decision that made
 * the code is committed, so the code sent is always the code stored. A test flow sends nothing: its
 * code is {@code 000000} (of the step's length) unless the sandbox script gives a {@code code}.
 *
 * <p>A wrong code uses a try, committed, and is answered 422 {@code wrong_code}; the last wrong try
 * fails the session ({@code otp_tries_exhausted}): a retry session, while {@code max_retries} allows,
 * sends a fresh code. A flow without the address fails the step ({@code no_destination}).
 */
public final class OtpService implements FlowService {
    public static final String NAME = "otp";
    static final int DEFAULT_LENGTH = 6;
    static final int MIN_LENGTH = 4;
    static final int MAX_LENGTH = 8;
    static final int TRIES = 5;
    static final Duration LIFE = Duration.ofMinutes(5);
    static final Duration RESEND_AFTER = Duration.ofSeconds(60);
    /**
     * Codes one session may send, the first included: a person who lost a code gets a few more, a script
     * that keeps pressing "resend" (SMS pumping, paid by the bank) does not get one a minute for the
     * step's whole life. A retry session, after the tries ran out, starts again.
     */
    static final int MAX_CODES = 5;
    private static final int SALT_BYTES = 16;

    private final MessageSender sender;
    private final byte[] pepper;

    /**
     * {@code sender}: the host's; null when it has none (live flows then cannot name this service).
     * {@code pepper}: the server's secret the codes are hashed under, with each code's own salt: a copy
     * of the database alone (salt and hash) does not let anyone try the million codes offline.
     */
    public OtpService(MessageSender sender, byte[] pepper) {
        this.sender = sender;
        if (pepper == null || pepper.length < 32) {
            throw new IllegalArgumentException("pepper: must be at least 32 bytes");
        }
        this.pepper = pepper.clone();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> checkOptions(Map<String, JsonNode> options) {
        List<String> problems = new ArrayList<>();
        String channel = Destinations.channelProblem(options);
        if (channel != null) {
            problems.add(channel);
        }
        JsonNode length = options.get("length");
        if (length != null && !length.isNull()
                && (!length.isIntegralNumber() || length.asLong() < MIN_LENGTH || length.asLong() > MAX_LENGTH)) {
            problems.add("length: must be a whole number from " + MIN_LENGTH + " to " + MAX_LENGTH);
        }
        return problems;
    }

    @Override
    public boolean availableIn(boolean testFlow) {
        return testFlow || sender != null;
    }

    @Override
    public StepDecision open(StepContext step) {
        String channel = Destinations.channel(step.options());
        String to = Destinations.of(step.inputData(), channel);
        if (to == null) {
            ObjectNode result = result("fail", channel, null);
            result.putArray("error_codes").add("no_destination");
            return StepDecision.fail(result);
        }
        return issue(step, channel, to, 1);
    }

    @Override
    public StepDecision act(StepContext step, PersonInput input) {
        ObjectNode state = step.state();
        if (!state.hasNonNull("hash")) {
            throw new IllegalStateException("otp session " + step.sessionId() + " has no code");
        }
        String channel = Destinations.channel(step.options());
        String to = Destinations.of(step.inputData(), channel);
        if (input instanceof PersonInput.Submit submit) {
            return verify(step, state, channel, to, submit.body().get("code"));
        }
        if (input instanceof PersonInput.Resend) {
            Instant resendAt = Instant.parse(state.get("resend_at").asText());
            if (step.now().isBefore(resendAt)) {
                long wait = (Duration.between(step.now(), resendAt).toMillis() + 999) / 1000;
                throw InputRejected.tooSoon("code", wait, "a new code can be sent in " + wait + " s");
            }
            int sent = state.path("codes_sent").asInt(1);
            if (sent >= MAX_CODES) {
                throw InputRejected.invalid("code", "too_many", "no new code: this step has sent " + sent
                        + " codes, the most it may send");
            }
            return issue(step, channel, to, sent + 1);
        }
        throw InputRejected.unexpected(NAME, input);
    }

    private StepDecision verify(StepContext step, ObjectNode state, String channel, String to, JsonNode given) {
        int length = length(step.options());
        if (given == null || given.isNull() || (given.isTextual() && given.asText().isBlank())) {
            throw InputRejected.invalid("code", "required", "is required: the code the person received");
        }
        if (!given.isTextual()) {
            throw InputRejected.invalid("code", "type", "must be a string of digits");
        }
        String code = given.asText().replaceAll("\\s", "");
        if (!code.matches("[0-9]+")) {
            throw InputRejected.invalid("code", "pattern", "must be digits only");
        }
        if (code.length() != length) {
            throw InputRejected.invalid("code", "length", "must be " + length + " digits");
        }
        // a malformed or late answer uses no try: only a well-formed code within its life is compared
        if (!step.now().isBefore(Instant.parse(state.get("expires_at").asText()))) {
            throw InputRejected.invalid("code", "expired", "has expired: ask for a new one");
        }
        if (Crypto.constantTimeEquals(hash(state.get("salt").asText(), code), state.get("hash").asText())) {
            return StepDecision.pass(result("success", channel, to));
        }
        int left = state.get("tries_left").asInt() - 1;
        if (left <= 0) {
            ObjectNode result = result("fail", channel, to);
            result.putArray("error_codes").add("otp_tries_exhausted");
            return StepDecision.fail(result).rejecting(
                    InputRejected.invalid("code", "wrong_code", "is wrong, and no try is left: the step failed"));
        }
        state.put("tries_left", left);
        return StepDecision.awaitPerson(screen(channel, to, length, state), state).rejecting(InputRejected.invalid(
                "code", "wrong_code", "is wrong; " + left + (left == 1 ? " try" : " tries") + " left"));
    }

    /**
     * A new code: its salted hash, life, cooldown and tries in the session's state, the message in an
     * effect. Pure: a decision lost to another request's commit is made again with another code, and
     * only the committed decision's message is sent.
     */
    private StepDecision issue(StepContext step, String channel, String to, int codesSent) {
        int length = length(step.options());
        String code = step.testFlow() ? sandboxCode(step.sandboxScript(), length) : randomCode(step, length);
        byte[] salt = new byte[SALT_BYTES];
        step.random().nextBytes(salt);
        String saltText = Base64.getEncoder().encodeToString(salt);
        ObjectNode state = Json.mapper().createObjectNode()
                .put("salt", saltText)
                .put("hash", hash(saltText, code))
                .put("expires_at", step.now().plus(LIFE).toString())
                .put("resend_at", step.now().plus(RESEND_AFTER).toString())
                .put("tries_left", TRIES)
                .put("codes_sent", codesSent);
        StepDecision decision = StepDecision.awaitPerson(screen(channel, to, length, state), state);
        if (step.testFlow()) {
            return decision; // the sandbox reaches nobody
        }
        if (sender == null) {
            throw new IllegalStateException("otp in a live flow needs a MessageSender (Idflow.builder().messageSender)");
        }
        MessageSender.Message message = new MessageSender.Message(step.consumerId(), step.flowId(), step.sessionId(),
                NAME, channel, to, step.locale(), text(step.locale(), code));
        return decision.then(() -> sender.send(message));
    }

    private static Screen screen(String channel, String to, int length, ObjectNode state) {
        return Screen.of("otp").with("channel", channel).with("destination", Destinations.mask(channel, to))
                .with("length", length).with("expires_at", state.get("expires_at").asText())
                .with("resend_at", state.get("resend_at").asText()).with("tries_left", state.get("tries_left").asInt());
    }

    private static ObjectNode result(String status, String channel, String to) {
        ObjectNode result = Json.mapper().createObjectNode().put("service_name", NAME).put("service_status", status)
                .put("channel", channel);
        if (to != null) {
            result.put("destination", Destinations.mask(channel, to));
        }
        return result;
    }

    static int length(Map<String, JsonNode> options) {
        JsonNode length = options.get("length");
        return length == null || length.isNull() ? DEFAULT_LENGTH : length.asInt();
    }

    private static String randomCode(StepContext step, int length) {
        StringBuilder code = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            code.append((char) ('0' + step.random().nextInt(10)));
        }
        return code.toString();
    }

    /** A test flow's code: the script's {@code code} when it has the step's length, else all zeros. */
    static String sandboxCode(Optional<MockeryScript> script, int length) {
        String scripted = script.map(s -> s.result().path("code").asText(null)).orElse(null);
        return scripted != null && scripted.matches("[0-9]{" + length + "}") ? scripted : "0".repeat(length);
    }

    /** Lowercase hex of HMAC-SHA256 keyed with the server's pepper over salt and code: what the session keeps. */
    private String hash(String salt, String code) {
        return Crypto.hmacSha256Hex(pepper, salt + ":" + code);
    }

    /** The message with the code, in the flow's language. */
    static String text(String locale, String code) {
        long minutes = LIFE.toMinutes();
        return switch (locale == null ? "en" : locale) {
            case "kk" -> "Сіздің кодыңыз: " + code + ". Ол " + minutes + " минут жарамды. Кодты ешкімге айтпаңыз.";
            case "ru" -> "Ваш код: " + code + ". Он действует " + minutes + " минут. Никому не сообщайте его.";
            default -> "Your code: " + code + ". It is valid for " + minutes + " minutes. Do not share it with anyone.";
        };
    }
}
