package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.statuses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.Audit;
import dev.idflow.core.model.AuditRecord;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.servlet.PersonDevice.Created;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The audit trail: an operator's review, a resume, a KYC-list and a face-list change, an erasure and a key
 * change each leave exactly one record naming the actor the host passed, the target, and the Clock's time;
 * read back page by page through {@code idflow.audit()}.
 */
class AuditTrailTest {
    static TestServer server;
    static PersonDevice device;
    private Instant before;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("/kyc");
        device = PersonDevice.testKey(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @BeforeEach
    void aFreshMoment() {
        server.clock.advance(Duration.ofMinutes(1));
        before = server.clock.instant();
        server.clock.advance(Duration.ofSeconds(1));
    }

    /** The records of "acme" since this test began. */
    private List<AuditRecord> since() {
        return server.idflow.audit().list("acme", before, server.clock.instant().plusSeconds(1), null).records();
    }

    private AuditRecord theOnly(String action) {
        List<AuditRecord> records = since().stream().filter(r -> r.action().equals(action)).toList();
        assertThat(records).as(action).hasSize(1);
        AuditRecord r = records.get(0);
        assertThat(r.at()).isEqualTo(server.clock.instant());
        assertThat(r.consumerId()).isEqualTo("acme");
        return r;
    }

    @Test
    void aReviewIsRecordedWithItsOperatorOutcomeAndReason() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]");
        device.start(flow.vlinkId());
        device.consent(flow.vlinkId());
        String sessionId = statuses(device.result(flow.flowId())).get(0).get("session_id").asText();

        server.idflow.review(sessionId, ExecutionStatus.FAIL, "signature on paper missing", "operator:aigerim");

        AuditRecord r = theOnly("session.review");
        assertThat(r.actor()).isEqualTo("operator:aigerim");
        assertThat(r.targetType()).isEqualTo("session");
        assertThat(r.targetId()).isEqualTo(sessionId);
        assertThat(r.details()).contains("FAIL").contains("signature on paper missing");
    }

    @Test
    void aResumeOfAnInterrupterIsRecorded() throws Exception {
        Created flow = device.createFlow(newPerson(), "[{\"service_name\":\"interrupter\"},{\"service_name\":\"consent\"}]");
        device.start(flow.vlinkId());
        List<JsonNode> entries = statuses(device.result(flow.flowId()));
        String sessionId = entries.get(entries.size() - 1).get("session_id").asText();

        assertThat(server.idflow.resumeSession(sessionId, ServiceOutcome.pass(null), "operator:bolat")).isTrue();
        AuditRecord r = theOnly("session.resume");
        assertThat(r.actor()).isEqualTo("operator:bolat");
        assertThat(r.targetId()).isEqualTo(sessionId);
        // a resume that did not land (the session no longer waits) is not an action taken
        assertThat(server.idflow.resumeSession(sessionId, ServiceOutcome.pass(null), "operator:bolat")).isFalse();
        theOnly("session.resume");
    }

    @Test
    void listChangesAreRecordedWithoutTheValue() {
        server.idflow.kycLists().as("operator:dana").add("acme", "blocked", "iin", "880101300123");
        AuditRecord r = theOnly("kyc_list.add");
        assertThat(r.actor()).isEqualTo("operator:dana");
        assertThat(r.targetId()).isEqualTo("blocked");
        assertThat(r.details()).isEqualTo("field=iin").doesNotContain("880101300123");
        // adding what is there already changes nothing and records nothing
        server.idflow.kycLists().as("operator:dana").add("acme", "blocked", "iin", "880101300123");
        theOnly("kyc_list.add");
        server.idflow.kycLists().remove("acme", "blocked", "iin", "880101300123");
        assertThat(theOnly("kyc_list.remove").actor()).as("no actor given: the host").isEqualTo("host");

        server.idflow.faceLists().as("operator:dana").enable("acme");
        assertThat(theOnly("face_list.enable").actor()).isEqualTo("operator:dana");
        server.idflow.faceLists().as("operator:dana").disable("acme");
        theOnly("face_list.disable");
    }

    @Test
    void anErasureIsRecordedOnce() throws Exception {
        String person = newPerson();
        device.createFlow(person, "[{\"service_name\":\"consent\"}]");
        server.idflow.erasePerson("acme", person, "dpo@bank");
        List<AuditRecord> records = since().stream().filter(r -> r.action().equals("person.erase")).toList();
        // one record per kind erased (the Java API erases test and live data)
        assertThat(records).hasSize(2).allSatisfy(r -> {
            assertThat(r.actor()).isEqualTo("dpo@bank");
            // named by a keyed digest, never by the id: the record of an erasure keeps nothing of the person
            assertThat(r.targetId()).isEqualTo(server.idflow.audit().personRef("acme", person))
                    .startsWith("hmac:").doesNotContain(person);
            assertThat(r.at()).isEqualTo(server.clock.instant());
        });
        assertThat(server.idflow.audit().personRef("globex", person)).as("another consumer's person is another reference")
                .isNotEqualTo(records.get(0).targetId());
        assertThat(records).extracting(AuditRecord::details).containsExactlyInAnyOrder("test data", "live data");
    }

    @Test
    void keyChangesAreRecordedByTheirDisplayFormNeverTheKeyOrSecret() {
        String key = "test_" + "k3y0fTh3Aud1tTr41lT3st000000000000";
        String liveKey = "live_" + "l1v3K3y0fTh3Aud1tTr41lT3st00000000";
        String secret = "s3cr3t-0f-th3-l1v3-k3y-f0r-th3-4ud1t";
        server.idflow.keys("admin:yerlan").addTestKey("acme", key);
        AuditRecord added = theOnly("api_key.add");
        assertThat(added.actor()).isEqualTo("admin:yerlan");
        assertThat(added.targetId()).isEqualTo("test_k3y0…");
        server.clock.advance(Duration.ofSeconds(1));
        server.idflow.keys("admin:yerlan").addLiveKey("acme", liveKey, secret);
        server.clock.advance(Duration.ofSeconds(1));
        assertThat(server.idflow.keys("admin:yerlan").revokeKey(key)).isTrue();
        AuditRecord removed = theOnly("api_key.remove");
        assertThat(removed.targetId()).isEqualTo("test_k3y0…");
        for (AuditRecord r : since()) {
            assertThat(r.toString()).doesNotContain(key).doesNotContain(liveKey).doesNotContain(secret);
        }
        // revoking an unknown key records nothing
        assertThat(server.idflow.keys("admin:yerlan").revokeKey(key)).isFalse();
        theOnly("api_key.remove");
    }

    @Test
    void theTrailIsReadPageByPage() {
        for (int i = 0; i < Audit.PAGE + 5; i++) {
            server.idflow.kycLists().as("bulk").add("acme", "paged", "person_id", "person-" + i + "-xyz");
        }
        Audit.Page first = server.idflow.audit().list("acme", before, server.clock.instant().plusSeconds(1), null);
        assertThat(first.records()).hasSize(Audit.PAGE);
        assertThat(first.nextCursor()).isNotNull();
        Audit.Page second = server.idflow.audit().list("acme", before, server.clock.instant().plusSeconds(1),
                first.nextCursor());
        assertThat(second.records()).hasSize(5);
        assertThat(second.nextCursor()).isNull();
        assertThat(second.records()).doesNotContainAnyElementsOf(first.records());
        assertThatThrownBy(() -> server.idflow.audit().list("acme", before, server.clock.instant(), "nonsense"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cursor");
    }
}
