package dev.idflow.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** The demo's background log writer: every line written, in the order given, by its own thread. */
class AsyncLogTest {

    /** A logger that keeps what it was given and on which thread. */
    static final class Capturing extends LegacyAbstractLogger {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String message, Object[] args,
                                                   Throwable throwable) {
            lines.add(level + " " + MessageFormatter.basicArrayFormat(message, args));
            threads.add(Thread.currentThread().getName());
        }

        @Override
        public boolean isTraceEnabled() {
            return true;
        }

        @Override
        public boolean isDebugEnabled() {
            return true;
        }

        @Override
        public boolean isInfoEnabled() {
            return true;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }
    }

    @Test
    void everyLineIsWrittenInOrderByTheWriterThread() throws InterruptedException {
        Capturing log = new Capturing();
        for (int i = 0; i < 500; i++) {
            AsyncLog.info(log, "line " + i);
        }
        for (int waited = 0; log.lines.size() < 500 && waited < 10_000; waited += 10) {
            Thread.sleep(10);
        }

        assertThat(log.lines).hasSize(500);
        assertThat(log.lines.get(0)).isEqualTo("INFO line 0");
        assertThat(log.lines.get(499)).isEqualTo("INFO line 499");
        for (int i = 0; i < 500; i++) {
            assertThat(log.lines.get(i)).isEqualTo("INFO line " + i);
        }
        assertThat(log.threads).containsOnly("idflow-demo-log");
    }
}
