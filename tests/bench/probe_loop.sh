#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The peer's way of probing HTTP: a single blackbox_exporter (Debian
# prometheus-blackbox-exporter) probe loop, one /probe request after the
# other against URL (module http_2xx: a new connection each probe, as
# blackbox_exporter does). Prints the exporter's CPU per probe (from
# /proc/PID/task/*/schedstat; the curl loop that asks it is not counted)
# and the p50 of the durations it reports (probe_http_duration_seconds,
# all phases but resolve). Bounded: N probes (default 2000), the exporter
# is killed at the end. Skipped (one line) when it is not installed.
# Usage: tests/bench/probe_loop.sh URL [N]
set -u
URL=$1
N=${2:-2000}
BB=$(command -v prometheus-blackbox-exporter || command -v blackbox_exporter) || {
	echo "   blackbox_exporter     (not installed: apt-get install prometheus-blackbox-exporter)"
	exit 0
}
T=$(mktemp -d /tmp/erebus-probeloop.XXXXXX)
bb=
cleanup() { [ -n "$bb" ] && kill -KILL "$bb" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
cpu_ns() { local t=0 v f; for f in /proc/"$1"/task/*/schedstat; do read -r v _ <"$f" && t=$((t + v)); done; echo $t; }

printf 'modules:\n  http_2xx:\n    prober: http\n    timeout: 1s\n    http:\n      preferred_ip_protocol: ip4\n' >"$T/bb.yml"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BB" --config.file="$T/bb.yml" --web.listen-address="127.0.0.1:$port" >"$T/bb.log" 2>&1 & bb=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
probe="http://127.0.0.1:$port/probe?module=http_2xx&target=$(printf %s "$URL" | jq -sRr @uri)"
for _ in $(seq 1 50); do curl -s -o /dev/null "$probe"; done	# warm up
c0=$(cpu_ns "$bb")
for _ in $(seq 1 "$N"); do curl -s "$probe"; done >"$T/out"
c1=$(cpu_ns "$bb")
ok=$(grep -c '^probe_success 1' "$T/out")
# per probe: the sum of the phases but resolve (connect, processing, transfer, tls)
awk '/^probe_http_duration_seconds/ && !/resolve/ { d += $2 } /^probe_success/ { print d * 1000; d = 0 }' "$T/out" |
	sort -g | awk -v n="$N" -v ok="$ok" -v cpu=$((c1 - c0)) '{ v[NR] = $1 } END {
		printf "   blackbox_exporter     %d probes (%d ok): %.0f us CPU per probe, duration p50 %.3f ms\n",
			n, ok, cpu / 1000 / n, v[int(NR / 2) + 1] }'
