#!/usr/bin/env bash
# Workflow benchmarks for held commands (issue 3), against a real `ticketgate serve` and a throwaway cluster:
#   (a) throughput: held commands decided per second by a persisted auto-approving workflow (Start → RiskTier → Allow),
#       driven by pgbench clients that each send DELETEs (medium tier, so every one is held and decided by a workflow);
#   (b) signal latency: a person approves through the HTTP API (default workflows/approval.json, medium tier), one command at
#       a time; reported twice: by the gateway (audit_log.release_us: the workflow's decision → the held bytes written
#       upstream) and by the client (the approve call sent → the held psql client exited after its CommandComplete).
#
#   sudo bench/workflow-bench.sh                       # DURATION=10 CLIENTS="8 32" LATENCY_COMMANDS=300
set -euo pipefail

DURATION="${DURATION:-10}"
CLIENTS="${CLIENTS-8 32}"
LATENCY_COMMANDS="${LATENCY_COMMANDS:-300}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
bench_world ticketgate-wfbench
# Failures here come from the running gateway more often than not: show the end of its log.
die() { printf 'workflow-bench: %s\n' "$*" >&2; tail -n 20 "$work/ticketgate.log" >&2 2>/dev/null; exit 1; }
pg_port="$(free_port 26432)"; gate_port="$(free_port $((pg_port + 1)))"; http_port="$(free_port $((gate_port + 1)))"
password="bench-$(openssl rand -hex 12)"

bench_build
bench_cluster "$pg_port" "$password" <<CONF
max_connections = 300
shared_buffers = 256MB
CONF
psql_admin -d bench -c "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL); ALTER TABLE items OWNER TO bench"

mkdir -p "$work/workflows"
cp "$repo/workflows/approval.json" "$work/workflows/"
python3 "$repo/bench/workflow-auto-approve.py" "$repo/workflows/approval.json" "$work/workflows/auto-approve.json"
printf 'Host=127.0.0.1;Port=%s;Database=ticketgate;Username=bench;Password=%s;Maximum Pool Size=100\n' "$pg_port" "$password" >"$work/state-db"
printf '%s\n' "$password" >"$work/upstream-password"
chmod 600 "$work/state-db" "$work/upstream-password"
# Two names for one database: "auto" is decided by the auto-approving workflow, "people" by the default approval.json.
cat >"$work/ticketgate.yaml" <<CONF
oidc:
  development_issuer: $work/issuer
  audience: bench
postgres:
  listen: 127.0.0.1:$gate_port
  insecure: true
http:
  listen: 127.0.0.1:$http_port
state_database:
  connection_string_file: $work/state-db
connections:
  auto:
    host: 127.0.0.1
    port: $pg_port
    database: bench
    user: bench
    password: { file: $work/upstream-password }
    approver_groups: [dba]
    ssl_mode: disable
  people:
    host: 127.0.0.1
    port: $pg_port
    database: bench
    user: bench
    password: { file: $work/upstream-password }
    approver_groups: [dba]
    ssl_mode: disable
workflows:
  directory: $work/workflows
  connections:
    auto: { definition: auto-approve }
CONF
mint() { "$repo/ticketgate" token --sub "$1" --groups "$2" --ttl 3h --data-dir "$work/issuer" --issuer "http://127.0.0.1:$http_port/oidc" --audience bench; }
agent="$(mint bench-agent agents)"
approver="$(mint alice dba)"
"$repo/ticketgate" serve --config "$work/ticketgate.yaml" >"$work/ticketgate.log" 2>&1 &
ticketgate_pid=$!
wait_for_port "$http_port" TicketGate "$ticketgate_pid" "$work/ticketgate.log"

