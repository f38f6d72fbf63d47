# SPDX-License-Identifier: MIT
# Detector probes (expect = detect; docs/run.md, "Did monitoring notice?"):
# a monitoring check that is quiet before any fault, must fire within
# detect_within of each fault it detects and clear within clear_within of
# the service's recovery. Here the "monitoring" is a process probe that
# fires while the demo's worker is dead, so every case is exact and fast;
# tests/integration/test_monitoring.sh runs a real Prometheus and
# Alertmanager. Bounds come from the run's own report (the detector's
# interval and lag), never from a wall clock.

# $T/x.ini: the demo (restart delay $1), a health probe, the kill of its
# worker at 300ms, then what the caller appends.
_detector_experiment() {
	DEMO_PORT=$(free_port)
	cat >"$T/x.ini" <<EOF2
[experiment]
name = detectors
hold = 200ms
steady_state_timeout = 5s

[target demo]
command = $DEMO --port $DEMO_PORT --restart-delay $1

[target worker]
within = demo
process = demo-worker

[fault kill-worker]
type = kill
target = worker
at = 300ms

[probe health]
type = http
url = http://127.0.0.1:$DEMO_PORT/health
interval = 100ms
during = may-fail
EOF2
}

_worker_detector() {
	cat >>"$T/x.ini" <<EOF2

[probe worker-gone]
type = process
target = ${3:-worker}
interval = 100ms
healthy_after = 1
expect = detect
detect_within = $1
clear_within = $2
EOF2
}

test_detector_notices_and_clears() {
	_detector_experiment 1500ms
	_worker_detector 5s 3s
	run_erebus run "$T/x.ini" --json "$T/r.json" --junit "$T/r.xml" --metrics "$T/r.prom"
	assert_eq "$RC" 0 "exit code ($(tail -n 3 "$T/err"))"
	local q='.faults[0].effects[] | select(.probe == "worker-gone")' bound
	# it fires at its first sample after the kill: within one interval
	# and its own lag of the application
	bound=$(json "$T/r.json" '.probes[] | select(.name == "worker-gone") | .interval_ms + .lag_ms.max')
	assert_cmp "$(json "$T/r.json" "$q | .time_to_alert_ms")" ">=" 0 "time to alert"
	assert_cmp "$(json "$T/r.json" "$q | .time_to_alert_ms")" "<=" "$bound" "time to alert against interval + lag"
	assert_cmp "$(json "$T/r.json" "$q | .time_to_clear_ms")" "<=" 3000 "time to clear against clear_within"
	assert_eq "$(json "$T/r.json" '.faults[0].effects[] | select(.probe == "health") | .time_to_alert_ms')" null \
		"time to alert of a probe that is not a detector"
	assert_eq "$(json "$T/r.json" '.probes[] | select(.name == "worker-gone") | .expect')" detect "expect"
	grep -q "detector.fired *worker-gone: noticed \[fault kill-worker\]" "$T/err" || fail "no fired event: $(cat "$T/err")"
	grep -q "detector.cleared *worker-gone: quiet again" "$T/err" || fail "no cleared event"
	grep -A1 '<testcase name="effect of kill-worker" classname="detectors.worker-gone"' "$T/r.xml" |
		grep -q "noticed in .* (within 5.00s); quiet again" || fail "JUnit: $(grep -A2 'worker-gone' "$T/r.xml")"
	grep -q '^erebus_time_to_alert_seconds{experiment="detectors",fault="kill-worker",probe="worker-gone"} 0\.' \
		"$T/r.prom" || fail "metrics: $(grep time_to_alert "$T/r.prom")"
	grep -q "^  worker-gone  kill-worker  [0-9]" "$T/err" || fail "summary's detector table: $(cat "$T/err")"
	# CI gates on it: --max-alert judges the detector, and only it
	run_erebus gate "$T/r.json" --max-alert 1ms
	assert_eq "$RC" 1 "gate --max-alert 1ms"
	grep -q "worker-gone: time to alert [0-9.]*[mu]*s after \[fault kill-worker\] is over --max-alert 1ms" "$T/out" ||
		fail "gate: $(cat "$T/out")"
	run_erebus gate "$T/r.json" --max-alert 5s --min-availability 1% --probe worker-gone
	assert_eq "$RC" 0 "gate --max-alert 5s, a detector's availability left out ($(cat "$T/out"))"
}

