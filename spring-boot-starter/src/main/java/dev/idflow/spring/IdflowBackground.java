package dev.idflow.spring;

import dev.idflow.core.Idflow;
import java.time.Duration;
import org.springframework.context.SmartLifecycle;

/**
 * idflow's background work (sweeper, event and webhook delivery, purges) as part of the context's
 * lifecycle: started when the context starts, stopped ({@link Idflow#stopBackground()}) when it stops or
 * closes, before the DataSource goes away. Every node runs it: work is claimed through the database.
 */
public class IdflowBackground implements SmartLifecycle {
    private final Idflow idflow;
    private final Duration interval;
    private final boolean autoStartup;
    private volatile boolean running;

    public IdflowBackground(Idflow idflow, Duration interval, boolean autoStartup) {
        this.idflow = idflow;
        this.interval = interval;
        this.autoStartup = autoStartup;
    }

    @Override
    public synchronized void start() {
        if (!running) {
            idflow.startBackground(interval);
            running = true;
        }
    }

    @Override
    public synchronized void stop() {
        if (running) {
            idflow.stopBackground();
            running = false;
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public boolean isAutoStartup() {
        return autoStartup;
    }
}
