#!/usr/bin/env bash
# Measures TicketGate against direct PostgreSQL and pgbouncer (session mode) in one run, on one throwaway cluster.
#
#   sudo bench/run.sh                 # the full matrix: TLS and plaintext, ~12 minutes
#   DURATION=5 sudo bench/run.sh      # shorter runs for a quick look
#
# Every path serves the same cluster and the same pgbench tables. The client leg is measured both encrypted
# (sslmode=require against PostgreSQL ssl=on, pgbouncer client TLS, TicketGate's TLS listener) and in plaintext;
# the server leg (pgbouncer/TicketGate → PostgreSQL) is plaintext on loopback for both proxies.
# Settings (environment): DURATION (seconds per pgbench run, default 15), SCALE (pgbench -i scale, default 10),
# CLIENTS ("8 32"), MODES ("simple extended prepared"), TLS_VARIANTS ("tls plain"), THREADS (pgbench -j, default 2),
# RESULTS (a file to keep the raw results in, tab-separated), PAUSE (a file: start everything, write the connection
# settings there as shell exports, and wait for Ctrl-C instead of measuring; for profiling by hand).
set -euo pipefail

DURATION="${DURATION:-15}"
SCALE="${SCALE:-10}"
CLIENTS="${CLIENTS:-8 32}"
MODES="${MODES:-simple extended prepared}"
TLS_VARIANTS="${TLS_VARIANTS:-tls plain}"
THREADS="${THREADS:-2}"
CONNECT_CLIENTS="${CONNECT_CLIENTS:-8}"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf '%s  %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
# Fails showing the end of a log, since the cleanup removes it.
die_log() { printf 'bench: %s; the end of %s:\n' "$2" "$1" >&2; tail -n 20 "$1" >&2 2>/dev/null; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root: the cluster and pgbouncer run as the postgres OS user (sudo bench/run.sh)"

# --- prerequisites ----------------------------------------------------------------------------------------------
missing=()
[ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -e /usr/lib/x86_64-linux-gnu/libpg_query.so ] || ls /usr/lib/*/libpg_query.so* >/dev/null 2>&1 || missing+=(libpg-query-dev)
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v dotnet >/dev/null || die "the .NET 10 SDK (dotnet) is needed to build TicketGate"
command -v openssl >/dev/null || die "openssl is needed to make the TLS certificate"
PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
systemctl stop pgbouncer >/dev/null 2>&1 || true   # the package's own instance would only take CPU

# --- the throwaway world, and its removal ---------------------------------------------------------------------------
work="$(mktemp -d /tmp/ticketgate-bench.XXXXXX)"
chmod 755 "$work"
chown postgres:postgres "$work"
pgbouncer_pid="" ticketgate_pid="" cluster_started=""
cleanup() {
  trap - EXIT INT TERM
  set +e
  [ -n "$ticketgate_pid" ] && kill "$ticketgate_pid" 2>/dev/null && wait "$ticketgate_pid" 2>/dev/null
  [ -f "$work/pgbouncer.pid" ] && kill "$(cat "$work/pgbouncer.pid")" 2>/dev/null
  [ -n "$pgbouncer_pid" ] && wait "$pgbouncer_pid" 2>/dev/null
  [ -n "$cluster_started" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'say "interrupted; cleaning up"; exit 130' INT TERM

# A free loopback port at or after $1.
free_port() {
  local p="$1"
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}
wait_for_port() {
  local port="$1" what="$2" pid="${3:-}"
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then die_log "$4" "$what exited during start-up"; fi
    sleep 0.1
  done
  die "$what did not start listening on port $port"
}

pg_port="$(free_port 25432)"
bouncer_port="$(free_port $((pg_port + 1)))"
gate_port="$(free_port $((bouncer_port + 1)))"
http_port="$(free_port $((gate_port + 1)))"
password="bench-$(openssl rand -hex 12)"

# --- build --------------------------------------------------------------------------------------------------------
say "building TicketGate (Release) …"
"$repo/ticketgate" --help >/dev/null 2>"$work/build.log" || die_log "$work/build.log" "the build failed"

# --- TLS certificate shared by all three listeners ------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$work/tls.key" -out "$work/tls.crt" >/dev/null 2>&1
chown postgres:postgres "$work/tls.key" "$work/tls.crt"
chmod 600 "$work/tls.key"

# --- the cluster -------------------------------------------------------------------------------------------------------
say "initdb in $work/pg (PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}'), port $pg_port)"
printf '%s\n' "$password" >"$work/pwfile"
chown postgres:postgres "$work/pwfile"
runuser -u postgres -- "$PGBIN/initdb" -D "$work/pg" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
  --pwfile="$work/pwfile" -E UTF8 --locale=C >"$work/initdb.log" 2>&1 || die_log "$work/initdb.log" "initdb failed"
cat >>"$work/pg/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$work'
max_connections = 200
shared_buffers = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
ssl = on
ssl_cert_file = '$work/tls.crt'
ssl_key_file = '$work/tls.key'
EOF
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/pg" -l "$work/postgres.log" -w start >/dev/null || die_log "$work/postgres.log" "PostgreSQL did not start"
cluster_started=1
psql_admin() { runuser -u postgres -- "$PGBIN/psql" -h "$work" -p "$pg_port" -U postgres -X -q -v ON_ERROR_STOP=1 "$@"; }
psql_admin -d postgres -c "CREATE ROLE bench LOGIN PASSWORD '$password'" \
  -c "CREATE DATABASE bench OWNER bench" -c "CREATE DATABASE ticketgate OWNER bench"
say "pgbench -i -s $SCALE"
PGPASSWORD="$password" "$PGBIN/pgbench" -i -q -s "$SCALE" -h 127.0.0.1 -p "$pg_port" -U bench bench >"$work/pgbench-init.log" 2>&1 \
  || die_log "$work/pgbench-init.log" "pgbench -i failed"

# --- pgbouncer, session mode ------------------------------------------------------------------------------------------
# Client TLS is "allow" so the same instance serves the encrypted and the plaintext rounds; clients choose with sslmode.
printf '"bench" "%s"\n' "$password" >"$work/userlist.txt"
cat >"$work/pgbouncer.ini" <<EOF
[databases]
bench = host=127.0.0.1 port=$pg_port dbname=bench
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $work/userlist.txt
pool_mode = session
max_client_conn = 200
default_pool_size = 40
logfile = $work/pgbouncer.log
pidfile = $work/pgbouncer.pid
client_tls_sslmode = allow
client_tls_cert_file = $work/tls.crt
client_tls_key_file = $work/tls.key
server_tls_sslmode = disable
log_connections = 0
log_disconnections = 0
EOF
chown postgres:postgres "$work/userlist.txt" "$work/pgbouncer.ini"
runuser -u postgres -- /usr/sbin/pgbouncer "$work/pgbouncer.ini" >"$work/pgbouncer.out" 2>&1 &
pgbouncer_pid=$!
wait_for_port "$bouncer_port" pgbouncer "$pgbouncer_pid" "$work/pgbouncer.log"

# --- TicketGate: default policy (reads are low), audit on, TLS listener; plaintext accepted for the plain round ----
printf 'Host=127.0.0.1;Port=%s;Database=ticketgate;Username=bench;Password=%s\n' "$pg_port" "$password" >"$work/state-db"
printf '%s\n' "$password" >"$work/upstream-password"
chmod 600 "$work/state-db" "$work/upstream-password"
cat >"$work/ticketgate.yaml" <<EOF
oidc:
  development_issuer: $work/issuer
  audience: bench
postgres:
  listen: 127.0.0.1:$gate_port
  tls: { certificate: $work/tls.crt, key: $work/tls.key }
  insecure: true
http:
  listen: 127.0.0.1:$http_port
state_database:
  connection_string_file: $work/state-db
connections:
  bench:
    host: 127.0.0.1
    port: $pg_port
    database: bench
    user: bench
    password: { file: $work/upstream-password }
    ssl_mode: disable
EOF
token="$("$repo/ticketgate" token --sub bench-agent --groups agents --ttl 3h --data-dir "$work/issuer" \
  --issuer "http://127.0.0.1:$http_port/oidc" --audience bench)"
"$repo/ticketgate" serve --config "$work/ticketgate.yaml" >"$work/ticketgate.log" 2>&1 &
ticketgate_pid=$!
wait_for_port "$gate_port" TicketGate "$ticketgate_pid" "$work/ticketgate.log"

# --- the runs ------------------------------------------------------------------------------------------------------------
# conninfo for a path and a TLS variant; the password goes through PGPASSWORD.
conninfo() {
  local ssl; [ "$2" = tls ] && ssl=require || ssl=disable
  case "$1" in
    direct)     echo "host=127.0.0.1 port=$pg_port dbname=bench user=bench sslmode=$ssl" ;;
    pgbouncer)  echo "host=127.0.0.1 port=$bouncer_port dbname=bench user=bench sslmode=$ssl" ;;
    ticketgate) echo "host=127.0.0.1 port=$gate_port dbname=bench user=bench-agent sslmode=$ssl" ;;
  esac
}
secret_for() { [ "$1" = ticketgate ] && echo "$token" || echo "$password"; }

for path in direct pgbouncer ticketgate; do
  for variant in $TLS_VARIANTS; do
    got="$(PGPASSWORD="$(secret_for $path)" "$PGBIN/psql" -X -At -d "$(conninfo $path $variant)" \
      -c "SELECT count(*) FROM pgbench_branches" 2>&1)" \
      || die "$path ($variant) does not answer: $got"
    [ "$got" = "$SCALE" ] || die "$path ($variant) answered unexpectedly: $got"
  done
done

# Warm-up, so TicketGate's JIT tiering and every cache settle before anything is measured; all paths alike.
say "warming up (5 s per path)"
for path in direct pgbouncer ticketgate; do
  PGPASSWORD="$(secret_for $path)" "$PGBIN/pgbench" -n -S -M prepared -c 8 -j "$THREADS" -T 5 "$(conninfo $path tls)" >/dev/null 2>&1 \
    || die "the warm-up run on $path failed"
done

if [ -n "${PAUSE:-}" ]; then
  # For profiling by hand: everything stays up until Ctrl-C.
  {
    echo "export PGBIN=$PGBIN TG_PID=$ticketgate_pid"
    for path in direct pgbouncer ticketgate; do
      echo "export ${path^^}_SECRET='$(secret_for $path)' ${path^^}_TLS='$(conninfo $path tls)' ${path^^}_PLAIN='$(conninfo $path plain)'"
    done
  } >"$PAUSE"
  say "running; connection settings in $PAUSE (source it); Ctrl-C stops everything"
  while kill -0 "$ticketgate_pid" 2>/dev/null; do sleep 1; done
  die "TicketGate exited"
fi

results="$work/results.tsv"
printf 'variant\tpath\tmode\tclients\ttps\tlatency_ms\tconnect_ms\tproxy_cpu_us_per_txn\n' >"$results"
clk_tck="$(getconf CLK_TCK)"
# CPU time (user + system, in clock ticks) the proxy process of a path has used so far; nothing for direct.
proxy_cpu_ticks() {
  local pid=""
  case "$1" in
    pgbouncer) pid="$(cat "$work/pgbouncer.pid")" ;;
    ticketgate) pid="$ticketgate_pid" ;;
  esac
  [ -n "$pid" ] && awk '{ print $14 + $15 }' "/proc/$pid/stat"
  return 0
}
# One pgbench run; appends a row. $5 is "connect" for -C (a new connection per transaction).
measure() {
  local variant="$1" path="$2" mode="$3" clients="$4" connect="${5:-}" out="$work/run.out" extra=()
  [ -n "$connect" ] && extra=(-C)
  local cpu_before; cpu_before="$(proxy_cpu_ticks "$path")"
  if ! PGPASSWORD="$(secret_for "$path")" "$PGBIN/pgbench" -n -S -M "$mode" -c "$clients" -j "$THREADS" -T "$DURATION" \
      "${extra[@]}" "$(conninfo "$path" "$variant")" >"$out" 2>&1; then
    cat "$out" >&2
    die "pgbench failed on $path ($variant, $mode, $clients clients)"
  fi
  local tps latency conn txns cpu_after proxy_cpu="-"
  cpu_after="$(proxy_cpu_ticks "$path")"
  txns="$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out" | head -1)"
  if [ -n "$cpu_after" ] && [ "${txns:-0}" -gt 0 ]; then
    proxy_cpu="$(awk -v d=$((cpu_after - cpu_before)) -v hz="$clk_tck" -v n="$txns" 'BEGIN { printf "%.1f", d / hz * 1e6 / n }')"
  fi
  tps="$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out" | head -1)"
  latency="$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' "$out" | head -1)"
  conn="$(sed -n 's/^average connection time = \([0-9.]*\) ms.*/\1/p' "$out" | head -1)"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$variant" "$path" "$mode${connect:+ -C}" "$clients" "$tps" "$latency" "${conn:--}" "$proxy_cpu" >>"$results"
  say "$(printf '%-5s %-10s %-12s %3s clients  %10.0f tps  %7s ms  proxy CPU %6s us/txn' "$variant" "$path" "$mode${connect:+ -C}" "$clients" "$tps" "$latency" "$proxy_cpu")"
}

