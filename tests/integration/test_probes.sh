# SPDX-License-Identifier: MIT
# The probes' checks at run time, end to end, with real processes and a real
# HTTP server: what each check makes of a sample (the report's samples and
# the run's reason), --seed replaying a pick, and UTF-8 text surviving into
# the JSON report and back out of `erebus report`.
#
# Most runs here never reach steady state on purpose: a probe whose check
# fails keeps the run waiting until steady_state_timeout (exit 3), and the
# reason names exactly the probes that were down and why, while the probes
# whose checks pass are not named.

# Start $T/x.ini: an [experiment] NAME that waits 1s at most for steady state.
_experiment() {
	printf '[experiment]\nname = %s\nsteady_state_timeout = 1s\n' "$1" >"$T/x.ini"
}

# The run's reason names probe NAME as down with MESSAGE (or, with MESSAGE
# "-", does not name it).
_assert_reason() {
	local reason
	reason=$(json "$T/r.json" .reason)
	if [ "$2" = - ]; then
		case $reason in *" $1 is down"* | *": $1 is down"*) fail "reason names $1: $reason" ;; esac
	else
		grep -qF "$1 is down ($2)" <<<"$reason" || fail "reason does not name $1 ($2): $reason"
	fi
}

test_http_probe_checks_status_body_and_method() {
	start_demo --no-supervisor
	local u="http://127.0.0.1:$DEMO_PORT"
	_experiment "http-checks"
	cat >>"$T/x.ini" <<EOF2
[probe status-ok]
type = http
url = $u/nope
expect_status = 404
interval = 100ms
[probe status-bad]
type = http
url = $u/health
expect_status = 201-299,304
interval = 100ms
[probe text-bad]
type = http
url = $u/health
expect_body = okay
interval = 100ms
[probe text-ok]
type = http
url = $u/
expect_body = small service
interval = 100ms
[probe regex-bad]
type = http
url = $u/health
expect_body = /^o$/
interval = 100ms
[probe regex-ok]
type = http
url = $u/health
expect_body = /^o+k/
interval = 100ms
[probe post]
type = http
url = $u/health
method = POST
interval = 100ms
[probe head]
type = http
url = $u/health
method = head
interval = 100ms
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json" --samples
	assert_eq "$RC" 3 "exit code"
	assert_eq "$(json "$T/r.json" .verdict)" aborted "verdict"
	assert_samples status-ok ok
	assert_samples status-bad "status 200 (expected 201-299,304)"
	assert_samples text-bad 'body does not contain "okay"'
	assert_samples text-ok ok
	# A regex is matched, not searched for as text ("o+k" is not in "ok").
	assert_samples regex-bad "body does not match /^o$/"
	assert_samples regex-ok ok
	# The demo answers 405 to a POST and 200 to a HEAD: the method was sent,
	# upper-cased.
	assert_samples post "status 405 (expected 200-399)"
	assert_samples head ok
	_assert_reason status-bad "status 200 (expected 201-299,304)"
	_assert_reason text-bad 'body does not contain "okay"'
	_assert_reason regex-bad "body does not match /^o$/"
	_assert_reason post "status 405 (expected 200-399)"
	local p
	for p in status-ok text-ok regex-ok head; do _assert_reason "$p" -; done
}

# max_latency fails exactly the samples slower than it: judged against
# each sample's own latency in the report, not against a clock here.
test_http_probe_max_latency() {
	start_demo --no-supervisor
	_experiment "http-latency"
	cat >>"$T/x.ini" <<EOF2
[probe slow]
type = http
url = http://127.0.0.1:$DEMO_PORT/work?ms=150
max_latency = 100ms
timeout = 5s
interval = 100ms
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json" --samples
	assert_eq "$RC" 3 "exit code"
	local n bad
	n=$(json "$T/r.json" '[.probes[0].samples[] | select(.latency_ms != null)] | length')
	assert_cmp "$n" ">" 0 "samples with a latency"
	# /work?ms=150 burns 150 ms of CPU before it answers: no sample is
	# faster than max_latency, so every one fails, saying how long it took.
	bad=$(json "$T/r.json" '[.probes[0].samples[] | select(.latency_ms != null) |
		select(.ok != (.latency_ms <= 100))] | length')
	assert_eq "$bad" 0 "samples judged against their own latency"
	json "$T/r.json" '.probes[0].samples[] | select(.latency_ms != null) | .error' >"$T/errors"
	grep -vqE '^took [0-9.]+m?s, max_latency 100ms$' "$T/errors" && fail "errors: $(sort -u "$T/errors")"
	json "$T/r.json" .reason | grep -qE '(^|: )slow is down \(took [0-9.]+m?s, max_latency 100ms\)' ||
		fail "reason: $(json "$T/r.json" .reason)"
}

