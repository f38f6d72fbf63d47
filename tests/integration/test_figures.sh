# SPDX-License-Identifier: MIT
# The figures CI gates on (docs/run.md#figures), against real services:
# the demo HTTP service, haproxy in front of it, and files an exec probe
# reads. Each test stages a timeline and derives the expected numbers from
# what the run's own report says happened (when a fault was applied and
# reverted, how long the phases were), never from wall-clock guesses.

# haproxy in the foreground on a free port, balancing over the given
# backend ports with an HTTP health check every 100 ms (down after 2
# failures, up after 2 passes). Sets HAP_PORT. The run's steady state waits
# until it answers; nothing here polls.
start_haproxy() {
	command -v haproxy >/dev/null || skip "haproxy is not installed (scripts/deps.sh installs it)"
	HAP_PORT=$(free_port)
	{
		printf 'global\n  maxconn 200\ndefaults\n  mode http\n  timeout connect 200ms\n'
		printf '  timeout client 5s\n  timeout server 800ms\n  timeout check 150ms\n  retries 0\n'
		printf 'frontend fe\n  bind 127.0.0.1:%s\n  default_backend be\n' "$HAP_PORT"
		printf 'backend be\n  balance roundrobin\n  option httpchk GET /health\n'
		printf '  default-server inter 100ms fall 2 rise 2\n'
		local p
		for p in "$@"; do printf '  server s%s 127.0.0.1:%s check\n' "$p" "$p"; done
	} >"$T/haproxy.cfg"
	haproxy -c -q -f "$T/haproxy.cfg" || fail "haproxy refused its configuration"
	spawn HAP_PID haproxy -db -f "$T/haproxy.cfg"
}

# jq over the report, with the fault named $2's effect on probe $3 as $e.
effect() { jq -r --arg f "$2" --arg p "$3" ".faults[] | select(.name == \$f) | .effects[] | select(.probe == \$p) | $4" "$1"; }

# Down 3 s of a 4 s window, every failed sample a 1 s timeout: the window's
# availability is the share of time up (25%), not of samples (57% before
# erebus.report/2: a sample that times out stands for four slots).
test_availability_is_a_share_of_time() {
	start_demo --no-supervisor
	spawn SLEEPER sleep 1000
	cat >"$T/x.ini" <<EOF2
[experiment]
name = three-of-four
hold = 0s
[target worker]
pid = $DEMO_PID
[target sleeper]
pid = $SLEEPER
[fault stop]
type = pause
target = worker
at = 500ms
duration = 3s
[fault end-of-window]
# keeps the window 4 s long; touches nothing the probe sees
type = pause
target = sleeper
at = 3900ms
duration = 100ms
[probe health]
type = http
url = http://127.0.0.1:$DEMO_PORT/health
interval = 250ms
timeout = 1s
max_latency = 100ms
healthy_after = 1
during = may-fail
recover_within = 5s
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 0 "exit code: $(tail -n 3 "$T/err")"
	local down window slots avail want samples
	down=$(json "$T/r.json" '.faults[0].reverted_at_ms - .faults[0].applied_at_ms')
	window=$(json "$T/r.json" '.fault_window.end_ms - .fault_window.start_ms')
	slots=$(json "$T/r.json" '.probes[0].phases.during.slots')
	avail=$(json "$T/r.json" '.probes[0].phases.during.availability')
	samples=$(json "$T/r.json" '.probes[0].phases.during.samples')
	want=$(awk -v d="$down" -v w="$window" 'BEGIN { printf "%.4f", 1 - d / w }')
	# one slot either way at each edge of the pause: 2 slots of the window
	assert_near "$avail" "$want" "$(awk -v s="$slots" 'BEGIN { printf "%.4f", 2 / s }')" \
		"availability during the window (down ${down}ms of ${window}ms)"
	assert_cmp "$samples" "<" "$slots" "timed-out samples are fewer than the slots they cover"
	assert_eq "$(json "$T/r.json" .schema)" erebus.report/3 "schema"
}

