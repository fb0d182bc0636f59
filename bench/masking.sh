#!/usr/bin/env bash
# Masking overhead: one TicketGate, two connections to the same database and table, one masking (column rules and every
# detector, as the demo's shop) and one not; pgbench runs bench/masking.sql through each, back to back, in the same run.
#
#   sudo bench/masking.sh                # 3 rounds x 2 modes x 15 s per connection, ~4 minutes
#   DURATION=5 ROUNDS=1 sudo bench/masking.sh
#
# Settings (environment): DURATION (seconds per run, default 15), ROUNDS (default 3), CLIENTS (default 8), THREADS (default 2),
# MODES ("simple prepared"), ROWS (customers, default 10000), RECORDING (on or off: session recording, on by default as in
# production; off isolates the cost of masking), RESULTS (a file to keep the raw rows in).
set -euo pipefail

DURATION="${DURATION:-15}"
ROUNDS="${ROUNDS:-3}"
CLIENTS="${CLIENTS:-8}"
THREADS="${THREADS:-2}"
MODES="${MODES:-simple prepared}"
ROWS="${ROWS:-10000}"
RECORDING="${RECORDING:-on}"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
bench_world ticketgate-masking-bench

pg_port="$(free_port 26432)"
gate_port="$(free_port $((pg_port + 1)))"
http_port="$(free_port $((gate_port + 1)))"
password="bench-$(openssl rand -hex 12)"

bench_build
bench_cluster "$pg_port" "$password" <<CONF
max_connections = 100
shared_buffers = 128MB
CONF
# The demo shop's customers, in its shapes: Luhn-valid test card numbers, SSN-shaped national ids, +1 phone numbers.
PGPASSWORD="$password" "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U bench bench <<SQL
CREATE TABLE customers (
    id int PRIMARY KEY, name text NOT NULL, email text NOT NULL, card_number text NOT NULL, national_id text NOT NULL,
    phone text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE FUNCTION luhn_complete(digits text) RETURNS text LANGUAGE sql IMMUTABLE AS \$\$
  SELECT digits || ((10 - (SELECT sum(CASE WHEN i % 2 = 1 THEN (d * 2) / 10 + (d * 2) % 10 ELSE d END)
                           FROM (SELECT i, substr(reverse(digits), i, 1)::int AS d FROM generate_series(1, length(digits)) i) s) % 10) % 10)::text
\$\$;
INSERT INTO customers (id, name, email, card_number, national_id, phone)
SELECT g, 'Customer ' || g, 'customer' || g || '@example.com', luhn_complete('4000' || lpad(g::text, 11, '0')),
       lpad((g % 899 + 1)::text, 3, '0') || '-' || lpad((g % 98 + 1)::text, 2, '0') || '-' || lpad((g % 9998 + 1)::text, 4, '0'),
       '+1-201-555-' || lpad((g % 10000)::text, 4, '0')
FROM generate_series(1, $ROWS) g;
ANALYZE customers;
SQL

printf 'Host=127.0.0.1;Port=%s;Database=ticketgate;Username=bench;Password=%s\n' "$pg_port" "$password" >"$work/state-db"
printf '%s\n' "$password" >"$work/upstream-password"
openssl rand -hex 32 >"$work/masking.key"
chmod 600 "$work/state-db" "$work/upstream-password" "$work/masking.key"
connection() {
  cat <<CONN
  $1:
    host: 127.0.0.1
    port: $pg_port
    database: bench
    user: bench
    password: { file: $work/upstream-password }
    ssl_mode: disable
CONN
}
{
  cat <<CONF
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
masking_key: { file: $work/masking.key }
recording: { enabled: $([ "$RECORDING" = off ] && echo false || echo true) }
connections:
CONF
  connection plain
  connection masked
  cat <<CONF
    masking:
      columns: { public.customers.card_number: last4, public.customers.email: hash, public.customers.national_id: full }
      detectors: [all]
CONF
} >"$work/ticketgate.yaml"
token="$("$repo/ticketgate" token --sub bench-agent --groups agents --ttl 3h --data-dir "$work/issuer" \
  --issuer "http://127.0.0.1:$http_port/oidc" --audience bench)"
"$repo/ticketgate" serve --config "$work/ticketgate.yaml" >"$work/ticketgate.log" 2>&1 &
ticketgate_pid=$!
wait_for_port "$gate_port" TicketGate "$ticketgate_pid" "$work/ticketgate.log"

conninfo() { echo "host=127.0.0.1 port=$gate_port dbname=$1 user=bench-agent sslmode=disable"; }
for c in plain masked; do
  got="$(PGPASSWORD="$token" "$PGBIN/psql" -X -At -d "$(conninfo $c)" -c "SELECT card_number, email FROM customers WHERE id = 1" 2>&1)" \
    || die "connection $c does not answer: $got"
  say "$c: customer 1 is $got"
done
[ "$(PGPASSWORD="$token" "$PGBIN/psql" -X -At -d "$(conninfo masked)" -c "SELECT card_number FROM customers WHERE id = 1")" = "****$(PGPASSWORD="$token" "$PGBIN/psql" -X -At -d "$(conninfo plain)" -c "SELECT right(card_number, 4) FROM customers WHERE id = 1")" ] \
  || die "the masked connection does not mask"

say "warming up (5 s per connection)"
for c in plain masked; do
  PGPASSWORD="$token" "$PGBIN/pgbench" -n -f "$repo/bench/masking.sql" -M prepared -c "$CLIENTS" -j "$THREADS" -T 5 "$(conninfo $c)" >/dev/null 2>&1 \
    || die "the warm-up run on $c failed"
done

results="$work/results.tsv"
printf 'round\tmode\tconnection\ttps\tlatency_ms\tproxy_cpu_us_per_txn\n' >"$results"
clk_tck="$(getconf CLK_TCK)"
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$ticketgate_pid/stat"; }
measure() {
  local round="$1" mode="$2" c="$3" out="$work/run.out" before after txns tps latency cpu
  before="$(cpu_ticks)"
  PGPASSWORD="$token" "$PGBIN/pgbench" -n -f "$repo/bench/masking.sql" -M "$mode" -c "$CLIENTS" -j "$THREADS" -T "$DURATION" "$(conninfo "$c")" >"$out" 2>&1 \
    || { cat "$out" >&2; die "pgbench failed on $c ($mode)"; }
  after="$(cpu_ticks)"
  txns="$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out" | head -1)"
  tps="$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out" | head -1)"
  latency="$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' "$out" | head -1)"
  cpu="$(awk -v d=$((after - before)) -v hz="$clk_tck" -v n="$txns" 'BEGIN { printf "%.1f", d / hz * 1e6 / n }')"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$c" "$tps" "$latency" "$cpu" >>"$results"
  say "$(printf 'round %s %-8s %-7s %8.0f tps  %6s ms  TicketGate CPU %6s us/txn' "$round" "$mode" "$c" "$tps" "$latency" "$cpu")"
}

