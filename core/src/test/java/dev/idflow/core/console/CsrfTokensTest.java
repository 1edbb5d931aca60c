package dev.idflow.core.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The console's CSRF tokens: bound to a principal, to the key, to their issue time and its 12 h validity. */
class CsrfTokensTest {
    static final byte[] KEY = "a console key of thirty-two bytes".getBytes(StandardCharsets.UTF_8);
    static final Instant T0 = Instant.parse("2026-12-03T07:00:00Z");
    final CsrfTokens tokens = new CsrfTokens(KEY);

    @Test
    void aFreshTokenIsAcceptedForItsPrincipalUntilItsValidityEnds() {
        String token = tokens.issue("alice", T0);
        assertThat(token).matches("[0-9]+\\.[0-9a-f]{64}").startsWith(T0.getEpochSecond() + ".");
        assertThat(tokens.valid("alice", token, T0)).isTrue();
        assertThat(tokens.valid("alice", token, T0.plus(CsrfTokens.VALIDITY))).as("last second").isTrue();
        assertThat(tokens.valid("alice", token, T0.plus(CsrfTokens.VALIDITY).plusSeconds(1))).as("expired").isFalse();
        assertThat(CsrfTokens.VALIDITY).isEqualTo(Duration.ofHours(12)).isEqualTo(ConsoleApi.CSRF_VALIDITY);
    }

    @Test
    void anotherPrincipalsOrAnotherKeysTokenIsRefused() {
        String token = tokens.issue("alice", T0);
        assertThat(tokens.valid("bob", token, T0)).isFalse();
        assertThat(tokens.valid("alice\n", token, T0)).isFalse();
        CsrfTokens otherKey = new CsrfTokens("another console key, 32 bytes..".getBytes(StandardCharsets.UTF_8));
        assertThat(otherKey.valid("alice", token, T0)).isFalse();
        assertThat(new CsrfTokens(KEY).valid("alice", token, T0)).as("another node, same key").isTrue();
    }

    @Test
    void aTamperedIssueTimeIsRefused() {
        String token = tokens.issue("alice", T0);
        String mac = token.substring(token.indexOf('.') + 1);
        long later = T0.getEpochSecond() + 3600;
        assertThat(tokens.valid("alice", later + "." + mac, T0.plusSeconds(3600))).isFalse();
        assertThat(tokens.valid("alice", "0" + token, T0)).as("another spelling of the same time").isFalse();
        assertThat(tokens.valid("alice", "+" + token, T0)).isFalse();
    }

    @Test
    void aTokenFromTheFutureIsRefusedBeyondTheSkew() {
        Instant ahead = T0.plus(CsrfTokens.FUTURE_SKEW);
        assertThat(tokens.valid("alice", tokens.issue("alice", ahead), T0)).as("within the skew").isTrue();
        assertThat(tokens.valid("alice", tokens.issue("alice", ahead.plusSeconds(1)), T0)).isFalse();
    }

    @Test
    void garbageIsRefused() {
        String token = tokens.issue("alice", T0);
        for (String bad : new String[] {null, "", ".", token.substring(token.indexOf('.')), token.replace('.', ':'),
                "x." + token.substring(token.indexOf('.') + 1), token + "0", token.substring(0, token.length() - 1),
                token.toUpperCase(), "-1." + token.substring(token.indexOf('.') + 1), "9".repeat(30) + token}) {
            assertThat(tokens.valid("alice", bad, T0)).as(String.valueOf(bad)).isFalse();
        }
        assertThat(tokens.valid(null, token, T0)).isFalse();
    }
}
