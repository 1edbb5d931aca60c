package dev.idflow.core.model;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The file labels the spec names for {@code GET /resources/file}, and the rule for the labels a
 * {@code file-storage} step names itself (the files the person uploads, found by that label).
 */
public final class FileLabels {
    public static final String BESTFRAME = "bestframe";
    public static final String LIVENESS_VIDEO = "liveness_video";

    public static final List<String> ALL = List.of(
            "bestframe", "liveness_video", "liveness_alt_video", "liveness_frames", "doc_face_picture",
            "doc_signature_picture", "doc_original_front_img", "doc_original_back_img", "doc_original_img",
            "face_enroll_img", "face_verif_img", "egov_doc_pdf", "kisc_pii", "kisc_raw_content",
            "kisc_raw_headers", "signed_doc", "signed_docs", "certificate", "cert_status", "esign_original_doc",
            "client_card", "signed_doc_ticket", "doc_builder_template", "doc_builder_data", "doc_builder_pdf",
            "doc_builder_pdfs");

    /** A label a step may give a file: the spec's labels all keep to it. */
    public static final Pattern STEP_LABEL = Pattern.compile("[a-z0-9_-]{1,64}");
    public static final String STEP_LABEL_RULE = "must be 1–64 characters of a-z, 0-9, _ and -";

    private FileLabels() {
    }
}