# Start a Python HTTP server on a free port (SERVER_PORT) whose GET handler
# is the Python code on stdin (the body of do_GET, indented 8 spaces); it
# logs to $T/server.log.
_python_server() {
	{
		printf 'import http.server, sys\nclass H(http.server.BaseHTTPRequestHandler):\n    def do_GET(self):\n'
		cat
		printf '    def log_message(self, *a):\n        pass\n'
		printf 's = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)\n'
		printf 'print("listening", file=sys.stderr, flush=True)\ns.serve_forever()\n'
	} >"$T/server.py"
	SERVER_PORT=$(free_port)
	spawn SERVER_PID /usr/bin/python3 "$T/server.py" "$SERVER_PORT" 2>"$T/server.log"
	wait_for_line "$T/server.log" listening 10
}

# A server that answers 200 only when the request carries X-Erebus-Probe: yes,
# and 403 otherwise; it logs "METHOD X-Erebus-Probe=VALUE" per request.
_header_server() {
	_python_server <<'EOF2'
        v = self.headers.get("X-Erebus-Probe")
        print(self.command, "X-Erebus-Probe=%s" % v, file=sys.stderr, flush=True)
        self.send_response(200 if v == "yes" else 403)
        self.send_header("Content-Length", "0")
        self.end_headers()
EOF2
	HDR_PORT=$SERVER_PORT
}

test_http_probe_sends_headers() {
	_header_server
	_experiment "http-headers"
	cat >>"$T/x.ini" <<EOF2
[probe with]
type = http
url = http://127.0.0.1:$HDR_PORT/
headers = X-Erebus-Probe: yes
headers = X-Other: 1
interval = 100ms
[probe without]
type = http
url = http://127.0.0.1:$HDR_PORT/
interval = 100ms
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json" --samples
	assert_eq "$RC" 3 "exit code"
	assert_samples with ok
	assert_samples without "status 403 (expected 200-399)"
	_assert_reason without "status 403 (expected 200-399)"
	_assert_reason with -
	grep -qx 'GET X-Erebus-Probe=yes' "$T/server.log" || fail "header not received: $(sort -u "$T/server.log")"
}

# The 1 MiB limit holds whether the body is kept to be checked
# (expect_body) or only counted (without it), on bodies sent without a
# Content-Length (so libcurl cannot refuse them up front); a body larger
# than the buffer kept between samples is checked whole, sample after
# sample on the probe's one handle.
test_http_body_limit_with_and_without_check() {
	_python_server <<'EOF2'
        n = 1024 * 1024 + 1 if self.path == "/big" else 100 * 1024
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"a" * (n - 3) + b"END")
EOF2
	local port=$SERVER_PORT
	_experiment "http-body-limit"
	local name path expect
	# name, path, expect_body ("-": none)
	while read -r name path expect; do
		printf '[probe %s]\ntype = http\nurl = http://127.0.0.1:%s%s\ninterval = 100ms\n' "$name" "$port" "$path"
		[ "$expect" = - ] || printf 'expect_body = %s\n' "$expect"
	done >>"$T/x.ini" <<'EOF2'
big-counted /big -
big-checked /big END
small-checked /small /a+END$/
small-missing /small nothere
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json" --samples
	assert_eq "$RC" 3 "exit code"
	assert_samples big-counted "response larger than 1 MiB"
	assert_samples big-checked "response larger than 1 MiB"
	assert_samples small-checked ok
	assert_samples small-missing 'body does not contain "nothere"'
	assert_cmp "$(json "$T/r.json" '[.probes[] | select(.name == "small-checked") | .samples[]] | length')" ">=" 2 \
		"samples of small-checked"
}

test_exec_probe_expect_exit() {
	_experiment "exec-exit"
	cat >>"$T/x.ini" <<EOF2
[probe three]
type = exec
command = exit 3
expect_exit = 3
interval = 100ms
[probe zero]
type = exec
command = echo zero; exit 0
expect_exit = 3
interval = 100ms
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json" --samples
	assert_eq "$RC" 3 "exit code"
	assert_samples three ok
	assert_samples zero "exit status 0 (expected 3): zero"
	_assert_reason zero "exit status 0 (expected 3): zero"
	_assert_reason three -
}

# The demo with its supervisor is two processes: erebus-demo and its
# demo-worker, both with the same command line.
test_process_probe_min_count() {
	start_demo
	_experiment "process-count"
	cat >>"$T/x.ini" <<EOF2
[target demo]
cmdline = erebus-demo --port $DEMO_PORT
[probe two]
type = process
target = demo
min_count = 2
interval = 100ms
[probe three]
type = process
target = demo
min_count = 3
interval = 100ms
EOF2
	assert_eq "$(pgrep -f -c "erebus-demo --port $DEMO_PORT")" 2 "processes of the demo"
	run_erebus run "$T/x.ini" --json "$T/r.json" --samples
	assert_eq "$RC" 3 "exit code"
	assert_samples two ok
	assert_samples three "2 processes match, min_count 3"
	_assert_reason three "2 processes match, min_count 3"
	_assert_reason two -
}

