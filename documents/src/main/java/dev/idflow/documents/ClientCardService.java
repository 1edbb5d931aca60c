package dev.idflow.documents;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.idflow.core.internal.Json;
import dev.idflow.core.model.ExecutionStatus;
import dev.idflow.core.model.FlowInputData;
import dev.idflow.core.model.StoredFile;
import dev.idflow.core.spi.FlowService;
import dev.idflow.core.spi.ServiceFile;
import dev.idflow.core.spi.ServiceOutcome;
import dev.idflow.core.spi.StepContext;
import dev.idflow.core.spi.StepDecision;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Calendar;
import java.util.GregorianCalendar;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TimeZone;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType0Font;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;

/**
 * {@code client-card}: finishes at once with a one-page PDF card of the person the flow verified →
 * file {@code client_card} (application/pdf). On it: the best frame of the flow's liveness (when there
 * is one), the person's name, IIN and phone (the flow's input_data, with what earlier steps such as kisc
 * filled in), each earlier check (service, outcome, when it ended), the flow id and person_id, in the
 * flow's locale (kk, ru, en). The text is in Liberation Sans, embedded ({@link PdfText}), so Kazakh and
 * Russian names render in any reader and can be extracted as text.
 *
 * <p>Result: {@code {service_name, service_status: "success", file: "client_card", checks: n}}; it
 * carries no name or IIN of its own, so the flow result's person_name and iin stay those of the service
 * that established them.
 */
