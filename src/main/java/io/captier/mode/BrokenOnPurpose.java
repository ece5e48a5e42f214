package io.captier.mode;

import io.captier.config.CaptierConfig;
import io.captier.observability.LogEvent;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Test-only switches that break a contract on purpose (CAPTIER_BREAK_CONTRACT), so the
 * chaos drill can prove its checkers catch a broken build. Never set in production: an
 * instance that has one logs CONTRACT_BROKEN_ON_PURPOSE at every start, and an unknown
 * name stops it.
 * <ul>
 *   <li>{@code consistent-reads-from-standby}: consistent reads go to the standby.</li>
 *   <li>{@code drop-buffered-writes}: an available write the primary cannot take is
 *       acknowledged as buffered and then forgotten.</li>
 *   <li>{@code ignore-idempotency-in-buffers}: an available write the primary cannot take
 *       is buffered without its Idempotency-Key, so a retry is buffered (and applied) again.</li>
 *   <li>{@code trust-unconfirmed-buffers}: a write the Redis master took but its replicas did
 *       not confirm is acknowledged as {@code replicated-buffer}, without the hint log. Right
 *       while the master keeps its role, which crashes rarely interrupt at that moment; lost
 *       when a master cut off from the sentinels is demoted (NetworkPartitionIT).</li>
 * </ul>
 */
@Startup
@ApplicationScoped
public class BrokenOnPurpose {

    static final String READS_FROM_STANDBY = "consistent-reads-from-standby";
    static final String DROP_BUFFERED_WRITES = "drop-buffered-writes";
    static final String IGNORE_IDEMPOTENCY_IN_BUFFERS = "ignore-idempotency-in-buffers";
    static final String TRUST_UNCONFIRMED_BUFFERS = "trust-unconfirmed-buffers";
    private static final List<String> KNOWN = List.of(READS_FROM_STANDBY, DROP_BUFFERED_WRITES,
            IGNORE_IDEMPOTENCY_IN_BUFFERS, TRUST_UNCONFIRMED_BUFFERS);
    private static final Logger LOG = Logger.getLogger(BrokenOnPurpose.class);

    private final Set<String> broken;

    public BrokenOnPurpose(CaptierConfig config) {
        broken = Arrays.stream(config.breakContract().orElse("").split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).collect(Collectors.toUnmodifiableSet());
        for (String name : broken) {
            if (!KNOWN.contains(name)) {
                throw new IllegalStateException("CAPTIER_BREAK_CONTRACT: unknown switch '" + name + "' " + KNOWN);
            }
        }
        if (!broken.isEmpty()) {
            LogEvent.of("CONTRACT_BROKEN_ON_PURPOSE").with(LogEvent.REASON, String.join(",", broken))
                    .error(LOG, "this instance does NOT keep its contract (drill self-test only)");
        }
    }

    boolean consistentReadsFromStandby() {
        return broken.contains(READS_FROM_STANDBY);
    }

    boolean dropBufferedWrites() {
        return broken.contains(DROP_BUFFERED_WRITES);
    }

    boolean ignoreIdempotencyInBuffers() {
        return broken.contains(IGNORE_IDEMPOTENCY_IN_BUFFERS);
    }

    boolean trustUnconfirmedBuffers() {
        return broken.contains(TRUST_UNCONFIRMED_BUFFERS);
    }
}
