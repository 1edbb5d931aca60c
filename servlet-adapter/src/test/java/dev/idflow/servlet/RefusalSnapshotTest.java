package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.clientError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.idflow.core.spi.IdflowStorage;
import dev.idflow.core.spi.SessionRepository;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The engine reads a flow, then its sessions: two reads. When the sweeper ends the flow between them,
 * the person must be told what is true now (the flow has ended), never a refusal decided on the old flow
 * and the new sessions (the step "has no open session").
 */
class RefusalSnapshotTest {

    @Test
    void aSubmitWhoseFlowIsEndedBetweenItsTwoReadsIsToldTheFlowEnded() throws Exception {
        AtomicBoolean sweepBetweenReads = new AtomicBoolean();
        TestServer[] holder = new TestServer[1];
        try (TestServer server = new TestServer("/kyc", storage -> sweepingBetweenReads(storage, () -> {
            if (sweepBetweenReads.compareAndSet(true, false)) {
                holder[0].idflow.sweepOnce(); // commits the timeout's ending before the sessions are read
            }
        }), 1000, 1000)) {
            holder[0] = server;
            PersonDevice device = PersonDevice.testKey(server);
            PersonDevice.Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"consent\",\"timeout\":10}]");
            device.start(flow.vlinkId());
            server.clock.advance(Duration.ofSeconds(11)); // the consent step is past its timeout

            sweepBetweenReads.set(true);
            TestServer.Reply submitted = device.submitReply(flow.vlinkId(), "step-1", "{\"accepted\":true}");

            assertThat(sweepBetweenReads).as("the sweep ran between the two reads").isFalse();
            clientError(submitted, 409, "FLOW_ENDED");
            assertThat(device.result(flow.flowId()).get("end_cause").asText()).isEqualTo("timeout");
        }
    }

    /** The store, but {@code between} runs each time a flow's sessions are about to be read. */
    private static IdflowStorage sweepingBetweenReads(IdflowStorage storage, Runnable between) {
        SessionRepository sessions = storage.sessions();
        SessionRepository hooked = (SessionRepository) Proxy.newProxyInstance(SessionRepository.class.getClassLoader(),
                new Class<?>[] {SessionRepository.class}, (proxy, method, args) -> {
                    if (method.getName().equals("findByFlowId")) {
                        between.run();
                    }
                    try {
                        return method.invoke(sessions, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        return (IdflowStorage) Proxy.newProxyInstance(IdflowStorage.class.getClassLoader(),
                new Class<?>[] {IdflowStorage.class}, (proxy, method, args) -> {
                    if (method.getName().equals("sessions")) {
                        return hooked;
                    }
                    try {
                        return method.invoke(storage, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