public final class ClientCardService implements FlowService {
    public static final String NAME = "client-card";
    public static final String FILE_LABEL = "client_card";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    /** The card's words, by locale. */
    record Words(String title, String name, String iin, String phone, String flow, String person, String checks,
                 String service, String outcome, String time, String passed, String failed, String undecided,
                 String noPhoto, String none, String issued) {
        static Words of(String locale) {
            return switch (locale == null ? "en" : locale) {
                case "kk" -> new Words("Клиент карточкасы", "Аты-жөні", "ЖСН", "Телефон", "Процесс", "Клиент идентификаторы",
                        "Тексерулер", "Қызмет", "Нәтиже", "Уақыты", "өтті", "өтпеді", "шешімсіз", "Фото жоқ",
                        "Тексеру болған жоқ", "Жасалған уақыты");
                case "ru" -> new Words("Карточка клиента", "ФИО", "ИИН", "Телефон", "Процесс", "Идентификатор клиента",
                        "Проверки", "Сервис", "Результат", "Время", "пройдена", "не пройдена", "без решения",
                        "Фото нет", "Проверок не было", "Сформирована");
                default -> new Words("Client card", "Full name", "IIN", "Phone", "Flow", "Person ID", "Checks", "Service",
                        "Outcome", "Time", "passed", "failed", "no verdict", "No photo", "No checks", "Issued");
            };
        }

        String outcomeOf(ExecutionStatus status) {
            return status == ExecutionStatus.PASS ? passed : status == ExecutionStatus.FAIL ? failed : undecided;
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public StepDecision open(StepContext step) throws Exception {
        byte[] pdf = card(step);
        ObjectNode result = Json.mapper().createObjectNode().put("service_name", NAME).put("service_status", "success")
                .put("file", FILE_LABEL).put("checks", step.earlierSessions().size());
        return StepDecision.finish(ServiceOutcome.pass(result).withFiles(Map.of(FILE_LABEL, new ServiceFile("application/pdf", pdf))));
    }

    /** The card of the flow's person as it stands at {@code step}. */
    static byte[] card(StepContext step) throws IOException {
        Words w = Words.of(step.locale());
        FlowInputData input = step.inputData();
        String name = input == null ? null : input.fullName();
        String iin = input == null ? null : input.iin();
        String phone = input == null ? null : input.phoneNumber();
        byte[] photo = null;
        Optional<StoredFile> bestframe = step.flowFile("bestframe");
        if (bestframe.isPresent()) {
            try (InputStream in = step.openFile(bestframe.get())) {
                photo = in.readNBytes(8 << 20);
            }
        }
        try (PDDocument doc = new PDDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            PDType0Font font = PdfText.font(doc);
            PDPage page = new PDPage(PDRectangle.A4);
            doc.addPage(page);
            float left = 56;
            float right = PDRectangle.A4.getWidth() - 56;
            float y = PDRectangle.A4.getHeight() - 64;
            try (PDPageContentStream c = new PDPageContentStream(doc, page)) {
                text(c, font, 20, left, y, PdfText.printable(font, w.title()));
                y -= 16;
                line(c, left, y, right);
                y -= 24;
                float photoTop = y;
                float photoW = 120;
                float photoH = 160;
                if (photo != null) {
                    PDImageXObject image = PDImageXObject.createFromByteArray(doc, photo, "bestframe");
                    float scale = Math.min(photoW / image.getWidth(), photoH / image.getHeight());
                    float iw = image.getWidth() * scale;
                    float ih = image.getHeight() * scale;
                    c.drawImage(image, left, photoTop - ih, iw, ih);
                } else {
                    c.addRect(left, photoTop - photoH, photoW, photoH);
                    c.stroke();
                    text(c, font, 10, left + 8, photoTop - photoH / 2, PdfText.printable(font, w.noPhoto()));
                }
                float fx = left + photoW + 24;
                float fy = photoTop - 10;
                for (String[] field : List.of(new String[] {w.name(), name}, new String[] {w.iin(), iin},
                        new String[] {w.phone(), phone}, new String[] {w.person(), step.personId()},
                        new String[] {w.flow(), step.flowId()})) {
                    text(c, font, 9, fx, fy, PdfText.printable(font, field[0]));
                    fy -= 15;
                    for (String l : PdfText.wrap(font, 13, PdfText.printable(font, blankAsDash(field[1])), right - fx)) {
                        text(c, font, 13, fx, fy, l);
                        fy -= 16;
                    }
                    fy -= 6;
                }
                y = Math.min(photoTop - photoH, fy) - 28;
                text(c, font, 14, left, y, PdfText.printable(font, w.checks()));
                y -= 8;
                line(c, left, y, right);
                y -= 16;
                float col2 = left + 200;
                float col3 = left + 320;
                text(c, font, 9, left, y, PdfText.printable(font, w.service()));
                text(c, font, 9, col2, y, PdfText.printable(font, w.outcome()));
                text(c, font, 9, col3, y, PdfText.printable(font, w.time()));
                y -= 16;
                List<StepContext.EarlierSession> checks = step.earlierSessions();
                if (checks.isEmpty()) {
                    text(c, font, 11, left, y, PdfText.printable(font, w.none()));
                    y -= 16;
                }
                for (StepContext.EarlierSession check : checks) {
                    if (y < 90) {
                        break; // one page: the flow result lists every session anyway
                    }
                    text(c, font, 11, left, y, PdfText.printable(font, check.serviceName()));
                    text(c, font, 11, col2, y, PdfText.printable(font, w.outcomeOf(check.status())));
                    text(c, font, 11, col3, y, check.endedAt() == null ? "—" : TIME.format(check.endedAt()));
                    y -= 16;
                }
                line(c, left, 70, right);
                text(c, font, 9, left, 56, PdfText.printable(font, w.issued() + ": " + TIME.format(step.now())));
            }
            PDDocumentInformation info = doc.getDocumentInformation();
            info.setTitle(w.title() + (name == null || name.isBlank() ? "" : " — " + name));
            info.setProducer("idflow");
            info.setCreationDate(calendar(step.now()));
            doc.save(out);
            return out.toByteArray();
        }
    }

    private static String blankAsDash(String s) {
        return s == null || s.isBlank() ? "—" : s.trim();
    }

    private static void text(PDPageContentStream c, PDType0Font font, float size, float x, float y, String s) throws IOException {
        c.beginText();
        c.setFont(font, size);
        c.newLineAtOffset(x, y);
        c.showText(s);
        c.endText();
    }

    private static void line(PDPageContentStream c, float x1, float y, float x2) throws IOException {
        c.setLineWidth(0.5f);
        c.moveTo(x1, y);
        c.lineTo(x2, y);
        c.stroke();
    }

    private static Calendar calendar(Instant at) {
        GregorianCalendar calendar = new GregorianCalendar(TimeZone.getTimeZone("UTC"));
        calendar.setTimeInMillis(at.toEpochMilli());
        return calendar;
    }
}
