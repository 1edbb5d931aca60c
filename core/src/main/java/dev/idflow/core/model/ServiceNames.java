package dev.idflow.core.model;

import java.util.List;

/** The services the spec names (its ServiceName enum). */
public final class ServiceNames {
    public static final String VERILIVE = "verilive";
    public static final String CONSENT = "consent";
    public static final String LANGUAGE_SELECTOR = "language-selector";
    public static final String FILE_STORAGE = "file-storage";

    /** Kept in step with {@link dev.idflow.core.model.PipelineStep}'s constraint, which must be a constant. */
    public static final List<String> ALL = List.of(
            "verilive", "verilive-one-shot", "verilive-infrared", "veriface", "veridoc", "kisc", "redoc",
            "egov-doc", "aml-cft", "flow-form", "consent", "veriphone", "esign", "kyc-list", "otp",
            "notification", "device-filter", "doc-preview", "doc-builder", "file-storage", "client-card",
            "erd", "interrupter", "language-selector", "amlcft-service");

    private ServiceNames() {
    }
}
