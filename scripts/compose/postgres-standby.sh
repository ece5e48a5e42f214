#!/bin/bash
# The PostgreSQL streaming standby of docker-compose.yml: on its first start it clones the
# primary (pg_basebackup -R writes primary_conninfo and standby.signal), then it runs as a
# hot standby. Runs as the postgres user. After a promotion (pg_ctl promote, or
# SELECT pg_promote()) the old primary must be re-cloned: empty its volume and start it
# with this script and PRIMARY_HOST pointing at the new primary.
set -euo pipefail
: "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD is required}"
primary=${PRIMARY_HOST:-postgres-primary}
export PGPASSWORD="$REPLICATION_PASSWORD"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -q -h "$primary" -p 5432; do
    echo "waiting for $primary ..."
    sleep 1
  done
  find "$PGDATA" -mindepth 1 -delete
  pg_basebackup -h "$primary" -p 5432 -U replicator -D "$PGDATA" -R -X stream -c fast
  chmod 700 "$PGDATA"
fi
unset PGPASSWORD
exec postgres -c hot_standby=on -c hot_standby_feedback=on "$@"
