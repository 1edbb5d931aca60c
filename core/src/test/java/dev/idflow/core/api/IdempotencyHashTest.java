package dev.idflow.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.junit.jupiter.api.Test;

/** The request hash an Idempotency-Key's row keeps: keyed, so a copy of the database cannot confirm a guess. */
class IdempotencyHashTest {
    private static final byte[] BODY = ("{\"person_id\":\"870412300415\",\"template\":{\"pipeline\":"
            + "[{\"service_name\":\"consent\"}]}}").getBytes(StandardCharsets.UTF_8);

    private static Idempotency under(byte first) {
        byte[] key = new byte[32];
        key[0] = first;
        return new Idempotency(null, Instant::now, null, 65536, key);
    }

    @Test
    void theHashIsAnHmacUnderTheHostsKeyNotTheBodysPlainDigest() {
        String keyed = under((byte) 1).requestHash("flow.create", BODY);
        assertThat(keyed).hasSize(64).matches("[0-9a-f]{64}");
        // the unkeyed digest, which anyone holding the row could recompute for a guessed IIN, is not what is kept
        assertThat(keyed).isNotEqualTo(Idempotency.legacyRequestHash("flow.create", BODY));
        // another host's key gives another hash; the same key the same one (every node shares it)
        assertThat(under((byte) 2).requestHash("flow.create", BODY)).isNotEqualTo(keyed);
        assertThat(under((byte) 1).requestHash("flow.create", BODY)).isEqualTo(keyed);
    }

    @Test
    void theSameMembersInAnotherOrderHashAlikeAndAnotherOperationDoesNot() {
        Idempotency idempotency = under((byte) 1);
        byte[] reordered = ("{ \"template\": {\"pipeline\":[{\"service_name\":\"consent\"}]}, "
                + "\"person_id\": \"870412300415\" }").getBytes(StandardCharsets.UTF_8);
        assertThat(idempotency.requestHash("flow.create", reordered)).isEqualTo(idempotency.requestHash("flow.create", BODY));
        assertThat(idempotency.requestHash("session.create", BODY)).isNotEqualTo(idempotency.requestHash("flow.create", BODY));
        // the legacy digest keeps its old canonical form too, so a row written before the keyed hash still matches
        assertThat(Idempotency.legacyRequestHash("flow.create", reordered)).isEqualTo(Idempotency.legacyRequestHash("flow.create", BODY));
    }
}
