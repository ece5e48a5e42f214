package io.captier.observability;

import org.jboss.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One log line of a named event (its code, such as {@code AUTH_FAILURE}, starts the
 * message, so a grep for it keeps working) with the event's data as fields rather than
 * words of the message. The fields are MDC entries of this one log record only, so nothing
 * leaks into the next line a thread (or a Vert.x context) logs. The ECS JSON format of
 * quarkus-logging-json prints them in the line's {@code "mdc"} object (as
 * {@code mdc.captier.key} and so on: Quarkus 3.34 has no flat MDC); the text format as
 * {@code {name=value, ...}} after the message ({@code %X}). docs/decisions.md (Production
 * stack, Logs) lists the fields.
 *
 * <p>Field names are ECS names where ECS has one (ECS field reference: {@code event.*},
 * {@code user.name}, {@code http.*}, {@code client.address}, {@code error.message},
 * {@code file.path}), {@code captier.*} otherwise; none is the prefix of another (a search
 * index could not hold both {@code a} and {@code a.b}). Values are strings. Never a
 * credential or a stored value; a data key only once it passed validation.
 */
public final class LogEvent {

    // ECS fields
    public static final String ACTION = "event.action";
    /** {@code success}, {@code failure} or {@code unknown}. */
    public static final String OUTCOME = "event.outcome";
    /** How long the event took, in nanoseconds (ECS). */
    public static final String DURATION = "event.duration";
    public static final String REASON = "event.reason";
    /** The name of an API key, never the key. */
    public static final String USER = "user.name";
    public static final String METHOD = "http.request.method";
    public static final String STATUS = "http.response.status_code";
    public static final String CLIENT = "client.address";
    public static final String ERROR = "error.message";
    public static final String FILE = "file.path";

    // captier's own fields
    /** write, delete or read. */
    public static final String OPERATION = "captier.operation";
    /** A data key, once validated. */
    public static final String KEY = "captier.key";
    /** The length of a key that failed validation, which is not shown. */
    public static final String INVALID_KEY_LENGTH = "captier.invalid_key_length";
    public static final String VERSION = "captier.version";
    public static final String DURABILITY = "captier.durability";
    public static final String REPLAYED = "captier.replayed";
    public static final String ORIGIN = "captier.origin";
    /** The route template, such as {@code /write/{key}}: never the path, which holds the key. */
    public static final String ROUTE = "captier.route";
    /** A store node as host:port: the {@code node} label of the metrics. */
    public static final String NODE = "captier.node";
    public static final String NODES = "captier.nodes";
    public static final String PREVIOUS_NODE = "captier.previous_node";
    public static final String ROLE = "captier.role";
    /** A PostgreSQL cluster's system identifier. */
    public static final String CLUSTER = "captier.cluster";
    public static final String TIMELINE = "captier.timeline";
    public static final String PREVIOUS_TIMELINE = "captier.previous_timeline";
    public static final String FENCED = "captier.fenced";
    public static final String BREAKER = "captier.breaker";
    public static final String STATE = "captier.state";
    public static final String PREVIOUS_STATE = "captier.previous_state";
    /** Epoch milliseconds since which Redis may miss writes. */
    public static final String SINCE_MS = "captier.since_ms";
    public static final String COUNT = "captier.count";
    /** Of a PostgreSQL call's time, how much went to taking a pooled connection, in ms (PG_CALL_SLOW). */
    public static final String ACQUIRE_MS = "captier.acquire_ms";
    /** How far a version's clock was ahead of this instance's, in ms (CLOCK_OFFSET). */
    public static final String CLOCK_AHEAD_MS = "captier.clock_ahead_ms";

    private static final Map<Logger.Level, java.util.logging.Level> LEVELS = Map.of(
            Logger.Level.DEBUG, org.jboss.logmanager.Level.DEBUG, Logger.Level.INFO, org.jboss.logmanager.Level.INFO,
            Logger.Level.WARN, org.jboss.logmanager.Level.WARN, Logger.Level.ERROR, org.jboss.logmanager.Level.ERROR);

    private final String action;
    private final Map<String, String> fields = new LinkedHashMap<>();

    private LogEvent(String action) {
        this.action = action;
        fields.put(ACTION, action);
    }

    /**
     * An event named by its code.
     *
     * @param action the code, such as {@code REDIS_MASTER}: the first word of the message
     *               and the {@code event.action} field
     * @return an event with no other field yet
     */
    public static LogEvent of(String action) {
        return new LogEvent(action);
    }

    /**
     * Adds a field.
     *
     * @param field one of the names above
     * @param value shown as {@code String.valueOf(value)}; null leaves the field out
     * @return this event
     */
    public LogEvent with(String field, Object value) {
        if (value != null) {
            fields.put(field, String.valueOf(value));
        }
        return this;
    }

    /** Logs "{code} {text}" at DEBUG on {@code log}, with the fields; nothing when DEBUG is off. */
    public void debug(Logger log, String text) {
        log(log, Logger.Level.DEBUG, text, null);
    }

    /** The same at INFO. */
    public void info(Logger log, String text) {
        log(log, Logger.Level.INFO, text, null);
    }

    /** The same at WARN. */
    public void warn(Logger log, String text) {
        log(log, Logger.Level.WARN, text, null);
    }

    /** The same at ERROR. */
    public void error(Logger log, String text) {
        log(log, Logger.Level.ERROR, text, null);
    }

    /** The same at ERROR, with the exception's stack trace. */
    public void error(Logger log, String text, Throwable thrown) {
        log(log, Logger.Level.ERROR, text, thrown);
    }

    /**
     * Logs "{code} {text}" with the fields as the record's own MDC entries: the thread's
     * MDC (trace ids) is copied into the record and the fields added there, never put into
     * the MDC itself. Why not MDC.put around the call: on a Vert.x event loop outside a
     * request, Quarkus' MDC makes a new duplicated context for every access, so the fields
     * put would never reach the line.
     */
    private void log(Logger log, Logger.Level level, String text, Throwable thrown) {
        if (!log.isEnabled(level)) {
            return;
        }
        ExtLogRecord record = new ExtLogRecord(LEVELS.get(level), action + " " + text,
                ExtLogRecord.FormatStyle.NO_FORMAT, LogEvent.class.getName());
        record.setLoggerName(log.getName());
        record.setThrown(thrown);
        record.copyMdc();
        fields.forEach(record::putMdc);
        org.jboss.logmanager.Logger.getLogger(log.getName()).log(record);
    }
}
