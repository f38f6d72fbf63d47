#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Holding the grid: N http probes (default 200) every INTERVAL (default
# 10ms) against the demo server on loopback, in a real `erebus run`
# (steady state, a pause of an idle process for WINDOW (default 7s) as the
# fault window, 1 s hold: about 10 s).
# Prints the share of slots sampled, the lag, the latency reported against
# curl's own alone, and Erebus' CPU per sample, from the run's JSON report
# and the shell's `time`. REUSE=yes runs the probes with reuse = yes.
# SERVER=nginx runs Debian's nginx-light in place of the demo server.
# PERF=FILE records the run with `perf record -g` into FILE (for
# docs/performance.md's profile). Bounded: every process is killed at the end.
# Usage: BUILD=build tests/bench/http_grid.sh [EREBUS]   (root not needed)
set -u
: "${BUILD:?}"
EREBUS=${1:-$BUILD/erebus}
N=${N:-200}
REUSE=${REUSE:-no}
INTERVAL=${INTERVAL:-10ms}
WINDOW=${WINDOW:-7s}	# the fault window: the run lasts about this and 3 s more
T=$(mktemp -d /tmp/erebus-httpgrid.XXXXXX)
pids=()
cleanup() {
	exec 2>/dev/null
	# nginx's master respawns a killed worker: ask it to stop them all
	[ "${SERVER:-demo}" = nginx ] && [ -n "${d:-}" ] && kill -TERM "$d" && wait "$d"
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
cpu_ns() { local t=0 v f; for f in /proc/"$1"/task/*/schedstat; do read -r v _ <"$f" && t=$((t + v)); done; echo $t; }
# CPU nanoseconds of the server: its first process and its children.
server_ns() { local t w; t=$(cpu_ns "$d"); for w in $(pgrep -P "$d"); do t=$((t + $(cpu_ns "$w"))); done; echo $t; }
wait_line() { timeout "${3:-15}" bash -c 'tail -n +1 -F "$1" 2>/dev/null | grep -q -m1 -E -- "$2"' _ "$1" "$2"; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if [ "${SERVER:-demo}" = nginx ]; then
	# Debian's nginx-light, one worker per CPU, answering /health from
	# memory; its own prefix, pid and logs in $T (the system's untouched).
	mkdir -p "$T/nginx/logs"
	cat >"$T/nginx/nginx.conf" <<EOF2
worker_processes auto;
pid $T/nginx/nginx.pid;
error_log $T/nginx/logs/error.log;
events { worker_connections 16384; }
http {
	access_log off;
	keepalive_requests 1000000;
	server {
		listen 127.0.0.1:$port backlog=4096;
		location /health { return 200 "ok\n"; }
	}
}
EOF2
	/usr/sbin/nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" -g 'daemon off;' 2>"$T/demo.log" & d=$!; pids+=("$d")
	wait_line "$T/demo.log" "." 2 || true	# nginx says nothing when it starts: wait for the port
	for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.05; done
else
	"$BUILD/erebus-demo" --port "$port" 2>"$T/demo.log" & d=$!; pids+=("$d")
	wait_line "$T/demo.log" "worker [0-9]+ started"
fi
nohup sleep 600 >/dev/null 2>&1 & idle=$!; pids+=("$idle")	# nohup: see memory.sh
{
	printf '[experiment]\nname = grid-bench\nhold = 1s\n[target idle]\npid = %s\n' "$idle"
	printf '[fault f]\ntype = pause\ntarget = idle\nduration = %s\n' "$WINDOW"
	for i in $(seq 1 "$N"); do
		printf '[probe h%s]\ntype = http\nurl = http://127.0.0.1:%s/health\ninterval = %s\ntimeout = 1s\nduring = may-fail\nhealthy_after = 1\nreuse = %s\n' "$i" "$port" "$INTERVAL" "$REUSE"
	done
} >"$T/grid.ini"
export CPUS=$(nproc)
run=("$EREBUS" run -q "$T/grid.ini" --json "$T/grid.json")
[ -n "${PERF:-}" ] && run=(perf record -q -g -o "$PERF" -- "${run[@]}")
TIMEFORMAT='%U %S %R'
s0=$(server_ns)
command -v nstat >/dev/null && nstat -n
{ time EREBUS_RUN_DIR="$T/run" "${run[@]}" >/dev/null 2>"$T/grid.log"; } 2>"$T/grid.time"
s1=$(server_ns)
# The server's accept queue (listen backlog) overflowing drops a SYN or a
# handshake's last ACK: that connection waits for a retransmission (1 s).
command -v nstat >/dev/null && nstat -z TcpExtListenOverflows TcpExtTCPSynRetrans 2>/dev/null |
	awk '/^TcpExt/ { v[$1] = $2 } END { printf "   server backlog     %d listen overflows, %d SYNs retransmitted (nstat, whole machine)\n", v["TcpExtListenOverflows"], v["TcpExtTCPSynRetrans"] }' >"$T/nstat"

read -r cu cs wall <"$T/grid.time"
jq -r --arg cpu "$(awk -v u="$cu" -v s="$cs" 'BEGIN { print u + s }')" --arg wall "$wall" \
	--arg server "$(awk -v n=$((s1 - s0)) 'BEGIN { printf "%.2f", n / 1e9 }')" '
	def med: sort | .[(length / 2 | floor)];
	[.probes[] | .slots] as $s | ([.probes[] | .phases[] | .count // 0] | add) as $n |
	"   slots sampled      \([$s[].sampled] | add) of \([$s[].due] | add) (\(([$s[].sampled] | add) * 1000 / ([$s[].due] | add) | floor / 10)%), busy \([$s[].busy] | add), late \([$s[].late] | add)",
	"   lag ms             p50 \([.probes[].lag_ms.p50] | med) (median of probes), p99 \([.probes[].lag_ms.p99] | max) (worst probe), max \([.probes[].lag_ms.max] | max)",
	"   failed samples     \([.probes[].phases.impact.failures // 0] | add) of \([.probes[].phases.impact.samples // 0] | add) (impact phase)",
	"   latency ms         p50 \([.probes[].phases.impact.latency_ms.p50 // empty] | med) (median of probes, impact phase)",
	"   erebus CPU         \($cpu) s for \([$s[].sampled] | add) samples: \(($cpu | tonumber) * 1e6 / ([$s[].sampled] | add) | floor) us per sample",
	"   CPU of the run     erebus \($cpu) s, server \($server) s, in \($wall) s of wall time (\(env.CPUS) CPUs)",
	"   warnings           \([.warnings[] | select(.kind == "erebus-behind")] | length) probes behind"' "$T/grid.json" || { tail -5 "$T/grid.log"; exit 1; }
cat "$T/nstat" 2>/dev/null
# curl alone, one request after the other: the total less the name lookup
# (what Erebus reports with reuse = no), and less the connect too (the
# exchange alone, as on a kept connection: compare with reuse = yes).
for i in $(seq 1 51); do curl -s -o /dev/null -w '%{time_total} %{time_namelookup} %{time_connect}\n' "http://127.0.0.1:$port/health"; done >"$T/curl"
p50() { sort -g | sed -n 26p; }
printf '   curl alone         p50 %s ms (51 requests, total less name lookup), %s ms less connect too\n' \
	"$(awk '{ printf "%.3f\n", ($1 - $2) * 1000 }' "$T/curl" | p50)" "$(awk '{ printf "%.3f\n", ($1 - $3) * 1000 }' "$T/curl" | p50)"