# A kill behind a proxy with a 2 s restart: a must-pass probe through the
# proxy is down at least those 2 s of an impact phase the report measures,
# and fails its 90% tolerance, although the window ended at the kill.
test_kill_behind_proxy_fails_must_pass() {
	start_demo --restart-delay 2s
	start_haproxy "$DEMO_PORT"
	_proxy_kill_ini no 0s >"$T/x.ini"
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 1 "exit code: $(tail -n 3 "$T/err")"
	assert_eq "$(json "$T/r.json" .verdict)" failed "verdict"
	assert_eq "$(json "$T/r.json" .probes[0].verdict)" failed "probe verdict"
	json "$T/r.json" .probes[0].reason | grep -q 'of the impact phase (from the first fault to the end), tolerance 90%' ||
		fail "reason: $(json "$T/r.json" .probes[0].reason)"
	local impact avail bound
	impact=$(json "$T/r.json" '.ended_ms - .impact_start_ms')
	avail=$(json "$T/r.json" .probes[0].phases.impact.availability)
	bound=$(awk -v i="$impact" 'BEGIN { printf "%.4f", 1 - 2000 / i + 0.1 / (i / 1000) }')	# + one 100 ms slot
	assert_cmp "$avail" "<=" "$bound" "impact availability with 2 s down of ${impact}ms"
	assert_cmp "$(effect "$T/r.json" kill health .down_ms)" ">=" 1900 "the kill's down time"
}

# The same with a 0.1 s restart passes at 90% (the demo's listening
# socket outlives its worker, so requests wait in the backlog rather than
# fail): whatever down time the report measured is a small share of the
# impact phase, and the availability agrees with it.
test_short_restart_behind_proxy_passes() {
	start_demo --restart-delay 100ms
	start_haproxy "$DEMO_PORT"
	_proxy_kill_ini yes 4s >"$T/x.ini"
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 0 "exit code: $(tail -n 5 "$T/err")"
	local down impact avail
	down=$(effect "$T/r.json" kill health .down_ms)
	impact=$(json "$T/r.json" '.ended_ms - .impact_start_ms')
	avail=$(json "$T/r.json" .probes[0].phases.impact.availability)
	assert_eq "$(json "$T/r.json" .probes[0].verdict)" passed "probe verdict"
	assert_near "$avail" "$(awk -v d="$down" -v i="$impact" 'BEGIN { printf "%.4f", 1 - d / i }')" \
		"$(awk -v i="$impact" 'BEGIN { printf "%.4f", 200 / i }')" "impact availability from its own down time"
	assert_eq "$(effect "$T/r.json" kill health .time_to_mitigate_ms)" null "a kill is never mitigated"
}

# _proxy_kill_ini HALT_ON_LOST HOLD
_proxy_kill_ini() {
	cat <<EOF2
[experiment]
name = kill-behind-proxy
halt_on_lost_tolerance = $1
hold = $2
[target worker]
cmdline = erebus-demo --port $DEMO_PORT
process = demo-worker
[fault kill]
type = kill
target = worker
at = 500ms
[probe health]
type = http
url = http://127.0.0.1:$HAP_PORT/health
interval = 100ms
timeout = 1s
during = must-pass
tolerance = 90%
recover_within = 10s
EOF2
}

# Two backends behind haproxy; one paused. The probe fails while haproxy
# still sends it requests, then heals under the pause when haproxy takes
# the backend out: time to mitigate, no time to recover.
test_heals_under_the_fault_is_mitigated() {
	start_demo --no-supervisor
	local a_port=$DEMO_PORT a_pid=$DEMO_PID
	start_demo --no-supervisor
	start_haproxy "$a_port" "$DEMO_PORT"
	cat >"$T/x.ini" <<EOF2
[experiment]
name = heal-under-pause
hold = 1s
[target a]
pid = $a_pid
[fault stop-a]
type = pause
target = a
at = 500ms
duration = 4s
[probe health]
type = http
url = http://127.0.0.1:$HAP_PORT/health
interval = 100ms
timeout = 2s
during = may-fail
recover_within = 10s
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 0 "exit code: $(tail -n 5 "$T/err")"
	local mit applied reverted first_end
	mit=$(effect "$T/r.json" stop-a health .time_to_mitigate_ms)
	[ "$mit" != null ] || fail "no time to mitigate: $(jq -c .probes[0].outages "$T/r.json")"
	assert_eq "$(effect "$T/r.json" stop-a health .time_to_recover_ms)" null "time to recover"
	applied=$(json "$T/r.json" .faults[0].applied_at_ms)
	reverted=$(json "$T/r.json" .faults[0].reverted_at_ms)
	first_end=$(json "$T/r.json" .probes[0].outages[0].end_ms)
	assert_cmp "$first_end" "<" "$reverted" "the outage ended under the pause"
	assert_cmp "$first_end" ">" "$applied" "the outage ended after the pause began"
	assert_eq "$(json "$T/r.json" .probes[0].outages[0].fault)" stop-a "the outage's fault"
}

