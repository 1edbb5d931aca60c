package dev.idflow.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** A startup failure of idflow's configuration, as Boot reports it: the property, the rule, what to do. */
public class IdflowFailureAnalyzer extends AbstractFailureAnalyzer<IdflowPropertyException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, IdflowPropertyException cause) {
        return new FailureAnalysis(
                "idflow could not start: the property " + cause.property() + " " + cause.rule() + ".",
                "Set " + cause.property() + " as the rule above says (in application.yml, or from the environment "
                        + "for keys and secrets, e.g. IDFLOW_SECRET_KEY), or define your own Idflow bean.",
                cause);
    }
}
