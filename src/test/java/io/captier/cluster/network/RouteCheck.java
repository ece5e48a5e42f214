package io.captier.cluster.network;

import io.captier.cluster.os.Processes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The safety check before any traffic: asks the kernel ({@code ip route get}, which looks the route up
 * and sends nothing) how a namespace would reach an address, and refuses unless it is directly on the
 * harness's own link. Traffic from this harness may only go to 127.0.0.1 or to its own namespaces.
 */
final class RouteCheck {

    private RouteCheck() {
    }

    /**
     * Throws IllegalStateException unless, seen from namespace {@code netns} (null: the root
     * namespace), {@code address} is directly on device {@code dev} (no gateway).
     */
    static void require(String netns, String address, String dev) {
        List<String> argv = new ArrayList<>(List.of("ip"));
        if (netns != null) {
            argv.addAll(List.of("-n", netns));
        }
        argv.addAll(List.of("-4", "route", "get", address));
        Processes.Result r = Processes.run(argv, Map.of(), null, Duration.ofSeconds(10));
        String where = netns == null ? "the root namespace" : "namespace " + netns;
        if (!r.ok()) {
            throw new IllegalStateException("refusing " + address + ": no route from " + where + " ("
                    + r.err().strip() + ")");
        }
        String problem = problem(r.out(), dev);
        if (problem != null) {
            throw new IllegalStateException("refusing " + address + " from " + where + ": " + problem
                    + "; route: " + r.out().strip());
        }
    }

    /** Null when {@code ipRouteGet} (the output of ip route get) goes directly out on {@code dev},
     *  else what is wrong with it. */
    static String problem(String ipRouteGet, String dev) {
        String[] t = ipRouteGet.trim().split("\\s+");
        String via = null;
        String actual = null;
        for (int i = 0; i + 1 < t.length; i++) {
            if (t[i].equals("via")) {
                via = t[i + 1];
            } else if (t[i].equals("dev") && actual == null) {
                actual = t[i + 1];
            }
        }
        if (t.length > 0 && !t[0].isEmpty() && !Character.isDigit(t[0].charAt(0))) {
            // "local 10.213.5.1 dev lo", "unreachable ...", "blackhole ...": not a host on our link
            return "route type " + t[0];
        }
        if (via != null) {
            return "goes via gateway " + via;
        }
        if (!dev.equals(actual)) {
            return "goes out on " + actual + ", not on " + dev;
        }
        return null;
    }
}
