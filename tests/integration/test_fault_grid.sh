# SPDX-License-Identifier: MIT
# A repeating fault keeps its grid: firing k is due at the window's start
# + at + k x every, whatever the load (docs/faults/kill.md#timeline). Every
# check reads the run's own report (windows[].due_ms, missed, the
# fault.skipped events); none is a wall-clock threshold. And what each
# firing picks within a launched command: its whole process tree.

# An experiment on the sleep processes a launched command starts: all of
# them (pick = all) get SIGWINCH, which they ignore, from the kill fault
# "tick" (FAULT_KEYS: its at, every, duration), and a process probe waits
# for MIN of them before the window starts.
sleepers_experiment() { # COMMAND MIN FAULT_KEYS
	cat >"$T/x.ini" <<EOF2
[experiment]
name = sleepers
seed = 3
[target pool]
command = $1
[target sleepers]
within = pool
process = sleep
pick = all
[fault tick]
type = kill
target = sleepers
signal = SIGWINCH
$3
[probe all-there]
type = process
target = sleepers
min_count = $2
interval = 100ms
healthy_after = 1
EOF2
}

# N sleeping children of a shell, all sent SIGWINCH every EVERY for DURATION.
grid_experiment() { # N EVERY DURATION
	sleepers_experiment "/bin/sh -c 'i=0; while [ \$i -lt $1 ]; do sleep 60 & i=\$((i+1)); done; wait'" "$1" \
		"$(printf 'at = 100ms\nevery = %s\nduration = %s' "$2" "$3")"
}

# Every grid point of fault 0 (index k = (due - window start - at) / every)
# is accounted for once: fired (a window with that due time), missed
# (counted in missed) or skipped (a fault.skipped event); the windows'
# due times are grid points, in order, each fired at or after it.
assert_on_grid() { # REPORT AT_MS EVERY_MS POINTS
	local r=$1 at=$2 every=$3 points=$4 bad fired missed skipped
	bad=$(jq -r --argjson at "$at" --argjson ev "$every" '
		.fault_window.start_ms as $ws | .faults[0].windows as $w
		| [range(0; $w | length) as $i | $w[$i]
		   | ((.due_ms - $ws - $at) / $ev) as $k
		   | select(.due_ms == null or (($k - ($k | round)) | fabs) > 0.002 or .start_ms < .due_ms
			    or ($i > 0 and .due_ms <= $w[$i - 1].due_ms))
		   | "window \($i): due \(.due_ms), start \(.start_ms), k \($k)"] | join("; ")' "$r")
	[ -z "$bad" ] || fail "off the grid: $bad"
	fired=$(json "$r" '.faults[0].windows | length')
	missed=$(json "$r" '.faults[0].missed')
	skipped=$(json "$r" '[.events[] | select(.kind == "fault.skipped")] | length')
	assert_eq "$(json "$r" '.faults[0].applications')" "$fired" "applications (one window each)"
	assert_eq "$((fired + missed + skipped))" "$points" \
		"grid points: fired $fired + missed $missed + skipped $skipped"
	jq -e '.faults[0].lag_ms | .p50 <= .p99 and .p99 <= .max and .p50 >= 0' "$r" >/dev/null ||
		fail "lag_ms: $(jq -c '.faults[0].lag_ms' "$r")"
}

test_repeating_kill_fires_on_its_grid() {
	grid_experiment 20 20ms 1s
	run_erebus run -q "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 0 "exit code: $(cat "$T/err")"
	assert_on_grid "$T/r.json" 100 20 51	# 0, 20ms, ..., 1s: 51 points
	assert_near "$(json "$T/r.json" '.faults[0].windows[0].due_ms - .fault_window.start_ms')" 100 0.002 \
		"the first firing is due at the window's start + at"
	assert_near "$(json "$T/r.json" '.faults[0].windows[-1].due_ms - .faults[0].windows[0].due_ms')" 1000 0.002 \
		"the last is due at + duration (it fired; nothing ends the grid early)"
}

# An engine that falls behind (here: stopped by SIGSTOP for a while, the
# stimulus) fires the latest overdue point once and counts the others as
# missed, instead of firing them all at once to catch up.
test_late_engine_misses_firings_instead_of_bursting() {
	grid_experiment 5 20ms 2s
	ERB=
	"$EREBUS" run "$T/x.ini" --json "$T/r.json" --junit "$T/r.xml" >"$T/out" 2>"$T/err" &
	ERB=$!
	defer _kill_later "$ERB"
	wait_for_line "$T/err" "fault.applied" 15
	kill -STOP "$ERB"
	sleep 0.3	# the stimulus: 300ms without the engine, about 15 grid points
	kill -CONT "$ERB"
	end_run 20
	assert_eq "$RC" 0 "exit code: $(tail -n 5 "$T/err")"
	assert_on_grid "$T/r.json" 100 20 101
	assert_cmp "$(json "$T/r.json" '.faults[0].missed')" ">" 0 "missed firings"
	assert_eq "$(json "$T/r.json" '[.events[] | select(.kind == "fault.missed")] | length > 0')" true \
		"a fault.missed event says so"
	grep -q "Erebus could not keep up: [0-9]* firings\? of its grid missed" "$T/out" "$T/err" ||
		fail "the summary does not say so: $(cat "$T/out")"
	assert_eq "$(json "$T/r.json" '[.warnings[] | select(.fault == "tick" and .kind == "erebus-behind")] | length')" 1 \
		"the report's warnings name the fault"
	grep -q "warning: Erebus could not keep up: [0-9]* firings\? of its grid missed" "$T/r.xml" ||
		fail "JUnit does not say so"
}

# Picking `within` a launched command walks the command's process tree
# through the kernel's children lists (every thread's): its descendants
# at any depth are found, whichever thread started them, and nothing
# outside the tree is, even with the same name.
test_within_picks_the_whole_tree_and_nothing_else() {
	command -v python3 >/dev/null || skip "python3 is not installed"
	local outside
	spawn outside sleep 61
	# python3 whose second thread starts a sleep and stays alive.
	cat >"$T/tree.py" <<'EOF2'
import subprocess, threading
ready, done = threading.Event(), threading.Event()
def start():
    subprocess.Popen(["sleep", "61"])
    ready.set()
    done.wait()
threading.Thread(target=start).start()
ready.wait()
done.wait()
EOF2
	# sh -> (sh -> sleep, sleep), sleep, python3 -> (thread 2) sleep
	sleepers_experiment "/bin/sh -c '/bin/sh -c \"sleep 61 & sleep 61 & wait\" & sleep 61 & python3 $T/tree.py & wait'" \
		4 "at = 100ms"
	run_erebus run -q "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 0 "exit code: $(cat "$T/err")"
	assert_eq "$(json "$T/r.json" '.faults[0].targets | length')" 4 \
		"sleeps signalled (two grandchildren, a child, one started by a second thread)"
	assert_eq "$(json "$T/r.json" "[.faults[0].targets[] | select(.pid == $outside)] | length")" 0 \
		"the sleep outside the tree"
}
