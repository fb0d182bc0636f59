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

# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"

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
command -v openssl >/dev/null || die "openssl is needed to make the TLS certificate"
systemctl stop pgbouncer >/dev/null 2>&1 || true   # the package's own instance would only take CPU

# --- the throwaway world, and its removal ---------------------------------------------------------------------------
bench_world ticketgate-bench
pgbouncer_pid=""
cleanup_more() {
  [ -f "$work/pgbouncer.pid" ] && kill "$(cat "$work/pgbouncer.pid")" 2>/dev/null
  [ -n "$pgbouncer_pid" ] && wait "$pgbouncer_pid" 2>/dev/null
}

pg_port="$(free_port 25432)"
bouncer_port="$(free_port $((pg_port + 1)))"
gate_port="$(free_port $((bouncer_port + 1)))"
http_port="$(free_port $((gate_port + 1)))"
password="bench-$(openssl rand -hex 12)"

# --- build --------------------------------------------------------------------------------------------------------
bench_build

# --- TLS certificate shared by all three listeners ------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$work/tls.key" -out "$work/tls.crt" >/dev/null 2>&1
chown postgres:postgres "$work/tls.key" "$work/tls.crt"
chmod 600 "$work/tls.key"

# --- the cluster -------------------------------------------------------------------------------------------------------
bench_cluster "$pg_port" "$password" <<CONF
max_connections = 200
shared_buffers = 256MB
ssl = on
ssl_cert_file = '$work/tls.crt'
ssl_key_file = '$work/tls.key'
CONF
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
