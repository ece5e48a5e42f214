package io.captier;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Starts captier. One setting must be made before Quarkus starts, as a system property:
 * {@code vertx.disableURIValidation}. Quarkus otherwise refuses a request target that is
 * no valid URI with an empty 400 before any handler of the application runs;
 * io.captier.api.RequestTarget makes the same check first and answers problem+json.
 */
@QuarkusMain
public final class Main {

    private Main() {
    }

    public static void main(String... args) {
        System.setProperty("vertx.disableURIValidation", "true");
        Quarkus.run(args);
    }
}
