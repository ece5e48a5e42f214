package io.captier.cluster.process;

import io.captier.cluster.network.Host;
import io.captier.cluster.os.OsProcess;
import io.captier.cluster.os.Processes;
import io.captier.cluster.os.Watchdog;
import io.captier.cluster.topology.Topology;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One node of the topology as the harness tracks it: its stable name, kind, port, directory, log
 * file, current process and the state the harness last put it in.
 */
final class Server {

    enum State { NEW, RUNNING, PAUSED, KILLED, STOPPED }

    final String name;
    final Topology.Kind kind;
    final Path dir;
    final Path log;
    /** The network namespace the server runs in, or null: the root namespace, on 127.0.0.1. */
    final Host netHost;
    private volatile Topology.Node node;
    private volatile OsProcess process;
    private volatile State state = State.NEW;

    Server(String name, Topology.Kind kind, Path dir, int port, Host netHost) {
        this.name = name;
        this.kind = kind;
        this.dir = dir;
        this.log = dir.resolve(name + ".log");
        this.netHost = netHost;
        this.node = new Topology.Node(name, kind, host(), port);
    }

    /** The address the server listens on and announces. */
    String host() {
        return netHost == null ? "127.0.0.1" : netHost.address();
    }

    Topology.Node node() {
        return node;
    }

    int port() {
        return node.port();
    }

    /** Only while the topology is being built: a port found free can be taken before the bind. */
    void changePort(int port) {
        node = new Topology.Node(name, kind, host(), port);
    }

    OsProcess process() {
        return process;
    }

    State state() {
        return state;
    }

    /** Running as far as the harness knows, and the process is really there. */
    boolean isUp() {
        OsProcess p = process;
        return state == State.RUNNING && p != null && p.isAlive();
    }

    /** The state for describe(): DEAD when it should run but its process is gone. */
    String stateText() {
        OsProcess p = process;
        if ((state == State.RUNNING || state == State.PAUSED) && (p == null || !p.isAlive())) {
            return "DEAD";
        }
        return state.name();
    }

    /**
     * Launches {@code command} and waits until {@code ready} holds. Returns false (with the process
     * killed) when it died or did not get ready in time, so the caller can retry.
     */
    boolean launch(List<String> command, Map<String, String> env, Watchdog watchdog, Predicate<Server> ready,
            Duration timeout) {
        OsProcess p = OsProcess.launch(netHost == null ? command : netHost.exec(command), log, dir, env, watchdog);
        process = p;
        state = State.RUNNING;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                state = State.KILLED;
                return false;
            }
            try {
                if (ready.test(this)) {
                    return true;
                }
            } catch (RuntimeException notYet) {
                // not accepting connections yet
            }
            Processes.sleep(50);
        }
        kill();
        return false;
    }

    void kill() {
        OsProcess p = process;
        if (p != null) {
            p.kill();
        }
        state = State.KILLED;
    }

    void pause() {
        requireProcess().pause();
        state = State.PAUSED;
    }

    void resume() {
        requireProcess().resume();
        state = State.RUNNING;
    }

    /** Orderly end for close(): {@code sig} first, kill -9 after {@code grace}. */
    void stop(String sig, Duration grace) {
        OsProcess p = process;
        if (p != null) {
            p.terminate(sig, grace);
        }
        state = State.STOPPED;
    }

    private OsProcess requireProcess() {
        OsProcess p = process;
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException(name + " has no running process (" + stateText() + ")");
        }
        return p;
    }

    @Override
    public String toString() {
        return name;
    }
}
