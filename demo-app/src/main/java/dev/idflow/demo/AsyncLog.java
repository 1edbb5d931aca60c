package dev.idflow.demo;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * The demo's per-request and per-event log lines, written by one background thread: slf4j-simple writes under one
 * lock (and formats its date inside it), so sixteen request threads logging a line each queued on that lock (a JFR
 * profile under load: the demo's hottest contention). A request thread now only offers its line to a bounded
 * queue; when the queue is full (a writer slower than the load) the line is dropped and counted, and the count
 * logged with the next line written, so the log says what it lost. Lines keep their order.
 */
final class AsyncLog {
    private static final int CAPACITY = 8192;
    private static final BlockingQueue<Object[]> QUEUE = new ArrayBlockingQueue<>(CAPACITY);
    private static final AtomicLong DROPPED = new AtomicLong();

    static {
        Thread writer = new Thread(AsyncLog::drain, "idflow-demo-log");
        writer.setDaemon(true);
        writer.start();
        Runtime.getRuntime().addShutdownHook(new Thread(AsyncLog::flush, "idflow-demo-log-flush"));
    }

    private AsyncLog() {
    }

    /** Logs {@code line} at INFO on {@code log} from the writer thread; never blocks the caller. */
    static void info(Logger log, String line) {
        if (!QUEUE.offer(new Object[] {log, line})) {
            DROPPED.incrementAndGet();
        }
    }

    private static void drain() {
        while (true) {
            try {
                write(QUEUE.take());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // a failing logger must not end the writer; nothing else to tell it to
            }
        }
    }

    /** Writes what is queued now (at exit: the lines of the last requests). */
    static void flush() {
        Object[] next;
        while ((next = QUEUE.poll()) != null) {
            write(next);
        }
    }

    private static void write(Object[] entry) {
        Logger log = (Logger) entry[0];
        long dropped = DROPPED.getAndSet(0);
        if (dropped > 0) {
            log.warn("{} log lines dropped: the log could not keep up with the load", dropped);
        }
        log.info((String) entry[1]);
    }
}
