package io.captier.stack;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The vector selectors of a PromQL expression: each metric name it reads with the label matchers
 * written on it. A metric name is what is left once strings, label matchers, grouping clauses,
 * durations, numbers, functions and keywords are taken away. Enough for the expressions of
 * monitoring/ (no subqueries over recording rules, no @ modifiers).
 */
final class PromQl {

    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan");
    /** Series Prometheus makes itself, not the service. */
    static final Set<String> PROMETHEUS_OWN = Set.of("up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds",
            "scrape_samples_scraped");

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern MATCHER = Pattern.compile(
            "\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`)\\s*(,|$)");

    private PromQl() {
    }

    /** One label matcher as written: {@code value} is the string literal's text without its quotes. */
    record LabelMatcher(String label, String op, String value) {
        @Override
        public String toString() {
            return label + op + "\"" + value + "\"";
        }
    }

    /** A metric name and the matchers written on it ({@code rate(x{a="b"}[1m])} gives x with a="b"). */
    record Selector(String metric, List<LabelMatcher> matchers) {
        boolean has(String label, String op, String value) {
            return matchers.contains(new LabelMatcher(label, op, value));
        }

        @Override
        public String toString() {
            return metric + matchers;
        }
    }

    static Set<String> metricNames(String expr) {
        Set<String> names = new LinkedHashSet<>();
        selectors(expr).forEach(s -> names.add(s.metric()));
        return names;
    }

    static List<Selector> selectors(String expr) {
        // Blank out, keeping every position, what holds no metric name: string literals first
        // (a '{' or a word inside one is text), then grouping clauses and ranges. Matchers are
        // blanked too, and read from the expression itself at the positions found here.
        String s = blank(STRING, expr);
        s = blank(GROUPING, s);
        s = blank(RANGE, s);
        String withMatchers = s;
        List<int[]> matcherBlocks = new ArrayList<>();
        Matcher block = MATCHERS.matcher(s);
        while (block.find()) {
            matcherBlocks.add(new int[] {block.start(), block.end()});
        }
        s = blank(MATCHERS, s);

        List<Selector> selectors = new ArrayList<>();
        Matcher m = IDENT.matcher(s);
        while (m.find()) {
            String word = m.group();
            int next = m.end();
            while (next < s.length() && Character.isWhitespace(withMatchers.charAt(next))) {
                next++;
            }
            boolean function = next < s.length() && s.charAt(next) == '(';
            boolean partOfNumber = m.start() > 0 && (Character.isDigit(s.charAt(m.start() - 1)) || s.charAt(m.start() - 1) == '.');
            if (function || partOfNumber || KEYWORDS.contains(word.toLowerCase())) {
                continue;
            }
            List<LabelMatcher> matchers = List.of();
            for (int[] b : matcherBlocks) {
                if (b[0] == next) {
                    matchers = labelMatchers(expr.substring(b[0] + 1, b[1] - 1));
                }
            }
            selectors.add(new Selector(word, matchers));
        }
        return selectors;
    }

    private static List<LabelMatcher> labelMatchers(String inside) {
        List<LabelMatcher> matchers = new ArrayList<>();
        Matcher m = MATCHER.matcher(inside);
        int at = 0;
        while (at < inside.length() && m.region(at, inside.length()).lookingAt()) {
            String literal = m.group(3);
            matchers.add(new LabelMatcher(m.group(1), m.group(2), literal.substring(1, literal.length() - 1)));
            at = m.end();
        }
        if (!inside.substring(at).isBlank()) {
            throw new IllegalArgumentException("label matchers not understood here: {" + inside + "}");
        }
        return matchers;
    }

    private static String blank(Pattern p, String s) {
        StringBuilder out = new StringBuilder(s);
        Matcher m = p.matcher(s);
        while (m.find()) {
            for (int i = m.start(); i < m.end(); i++) {
                out.setCharAt(i, ' ');
            }
        }
        return out.toString();
    }
}
