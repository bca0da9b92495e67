#!/usr/bin/env bash
# Runs "$@" with TEST_DATABASE_URL pointing at a throwaway PostgreSQL cluster made from the
# machine's PostgreSQL binaries, and removes the cluster afterwards. Without the binaries
# it runs "$@" as it is (the database tests then say they ran on PGlite only).
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "with-postgres: no PostgreSQL binaries under /usr/lib/postgresql: database tests run on PGlite only"
  exec "$@"
fi

# initdb and pg_ctl refuse to run as root: run them as the postgres user when we are root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

dir=$(mktemp -d /tmp/mockflow-pg.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
port=$(( 20000 + RANDOM % 20000 ))

cleanup() {
  as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync >/dev/null
as_pg "$bin/pg_ctl" -D "$dir/data" -w -l "$dir/log" \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
echo "with-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"

export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
# The same server through its Unix socket, for a test inside a network namespace of its own (the
# voice end to end), where 127.0.0.1 is the namespace's loopback.
export TEST_DATABASE_SOCKET_URL="postgres://postgres@localhost/postgres?host=$dir&port=$port"
set +e
"$@"
status=$?
set -e
exit $status
