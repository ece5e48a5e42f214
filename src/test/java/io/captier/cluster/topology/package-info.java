/**
 * The topology contract (which store nodes a test runs against, and what it may do to them), the
 * options a topology starts with, and the stores' part of a service instance's environment
 * (StoreEnv; the rest of it is {@code cluster.app.AppEnv}'s).
 * Imports only {@code cluster.os} and {@code network} (a topology may run on a harness network),
 * so that tests written against it run on the process and the container topology alike.
 */
package io.captier.cluster.topology;