# --seed overrides the file's seed, and the same seed picks the same process
# among six; the pick does depend on the seed (other seeds pick others).
test_seed_replays_the_same_pick() {
	local i
	for i in 1 2 3 4 5 6; do
		spawn SLEEPER sleep "100$i.5"
	done
	cat >"$T/x.ini" <<EOF2
[experiment]
name = seeded
seed = 1
hold = 0s
[target sleepers]
process = sleep
cmdline = ^sleep 100[1-6][.]5$
pick = 1
[fault poke]
type = kill
target = sleepers
signal = WINCH
[probe alive]
type = exec
command = true
interval = 100ms
EOF2
	local first="" picks=() seed pid
	for seed in 4242 4242 7 8 9 10 11; do
		run_erebus run "$T/x.ini" --seed "$seed" --json "$T/r.json" --samples
		assert_eq "$RC" 0 "exit code with --seed $seed ($(cat "$T/err"))"
		assert_eq "$(json "$T/r.json" .seed)" "$seed" "seed in the report"
		assert_eq "$(json "$T/r.json" '.faults[0].targets | length')" 1 "processes picked"
		pid=$(json "$T/r.json" '.faults[0].targets[0].pid')
		picks+=("$pid")
	done
	assert_eq "${picks[1]}" "${picks[0]}" "the pick replayed with --seed 4242"
	[ "$(printf '%s\n' "${picks[@]}" | sort -u | wc -l)" -gt 1 ] ||
		fail "every seed picked ${picks[0]}: the pick does not depend on the seed"
}

# UTF-8 in the experiment's name and in a probe's error message is kept in
# the JSON report as text, and `erebus report` shows it again.
test_utf8_survives_into_the_report() {
	_experiment "débit réduit ✓"
	cat >>"$T/x.ini" <<EOF2
[probe vérif]
type = exec
command = echo 'délai dépassé ✗'; exit 1
interval = 100ms
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json" --samples
	assert_eq "$RC" 3 "exit code"
	assert_eq "$(json "$T/r.json" .experiment)" "débit réduit ✓" "experiment name"
	assert_eq "$(json "$T/r.json" '.probes[0].name')" "vérif" "probe name"
	assert_samples vérif "exit status 1 (expected 0): délai dépassé ✗"
	# Raw UTF-8 in the file, not \u escapes or replacement characters.
	grep -qF '"experiment": "débit réduit ✓"' "$T/r.json" || grep -qF '"experiment":"débit réduit ✓"' "$T/r.json" ||
		fail "name not kept as UTF-8: $(grep -o '"experiment"[^,]*' "$T/r.json")"
	RC=0
	"$EREBUS" report "$T/r.json" >"$T/summary" 2>&1 || RC=$?
	assert_eq "$RC" 0 "exit code of erebus report"
	grep -qF "experiment débit réduit ✓: aborted (exit 3)" "$T/summary" || fail "summary: $(cat "$T/summary")"
	grep -qF "vérif is down (exit status 1 (expected 0): délai dépassé ✗)" "$T/summary" ||
		fail "probe message missing from the summary: $(cat "$T/summary")"
}

# A message that quotes at most 200 bytes of the file (an http probe's
# expect_body) stops before a character it would split.
test_http_message_cut_on_a_character() {
	start_demo --no-supervisor
	local e60 want
	e60=$(printf 'é%.0s' $(seq 60))
	_experiment "http-cut"
	cat >>"$T/x.ini" <<EOF2
[probe text]
type = http
url = http://127.0.0.1:$DEMO_PORT/health
expect_body = $e60
  $e60
interval = 100ms
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json" --samples
	assert_eq "$RC" 3 "exit code"
	want="body does not contain \"$e60 $(printf 'é%.0s' $(seq 39))\""
	assert_samples text "$want"
}

# Bytes that are not UTF-8 (a Latin-1 experiment file, a command printing
# Latin-1) become U+FFFD in the JSON report, and an output cut at the
# exec probe's 256 bytes ends on a whole character: `erebus report` and
# `erebus gate` read the report back (they refused it, exit 2).
test_invalid_utf8_is_replaced_in_the_report() {
	_experiment "$(printf 'caf\351')"
	cat >>"$T/x.ini" <<'EOF2'
[probe latin1]
type = exec
command = printf 'caf\351 '; i=0; while [ $i -lt 100 ]; do printf '\342\202\254'; i=$((i+1)); done; exit 1
interval = 100ms
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json" --samples
	assert_eq "$RC" 3 "exit code"
	/usr/bin/python3 -c 'import json, sys; json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "strict"))' \
		"$T/r.json" || fail "the report is not valid UTF-8 JSON"
	assert_eq "$(json "$T/r.json" .experiment)" "caf�" "experiment name"
	local euros
	euros=$(printf '€%.0s' $(seq 83))
	assert_samples latin1 "exit status 1 (expected 0): caf� $euros"
	RC=0
	"$EREBUS" report "$T/r.json" --html "$T/r.html" >"$T/summary" 2>&1 || RC=$?
	assert_eq "$RC" 0 "exit code of erebus report: $(cat "$T/summary")"
	RC=0
	"$EREBUS" gate "$T/r.json" >"$T/gate" 2>&1 || RC=$?
	assert_eq "$RC" 1 "exit code of erebus gate (an aborted run is a breach): $(cat "$T/gate")"
}
