package dev.idflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each thing the simulated person can do, through the client API of a real server. */
@IdflowTest
class SimulatedPersonTest {

    @Test
    void acceptsAConsentAndTheFlowPasses(IdflowServer server, SimulatedPersons persons) throws Exception {
        BankClient.Flow flow = BankClient.test(server).createFlow("person-consent", "[{\"service_name\":\"consent\"}]");
        SimulatedPerson person = persons.open(flow.vlink());

        person.start();
        assertThat(person.currentStep().screenKind()).isEqualTo("consent");
        person.acceptConsent();

        assertThat(person.outcome()).isEqualTo(new SimulatedPerson.Ended("pass", "completed"));
    }

    @Test
    void decliningTheConsentFailsTheFlow(IdflowServer server, SimulatedPersons persons) throws Exception {
        BankClient.Flow flow = BankClient.test(server).createFlow("person-decline",
                "[{\"service_name\":\"consent\",\"max_retries\":1}]");
        SimulatedPerson person = persons.open(flow.vlink());
        person.start();

        person.declineConsent();
        assertThat(person.ended()).as("the step's one retry opens").isFalse();
        person.declineConsent();

        assertThat(person.outcome().flowStatus()).isEqualTo("fail");
    }

    @Test
    void picksALanguageWhichBecomesTheFlowsLocale(IdflowServer server, SimulatedPersons persons) throws Exception {
        BankClient.Flow flow = BankClient.test(server).createFlow("person-lang",
                "[{\"service_name\":\"language-selector\"},{\"service_name\":\"consent\"}]");
        SimulatedPerson person = persons.open(flow.vlink());
        person.start();

        JsonNode state = person.chooseLanguage("kk");

        assertThat(state.get("locale").asText()).isEqualTo("kk");
        assertThat(person.currentStep().serviceName()).isEqualTo("consent");
    }

    @Test
    void fillsAFormWithValidValuesOfEachTypeAndTheAnswersItWasGiven(IdflowServer server, SimulatedPersons persons)
            throws Exception {
        String fields = "[{\"name\":\"full_name\",\"type\":\"text\",\"label\":\"Q\",\"required\":true},"
                + "{\"name\":\"income\",\"type\":\"number\",\"label\":\"Q\",\"required\":true,\"min\":100},"
                + "{\"name\":\"born\",\"type\":\"date\",\"label\":\"Q\",\"required\":true},"
                + "{\"name\":\"purpose\",\"type\":\"select\",\"label\":\"Q\",\"required\":true,\"options\":[\"car\",\"home\"]},"
                + "{\"name\":\"terms\",\"type\":\"checkbox\",\"label\":\"Q\",\"required\":true},"
                + "{\"name\":\"phone\",\"type\":\"phone\",\"label\":\"Q\",\"required\":true},"
                + "{\"name\":\"mail\",\"type\":\"email\",\"label\":\"Q\",\"required\":true},"
                + "{\"name\":\"iin\",\"type\":\"iin\",\"label\":\"Q\",\"required\":true}]";
        BankClient bank = BankClient.test(server);
        BankClient.Flow flow = bank.createFlow("person-form", "[{\"service_name\":\"flow-form\",\"fields\":" + fields + "}]");
        SimulatedPerson person = persons.open(flow.vlink(), Map.of("full_name", "Aigerim Bekova"));

        assertThat(person.completeFlow().flowStatus()).isEqualTo("pass");
        JsonNode answers = server.idflow().storage().sessions().findByFlowId(flow.flowId()).get(0)
                .result().get("answers");
        assertThat(answers.get("full_name").asText()).isEqualTo("Aigerim Bekova");
        assertThat(answers.get("income").asInt()).isEqualTo(100);
        assertThat(answers.get("purpose").asText()).isEqualTo("car");
        assertThat(answers.get("iin").asText()).isEqualTo(FormValues.IIN);
    }

    @Test
    void aWrongFormAnswerFailsNamingTheStepTheFieldAndTheRule(IdflowServer server, SimulatedPersons persons)
            throws Exception {
        BankClient.Flow flow = BankClient.test(server).createFlow("person-wrong",
                "[{\"service_name\":\"flow-form\",\"fields\":[{\"name\":\"iin\",\"type\":\"iin\",\"label\":\"Q\",\"required\":true}]}]");
        SimulatedPerson person = persons.open(flow.vlink());
        person.start();

        assertThatThrownBy(() -> person.fillForm(Map.of("iin", "123")))
                .isInstanceOf(PersonCannotProceed.class)
                .hasMessageContaining("step-1 (service flow-form, screen form)")
                .hasMessageContaining("422 INVALID_PAYLOAD answers.iin: must be 12 digits");
        SimulatedPerson.Answer answer = person.trySubmit("{\"answers\":{\"iin\":\"123\"}}");
        assertThat(answer.status()).isEqualTo(422);
        assertThat(answer.field()).isEqualTo("answers.iin");
        assertThat(answer.rule()).isEqualTo("pattern");
        assertThat(person.ended()).as("a wrong answer loses nothing: the step stays open").isFalse();
    }

