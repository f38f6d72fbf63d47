#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Memory and report size against a run's length: N process probes (default
# 200) every INTERVAL (default 10ms) on an idle process, in a real `erebus
# run` whose fault window (a pause of another idle process) lasts each of
# DURATIONS in turn (default "1m 10m"). Prints, per run: samples taken,
# the engine's resident memory at the steady state and at its peak, the
# JSON report's size, and CPU per sample. With OLD=PATH (an erebus built
# from before erebus.report/3, which kept every sample) the same runs
# again with it, side by side: its peak comes from GNU time, since its
# reports lack erebus_usage. Process probes are the lightest kind, so the
# rate is what the loop can sustain, not what a server answers.
# Bounded: every process is killed at the end; runs last DURATIONS.
# Usage: BUILD=build tests/bench/memory.sh
set -u
: "${BUILD:?}"
N=${N:-200}
INTERVAL=${INTERVAL:-10ms}
DURATIONS=${DURATIONS:-1m 10m}
T=$(mktemp -d /tmp/erebus-memory.XXXXXX)
pids=()
cleanup() {
	exec 2>/dev/null
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

nohup sleep 86400 >/dev/null 2>&1 & idle=$!; pids+=("$idle")
nohup sleep 86400 >/dev/null 2>&1 & paused=$!; pids+=("$paused")	# nohup: SIGCONT after a pause comes with SIGHUP when its group is orphaned
experiment() {
	printf '[experiment]\nname = memory-bench\nhold = 0s\n[target idle]\npid = %s\n[target paused]\npid = %s\n' \
		"$idle" "$paused"
	printf '[fault f]\ntype = pause\ntarget = paused\nduration = %s\n' "$1"
	for i in $(seq 1 "$N"); do
		printf '[probe p%s]\ntype = process\ntarget = idle\ninterval = %s\nduring = may-fail\nhealthy_after = 1\n' \
			"$i" "$INTERVAL"
	done
}

# run LABEL EREBUS DURATION: one run, one line.
run() {
	local label=$1 bin=$2 dur=$3 maxrss cu cs samples steady
	experiment "$dur" >"$T/m.ini"
	rm -f "$T/m.json"
	EREBUS_RUN_DIR="$T/run" /usr/bin/time -f '%M %U %S' -o "$T/time" "$bin" run -q "$T/m.ini" --json "$T/m.json" \
		>/dev/null 2>"$T/err" || { echo "   $label $dur: failed: $(tail -n 3 "$T/err")"; return; }
	read -r maxrss cu cs <"$T/time"
	samples=$(jq '[.probes[].phases | .before.samples + .during.samples + .after.samples] | add' "$T/m.json")
	steady=$(jq -r '.erebus_usage.rss_at_steady_kib // "-"' "$T/m.json")
	printf '   %-8s %6s %11s %12s %10s %12s %14s\n' "$label" "$dur" "$samples" "$steady" "$maxrss" \
		"$(stat -c %s "$T/m.json")" \
		"$(awk -v u="$cu" -v s="$cs" -v n="$samples" 'BEGIN { printf "%.1f", (u + s) * 1e6 / n }')"
}

echo "   $N process probes every $INTERVAL; memory in KiB (peak from GNU time)"
printf '   %-8s %6s %11s %12s %10s %12s %14s\n' "erebus" "run" "samples" "RSS steady" "RSS peak" "report bytes" "CPU us/sample"
for dur in $DURATIONS; do
	run "now" "$BUILD/erebus" "$dur"
	[ -n "${OLD:-}" ] && run "before" "$OLD" "$dur"
done
