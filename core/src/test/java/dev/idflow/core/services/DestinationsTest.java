package dev.idflow.core.services;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DestinationsTest {

    @Test
    void aPhoneKeepsItsCountryCodeAndLastFourDigits() {
        assertThat(Destinations.mask("sms", "+77011234567")).isEqualTo("+7 *** *** 45 67");
        assertThat(Destinations.mask("sms", "+7 (701) 123-45-67")).isEqualTo("+7 *** *** 45 67");
        assertThat(Destinations.mask("sms", "+998901234567")).isEqualTo("+998 *** ** 45 67");
        assertThat(Destinations.mask("sms", "+447911123456")).isEqualTo("+44 *** *** 34 56");
    }

    @Test
    void aPhoneWithoutPlusOrTooShortShowsNoCountryOrNothing() {
        assertThat(Destinations.mask("sms", "87011234567")).isEqualTo("*** *** * 45 67");
        assertThat(Destinations.mask("sms", "1234")).isEqualTo("***");
        assertThat(Destinations.mask("sms", null)).isEqualTo("***");
    }

    @Test
    void anEmailKeepsItsFirstLetterAndDomain() {
        assertThat(Destinations.mask("email", "aigerim.n@bank.kz")).isEqualTo("a***@bank.kz");
        assertThat(Destinations.mask("email", "@bank.kz")).isEqualTo("***");
        assertThat(Destinations.mask("email", "nobody")).isEqualTo("***");
    }
}
