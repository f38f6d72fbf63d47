# SPDX-License-Identifier: MIT
# Announcing chaos while a run goes: [experiment] annotate POSTs a JSON
# event to a webhook at each fault applied and reverted (received here by
# tests/integration/webhook.py on loopback), and `erebus run --metrics
# PATH` rewrites PATH with erebus_fault_active and erebus_run_active as
# faults come and go. A webhook that fails, hangs or is down never changes
# the verdict; the engine's loop never waits for it.

WEBHOOK="$(dirname "${BASH_SOURCE[0]}")/webhook.py"
PROMTOOL=/usr/bin/promtool

# Start the receiver answering STATUS (default 200); its URL in HOOK, the
# bodies it receives, a line each, in $T/hooks.
_start_webhook() {
	rm -f "$T/hook.port"
	spawn HOOK_PID /usr/bin/python3 "$WEBHOOK" "$T/hook.port" "$T/hooks" "$@"
	timeout 10 bash -c 'until [ -s "$1" ]; do sleep 0.05; done' _ "$T/hook.port" || fail "the webhook did not start"
	HOOK="http://127.0.0.1:$(cat "$T/hook.port")/hook"
}

# $T/x.ini: a sleeping process, a SIGURG to it (ignored: nothing breaks),
# and a 500ms pause of it; annotate = $1; more [experiment] keys in $2.
_experiment() {
	cat >"$T/x.ini" <<EOF2
[experiment]
name = announce
annotate = $1
hold = 0s
${2:-}
[target sleeper]
command = sleep 600

[fault poke]
type = kill
signal = SIGURG
target = sleeper
at = 100ms

[fault freeze]
type = pause
target = sleeper
at = 300ms
duration = 500ms

[probe alive]
type = process
target = sleeper
interval = 100ms
EOF2
}

# The events of kind KIND in $T/r.json, one detail a line.
_events() {
	json "$T/r.json" ".events[] | select(.kind == \"$1\") | .detail"
}

test_annotate_posts_each_fault_applied_and_reverted() {
	_start_webhook
	_experiment "$HOOK"
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 0 "exit code ($(cat "$T/err"))"
	assert_eq "$(_events annotate.failed)" "" "annotate.failed events"
	# The run's end waits for the last post, so every one is in.
	assert_eq "$(wc -l <"$T/hooks")" 3 "posts: poke applied, freeze applied, freeze reverted"
	assert_eq "$(jq -r '[.fault, .type, .event] | join(" ")' "$T/hooks" | paste -sd,)" \
		"poke kill applied,freeze pause applied,freeze pause reverted" "fault, type, event of each post"
	local seed
	seed=$(json "$T/r.json" .seed)
	jq -e --arg seed "$seed" '. as $p | .experiment == "announce" and (.run_seed | tostring) == $seed and
		(.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")) and
		(.text | startswith("announce: fault " + $p.fault + " (" + $p.type + ") " + $p.event)) and
		(keys == ["event", "experiment", "fault", "run_seed", "text", "time", "type"])' "$T/hooks" >/dev/null ||
		fail "a post lacks a field or has a wrong one: $(cat "$T/hooks")"
	# Each post's time is its fault's: applied before reverted, in order.
	assert_eq "$(jq -r .time "$T/hooks" | sort -c && echo sorted)" sorted "times in order"
}

test_annotate_webhook_answering_500_is_logged_once() {
	_start_webhook 500
	_experiment "$HOOK"
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 0 "exit code ($(cat "$T/err"))"
	assert_eq "$(json "$T/r.json" .verdict)" passed "verdict"
	assert_eq "$(wc -l <"$T/hooks")" 3 "posts received (and answered 500)"
	assert_eq "$(_events annotate.failed | wc -l)" 1 "annotate.failed events"
	_events annotate.failed | grep -q "^POST $HOOK: the server answered HTTP status 500; the run goes on" ||
		fail "annotate.failed: $(_events annotate.failed)"
	grep -q "annotate.failed" "$T/err" || fail "annotate.failed not logged: $(cat "$T/err")"
}

test_annotate_webhook_down_is_logged_once() {
	_experiment "http://127.0.0.1:$(free_port)/hook"	# nothing listens there
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 0 "exit code ($(cat "$T/err"))"
	assert_eq "$(json "$T/r.json" .verdict)" passed "verdict"
	assert_eq "$(_events annotate.failed | wc -l)" 1 "annotate.failed events"
	_events annotate.failed | grep -qi "connect" || fail "annotate.failed: $(_events annotate.failed)"
}

# A webhook that takes connections but never answers: the pause is
# reverted on time (before the post of its application gives up, 2s
# after it), the posts beyond 8 in flight are dropped and counted, and
# the run ends once the last post has given up.
test_annotate_hanging_webhook_does_not_hold_the_run() {
	local port
	port=$(free_port)
	spawn HANG_PID /usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); print("listening", flush=True); time.sleep(600)' "$port"
	wait_for_line "$T/spawned.out" "^listening" 10
	_experiment "http://127.0.0.1:$port/hook"
	# 20 more SIGURGs, 50ms apart: more posts than may be in flight.
	cat >>"$T/x.ini" <<EOF2
[fault pokes]
type = kill
signal = SIGURG
target = sleeper
at = 0s
every = 50ms
duration = 950ms
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 0 "exit code ($(cat "$T/err"))"
	_events annotate.failed | grep -qi "timed out" || fail "annotate.failed: $(_events annotate.failed)"
	# The loop went on while the first post hung: the revert came first.
	assert_eq "$(json "$T/r.json" '[.events[].kind | select(. == "fault.reverted" or . == "annotate.failed")] | join(",")')" \
		"fault.reverted,annotate.failed" "order of the revert and the failed post"
	local posts dropped
	posts=$(json "$T/r.json" '[.faults[].applications] | add + 1')	# + the pause's revert
	dropped=$(_events annotate.dropped | sed -n 's/^\([0-9]*\) events\{0,1\} not posted to .*: 8 posts were in flight already$/\1/p')
	assert_eq "$dropped" "$((posts - 8))" "posts dropped (of $posts, 8 in flight: $(_events annotate.dropped))"
}

