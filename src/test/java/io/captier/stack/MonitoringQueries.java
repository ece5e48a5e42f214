package io.captier.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.captier.cluster.StackFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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

    static Map<String, String> dashboardQueries(StackFiles files) {
        Map<String, String> exprs = new LinkedHashMap<>();
        for (Path file : dashboards(files)) {
            for (JsonNode panel : panels(json(file))) {
                for (JsonNode target : panel.path("targets")) {
                    exprs.put(file.getFileName() + " panel '" + panel.path("title").asText() + "' " + target.path("refId").asText(),
                            target.path("expr").asText());
                }
            }
        }
        return exprs;
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
