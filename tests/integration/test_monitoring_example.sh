# SPDX-License-Identifier: MIT
# experiments/monitoring.ini and its configurations (experiments/monitoring/)
# as shipped: promtool and amtool accept them, and a run of the experiment
# (the demo, a real Prometheus and a real Alertmanager launched in its
# sandbox) sees the alert DemoWorkerDown fire after the worker is killed
# and clear once the supervisor has restarted it. Until detector probes
# exist, the run is of a copy whose [probe alert] is an ordinary may-fail
# probe (its three detector keys removed): it goes down while the alert
# fires and must recover. Bounded by the experiment's own timeouts.

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MON="$SRC/experiments/monitoring"

_need_monitoring() {
	[ -x /usr/bin/prometheus ] || skip "prometheus is not installed (Debian package prometheus)"
	[ -x /usr/bin/prometheus-alertmanager ] || skip "alertmanager is not installed (Debian package prometheus-alertmanager)"
}

# $T/mon.ini: the experiment with this build's demo, the configurations
# by absolute path, and [probe alert] without the detector keys.
_experiment() {
	sed -e "s|build/erebus-demo|$DEMO|" -e "s|experiments/monitoring/|$MON/|g" \
		-e '/^expect = detect$/d' -e '/^detect_within = /d' -e '/^clear_within = /d' \
		-e 's/^alertname = DemoWorkerDown$/&\nduring = may-fail/' \
		"$SRC/experiments/monitoring.ini" >"$T/mon.ini"
	grep -q "^command = $DEMO " "$T/mon.ini" || fail "the demo's command was not rewritten"
}

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
	TMPDIR="$T/tmp" timeout 120 "$EREBUS" run "$T/mon.ini" --json "$T/r.json" >"$T/out" 2>"$T/err" || RC=$?
	assert_eq "$RC" 0 "exit code ($(cat "$T/err"))"
	# The alert fired after the kill, and no sooner than its `for: 2s`.
	local applied fired restarted cleared
	applied=$(json "$T/r.json" '.events[] | select(.kind == "fault.applied") | .t_ms')
	fired=$(json "$T/r.json" '[.events[] | select(.kind == "probe.down" and .subject == "alert" and
		(.detail | startswith("alert DemoWorkerDown is firing: {alertname=\"DemoWorkerDown\"")))][0].t_ms')
	[ "$fired" != null ] || fail "the alert never fired: $(grep -E 'alert|fault' "$T/err")"
	assert_cmp "$fired" ">=" "$(awk -v a="$applied" 'BEGIN { print a + 2000 }')" "the alert fired (ms into the run)"
	# ... before the worker was back (the health probe recovering), and
	# cleared after it.
	restarted=$(json "$T/r.json" '.events[] | select(.kind == "probe.recovered" and .subject == "health") | .t_ms')
	assert_cmp "$fired" "<" "$restarted" "the alert fired before the worker's restart"
	cleared=$(json "$T/r.json" '[.events[] | select(.kind == "probe.healthy" and .subject == "alert")] | last | .t_ms')
	assert_cmp "$cleared" ">" "$restarted" "the alert cleared after the worker's restart"
	note "time to alert $(awk -v a="$applied" -v f="$fired" 'BEGIN { printf "%.0f", f - a }')ms," \
		"cleared $(awk -v r="$restarted" -v c="$cleared" 'BEGIN { printf "%.0f", c - r }')ms after the service recovered"
	# Prometheus and Alertmanager left no storage behind.
	assert_eq "$(ls -A "$T/tmp")" "" "temporary directories left"
}
