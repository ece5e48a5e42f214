/**
 * Who is where: the roles the probes find database nodes in. Pure data, no drivers: the
 * stores' probes write it, the read path, readiness and {@code /nodes} read it
 * (docs/architecture.md, "Rooms and doors").
 */
package io.captier.topology;
