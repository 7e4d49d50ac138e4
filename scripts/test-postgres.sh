#!/usr/bin/env bash
# Start (or reuse) a throwaway PostgreSQL cluster for the tests and print its SQLAlchemy URL.
# Needs Debian's `postgresql` package; as root it runs the server as the `postgres` user.
set -euo pipefail
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pgbin" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
dir=${PLUS_PG_DIR:-/tmp/plus-test-pg}
port=${PLUS_PG_PORT:-54329}
as_owner=()
if [ "$(id -u)" = 0 ]; then as_owner=(runuser -u postgres --); fi
if ! "${as_owner[@]}" "$pgbin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  rm -rf "$dir" && mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  "${as_owner[@]}" "$pgbin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 >"$dir/initdb.log" 2>&1
  # fsync off: a test database is thrown away, and the app's durability is tested on SQLite files.
  "${as_owner[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
fi
if ! "$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -Atc "select 1 from pg_database where datname='plus_test'" | grep -q 1; then
  "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U postgres plus_test
fi
echo "postgresql+psycopg://postgres@127.0.0.1:$port/plus_test"
