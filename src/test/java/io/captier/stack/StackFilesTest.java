package io.captier.stack;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.captier.cluster.devstack.StackFiles;
import io.captier.cluster.os.Binaries;
import io.captier.mode.Mode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every file of the production stack, checked by the tool that will read it: docker-compose
 * (Debian's 1.29) for docker-compose.yml, nginx -t for nginx/, promtool for Prometheus' config
 * and rules (with unit tests of every alert), amtool for Alertmanager, Jackson for Grafana's
 * files, fabric8's models (strict) for k8s/, the shells for the scripts. Each kind of check also
 * gets a file it must refuse. Missing tools are installed (scripts/install-deps), never skipped.
 */
class StackFilesTest {

    private static final Pattern REQUIRED_VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+):\\?");
    private static final Pattern EXAMPLE_VARIABLE = Pattern.compile("(?m)^([A-Z0-9_]+)=");

    static StackFiles files;

    @TempDir
    Path tmp;

    @BeforeAll
    static void tools() {
        Binaries.requireStackTools();
        files = StackFiles.project();
    }

    // --- docker-compose.yml ------------------------------------------------------------------

    @Test
    void composeAcceptsTheFileWithEverySecretSetAndEverySecretIsInEnvExample() throws IOException {
        Set<String> required = requiredComposeVariables();
        assertTrue(required.containsAll(Set.of("DATABASE_PASSWORD", "REDIS_PASSWORD", "SECRET_KEY", "API_KEYS",
                "POSTGRES_PASSWORD", "REPLICATION_PASSWORD", "GRAFANA_ADMIN_PASSWORD")), "no default secrets: " + required);
        Set<String> documented = envExampleVariables();
        Set<String> undocumented = new TreeSet<>(required);
        undocumented.removeAll(documented);
        assertTrue(undocumented.isEmpty(), ".env.example lacks " + undocumented);

        StackFiles.Result r = compose(throwawayEnv(documented), "config", "-q");
        assertTrue(r.ok(), "docker-compose config: " + r);
    }

    @Test
    void composeRefusesToRunWithoutASecret() throws IOException {
        Map<String, String> env = throwawayEnv(envExampleVariables());
        env.put("API_KEYS", "");
        StackFiles.Result r = compose(env, "config", "-q");
        assertNotEquals(0, r.exit(), "an empty API_KEYS must stop docker-compose: " + r);
        assertTrue(r.err().contains("API_KEYS"), r.toString());
    }

    @Test
    void composeDeclaresTheWholeStackWithHealthChecksLimitsAndOrder() throws IOException {
        StackFiles.Result r = compose(throwawayEnv(envExampleVariables()), "config");
        assertTrue(r.ok(), r.toString());
        JsonNode services = MonitoringQueries.YAML.readTree(r.out()).get("services");
        Set<String> names = new TreeSet<>();
        services.fieldNames().forEachRemaining(names::add);
        assertEquals(new TreeSet<>(List.of("postgres-primary", "postgres-standby", "redis-master", "redis-replica-1",
                "redis-replica-2", "sentinel-1", "sentinel-2", "sentinel-3", "consistent-1", "consistent-2",
                "available-1", "available-2", "nginx", "prometheus", "alertmanager", "grafana", "jaeger")), names);
        for (String name : names) {
            JsonNode s = services.get(name);
            assertTrue(s.has("mem_limit") && s.has("cpus"), name + " has resource limits");
            assertTrue(s.has("healthcheck"), name + " has a health check");
        }
        for (String name : List.of("consistent-1", "consistent-2", "available-1", "available-2")) {
            JsonNode env = services.get(name).get("environment");
            for (String v : List.of("APP_MODE", "DATABASE_URL", "DATABASE_USER", "DATABASE_PASSWORD", "REDIS_SENTINELS",
                    "REDIS_MASTER_NAME", "REDIS_PASSWORD", "NETWORK_TIMEOUT_SEC", "MAX_STALENESS_MS", "HEARTBEAT_MS",
                    "MAX_CLOCK_OFFSET_MS", "SECRET_KEY", "HINT_LOG_DIR", "LOG_LEVEL", "OTEL_EXPORTER_OTLP_ENDPOINT", "API_KEYS", "INSTANCE_ID")) {
                assertTrue(env.has(v), name + " sets " + v);
            }
            assertEquals("service_healthy", services.get(name).get("depends_on").get("postgres-standby").get("condition").asText());
            assertTrue(services.get(name).path("volumes").toString().contains("/var/lib/captier"), name + " keeps HINT_LOG_DIR");
        }
        services.get("nginx").get("depends_on").forEach(d -> assertEquals("service_healthy", d.get("condition").asText()));
    }

    private Set<String> requiredComposeVariables() throws IOException {
        return variables(REQUIRED_VARIABLE, "docker-compose.yml");
    }

    private Set<String> envExampleVariables() throws IOException {
        return variables(EXAMPLE_VARIABLE, ".env.example");
    }

    private Set<String> variables(Pattern pattern, String file) throws IOException {
        Matcher m = pattern.matcher(Files.readString(files.path(file)));
        Set<String> names = new TreeSet<>();
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** A value for every variable: in an env file and in the command's environment (which wins). */
    private Map<String, String> throwawayEnv(Set<String> names) {
        Map<String, String> env = new LinkedHashMap<>();
        names.forEach(n -> env.put(n, "throwaway" + n.toLowerCase().replace('_', '-')));
        return env;
    }

    private StackFiles.Result compose(Map<String, String> env, String... args) throws IOException {
        Path envFile = tmp.resolve("compose.env");
        Files.writeString(envFile, env.entrySet().stream().filter(e -> !e.getValue().isEmpty())
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("\n", "", "\n")));
        List<String> cmd = new ArrayList<>(List.of("docker-compose", "--project-directory", files.root().toString(),
                "-f", files.path("docker-compose.yml").toString(), "--env-file", envFile.toString()));
        cmd.addAll(List.of(args));
        return StackFiles.run(cmd, env, files.root());
    }

    // --- nginx/ ------------------------------------------------------------------------------

    @Test
    void nginxAcceptsTheRealConfig() {
        StackFiles.Result r = nginxTest(renderNginx());
        assertTrue(r.ok(), "nginx -t: " + r);
    }

    @Test
    void nginxRefusesABrokenConfig() throws IOException {
        Path conf = renderNginx();
        Path snippet = conf.resolveSibling("snippets/captier-api.conf");
        Files.writeString(snippet, Files.readString(snippet).replace("proxy_next_upstream off;", "proxy_next_upstream off"));
        StackFiles.Result r = nginxTest(conf);
        assertNotEquals(0, r.exit(), "a missing ';' must fail nginx -t: " + r);
    }

    @Test
    void nginxRetriesReadsOnlyAndKeepsMetricsInside() throws IOException {
        String api = Files.readString(files.path("nginx/snippets/captier-api.conf"));
        assertTrue(locationBody(api, "/write/").contains("proxy_next_upstream off;"), "writes are never retried");
        assertTrue(locationBody(api, "/read/").contains("proxy_next_upstream error timeout http_502 http_504;"),
                "reads are retried");
        assertTrue(locationBody(api, "~* ^/(metrics|q)(/|$)").contains("deny all;"), "/metrics is not served");
        assertTrue(locationBody(api, "/").contains("return 404;"), "no other path is proxied");
        assertTrue(locationBody(api, "~ ^/(health|health/live|health/ready|nodes|circuit-breaker|openapi)$")
                .contains("include snippets/captier-proxied.conf;"), "the exact routes, with /openapi, are proxied");
        assertTrue(api.contains("proxy_set_header X-Forwarded-For $remote_addr;"),
                "the client's address, not one it sent");
        String proxied = Files.readString(files.path("nginx/snippets/captier-proxied.conf"));
        assertTrue(proxied.contains("error_page 401 = @unauthenticated;"), "failed authentications are counted");
        for (String route : List.of("/read/", "/write/", "= /read", "= /write")) {
            assertTrue(locationBody(api, route).contains("include snippets/captier-proxied.conf;"), route);
        }
        assertTrue(api.contains("proxy_set_header Authorization $http_authorization;"), "credentials reach the service");
        assertTrue(api.contains("limit_req zone=captier_per_client"), "rate limited");
    }

    private static String locationBody(String conf, String location) {
        int at = conf.indexOf("location " + location + " {");
        assertTrue(at >= 0, "no location " + location);
        return conf.substring(at, conf.indexOf('}', at));
    }

    private Path renderNginx() {
        files.devCert(tmp.resolve("certs"));
        return files.renderNginx(tmp.resolve("conf"), Map.of("consistent", List.of("127.0.0.1:1", "127.0.0.1:2"),
                "available", List.of("127.0.0.1:3", "127.0.0.1:4")), Map.of("consistent", 1, "available", 2),
                tmp.resolve("certs"), tmp.resolve("cache"));
    }

    private StackFiles.Result nginxTest(Path conf) {
        return StackFiles.run(StackFiles.nginxCommand(conf, tmp, true), Map.of(), tmp);
    }

    @Test
    void devCertMakesACertificateForLocalhostAnd127() {
        Path cert = files.devCert(tmp.resolve("certs"));
        StackFiles.Result r = StackFiles.run(List.of("openssl", "x509", "-in", cert.toString(), "-noout", "-ext",
                "subjectAltName"), Map.of(), tmp);
        assertTrue(r.ok(), r.toString());
        assertTrue(r.out().contains("DNS:localhost") && r.out().contains("IP Address:127.0.0.1"), r.out());
        assertTrue(Files.exists(tmp.resolve("certs/tls.key")));
    }

    // --- monitoring/: Prometheus, rules, Alertmanager -----------------------------------------

    @Test
    void promtoolAcceptsTheConfigAndTheRules() {
        StackFiles.Result config = promtool("check", "config", "prometheus.yml");
        assertTrue(config.ok(), config.toString());
        StackFiles.Result rules = promtool("check", "rules", "alerts.yml");
        assertTrue(rules.ok(), rules.toString());
        assertTrue(rules.out().contains("SUCCESS: 8 rules found"), rules.toString());
    }

    @Test
    void promtoolRefusesABrokenRule() throws IOException {
        Path broken = tmp.resolve("alerts.yml");
        Files.writeString(broken, Files.readString(files.path("monitoring/alerts.yml"))
                .replace("expr: circuit_breaker_state == 2", "expr: circuit_breaker_state == == 2"));
        StackFiles.Result r = StackFiles.run(List.of("promtool", "check", "rules", broken.toString()), Map.of(), tmp);
        assertNotEquals(0, r.exit(), r.toString());
    }

    @Test
    void everyAlertFiresAfterItsForAndNotBefore() {
        StackFiles.Result r = promtool("test", "rules", "alerts.test.yml");
        assertTrue(r.ok(), r.toString());
    }

    @Test
    void theRuleTestsCoverEveryAlertBeforeAndAfter() {
        Set<String> alerts = MonitoringQueries.alertRules(files).keySet().stream().map(k -> k.substring("alert ".length()))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> silent = new TreeSet<>();
        Set<String> firing = new TreeSet<>();
        for (JsonNode test : MonitoringQueries.yaml(files.path("monitoring/alerts.test.yml")).get("tests")) {
            for (JsonNode t : test.path("alert_rule_test")) {
                (t.path("exp_alerts").isEmpty() ? silent : firing).add(t.get("alertname").asText());
            }
        }
        assertEquals(alerts, silent, "each alert is tested silent before its 'for'");
        assertEquals(alerts, firing, "each alert is tested firing after its 'for'");
    }

    /** The unit tests hold the real "for" values: 5 s shorter and each alert's test fails. */
    @Test
    void theRuleTestsFailWhenAnAlertsForIsShortened() throws IOException {
        JsonNode rules = MonitoringQueries.yaml(files.path("monitoring/alerts.yml"));
        Files.copy(files.path("monitoring/alerts.test.yml"), tmp.resolve("alerts.test.yml"));
        List<String> passedAnyway = new ArrayList<>();
        for (String alert : MonitoringQueries.alertRules(files).keySet()) {
            String name = alert.substring("alert ".length());
            ObjectNode changed = rules.deepCopy();
            for (JsonNode rule : changed.get("groups").get(0).get("rules")) {
                if (rule.get("alert").asText().equals(name)) {
                    long seconds = durationSeconds(rule.get("for").asText());
                    ((ObjectNode) rule).put("for", (seconds - 5) + "s");
                }
            }
            MonitoringQueries.YAML.writeValue(tmp.resolve("alerts.yml").toFile(), changed);
            StackFiles.Result r = StackFiles.run(List.of("promtool", "test", "rules", "alerts.test.yml"), Map.of(), tmp);
            if (r.ok()) {
                passedAnyway.add(name);
            }
        }
        assertTrue(passedAnyway.isEmpty(), "the rule tests did not notice a shorter 'for' of " + passedAnyway);
    }

    private static long durationSeconds(String d) {
        Matcher m = Pattern.compile("(\\d+)([smh])").matcher(d);
        assertTrue(m.matches(), d);
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "m" -> n * 60;
            case "h" -> n * 3600;
            default -> n;
        };
    }

    @Test
    void alertmanagerAcceptsItsConfigAndRoutesCriticalAlertsToOncall() {
        StackFiles.Result check = StackFiles.run(List.of("amtool", "check-config", "alertmanager.yml"), Map.of(),
                files.path("monitoring"));
        assertTrue(check.ok(), check.toString());
        StackFiles.Result critical = StackFiles.run(List.of("amtool", "config", "routes", "test",
                "--config.file=alertmanager.yml", "severity=critical"), Map.of(), files.path("monitoring"));
        assertEquals("oncall", critical.out().strip(), critical.toString());
        StackFiles.Result warning = StackFiles.run(List.of("amtool", "config", "routes", "test",
                "--config.file=alertmanager.yml", "severity=warning"), Map.of(), files.path("monitoring"));
        assertEquals("team", warning.out().strip(), warning.toString());
    }

    @Test
    void alertmanagerRefusesARouteToAnUnknownReceiver() throws IOException {
        Path broken = tmp.resolve("alertmanager.yml");
        Files.writeString(broken, Files.readString(files.path("monitoring/alertmanager.yml"))
                .replace("receiver: oncall", "receiver: nobody"));
        StackFiles.Result r = StackFiles.run(List.of("amtool", "check-config", broken.toString()), Map.of(), tmp);
        assertNotEquals(0, r.exit(), r.toString());
    }

    private StackFiles.Result promtool(String... args) {
        List<String> cmd = new ArrayList<>(List.of("promtool"));
        cmd.addAll(List.of(args));
        return StackFiles.run(cmd, Map.of(), files.path("monitoring"));
    }

    // --- docs/runbook.md: what to do for each alert -------------------------------------------

    /** Where every runbook_url points: a path from the repository root, the base left to the
     *  operator (docs/runbook.md says why and how). */
    static final String RUNBOOKS = "docs/runbook.md";
    /** The section of RUNBOOKS whose subsections ("### AlertName") are the alerts'. */
    static final String ALERTS_SECTION = "Alerts";

    /** Each alert links to its own section (a "### AlertName" heading under "## Alerts"), every
     *  runbook_url's anchor exists, and each such section is an alert: a renamed alert or section, or
     *  a runbook left behind by a removed alert, fails here. */
    @Test
    void everyAlertLinksToItsOwnRunbookSectionAndEverySectionIsAnAlert() throws IOException {
        Map<String, String> runbooks = MonitoringQueries.alertAnnotation(files, "runbook_url");
        List<Heading> headings = headings(Files.readString(files.path(RUNBOOKS)));
        Set<String> anchors = new TreeSet<>();
        Map<String, String> sections = new LinkedHashMap<>();
        boolean inAlerts = false;
        for (Heading h : headings) {
            anchors.add(h.anchor());
            if (h.level() <= 2) {
                inAlerts = h.level() == 2 && h.text().equals(ALERTS_SECTION);
            } else if (inAlerts && h.level() == 3) {
                sections.put(h.text(), h.anchor());
            }
        }
        List<String> wrong = new ArrayList<>();
        runbooks.forEach((alert, url) -> {
            String own = sections.get(alert);
            if (url == null || !url.startsWith(RUNBOOKS + "#")) {
                wrong.add(alert + " has runbook_url " + url + ", not " + RUNBOOKS + "#...");
            } else if (!anchors.contains(url.substring(RUNBOOKS.length() + 1))) {
                wrong.add(alert + ": no heading of " + RUNBOOKS + " has the anchor of " + url);
            } else if (own == null) {
                wrong.add(alert + ": " + RUNBOOKS + " has no section \"### " + alert + "\" under \"## " + ALERTS_SECTION + "\"");
            } else if (!url.equals(RUNBOOKS + "#" + own)) {
                wrong.add(alert + " links to " + url + ", not to its own section " + RUNBOOKS + "#" + own);
            }
        });
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
        assertEquals(new TreeSet<>(runbooks.keySet()), new TreeSet<>(sections.keySet()),
                RUNBOOKS + " has one section (\"### AlertName\" under \"## " + ALERTS_SECTION
                        + "\") per alert of monitoring/alerts.yml, and no other");
    }

    @Test
    void anchorsAreGithubsAndHeadingsInCodeBlocksAreNotHeadings() {
        List<Heading> h = headings("""
                # Alerts
                ## CaptierDataStale
                ```sh
                # a comment in a code block
                ```
                ### What `up == 0` means, [here](x.md)
                ### What `up == 0` means, [here](x.md)
                ## Étape_2: ça marche! ##
                """);
        assertEquals(List.of(new Heading(1, "Alerts", "alerts"), new Heading(2, "CaptierDataStale", "captierdatastale"),
                new Heading(3, "What `up == 0` means, [here](x.md)", "what-up--0-means-here"),
                new Heading(3, "What `up == 0` means, [here](x.md)", "what-up--0-means-here-1"),
                new Heading(2, "Étape_2: ça marche!", "étape_2-ça-marche")), h);
    }

    record Heading(int level, String text, String anchor) {
    }

    private static final Pattern ATX_HEADING = Pattern.compile("^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$");
    private static final Pattern FENCE = Pattern.compile("^ {0,3}(```|~~~)");
    private static final Pattern LINK = Pattern.compile("!?\\[([^]]*)]\\([^)]*\\)");

    /** The ATX headings of a Markdown text (none inside fenced code), with the anchors GitHub gives
     *  them: the rendered text lower-cased, every character but letters, digits, marks, '_', '-'
     *  and spaces dropped, spaces turned into '-', repeats suffixed -1, -2... (github-slugger). */
    static List<Heading> headings(String markdown) {
        List<Heading> headings = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean inFence = false;
        for (String line : markdown.split("\n")) {
            if (FENCE.matcher(line).find()) {
                inFence = !inFence;
                continue;
            }
            Matcher m = ATX_HEADING.matcher(line);
            if (inFence || !m.matches()) {
                continue;
            }
            String text = m.group(2);
            String slug = LINK.matcher(text).replaceAll("$1").toLowerCase(Locale.ROOT)
                    .replaceAll("[^\\p{L}\\p{M}\\p{N}_ -]", "").replace(' ', '-');
            int n = seen.merge(slug, 1, Integer::sum);
            headings.add(new Heading(m.group(1).length(), text, n == 1 ? slug : slug + "-" + (n - 1)));
        }
        return headings;
    }

    // --- monitoring/grafana ------------------------------------------------------------------

    @Test
    void grafanaProvisioningAndDashboardsHoldTogether() {
        JsonNode datasources = MonitoringQueries.yaml(files.path("monitoring/grafana/provisioning/datasources/datasources.yml"));
        Set<String> uids = new TreeSet<>();
        datasources.get("datasources").forEach(d -> uids.add(d.get("uid").asText()));
        assertEquals(Set.of("prometheus", "alertmanager", "jaeger"), uids);

        JsonNode providers = MonitoringQueries.yaml(files.path("monitoring/grafana/provisioning/dashboards/dashboards.yml"));
        assertEquals("/var/lib/grafana/dashboards", providers.get("providers").get(0).get("options").get("path").asText(),
                "the provider reads where docker-compose.yml mounts the dashboards");

        List<Path> dashboards = MonitoringQueries.dashboards(files);
        assertFalse(dashboards.isEmpty());
        Set<String> titles = new TreeSet<>();
        for (Path file : dashboards) {
            JsonNode d = MonitoringQueries.json(file);
            assertFalse(d.path("uid").asText().isEmpty(), file + " has a uid");
            for (JsonNode panel : MonitoringQueries.panels(d)) {
                if (panel.path("type").asText().equals("row")) {
                    continue;
                }
                String title = panel.path("title").asText();
                titles.add(title);
                assertFalse(panel.path("targets").isEmpty(), title + " has a query");
                for (JsonNode target : panel.get("targets")) {
                    String expr = target.path("expr").asText();
                    assertFalse(PromQl.metricNames(expr).isEmpty(), title + ": a query naming a metric: " + expr);
                }
            }
        }
        String all = String.join(" ", titles).toLowerCase();
        for (String subject : List.of("requests", "latency", "breakers", "staleness", "buffered")) {
            assertTrue(all.contains(subject), "a panel about " + subject + " in " + titles);
        }
    }

    /** How every panel, target and query variable names its datasource: through $datasource. */
    static final String DATASOURCE_REF = "{\"type\":\"prometheus\",\"uid\":\"${datasource}\"}";

    /**
     * Each dashboard has $datasource (any Prometheus, the provisioned one by default), $mode and
     * $instance (multi, with All), and queries only through $datasource, so it works on any
     * Grafana and Prometheus, not only the provisioned pair.
     */
    @Test
    void dashboardsHaveTheDatasourceModeAndInstanceVariablesAndQueryThroughDatasource() throws IOException {
        JsonNode ref = MonitoringQueries.JSON.readTree(DATASOURCE_REF);
        Set<String> prometheusUids = new TreeSet<>();
        MonitoringQueries.yaml(files.path("monitoring/grafana/provisioning/datasources/datasources.yml")).get("datasources")
                .forEach(d -> {
                    if (d.get("type").asText().equals("prometheus")) {
                        prometheusUids.add(d.get("uid").asText());
                    }
                });
        for (Path file : MonitoringQueries.dashboards(files)) {
            JsonNode d = MonitoringQueries.json(file);
            Map<String, JsonNode> variables = MonitoringQueries.variables(d);
            assertTrue(variables.keySet().containsAll(List.of("datasource", "mode", "instance")), file + ": " + variables.keySet());

            JsonNode datasource = variables.get("datasource");
            assertEquals("datasource", datasource.path("type").asText(), file + " $datasource");
            assertEquals("prometheus", datasource.path("query").asText(), file + " $datasource lists Prometheus datasources");
            String saved = datasource.path("current").path("value").asText();
            assertTrue(saved.isEmpty() || prometheusUids.contains(saved), file + " $datasource defaults to a provisioned one: " + saved);

            for (String name : List.of("mode", "instance")) {
                JsonNode v = variables.get(name);
                String where = file.getFileName() + " $" + name;
                assertEquals("query", v.path("type").asText(), where);
                assertEquals(ref, v.path("datasource"), where + " queries through $datasource");
                assertTrue(v.path("multi").asBoolean() && v.path("includeAll").asBoolean(), where + ": multi, with All");
                // All must mean every series, not the values loaded: an instance enters
                // label_values(app_requests_total) only with its first request, and a Prometheus
                // without the profile label (profile=~".*" matches a missing label) still shows all.
                assertEquals(".*", v.path("allValue").asText(), where + ": All is .*");
                assertEquals(MonitoringQueries.variableQuery(v), v.path("definition").asText(), where + ": shown as it is");
            }
            MonitoringQueries.LabelValues mode = MonitoringQueries.labelValues(MonitoringQueries.variableQuery(variables.get("mode")));
            assertEquals("mode", mode.label());
            assertEquals(List.of(new PromQl.Selector("app_requests_total", List.of())), PromQl.selectors(mode.selector()),
                    "$mode: the modes requests were served in");
            MonitoringQueries.LabelValues instance = MonitoringQueries.labelValues(
                    MonitoringQueries.variableQuery(variables.get("instance")));
            assertEquals("instance", instance.label());
            List<PromQl.Selector> instanceSelector = PromQl.selectors(instance.selector());
            assertEquals(1, instanceSelector.size(), instance.selector());
            assertEquals("app_requests_total", instanceSelector.get(0).metric());
            assertTrue(instanceSelector.get(0).has("mode", "=~", "$mode"), "$instance: the instances of the selected modes");

            for (JsonNode panel : MonitoringQueries.panels(d)) {
                if (panel.path("type").asText().equals("row")) {
                    continue; // a row queries nothing
                }
                String title = file.getFileName() + " panel '" + panel.path("title").asText() + "'";
                assertEquals(ref, panel.path("datasource"), title + " uses ${datasource}");
                for (JsonNode target : panel.path("targets")) {
                    assertEquals(ref, target.path("datasource"), title + " target " + target.path("refId").asText()
                            + " uses ${datasource}");
                }
            }
        }
    }

    /** The series the service labels with mode itself (Metrics.request); every other series gets the
     *  profile target label from prometheus.yml, which holds the same values. */
    static final Set<String> MODE_LABELLED = Set.of("app_requests_total", "app_request_latency_seconds_bucket",
            "app_request_latency_seconds_count", "app_request_latency_seconds_sum");

    /** Every series a panel reads is narrowed by $mode and $instance: none of them is shown whole
     *  whatever the selection. */
    @Test
    void everyDashboardQueryIsNarrowedByModeAndInstance() {
        List<String> unnarrowed = new ArrayList<>();
        int selectors = 0;
        for (Path file : MonitoringQueries.dashboards(files)) {
            for (Map.Entry<String, String> q : MonitoringQueries.rawDashboardQueries(file).entrySet()) {
                for (PromQl.Selector s : PromQl.selectors(q.getValue())) {
                    selectors++;
                    String modeLabel = MODE_LABELLED.contains(s.metric()) ? "mode" : "profile";
                    if (!s.has(modeLabel, "=~", "$mode") || !s.has("instance", "=~", "$instance")) {
                        unnarrowed.add(q.getKey() + ": " + s + " lacks " + modeLabel + "=~\"$mode\" or instance=~\"$instance\"");
                    }
                }
            }
        }
        assertTrue(selectors > 0);
        assertTrue(unnarrowed.isEmpty(), String.join("\n", unnarrowed));
    }

    /** $mode narrows the series without a mode label through profile: prometheus.yml must label each
     *  instance with its mode, in the service's own words. */
    @Test
    void prometheusLabelsEveryInstanceWithItsModeAsProfile() {
        Set<String> profiles = new TreeSet<>();
        for (JsonNode job : MonitoringQueries.yaml(files.path("monitoring/prometheus.yml")).get("scrape_configs")) {
            if (job.get("job_name").asText().equals("captier")) {
                for (JsonNode group : job.get("static_configs")) {
                    assertTrue(group.path("labels").has("profile"), "every captier target has a profile: " + group);
                    profiles.add(group.path("labels").path("profile").asText());
                }
            }
        }
        Set<String> modes = Stream.of(Mode.values()).map(Mode::wireName).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(modes, profiles);
    }

    /**
     * Every dashboard query, its variables replaced as Grafana replaces them, is PromQL that
     * promtool accepts: as the dashboard opens (All), with one mode and one instance, and with
     * several of each (escaped and joined into a regex). A broken query is refused.
     */
    @Test
    void everyDashboardQueryRendersToPromQlPromtoolAccepts() throws IOException {
        List<String> instances = new ArrayList<>();
        for (JsonNode job : MonitoringQueries.yaml(files.path("monitoring/prometheus.yml")).get("scrape_configs")) {
            if (job.get("job_name").asText().equals("captier")) {
                job.get("static_configs").forEach(g -> g.get("targets").forEach(t -> instances.add(t.asText())));
            }
        }
        instances.add("127.0.0.1:5001"); // scripts/up's: dots to escape
        Map<String, Map<String, List<String>>> selections = new LinkedHashMap<>();
        selections.put("saved", Map.of());
        selections.put("one", Map.of("mode", List.of("consistent"), "instance", List.of("127.0.0.1:5001")));
        selections.put("several", Map.of("mode", List.of("consistent", "available"), "instance", instances));

        ObjectNode rules = MonitoringQueries.YAML.createObjectNode();
        ArrayNode groups = rules.putArray("groups");
        Map<String, String> where = new LinkedHashMap<>();
        selections.forEach((name, selection) -> {
            ObjectNode group = groups.addObject().put("name", "dashboards-" + name);
            ArrayNode groupRules = group.putArray("rules");
            MonitoringQueries.dashboardQueries(files, selection).forEach((place, expr) -> {
                assertFalse(expr.contains("$"), place + ": a variable left in " + expr);
                String record = "dashboard:query_" + where.size();
                where.put(record, name + ": " + place + ": " + expr);
                groupRules.addObject().put("record", record).put("expr", expr);
            });
        });
        assertEquals(selections.size() * MonitoringQueries.dashboardQueries(files).size(), where.size());
        Path file = tmp.resolve("dashboards.rules.yml");
        MonitoringQueries.YAML.writeValue(file.toFile(), rules);
        StackFiles.Result r = StackFiles.run(List.of("promtool", "check", "rules", file.toString()), Map.of(), tmp);
        assertTrue(r.ok(), r + "\n" + String.join("\n", where.values()));

        ObjectNode broken = rules.deepCopy();
        ObjectNode first = (ObjectNode) broken.get("groups").get(0).get("rules").get(0);
        first.put("expr", first.get("expr").asText() + ")");
        MonitoringQueries.YAML.writeValue(file.toFile(), broken);
        StackFiles.Result refused = StackFiles.run(List.of("promtool", "check", "rules", file.toString()), Map.of(), tmp);
        assertNotEquals(0, refused.exit(), "a query with an unbalanced parenthesis is refused: " + refused);
    }

    @Test
    void variablesAreReplacedAsGrafanaDoes() throws IOException {
        Map<String, JsonNode> variables = MonitoringQueries.variables(MonitoringQueries.JSON.readTree("""
                {"templating": {"list": [
                  {"name": "instance", "type": "query", "multi": true, "includeAll": true, "allValue": ".*",
                   "current": {"value": ["$__all"]}},
                  {"name": "job", "type": "custom", "current": {"value": "captier"}}]}}
                """));
        String expr = "up{job=\"$job\", instance=~\"${instance}\"}";
        assertEquals("up{job=\"captier\", instance=~\".*\"}", MonitoringQueries.render(expr, variables, Map.of()));
        assertEquals("up{job=\"captier\", instance=~\"127\\\\.0\\\\.0\\\\.1:5001\"}",
                MonitoringQueries.render(expr, variables, Map.of("instance", List.of("127.0.0.1:5001"))));
        assertEquals("up{job=\"captier\", instance=~\"(a-1:5001|b-2:5002)\"}",
                MonitoringQueries.render(expr, variables, Map.of("instance", List.of("a-1:5001", "b-2:5002"))));
        assertThrows(IllegalArgumentException.class, () -> MonitoringQueries.render("up{x=~\"$nosuch\"}", variables, Map.of()));
    }

    @Test
    void selectorsCarryTheirMatchers() {
        assertEquals(List.of(
                new PromQl.Selector("app_requests_total", List.of(new PromQl.LabelMatcher("status", "=~", "5.."),
                        new PromQl.LabelMatcher("mode", "=~", "$mode"))),
                new PromQl.Selector("app_requests_total", List.of())),
                PromQl.selectors("sum by (mode) (rate(app_requests_total{status=~\"5..\", mode=~\"$mode\"}[1m]))"
                        + " / sum by (mode) (rate(app_requests_total[1m]))"));
        assertEquals(List.of(new PromQl.Selector("up", List.of(new PromQl.LabelMatcher("job", "=", "a}b")))),
                PromQl.selectors("up {job=\"a}b\"} == 0"), "a brace inside a string is text");
    }

    /** The dashboards and rules may only name metrics the service exports (README, "Metrics"); the
     *  integration test checks the same names against a real scrape. */
    @Test
    void dashboardsAndAlertsNameOnlyTheServicesMetrics() {
        Set<String> named = MonitoringQueries.metricNames(files);
        Set<String> unknown = new TreeSet<>(named);
        unknown.removeAll(DOCUMENTED_METRICS);
        assertTrue(unknown.isEmpty(), "not a metric of the service: " + unknown);
    }

    /**
     * README's "Metrics", as Prometheus names the series (counters _total, histograms _bucket), and
     * clock_offset_total (docs/architecture.md A6: a version from too far ahead is counted).
     */
    static final Set<String> DOCUMENTED_METRICS = Set.of("app_requests_total", "app_request_latency_seconds_bucket",
            "app_request_latency_seconds_count", "app_request_latency_seconds_sum", "circuit_breaker_state",
            "data_staleness_ms", "db_connection_failures_total", "ap_pending_writes", "ap_reconciled_writes_total",
            "session_reroutes_total", "clock_offset_total");

    @Test
    void metricNamesAreReadFromQueriesAndAMisspeltOneShows() {
        assertEquals(Set.of("app_requests_total"), PromQl.metricNames(
                "sum by (mode) (rate(app_requests_total{status=~\"5..\"}[1m])) / sum by (mode) (rate(app_requests_total[1m])) > 0.05"));
        assertEquals(Set.of("app_request_latency_seconds_bucket"), PromQl.metricNames(
                "histogram_quantile(0.99, sum by (job, le) (rate(app_request_latency_seconds_bucket[5m]))) > 0.5"));
        assertEquals(Set.of("ap_pending_writes"), PromQl.metricNames("ap_pending_writes > 0 and deriv(ap_pending_writes[5m]) > 0"));
        Set<String> misspelt = PromQl.metricNames("rate(app_request_total[1m])");
        assertFalse(DOCUMENTED_METRICS.containsAll(misspelt), "a misspelt name is caught: " + misspelt);
    }

    // --- k8s/ --------------------------------------------------------------------------------

    /** Backups (docs/backup.md, issue #15): WAL archived at least every 60 s from whichever node is the
     *  primary, in compose (pgBackRest, a shared repository volume) and in k8s (CloudNativePG's own). */
    @Test
    void bothStacksArchiveWalWithinTheRpoGoal() throws IOException {
        StackFiles.Result r = compose(throwawayEnv(envExampleVariables()), "config");
        assertTrue(r.ok(), r.toString());
        JsonNode services = MonitoringQueries.YAML.readTree(r.out()).get("services");
        for (String pg : List.of("postgres-primary", "postgres-standby")) {
            String command = services.get(pg).get("command").toString();
            assertTrue(command.contains("archive_mode=on") && command.contains("pgbackrest --stanza=captier archive-push %p")
                    && command.contains("archive_timeout=60s"), pg + " archives: " + command);
            assertTrue(services.get(pg).get("volumes").toString().contains("/var/lib/pgbackrest"), pg + " sees the repository");
        }
        // the image has pgBackRest, and its config points where compose mounts the data and the repository
        String dockerfile = Files.readString(files.path("scripts/compose/postgres.Dockerfile"));
        assertTrue(dockerfile.contains("FROM postgres:15") && dockerfile.contains("install -y --no-install-recommends pgbackrest"),
                dockerfile);
        String conf = Files.readString(files.path("scripts/compose/pgbackrest.conf"));
        assertTrue(conf.contains("\n[captier]\npg1-path=/var/lib/postgresql/data\n") && conf.contains("repo1-path=/var/lib/pgbackrest\n"),
                conf);
        KubernetesManifests k8s = new KubernetesManifests();
        JsonNode cluster = k8s.read(files.path("k8s/postgres.yaml")).stream().filter(d -> d.kind().equals("Cluster"))
                .findFirst().orElseThrow().tree().get("spec");
        assertEquals("60s", cluster.at("/postgresql/parameters/archive_timeout").asText());
        assertTrue(cluster.at("/backup/barmanObjectStore/destinationPath").asText().startsWith("s3://"), cluster.toString());
    }

    @Test
    void kubernetesManifestsParseStrictlyIntoTheirModels() throws IOException {
        KubernetesManifests k8s = new KubernetesManifests();
        Map<String, KubernetesManifests.Document> byKindAndName = new LinkedHashMap<>();
        for (Path file : k8sManifests()) {
            for (KubernetesManifests.Document d : k8s.read(file)) {
                byKindAndName.put(d.kind() + "/" + d.name(), d);
            }
        }
        for (String expected : List.of("Namespace/captier", "ConfigMap/captier-config", "Cluster/captier-pg",
                "Deployment/captier-consistent", "StatefulSet/captier-available", "Service/captier-consistent",
                "Service/captier-available", "HorizontalPodAutoscaler/captier-consistent",
                "HorizontalPodAutoscaler/captier-available", "PodDisruptionBudget/captier-consistent",
                "PodDisruptionBudget/captier-available", "NetworkPolicy/captier", "Ingress/captier", "Ingress/captier-reads",
                "StatefulSet/redis", "StatefulSet/sentinel", "ScheduledBackup/captier-pg-daily")) {
            assertTrue(byKindAndName.containsKey(expected), "k8s/ defines " + expected + ": " + byKindAndName.keySet());
        }
        Deployment consistent = (Deployment) byKindAndName.get("Deployment/captier-consistent").model();
        StatefulSet available = (StatefulSet) byKindAndName.get("StatefulSet/captier-available").model();
        checkPod(consistent.getSpec().getTemplate().getSpec());
        checkPod(available.getSpec().getTemplate().getSpec());
        assertTrue(available.getSpec().getVolumeClaimTemplates().stream()
                .anyMatch(c -> c.getMetadata().getName().equals("hints")), "the hint log on a PVC of its own");
        String text = Files.readString(files.path("k8s/available.yaml"));
        assertTrue(text.contains("StatefulSet, not a Deployment"), "the reason is written down");
    }

    private static void checkPod(PodSpec pod) {
        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        Container c = pod.getContainers().get(0);
        assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem());
        assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals("/health/live", c.getLivenessProbe().getHttpGet().getPath());
        assertEquals("/health/ready", c.getReadinessProbe().getHttpGet().getPath());
        assertNotNull(c.getResources().getLimits().get("memory"));
        assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/var/lib/captier")));
        Set<String> secrets = new LinkedHashSet<>();
        c.getEnv().stream().filter(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)
                .forEach(e -> secrets.add(e.getName()));
        assertEquals(Set.of("DATABASE_USER", "DATABASE_PASSWORD", "REDIS_PASSWORD", "SECRET_KEY", "SECRET_KEY_ACCEPTED",
                "API_KEYS"), secrets,
                "every secret comes from a Secret");
        c.getEnv().forEach(e -> assertFalse(secrets.contains(e.getName()) && e.getValue() != null, e.getName()));
    }

    @Test
    void anUnknownFieldInAManifestFails() throws IOException {
        String text = Files.readString(files.path("k8s/consistent.yaml"));
        Path typo = tmp.resolve("typo.yaml");
        Files.writeString(typo, text.replaceFirst("          resources:\n", "          resource:\n"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new KubernetesManifests().read(typo));
        assertTrue(e.getMessage().contains("resource"), e.getMessage());

        Files.writeString(typo, text.replaceFirst("  replicas: 2\n", "  replicas: two\n"));
        assertThrows(IllegalArgumentException.class, () -> new KubernetesManifests().read(typo));

        Path cluster = tmp.resolve("cluster.yaml");
        Files.writeString(cluster, Files.readString(files.path("k8s/postgres.yaml")).replace("  instances: 2", "  instance: 2"));
        assertThrows(IllegalArgumentException.class, () -> new KubernetesManifests().read(cluster));
    }

    /** kustomization.yaml: known fields only, every manifest listed, every file it names there. */
    record Kustomization(String apiVersion, String kind, String namespace, List<String> resources,
            List<Generator> configMapGenerator, Map<String, Object> generatorOptions, List<Map<String, String>> images) {
        record Generator(String name, List<String> files) {
        }
    }

    @Test
    void kustomizationListsEveryManifestAndTheRedisFiles() throws IOException {
        Kustomization k = MonitoringQueries.YAML.copy().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
                .readValue(files.path("k8s/kustomization.yaml").toFile(), Kustomization.class);
        Set<String> manifests = k8sManifests().stream().map(p -> p.getFileName().toString())
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(manifests, new TreeSet<>(k.resources()));
        for (Kustomization.Generator g : k.configMapGenerator()) {
            for (String f : g.files()) {
                assertTrue(Files.isRegularFile(files.path("k8s").resolve(f)), f);
            }
        }
        assertTrue(Files.readString(files.path("k8s/redis.yaml")).contains("name: " + k.configMapGenerator().get(0).name()));
    }

    private List<Path> k8sManifests() throws IOException {
        try (Stream<Path> s = Files.list(files.path("k8s"))) {
            return s.filter(p -> p.toString().endsWith(".yaml") && !p.getFileName().toString().equals("kustomization.yaml"))
                    .sorted().toList();
        }
    }

    // --- images and scripts ------------------------------------------------------------------

    @Test
    void imagesRunAsNonRootAndTheProfilesExist() throws IOException {
        for (String dockerfile : List.of("src/main/docker/Dockerfile.jvm", "src/main/docker/Dockerfile.native")) {
            List<String> users = Files.readAllLines(files.path(dockerfile)).stream().filter(l -> l.startsWith("USER "))
                    .toList();
            assertFalse(users.isEmpty(), dockerfile);
            String last = users.get(users.size() - 1).substring(5).strip();
            assertFalse(last.equals("root") || last.equals("0"), dockerfile + " runs as " + last);
        }
        assertTrue(Files.readString(files.path("src/main/docker/Dockerfile.native")).contains("mandrel-builder-image"));
        String pom = Files.readString(files.path("pom.xml"));
        assertTrue(pom.contains("<id>native</id>") && pom.contains("<quarkus.native.enabled>true</quarkus.native.enabled>"));
        assertTrue(pom.contains("<id>aot</id>") && pom.contains("<quarkus.package.jar.aot.enabled>true</quarkus.package.jar.aot.enabled>"));
        String ignored = Files.readString(files.path(".dockerignore"));
        assertTrue(ignored.contains("!src/") && ignored.contains("!pom.xml"), "the build context holds the sources");
    }

    @Test
    void shellScriptsParse() {
        for (String script : List.of("scripts/dev-cert", "scripts/compose/postgres-primary-init.sh",
                "scripts/compose/postgres-standby.sh", "scripts/install-deps", "scripts/up", "scripts/down")) {
            StackFiles.Result r = StackFiles.run(List.of("bash", "-n", files.path(script).toString()), Map.of(), tmp);
            assertTrue(r.ok(), script + ": " + r);
        }
        StackFiles.Result r = StackFiles.run(List.of("sh", "-n", files.path("redis/start.sh").toString()), Map.of(), tmp);
        assertTrue(r.ok(), "redis/start.sh (POSIX sh): " + r);
        StackFiles.Result broken = StackFiles.run(List.of("bash", "-c", "bash -n <(echo 'if true; then')"), Map.of(), tmp);
        assertNotEquals(0, broken.exit(), "the syntax check can fail");
    }

    @Test
    void theCheckedFilesAreAllTheStacksFiles() throws IOException {
        // A new file under these directories needs a check here (or in RedisFilesTest / StackEndToEndIT).
        Set<String> known = Set.of("nginx/nginx.conf", "nginx/snippets/captier-api.conf",
                "nginx/snippets/captier-proxied.conf",
                "nginx/snippets/security-headers.conf", "redis/redis.conf", "redis/sentinel.conf", "redis/start.sh",
                "monitoring/prometheus.yml", "monitoring/alerts.yml", "monitoring/alerts.test.yml",
                "monitoring/alertmanager.yml", "monitoring/grafana/provisioning/datasources/datasources.yml",
                "monitoring/grafana/provisioning/dashboards/dashboards.yml", "monitoring/grafana/dashboards/captier.json",
                "k8s/kustomization.yaml", "k8s/namespace.yaml", "k8s/configmap.yaml", "k8s/postgres.yaml",
                "k8s/redis.yaml", "k8s/consistent.yaml", "k8s/available.yaml", "k8s/networkpolicy.yaml",
                "k8s/ingress.yaml", "scripts/compose/postgres-primary-init.sh", "scripts/compose/postgres-standby.sh",
                "scripts/compose/pgbackrest.conf", "scripts/compose/postgres.Dockerfile");
        Set<String> present = new TreeSet<>();
        for (String dir : List.of("nginx", "redis", "monitoring", "k8s", "scripts/compose")) {
            try (Stream<Path> s = Files.walk(files.path(dir))) {
                s.filter(Files::isRegularFile).map(p -> files.root().relativize(p).toString())
                        .filter(p -> !p.startsWith("nginx/certs/")).forEach(present::add);
            }
        }
        Set<String> unchecked = new TreeSet<>(present);
        unchecked.removeAll(known);
        if (!unchecked.isEmpty()) {
            fail("files no test checks: " + unchecked);
        }
    }
}
