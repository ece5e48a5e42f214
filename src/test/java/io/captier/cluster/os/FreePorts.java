package io.captier.cluster.os;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Free loopback ports. Other processes on this machine hold common ports, so nothing in the harness
 * assumes a fixed one; a port found here can still be taken before the server binds it, which is why
 * the servers' starts retry with a new port.
 */
public final class FreePorts {

    /** Never hand out the same port twice in one JVM: two servers started at once would collide. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /** A free port on 127.0.0.1 never handed out before in this JVM; throws IllegalStateException after 100 tries. */
    public static int next() {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                int port = socket.getLocalPort();
                if (HANDED_OUT.add(port)) {
                    return port;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find a free port on 127.0.0.1", e);
            }
        }
        throw new IllegalStateException("no new free port on 127.0.0.1 after 100 attempts");
    }
}
