package io.captier.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.captier.cluster.devstack.StackFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Every PromQL expression of monitoring/: the alert rules' and each Grafana panel's. */
final class MonitoringQueries {

    static final YAMLMapper YAML = new YAMLMapper();
    static final ObjectMapper JSON = new ObjectMapper();

    private MonitoringQueries() {
    }

    /** "where it is" -> expression, for every alert rule and every dashboard panel target. */
    static Map<String, String> all(StackFiles files) {
        Map<String, String> all = new LinkedHashMap<>(alertRules(files));
        all.putAll(dashboardQueries(files));
        return all;
    }

    static Map<String, String> alertRules(StackFiles files) {
        Map<String, String> exprs = new LinkedHashMap<>();
        JsonNode rules = yaml(files.path("monitoring/alerts.yml"));
        for (JsonNode group : rules.get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                exprs.put("alert " + rule.get("alert").asText(), rule.get("expr").asText());
            }
        }
        return exprs;
    }

    /** Alert name -> the value of one of its annotations (null when it has none). */
    static Map<String, String> alertAnnotation(StackFiles files, String annotation) {
        Map<String, String> values = new LinkedHashMap<>();
        JsonNode rules = yaml(files.path("monitoring/alerts.yml"));
        for (JsonNode group : rules.get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                JsonNode value = rule.path("annotations").get(annotation);
                values.put(rule.get("alert").asText(), value == null ? null : value.asText());
            }
        }
        return values;
    }

    /**
     * Every dashboard query as Grafana sends it when the dashboard opens (each variable at its
     * saved value: "All" for mode and instance): the panels' targets, and the series selectors of
     * the query variables. What Prometheus must accept and what may only name exported metrics.
     */
    static Map<String, String> dashboardQueries(StackFiles files) {
        return dashboardQueries(files, Map.of());
    }

    /** The same with some variables set otherwise: name -> the values selected ({@link #ALL} for "All"). */
    static Map<String, String> dashboardQueries(StackFiles files, Map<String, List<String>> selection) {
        Map<String, String> exprs = new LinkedHashMap<>();
        for (Path file : dashboards(files)) {
            JsonNode dashboard = json(file);
            Map<String, JsonNode> variables = variables(dashboard);
            variables.forEach((name, v) -> {
                if (v.path("type").asText().equals("query")) {
                    exprs.put(file.getFileName() + " variable '" + name + "'",
                            render(labelValues(variableQuery(v)).selector(), variables, selection));
                }
            });
            rawDashboardQueries(file).forEach((where, expr) -> exprs.put(where, render(expr, variables, selection)));
        }
        return exprs;
    }

    /** Every panel target's expression as written, variables and all. */
    static Map<String, String> rawDashboardQueries(Path dashboard) {
        Map<String, String> exprs = new LinkedHashMap<>();
        for (JsonNode panel : panels(json(dashboard))) {
            for (JsonNode target : panel.path("targets")) {
                exprs.put(dashboard.getFileName() + " panel '" + panel.path("title").asText() + "' " + target.path("refId").asText(),
                        target.path("expr").asText());
            }
        }
        return exprs;
    }

    // --- Grafana's template variables ---------------------------------------------------------

    /** The value Grafana stores for "All". */
    static final String ALL = "$__all";

    /** Name -> definition, in the order Grafana shows them. */
    static Map<String, JsonNode> variables(JsonNode dashboard) {
        Map<String, JsonNode> variables = new LinkedHashMap<>();
        dashboard.path("templating").path("list").forEach(v -> variables.put(v.path("name").asText(), v));
        return variables;
    }

    /** A query variable's query: a string, or (as newer Grafana saves it) an object holding one. */
    static String variableQuery(JsonNode variable) {
        JsonNode q = variable.path("query");
        return q.isObject() ? q.path("query").asText() : q.asText();
    }

    record LabelValues(String selector, String label) {
    }

    private static final Pattern LABEL_VALUES = Pattern.compile("\\s*label_values\\(\\s*(.+?)\\s*,\\s*(\\w+)\\s*\\)\\s*");

    /** label_values(SELECTOR, LABEL), the only kind of variable query used here. */
    static LabelValues labelValues(String query) {
        Matcher m = LABEL_VALUES.matcher(query);
        if (!m.matches()) {
            throw new IllegalArgumentException("not label_values(selector, label): " + query);
        }
        return new LabelValues(m.group(1), m.group(2));
    }

    /** $name, ${name} and [[name]]: Grafana's three ways to write a variable (formats are not used here). */
    private static final Pattern REFERENCE = Pattern.compile("\\$(\\w+)|\\$\\{(\\w+)}|\\[\\[(\\w+)]]");
    /** Grafana's own interval variables: any duration will do to check a query. */
    private static final Set<String> BUILT_IN_DURATIONS = Set.of("__interval", "__rate_interval", "__range");
    private static final Pattern REGEX_SPECIAL = Pattern.compile("[$^*{}\\[\\]'+?.()|]");

    /**
     * The expression with every variable replaced as Grafana's Prometheus datasource does: a
     * variable with "multi" or "include All" is a regex, each value escaped ('.' as \\.), several
     * joined as (a|b), "All" its custom allValue as it is (Grafana does not escape that); any
     * other variable its value. A variable the dashboard does not define is an error, not text.
     */
    static String render(String expr, Map<String, JsonNode> variables, Map<String, List<String>> selection) {
        Matcher m = REFERENCE.matcher(expr);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
            String value;
            if (BUILT_IN_DURATIONS.contains(name)) {
                value = "1m";
            } else {
                JsonNode v = variables.get(name);
                if (v == null) {
                    throw new IllegalArgumentException("$" + name + " is not a variable of the dashboard: " + expr);
                }
                value = interpolate(v, selection.getOrDefault(name, saved(v)));
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The values a variable is saved with ("current"), or All. */
    private static List<String> saved(JsonNode variable) {
        JsonNode value = variable.path("current").path("value");
        List<String> values = new ArrayList<>();
        if (value.isArray()) {
            value.forEach(v -> values.add(v.asText()));
        } else if (!value.isMissingNode()) {
            values.add(value.asText());
        }
        if (values.isEmpty() && variable.path("includeAll").asBoolean()) {
            values.add(ALL);
        }
        if (values.isEmpty()) {
            throw new IllegalArgumentException("variable " + variable.path("name").asText() + " has no saved value");
        }
        return values;
    }

    private static String interpolate(JsonNode variable, List<String> values) {
        boolean regex = variable.path("multi").asBoolean() || variable.path("includeAll").asBoolean();
        if (values.contains(ALL)) {
            String allValue = variable.path("allValue").asText("");
            if (allValue.isEmpty()) {
                // Grafana would join every option it has loaded: unknown without a Prometheus.
                throw new IllegalArgumentException("variable " + variable.path("name").asText() + " has no allValue");
            }
            return allValue;
        }
        if (!regex) {
            if (values.size() != 1) {
                throw new IllegalArgumentException(variable.path("name").asText() + " takes one value: " + values);
            }
            return values.get(0).replace("\\", "\\\\").replace("'", "\\'");
        }
        List<String> escaped = values.stream()
                .map(v -> REGEX_SPECIAL.matcher(v.replace("\\", "\\\\\\\\")).replaceAll(r -> Matcher.quoteReplacement("\\\\" + r.group())))
                .toList();
        return escaped.size() == 1 ? escaped.get(0) : "(" + String.join("|", escaped) + ")";
    }

    /** Every panel, the ones inside collapsed rows too. */
    static Iterable<JsonNode> panels(JsonNode dashboard) {
        java.util.List<JsonNode> all = new java.util.ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            all.add(p);
            p.path("panels").forEach(all::add);
        }
        return all;
    }

    static java.util.List<Path> dashboards(StackFiles files) {
        try (Stream<Path> s = Files.list(files.path("monitoring/grafana/dashboards"))) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The metric names all expressions read, Prometheus' own series left out. */
    static Set<String> metricNames(StackFiles files) {
        Set<String> names = new TreeSet<>();
        all(files).values().forEach(e -> names.addAll(PromQl.metricNames(e)));
        names.removeAll(PromQl.PROMETHEUS_OWN);
        return names;
    }

    static JsonNode yaml(Path p) {
        try {
            return YAML.readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(p.toString(), e);
        }
    }

    static JsonNode json(Path p) {
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(p.toString(), e);
        }
    }
}