# --- (a) throughput ------------------------------------------------------------------------------------------------
cat >"$work/delete.sql" <<'SQL'
\set id random(1, 1000000000)
DELETE FROM items WHERE id = :id;
SQL
# CPU seconds (user + system) so far: of the gateway process, and of every PostgreSQL process (its backends live for the run).
cpu_of() { awk '{print ($14 + $15) / 100}' "/proc/$1/stat"; }
postgres_cpu() { { for p in $(pgrep -u postgres); do cat "/proc/$p/stat" 2>/dev/null || true; done; } | awk '{s += $14 + $15} END {print s / 100}'; }
decided_so_far() { psql_admin -d ticketgate -At -c "SELECT count(*) FROM ticketgate.approval_requests WHERE connection = 'auto' AND status = 'approved'"; }
echo "clients	held_decided_per_s	avg_latency_ms	gateway_cpu_us_per_decision	postgres_cpu_us_per_decision" >"$work/throughput.tsv"
[ -z "$CLIENTS" ] || say "warming up (3 s)"
[ -z "$CLIENTS" ] || PGPASSWORD="$agent" "$PGBIN/pgbench" -n -f "$work/delete.sql" -c 4 -j 2 -T 3 "host=127.0.0.1 port=$gate_port dbname=auto user=bench-agent sslmode=disable" >/dev/null 2>&1 || die "the warm-up failed"
for c in $CLIENTS; do
  say "throughput: $c clients, ${DURATION} s"
  n0="$(decided_so_far)"; g0="$(cpu_of "$ticketgate_pid")"; p0="$(postgres_cpu)"
  out="$(PGPASSWORD="$agent" "$PGBIN/pgbench" -n -f "$work/delete.sql" -c "$c" -j 2 -T "$DURATION" "host=127.0.0.1 port=$gate_port dbname=auto user=bench-agent sslmode=disable" 2>&1)" || die "pgbench failed: $out"
  tps="$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out")"; lat="$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' <<<"$out")"
  n1="$(decided_so_far)"; g1="$(cpu_of "$ticketgate_pid")"; p1="$(postgres_cpu)"
  per() { awk -v a="$1" -v b="$2" -v n="$((n1 - n0))" 'BEGIN {printf "%.0f", (n > 0 ? (b - a) * 1e6 / n : 0)}'; }
  printf '%s\t%s\t%s\t%s\t%s\n' "$c" "$tps" "$lat" "$(per "$g0" "$g1")" "$(per "$p0" "$p1")" >>"$work/throughput.tsv"
done
decided="$(psql_admin -d ticketgate -At -c "SELECT count(*) FROM ticketgate.approval_requests WHERE connection = 'auto' AND status = 'approved'")"
echo
echo "## Workflow throughput (auto-approving persisted workflow, medium-tier DELETEs held and decided)"
column -t -s $'\t' "$work/throughput.tsv"
echo "requests approved by the workflow: $decided"
[ "$LATENCY_COMMANDS" -gt 0 ] || exit 0

# --- (b) signal latency --------------------------------------------------------------------------------------------
say "signal latency: $LATENCY_COMMANDS commands, one at a time"
: >"$work/latency-us"
for i in $(seq 1 "$LATENCY_COMMANDS"); do
  id=$((2000000000 + i))
  ( PGPASSWORD="$agent" "$PGBIN/psql" -X -q -At -c "DELETE FROM items WHERE id = $id" \
      "host=127.0.0.1 port=$gate_port dbname=people user=bench-agent sslmode=disable" >/dev/null 2>&1; date +%s%6N >"$work/done.$i" ) &
  client=$!
  request=""
  for _ in $(seq 1 200); do
    request="$(curl -s -H "Authorization: Bearer $approver" "http://127.0.0.1:$http_port/api/requests?status=pending" | tee -a "$work/api.log" \
      | python3 -c 'import json,sys; t=sys.stdin.read(); r=json.loads(t) if t.startswith("[") else []; print(r[0]["id"] if r else "")')"
    [ -n "$request" ] && break; sleep 0.01
  done
  [ -n "$request" ] || die "command $i was never held: $(tail -c 300 "$work/api.log")"
  approving="$(date +%s%6N)"
  curl -fs -o /dev/null -X POST -H "Authorization: Bearer $approver" -H 'Content-Type: application/json' -d '{}' \
    "http://127.0.0.1:$http_port/api/requests/$request/approve" || die "approving $request failed"
  wait "$client"
  echo $(( $(cat "$work/done.$i") - approving )) >>"$work/latency-us"
done
percentiles() { sort -n | awk '{v[NR]=$1} END {printf "%.2f %.2f", v[int(NR*0.5)+(NR*0.5>int(NR*0.5))]/1000, v[int(NR*0.99)+(NR*0.99>int(NR*0.99))]/1000}'; }
read -r c50 c99 <<<"$(percentiles <"$work/latency-us")"
# The audit log is written off the hot path; give it a moment to catch up with the last release.
for _ in $(seq 1 50); do
  released="$(psql_admin -d ticketgate -At -c "SELECT count(*) FROM ticketgate.audit_log WHERE connection = 'people' AND release_us IS NOT NULL")"
  [ "$released" -ge "$LATENCY_COMMANDS" ] && break; sleep 0.1
done
read -r g50 g99 <<<"$(psql_admin -d ticketgate -At -c "SELECT release_us FROM ticketgate.audit_log WHERE connection = 'people' AND release_us IS NOT NULL" | percentiles)"

echo
echo "## Signal latency, $LATENCY_COMMANDS commands approved one at a time ($released releases in the audit log)"
echo "gateway: decision -> held bytes written upstream       p50 ${g50} ms   p99 ${g99} ms"
echo "client:  approve call sent -> psql exited with result   p50 ${c50} ms   p99 ${c99} ms"