# A detector that never fires: the run fails with its sentence, once the
# deadline passed, not before.
test_detector_that_does_not_notice_fails() {
	_detector_experiment 100ms
	_worker_detector 1s 3s demo
	run_erebus run "$T/x.ini" --json "$T/r.json" --junit "$T/r.xml"
	assert_eq "$RC" 1 "exit code"
	assert_eq "$(json "$T/r.json" .reason)" \
		"[probe worker-gone] monitoring did not notice [fault kill-worker] within 1.00s" "reason"
	assert_cmp "$(json "$T/r.json" '[.events[] | select(.kind == "detector.missed") | .t_ms][0] - .impact_start_ms')" \
		">=" 1000 "missed no sooner than detect_within after the fault"
	grep -A1 '<testcase name="effect of kill-worker" classname="detectors.worker-gone"' "$T/r.xml" |
		grep -q '<failure message="monitoring did not notice \[fault kill-worker\] within 1.00s' ||
		fail "JUnit: $(grep -A2 'worker-gone' "$T/r.xml")"
}

# Still firing clear_within after the service recovered: here the alert
# is about a process nobody restarts, while the service never suffers.
test_detector_still_alerting_fails() {
	spawn VICTIM sleep 600
	spawn OTHER sleep 601
	cat >"$T/x.ini" <<EOF2
[experiment]
name = still-alerting
[target victim]
pid = $VICTIM
[target other]
pid = $OTHER
[fault kill-victim]
type = kill
target = victim
at = 200ms
[probe other-alive]
type = process
target = other
interval = 100ms
[probe victim-gone]
type = process
target = victim
interval = 100ms
healthy_after = 1
expect = detect
detect_within = 2s
clear_within = 1s
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 1 "exit code"
	assert_eq "$(json "$T/r.json" .reason)" \
		"[probe victim-gone] still alerting 1.00s after the service recovered" "reason"
	assert_eq "$(json "$T/r.json" '.faults[0].effects[] | select(.probe == "victim-gone") | .time_to_clear_ms')" \
		null "time to clear"
}

# Alerting before any fault: the environment is already broken; the run
# aborts (exit 3) and injects nothing.
test_detector_already_alerting_aborts() {
	_detector_experiment 100ms
	sed -i 's/^steady_state_timeout = 5s$/steady_state_timeout = 1s/' "$T/x.ini"
	cat >>"$T/x.ini" <<EOF2

[probe alert]
type = tcp
host = 127.0.0.1
port = $(free_port)
interval = 100ms
expect = detect
detect_within = 5s
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 3 "exit code"
	json "$T/r.json" .reason | grep -q "^the environment is already alerting: \[probe alert\] (connection refused); nothing was injected$" ||
		fail "reason: $(json "$T/r.json" .reason)"
	assert_eq "$(json "$T/r.json" '.faults[0].applications')" 0 "applications"
}

# detects limits a detector to some faults: the others are not its
# business (no figure, a skipped testcase), and it is not failed for them.
test_detects_limits_a_detector_to_one_fault() {
	_detector_experiment 1500ms
	spawn OTHER sleep 600
	cat >>"$T/x.ini" <<EOF2

[target other]
pid = $OTHER

[fault pause-other]
type = pause
target = other
at = 100ms
duration = 300ms
EOF2
	_worker_detector 5s 3s
	echo "detects = kill-worker" >>"$T/x.ini"
	run_erebus run "$T/x.ini" --json "$T/r.json" --junit "$T/r.xml"
	assert_eq "$RC" 0 "exit code ($(tail -n 3 "$T/err"))"
	assert_eq "$(json "$T/r.json" '.probes[] | select(.name == "worker-gone") | .detects | join(" ")')" kill-worker "detects"
	assert_eq "$(json "$T/r.json" '.faults[] | select(.name == "pause-other") | .effects[] | select(.probe == "worker-gone") | .time_to_alert_ms')" \
		null "pause-other's time to alert"
	assert_cmp "$(json "$T/r.json" '.faults[] | select(.name == "kill-worker") | .effects[] | select(.probe == "worker-gone") | .time_to_alert_ms')" \
		">=" 0 "kill-worker's time to alert"
	grep -A1 '<testcase name="effect of pause-other" classname="detectors.worker-gone"' "$T/r.xml" |
		grep -q '<skipped message="worker-gone does not detect pause-other (detects)"' ||
		fail "JUnit: $(grep -A2 'effect of pause-other' "$T/r.xml")"
}
