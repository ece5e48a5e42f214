/**
 * scripts/up's stack: its control process (Up), NGINX, Prometheus and Alertmanager, Redis from the
 * project's files, rolling restarts, fault injection. The top of the harness: it may import every
 * other {@code cluster} package, and none of them imports it.
 */
package io.captier.cluster.devstack;
