package io.captier.stack;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fenced code blocks of docs/runbook.md, by their info string: {@code sh local} for the
 * topology scripts/up starts (RunbookIT runs them), {@code sh local-pending} for commands that do
 * not exist yet (skipped), anything else for Docker Compose or Kubernetes (never run).
 */
final class RunbookBlocks {

    /** Blocks RunbookIT runs. */
    static final String LOCAL = "sh local";
    /** Blocks for the local topology whose commands are not there yet. */
    static final String PENDING = "sh local-pending";
    /** Blocks for the topology of scripts/up --faults (FaultsWalkthroughIT runs them). */
    static final String FAULTS = "sh faults";

    private static final Pattern OPEN = Pattern.compile("^ {0,3}(`{3,}|~{3,})[ \t]*([^`]*?)[ \t]*$");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$");

    /** One block: its info string, the 1-based line of its opening fence, the heading it is under, its text. */
    record Block(String info, int line, String heading, String code) {

        /** "docs/runbook.md:42 (under "Verify")", for messages. */
        String where(String file) {
            return file + ":" + line + " (under \"" + heading + "\")";
        }
    }

    private RunbookBlocks() {
    }

    /**
     * Every fenced block of {@code markdown} whose info string is exactly {@code info} (blanks
     * around it ignored), in document order.
     *
     * @throws IllegalArgumentException when a fence is never closed
     */
    static List<Block> withInfo(String markdown, String info) {
        List<Block> blocks = new ArrayList<>();
        String[] lines = markdown.split("\n", -1);
        String heading = "";
        for (int i = 0; i < lines.length; i++) {
            Matcher open = OPEN.matcher(lines[i]);
            if (!open.matches()) {
                Matcher h = HEADING.matcher(lines[i]);
                if (h.matches()) {
                    heading = h.group(1);
                }
                continue;
            }
            String fence = open.group(1);
            int start = i;
            StringBuilder code = new StringBuilder();
            for (i++; i < lines.length && !closes(lines[i], fence); i++) {
                code.append(lines[i]).append('\n');
            }
            if (i == lines.length) {
                throw new IllegalArgumentException("the block opened at line " + (start + 1) + " is never closed");
            }
            if (open.group(2).equals(info)) {
                blocks.add(new Block(info, start + 1, heading, code.toString()));
            }
        }
        return blocks;
    }

    private static boolean closes(String line, String fence) {
        String t = line.strip();
        return t.startsWith(fence.substring(0, 3)) && t.chars().allMatch(c -> c == fence.charAt(0))
                && t.length() >= fence.length();
    }
}
