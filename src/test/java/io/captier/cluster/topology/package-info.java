/**
 * The topology contract (which store nodes a test runs against, and what it may do to them) and
 * the run's API keys every topology hands its instances. Imports only {@code cluster.os}, so that
 * tests written against it run on the process and the container topology alike.
 */
package io.captier.cluster.topology;
