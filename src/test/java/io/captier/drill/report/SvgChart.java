package io.captier.drill.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small line chart as inline SVG: time on x (seconds from the drill's start), one
 * polyline per series, and shaded bands for the faults injected, each labelled with its
 * kind. Nothing external: the page must open from a CI artifact, offline.
 */
final class SvgChart {

    private static final int WIDTH = 960;
    private static final int HEIGHT = 240;
    private static final int LEFT = 60;
    private static final int RIGHT = 20;
    private static final int TOP = 30;
    private static final int BOTTOM = 30;
    private static final String[] BAND_COLOURS = {"#f4a261", "#e76f51", "#9d8df1", "#2a9d8f", "#e9c46a"};

    record Series(String name, String colour, List<double[]> points) {
    }

    /** A fault as drawn: from and to in ms after the drill's start. */
    record Band(double fromMs, double toMs, String label) {
    }

    private final String title;
    private final String unit;
    private final double spanMs;
    private final double yMax;
    private final List<Series> series = new ArrayList<>();
    private final List<Band> bands = new ArrayList<>();

    SvgChart(String title, String unit, double spanMs, double yMax) {
        this.title = title;
        this.unit = unit;
        this.spanMs = Math.max(1, spanMs);
        this.yMax = roundUp(yMax);
    }

    SvgChart series(Series s) {
        series.add(s);
        return this;
    }

    SvgChart bands(List<Band> faults) {
        bands.addAll(faults);
        return this;
    }

    String render() {
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" role=\"img\"><title>%s</title>\n", WIDTH, HEIGHT, WIDTH, HEIGHT,
                Html.escape(title), Html.escape(title)));
        svg.append(text(LEFT, 18, title + " (" + unit + ")", "start", "font-weight:bold"));
        for (int i = 0; i < bands.size(); i++) {
            drawBand(svg, bands.get(i), BAND_COLOURS[i % BAND_COLOURS.length], i);
        }
        drawAxes(svg);
        int legendX = WIDTH - RIGHT;
        for (int i = series.size() - 1; i >= 0; i--) {
            Series s = series.get(i);
            drawSeries(svg, s);
            legendX -= 12 + 7 * s.name.length() + 14;
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"10\" width=\"10\" height=\"10\" fill=\"%s\"/>",
                    legendX, s.colour)).append(text(legendX + 14, 19, s.name, "start", "")).append('\n');
        }
        return svg.append("</svg>\n").toString();
    }

    private void drawBand(StringBuilder svg, Band band, String colour, int index) {
        double x0 = x(band.fromMs);
        double x1 = Math.max(x0 + 2, x(Math.min(band.toMs, spanMs)));
        svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
                + "fill-opacity=\"0.25\"><title>%s</title></rect>\n", x0, TOP, x1 - x0, HEIGHT - TOP - BOTTOM, colour,
                Html.escape(band.label), Html.escape(band.label)));
        // Stagger labels so that bands close together stay readable.
        svg.append(text(x0 + 3, TOP + 12 + 12 * (index % 3), band.label, "start", "font-size:11px;fill:#555"))
                .append('\n');
    }

    private void drawAxes(StringBuilder svg) {
        int bottom = HEIGHT - BOTTOM;
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>"
                + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", LEFT, TOP, LEFT, bottom, LEFT,
                bottom, WIDTH - RIGHT, bottom));
        for (int i = 0; i <= 4; i++) {
            double value = yMax * i / 4;
            double y = y(value);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>",
                    LEFT, y, WIDTH - RIGHT, y)).append(text(LEFT - 5, y + 4, format(value), "end", "")).append('\n');
        }
        double stepMs = tickStep(spanMs);
        for (double t = 0; t <= spanMs; t += stepMs) {
            svg.append(text(x(t), bottom + 16, format(t / 1000) + " s", "middle", "")).append('\n');
        }
    }

    private void drawSeries(StringBuilder svg, Series s) {
        StringBuilder points = new StringBuilder();
        for (double[] p : s.points) {
            points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(p[0]), y(Math.min(p[1], yMax))));
        }
        svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
                + "points=\"%s\"><title>%s</title></polyline>\n", s.colour, points.toString().trim(),
                Html.escape(s.name)));
    }

    private double x(double ms) {
        return LEFT + (WIDTH - LEFT - RIGHT) * ms / spanMs;
    }

    private double y(double value) {
        return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * value / yMax;
    }

    /** The next 1, 2, 2.5 or 5 times a power of ten: axis labels people can read. */
    static double roundUp(double value) {
        if (value <= 0) {
            return 1;
        }
        double power = Math.pow(10, Math.floor(Math.log10(value)));
        for (double m : new double[]{1, 2, 2.5, 5}) {
            if (m * power >= value) {
                return m * power;
            }
        }
        return 10 * power;
    }

    /** A round step giving 5 to 10 ticks. */
    private static double tickStep(double spanMs) {
        double step = 1000;
        while (spanMs / step > 10) {
            step *= step % 5000 == 0 ? 2 : 5;
        }
        return step;
    }

    private static String format(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.format(Locale.ROOT, "%.1f", value);
    }

    private static String text(double x, double y, String text, String anchor, String style) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" style=\"font:12px sans-serif;%s\">"
                + "%s</text>", x, y, anchor, style, Html.escape(text));
    }
}
