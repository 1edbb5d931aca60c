package dev.idflow.core.services;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IinTest {

    @Test
    void aNumberWhoseLastDigitIsTheWeightedSumOfTheOthersModulo11IsValid() {
        // born 1990-01-01, a man of the 20th century (3), serial 0001: 9·1+0·2+0·3+1·4+0·5+1·6+3·7+0+0+0+1·11 = 51 → 7
        assertThat(Iin.checkDigit("90010130001")).isEqualTo(7);
        assertThat(Iin.isValid("900101300017")).isTrue();
        assertThat(Iin.isValid("850715400129")).isTrue();
        assertThat(Iin.isValid("020302500672")).isTrue();
    }

    @Test
    void whenTheFirstSumGives10TheSecondWeightsDecide() {
        // 8·1+5·2+0·3+7·4+1·5+5·6+4·7 = 109 ≡ 10; with weights 3..11,1,2: 24+20+0+42+7+40+36 = 169 ≡ 4
        assertThat(Iin.checkDigit("85071540000")).isEqualTo(4);
        assertThat(Iin.isValid("850715400004")).isTrue();
        assertThat(Iin.isValid("850715400000")).isFalse();
    }

    @Test
    void elevenDigitsForWhichBothSumsGive10HaveNoValidIin() {
        assertThat(Iin.checkDigit("90010130080")).isEqualTo(-1);
        for (int last = 0; last <= 9; last++) {
            assertThat(Iin.isValid("90010130080" + last)).as("90010130080%d", last).isFalse();
        }
    }

    @Test
    void aWrongCheckDigitOrAnythingButTwelveDigitsIsInvalid() {
        assertThat(Iin.isValid("900101300018")).isFalse();
        assertThat(Iin.isValid("90010130001")).isFalse();
        assertThat(Iin.isValid("9001013000177")).isFalse();
        assertThat(Iin.isValid("90010130001a")).isFalse();
        assertThat(Iin.isValid("900101 30001")).isFalse();
        assertThat(Iin.isValid("")).isFalse();
        assertThat(Iin.isValid(null)).isFalse();
    }
}
