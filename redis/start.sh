#!/bin/sh
# Starts one node of captier's Redis group from the config files beside this script:
#   start.sh server      a data node
#   start.sh sentinel    a sentinel
# It writes the node's working config into its data directory (a sentinel rewrites its own
# file and a data node's replicaof line on failover, so it must be writable) and execs the
# server in place. Secrets come from the environment and go only into that file (mode 600),
# never into the shipped configs or onto a command line.
#
# Environment:
#   REDIS_PASSWORD       required: requirepass + masterauth of the data nodes, the
#                        sentinels' auth-pass. Letters and digits (openssl rand -hex 32).
#   REDIS_MASTER_NAME    the monitored master's name (captier)
#   REDIS_ANNOUNCE_HOST  the name others reach this node by (compose service, pod DNS name)
#   REDIS_PORT           6379 for a server, 26379 for a sentinel
#   REDIS_DATA_DIR       /data
#   REDIS_CONF_DIR       where redis.conf and sentinel.conf are (this script's directory)
#   REDIS_BIND           replaces the shipped bind line (e.g. 127.0.0.1)
# server only:
#   REDIS_REPLICAOF      host[:port] of the master to follow on a first start (unset, or
#                        naming this node itself: this node starts as the master)
#   REDIS_SENTINELS      host:port,... asked first who the master is now: a node restarted
#                        after a failover rejoins the current master instead of starting as
#                        a second one
# sentinel only:
#   REDIS_SENTINELS      the other sentinels, asked for the current master on a first start
#   REDIS_MASTER_HOST, REDIS_MASTER_PORT  the master to monitor on a first start when no
#                        other sentinel answers (redis-master 6379); later starts keep what
#                        the sentinel rewrote
set -eu

role=${1:?usage: start.sh server|sentinel}
: "${REDIS_PASSWORD:?REDIS_PASSWORD is required}"
case "$REDIS_PASSWORD" in
  *[!A-Za-z0-9._-]*) echo "start.sh: REDIS_PASSWORD must be letters, digits, '.', '_' or '-'" >&2; exit 2 ;;
esac
name=${REDIS_MASTER_NAME:-captier}
conf_dir=${REDIS_CONF_DIR:-$(dirname "$0")}
data=${REDIS_DATA_DIR:-/data}
announce=${REDIS_ANNOUNCE_HOST:-}
umask 077
mkdir -p "$data"

# host port of the master the sentinels name now, or nothing
current_master() {
  for s in $(echo "${REDIS_SENTINELS:-}" | tr ',' ' '); do
    answer=$(timeout 3 redis-cli -h "${s%:*}" -p "${s##*:}" --raw SENTINEL get-master-addr-by-name "$name" \
      2>/dev/null | tr '\n' ' ' | sed 's/ *$//') || true
    case "$answer" in
      *[!0-9\ ]*\ [0-9]*) echo "$answer"; return ;;
    esac
  done
}

case "$role" in
server)
  port=${REDIS_PORT:-6379}
  conf="$data/redis.conf"
  # Who to follow, most recent knowledge first: the sentinels now, the replicaof line as
  # Sentinel last rewrote it, then the deployment's initial choice.
  follow=$(current_master)
  if [ -n "$follow" ] && [ "$follow" = "${announce:-none} $port" ]; then
    follow=self
  fi
  if [ -z "$follow" ] && [ -f "$conf" ]; then
    follow=$(sed -n 's/^replicaof //p' "$conf" | tail -1)
    [ -n "$follow" ] || follow=self
  fi
  if [ -z "$follow" ] && [ -n "${REDIS_REPLICAOF:-}" ]; then
    host=${REDIS_REPLICAOF%:*}
    p=${REDIS_REPLICAOF##*:}
    [ "$p" != "$REDIS_REPLICAOF" ] || p=6379
    follow="$host $p"
    # one setting for a whole StatefulSet: the node it names is the master itself
    [ "$host $p" != "${announce:-none} $port" ] || follow=self
  fi
  {
    cat "$conf_dir/redis.conf"
    echo
    echo "# --- written by start.sh"
    [ -z "${REDIS_BIND:-}" ] || echo "bind $REDIS_BIND"
    echo "port $port"
    echo "dir $data"
    echo "requirepass $REDIS_PASSWORD"
    echo "masterauth $REDIS_PASSWORD"
    [ -z "$announce" ] || echo "replica-announce-ip $announce"
    if [ -n "$follow" ] && [ "$follow" != self ]; then echo "replicaof $follow"; fi
  } > "$conf.new"
  mv "$conf.new" "$conf"
  exec redis-server "$conf"
  ;;
sentinel)
  port=${REDIS_PORT:-26379}
  conf="$data/sentinel.conf"
  if [ ! -s "$conf" ]; then
    # A sentinel without its file (a first start, or an emptyDir after a restart) asks
    # the other sentinels for the master: after a failover it is not the initial one.
    master=$(current_master)
    [ -n "$master" ] || master="${REDIS_MASTER_HOST:-redis-master} ${REDIS_MASTER_PORT:-6379}"
    {
      sed -E "s/^(sentinel monitor [^ ]+) [^ ]+ [0-9]+ /\1 $master /" "$conf_dir/sentinel.conf"
      echo
      echo "# --- written by start.sh"
      [ -z "${REDIS_BIND:-}" ] || echo "bind $REDIS_BIND"
      echo "port $port"
      echo "dir $data"
      [ -z "$announce" ] || echo "sentinel announce-ip $announce"
    } > "$conf.new"
    mv "$conf.new" "$conf"
  fi
  # the password may have been rotated since the sentinel last rewrote its file
  sed -i "/^sentinel auth-pass $name /d" "$conf"
  echo "sentinel auth-pass $name $REDIS_PASSWORD" >> "$conf"
  exec redis-sentinel "$conf"
  ;;
*)
  echo "start.sh: unknown role $role (server or sentinel)" >&2
  exit 2
  ;;
esac
