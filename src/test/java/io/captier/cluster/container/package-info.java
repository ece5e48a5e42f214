/**
 * The same topology on Testcontainers, for machines with a Docker engine. Imports
 * {@code cluster.topology} (and {@code os}), never {@code process}: the two share the contract,
 * not code, so either can change alone.
 */
package io.captier.cluster.container;
