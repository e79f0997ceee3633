package io.dlog.compat.badinput;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Collects what the in-process broker logs (the io.dlog loggers, at INFO and above) while open, so a
 * test can hold the broker to "one concise line at most" for bad input.
 */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger("io.dlog");

    static LogCapture open() {
        LogCapture capture = new LogCapture();
        capture.setName("capture");
        capture.start();
        capture.logger.addAppender(capture);
        return capture;
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (event.getLevel().isGreaterOrEqual(Level.INFO)) {
            events.add(event);
        }
    }

    List<ILoggingEvent> events() {
        return List.copyOf(events);
    }

    /** Events that carry a stack trace. */
    List<ILoggingEvent> withStackTraces() {
        return events.stream().filter(e -> e.getThrowableProxy() != null).toList();
    }

    @Override
    public void close() {
        logger.detachAppender(this);
        stop();
    }
}
