#!/bin/bash
# Runs once, when the PostgreSQL primary's data directory is created (docker-compose.yml
# mounts it into /docker-entrypoint-initdb.d): captier's role and database, the standby's
# replication role, and synchronous replication from the next start on.
set -euo pipefail
: "${DATABASE_PASSWORD:?DATABASE_PASSWORD is required}"
: "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD is required}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  --set app_password="$DATABASE_PASSWORD" --set repl_password="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE captier LOGIN PASSWORD :'app_password';
CREATE DATABASE captier OWNER captier;
CREATE ROLE replicator REPLICATION LOGIN PASSWORD :'repl_password';
-- docs/architecture.md C2: a commit is acknowledged once the standby has it, so a promotion loses no
-- acknowledged write. Takes effect when the entrypoint restarts the server after this
-- script (here, during initialisation, no standby exists yet to confirm anything).
ALTER SYSTEM SET synchronous_standby_names = '*';
SQL

# The standby clones and streams over the network as the replication role.
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