    @Test
    void aFieldWithAPatternTheKitCannotMatchMustBeGiven(IdflowServer server, SimulatedPersons persons) throws Exception {
        BankClient.Flow flow = BankClient.test(server).createFlow("person-pattern", "[{\"service_name\":\"flow-form\","
                + "\"fields\":[{\"name\":\"contract\",\"type\":\"text\",\"label\":\"Q\",\"required\":true,\"pattern\":\"K-[0-9]{4}\"}]}]");

        assertThatThrownBy(() -> persons.open(flow.vlink()).completeFlow())
                .isInstanceOf(PersonCannotProceed.class)
                .hasMessageContaining("field contract (type text, pattern K-[0-9]{4})")
                .hasMessageContaining("give it to fillForm");
        assertThat(persons.open(flow.vlink(), Map.of("contract", "K-0042")).completeFlow().flowStatus()).isEqualTo("pass");
    }

    @Test
    void entersTheSandboxCodeOfATestFlowAndTheScriptedOne(IdflowServer server, SimulatedPersons persons, Mockery mockery)
            throws Exception {
        BankClient bank = BankClient.test(server);
        String otp = "[{\"service_name\":\"otp\"}]";
        String phone = "\"input_data\":{\"phone_number\":\"+77011234567\"}";
        BankClient.Flow zeros = bank.createFlow("person-otp", otp, phone);
        assertThat(persons.open(zeros.vlink()).completeFlow().flowStatus()).isEqualTo("pass");

        mockery.otpCode("person-otp-scripted", "424242");
        BankClient.Flow scripted = bank.createFlow("person-otp-scripted", otp, phone);
        SimulatedPerson person = persons.open(scripted.vlink());
        person.start();
        assertThatThrownBy(() -> person.enterOtp("000000")).hasMessageContaining("422 INVALID_PAYLOAD code");
        person.enterOtp();
        assertThat(person.outcome().flowStatus()).isEqualTo("pass");
    }

    @Test
    void entersTheCodeTheKitsMessageSenderRecordedForALiveFlow(IdflowServer server, SimulatedPersons persons,
                                                              SentMessages messages) throws Exception {
        BankClient.Flow flow = BankClient.live(server).createFlow("person-live-otp", "[{\"service_name\":\"otp\"}]",
                "\"input_data\":{\"phone_number\":\"+77011234567\"}");
        SimulatedPerson person = persons.open(flow.vlink());
        person.start();

        assertThat(messages.forFlow(flow.flowId())).singleElement().satisfies(m -> {
            assertThat(m.purpose()).isEqualTo("otp");
            assertThat(m.to()).isEqualTo("+77011234567");
        });
        assertThat(messages.lastCode(flow.flowId())).get().asString().hasSize(6).isNotEqualTo("000000");
        person.enterOtp();
        assertThat(person.outcome().flowStatus()).isEqualTo("pass");
    }

    @Test
    void asksForANewCodeOnceTheScreenAllowsAndEntersTheNewOne(IdflowServer server, SimulatedPersons persons,
                                                             SentMessages messages, TestClock clock) throws Exception {
        BankClient.Flow flow = BankClient.live(server).createFlow("person-resend", "[{\"service_name\":\"otp\"}]",
                "\"input_data\":{\"phone_number\":\"+77011234567\"}");
        SimulatedPerson person = persons.open(flow.vlink());
        person.start();

        assertThatThrownBy(person::resendOtp).isInstanceOf(PersonCannotProceed.class)
                .hasMessageContaining("service otp").hasMessageContaining("429");
        clock.advance(java.time.Duration.ofSeconds(61));
        person.resendOtp();

        assertThat(messages.forFlow(flow.flowId())).hasSize(2);
        person.enterOtp();
        assertThat(person.outcome().flowStatus()).isEqualTo("pass");
    }

    @Test
    void uploadsASampleOfATypeEachFileAccepts(IdflowServer server, SimulatedPersons persons) throws Exception {
        BankClient.Flow flow = BankClient.test(server).createFlow("person-upload", "[{\"service_name\":\"file-storage\","
                + "\"files\":[{\"label\":\"id_card\",\"types\":[\"application/pdf\"]},"
                + "{\"label\":\"selfie\",\"types\":[\"image/png\"]}]}]");
        SimulatedPerson person = persons.open(flow.vlink());
        person.start();

        person.uploadFiles();

        assertThat(person.outcome().flowStatus()).isEqualTo("pass");
    }

