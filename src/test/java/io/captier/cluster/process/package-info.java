/**
 * The topology as server processes from Debian's packages, optionally on a harness network, with
 * pgBackRest backups. Imports {@code cluster.os}, {@code network} and {@code topology}; never
 * {@code container} or {@code app}: it runs the stores, not the service.
 */
package io.captier.cluster.process;