say "measuring: $ROUNDS rounds x $(wc -w <<<"$MODES") modes x 2 connections x ${DURATION}s"
for round in $(seq 1 "$ROUNDS"); do
  for mode in $MODES; do
    # Back to back, the order alternating, so drift on a shared machine hits both alike.
    if [ $((round % 2)) -eq 1 ]; then order="plain masked"; else order="masked plain"; fi
    for c in $order; do measure "$round" "$mode" "$c"; done
  done
done

awk -F'\t' '
  NR == 1 { next }
  { tps[$2, $3] += $4; cpu[$2, $3] += $6; n[$2, $3]++; if (!($2 in seen)) { seen[$2] = 1; modes[++m] = $2 } }
  END {
    printf "\n%-9s | %9s %9s %8s | %10s %10s %9s\n", "mode", "plain", "masked", "TPS cost", "cpu plain", "cpu masked", "cpu extra"
    printf "%-9s | %28s | %31s\n", "", "TPS (mean of rounds)", "TicketGate CPU us/txn (mean)"
    for (i = 1; i <= m; i++) {
      k = modes[i]; p = tps[k, "plain"] / n[k, "plain"]; q = tps[k, "masked"] / n[k, "masked"]
      cp = cpu[k, "plain"] / n[k, "plain"]; cq = cpu[k, "masked"] / n[k, "masked"]
      printf "%-9s | %9.0f %9.0f %7.1f%% | %10.1f %10.1f %8.1f%%\n", k, p, q, (p - q) / p * 100, cp, cq, (cq - cp) / cp * 100
    }
  }' "$results"
echo
echo "pgbench -f bench/masking.sql -c $CLIENTS -j $THREADS -T $DURATION, $ROUNDS rounds, $ROWS customers, recording $RECORDING; $(nproc) CPUs; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${RESULTS:-}" ]; then cp "$results" "$RESULTS"; echo "raw results: $RESULTS"; fi