# A failure 400 ms after a revert belongs to no fault: it is not the
# pause's detection. The may-fail probe relapses, recovers again, passes.
test_failure_after_revert_is_unattributed() {
	: >"$T/up"
	spawn SLEEPER sleep 1000
	_file_probe_ini may-fail 100% no >"$T/x.ini"
	"$EREBUS" run "$T/x.ini" --json "$T/r.json" 2>"$T/err" &
	ERB=$!
	defer kill -INT "$ERB"
	wait_for_line "$T/err" "probe.recovered +file"
	sleep 0.4	# stages the timeline: the failure, 400 ms after the recovery
	rm -f "$T/up"
	sleep 0.5
	: >"$T/up"
	end_run 20
	assert_eq "$RC" 0 "exit code: $(tail -n 5 "$T/err")"
	local reverted start
	reverted=$(json "$T/r.json" .faults[0].reverted_at_ms)
	start=$(json "$T/r.json" .probes[0].outages[0].start_ms)
	assert_eq "$(json "$T/r.json" '.probes[0].outages | length')" 1 "outages"
	assert_eq "$(json "$T/r.json" .probes[0].outages[0].fault)" null "the outage's fault"
	assert_cmp "$start" ">=" "$(awk -v r="$reverted" 'BEGIN { print r + 400 }')" "it began after the revert"
	assert_eq "$(effect "$T/r.json" stop file .time_to_detect_ms)" null "the pause's time to detect"
	assert_eq "$(json "$T/r.json" .probes[0].time_to_detect_ms)" null "the probe's time to detect"
	assert_eq "$(json "$T/r.json" .probes[0].relapses)" 1 "relapses"
	assert_eq "$(json "$T/r.json" .probes[0].verdict)" passed "a may-fail probe that recovered again"
}

# A must-pass probe that relapses in the hold fails the run.
test_relapse_fails_must_pass() {
	: >"$T/up"
	spawn SLEEPER sleep 1000
	_file_probe_ini must-pass 50% no >"$T/x.ini"
	"$EREBUS" run "$T/x.ini" --json "$T/r.json" 2>"$T/err" &
	ERB=$!
	defer kill -INT "$ERB"
	wait_for_line "$T/err" "probe.recovered +file"
	rm -f "$T/up"
	end_run 20
	assert_eq "$RC" 1 "exit code: $(tail -n 5 "$T/err")"
	assert_eq "$(json "$T/r.json" .probes[0].verdict)" failed "probe verdict"
	json "$T/r.json" .probes[0].reason | grep -qE '^relapsed [0-9.]+(us|ms|s) after recovering' ||
		fail "reason: $(json "$T/r.json" .probes[0].reason)"
	grep -q 'probe.relapsed *file' "$T/err" || fail "no probe.relapsed line"
}

# _file_probe_ini DURING TOLERANCE HALT_ON_LOST: a short pause of a
# sleeper (the fault), and a probe that passes while $T/up exists.
_file_probe_ini() {
	cat <<EOF2
[experiment]
name = file-probe
hold = 3s
halt_on_lost_tolerance = $3
[target sleeper]
pid = $SLEEPER
[fault stop]
type = pause
target = sleeper
at = 200ms
duration = 300ms
[probe file]
type = exec
command = test -e $T/up
interval = 100ms
timeout = 1s
during = $1
tolerance = $2
recover_within = 10s
EOF2
}

# _long_pause_ini PROBE HOLD KEYS: a 60 s pause of the demo from 300 ms,
# and an http probe PROBE (200 ms grid, 300 ms timeout) with more KEYS.
_long_pause_ini() {
	cat <<EOF2
[experiment]
name = long-pause
hold = $2
[target worker]
pid = $DEMO_PID
[fault stop]
type = pause
target = worker
at = 300ms
duration = 60s
[probe $1]
type = http
url = http://127.0.0.1:$DEMO_PORT/health
interval = 200ms
timeout = 300ms
$3
EOF2
}