# The plan names the webhook; a password in its URL is shown nowhere
# (plan, events, report), though it is sent.
test_annotate_in_the_plan_without_its_password() {
	_start_webhook 500
	_experiment "${HOOK/http:\/\//http://erebus:s3cret@}"
	run_erebus plan "$T/x.ini"
	assert_eq "$RC" 0 "exit code ($(cat "$T/err"))"
	grep -qxF "annotate: POST a JSON event to ${HOOK/http:\/\//http://erebus:***@} at each fault applied and reverted" "$T/out" ||
		fail "no annotate line in the plan: $(cat "$T/out")"
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 0 "exit code ($(cat "$T/err"))"
	_events annotate.failed | grep -qF "POST ${HOOK/http:\/\//http://erebus:***@}: " || fail "annotate.failed: $(_events annotate.failed)"
	! grep -q s3cret "$T/out" "$T/err" "$T/r.json" || fail "the password is shown"
}

test_annotate_key_is_validated() {
	_experiment "ftp://127.0.0.1/hook"
	run_erebus validate "$T/x.ini"
	assert_eq "$RC" 2 "exit code"
	grep -qF "x.ini:3: [experiment] annotate: \"ftp://127.0.0.1/hook\" is not an http:// or https:// URL" "$T/err" ||
		fail "message: $(cat "$T/err")"
}

# The metrics file while a fault is active says so, and after the run
# every fault is 0 and the run is over; promtool accepts both.
test_live_metrics_shade_an_active_fault() {
	_experiment "http://127.0.0.1:1/unused"
	sed -i '/^annotate = /d; s/^duration = 500ms$/duration = 60s/' "$T/x.ini"
	"$EREBUS" run "$T/x.ini" --metrics "$T/m.prom" --json "$T/r.json" >"$T/out" 2>"$T/err" &
	ERB=$!
	defer kill -KILL "$ERB"
	wait_for_line "$T/err" "fault.applied +freeze" 15
	grep -qx 'erebus_fault_active{experiment="announce",fault="freeze"} 1' "$T/m.prom" ||
		fail "freeze not active in $(cat "$T/m.prom")"
	grep -qx 'erebus_fault_active{experiment="announce",fault="poke"} 0' "$T/m.prom" ||
		fail "poke (a single kill: a moment) active in $(cat "$T/m.prom")"
	grep -qx 'erebus_run_active{experiment="announce"} 1' "$T/m.prom" || fail "run not active: $(cat "$T/m.prom")"
	[ ! -x "$PROMTOOL" ] || "$PROMTOOL" check metrics <"$T/m.prom" || fail "promtool: the live file"
	stop_run
	assert_eq "$RC" 3 "exit code after Ctrl-C ($(cat "$T/err"))"
	# No chaos shown as under way once the run is over: both families at 0.
	grep -qx 'erebus_fault_active{experiment="announce",fault="freeze"} 0' "$T/m.prom" ||
		fail "freeze still active, or missing, in $(cat "$T/m.prom")"
	grep -qx 'erebus_run_active{experiment="announce"} 0' "$T/m.prom" || fail "run still active: $(cat "$T/m.prom")"
	grep -q '^erebus_experiment_exit_code{experiment="announce"} 3$' "$T/m.prom" || fail "no report metrics: $(cat "$T/m.prom")"
	[ ! -x "$PROMTOOL" ] || "$PROMTOOL" check metrics <"$T/m.prom" || fail "promtool: the final file"
}
