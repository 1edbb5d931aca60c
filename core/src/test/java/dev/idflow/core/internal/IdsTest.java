package dev.idflow.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.f4b6a3.ulid.Ulid;
import dev.idflow.core.testing.SettableClock;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Ids of one millisecond tell nothing useful about each other: they rise (the stores' "newest" relies on
 * it) but by random steps, so one id does not lead to another.
 */
class IdsTest {
    private static final Instant ONE_MILLISECOND = Instant.parse("2026-03-01T10:00:00.123Z");

    @Test
    void aThousandFlowIdsOfOneMillisecondAreNotConsecutive() {
        Ids ids = new Ids(new SecureRandom(), new SettableClock(ONE_MILLISECOND));

        List<BigInteger> randomParts = IntStream.range(0, 1000).mapToObj(i -> ids.flowId())
                .map(id -> Ulid.from(id.substring(0, 26)))
                .peek(u -> assertThat(u.getInstant()).isEqualTo(ONE_MILLISECOND))
                .map(u -> new BigInteger(1, u.toBytes()).and(BigInteger.ONE.shiftLeft(80).subtract(BigInteger.ONE)))
                .toList();

        assertThat(randomParts).as("in the order made").isSorted();
        assertThat(new HashSet<>(randomParts)).hasSize(1000);
        Set<BigInteger> lowBitsOfSteps = new HashSet<>();
        for (int i = 1; i < randomParts.size(); i++) {
            BigInteger step = randomParts.get(i).subtract(randomParts.get(i - 1));
            // random steps of up to 2^63 are almost never below 2^32; a monotonic factory's are all 1
            assertThat(step).as("step %d", i).isGreaterThan(BigInteger.ONE.shiftLeft(32));
            lowBitsOfSteps.add(step.and(BigInteger.valueOf(0xFFFF)));
        }
        assertThat(lowBitsOfSteps).as("the steps differ: they are not one fixed stride").hasSizeGreaterThan(900);
    }

    @Test
    void idsOfLaterMillisecondsSortAfterEarlierOnes() {
        SettableClock clock = new SettableClock(ONE_MILLISECOND);
        Ids ids = new Ids(new SecureRandom(), clock);
        String earlier = ids.sessionId();
        clock.advance(java.time.Duration.ofMillis(1));

        assertThat(ids.sessionId()).isGreaterThan(earlier);
        assertThat(Ids.isSessionId(earlier)).isTrue();
        assertThat(Ids.isFlowId(ids.flowId())).isTrue();
    }
}
