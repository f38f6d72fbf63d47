# SPDX-License-Identifier: MIT
# Reports for people and CI, end to end: `erebus run` writes JSON, JUnit,
# HTML and metrics (and all of them with --report-dir); `erebus report`
# renders them again from the JSON; the JUnit validates against
# tests/junit.xsd, the HTML is well-formed XML and renders in headless
# Chromium, promtool accepts the metrics; `erebus gate` exit codes and
# messages. A test whose tool is missing skips and says which.

FIX=tests/fixtures
PNG_STATS=tests/integration/png_stats.py

# A short run against the demo service: a kill the supervisor repairs and
# a pause; passes. Writes every format under $T.
_real_run() {
	start_demo --restart-delay 300ms
	cat >"$T/x.ini" <<EOF
[experiment]
name = report-kill-and-pause
description = The demo recovers from a crash & a stall <integration>
seed = 5
[target worker]
cmdline = erebus-demo --port $DEMO_PORT
process = demo-worker
[fault kill-worker]
type = kill
target = worker
at = 300ms
[fault pause-worker]
type = pause
target = worker
at = 800ms
duration = 700ms
[probe health]
type = http
url = http://127.0.0.1:$DEMO_PORT/health
interval = 100ms
timeout = 300ms
during = may-fail
recover_within = 3s
[probe worker-alive]
type = process
target = worker
interval = 100ms
during = may-fail
recover_within = 3s
EOF
	mkdir -p "$T/m"
	run_erebus run "$T/x.ini" --json "$T/r.json" --junit "$T/r.xml" --html "$T/r.html" \
		--metrics "$T/m/erebus.prom" --report-dir "$T/all" -q
	[ "$RC" = 0 ] || fail "run exited $RC: $(cat "$T/err")"
}