# A halting probe: when it is down, every fault is reverted at once (within
# one interval of the failed sample that made it down) and the run ends
# halted, exit 1; the paused service runs again.
test_halting_probe_reverts_everything() {
	start_demo --no-supervisor
	_long_pause_ini checkout 0s "during = may-fail
halt = yes" >"$T/x.ini"
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 1 "exit code: $(tail -n 5 "$T/err")"
	assert_eq "$(json "$T/r.json" .verdict)" halted "verdict"
	json "$T/r.json" .reason | grep -qE '^halted: \[probe checkout\] down for ' ||
		fail "reason: $(json "$T/r.json" .reason)"
	local halted reverted seen
	halted=$(json "$T/r.json" .halted_at_ms)
	reverted=$(json "$T/r.json" .faults[0].reverted_at_ms)
	seen=$(json "$T/r.json" '.probes[0].outages[0].start_ms + 300')	# its first failed sample ended
	assert_cmp "$halted" "<=" "$(awk -v s="$seen" 'BEGIN { print s + 200 }')" "halted within one interval"
	assert_cmp "$reverted" ">=" "$halted" "reverted at the halt"
	assert_cmp "$reverted" "<=" "$(awk -v h="$halted" 'BEGIN { print h + 200 }')" "reverted at once"
	assert_eq "$(proc_state "$DEMO_PID")" S "the service runs again"
}

# A must-pass probe that can no longer reach its tolerance halts the run
# long before the fault would have ended.
test_lost_tolerance_halts() {
	start_demo --no-supervisor
	_long_pause_ini health 1s "during = must-pass
tolerance = 90%
recover_within = 2s" >"$T/x.ini"
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 1 "exit code: $(tail -n 5 "$T/err")"
	assert_eq "$(json "$T/r.json" .verdict)" halted "verdict"
	json "$T/r.json" .reason | grep -q 'can no longer reach its tolerance of 90%' ||
		fail "reason: $(json "$T/r.json" .reason)"
	assert_cmp "$(json "$T/r.json" '.faults[0].reverted_at_ms - .faults[0].applied_at_ms')" "<" 60000 \
		"reverted before its 60 s were up"
	assert_eq "$(json "$T/r.json" .probes[0].verdict)" failed "probe verdict"
	assert_eq "$(proc_state "$DEMO_PID")" S "the service runs again"
}

# Two faults, two sets of figures: a pause and then a kill of the demo's
# worker; each outage belongs to its own fault.
test_two_faults_get_separate_figures() {
	start_demo --restart-delay 1s
	cat >"$T/x.ini" <<EOF2
[experiment]
name = two
hold = 1s
[target worker]
cmdline = erebus-demo --port $DEMO_PORT
process = demo-worker
[fault stop]
type = pause
target = worker
at = 200ms
duration = 1s
[fault kill]
type = kill
target = worker
at = 2500ms
[probe health]
type = http
url = http://127.0.0.1:$DEMO_PORT/health
interval = 100ms
timeout = 300ms
healthy_after = 1
during = may-fail
recover_within = 10s
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 0 "exit code: $(tail -n 5 "$T/err")"
	assert_eq "$(effect "$T/r.json" stop health .outages)" 1 "outages of the pause"
	assert_eq "$(effect "$T/r.json" kill health .outages)" 1 "outages of the kill"
	local d_stop d_kill
	d_stop=$(effect "$T/r.json" stop health .time_to_detect_ms)
	d_kill=$(effect "$T/r.json" kill health .time_to_detect_ms)
	[ "$d_stop" != null ] && [ "$d_kill" != null ] || fail "detection: pause $d_stop, kill $d_kill"
	assert_eq "$(jq -c '[.probes[0].outages[].fault]' "$T/r.json")" '["stop","kill"]' "each outage's fault"
	# the kill's recovery counts from its instant, and is at least the restart delay
	assert_cmp "$(effect "$T/r.json" kill health .time_to_recover_ms)" ">=" 1000 "the kill's time to recover"
}
