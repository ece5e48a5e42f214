package io.captier.cluster.os;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds the project root and the server binaries the topology runs, installing missing ones with the
 * project's own {@code scripts/install-deps} (a fresh machine has none of them).
 */
public final class Binaries {

    /** What the production stack's checks and servers run (NGINX, Prometheus, Alertmanager, their
     *  checkers, docker-compose for docker-compose.yml, openssl for scripts/dev-cert, Redis for redis/). */
    private static final List<String> STACK_TOOLS = List.of("nginx", "prometheus", "promtool",
            "prometheus-alertmanager", "amtool", "docker-compose", "openssl", "redis-server", "redis-sentinel",
            "redis-cli", "setsid", "bash", "sh", "timeout");

    /** What scripts/bench (io.captier.bench.Benchmark) runs beside the topology: its HTTP load generator,
     *  Redis' own benchmark, and webdis, the HTTP-to-Redis peer the service is measured against. */
    private static final List<String> BENCH_TOOLS = List.of("wrk", "redis-benchmark", "webdis");

    private static final List<String> NETWORK_TOOLS = List.of("ip", "nft", "redis-server", "redis-cli", "setsid",
            "timeout", "bash", "tac");

    private Binaries() {
    }

    /** The nearest directory at or above user.dir holding pom.xml and scripts/install-deps, or null. */
    public static Path projectRoot() {
        for (Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("pom.xml")) && Files.isRegularFile(d.resolve("scripts/install-deps"))) {
                return d;
            }
        }
        return null;
    }

    /** PostgreSQL's bin directory, once every binary the topology needs is there (installing if not). */
    public static synchronized Path requireTopologyBinaries() {
        install(Binaries::missing);
        return findBinDir();
    }

    /** Every tool of {@link #STACK_TOOLS} on PATH, installing what is missing; never a silent skip. */
    public static synchronized void requireStackTools() {
        install(() -> STACK_TOOLS.stream().filter(t -> !onPath(t)).toList());
    }

    /** Every tool of {@link #BENCH_TOOLS} on PATH, installing what is missing; never a silent skip.
     *  Throws IllegalStateException when one is still missing after scripts/install-deps. */
    public static synchronized void requireBenchTools() {
        install(() -> BENCH_TOOLS.stream().filter(t -> !onPath(t)).toList());
    }

    /** Debian's faketime (its preload library), installing it if missing: cluster/app/SkewedClock. */
    public static synchronized void requireFaketime() {
        install(() -> onPath("faketime") ? List.of() : List.of("faketime"));
    }

    /** What {@code io.captier.cluster.network} runs: iproute2's ip, nftables' nft, and the Redis and
     *  coreutils binaries its self-test starts inside namespaces; installs what is missing. */
    public static synchronized void requireNetworkTools() {
        install(() -> NETWORK_TOOLS.stream().filter(t -> !onPath(t)).toList());
    }

    private static void install(java.util.function.Supplier<List<String>> missingTools) {
        List<String> missing = missingTools.get();
        if (missing.isEmpty()) {
            return;
        }
        Path root = projectRoot();
        if (root == null) {
            throw new IllegalStateException("missing " + missing + ", and no scripts/install-deps found above "
                    + System.getProperty("user.dir"));
        }
        Processes.Result r = Processes.run(List.of("bash", root.resolve("scripts/install-deps").toString()),
                Map.of(), root, Duration.ofMinutes(15));
        missing = missingTools.get();
        if (!missing.isEmpty()) {
            throw new IllegalStateException("missing " + missing + " even after scripts/install-deps (exit "
                    + r.exit() + "):\n" + r.out() + r.err());
        }
    }

    private static List<String> missing() {
        Set<String> tools = new LinkedHashSet<>(List.of("setsid", "kill", "pkill", "bash", "rm", "redis-server",
                "redis-sentinel", "pgbackrest"));
        if (Processes.isRoot()) {
            tools.add("setpriv");
            tools.add("chown");
        }
        List<String> missing = new ArrayList<>();
        for (String t : tools) {
            if (!onPath(t)) {
                missing.add(t);
            }
        }
        if (findBinDir() == null) {
            missing.add("/usr/lib/postgresql/*/bin/{postgres,initdb,pg_basebackup,pg_isready,psql}");
        }
        return missing;
    }

    static boolean onPath(String name) {
        Set<String> dirs = new LinkedHashSet<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"));
        return dirs.stream().filter(d -> !d.isEmpty()).anyMatch(d -> Files.isExecutable(Path.of(d, name)));
    }

    /** The bin directory of the highest PostgreSQL version installed the Debian way, or null. */
    private static Path findBinDir() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Stream.of("postgres", "initdb", "pg_basebackup", "pg_isready", "psql")
                            .allMatch(tool -> Files.isExecutable(b.resolve(tool))))
                    .max(Comparator.comparingDouble(Binaries::postgresVersion))
                    .orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static double postgresVersion(Path bin) {
        try {
            return Double.parseDouble(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
