package io.captier.store.hintlog;

import io.captier.config.CaptierConfig;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** This instance's hint log, in HINT_LOG_DIR, opened (and scanned) once at start-up. */
public class HintLogs {

    @Produces
    @Singleton
    HintLog open(CaptierConfig config) {
        try {
            return new HintLog(Path.of(config.hintLogDir()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the hint log in HINT_LOG_DIR=" + config.hintLogDir(), e);
        }
    }

    void close(@Disposes HintLog log) throws IOException {
        log.close();
    }
}
