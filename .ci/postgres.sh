#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on loopback (Debian packages) and print its admin URL.
# Usage: eval "$(bash .ci/postgres.sh start)"   → exports IOC_TEST_POSTGRES_URL
#        bash .ci/postgres.sh stop
set -euo pipefail
PGPORT=${IOC_TEST_PGPORT:-54329}
PGROOT=${IOC_TEST_PGROOT:-/tmp/ioc-test-postgres}

bin_dir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] || { echo "PostgreSQL server is not installed (apt-get install -y postgresql)" >&2; exit 1; }
  echo "$dir"
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  start)
    BIN=$(bin_dir)
    if ! as_postgres "$BIN/pg_ctl" -D "$PGROOT/data" status >/dev/null 2>&1; then
      rm -rf "$PGROOT"
      mkdir -p "$PGROOT"
      [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGROOT"
      as_postgres "$BIN/initdb" -D "$PGROOT/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$PGROOT/initdb.log"
      as_postgres "$BIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w \
        -o "-p $PGPORT -c listen_addresses=127.0.0.1 -k $PGROOT -c fsync=off -c full_page_writes=off" start >/dev/null
    fi
    echo "export IOC_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$PGPORT/postgres"
    ;;
  stop)
    BIN=$(bin_dir)
    as_postgres "$BIN/pg_ctl" -D "$PGROOT/data" -m fast stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
