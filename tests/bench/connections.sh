#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Connections per second and the TIME_WAIT sockets left behind: Erebus'
# http probes with reuse = no and reuse = yes, and a plain curl loop (the
# peers' way: a new client process and connection per request, closed by
# the client, as blackbox_exporter-style probers do). Each row runs in two
# network namespaces of its own joined by a veth pair, the client in one
# and the demo service in the other, so the socket tables read afterwards
# hold that row's sockets only (and Linux's TIME_WAIT reuse for loopback,
# tcp_tw_reuse = 2, does not hide the cost of a client's TIME_WAIT).
# Bounded: each row lasts SECONDS (default 3); the curl loops stop at
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
NS= SRV=
demo=
URL=http://10.232.0.2:8080/health
end_row() {
	[ -n "$demo" ] && kill -KILL "$demo" 2>/dev/null && wait "$demo" 2>/dev/null
	[ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
	[ -n "$SRV" ] && ip netns del "$SRV" 2>/dev/null
	demo= NS= SRV=
}
trap 'end_row; rm -rf "$T"' EXIT
in_ns() { ip netns exec "$NS" "$@"; }
time_wait() { ip netns exec "$1" ss -Htan state time-wait "$2" | wc -l; }

# Fresh namespaces: the client's ($NS, 10.232.0.1) and the server's ($SRV,
# 10.232.0.2, the demo listening on 8080).
start_row() {
	NS="eb-bench-cli-$$" SRV="eb-bench-srv-$$"
	ip netns add "$NS" && ip netns add "$SRV" || exit 1
	ip link add ebbc$$ netns "$NS" type veth peer name ebbs$$ netns "$SRV" || exit 1
	in_ns ip addr add 10.232.0.1/24 dev ebbc$$
	ip netns exec "$SRV" ip addr add 10.232.0.2/24 dev ebbs$$
	in_ns ip link set ebbc$$ up
	ip netns exec "$SRV" ip link set ebbs$$ up
	: >"$T/demo.log"
	ip netns exec "$SRV" "$BUILD/erebus-demo" --no-supervisor --bind 10.232.0.2 --port 8080 2>"$T/demo.log" & demo=$!
	timeout 10 bash -c 'tail -n +1 -F "$1" 2>/dev/null | grep -q -m1 listening' _ "$T/demo.log"
}

# print LABEL REQUESTS SECONDS ERRORS: one row, with the TIME_WAIT counts.
row() {
	printf '   %-36s %9s %9.0f %9s %10s %10s\n' "$1" "$2" "$(awk -v n="$2" -v s="$3" 'BEGIN { print n / s }')" \
		"$4" "$(time_wait "$NS" '( dport = :8080 )')" "$(time_wait "$SRV" '( sport = :8080 )')"
}

echo "   $probes http probes back to back (1 ms interval) for ${secs}s, and a curl loop, against the demo over a veth pair"
printf '   %-36s %9s %9s %9s %10s %10s\n' "" "requests" "per s" "errors" "TW client" "TW server"
for reuse in no yes; do
	start_row
	read -r samples failed wall _ _ erebus < <(in_ns "$BUILD/tests/http_rate" "$URL" "$probes" "$secs" "$reuse")
	row "erebus, reuse = $reuse" "$samples" "$wall" "$failed + $erebus"
	end_row
done

start_row
n=0 fails=0
t0=$(date +%s%N)
deadline=$((t0 + secs * 1000000000))
while [ "$(date +%s%N)" -lt "$deadline" ] && [ "$n" -lt 20000 ]; do
	in_ns curl -s -o /dev/null --max-time 2 "$URL" || fails=$((fails + 1))
	n=$((n + 1))
done
t1=$(date +%s%N)
row "curl, one process per request" "$n" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e9 }')" "$fails"
end_row

start_row
n=$((secs * 1000))
t0=$(date +%s%N)
# one curl process, n requests in a row: curl keeps the connection
urls=$(for ((i = 0; i < n; i++)); do printf 'url = "%s"\noutput = /dev/null\n' "$URL"; done)
in_ns curl -s -K - <<<"$urls" || true
t1=$(date +%s%N)
row "curl, one process, kept connection" "$n" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e9 }')" "-"
end_row
