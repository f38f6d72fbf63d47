#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Connections per second and the TIME_WAIT sockets left behind: Erebus'
# http probes with reuse = no and reuse = yes, and a plain curl loop (the
# peers' way: a new client process and connection per request, closed by
# the client, as blackbox_exporter-style probers do). Each row runs in a
# network namespace of its own, against the demo service on its loopback,
# so the socket table read afterwards holds that row's sockets only.
# Bounded: each row lasts SECONDS (default 3); the curl loop stops at
# 20,000 requests too. Needs root. Figures: docs/performance.md.
# Usage: BUILD=build tests/bench/connections.sh [SECONDS]
set -u
: "${BUILD:?}"
secs=${1:-3}
probes=8
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
	echo "   skipped: needs root and ip (iproute2)"
	exit 0
fi
T=$(mktemp -d /tmp/erebus-bench-conn.XXXXXX)
NS=
demo=
end_row() {
	[ -n "$demo" ] && kill -KILL "$demo" 2>/dev/null && wait "$demo" 2>/dev/null
	[ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
	demo= NS=
}
trap 'end_row; rm -rf "$T"' EXIT
in_ns() { ip netns exec "$NS" "$@"; }
time_wait() { in_ns ss -Htan state time-wait "$1" | wc -l; }

# A fresh namespace with the demo listening on 8080.
start_row() {
	NS="eb-bench-conn-$$"
	ip netns add "$NS" || exit 1
	in_ns ip link set lo up
	: >"$T/demo.log"
	in_ns "$BUILD/erebus-demo" --no-supervisor --port 8080 2>"$T/demo.log" & demo=$!
	timeout 10 bash -c 'tail -n +1 -F "$1" 2>/dev/null | grep -q -m1 listening' _ "$T/demo.log"
}

# print LABEL REQUESTS SECONDS ERRORS: one row, with the TIME_WAIT counts.
row() {
	printf '   %-36s %9s %9.0f %9s %10s %10s\n' "$1" "$2" "$(awk -v n="$2" -v s="$3" 'BEGIN { print n / s }')" \
		"$4" "$(time_wait '( dport = :8080 )')" "$(time_wait '( sport = :8080 )')"
}

echo "   $probes http probes back to back (1 ms interval) for ${secs}s, and a curl loop, against the demo on loopback"
printf '   %-36s %9s %9s %9s %10s %10s\n' "" "requests" "per s" "errors" "TW client" "TW server"
for reuse in no yes; do
	start_row
	read -r samples failed wall _ _ erebus < <(in_ns "$BUILD/tests/http_rate" http://127.0.0.1:8080/health "$probes" "$secs" "$reuse")
	row "erebus, reuse = $reuse" "$samples" "$wall" "$((failed + erebus))"
	end_row
done

start_row
n=0 fails=0
t0=$(date +%s%N)
deadline=$((t0 + secs * 1000000000))
while [ "$(date +%s%N)" -lt "$deadline" ] && [ "$n" -lt 20000 ]; do
	in_ns curl -s -o /dev/null --max-time 2 http://127.0.0.1:8080/health || fails=$((fails + 1))
	n=$((n + 1))
done
t1=$(date +%s%N)
row "curl, one process per request" "$n" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e9 }')" "$fails"
end_row

start_row
n=$((secs * 1000))
t0=$(date +%s%N)
# one curl process, n requests in a row: curl keeps the connection
urls=$(for ((i = 0; i < n; i++)); do printf 'url = "http://127.0.0.1:8080/health"\noutput = /dev/null\n'; done)
in_ns curl -s -K - <<<"$urls" || true
t1=$(date +%s%N)
row "curl, one process, kept connection" "$n" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e9 }')" "-"
end_row
