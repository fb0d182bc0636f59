# Shared by the bench scripts (sourced, not run): logging, free loopback ports, the throwaway folder and its removal,
# the Release build, and a throwaway PostgreSQL cluster with a `bench` role owning the `bench` and `ticketgate` databases.
# A script sets `repo` and sources this; it may define `cleanup_more` for resources of its own (stopped before the cluster).

say() { printf '%s  %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
# Fails showing the end of a log, since the cleanup removes it.
die_log() { printf 'bench: %s; the end of %s:\n' "$2" "$1" >&2; tail -n 20 "$1" >&2 2>/dev/null; exit 1; }

# A free loopback port at or after $1.
free_port() {
  local p="$1"
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

# wait_for_port PORT WHAT [PID LOG]: until something listens on PORT; fails with LOG's end if PID exits first.
wait_for_port() {
  local port="$1" what="$2" pid="${3:-}"
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then die_log "$4" "$what exited during start-up"; fi
    sleep 0.1
  done
  die "$what did not start listening on port $port"
}

# bench_world PREFIX: checks root and dotnet, finds PostgreSQL, makes $work (readable by the postgres account), and
# removes everything again on exit or Ctrl-C.
bench_world() {
  [ "$(id -u)" -eq 0 ] || die "run as root: the cluster runs as the postgres OS user (sudo $0)"
  command -v dotnet >/dev/null || die "the .NET 10 SDK (dotnet) is needed to build TicketGate"
  PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  work="$(mktemp -d "/tmp/$1.XXXXXX")"
  chmod 755 "$work"
  chown postgres:postgres "$work"
  ticketgate_pid="" cluster_started=""
  trap bench_cleanup EXIT
  trap 'say "interrupted; cleaning up"; exit 130' INT TERM
}

bench_cleanup() {
  trap - EXIT INT TERM
  set +e
  [ -n "$ticketgate_pid" ] && kill "$ticketgate_pid" 2>/dev/null && wait "$ticketgate_pid" 2>/dev/null
  declare -F cleanup_more >/dev/null && cleanup_more
  [ -n "$cluster_started" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1
  rm -rf "$work"
}

bench_build() {
  say "building TicketGate (Release) …"
  "$repo/ticketgate" --help >/dev/null 2>"$work/build.log" || die_log "$work/build.log" "the build failed"
}

# bench_cluster PORT PASSWORD: initdb in $work/pg, then postgresql.conf gets the listener settings, the durability
# shortcuts every bench uses, and the lines on stdin (max_connections, shared_buffers, TLS); starts it and creates the
# `bench` role (PASSWORD) with its `bench` and `ticketgate` databases. Defines psql_admin (superuser, over the socket).
bench_cluster() {
  local port="$1" password="$2"
  bench_pg_port="$port"
  say "initdb in $work/pg (PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}'), port $port)"
  printf '%s\n' "$password" >"$work/pwfile"
  chown postgres:postgres "$work/pwfile"
  runuser -u postgres -- "$PGBIN/initdb" -D "$work/pg" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --pwfile="$work/pwfile" -E UTF8 --locale=C >"$work/initdb.log" 2>&1 || die_log "$work/initdb.log" "initdb failed"
  {
    printf "listen_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\n" "$port" "$work"
    printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n'
    cat
  } >>"$work/pg/postgresql.conf"
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/pg" -l "$work/postgres.log" -w start >/dev/null \
    || die_log "$work/postgres.log" "PostgreSQL did not start"
  cluster_started=1
  psql_admin() { runuser -u postgres -- "$PGBIN/psql" -h "$work" -p "$bench_pg_port" -U postgres -X -q -v ON_ERROR_STOP=1 "$@"; }
  psql_admin -d postgres -c "CREATE ROLE bench LOGIN PASSWORD '$password'" \
    -c "CREATE DATABASE bench OWNER bench" -c "CREATE DATABASE ticketgate OWNER bench"
}
