#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make bench`: Erebus side by side with the peers' way of doing the same
# work, in one run on this machine. Loopback only; every loop is bounded.
# Figures and how to read them: docs/performance.md.
set -u
: "${BUILD:?}"
EREBUS=$BUILD/erebus
T=$(mktemp -d /tmp/erebus-bench.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
wait_line() { timeout "${3:-15}" bash -c 'tail -n +1 -F "$1" 2>/dev/null | grep -q -m1 -E -- "$2"' _ "$1" "$2"; }
cpu_ns() { local t=0 v f; for f in /proc/"$1"/task/*/schedstat; do read -r v _ <"$f" && t=$((t + v)); done; echo $t; }

echo "Erebus benchmarks on $(uname -r), $(nproc) CPUs, $(date -u +%Y-%m-%d)"

# 1. A trivial experiment: one exec probe, no faults ------------------------
cat >"$T/trivial.ini" <<EOF2
[experiment]
name = trivial
seed = 1
[probe ok]
type = exec
command = true
healthy_after = 1
EOF2
runs=50
read -r e_p50 e_p90 e_rss e_fail < <("$BUILD/tests/runstats" $runs "$EREBUS" run -q "$T/trivial.ini")
"$EREBUS" run -q "$T/trivial.ini" --json "$T/trivial.json"
timeline=$(jq -r '[.probes[0].phases.before.latency_ms.max] | .[0]' "$T/trivial.json")
read -r s_p50 s_p90 s_rss _ < <("$BUILD/tests/runstats" $runs /bin/sh -c true)
read -r p_p50 p_p90 p_rss p_fail < <("$BUILD/tests/runstats" 20 python3 -c 'import subprocess, json; subprocess.run(["sh", "-c", "true"], check=True); json.dumps({})')
echo
echo "1. trivial experiment (one exec probe 'true', no faults), $runs runs"
printf '   %-44s %9s %9s %10s\n' "" "p50 ms" "p90 ms" "peak RSS"
printf '   %-44s %9s %9s %7s KiB\n' "erebus run (whole process)" "$e_p50" "$e_p90" "$e_rss"
printf '   %-44s %9s %9s %7s KiB\n' "  of which its timeline (the probe's sample)" "$timeline" "" ""
printf '   %-44s %9s %9s %7s KiB\n' "sh -c true (the probe alone)" "$s_p50" "$s_p90" "$s_rss"
printf '   %-44s %9s %9s %7s KiB\n' "python3 start + subprocess (floor of any" "$p_p50" "$p_p90" "$p_rss"
printf '   %-44s\n' "  Python tool; Chaos Toolkit itself is not installable here)"
[ "$e_fail" = 0 ] || echo "   WARNING: $e_fail erebus runs failed"

# 2. throttle against cpulimit on the same burner -----------------------------
echo
echo "2. CPU share held by throttle vs cpulimit (one busy process, 8 s window after 1 s settling)"
printf '   %-8s %16s %16s\n' "asked" "erebus throttle" "cpulimit -l"
measure_window() { # PID -> share in % over 8 s
	local c0 t0 c1 t1
	c0=$(cpu_ns "$1"); t0=$(date +%s%N)
	sleep 8
	c1=$(cpu_ns "$1"); t1=$(date +%s%N)
	awk -v c=$((c1 - c0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.2f", 100 * c / t }'
}
for pct in 10 30 50; do
	"$BUILD/tests/burner" --seconds 60 >/dev/null & b=$!; pids+=("$b")
	cat >"$T/th.ini" <<EOF2
[experiment]
name = throttle-bench
[target b]
pid = $b
[fault t]
type = throttle
target = b
cpu = $pct%
duration = 10s
[probe alive]
type = process
target = b
healthy_after = 1
EOF2
	"$EREBUS" run "$T/th.ini" 2>"$T/th.log" & r=$!; pids+=("$r")
	wait_line "$T/th.log" fault.applied
	sleep 1
	er=$(measure_window "$b")
	wait "$r"; kill -KILL "$b" 2>/dev/null; wait "$b" 2>/dev/null

	if command -v cpulimit >/dev/null; then
		"$BUILD/tests/burner" --seconds 60 >/dev/null & b=$!; pids+=("$b")
		cpulimit -q -p "$b" -l "$pct" >/dev/null 2>&1 & c=$!; pids+=("$c")
		sleep 1
		cl=$(measure_window "$b")
		kill "$c" 2>/dev/null; wait "$c" 2>/dev/null
		kill -CONT "$b"; kill -KILL "$b"; wait "$b" 2>/dev/null
	else
		cl="(not installed)"
	fi
	printf '   %-8s %15s%% %15s%%\n' "$pct%" "$er" "$cl"
done

# 3. HTTP probes per CPU-second ------------------------------------------------
echo
echo "3. HTTP probe samples Erebus completes per CPU-second of its own (demo server on loopback, 3 s)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BUILD/erebus-demo" --port "$port" 2>"$T/demo.log" & d=$!; pids+=("$d")
wait_line "$T/demo.log" "worker [0-9]+ started"
printf '   %-10s %10s %9s %11s %16s\n' "probes" "samples" "failed" "erebus CPU" "samples/CPU-s"
for n in 1 8 32; do
	read -r samples failed wall cpu rate _ < <("$BUILD/tests/http_rate" "http://127.0.0.1:$port/health" "$n" 3)
	printf '   %-10s %10s %9s %10ss %16s\n' "$n" "$samples" "$failed" "$cpu" "$rate"
done

# 4. Holding the grid: 200 http probes every 10 ms ---------------------------------
# A real `erebus run` each (tests/bench/http_grid.sh): share of slots
# sampled, lag, latency reported against curl's own alone, and Erebus' CPU
# per sample, with fresh connections (reuse = no) and kept ones; beside
# them, a blackbox_exporter probe loop's CPU per probe (probe_loop.sh).
echo
echo "4. 200 http probes every 10 ms against the demo server on loopback (about 10 s each)"
for reuse in no yes; do
	echo "   reuse = $reuse"
	REUSE=$reuse BUILD=$BUILD "$(dirname "$0")/http_grid.sh"
done
echo "   1000 probes every 100 ms, reuse = yes"
N=1000 INTERVAL=100ms REUSE=yes BUILD=$BUILD "$(dirname "$0")/http_grid.sh"
"$(dirname "$0")/probe_loop.sh" "http://127.0.0.1:$port/health" 2000

# 5. Kill every 10 ms over 100 targets: firing lag ------------------------------
echo
echo "5. Firing lag of a repeating kill (see tests/bench/kill_grid.sh)"
BUILD=$BUILD "$(dirname "$0")/kill_grid.sh"

# 6. Many timers due together: the event loop alone ---------------------------
echo
echo "6. N probes' timers (a tick and a timeout each) due every 10 ms together, on one loop, 3 s"
printf '   %-8s %10s %9s %9s %9s %9s\n' "probes" "firings" "p50 ms" "p99 ms" "max ms" "CPU s"
for n in 200 1000 2000; do
	read -r fired l50 l99 lmax cpu < <("$BUILD/tests/timers" "$n" 10 3)
	printf '   %-8s %10s %9s %9s %9s %9s\n' "$n" "$fired" "$l50" "$l99" "$lmax" "$cpu"
done

# 7. Connections: reuse, TIME_WAIT, against curl ----------------------------------
echo
echo "7. Connections per second and TIME_WAIT left behind (docs/probes/http.md#connections)"
"$(dirname "$0")/connections.sh" 3

# Shaping tree: Erebus' netlink against tc ----------------------------------------
echo
echo "Shaping tree (htb root, class, tbf leaf, u32 filter) applied and reverted, in a throwaway namespace"
if [ "$(id -u)" = 0 ] && command -v tc >/dev/null; then
	"$BUILD/tests/tc_tree" 2000
else
	echo "   skipped: needs root and tc (iproute2)"
fi

# Validation against the size of the file -------------------------------------------
echo
echo "erebus validate on files of each shape that was quadratic (tests/integration/big_experiment.py)"
printf '   %-10s %10s %10s %10s\n' "shape" "256 KiB" "512 KiB" "1 MiB"
for shape in targets unknown hosts duplicate sections repeated; do
	line=""
	for size in 262144 524288 1048576; do
		python3 tests/integration/big_experiment.py "$shape" "$size" >"$T/big.ini"
		/usr/bin/time -f '%e' -o "$T/time" "$EREBUS" validate "$T/big.ini" >/dev/null 2>&1
		line="$line $(printf '%9ss' "$(tail -n 1 "$T/time")")"
	done
	printf '   %-10s%s\n' "$shape" "$line"
done

# 8. Memory and report size against a run's length ------------------------------
echo
echo "8. Memory and report size against the run's length (tests/bench/memory.sh; OLD=PATH adds a build before erebus.report/3)"
BUILD=$BUILD DURATIONS="${MEMORY_DURATIONS:-1m 5m}" "$(dirname "$0")/memory.sh"
