package dev.idflow.servlet;

import static dev.idflow.servlet.ApiAssertions.newPerson;
import static dev.idflow.servlet.PersonDevice.attempt;
import static dev.idflow.servlet.PersonDevice.greyPicture;
import static dev.idflow.servlet.PersonDevice.metadata;
import static dev.idflow.servlet.PersonDevice.statuses;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.idflow.core.console.Operator;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.AuditRecord;
import dev.idflow.servlet.PersonDevice.Created;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.ee10.servlet.security.ConstraintMapping;
import org.eclipse.jetty.ee10.servlet.security.ConstraintSecurityHandler;
import org.eclipse.jetty.security.Constraint;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.security.authentication.BasicAuthenticator;
import org.eclipse.jetty.util.security.Password;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console API through a real Jetty with the container's BASIC login, as a host protects it: access
 * rules, grants, the list's filters and cursor, a flow's detail, review, erasure, kyc lists, CSRF, bad input.
 */
class ConsoleApiTest {
    static TestServer server;
    static PersonDevice acme;
    static PersonDevice acmeLive;
    static PersonDevice globex;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final Map<String, Operator> GRANTS = Map.of(
            "alice", Operator.of("alice", Set.of("acme")),
            "bob", Operator.of("bob", Set.of("globex")),
            "root", Operator.ofAllConsumers("root"));

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.withConsole("/kyc", ConsoleOptions.containerRole(GRANTS::get), context -> {
            UserStore users = new UserStore();
            for (String name : List.of("alice", "bob", "root")) {
                users.addUser(name, new Password(name + "-pw"), new String[] {ConsoleOptions.ROLE});
            }
            users.addUser("carol", new Password("carol-pw"), new String[] {"teller"});
            HashLoginService login = new HashLoginService("idflow");
            login.setUserStore(users);
            ConstraintSecurityHandler security = new ConstraintSecurityHandler();
            security.setLoginService(login);
            security.setAuthenticator(new BasicAuthenticator());
            ConstraintMapping mapping = new ConstraintMapping();
            mapping.setPathSpec("/kyc/console/*");
            mapping.setConstraint(Constraint.ANY_USER);
            security.addConstraintMapping(mapping);
            context.setSecurityHandler(security);
        });
        acme = PersonDevice.testKey(server);
        acmeLive = PersonDevice.liveKey(server);
        globex = PersonDevice.testKeyOf(server, TestServer.OTHER_TEST_KEY);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    record Reply(int status, JsonNode body, HttpResponse<String> raw) {
    }

