package io.captier.cluster.app;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** When a test fails, print the tail of every log that was registered: the why is there. */
public final class LogsOnFailure implements TestWatcher {

    private final Map<String, Supplier<String>> logs = new LinkedHashMap<>();

    public void add(String name, Supplier<String> tail) {
        logs.put(name, tail);
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        logs.forEach((name, tail) -> {
            String text;
            try {
                text = tail.get();
            } catch (RuntimeException e) {
                text = "(cannot read: " + e + ")";
            }
            System.out.println("----- " + name + " (last lines) -----\n" + text);
        });
    }
}
