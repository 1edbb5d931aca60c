package dev.idflow.core.model;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One value on one of a consumer's KYC lists (a block list, an allow list…): the {@code kyc-list}
 * service checks a flow's person_id, iin or phone_number against the lists its step names.
 *
 * <p>{@code field} is one of {@link #FIELDS}; {@code listName} is 1–64 characters of a-z, 0-9, _ and
 * -; {@code value} is 1–256 characters, not blank. Values are kept and matched exactly as given, with
 * one exception: a {@code phone_number} is kept as its digits only, so "+7 701 234 5678",
 * "7 (701) 234-56-78" and "77012345678" are one entry and match one another. A phone number may hold
 * digits, one leading '+', and spaces, '-', '(', ')' and '.' between them; nothing else. No other
 * rewriting happens: "87012345678" is another number than "77012345678".
 *
 * <p>The constructor applies these rules: a record that exists is valid and holds the stored form of
 * its value. Breaking one throws {@link IllegalArgumentException} naming the component and the rule;
 * the messages never repeat the value, which is a person's data.
 */
public record KycListEntry(String consumerId, String listName, String field, String value, Instant addedAt) {
    public static final String PERSON_ID = "person_id";
    public static final String IIN = "iin";
    public static final String PHONE_NUMBER = "phone_number";
    /** The fields a list entry may be about, in the order the spec names them. */
    public static final List<String> FIELDS = List.of(PERSON_ID, IIN, PHONE_NUMBER);
    public static final int MAX_VALUE_LENGTH = 256;

    private static final Pattern LIST_NAME = Pattern.compile("[a-z0-9_-]{1,64}");
    private static final String LIST_NAME_RULE = "listName must be 1–64 characters of a-z, 0-9, _ and -";
    private static final String VALUE_RULE = "value must be 1–" + MAX_VALUE_LENGTH + " characters, not blank";
    private static final String PHONE_RULE = VALUE_RULE + "; a phone_number holds digits, one leading '+' "
            + "and spaces, '-', '(', ')' or '.' between them";

    public KycListEntry {
        if (consumerId == null || consumerId.isBlank()) {
            throw new IllegalArgumentException("consumerId must not be blank");
        }
        checkListName(listName);
        String f = checkField(field);
        value = storedForm(f, value).orElseThrow(() -> new IllegalArgumentException(
                PHONE_NUMBER.equals(f) ? PHONE_RULE : VALUE_RULE));
        Objects.requireNonNull(addedAt, "addedAt");
    }

    /** Returns {@code field} when it is one of {@link #FIELDS}; else throws, naming the allowed ones. */
    public static String checkField(String field) {
        if (field == null || !FIELDS.contains(field)) {
            throw new IllegalArgumentException("field must be one of " + String.join(", ", FIELDS)
                    + (field == null ? ", not null" : ", not \"" + field + "\""));
        }
        return field;
    }

    /** Returns {@code listName} when it is 1–64 characters of a-z, 0-9, _ and -; else throws. */
    public static String checkListName(String listName) {
        if (listName == null || !LIST_NAME.matcher(listName).matches()) {
            throw new IllegalArgumentException(LIST_NAME_RULE);
        }
        return listName;
    }

    /**
     * The form in which {@code value} is stored and compared for {@code field} (the digits of a phone
     * number, any other value as given), or empty when no entry can hold it (null, blank, too long, a
     * phone number with other characters or no digit). An unknown field throws, as {@link #checkField}.
     */
    public static Optional<String> storedForm(String field, String value) {
        checkField(field);
        if (value == null || value.isBlank() || value.length() > MAX_VALUE_LENGTH) {
            return Optional.empty();
        }
        return PHONE_NUMBER.equals(field) ? phoneDigits(value) : Optional.of(value);
    }

    private static Optional<String> phoneDigits(String value) {
        StringBuilder digits = new StringBuilder(value.length());
        boolean plusAllowed = true;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c >= '0' && c <= '9') {
                digits.append(c);
                plusAllowed = false;
            } else if (c == '+' && plusAllowed) {
                plusAllowed = false;
            } else if (c == ' ' || c == '-' || c == '(' || c == ')' || c == '.') {
                // a separator; only spaces may come before the leading '+'
                plusAllowed = plusAllowed && c == ' ';
            } else {
                return Optional.empty();
            }
        }
        return digits.isEmpty() ? Optional.empty() : Optional.of(digits.toString());
    }
}
