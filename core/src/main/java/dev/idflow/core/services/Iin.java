package dev.idflow.core.services;

/**
 * The Kazakh individual identification number (ИИН / ЖСН): 12 digits, the last a check digit over the
 * first 11. The check digit is the weighted sum of the first 11 digits modulo 11 with weights 1..11;
 * when that is 10, the sum is taken again with weights 3..11, 1, 2; when it is 10 again, no number with
 * those 11 digits is ever issued.
 */
final class Iin {
    private static final int[] FIRST_WEIGHTS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    private static final int[] SECOND_WEIGHTS = {3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2};

    private Iin() {
    }

    /** Whether {@code value} is 12 digits whose last is the check digit of the others. */
    static boolean isValid(String value) {
        if (value == null || !value.matches("[0-9]{12}")) {
            return false;
        }
        int check = checkDigit(value.substring(0, 11));
        return check >= 0 && check == value.charAt(11) - '0';
    }

    /** The check digit of the first 11 digits, or -1 when both passes give 10 (no such IIN exists). */
    static int checkDigit(String first11) {
        if (first11 == null || !first11.matches("[0-9]{11}")) {
            throw new IllegalArgumentException("first11: must be 11 digits");
        }
        int check = weighted(first11, FIRST_WEIGHTS);
        if (check == 10) {
            check = weighted(first11, SECOND_WEIGHTS);
        }
        return check == 10 ? -1 : check;
    }

    private static int weighted(String digits, int[] weights) {
        int sum = 0;
        for (int i = 0; i < weights.length; i++) {
            sum += (digits.charAt(i) - '0') * weights[i];
        }
        return sum % 11;
    }
}
