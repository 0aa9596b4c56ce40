#!/usr/bin/env bash
# A private PostgreSQL server for the tests: its own data folder, its own port on 127.0.0.1, TLS with a self-signed
# certificate, password authentication, no systemd and no cluster of the machine's touched.
#   eval "$(./scripts/postgres.sh start DIR)"   # prints: export STEWARD_TEST_POSTGRES_URL=postgres://…
#   ./scripts/postgres.sh stop DIR
#   ./scripts/postgres.sh down DIR / up DIR     # an outage: the server stops (data kept) and starts again on its port
# The tests' server runs with fsync=off; STEWARD_PG_OPTIONS adds server options after the defaults (the last one of a
# setting wins), e.g. the replica benchmark's "-c fsync=on -c synchronous_commit=off".
# Needs Debian's postgresql package (initdb, pg_ctl). As root, the server runs as the `postgres` user (PostgreSQL
# refuses to run as root).
set -euo pipefail
command=${1:-}
dir=${2:-}
[ -n "$command" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|down|up DIR" >&2; exit 2; }
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || { echo "postgres.sh: PostgreSQL's server is not installed: apt-get install postgresql" >&2; exit 1; }
as_owner=()
if [ "$(id -u)" -eq 0 ]; then as_owner=(runuser -u postgres --); fi

case "$command" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
    password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    printf '%s\n' "$password" > "$dir/password"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$dir/password"
    chmod 0600 "$dir/password"
    "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U steward --pwfile="$dir/password" --auth=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
      -keyout "$dir/data/server.key" -out "$dir/data/server.crt" >/dev/null 2>&1
    chmod 0600 "$dir/data/server.key"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$dir/data/server.key" "$dir/data/server.crt"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    echo "$port" > "$dir/port"
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
      "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c ssl=on -c max_connections=300 -c fsync=off ${STEWARD_PG_OPTIONS:-}" \
      >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    PGPASSWORD=$password "$bin/createdb" -h 127.0.0.1 -p "$port" -U steward steward
    echo "export STEWARD_TEST_POSTGRES_URL=postgres://steward:$password@127.0.0.1:$port/steward"
    ;;
  down)
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
  up)
    port=$(cat "$dir/port")
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
      "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c ssl=on -c max_connections=300 -c fsync=off ${STEWARD_PG_OPTIONS:-}" \
      >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    ;;
  stop)
    [ -d "$dir/data" ] || exit 0
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop|down|up DIR" >&2; exit 2 ;;
esac
