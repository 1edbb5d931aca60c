package dev.idflow.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** A startup failure of idflow's configuration, as Boot reports it: the property, the rule, what to do. */
public class IdflowFailureAnalyzer extends AbstractFailureAnalyzer<IdflowPropertyException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, IdflowPropertyException cause) {
        return new FailureAnalysis(
                "idflow could not start: the property " + cause.property() + " " + cause.rule() + ".",
                "Set " + cause.property() + " (in application.yml, or from the environment for keys and secrets) "
                        + "so that it " + action(cause.rule()) + ", or define your own Idflow bean.",
                cause);
    }

    private static String action(String rule) {
        int because = rule.indexOf(';');
        String first = because < 0 ? rule : rule.substring(0, because);
        return first.startsWith("must ") ? first.substring("must ".length()) : "is valid: " + first;
    }
}
