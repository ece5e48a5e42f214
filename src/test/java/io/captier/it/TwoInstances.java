package io.captier.it;

import io.captier.cluster.app.AppInstance;
import io.captier.cluster.app.Client;
import io.captier.cluster.app.LogsOnFailure;
import io.captier.cluster.app.Stack;
import io.captier.cluster.topology.Topology.Node;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

/**
 * Two instances of one profile on a topology of their own. The tests of a class run in
 * order, as steps of one story of faults, and each starts with both instances ready so
 * that one step's fault never leaks into the next.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class TwoInstances {

    @RegisterExtension
    final LogsOnFailure logs = new LogsOnFailure();

    Stack stack;
    AppInstance a;
    AppInstance b;
    Client ca;
    Client cb;

    /** "consistent" or "available". */
    abstract String mode();

    /** More instances the class needs on the same topology (started before the logs are registered). */
    void startMore() {
    }

    @BeforeAll
    void start() {
        stack = Stack.start();
        String prefix = mode().equals("consistent") ? "cp" : "ap";
        a = stack.instance(prefix + "-a", mode());
        b = stack.instance(prefix + "-b", mode());
        ca = new Client(a.baseUrl());
        cb = new Client(b.baseUrl());
        startMore();
        stack.register(logs);
    }

    @BeforeEach
    void bothReady() {
        Stack.awaitReady(a);
        Stack.awaitReady(b);
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    /**
     * The Redis replicas paused and their links to {@code master} dropped: the master takes
     * writes that no replica can confirm (WAIT times out) and no replica can fetch later.
     *
     * @return the paused replicas, for the caller to resume
     */
    List<Node> cutOffRedisReplicas(Node master) {
        List<Node> replicas = stack.topology.redisReplicas();
        replicas.forEach(stack.topology::pause);
        stack.topology.redis(master, "CLIENT", "KILL", "TYPE", "replica");
        return replicas;
    }
}
