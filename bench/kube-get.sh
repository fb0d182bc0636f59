#!/usr/bin/env bash
# Latency TicketGate adds to a Kubernetes `get`: GET of one pod over HTTP/2 + TLS (as kubectl sends it), against the test suite's
# fake API server, directly and through TicketGate (token validation, policy, audit, YARP forwarding with impersonation).
# Usage: bench/kube-get.sh [requests per run, default 3000]. Prints p50/p99 and writes them to /tmp/kube-get-bench.txt.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export KUBE_BENCH_REQUESTS="${1:-3000}" KUBE_BENCH_OUTPUT=/tmp/kube-get-bench.txt
dotnet build "$here/tests/TicketGate.Tests.csproj" -c Release --nologo -v quiet -clp:ErrorsOnly
dotnet test "$here/tests/TicketGate.Tests.csproj" -c Release --no-build -- --filter-method '*Get_latency_through_ticketgate_and_direct' --explicit only >/dev/null
cat "$KUBE_BENCH_OUTPUT"
