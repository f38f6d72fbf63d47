# SPDX-License-Identifier: MIT
# experiments/monitoring.ini and its configurations (experiments/monitoring/)
# as shipped: promtool and amtool accept them, and a run of the experiment
# (the demo, a real Prometheus and a real Alertmanager launched in its
# sandbox) passes: its detector probe [probe alert] sees the alert
# DemoWorkerDown fire after the worker is killed and clear once the
# supervisor has restarted it. Time to alert and time to clear are
# bounded by what the configurations allow, read from them: no sooner
# than the rule's `for`, no later than a scrape, two evaluations, `for`,
# two of the detector's samples and a second of slack. Bounded by the
# experiment's own timeouts.

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MON="$SRC/experiments/monitoring"

_need_monitoring() {
	[ -x /usr/bin/prometheus ] || skip "prometheus is not installed (Debian package prometheus)"
	[ -x /usr/bin/prometheus-alertmanager ] || skip "alertmanager is not installed (Debian package prometheus-alertmanager)"
}

# $T/mon.ini: the experiment with this build's demo and the
# configurations by absolute path.
_experiment() {
	sed -e "s|build/erebus-demo|$DEMO|" -e "s|experiments/monitoring/|$MON/|g" \
		"$SRC/experiments/monitoring.ini" >"$T/mon.ini"
	grep -q "^command = $DEMO " "$T/mon.ini" || fail "the demo's command was not rewritten"
}

# Seconds of a duration in the configurations ("1s", "2s"), as ms.
_ms() { sed -n "s/.*$1: *\([0-9]*\)s\b.*/\1/p" "$2" | head -n 1 | awk '{ print $1 * 1000 }'; }

test_monitoring_example_configs_are_valid() {
	_need_monitoring
	promtool check config "$MON/prometheus.yml" >"$T/out" 2>&1 || fail "promtool: $(cat "$T/out")"
	grep -q "SUCCESS: 1 rule files found" "$T/out" || fail "rules.yml not read: $(cat "$T/out")"
	amtool check-config "$MON/alertmanager.yml" >"$T/out" 2>&1 || fail "amtool: $(cat "$T/out")"
	_experiment
	run_erebus validate "$T/mon.ini"
	assert_eq "$RC" 0 "validate ($(cat "$T/err"))"
}

test_monitoring_example_alert_fires_and_clears() {
	_need_monitoring
	_experiment
	mkdir "$T/tmp"
	RC=0
	TMPDIR="$T/tmp" timeout 120 "$EREBUS" run "$T/mon.ini" --json "$T/r.json" --junit "$T/r.xml" \
		>"$T/out" 2>"$T/err" || RC=$?
	assert_eq "$RC" 0 "exit code ($(cat "$T/err"))"
	local scrape eval for p lag alert clear q='.faults[0].effects[] | select(.probe == "alert")'
	scrape=$(_ms scrape_interval "$MON/prometheus.yml")
	eval=$(_ms evaluation_interval "$MON/prometheus.yml")
	for=$(_ms for "$MON/rules.yml")
	p=$(json "$T/r.json" '.probes[] | select(.name == "alert") | .interval_ms')
	lag=$(json "$T/r.json" '.probes[] | select(.name == "alert") | .lag_ms.max')
	[ -n "$scrape" ] && [ -n "$eval" ] && [ -n "$for" ] || fail "intervals not found in the configurations"
	alert=$(json "$T/r.json" "$q | .time_to_alert_ms")
	clear=$(json "$T/r.json" "$q | .time_to_clear_ms")
	note "time to alert ${alert}ms, time to clear ${clear}ms (scrape ${scrape}ms, evaluation ${eval}ms, for ${for}ms, detector every ${p}ms)"
	# It cannot fire before the rule's `for` has passed since the kill ...
	assert_cmp "$alert" ">=" "$for" "time to alert against for"
	# ... and fires by the next scrape, two evaluations, `for`, two of the
	# detector's samples (and its lag), and a second of slack.
	assert_cmp "$alert" "<=" "$(awk -v s="$scrape" -v e="$eval" -v f="$for" -v p="$p" -v l="$lag" \
		'BEGIN { print s + 2 * e + f + 2 * p + l + 1000 }')" "time to alert against the configurations"
	# Clear: a scrape and an evaluation after the service is back, then
	# the detector's healthy_after (2) samples.
	assert_cmp "$clear" ">=" 0 "time to clear"
	assert_cmp "$clear" "<=" "$(awk -v s="$scrape" -v e="$eval" -v p="$p" -v l="$lag" \
		'BEGIN { print s + e + 2 * p + l + 1000 }')" "time to clear against the configurations"
	grep -q '^  alert  *kill-worker  [0-9]' "$T/err" || fail "summary: $(cat "$T/err")"
	grep -A1 '<testcase name="effect of kill-worker" classname="monitoring.alert"' "$T/r.xml" |
		grep -q "noticed in .* (within 30.00s); quiet again" || fail "JUnit: $(grep -A2 'monitoring.alert' "$T/r.xml")"
	# Prometheus and Alertmanager left no storage behind.
	assert_eq "$(ls -A "$T/tmp")" "" "temporary directories left"
}

# A rule that never fires: the worker comes back (100ms) long before the
# rule's `for: 2s` can pass, so monitoring does not notice, and the
# detector fails the run with its sentence once detect_within (here 6s)
# has passed.
test_monitoring_example_rule_that_never_fires_fails() {
	_need_monitoring
	_experiment
	sed -i -e 's/--restart-delay 8s/--restart-delay 100ms/' -e 's/^detect_within = 30s$/detect_within = 6s/' "$T/mon.ini"
	grep -q -- "--restart-delay 100ms" "$T/mon.ini" && grep -q "^detect_within = 6s$" "$T/mon.ini" ||
		fail "the experiment was not rewritten"
	mkdir "$T/tmp"
	RC=0
	TMPDIR="$T/tmp" timeout 120 "$EREBUS" run "$T/mon.ini" --json "$T/r.json" >"$T/out" 2>"$T/err" || RC=$?
	assert_eq "$RC" 1 "exit code ($(tail -n 5 "$T/err"))"
	assert_eq "$(json "$T/r.json" .reason)" \
		"[probe alert] monitoring did not notice [fault kill-worker] within 6.00s" "reason"
	assert_eq "$(json "$T/r.json" '.faults[0].effects[] | select(.probe == "alert") | .time_to_alert_ms')" null \
		"time to alert"
}