test_run_writes_every_format() {
	_real_run
	local f ext
	for f in r.json r.xml r.html m/erebus.prom; do
		[ -s "$T/$f" ] || fail "$f was not written"
	done
	# atomic: nothing but the file itself in the metrics directory
	assert_eq "$(ls -A "$T/m")" erebus.prom "metrics directory"
	# --report-dir: the same four, named after the experiment and the start
	assert_eq "$(ls "$T/all" | wc -l)" 4 "files in --report-dir"
	for ext in json xml html prom; do
		f=$(ls "$T/all"/*."$ext")
		[[ $(basename "$f") =~ ^report-kill-and-pause-[0-9]{8}T[0-9]{6}Z\.$ext$ ]] ||
			fail "unexpected name in --report-dir: $f"
	done
	cmp -s "$T/all/"*.json "$T/r.json" || fail "--report-dir JSON differs from --json"
	cmp -s "$T/all/"*.xml "$T/r.xml" || fail "--report-dir JUnit differs from --junit"
	cmp -s "$T/all/"*.html "$T/r.html" || fail "--report-dir HTML differs from --html"
	# the JSON carries what the other formats need: rendered again, the same
	erebus report "$T/r.json" --junit "$T/again.xml" --html "$T/again.html" --metrics "$T/again.prom"
	cmp -s "$T/again.xml" "$T/r.xml" || fail "JUnit from the saved JSON differs: $(diff "$T/r.xml" "$T/again.xml" | head)"
	cmp -s "$T/again.html" "$T/r.html" || fail "HTML from the saved JSON differs: $(diff "$T/r.html" "$T/again.html" | head)"
	cmp -s "$T/again.prom" "$T/m/erebus.prom" || fail "metrics from the saved JSON differ: $(diff "$T/m/erebus.prom" "$T/again.prom" | head)"
	# what the JSON says is what the JUnit says: per probe 4 phases and 2
	# faults' effects, 2 faults, cleanup
	grep -q '<testsuite name="report-kill-and-pause" tests="15" failures="0" errors="0" skipped="0"' "$T/r.xml" ||
		fail "JUnit counts: $(grep '<testsuite ' "$T/r.xml")"
	# no samples unless asked: a timeline, the same for every format
	assert_eq "$(json "$T/r.json" '[.probes[] | has("samples")] | any')" false "samples without --samples"
	[ "$(json "$T/r.json" '[.probes[].timeline.buckets | length] | min')" -gt 10 ] || fail "timeline missing from the JSON"
	assert_eq "$(json "$T/r.json" '.faults[1].windows | length')" 1 "pause windows"
	note "report sizes: json $(stat -c %s "$T/r.json"), junit $(stat -c %s "$T/r.xml"), html $(stat -c %s "$T/r.html"), metrics $(stat -c %s "$T/m/erebus.prom") bytes"
}

test_report_paths_checked_before_the_run() {
	cat >"$T/x.ini" <<EOF
[experiment]
name = never-runs
[probe p]
type = exec
command = true
EOF
	run_erebus run "$T/x.ini" --html /nonexistent/dir/r.html
	assert_eq "$RC" 2 "exit code"
	grep -q "cannot write --html /nonexistent/dir/r.html: /nonexistent/dir" "$T/err" || fail "message: $(cat "$T/err")"
	run_erebus run "$T/x.ini" --junit - --metrics -
	assert_eq "$RC" 2 "two reports on stdout"
	grep -q "only one report can go to stdout" "$T/err" || fail "message: $(cat "$T/err")"
	: >"$T/file"
	run_erebus run "$T/x.ini" --report-dir "$T/file"
	assert_eq "$RC" 2 "--report-dir on a file"
	grep -q "is not a directory" "$T/err" || fail "message: $(cat "$T/err")"
}

test_report_command() {
	local n
	# erebus.report/1 and /2 reports, and /3 ones whose goldens their runs wrote
	for n in passed failed aborted cleanup-failed v2-passed v2-failed v2-halted v3-passed v3-failed v3-halted; do
		erebus report "$FIX/reports/$n.json" --junit - | cmp -s - "$FIX/golden/$n.junit.xml" ||
			fail "erebus report $n --junit differs from the golden file"
		erebus report "$FIX/reports/$n.json" --metrics "$T/$n.prom"
		cmp -s "$T/$n.prom" "$FIX/golden/$n.prom" || fail "erebus report $n --metrics differs from the golden file"
		erebus report "$FIX/reports/$n.json" --html "$T/$n.html"
		cmp -s "$T/$n.html" "$FIX/golden/$n.html" || fail "erebus report $n --html differs from the golden file"
	done
	for n in v3-passed v3-failed v3-halted; do
		# the run printed it to stderr after a blank line
		{ echo; erebus report "$FIX/reports/$n.json"; } | cmp -s - "$FIX/golden/$n.txt" ||
			fail "erebus report $n (the summary) differs from what its run printed"
	done
	run_erebus report "$FIX/reports/failed.json"
	assert_eq "$RC" 0 "summary"
	grep -q "^experiment checkout-survives-pause: failed (exit 1), seed 7" "$T/out" || fail "summary: $(cat "$T/out")"
	printf '{"schema": "erebus.report/1",}' >"$T/bad.json"
	run_erebus report "$T/bad.json" --html "$T/bad.html"
	assert_eq "$RC" 2 "malformed report"
	grep -qF "erebus: $T/bad.json: not valid JSON: line 1, column 30: trailing comma before '}'" "$T/err" ||
		fail "message: $(cat "$T/err")"
	[ ! -e "$T/bad.html" ] || fail "a page was written for a malformed report"
	run_erebus report "$T/missing.json" --html "$T/x.html"
	assert_eq "$RC" 2 "missing report"
	grep -qF "$T/missing.json: No such file or directory" "$T/err" || fail "message: $(cat "$T/err")"
}

test_junit_validates_against_schema() {
	command -v xmllint >/dev/null || skip "xmllint is not installed (Debian package libxml2-utils)"
	local f
	_real_run
	for f in "$T/r.xml" "$FIX"/golden/*.junit.xml; do
		xmllint --noout --schema tests/junit.xsd "$f" 2>"$T/xsd.err" || fail "$f: $(cat "$T/xsd.err")"
	done
	# the schema is not a formality: a testcase without classname, a
	# time with a comma, two outcomes in one testcase are refused
	sed 's/ classname="[^"]*"//' "$FIX/golden/failed.junit.xml" >"$T/bad1.xml"
	sed 's/time="3.104"/time="3,104"/' "$FIX/golden/failed.junit.xml" >"$T/bad2.xml"
	sed 's|<skipped message="[^"]*"/>|&<skipped/>|' "$FIX/golden/aborted.junit.xml" >"$T/bad3.xml"
	grep -q 'classname=' "$T/bad1.xml" && fail "bad1: the edit did not apply"
	grep -q 'time="3,104"' "$T/bad2.xml" || fail "bad2: the edit did not apply"
	grep -q '/><skipped/>' "$T/bad3.xml" || fail "bad3: the edit did not apply"
	for f in "$T"/bad1.xml "$T"/bad2.xml "$T"/bad3.xml; do
		xmllint --noout --schema tests/junit.xsd "$f" 2>/dev/null && fail "$f should not validate"
	done
	return 0
}

test_metrics_pass_promtool() {
	command -v promtool >/dev/null || skip "promtool is not installed (Debian package prometheus)"
	local f
	_real_run
	for f in "$T/m/erebus.prom" "$FIX"/golden/*.prom; do
		promtool check metrics <"$f" >"$T/promtool.out" 2>&1 || fail "$f: $(cat "$T/promtool.out")"
		[ ! -s "$T/promtool.out" ] || fail "$f: promtool lint: $(cat "$T/promtool.out")"
	done
	# promtool is not a formality either
	printf '# HELP erebus_x_count x\n# TYPE erebus_x_count counter\nerebus_x_count 1\n' >"$T/bad.prom"
	promtool check metrics <"$T/bad.prom" >/dev/null 2>&1 && fail "promtool accepted a counter without _total"
	return 0
}

# Render a page with headless Chromium into OUT (.png: a 1280x1600
# screenshot; .pdf: printed). Its profile and temporary files stay in $T;
# its process group is killed at the end of the test whatever happens.
_chromium() {
	local out=$1 page=$2 pid
	local mode=(--screenshot="$out" --window-size=1280,1600 --hide-scrollbars)
	[[ $out == *.pdf ]] && mode=(--print-to-pdf="$out" --no-pdf-header-footer)
	mkdir -p "$T/chromium-profile" "$T/chromium-tmp"
	TMPDIR="$T/chromium-tmp" setsid timeout -k 5 90 chromium --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$T/chromium-profile" "${mode[@]}" "file://$page" >"$T/chromium.log" 2>&1 &
	pid=$!
	defer kill -KILL -- "-$pid"
	wait "$pid" || fail "chromium exited $?: $(tail -n 5 "$T/chromium.log")"
	[ -s "$out" ] || fail "chromium wrote no $out: $(tail -n 5 "$T/chromium.log")"
}

test_html_is_xml_and_renders() {
	command -v xmllint >/dev/null || skip "xmllint is not installed (Debian package libxml2-utils)"
	command -v chromium >/dev/null || skip "chromium is not installed (Debian package chromium)"
	local f stats w h colours ink
	_real_run
	for f in "$T/r.html" "$FIX"/golden/*.html; do
		xmllint --noout "$f" 2>"$T/xml.err" || fail "$f is not well-formed XML: $(cat "$T/xml.err")"
	done
	_chromium "$T/page.png" "$T/r.html"
	stats=$(python3 "$PNG_STATS" "$T/page.png" 1a7f37 0969da bc4c00)
	read -r w h colours ink <<<"$(head -n 1 <<<"$stats")"
	assert_eq "$w" 1280 "screenshot width"
	assert_eq "$h" 1600 "screenshot height"
	# a blank page has one colour; this one has text, tables and plots
	assert_cmp "$colours" ">" 50 "distinct colours in the screenshot"
	assert_cmp "$ink" ">" 0.05 "share of non-white pixels"
	# the CSS and the SVG took effect: the green verdict badge, blue
	# sample dots, the orange fault marks
	assert_cmp "$(awk '$1 == "1a7f37" { print $2 }' <<<"$stats")" ">" 100 "pixels of the passed badge's green"
	assert_cmp "$(awk '$1 == "0969da" { print $2 }' <<<"$stats")" ">" 20 "pixels of sample dots"
	assert_cmp "$(awk '$1 == "bc4c00" { print $2 }' <<<"$stats")" ">" 20 "pixels of fault marks"
	# a failed run shows red
	_chromium "$T/failed.png" "$PWD/$FIX/golden/failed.html"
	stats=$(python3 "$PNG_STATS" "$T/failed.png" cf222e)
	assert_cmp "$(awk '$1 == "cf222e" { print $2 }' <<<"$stats")" ">" 100 "pixels of the failed badge's red"
	# and it prints
	_chromium "$T/page.pdf" "$T/r.html"
	head -c 5 "$T/page.pdf" | grep -q '%PDF-' || fail "not a PDF"
	note "HTML $(stat -c %s "$T/r.html") bytes; screenshot ${w}x$h, $colours colours, ${ink} ink; PDF $(stat -c %s "$T/page.pdf") bytes"
}

# ---- erebus gate -----------------------------------------------------------

_gate() {
	run_erebus gate "$@"
}

test_gate_passes() {
	_gate "$FIX/reports/passed.json"
	assert_eq "$RC" 0 "exit code"
	assert_eq "$(cat "$T/out")" "gate: every report passed; probes: all; faults: all
gate: passed: 1 report, every threshold met" "output"
	_gate "$FIX/reports/passed.json" --max-recovery 1s --min-availability 90%
	assert_eq "$RC" 0 "within thresholds"
}

test_gate_breaches() {
	local P=$FIX/reports/passed.json F=$FIX/reports/failed.json
	_gate "$F"
	assert_eq "$RC" 1 "failed run"
	grep -qxF "$F: checkout-survives-pause: verdict failed (exit 1): a probe failed; see probes" "$T/out" ||
		fail "verdict line: $(cat "$T/out")"
	_gate "$P" --max-recovery 300ms
	assert_eq "$RC" 1 "--max-recovery"
	grep -qxF "$P: worker-crash-and-stall: worker-alive: time to recover 399ms is over --max-recovery 300ms" "$T/out" ||
		fail "recovery line: $(cat "$T/out")"
	_gate "$F" --max-recovery 10s
	grep -qxF "$F: checkout-survives-pause: cache-alive: did not recover (--max-recovery 10.00s)" "$T/out" ||
		fail "not recovered line: $(cat "$T/out")"
	_gate "$P" --min-availability 99.5%
	assert_eq "$RC" 1 "--min-availability"
	grep -qxF "$P: worker-crash-and-stall: health: availability 90.9% of samples in the fault window (erebus.report/1) is under --min-availability 99.5%" "$T/out" ||
		fail "availability line: $(cat "$T/out")"
	assert_eq "$(grep -c ': availability ' "$T/out")" 2 "one line per breach"
	_gate "$P" "$F"
	assert_eq "$RC" 1 "one of two failed"
	assert_eq "$(tail -n 1 "$T/out")" "gate: failed: 1 breach in 2 reports" "summary"
}

test_gate_baseline() {
	local P=$FIX/reports/passed.json
	# the same run as its own baseline: no regression, and the table
	_gate "$P" --baseline "$P" --max-regression 10%
	assert_eq "$RC" 0 "against itself"
	grep -q "^baseline $P (worker-crash-and-stall, 2026-11-27T07:00:34.879Z): allowed regression 10%" "$T/out" ||
		fail "table header: $(cat "$T/out")"
	assert_eq "$(grep -c '  ok$' "$T/out")" 6 "rows"
	# a run where recovery took twice as long and p95 grew by 50%
	jq '(.probes[1].time_to_recover_ms) *= 2 | (.probes[0].phases.during.latency_ms.p95) *= 1.5' "$P" >"$T/new.json"
	_gate "$T/new.json" --baseline "$P" --max-regression 20%
	assert_eq "$RC" 1 "regressed"
	grep -qxF "$T/new.json: worker-crash-and-stall: worker-alive: time to recover regressed: baseline 399ms, now 797ms (+100%, more than --max-regression 20%)" "$T/out" ||
		fail "time to recover line: $(cat "$T/out")"
	grep -qxF "$T/new.json: worker-crash-and-stall: health: p95 in fault window regressed: baseline 400ms, now 600ms (+50%, more than --max-regression 20%)" "$T/out" ||
		fail "p95 line: $(cat "$T/out")"
	_gate "$T/new.json" --baseline "$P" --max-regression 150%
	assert_eq "$RC" 0 "within a larger allowance"
	# a baseline of another experiment compares nothing: that fails
	_gate "$P" --baseline "$FIX/reports/failed.json"
	assert_eq "$RC" 1 "other experiment"
	grep -qF "the baseline is experiment checkout-survives-pause, and no report given is" "$T/out" ||
		fail "message: $(cat "$T/out")"
}

# erebus.report/2: per-fault figures, --probe, --fault, --max-detect, from
# the command line with its exit codes (gate-v2.json: a pause, stop, then a
# kill whose recovery took 1.00s for health and 1.10s for alive).
test_gate_per_fault() {
	local V=$FIX/reports/gate-v2.json
	_gate "$V" --max-recovery 1.05s
	assert_eq "$RC" 1 "the kill's recovery for alive"
	grep -qxF "$V: pause-then-kill: alive: time to recover 1.10s after [fault kill] is over --max-recovery 1.05s" "$T/out" ||
		fail "recovery line: $(cat "$T/out")"
	_gate "$V" --max-recovery 1.05s --probe health
	assert_eq "$RC" 0 "health alone: $(cat "$T/out")"
	head -n 1 "$T/out" | grep -qxF "gate: every report passed, time to recover at most 1.05s; probes: health; faults: all" ||
		fail "first line: $(head -n 1 "$T/out")"
	_gate "$V" --max-recovery 1s --fault stop
	assert_eq "$RC" 0 "the pause alone"
	_gate "$V" --max-detect 50ms --fault kill --probe alive
	assert_eq "$RC" 1 "--max-detect"
	assert_eq "$(grep -c ': time to detect' "$T/out")" 1 "one probe, one fault"
	_gate "$V" --fault stpo
	assert_eq "$RC" 1 "a fault name that matches nothing"
	grep -qxF -- "--fault stpo: no report has a fault of that name" "$T/out" || fail "typo line: $(cat "$T/out")"
	# a /1 baseline of the same experiment: compared, and said to be /1
	jq '.experiment = "pause-then-kill"' "$FIX/reports/passed.json" >"$T/old.json"
	_gate "$V" --baseline "$T/old.json"
	grep -qF "the baseline is erebus.report/1" "$T/out" || fail "no /1 line: $(cat "$T/out")"
}

test_gate_usage_errors() {
	_gate
	assert_eq "$RC" 2 "no report"
	grep -q "give at least one JSON report" "$T/err" || fail "message: $(cat "$T/err")"
	_gate "$FIX/reports/passed.json" --max-recovery soon
	assert_eq "$RC" 2 "bad duration"
	grep -q -- "--max-recovery takes a duration like 500ms or 5s, not \"soon\"" "$T/err" || fail "message: $(cat "$T/err")"
	_gate "$FIX/reports/passed.json" --min-availability lots
	assert_eq "$RC" 2 "bad percentage"
	_gate "$FIX/reports/passed.json" --min-availability 0.95
	assert_eq "$RC" 2 "a percentage without its sign"
	grep -qF -- '--min-availability: "0.95" needs a % sign: write 95% or 0.95%' "$T/err" || fail "message: $(cat "$T/err")"
	_gate "$FIX/reports/passed.json" --max-regression 10%
	assert_eq "$RC" 2 "--max-regression without --baseline"
	grep -q -- "--max-regression needs --baseline" "$T/err" || fail "message: $(cat "$T/err")"
	_gate "$T/missing.json"
	assert_eq "$RC" 2 "missing report"
	echo '{"schema": "erebus.report/9"}' >"$T/future.json"
	_gate "$T/future.json"
	assert_eq "$RC" 2 "unknown schema"
	grep -qF "schema: \"erebus.report/9\" is not a schema this erebus reads (erebus.report/3, erebus.report/2 or erebus.report/1)" "$T/err" ||
		fail "message: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "printed a verdict for an unreadable report: $(cat "$T/out")"
}

# A report larger than the reader takes is refused with the limit and why
# it is there, not called a file Erebus did not write (a long run can write
# one that large).
test_report_too_large_names_the_limit() {
	truncate -s 65M "$T/big.json"
	RC=0
	"$EREBUS" report "$T/big.json" >"$T/out" 2>"$T/err" || RC=$?
	assert_eq "$RC" 2 "exit code"
	grep -q "big.json: larger than 64 MiB, the most Erebus reads back (its reports stay under it: about 120 KiB a probe" "$T/err" ||
		fail "$(cat "$T/err")"
	RC=0
	"$EREBUS" gate "$T/big.json" >"$T/out" 2>"$T/err" || RC=$?
	assert_eq "$RC" 2 "gate exit code"
	grep -q "larger than 64 MiB, the most Erebus reads back" "$T/err" || fail "$(cat "$T/err")"
}