runs=0
for variant in $TLS_VARIANTS; do for _ in $MODES; do for _ in $CLIENTS; do runs=$((runs + 3)); done; done; runs=$((runs + 3)); done
say "measuring: $runs pgbench runs of ${DURATION}s (~$(( (runs * (DURATION + 1) + 59) / 60 )) min)"
round=0
for variant in $TLS_VARIANTS; do
  for mode in $MODES; do
    for clients in $CLIENTS; do
      # The three paths back to back, the order rotated each round, so drift on the machine hits them alike.
      case $((round % 3)) in
        0) order="direct pgbouncer ticketgate" ;;
        1) order="pgbouncer ticketgate direct" ;;
        *) order="ticketgate direct pgbouncer" ;;
      esac
      round=$((round + 1))
      for path in $order; do measure "$variant" "$path" "$mode" "$clients"; done
    done
  done
  for path in direct pgbouncer ticketgate; do measure "$variant" "$path" simple "$CONNECT_CLIENTS" connect; done
done

# --- the table ------------------------------------------------------------------------------------------------------------
awk -F'\t' '
  NR == 1 { next }
  { key = $1 FS $3 FS $4; tps[key, $2] = $5; lat[key, $2] = $6; conn[key, $2] = $7; cpu[key, $2] = $8
    if (!(key in seen)) { seen[key] = 1; keys[++n] = key } }
  END {
    printf "\n%-6s %-11s %7s | %9s %9s %9s | %7s %7s %7s | %6s %6s | %7s %7s\n", "client", "mode", "clients",
      "direct", "pgbouncer", "ticketgate", "lat dir", "lat pgb", "lat tg", "tg/pgb", "tg/dir", "cpu pgb", "cpu tg"
    printf "%-6s %-11s %7s | %29s | %23s | %13s | %15s\n", "leg", "", "", "TPS", "avg latency (ms)", "TPS ratios", "proxy us/txn"
    for (i = 1; i <= n; i++) {
      split(keys[i], k, FS)
      d = tps[keys[i], "direct"]; b = tps[keys[i], "pgbouncer"]; t = tps[keys[i], "ticketgate"]
      printf "%-6s %-11s %7s | %9.0f %9.0f %9.0f | %7.3f %7.3f %7.3f | %6.2f %6.2f | %7s %7s\n", k[1], k[2], k[3], d, b, t,
        lat[keys[i], "direct"], lat[keys[i], "pgbouncer"], lat[keys[i], "ticketgate"], (b > 0 ? t / b : 0), (d > 0 ? t / d : 0),
        cpu[keys[i], "pgbouncer"], cpu[keys[i], "ticketgate"]
      if (conn[keys[i], "direct"] != "-") {
        printf "%-6s %-11s %7s   average connection set-up (ms): direct %s, pgbouncer %s, ticketgate %s\n", "", "", "",
          conn[keys[i], "direct"], conn[keys[i], "pgbouncer"], conn[keys[i], "ticketgate"]
      }
    }
  }' "$results"
echo
echo "pgbench -S, ${DURATION}s per run, -j $THREADS, scale $SCALE; $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "proxy us/txn: CPU time (user+system) of the pgbouncer or TicketGate process per transaction, from /proc; it does not depend on how busy the machine is the way TPS does"
if [ -n "${RESULTS:-}" ]; then cp "$results" "$RESULTS"; echo "raw results: $RESULTS"; fi
