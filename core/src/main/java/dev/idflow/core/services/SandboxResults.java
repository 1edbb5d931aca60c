package dev.idflow.core.services;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.FileTypes;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.FlowInputData;
import dev.idflow.core.spi.ServiceFile;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepContext;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an external service answers in a test flow when the consumer scripted nothing for the person and
 * the host has no implementation of it (PRODUCT.md, "Sandbox"): a success of the shape the live answer
 * has, so that a bank's integration written against the sandbox reads production answers too. Every
 * result carries {@code "sandbox": true}. Nothing is random: the values come from the flow's input_data
 * ({@code iin}, {@code full_name}, {@code phone_number}) or are fixed sandbox values ({@link #SANDBOX_IIN},
 * {@link #SANDBOX_NAME}, {@link #SANDBOX_PHONE}), so the same person always gets the same answer and no
 * answer looks like someone's real data that the input did not already hold.
 *
 * <p>Every result has {@code service_name}, {@code service_status} ({@code success}; {@code real} for
 * {@code verilive-infrared}, a liveness verdict) and {@code sandbox: true}, and then:
 * <ul>
 *   <li>{@code kisc} (the state register of individuals): {@code iin}, {@code full_name}, {@code last_name},
 *       {@code first_name}, {@code middle_name} (when the name has a third word), {@code birth_date}
 *       (YYYY-MM-DD) and {@code gender} ({@code male}/{@code female}) from the IIN's first 7 digits (absent when
 *       those are no date), {@code citizenship} and {@code country_code} {@code KAZ}, {@code resident} true,
 *       {@code document}: {@code {type: "id_card", number: the IIN's last 9 digits, issuer: "MVD RK", valid: true}}.
 *       File {@code kisc_pii} (application/json: iin, full_name, birth_date, gender, document). Data for later
 *       steps: {@code iin}, {@code full_name}.</li>
 *   <li>{@code egov-doc} (a document fetched from eGov): {@code iin}, {@code full_name}, {@code document}:
 *       {@code {type: "identity_card", number, issuer: "MVD RK", status: "valid"}}. File {@code egov_doc_pdf}
 *       (a one-page PDF headed SANDBOX). Data: {@code iin}, {@code full_name}.</li>
 *   <li>{@code veridoc}, {@code redoc} (a document read from its pictures): {@code doc_type} {@code id_card},
 *       {@code country_code} {@code KAZ}, {@code iin}, {@code full_name}, {@code last_name}, {@code first_name},
 *       {@code middle_name}?, {@code birth_date}?, {@code gender}?, {@code doc_number}, {@code document_valid}
 *       true, {@code checks}: {@code {mrz: "passed", expiry: "passed", tampering: "passed"}}. No images. Data:
 *       {@code iin}, {@code full_name}.</li>
 *   <li>{@code veriphone} (who holds a phone number): {@code phone_number} (input_data's, else
 *       {@link #SANDBOX_PHONE}), {@code operator} by its prefix (Kcell, Beeline, Tele2, Altel, else
 *       {@code unknown}), {@code line_type} {@code mobile}, {@code owner_match} true.</li>
 *   <li>{@code aml-cft} (sanctions and terrorism lists): {@code found} false, {@code matches} [],
 *       {@code lists_checked} ({@link #AML_LISTS}), {@code subject}: {@code {iin?, full_name?}} as given.</li>
 *   <li>{@code amlcft-service} (a screening service with a score): as {@code aml-cft}, and {@code pep} false,
 *       {@code risk_level} {@code low}, {@code risk_score} 0.</li>
 *   <li>{@code erd} (the register of debtors): {@code found} false, {@code proceedings} [], {@code total_debt}
 *       0, {@code currency} {@code KZT}, {@code travel_ban} false, {@code subject}: {@code {iin?}}.</li>
 *   <li>{@code verilive-infrared} (infrared liveness; the shape of a VeriliveResult): {@code error_codes} [],
 *       {@code warnings} [], {@code start_time} (the session's opening) and {@code end_time} (now).</li>
 *   <li>any other service: nothing more.</li>
 * </ul>
 * Only the services that establish who the person is ({@code kisc}, {@code egov-doc}, {@code veridoc},
 * {@code redoc}) put {@code iin} and {@code full_name} at the top of their result, where the flow result
 * takes {@code person_name} and {@code iin} from; the checks of a person keep them under {@code subject},
 * so that a list check after a document read never overrides what the document said.
 */
final class SandboxResults {
    /** The IIN of a test flow whose input_data has none: 2000-01-01, male, serial 0000, its check digit right. */
    static final String SANDBOX_IIN = "000101500001";
    /** The name of a test flow whose input_data has none. */
    static final String SANDBOX_NAME = "SANDBOX PERSON";
    /** The phone number of a test flow whose input_data has none. */
    static final String SANDBOX_PHONE = "+77000000000";
    /** What the AML/CFT checks say they looked in: the AFM's lists, the UN Security Council's, OFAC's, the EU's. */
    static final List<String> AML_LISTS = List.of("kz_afm_terrorism", "kz_afm_proliferation", "un_sc_consolidated",
            "ofac_sdn", "eu_consolidated");

    private SandboxResults() {
    }

    static ServiceOutcome plausible(String name, StepContext step) {
        Person person = Person.of(step.inputData());
        ObjectNode result = SandboxService.success(name).put("sandbox", true);
        Map<String, ServiceFile> files = new LinkedHashMap<>();
        Map<String, String> data = new LinkedHashMap<>();
        switch (name) {
            case "kisc" -> {
                result.put("iin", person.iin);
                names(result, person);
                birth(result, person);
                result.put("citizenship", "KAZ").put("country_code", "KAZ").put("resident", true);
                result.putObject("document").put("type", "id_card").put("number", person.docNumber())
                        .put("issuer", "MVD RK").put("valid", true);
                ObjectNode pii = Json.mapper().createObjectNode().put("iin", person.iin).put("full_name", person.fullName);
                birth(pii, person);
                pii.set("document", result.get("document").deepCopy());
                files.put("kisc_pii", new ServiceFile(FileTypes.JSON, pii.toString().getBytes(StandardCharsets.UTF_8)));
                identity(data, person);
            }
            case "egov-doc" -> {
                result.put("iin", person.iin).put("full_name", person.fullName);
                result.putObject("document").put("type", "identity_card").put("number", person.docNumber())
                        .put("issuer", "MVD RK").put("status", "valid");
                files.put("egov_doc_pdf", new ServiceFile(FileTypes.PDF, pdf(List.of("SANDBOX - not a real document",
                        "eGov document: identity_card", "IIN: " + ascii(person.iin), "Number: " + ascii(person.docNumber())))));
                identity(data, person);
            }
            case "veridoc", "redoc" -> {
                result.put("doc_type", "id_card").put("country_code", "KAZ").put("iin", person.iin);
                names(result, person);
                birth(result, person);
                result.put("doc_number", person.docNumber()).put("document_valid", true);
                result.putObject("checks").put("mrz", "passed").put("expiry", "passed").put("tampering", "passed");
                identity(data, person);
            }
            case "veriphone" -> result.put("phone_number", person.phone).put("operator", operator(person.phone))
                    .put("line_type", "mobile").put("owner_match", true);
            case "aml-cft" -> amlCft(result, step.inputData());
            case "amlcft-service" -> amlCft(result, step.inputData()).put("pep", false).put("risk_level", "low")
                    .put("risk_score", 0);
            case "erd" -> {
                result.put("found", false).putArray("proceedings");
                result.put("total_debt", 0).put("currency", "KZT").put("travel_ban", false);
                subject(result, step.inputData(), false);
            }
            case "verilive-infrared" -> {
                result.put("service_status", "real").putArray("error_codes");
                result.putArray("warnings");
                result.put("start_time", step.openedAt().toString()).put("end_time", step.now().toString());
            }
            default -> {
                // a service of the spec that idflow does not describe: the plain success every answer starts with
            }
        }
        return new ServiceOutcome(SandboxService.statusOf(result.path("service_status").asText()), result, files, data);
    }

    /** What the test flow says of the person, with the sandbox's own values where it says nothing. */
    private record Person(String iin, String fullName, String phone) {
        static Person of(FlowInputData input) {
            String iin = input == null || blank(input.iin()) ? SANDBOX_IIN : input.iin().trim();
            String name = input == null || blank(input.fullName()) ? SANDBOX_NAME : input.fullName().trim();
            String phone = input == null || blank(input.phoneNumber()) ? SANDBOX_PHONE : input.phoneNumber().trim();
            return new Person(iin, name, phone);
        }

        /** An identity card's 9-digit number, taken from the IIN (its last 9 digits): the same person, the same card. */
        String docNumber() {
            String digits = iin.replaceAll("[^0-9]", "");
            String padded = "000000000" + digits;
            return padded.substring(padded.length() - 9);
        }

        /** The birth date an IIN encodes: YYMMDD, and the 7th digit's century (1–2: 1800s, 3–4: 1900s, 5–6: 2000s). */
        LocalDate birthDate() {
            if (!iin.matches("[0-9]{12}") || iin.charAt(6) < '1' || iin.charAt(6) > '6') {
                return null;
            }
            int century = 1800 + 100 * ((iin.charAt(6) - '1') / 2);
            try {
                return LocalDate.of(century + Integer.parseInt(iin.substring(0, 2)), Integer.parseInt(iin.substring(2, 4)),
                        Integer.parseInt(iin.substring(4, 6)));
            } catch (DateTimeException notADate) {
                return null;
            }
        }

        /** Odd 7th digit: male, even: female. */
        String gender() {
            return (iin.charAt(6) - '0') % 2 == 1 ? "male" : "female";
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static void identity(Map<String, String> data, Person person) {
        data.put("iin", person.iin);
        data.put("full_name", person.fullName);
    }

    /** {@code full_name} and its words: surname, given name, patronymic (the order of Kazakh documents). */
    private static void names(ObjectNode result, Person person) {
        result.put("full_name", person.fullName);
        String[] words = person.fullName.split("\\s+");
        result.put("last_name", words[0]);
        if (words.length > 1) {
            result.put("first_name", words[1]);
        }
        if (words.length > 2) {
            result.put("middle_name", String.join(" ", Arrays.copyOfRange(words, 2, words.length)));
        }
    }

    private static void birth(ObjectNode result, Person person) {
        LocalDate born = person.birthDate();
        if (born != null) {
            result.put("birth_date", born.toString()).put("gender", person.gender());
        }
    }

    private static ObjectNode amlCft(ObjectNode result, FlowInputData input) {
        result.put("found", false).putArray("matches");
        ArrayNode lists = result.putArray("lists_checked");
        AML_LISTS.forEach(lists::add);
        subject(result, input, true);
        return result;
    }

    /** Whom a check looked at: only what the flow's input_data holds, nothing made up. */
    private static void subject(ObjectNode result, FlowInputData input, boolean withName) {
        ObjectNode subject = result.putObject("subject");
        if (input != null && !blank(input.iin())) {
            subject.put("iin", input.iin().trim());
        }
        if (withName && input != null && !blank(input.fullName())) {
            subject.put("full_name", input.fullName().trim());
        }
    }

    /** The operator of a Kazakh mobile number by its code (+7 7xx or 8 7xx). */
    static String operator(String phone) {
        String digits = phone.replaceAll("[^0-9]", "");
        if (digits.length() != 11 || !(digits.startsWith("7") || digits.startsWith("8"))) {
            return "unknown";
        }
        return switch (digits.substring(1, 4)) {
            case "701", "702", "775", "778" -> "Kcell";
            case "705", "771", "776", "777" -> "Beeline";
            case "707", "747" -> "Tele2";
            case "700", "708" -> "Altel";
            default -> "unknown";
        };
    }

    private static String ascii(String s) {
        return s.replaceAll("[^ -~]", "?");
    }

    /**
     * A one-page PDF of a few lines of ASCII text in Helvetica, with a correct cross-reference table, so
     * that a viewer opens it like the real document. Parentheses and backslashes are escaped.
     */
    static byte[] pdf(List<String> lines) {
        StringBuilder text = new StringBuilder("BT /F1 14 Tf 72 770 Td 18 TL");
        for (String line : lines) {
            text.append(" (").append(ascii(line).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)"))
                    .append(") Tj T*");
        }
        text.append(" ET");
        List<String> objects = List.of(
                "<< /Type /Catalog /Pages 2 0 R >>",
                "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
                        + " /Resources << /Font << /F1 5 0 R >> >> >>",
                "<< /Length " + text.length() + " >>\nstream\n" + text + "\nendstream",
                "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Integer> offsets = new ArrayList<>();
        write(out, "%PDF-1.4\n");
        for (int i = 0; i < objects.size(); i++) {
            offsets.add(out.size());
            write(out, (i + 1) + " 0 obj\n" + objects.get(i) + "\nendobj\n");
        }
        int xref = out.size();
        StringBuilder table = new StringBuilder("xref\n0 " + (objects.size() + 1) + "\n0000000000 65535 f \n");
        for (int offset : offsets) {
            table.append(String.format("%010d 00000 n \n", offset));
        }
        write(out, table + "trailer\n<< /Size " + (objects.size() + 1) + " /Root 1 0 R >>\nstartxref\n" + xref + "\n%%EOF\n");
        return out.toByteArray();
    }

    private static void write(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    }
}
