package io.captier.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.captier.client.BreakerInfo;
import io.captier.client.CaptierException;
import io.captier.client.NodeInfo;
import io.captier.client.NotFoundException;
import io.captier.client.OutcomeUnknownException;
import io.captier.client.PreconditionFailedException;
import io.captier.client.ReadResult;
import io.captier.client.WriteResult;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the CLI prints: the service's JSON with {@code --json}, else one "name: value" line per fact. */
final class Printer {

    private final PrintStream out;
    private final boolean json;

    Printer(PrintStream out, boolean json) {
        this.out = out;
        this.json = json;
    }

    void read(ReadResult r) {
        if (json) {
            out.println(r.json());
            return;
        }
        Map<String, Object> lines = new LinkedHashMap<>();
        lines.put("key", r.key());
        boolean text = !"base64".equals(r.json().path("encoding").asText());
        lines.put("value", text ? r.text() : "(" + r.value().length + " bytes, base64) "
                + Base64.getEncoder().encodeToString(r.value()));
        lines.put("content-type", r.contentType());
        lines.put("version", r.version());
        lines.put("source", r.source());
        lines.put("staleness-ms", r.stalenessMs());
        lines.put("stale", r.stale());
        lines.put("mode", r.mode());
        fields(lines);
    }

    /** The value's bytes alone, as stored: for {@code get --raw > file}. */
    void raw(byte[] value) {
        out.write(value, 0, value.length);
        out.flush();
    }

    void write(WriteResult w) {
        if (json) {
            out.println(w.json());
            return;
        }
        Map<String, Object> lines = new LinkedHashMap<>();
        lines.put("key", w.key());
        lines.put("version", w.version());
        lines.put("durability", w.durability() + (w.buffered() ? " (buffered, 202)" : " (committed, 200)"));
        lines.put("origin", w.origin());
        lines.put("mode", w.mode());
        if (w.replayed()) {
            lines.put("replayed", "true (an earlier attempt was applied; this is its answer)");
        }
        fields(lines);
    }

    void nodes(List<NodeInfo> nodes) {
        if (json) {
            out.println(array(nodes.stream().map(NodeInfo::json).toList()));
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"NODE", "KIND", "ROLE", "REACHABLE", "STALENESS_MS", "FENCED"});
        for (NodeInfo n : nodes) {
            rows.add(new String[]{n.node(), n.kind(), n.role(), Boolean.toString(n.reachable()),
                    n.stalenessMs().isPresent() ? Long.toString(n.stalenessMs().getAsLong()) : "-",
                    "postgres".equals(n.kind()) ? Boolean.toString(n.fenced()) : "-"});
        }
        table(rows);
    }

    void breakers(List<BreakerInfo> breakers) {
        if (json) {
            out.println(array(breakers.stream().map(BreakerInfo::json).toList()));
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"BREAKER", "STATE", "FAILURES", "SUCCESSES", "PREVENTED", "SINCE"});
        for (BreakerInfo b : breakers) {
            rows.add(new String[]{b.name(), b.state(), Long.toString(b.failures()), Long.toString(b.successes()),
                    Long.toString(b.prevented()), b.since()});
        }
        table(rows);
    }

    /** One line for a failure, for standard error. */
    static String describe(CaptierException e) {
        String name = e.problemName().orElse(e.status() == 0 ? "no answer" : "HTTP " + e.status());
        StringBuilder s = new StringBuilder();
        if (e instanceof NotFoundException nf) {
            s.append("not found");
            if (nf.deleted()) {
                s.append(" (deleted");
                nf.tombstoneVersion().ifPresent(v -> s.append(" at version ").append(v));
                s.append(')');
            }
            nf.source().ifPresent(src -> s.append("; answered by ").append(src));
            return s.toString();
        }
        if (e instanceof PreconditionFailedException pf) {
            s.append("precondition failed: ");
            if (pf.currentVersion().isPresent()) {
                s.append("the current version is ").append(pf.currentVersion().getAsLong());
            } else {
                s.append(pf.exists() ? "the key has a value" : "the key has no value");
            }
            return s.toString();
        }
        s.append(name);
        if (e.status() != 0) {
            s.append(" (HTTP ").append(e.status()).append(')');
        }
        s.append(": ").append(e.detail().isEmpty() ? e.title() : e.detail());
        e.retryAfter().ifPresent(d -> s.append("; retry after ").append(d.toSeconds()).append(" s"));
        if (e instanceof OutcomeUnknownException) {
            e.idempotencyKey().ifPresent(k -> s.append("; resend with --idempotency-key ").append(k)
                    .append(" to learn the outcome"));
        }
        if (e.attempts() > 1) {
            s.append(" (after ").append(e.attempts()).append(" attempts)");
        }
        return s.toString();
    }

    private void fields(Map<String, Object> lines) {
        int width = lines.keySet().stream().mapToInt(String::length).max().orElse(0) + 1;
        lines.forEach((k, v) -> out.println(pad(k + ":", width) + " " + (v == null ? "-" : v)));
    }

    private void table(List<String[]> rows) {
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i] == null ? 1 : row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i == row.length - 1 ? String.valueOf(row[i]) : pad(String.valueOf(row[i]), widths[i] + 2));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    private static String array(List<JsonNode> items) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < items.size(); i++) {
            s.append(i == 0 ? "" : ",").append(items.get(i));
        }
        return s.append(']').toString();
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
