/**
 * What tests use: service instances as child processes (AppInstance, Stack), the HTTP client, the
 * Quarkus test resource. Only Topologies should pick {@code cluster.process} or {@code container},
 * so the rest runs on either; Stack and TopologyResource still name the process topology's options.
 */
package io.captier.cluster.app;