    @Test
    void uploadsTheFileItWasGivenAndAFileOfAWrongTypeIsRefusedNamingItsLabel(IdflowServer server, SimulatedPersons persons)
            throws Exception {
        BankClient.Flow flow = BankClient.test(server).createFlow("person-upload-2", "[{\"service_name\":\"file-storage\","
                + "\"files\":[{\"label\":\"id_card\",\"types\":[\"application/pdf\"]}]}]");
        SimulatedPerson person = persons.open(flow.vlink()).withUpload("id_card", SampleFiles.jpeg());
        person.start();

        assertThatThrownBy(person::uploadFiles).isInstanceOf(PersonCannotProceed.class)
                .hasMessageContaining("service file-storage").hasMessageContaining("files.id_card");
        person.withUpload("id_card", SampleFiles.pdf("my id card")).uploadFiles();
        assertThat(person.outcome().flowStatus()).isEqualTo("pass");
    }

    @Test
    void passesAndFailsLivenessAsTheSandboxIsScripted(IdflowServer server, SimulatedPersons persons) throws Exception {
        BankClient bank = BankClient.test(server);
        SimulatedPerson passing = persons.open(bank.createFlow("person-live-pass", "[{\"service_name\":\"verilive\"}]").vlink());
        passing.start();
        assertThat(passing.passLiveness().success()).isTrue();
        assertThat(passing.outcome().flowStatus()).isEqualTo("pass");

        BankClient.Flow flow = bank.createFlow("person-live-fail", "[{\"service_name\":\"verilive\",\"max_retries\":1}]");
        SimulatedPerson failing = persons.open(flow.vlink());
        failing.start();
        SimulatedPerson.LivenessAnswer answer = failing.failLiveness();
        assertThat(answer.success()).isFalse();
        assertThat(answer.errorCode()).isEqualTo("model_prediction");
        assertThat(bank.result(flow.flowId()).at("/service_statuses/0/service_name").asText()).isEqualTo("verilive");
    }

    @Test
    void aStepWaitingForTheHostStopsTheWalkNamingTheStepAndItsService(IdflowServer server, SimulatedPersons persons)
            throws Exception {
        BankClient.Flow flow = BankClient.test(server).createFlow("person-wait",
                "[{\"service_name\":\"consent\"},{\"service_name\":\"interrupter\"}]");

        assertThatThrownBy(() -> persons.open(flow.vlink()).completeFlow())
                .isInstanceOf(PersonCannotProceed.class)
                .hasMessageStartingWith("at step step-2 (service interrupter, screen wait)")
                .hasMessageContaining("completeSession");
    }

    @Test
    void aVerbForAnotherScreenFailsNamingTheStepItStandsAt(IdflowServer server, SimulatedPersons persons) throws Exception {
        BankClient.Flow flow = BankClient.test(server).createFlow("person-other", "[{\"service_name\":\"consent\"}]");
        SimulatedPerson person = persons.open(flow.vlink());

        assertThatThrownBy(person::enterOtp).hasMessageContaining("has not started");
        person.start();
        assertThatThrownBy(person::enterOtp).isInstanceOf(PersonCannotProceed.class)
                .hasMessage("at step step-1 (service consent, screen consent): the person cannot enter an OTP code there"
                        + " (that needs a otp screen)");
        person.completeFlow();
        assertThatThrownBy(person::next).hasMessageContaining("the flow ended completed (pass)");
    }

    @Test
    void walksAPipelineOfManyStepsToTheEndWithNext(IdflowServer server, SimulatedPersons persons, Mockery mockery)
            throws Exception {
        mockery.liveness("person-all", ScriptedLiveness.PASS);
        BankClient.Flow flow = BankClient.test(server).createFlow("person-all", "[{\"service_name\":\"language-selector\"},"
                + "{\"service_name\":\"consent\"},{\"service_name\":\"verilive\"},{\"service_name\":\"otp\"},"
                + "{\"service_name\":\"flow-form\",\"fields\":[{\"name\":\"born\",\"type\":\"date\",\"label\":\"Q\",\"required\":true}]},"
                + "{\"service_name\":\"file-storage\",\"files\":[{\"label\":\"doc\"}]},{\"service_name\":\"kisc\"}]",
                "\"input_data\":{\"phone_number\":\"+77011234567\"}");
        SimulatedPerson person = persons.open(flow.vlink());

        int answers = 0;
        while (!person.ended()) {
            person.next();
            answers++;
        }

        assertThat(answers).isEqualTo(6);
        assertThat(person.outcome()).isEqualTo(new SimulatedPerson.Ended("pass", "completed"));
    }
}
