# SPDX-License-Identifier: MIT
# A long run at a high rate keeps Erebus' memory and report bounded
# (docs/report-schema.md, "Figures without samples"): 42 probes sampling
# some 2,000 times a second for 10 minutes (about a million samples, which
# the per-sample storage of erebus.report/2 would have kept at some 250 MB)
# against the demo service. Every bound comes from the run's own report:
# its memory grew by less than 2 bytes per sample it took after the
# steady state (per-sample storage needs 24 or more) and by at most 2 MiB
# (what the figures' fixed-size histograms and timelines touch as they
# fill); the report is under 5 MB and reads back, and the HTML and JUnit
# made from it are those the run wrote.
#
# EREBUS_LONGRUN=DURATION shortens it for a quick local check (default
# 10m, as CI runs it). Under AddressSanitizer, whose quarantine holds
# freed memory by design, the run lasts one minute and the memory bound
# is not judged (the report's are).

_longrun_experiment() {
	local i
	spawn IDLE sleep 3600
	cat >"$T/x.ini" <<EOF2
[experiment]
name = long-run
description = Memory and report size do not grow with the run's length
hold = 0s
steady_state_timeout = 30s

[target idle]
pid = $IDLE

[fault hold-still]
type = pause
target = idle
duration = $1
EOF2
	for i in $(seq 1 20); do
		printf '\n[probe port-%s]\ntype = tcp\nhost = 127.0.0.1\nport = %s\ninterval = 10ms\ntimeout = 1s\nhealthy_after = 1\nduring = may-fail\n' \
			"$i" "$DEMO_PORT" >>"$T/x.ini"
		printf '\n[probe idle-%s]\ntype = process\ntarget = idle\ninterval = 10ms\nhealthy_after = 1\nduring = may-fail\n' \
			"$i" >>"$T/x.ini"
	done
	for i in 1 2; do
		printf '\n[probe http-%s]\ntype = http\nurl = http://127.0.0.1:%s/\ninterval = 100ms\nreuse = yes\nhealthy_after = 1\nduring = may-fail\n' \
			"$i" "$DEMO_PORT" >>"$T/x.ini"
	done
}

test_long_run_memory_and_report_stay_bounded() {
	local dur=${EREBUS_LONGRUN:-10m} asan=0 samples grown
	if nm -D "$EREBUS" 2>/dev/null | grep -q __asan_init || nm "$EREBUS" 2>/dev/null | grep -q __asan_init; then
		asan=1
		dur=1m
	fi
	start_demo --no-supervisor
	_longrun_experiment "$dur"
	run_erebus run "$T/x.ini" --json "$T/r.json" --junit "$T/r.xml" --html "$T/r.html"
	assert_eq "$RC" 0 "exit code ($(tail -n 5 "$T/err"))"
	samples=$(json "$T/r.json" '[.probes[].phases | .during.samples + .after.samples] | add')
	grown=$(json "$T/r.json" '(.erebus_usage.max_rss_kib - .erebus_usage.rss_at_steady_kib) * 1024')
	note "$dur: $samples samples after the steady state; memory $(json "$T/r.json" .erebus_usage.rss_at_steady_kib) KiB at the steady state, peak $(json "$T/r.json" .erebus_usage.max_rss_kib) KiB; report $(stat -c %s "$T/r.json") bytes, HTML $(stat -c %s "$T/r.html"); CPU $(json "$T/r.json" '.erebus_usage | .cpu_user_ms + .cpu_system_ms') ms"
	assert_cmp "$samples" ">" 10000 "samples taken"
	if [ "$asan" = 0 ]; then
		assert_cmp "$grown" "<" "$((samples * 2))" "memory grown (bytes) against 2 bytes a sample"
		assert_cmp "$grown" "<=" "$((2 * 1024 * 1024))" "memory grown (bytes)"
	fi
	assert_cmp "$(stat -c %s "$T/r.json")" "<" 5000000 "JSON report size"
	assert_eq "$(json "$T/r.json" '[.probes[] | has("samples")] | any')" false "samples kept without --samples"
	assert_cmp "$(json "$T/r.json" '[.probes[].timeline.buckets | length] | max')" "<=" 512 "timeline buckets"
	erebus report "$T/r.json" --junit "$T/again.xml" --html "$T/again.html" ||
		fail "the report does not read back"
	cmp -s "$T/again.xml" "$T/r.xml" || fail "JUnit from the saved report differs"
	cmp -s "$T/again.html" "$T/r.html" || fail "HTML from the saved report differs"
}