    static Reply call(String user, String method, String path, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl + "/console/api" + path));
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + user + "-pw").getBytes(StandardCharsets.UTF_8)));
        }
        headers.forEach(b::header);
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = r.body().isEmpty() || !r.headers().firstValue("Content-Type").orElse("").contains("json")
                ? null : Json.mapper().readTree(r.body());
        return new Reply(r.statusCode(), json, r);
    }

    static Reply get(String user, String path) throws Exception {
        return call(user, "GET", path, null, Map.of());
    }

    static String csrf(String user) throws Exception {
        return get(user, "/session").body().get("csrf_token").asText();
    }

    /** A change as the page sends it: the operator's CSRF token and the same origin. */
    static Reply change(String user, String method, String path, String body) throws Exception {
        return call(user, method, path, body, Map.of(ConsoleHttp.CSRF_HEADER, csrf(user), "Sec-Fetch-Site", "same-origin"));
    }

    static String q(String v) {
        return URLEncoder.encode(v, StandardCharsets.UTF_8);
    }

    /** A live acme flow whose liveness step had no verdict: ended, fail, its session processed. */
    static Created undecidedLiveFlow(String person) throws Exception {
        Created flow = acmeLive.createFlow(person, "[{\"service_name\":\"verilive\"}]");
        JsonNode step = acmeLive.start(flow.vlinkId()).get("current_step");
        acmeLive.attempt(step.get("access_token").asText(),
                attempt(metadata(step.get("pipeline"), server.clock.instant().minusSeconds(8), null), greyPicture()));
        return flow;
    }

    @Test
    void noPrincipalIs401ANonOperator403AndAnUngrantedConsumerOrFlowUnknown() throws Exception {
        assertThat(get(null, "/session").status()).isEqualTo(401);
        Reply teller = get("carol", "/session");
        assertThat(teller.status()).isEqualTo(403);
        assertThat(teller.body().get("error_code").asText()).isEqualTo("NOT_AN_OPERATOR");

        Created globexFlow = globex.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]");
        Reply other = get("alice", "/flows/" + globexFlow.flowId());
        assertThat(other.status()).isEqualTo(404);
        Reply unknown = get("alice", "/flows/01KMWYGEEVW2TH4Q4SFFFFFFF5");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(other.body().get("error_code")).isEqualTo(unknown.body().get("error_code"));
        assertThat(get("alice", "/consumers/globex/flows").status()).isEqualTo(404);
        assertThat(get("bob", "/flows/" + globexFlow.flowId()).status()).isEqualTo(200);
        assertThat(get("root", "/flows/" + globexFlow.flowId()).status()).as("all consumers").isEqualTo(200);

        Reply session = get("alice", "/session");
        assertThat(session.status()).isEqualTo(200);
        assertThat(session.body().get("principal").asText()).isEqualTo("alice");
        assertThat(session.body().get("consumers").toString()).isEqualTo("[\"acme\"]");
        assertThat(session.raw().headers().firstValue("Cache-Control")).hasValue("no-store");
    }

    @Test
    void anOperatorSeesOnlyGrantedConsumersFlowsFilteredByPersonAndKind() throws Exception {
        String person = newPerson();
        Created mine = acme.createFlow(person, "[{\"service_name\":\"consent\"}]");
        Created globexSamePerson = globex.createFlow(person, "[{\"service_name\":\"consent\"}]");
        Reply list = get("alice", "/consumers/acme/flows?person_id=" + q(person));
        assertThat(list.status()).isEqualTo(200);
        assertThat(ids(list.body())).containsExactly(mine.flowId());
        assertThat(list.body().at("/flows/0/test").asBoolean()).isTrue();
        assertThat(ids(get("alice", "/consumers/acme/flows?test=false&person_id=" + q(person)).body())).isEmpty();
        assertThat(ids(get("bob", "/consumers/globex/flows?person_id=" + q(person)).body()))
                .containsExactly(globexSamePerson.flowId());
        assertThat(ids(get("alice", "/consumers/acme/flows?status=unknown&limit=100").body())).contains(mine.flowId());
        assertThat(ids(get("alice", "/consumers/acme/flows?status=pass&person_id=" + q(person)).body())).isEmpty();
    }

    @Test
    void cursorPagingHasNoGapsOrDuplicatesWhileFlowsAreCreated() throws Exception {
        server.clock.advance(Duration.ofSeconds(1));
        String from = server.clock.instant().toString();
        Set<String> created = new HashSet<>();
        for (int i = 0; i < 7; i++) {
            created.add(acme.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]").flowId());
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 10; page++) {
            Reply r = get("alice", "/consumers/acme/flows?limit=3&created_from=" + q(from)
                    + (cursor == null ? "" : "&cursor=" + q(cursor)));
            assertThat(r.status()).isEqualTo(200);
            seen.addAll(ids(r.body()));
            // a flow created while paging is newer than every page so far: no later page shows it
            server.clock.advance(Duration.ofMillis(5));
            acme.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]");
            if (r.body().get("next_cursor").isNull()) {
                break;
            }
            cursor = r.body().get("next_cursor").asText();
        }
        assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(created);
    }

    @Test
    void reviewThroughTheConsoleChangesTheSessionAndFlowAsTheJavaApiDoesAndIsAudited() throws Exception {
        Created flow = undecidedLiveFlow(newPerson());
        JsonNode detail = get("alice", "/flows/" + flow.flowId()).body();
        assertThat(detail.at("/flow/flow_status").asText()).isEqualTo("fail");
        assertThat(detail.at("/flow/check_type").asText()).isEqualTo("auto");
        assertThat(detail.get("test").asBoolean()).isFalse();
        String sessionId = detail.at("/sessions/0/session_id").asText();
        assertThat(detail.at("/sessions/0/service_name").asText()).isEqualTo("verilive");
        assertThat(detail.get("timeline").toString()).contains("flow.created", "session.processed", "flow.ended");

        Reply noReason = change("alice", "POST", "/sessions/" + sessionId + "/review", "{\"outcome\":\"pass\"}");
        assertThat(noReason.status()).isEqualTo(422);
        assertThat(noReason.body().get("field").asText()).isEqualTo("reason");
        Reply badOutcome = change("alice", "POST", "/sessions/" + sessionId + "/review",
                "{\"outcome\":\"maybe\",\"reason\":\"x\"}");
        assertThat(badOutcome.body().get("field").asText()).isEqualTo("outcome");
        assertThat(change("bob", "POST", "/sessions/" + sessionId + "/review",
                "{\"outcome\":\"pass\",\"reason\":\"not mine\"}").status()).as("not granted").isEqualTo(404);

        Reply reviewed = change("alice", "POST", "/sessions/" + sessionId + "/review",
                "{\"outcome\":\"pass\",\"reason\":\"operator checked the document\"}");
        assertThat(reviewed.status()).isEqualTo(200);
        assertThat(reviewed.body().get("state").asText()).isEqualTo("reviewed");
        JsonNode result = acmeLive.result(flow.flowId());
        assertThat(result.get("check_type").asText()).isEqualTo("edited");
        assertThat(result.get("flow_status").asText()).isEqualTo("pass");
        assertThat(statuses(result).get(0).get("session_state").asText()).isEqualTo("reviewed");

        List<AuditRecord> audit = audit();
        assertThat(audit).anyMatch(a -> a.action().equals("session.review") && "alice".equals(a.actor())
                && a.targetId().equals(sessionId));
    }

    @Test
    void resumingAHeldInterrupterStepMovesTheFlowOnOnceAndIsAudited() throws Exception {
        Created flow = acme.createFlow(newPerson(), "[{\"service_name\":\"interrupter\"},{\"service_name\":\"consent\"}]");
        acme.start(flow.vlinkId());
        JsonNode detail = get("alice", "/flows/" + flow.flowId()).body();
        String held = detail.at("/sessions/0/session_id").asText();
        assertThat(detail.at("/sessions/0/service_name").asText()).isEqualTo("interrupter");

        Reply noOutcome = change("alice", "POST", "/sessions/" + held + "/resume", "{}");
        assertThat(noOutcome.status()).isEqualTo(422);
        assertThat(noOutcome.body().get("field").asText()).isEqualTo("outcome");
        assertThat(change("bob", "POST", "/sessions/" + held + "/resume", "{\"outcome\":\"pass\"}").status())
                .as("not granted").isEqualTo(404);

        Reply resumed = change("alice", "POST", "/sessions/" + held + "/resume", "{\"outcome\":\"pass\"}");
        assertThat(resumed.status()).isEqualTo(200);
        assertThat(acme.state(flow.vlinkId()).at("/current_step/step_id").asText()).isEqualTo("step-2");
        Reply again = change("alice", "POST", "/sessions/" + held + "/resume", "{\"outcome\":\"pass\"}");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.body().get("error_code").asText()).isEqualTo("SESSION_NOT_WAITING");
        assertThat(audit()).anyMatch(a -> a.action().equals("session.resume") && "alice".equals(a.actor())
                && a.targetId().equals(held));

        String consent = get("alice", "/flows/" + flow.flowId()).body().at("/sessions/1/session_id").asText();
        Reply notHeld = change("alice", "POST", "/sessions/" + consent + "/resume", "{\"outcome\":\"pass\"}");
        assertThat(notHeld.body().get("error_code").asText()).isEqualTo("NOT_AN_INTERRUPTER");
    }

    @Test
    void aChangeWithoutOrWithAWrongCsrfTokenOrFromAnotherSiteIsRefusedAndChangesNothing() throws Exception {
        String person = newPerson();
        Created flow = acme.createFlow(person, "[{\"service_name\":\"consent\"}]");
        String body = "{\"person_id\":\"" + person + "\",\"confirm\":\"" + person + "\"}";
        Reply none = call("alice", "POST", "/consumers/acme/erase-person", body, Map.of());
        assertThat(none.status()).isEqualTo(403);
        assertThat(none.body().get("error_code").asText()).isEqualTo("CSRF_REFUSED");
        Reply wrong = call("alice", "POST", "/consumers/acme/erase-person", body,
                Map.of(ConsoleHttp.CSRF_HEADER, csrf("bob")));
        assertThat(wrong.status()).isEqualTo(403);
        assertThat(wrong.body().get("field").asText()).isEqualTo(ConsoleHttp.CSRF_HEADER);
        Reply crossSite = call("alice", "POST", "/consumers/acme/erase-person", body,
                Map.of(ConsoleHttp.CSRF_HEADER, csrf("alice"), "Sec-Fetch-Site", "cross-site"));
        assertThat(crossSite.body().get("error_code").asText()).isEqualTo("CROSS_SITE_REFUSED");
        Reply otherOrigin = call("alice", "POST", "/consumers/acme/erase-person", body,
                Map.of(ConsoleHttp.CSRF_HEADER, csrf("alice"), "Origin", "https://evil.example"));
        assertThat(otherOrigin.body().get("field").asText()).isEqualTo("Origin");
        assertThat(get("alice", "/flows/" + flow.flowId()).status()).as("nothing erased").isEqualTo(200);
    }

    @Test
    void aCsrfTokenExpiresTwelveHoursAfterItWasIssuedAndATamperedOneIsRefused() throws Exception {
        String person = newPerson();
        Created flow = acme.createFlow(person, "[{\"service_name\":\"consent\"}]");
        String body = "{\"person_id\":\"" + person + "\",\"confirm\":\"" + person + "\"}";
        String token = csrf("alice");
        assertThat(token).matches("[0-9]+\\.[0-9a-f]{64}");
        String tampered = (Long.parseLong(token.substring(0, token.indexOf('.'))) + 1) + token.substring(token.indexOf('.'));
        Reply forged = call("alice", "POST", "/consumers/acme/erase-person", body,
                Map.of(ConsoleHttp.CSRF_HEADER, tampered, "Sec-Fetch-Site", "same-origin"));
        assertThat(forged.status()).isEqualTo(403);
        assertThat(forged.body().get("error_code").asText()).isEqualTo("CSRF_REFUSED");
        server.clock.advance(Duration.ofHours(12).plusSeconds(1));
        Reply stale = call("alice", "POST", "/consumers/acme/erase-person", body,
                Map.of(ConsoleHttp.CSRF_HEADER, token, "Sec-Fetch-Site", "same-origin"));
        assertThat(stale.status()).isEqualTo(403);
        assertThat(stale.body().get("field").asText()).isEqualTo(ConsoleHttp.CSRF_HEADER);
        assertThat(get("alice", "/flows/" + flow.flowId()).status()).as("nothing erased").isEqualTo(200);
        Reply fresh = change("alice", "POST", "/consumers/acme/erase-person", body);
        assertThat(fresh.status()).as("a fresh token works").isEqualTo(200);
        assertThat(get("alice", "/flows/" + flow.flowId()).status()).isEqualTo(404);
    }

    @Test
    void erasureNeedsTheConfirmationAndThenErasesThePersonsFlows() throws Exception {
        String person = newPerson();
        Created flow = acme.createFlow(person, "[{\"service_name\":\"consent\"}]");
        Reply unconfirmed = change("alice", "POST", "/consumers/acme/erase-person", "{\"person_id\":\"" + person + "\"}");
        assertThat(unconfirmed.status()).isEqualTo(422);
        assertThat(unconfirmed.body().get("field").asText()).isEqualTo("confirm");
        Reply mistyped = change("alice", "POST", "/consumers/acme/erase-person",
                "{\"person_id\":\"" + person + "\",\"confirm\":\"someone-else\"}");
        assertThat(mistyped.body().get("field").asText()).isEqualTo("confirm");
        assertThat(get("alice", "/flows/" + flow.flowId()).status()).isEqualTo(200);

        Reply erased = change("alice", "POST", "/consumers/acme/erase-person",
                "{\"person_id\":\"" + person + "\",\"confirm\":\"" + person + "\"}");
        assertThat(erased.status()).isEqualTo(200);
        assertThat(erased.body().get("erased_rows").asInt()).isPositive();
        assertThat(get("alice", "/flows/" + flow.flowId()).status()).isEqualTo(404);
        assertThat(audit())
                .anyMatch(a -> "alice".equals(a.actor()) && a.action().startsWith("person.erase"));
    }

    @Test
    void badInputNamesTheFieldAndTheRule() throws Exception {
        for (String[] c : List.of(new String[] {"limit=0", "limit"}, new String[] {"limit=101", "limit"},
                new String[] {"status=maybe", "status"}, new String[] {"end_cause=x", "end_cause"},
                new String[] {"created_from=yesterday", "created_from"}, new String[] {"test=yes", "test"},
                new String[] {"cursor=%21%21", "cursor"}, new String[] {"colour=red", "colour"})) {
            Reply r = get("alice", "/consumers/acme/flows?" + c[0]);
            assertThat(r.status()).as(c[0]).isEqualTo(422);
            assertThat(r.body().get("field").asText()).as(c[0]).isEqualTo(c[1]);
            assertThat(r.body().get("message").asText()).as(c[0]).startsWith(c[1] + ": ");
        }
        Reply notJson = call("alice", "POST", "/consumers/acme/kyc-lists/blocked/entries", "{not json",
                Map.of(ConsoleHttp.CSRF_HEADER, csrf("alice")));
        assertThat(notJson.body().get("field").asText()).isEqualTo("body");
    }

    @Test
    void kycListEntriesAreAddedListedAndRemovedWithTheAuditTrail() throws Exception {
        Reply bad = change("alice", "POST", "/consumers/acme/kyc-lists/blocked/entries", "{\"field\":\"email\",\"value\":\"x\"}");
        assertThat(bad.body().get("field").asText()).isEqualTo("field");
        Reply added = change("alice", "POST", "/consumers/acme/kyc-lists/blocked/entries",
                "{\"field\":\"iin\",\"value\":\"900101300123\"}");
        assertThat(added.status()).isEqualTo(200);
        assertThat(added.body().get("added").asBoolean()).isTrue();
        assertThat(get("alice", "/consumers/acme/kyc-lists/blocked").body().get("entries").toString()).contains("900101300123");
        assertThat(get("alice", "/consumers/acme/kyc-lists").body().get("lists").toString()).contains("blocked");
        Reply removed = change("alice", "DELETE", "/consumers/acme/kyc-lists/blocked/entries?field=iin&value=900101300123", null);
        assertThat(removed.body().get("removed").asBoolean()).isTrue();
        assertThat(audit())
                .anyMatch(a -> "alice".equals(a.actor()) && a.action().equals("kyc_list.add"));
        assertThat(get("alice", "/consumers/acme/retention").status()).isEqualTo(200);
    }

    @Test
    void theAuditListShowsTheOperatorsChangesToGrantedOperatorsOnly() throws Exception {
        Reply added = change("alice", "POST", "/consumers/acme/kyc-lists/audited/entries",
                "{\"field\":\"iin\",\"value\":\"900101300777\"}");
        assertThat(added.status()).isEqualTo(200);
        List<JsonNode> entries = new ArrayList<>();
        String cursor = null;
        do {
            Reply page = get("alice", "/consumers/acme/audit?from=" + q("1970-01-01T00:00:00Z")
                    + (cursor == null ? "" : "&cursor=" + q(cursor)));
            assertThat(page.status()).isEqualTo(200);
            page.body().get("entries").forEach(entries::add);
            cursor = page.body().get("next_cursor").isNull() ? null : page.body().get("next_cursor").asText();
        } while (cursor != null);
        assertThat(entries).anyMatch(e -> e.get("actor").asText().equals("alice")
                && e.get("action").asText().startsWith("kyc_list") && e.get("target_id").asText().equals("audited"));
        assertThat(entries).as("the entry's value is not in the trail")
                .noneMatch(e -> e.toString().contains("900101300777"));
        for (int i = 1; i < entries.size(); i++) {
            assertThat(entries.get(i).get("at").asText()).as("oldest first")
                    .isGreaterThanOrEqualTo(entries.get(i - 1).get("at").asText());
        }
        assertThat(get("bob", "/consumers/acme/audit").status()).as("not granted: as unknown").isEqualTo(404);
        Reply bad = get("alice", "/consumers/acme/audit?since=yesterday");
        assertThat(bad.status()).isEqualTo(422);
        assertThat(bad.body().get("field").asText()).isEqualTo("since");
        assertThat(get("alice", "/consumers/acme/audit?from=2026-13-01").body().get("field").asText()).isEqualTo("from");
        assertThat(get("alice", "/consumers/acme/audit?cursor=nonsense").body().get("field").asText()).isEqualTo("cursor");
    }

    // ---------------------------------------------------------------- stats

    /** A test acme flow of one liveness step scripted {@code verdict}, with {@code retries}, each attempt sending {@code frame}. */
    static Created scriptedLivenessFlow(String person, String verdict, int retries, byte[] frame) throws Exception {
        acme.script(person, "verilive", verdict);
        Created flow = acme.createFlow(person, "[{\"service_name\":\"verilive\",\"max_retries\":" + retries + "}]");
        acme.start(flow.vlinkId());
        for (int i = 0; i <= retries; i++) {
            JsonNode step = acme.state(flow.vlinkId()).get("current_step");
            if (step == null || step.isNull() || !step.has("access_token")) {
                break;
            }
            acme.attempt(step.get("access_token").asText(),
                    attempt(metadata(step.get("pipeline"), server.clock.instant().minusSeconds(8), null), frame));
            server.clock.advance(Duration.ofSeconds(5));
        }
        return flow;
    }

    @Test
    void statsCountFlowsPerDayByOutcomeTheFunnelOfStepsAndTheLivenessAttempts() throws Exception {
        // a fresh UTC day of its own: no flow of another test is in it
        server.clock.advance(Duration.ofDays(3));
        LocalDate day0 = LocalDate.ofInstant(server.clock.instant(), ZoneOffset.UTC);
        Created passed = scriptedLivenessFlow(newPerson(), "real", 1, PersonDevice.frame());
        Created failedTwice = scriptedLivenessFlow(newPerson(), "attack", 1, PersonDevice.frame());
        Created stopped = undecidedLiveFlow(newPerson());
        acme.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]");
        assertThat(acme.result(passed.flowId()).get("flow_status").asText()).isEqualTo("pass");
        assertThat(acme.result(failedTwice.flowId()).get("flow_status").asText()).isEqualTo("fail");
        assertThat(acmeLive.result(stopped.flowId()).get("flow_status").asText()).isEqualTo("fail");
        server.clock.advance(Duration.ofDays(1));
        acme.createFlow(newPerson(), "[{\"service_name\":\"consent\"}]");

        Reply r = get("alice", "/consumers/acme/stats?from=" + day0 + "&before=" + day0.plusDays(3));
        assertThat(r.status()).as(String.valueOf(r.body())).isEqualTo(200);
        JsonNode stats = r.body();
        assertThat(stats.get("consumer_id").asText()).isEqualTo("acme");
        assertThat(stats.get("from").asText()).isEqualTo(day0 + "T00:00:00Z");
        assertThat(stats.get("before").asText()).isEqualTo(day0.plusDays(3) + "T00:00:00Z");
        assertThat(stats.get("flows_counted").asInt()).isEqualTo(5);
        assertThat(stats.get("truncated").asBoolean()).isFalse();
        assertThat(stats.get("days")).hasSize(3);
        assertThat(stats.get("days").get(0).toString()).isEqualTo("{\"date\":\"" + day0
                + "\",\"pass\":1,\"fail\":2,\"unknown\":0,\"running\":1}");
        assertThat(stats.get("days").get(1).toString()).isEqualTo("{\"date\":\"" + day0.plusDays(1)
                + "\",\"pass\":0,\"fail\":0,\"unknown\":0,\"running\":1}");
        assertThat(stats.get("days").get(2).toString()).as("zero-filled").isEqualTo("{\"date\":\"" + day0.plusDays(2)
                + "\",\"pass\":0,\"fail\":0,\"unknown\":0,\"running\":0}");
        JsonNode liveness = step(stats, "step-1", "verilive");
        assertThat(liveness.get("reached").asInt()).isEqualTo(3);
        assertThat(liveness.get("passed").asInt()).isEqualTo(1);
        assertThat(liveness.get("failed").asInt()).isEqualTo(1);
        assertThat(liveness.get("stopped").asInt()).as("the flow ended there without a verdict").isEqualTo(1);
        assertThat(stats.get("attempts").toString())
                .isEqualTo("[{\"attempts\":1,\"sessions\":2},{\"attempts\":2,\"sessions\":1}]");

        JsonNode testOnly = get("alice", "/consumers/acme/stats?test=true&from=" + q(day0 + "T00:00:00Z")
                + "&before=" + day0.plusDays(3)).body();
        assertThat(testOnly.get("flows_counted").asInt()).isEqualTo(4);
        assertThat(step(testOnly, "step-1", "verilive").get("stopped").asInt()).isZero();
        JsonNode liveOnly = get("alice", "/consumers/acme/stats?test=false&from=" + day0 + "&before=" + day0.plusDays(3)).body();
        assertThat(liveOnly.get("flows_counted").asInt()).isEqualTo(1);
        assertThat(liveOnly.get("days").get(0).get("fail").asInt()).isEqualTo(1);

        JsonNode byDefault = get("alice", "/consumers/acme/stats").body();
        assertThat(byDefault.get("days")).as("the last 30 days up to now, today included").hasSize(31);
        assertThat(byDefault.get("days").get(30).get("date").asText())
                .isEqualTo(LocalDate.ofInstant(server.clock.instant(), ZoneOffset.UTC).toString());
    }

    @Test
    void statsRefuseAWrongRangeAnUnknownParameterAndAnUngrantedConsumer() throws Exception {
        for (String[] c : List.of(new String[] {"from=2025-01-01&before=2026-01-03", "from"},
                new String[] {"from=2026-01-02&before=2026-01-02", "from"},
                new String[] {"from=2026-01-03T00:00:00Z&before=2026-01-02T00:00:00Z", "from"},
                new String[] {"from=last-week", "from"}, new String[] {"test=maybe", "test"},
                new String[] {"status=pass", "status"})) {
            Reply r = get("alice", "/consumers/acme/stats?" + c[0]);
            assertThat(r.status()).as(c[0]).isEqualTo(422);
            assertThat(r.body().get("field").asText()).as(c[0]).isEqualTo(c[1]);
            assertThat(r.body().get("message").asText()).as(c[0]).startsWith(c[1] + ": ");
        }
        assertThat(get("alice", "/consumers/acme/stats?from=2025-01-01&before=2026-01-02").status())
                .as("exactly 366 days").isEqualTo(200);
        assertThat(get("bob", "/consumers/acme/stats").status()).as("not granted: as unknown").isEqualTo(404);
        assertThat(get("alice", "/consumers/globex/stats").status()).isEqualTo(404);
    }

    private static JsonNode step(JsonNode stats, String stepId, String service) {
        for (JsonNode s : stats.get("funnel")) {
            if (s.get("step_id").asText().equals(stepId) && s.get("service_name").asText().equals(service)) {
                return s;
            }
        }
        throw new AssertionError("no funnel step " + stepId + " " + service + " in " + stats.get("funnel"));
    }

    // ---------------------------------------------------------------- files

    static HttpResponse<byte[]> download(String user, String path, String range) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl + "/console/api" + path))
                .header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString((user + ":" + user + "-pw").getBytes(StandardCharsets.UTF_8)));
        if (range != null) {
            b.header("Range", range);
        }
        return HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void aFlowsFilesAreDownloadedWholeOrByRangeWithSafeHeadersAndTheFirstByteIsAudited() throws Exception {
        byte[] frame = PersonDevice.jpeg(320, 240, java.awt.Color.ORANGE, true);
        Created flow = scriptedLivenessFlow(newPerson(), "real", 1, frame);
        JsonNode detail = get("alice", "/flows/" + flow.flowId()).body();
        JsonNode entry = null;
        for (JsonNode f : detail.get("files")) {
            if (f.get("label").asText().equals("bestframe")) {
                entry = f;
            }
        }
        assertThat(entry).as("the bestframe in %s", detail.get("files")).isNotNull();
        String fileId = entry.get("file_id").asText();
        assertThat(entry.get("content_type").asText()).isEqualTo("image/jpeg");
        assertThat(entry.get("size").asLong()).isEqualTo(frame.length);
        assertThat(java.time.Instant.parse(entry.get("created_at").asText())).isBeforeOrEqualTo(server.clock.instant());
        assertThat(entry.get("href").asText()).isEqualTo("files/" + fileId);
        assertThat(downloads(fileId)).isEmpty();

        HttpResponse<byte[]> whole = download("alice", "/" + entry.get("href").asText(), null);
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(frame);
        var h = whole.headers();
        assertThat(h.firstValue("Content-Type")).hasValue("image/jpeg");
        assertThat(h.firstValue("Content-Length")).hasValue(String.valueOf(frame.length));
        assertThat(h.firstValue("Accept-Ranges")).hasValue("bytes");
        assertThat(h.firstValue("Cache-Control")).hasValue("no-store");
        assertThat(h.firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(h.firstValue("Content-Disposition")).hasValue("inline; filename=\"bestframe.jpg\"");
        assertThat(h.firstValue("Content-Security-Policy")).hasValue("default-src 'none'; sandbox");
        List<AuditRecord> first = downloads(fileId);
        assertThat(first).hasSize(1);
        assertThat(first.get(0).actor()).isEqualTo("alice");
        assertThat(first.get(0).targetType()).isEqualTo("file");
        assertThat(first.get(0).details()).contains("bestframe", entry.get("session_id").asText());

        HttpResponse<byte[]> firstTen = download("alice", "/files/" + fileId, "bytes=0-9");
        assertThat(firstTen.statusCode()).isEqualTo(206);
        assertThat(firstTen.body()).isEqualTo(java.util.Arrays.copyOfRange(frame, 0, 10));
        assertThat(firstTen.headers().firstValue("Content-Range")).hasValue("bytes 0-9/" + frame.length);
        assertThat(firstTen.headers().firstValue("Content-Length")).hasValue("10");
        assertThat(downloads(fileId)).as("a request from byte 0 is a download").hasSize(2);

        HttpResponse<byte[]> rest = download("alice", "/files/" + fileId, "bytes=10-");
        assertThat(rest.statusCode()).isEqualTo(206);
        assertThat(rest.body()).isEqualTo(java.util.Arrays.copyOfRange(frame, 10, frame.length));
        assertThat(rest.headers().firstValue("Content-Range"))
                .hasValue("bytes 10-" + (frame.length - 1) + "/" + frame.length);
        HttpResponse<byte[]> tail = download("alice", "/files/" + fileId, "bytes=-5");
        assertThat(tail.statusCode()).isEqualTo(206);
        assertThat(tail.body()).isEqualTo(java.util.Arrays.copyOfRange(frame, frame.length - 5, frame.length));
        assertThat(tail.headers().firstValue("Content-Range"))
                .hasValue("bytes " + (frame.length - 5) + "-" + (frame.length - 1) + "/" + frame.length);
        HttpResponse<byte[]> past = download("alice", "/files/" + fileId, "bytes=" + frame.length + "-");
        assertThat(past.statusCode()).isEqualTo(416);
        assertThat(past.headers().firstValue("Content-Range")).hasValue("bytes */" + frame.length);
        assertThat(downloads(fileId)).as("ranges starting later are not recorded again").hasSize(2);

        HttpResponse<byte[]> several = download("alice", "/files/" + fileId, "bytes=0-1,5-6");
        assertThat(several.statusCode()).as("several ranges: the whole file").isEqualTo(200);
        assertThat(several.body()).isEqualTo(frame);
        HttpResponse<byte[]> attachment = download("alice", "/files/" + fileId + "?download=1", null);
        assertThat(attachment.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"bestframe.jpg\"");
        assertThat(attachment.body()).isEqualTo(frame);

        HttpResponse<byte[]> notGranted = download("bob", "/files/" + fileId, null);
        HttpResponse<byte[]> unknown = download("alice", "/files/01KMWYGEEVW2TH4Q4SFFFFFFF5", null);
        assertThat(notGranted.statusCode()).isEqualTo(404);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(Json.mapper().readTree(notGranted.body()).get("error_code"))
                .isEqualTo(Json.mapper().readTree(unknown.body()).get("error_code"));
        assertThat(get("alice", "/files/" + fileId + "?colour=red").body().get("field").asText()).isEqualTo("colour");
        HttpResponse<String> head = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl + "/console/api/files/" + fileId))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        "alice:alice-pw".getBytes(StandardCharsets.UTF_8)))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Length")).hasValue(String.valueOf(frame.length));
        assertThat(downloads(fileId)).as("refusals and HEAD are not downloads").hasSize(4);
    }

    /** The file.downloaded records of {@code fileId}, every page of acme's trail. */
    private static List<AuditRecord> downloads(String fileId) {
        List<AuditRecord> out = new ArrayList<>();
        String cursor = null;
        do {
            var page = server.idflow.audit().list("acme", java.time.Instant.EPOCH, server.clock.instant().plusSeconds(1),
                    cursor);
            page.records().stream().filter(a -> a.action().equals("file.downloaded") && fileId.equals(a.targetId()))
                    .forEach(out::add);
            cursor = page.nextCursor();
        } while (cursor != null);
        return out;
    }

    private static List<AuditRecord> audit() {
        return server.idflow.audit().list("acme", java.time.Instant.EPOCH, server.clock.instant().plusSeconds(1), null)
                .records();
    }

    private static List<String> ids(JsonNode list) {
        List<String> out = new ArrayList<>();
        list.get("flows").forEach(f -> out.add(f.get("flow_id").asText()));
        return out;
    }
}
