package dev.idflow.spring;

/**
 * A wrong or missing {@code idflow.*} property, found at start: names the property and the rule it breaks,
 * never its value (it may be a key). {@link IdflowFailureAnalyzer} turns it into Boot's startup report.
 */
public class IdflowPropertyException extends RuntimeException {
    private final String property;
    private final String rule;

    public IdflowPropertyException(String property, String rule) {
        super(property + " " + rule);
        this.property = property;
        this.rule = rule;
    }

    /** The property's name as it is written in application.yml, e.g. {@code idflow.consumers[0].test-keys[1]}. */
    public String property() {
        return property;
    }

    /** The rule it breaks, and how it breaks it (never its value). */
    public String rule() {
        return rule;
    }
}
