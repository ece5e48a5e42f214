/**
 * What tests use: service instances as child processes (AppInstance, Stack) and their environment
 * (AppEnv, with the run's API keys: Credentials), the HTTP client, the Quarkus test resource. Only
 * Topologies picks {@code cluster.process} or {@code container}, so the rest runs on either:
 * options go through {@code topology.TopologyOptions}.
 */
package io.captier.cluster.app;
