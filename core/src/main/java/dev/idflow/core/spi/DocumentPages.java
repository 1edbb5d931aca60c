package dev.idflow.core.spi;

import dev.idflow.core.model.StoredFile;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link FlowService} implements when its screen shows documents to read ({@code documents},
 * {@code sign}): the client API serves them to the person's page through it,
 * {@code GET /hf/{vlink}/api/steps/{step_id}/documents/{n}} (the document itself, streamed) and
 * {@code …/documents/{n}/pages/{p}} (a page as a PNG image), asking the service of the step the flow
 * stands at, while its session waits for the person. Core knows no document format: the service says
 * which stored files its screen shows and renders their pages (idflow-documents does it with PDFBox).
 *
 * <p>{@code n} and {@code p} count from 1, in the order of {@link #shownDocuments} and of the screen's
 * {@code documents} list, which must agree. The client API checks both against this list before it
 * calls {@link #renderPage}, bounds how many pages a node renders at once and keeps recent pages, so an
 * implementation renders one page per call and holds nothing between calls.
 */
public interface DocumentPages {

    /** One document on the screen: its title as shown, the stored file, and its number of pages (at least 1). */
    record ShownDocument(String title, StoredFile file, int pages) {
        public ShownDocument {
            Objects.requireNonNull(title, "title");
            Objects.requireNonNull(file, "file");
            if (pages < 1) {
                throw new IllegalArgumentException("pages: must be at least 1");
            }
        }
    }

    /**
     * The documents the step's screen shows now, in the screen's order; empty when it shows none. Called on
     * every page request: read them from what the service kept ({@link StepContext#state}), not anew.
     */
    List<ShownDocument> shownDocuments(StepContext step) throws Exception;

    /**
     * Page {@code page} (1 … {@code document.pages()}) of {@code document} as a PNG image. Render that one
     * page only, with a bound on its pixels, and keep nothing: the content comes from
     * {@link StepContext#openFile}.
     */
    byte[] renderPage(StepContext step, ShownDocument document, int page) throws Exception;
}
