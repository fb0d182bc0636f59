#!/usr/bin/env bash
# Ticket latency against the local fake Jira (tests/Fakes): held command → issue created, and signed webhook → decision stored →
# psql returns, p50/p99 over N sequential commands through the real gateway. Usage: N=100 bench/tickets-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-100}"
OUT="${OUT:-/tmp/ticket-latency.tsv}"
dotnet build tests/TicketGate.Tests.csproj -c Release -warnaserror >/dev/null
TG_BENCH_TICKETS="$N" TG_BENCH_TICKETS_OUT="$OUT" \
  dotnet test tests/TicketGate.Tests.csproj -c Release --no-build -- --filter-method 'TicketGate.Tests.Tickets.TicketLatencyBench.Ticket_latency'
echo "machine: $(nproc) CPUs; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
column -t "$OUT"
