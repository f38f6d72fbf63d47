#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Firing lag of a kill every 10 ms over 100 target processes, for 10 s:
# Erebus (lag from its own report: windows[].start_ms - due_ms) beside a
# shell loop that signals the same 100 pids on the same absolute grid (the
# way tools that shell out do it: the bash builtin `kill`, and one
# /bin/kill process per firing). The targets are `sleep` processes and the
# signal is SIGWINCH, which they ignore, so all 100 live through every
# firing. Bounded: 3 runs of 10 s, every process killed at the end.
# Usage: BUILD=build tests/bench/kill_grid.sh [EREBUS]   (root not needed)
# EREBUS defaults to $BUILD/erebus; another build (an older one) may be
# given to compare: without due_ms in its report, firing k is taken as
# due at the window's start + k x 10 ms (it never skipped one).
set -u
: "${BUILD:?}"
EREBUS=${1:-$BUILD/erebus}
N=${N:-100}
SECONDS_RUN=${SECONDS_RUN:-10}
T=$(mktemp -d /tmp/erebus-killgrid.XXXXXX)
chmod 700 "$T"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# p50 p99 max (ms, 3 decimals) of the numbers on stdin, one a line.
stats() { sort -g | awk '{ v[NR] = $1 } END {
	if (!NR) { print "- - -"; exit }
	i50 = int(NR * 0.50 + 0.999999); i99 = int(NR * 0.99 + 0.999999)
	printf "%.3f %.3f %.3f\n", v[i50], v[i99], v[NR] }'; }

cat >"$T/grid.ini" <<EOF
[experiment]
name = kill-grid
seed = 1
[target pool]
command = /bin/sh -c 'i=0; while [ \$i -lt $N ]; do sleep 60 & i=\$((i+1)); done; wait'
[target sleepers]
within = pool
process = sleep
pick = all
[fault k]
type = kill
target = sleepers
signal = SIGWINCH
every = 10ms
duration = ${SECONDS_RUN}s
[probe all-there]
type = process
target = sleepers
min_count = $N
interval = 1s
healthy_after = 1
EOF

# Erebus: lag per firing from the report.
EREBUS_RUN_DIR=$T/run /usr/bin/time -f "%U %S" -o "$T/time" "$EREBUS" run -q "$T/grid.ini" \
	--json "$T/grid.json" >/dev/null 2>"$T/run.log"
rc=$?
read -r cu cs <"$T/time"
jq -r '.fault_window.start_ms as $ws | .faults[0].windows | to_entries[] |
	.value.start_ms - (.value.due_ms // ($ws + .key * 10))' "$T/grid.json" >"$T/erebus.lag"
fired=$(wc -l <"$T/erebus.lag")
missed=$(jq -r '.faults[0].missed // "-"' "$T/grid.json")
read -r e50 e99 emax < <(stats <"$T/erebus.lag")

# The shell way: same grid (absolute deadlines), same signal, same count.
for _ in $(seq "$N"); do sleep 60 & pids+=($!); done
mkfifo "$T/never"
shell_loop() { # MODE: builtin | exec
	local mode=$1 fd start due now k lag
	exec {fd}<>"$T/never"
	start=${EPOCHREALTIME/./}
	for ((k = 0; k <= SECONDS_RUN * 100; k++)); do
		due=$((start + k * 10000))
		now=${EPOCHREALTIME/./}
		if ((due > now)); then
			read -r -t "$(printf '0.%06d' $((due - now)))" -u "$fd" _
		fi
		if [ "$mode" = builtin ]; then
			kill -s WINCH "${pids[@]}"
		else
			/bin/kill -s WINCH "${pids[@]}"
		fi
		now=${EPOCHREALTIME/./}
		lag=$((now - due))
		printf '%d.%03d\n' $((lag / 1000)) $((lag % 1000))
	done
	exec {fd}>&-
}
TIMEFORMAT="%U %S"
{ time shell_loop builtin >"$T/builtin.lag"; } 2>"$T/builtin.time"
{ time shell_loop exec >"$T/exec.lag"; } 2>"$T/exec.time"
read -r b50 b99 bmax < <(stats <"$T/builtin.lag")
read -r x50 x99 xmax < <(stats <"$T/exec.lag")
read -r bu bs <"$T/builtin.time"
read -r xu xs <"$T/exec.time"

echo "   kill (SIGWINCH) every 10 ms over $N sleeping processes for ${SECONDS_RUN} s; lag = signals sent - due"
printf '   %-40s %8s %8s %8s %8s %8s %9s\n' "" firings missed "p50 ms" "p99 ms" "max ms" "CPU s"
printf '   %-40s %8s %8s %8s %8s %8s %9s\n' "erebus run (lag from its report)" "$fired" "$missed" "$e50" "$e99" "$emax" \
	"$(awk -v u="$cu" -v s="$cs" 'BEGIN { print u + s }')"
printf '   %-40s %8s %8s %8s %8s %8s %9s\n' "bash loop, builtin kill" "$(wc -l <"$T/builtin.lag")" "-" "$b50" "$b99" "$bmax" \
	"$(awk -v u="$bu" -v s="$bs" 'BEGIN { print u + s }')"
printf '   %-40s %8s %8s %8s %8s %8s %9s\n' "bash loop, one /bin/kill per firing" "$(wc -l <"$T/exec.lag")" "-" "$x50" "$x99" "$xmax" \
	"$(awk -v u="$xu" -v s="$xs" 'BEGIN { print u + s }')"
[ "$rc" = 0 ] || echo "   WARNING: erebus exited $rc: $(tail -n 3 "$T/run.log")"
echo "   (load average before the last run: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs)"
