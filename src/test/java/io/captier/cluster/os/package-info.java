/**
 * Operating-system plumbing: child processes in their own process groups, the watchdog that ends
 * them if the test JVM dies, free ports, installed binaries, RESP, a small disk. Imports nothing of
 * captier or of the harness, so that every other harness package can build on it.
 */
package io.captier.cluster.os;
