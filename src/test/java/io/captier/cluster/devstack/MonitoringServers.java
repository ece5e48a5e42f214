package io.captier.cluster.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.captier.cluster.os.Binaries;
import io.captier.cluster.os.FreePorts;
import io.captier.cluster.os.OsProcess;
import io.captier.cluster.os.Processes;
import io.captier.cluster.os.Watchdog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Prometheus and Alertmanager (Debian's binaries) for local captier instances: the real
 * monitoring/alertmanager.yml as it is, and monitoring/prometheus.yml + alerts.yml rendered by
 * {@link StackFiles#renderPrometheus} (targets, interval, and optionally shorter "for" durations).
 * Each on a free 127.0.0.1 port in one temp directory. Used by the tests and by scripts/up.
 */
public final class MonitoringServers implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Watchdog watchdog;
    private OsProcess alertmanager;
    private OsProcess prometheus;
    private int alertmanagerPort;
    private int prometheusPort;
    private boolean closed;

    /**
     * Starts Alertmanager, then Prometheus, and returns once both are ready.
     *
     * @param captierTargets profile -> the instances' host:port
     * @param interval       scrape and rule evaluation interval
     * @param forOverrides   alert name -> the "for" to run it with here (empty: the real ones)
     */
    public static MonitoringServers start(Map<String, List<String>> captierTargets, Duration interval,
            Map<String, Duration> forOverrides) {
        Binaries.requireStackTools();
        return StackProcesses.started(new MonitoringServers(), m -> m.launch(captierTargets, interval, forOverrides));
    }

    private MonitoringServers() {
        dir = StackProcesses.newDir("captier-monitoring-");
        watchdog = Watchdog.start(dir);
    }

    private void launch(Map<String, List<String>> captierTargets, Duration interval, Map<String, Duration> forOverrides) {
        StackFiles files = StackFiles.project();
        for (int attempt = 1; alertmanager == null; attempt++) {
            alertmanagerPort = FreePorts.next();
            alertmanager = StackProcesses.launch("alertmanager", List.of("prometheus-alertmanager",
                    "--config.file=" + files.path("monitoring/alertmanager.yml"),
                    "--storage.path=" + dir.resolve("alertmanager-data"),
                    "--web.listen-address=127.0.0.1:" + alertmanagerPort,
                    // no high-availability gossip: it would bind 0.0.0.0:9094
                    "--cluster.listen-address="),
                    dir.resolve("alertmanager.log"), dir, Map.of(), watchdog,
                    () -> StackProcesses.ok(alertmanagerUrl() + "/-/ready"), READY_TIMEOUT);
            if (alertmanager == null && attempt == 3) {
                throw new IllegalStateException("alertmanager did not start:\n" + Processes.tail(dir.resolve("alertmanager.log"), 30));
            }
        }
        for (int attempt = 1; prometheus == null; attempt++) {
            prometheusPort = FreePorts.next();
            Path config = files.renderPrometheus(dir.resolve("prometheus"), captierTargets, "127.0.0.1:" + prometheusPort,
                    "127.0.0.1:" + alertmanagerPort, interval, forOverrides);
            prometheus = StackProcesses.launch("prometheus", List.of("prometheus",
                    "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("prometheus-data"),
                    "--web.listen-address=127.0.0.1:" + prometheusPort),
                    dir.resolve("prometheus.log"), dir, Map.of(), watchdog,
                    () -> StackProcesses.ok(prometheusUrl() + "/-/ready"), READY_TIMEOUT);
            if (prometheus == null && attempt == 3) {
                throw new IllegalStateException("prometheus did not start:\n" + Processes.tail(dir.resolve("prometheus.log"), 30));
            }
        }
    }

    public String prometheusUrl() {
        return "http://127.0.0.1:" + prometheusPort;
    }

    public String alertmanagerUrl() {
        return "http://127.0.0.1:" + alertmanagerPort;
    }

    /** An instant query: the "data.result" array of Prometheus' answer. */
    public JsonNode query(String promql) {
        JsonNode answer = json(prometheusUrl() + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        if (!"success".equals(answer.path("status").asText())) {
            throw new IllegalStateException("query " + promql + ": " + answer);
        }
        return answer.get("data").get("result");
    }

    /** The alerts Alertmanager holds now (its API v2). */
    public JsonNode alertmanagerAlerts() {
        return json(alertmanagerUrl() + "/api/v2/alerts");
    }

    /** The alerts Prometheus evaluates now (pending and firing). */
    public JsonNode prometheusAlerts() {
        return json(prometheusUrl() + "/api/v1/alerts").get("data").get("alerts");
    }

    private static JsonNode json(String url) {
        try {
            return JSON.readTree(StackProcesses.get(url));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String logTail(int lines) {
        return "--- prometheus ---\n" + Processes.tail(dir.resolve("prometheus.log"), lines)
                + "\n--- alertmanager ---\n" + Processes.tail(dir.resolve("alertmanager.log"), lines);
    }

    /** SIGTERM to each (both shut down cleanly on it), kill -9 after 5 s; the directory goes too. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (prometheus != null) {
            prometheus.terminate("TERM", Duration.ofSeconds(5));
        }
        StackProcesses.stop(alertmanager, "TERM", watchdog, dir);
    }
}
