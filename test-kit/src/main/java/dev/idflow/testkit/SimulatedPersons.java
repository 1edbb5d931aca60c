package dev.idflow.testkit;

import dev.idflow.core.Idflow;
import java.util.Map;

/** Makes {@link SimulatedPerson}s: the customer a bank sends to a flow's vlink. */
public final class SimulatedPersons {
    private final KitHttp http;
    private final SentMessages messages;
    private final Mockery mockery;
    private final TestClock clock;
    private final Idflow idflow;

    SimulatedPersons(KitHttp http, SentMessages messages, Mockery mockery, TestClock clock, Idflow idflow) {
        this.http = http;
        this.messages = messages;
        this.mockery = mockery;
        this.clock = clock;
        this.idflow = idflow;
    }

    /**
     * The person who opens {@code vlink} (as {@code POST /flow} answered it: the whole URL, or only its last
     * segment). Nothing is sent yet: the first step ({@link SimulatedPerson#next()}, …) starts the flow.
     */
    public SimulatedPerson open(String vlink) {
        return open(vlink, Map.of());
    }

    /**
     * As {@link #open(String)}, with the answers this person gives to form fields, by field name (they
     * win over the prefilled values and the kit's defaults).
     */
    public SimulatedPerson open(String vlink, Map<String, Object> formAnswers) {
        if (vlink == null || vlink.isBlank()) {
            throw new IllegalArgumentException("vlink: is required (the vlink of POST /flow's answer)");
        }
        String id = vlink.substring(vlink.lastIndexOf('/') + 1);
        return new SimulatedPerson(http, id, messages, mockery, clock, idflow, formAnswers);
    }
}
