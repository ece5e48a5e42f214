# PostgreSQL 15 for docker-compose.yml with pgBackRest (docs/backup.md): both nodes archive their WAL
# into the shared pgbackrest-repo volume, so archiving follows a promotion.
FROM postgres:15
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends pgbackrest \
 && rm -rf /var/lib/apt/lists/*
