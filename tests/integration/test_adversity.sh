# SPDX-License-Identifier: MIT
# The engine under adversity (issue 16): a launched command that dies, job
# control signals, a planted pidfile, a hostile cmdline pattern, another
# run's engine and guardian as targets.

# A probe that always passes, for runs that judge something else; $1: one
# more line for it.
probe_p() {
	printf '[probe p]\ntype = exec\ncommand = true\ninterval = 100ms\n%s' "${1:-}"
}

# The issue's nginx case with two real servers: the test's own server
# holds the port, so the server the experiment launches cannot bind and
# exits at once; the probe reaches the test's server and passes. The run
# must notice the launched server's exit: an event with its status and the
# last lines of its stderr, and a failed run with its own reason.
test_launched_server_that_cannot_bind_fails_the_run() {
	start_demo --no-supervisor
	cat >"$T/x.ini" <<EOF2
[experiment]
name = port-taken
hold = 0s
[target web]
command = $DEMO --no-supervisor --port $DEMO_PORT
[target sleeper]
command = sleep 60
[fault pause]
type = pause
target = sleeper
at = 2s
duration = 1s
[probe health]
type = http
url = http://127.0.0.1:$DEMO_PORT/health
interval = 100ms
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json" --junit "$T/r.xml"
	assert_eq "$RC" 1 "exit code ($(tail -5 "$T/err"))"
	assert_eq "$(json "$T/r.json" .verdict)" failed "verdict"
	local ev
	ev=$(json "$T/r.json" '.events[] | select(.kind == "target.exited") | .subject + ": " + .detail')
	[ -n "$ev" ] || fail "no target.exited event: $(json "$T/r.json" '[.events[].kind]')"
	echo "$ev" | grep -q "^web: pid [0-9]* exited (exit status 1); the last lines of its stderr:" || fail "event: $ev"
	echo "$ev" | grep -q "cannot listen on 127.0.0.1 port $DEMO_PORT: Address already in use" || fail "event: $ev"
	json "$T/r.json" .reason |
		grep -qx "\[target web\] exited while the run needed it (exit status 1): erebus-demo: cannot listen on 127.0.0.1 port $DEMO_PORT: Address already in use" ||
		fail "reason: $(json "$T/r.json" .reason)"
	grep -q "exited while the run needed it" "$T/r.xml" || fail "JUnit does not say why: $(cat "$T/r.xml")"
	grep -q "exited while the run needed it" "$T/err" || fail "the text summary does not say why"
	# Nothing was injected: the fault was due 2 s after a steady state
	assert_eq "$(json "$T/r.json" '.faults[0].applied_at_ms')" null "fault applied"
	# and the stderr was not shown without -v, only kept
	grep -q "Address already in use" <(grep -v 'target.exited\|^ \|exited while' "$T/err") &&
		fail "the command's stderr went to Erebus' stderr without -v: $(cat "$T/err")"
	true
}

# Under -v the launched command's stderr is still forwarded as it comes.
test_launched_stderr_forwarded_under_verbose() {
	cat >"$T/x.ini" <<EOF2
[experiment]
name = chatty
[target talker]
command = sh -c "echo hello-from-the-command >&2; exec sleep 60"
[probe alive]
type = process
target = talker
interval = 100ms
EOF2
	run_erebus run -v "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 0 "exit code ($(tail -5 "$T/err"))"
	grep -qx "hello-from-the-command" "$T/err" || fail "stderr not forwarded: $(cat "$T/err")"
	assert_eq "$(json "$T/r.json" '[.events[] | select(.kind == "target.exited")] | length')" 0 "exit events"
}

# A pidfile replaced by a FIFO (or a symbolic link) is refused with a
# message naming it, at the start of a run and when a fault picks its
# targets again in the middle of one; nothing blocks in open(), so the
# run still ends on Ctrl-C with its pause reverted.
test_pidfile_fifo_or_link_is_refused_not_blocked_on() {
	spawn SLEEPER sleep 1000
	spawn OTHER sleep 1001
	mkfifo "$T/fifo"
	ln -s "$T/real.pid" "$T/link.pid"
	echo "$SLEEPER" >"$T/real.pid"
	local f
	for f in fifo link.pid; do
		cat >"$T/x.ini" <<EOF2
[experiment]
name = planted-$f
[target svc]
pidfile = $T/$f
[fault poke]
type = kill
target = svc
signal = WINCH
$(probe_p)
EOF2
		RC=0
		timeout -k 2 20 "$EREBUS" run "$T/x.ini" >"$T/out" 2>"$T/err" || RC=$?
		assert_eq "$RC" 2 "exit code with pidfile = $f ($(cat "$T/err"))"
	done
	grep -q "pidfile $T/link.pid is a symbolic link" "$T/err" || fail "message: $(cat "$T/err")"

	# In the middle of a run, with a pause applied to another process.
	echo "$SLEEPER" >"$T/svc.pid"
	cat >"$T/x.ini" <<EOF2
[experiment]
name = planted-later
[target svc]
pidfile = $T/svc.pid
[target other]
pid = $OTHER
[fault hold]
type = pause
target = other
duration = 60s
[fault poke]
type = kill
target = svc
signal = WINCH
every = 200ms
duration = 60s
$(probe_p "during = may-fail")
EOF2
	"$EREBUS" run "$T/x.ini" --json "$T/r.json" 2>"$T/err" &
	ERB=$!
	defer kill -KILL "$ERB"
	wait_for_line "$T/err" "fault.applied +poke" 10
	rm "$T/svc.pid"
	mkfifo "$T/svc.pid"
	wait_for_line "$T/err" "pidfile $T/svc.pid is a FIFO, not a regular file: Erebus refuses to read it" 10
	assert_eq "$(proc_state "$OTHER")" T "paused process during the run"
	stop_run
	assert_eq "$RC" 3 "exit code after Ctrl-C"
	assert_eq "$(proc_state "$OTHER")" S "paused process after the run"
}

# A cmdline pattern with a back-reference spun the engine at 100% (and
# `erebus plan` past 30 s); 100 bytes of nested repetition made validate
# take 20 s and 4 GB. Both are refused with the reason, at once (timeout
# is only a safety net against a hang).
test_cmdline_regex_without_bound_is_refused() {
	local nested='((((((((((a{1,9}){1,9}){1,9}){1,9}){1,9}){1,9}){1,9}){1,9}){1,9}){1,9})'
	cat >"$T/x.ini" <<EOF2
[experiment]
name = hostile-patterns
[target backref]
cmdline = ^(.*)(.*)(.*)\3\2\1x$
[target nested]
cmdline = $nested
[probe p]
type = exec
command = true
EOF2
	local cmd
	for cmd in validate plan; do
		RC=0
		timeout -k 2 60 "$EREBUS" "$cmd" "$T/x.ini" >"$T/out" 2>"$T/err" || RC=$?
		assert_eq "$RC" 2 "$cmd exit code ($(cat "$T/err"))"
		grep -qF "x.ini:4: [target backref] cmdline: \"^(.*)(.*)(.*)\\3\\2\\1x\$\" has a back-reference (\\3): Erebus refuses them, their matching time has no bound (match the text itself)" "$T/err" ||
			fail "$cmd: $(cat "$T/err")"
		grep -qF "x.ini:6: [target nested] cmdline: \"$nested\" has repetitions that expand to more than 1000 parts (nested counts multiply): Erebus refuses it (simplify it)" "$T/err" ||
			fail "$cmd: $(cat "$T/err")"
	done
}

# Two runs at once (each with its own run directory): the second may not
# pick the first one's guardian or engine, by pattern or by pid.
test_runs_refuse_each_others_engine_and_guardian() {
	spawn SLEEPER sleep 1000
	# (run directories: Erebus makes each, mode 0700)
	cat >"$T/one.ini" <<EOF2
[experiment]
name = first
[target s]
pid = $SLEEPER
[fault hold]
type = pause
target = s
duration = 60s
$(probe_p "during = may-fail")
EOF2
	EREBUS_RUN_DIR=$T/run1 "$EREBUS" run "$T/one.ini" 2>"$T/err1" &
	ERB=$!
	defer kill -KILL "$ERB"
	wait_for_line "$T/err1" "fault.applied" 10
	local guard
	guard=$(pgrep -P "$ERB" -x erebus-guard) || fail "the first run's guardian was not found"
	two() { # SELECTOR
		cat >"$T/two.ini" <<EOF2
[experiment]
name = second
[target e]
$1
[fault freeze]
type = pause
target = e
duration = 200ms
$(probe_p)
EOF2
		RC=0
		EREBUS_RUN_DIR=$T/run2 "$EREBUS" run "$T/two.ini" --json "$T/r2.json" >"$T/out" 2>"$T/err" || RC=$?
		assert_eq "$(proc_state "$guard")" S "the first run's guardian, after a run with $1"
		assert_eq "$(proc_state "$ERB")" S "the first run's engine, after a run with $1"
		assert_eq "$RC" 2 "exit code with $1 ($(cat "$T/err"))"
	}
	two "process = erebus-guard"
	grep -q "two.ini:3: \[target e\]: no process matches its selectors now" "$T/err" || fail "$(cat "$T/err")"
	two "process = erebus"
	grep -q "two.ini:3: \[target e\]: no process matches its selectors now" "$T/err" || fail "$(cat "$T/err")"
	two "pid = $guard"
	grep -q "Erebus refuses pid $guard: it is the guardian of another Erebus run" "$T/err" || fail "$(cat "$T/err")"
	two "pid = $ERB"
	grep -q "Erebus refuses pid $ERB: it is another Erebus process (the engine of another run, or an erebus command)" "$T/err" ||
		fail "$(cat "$T/err")"
	assert_eq "$(proc_state "$SLEEPER")" T "the first run's pause, still applied"
	stop_run
	assert_eq "$RC" 3 "the first run's exit code after Ctrl-C"
	assert_eq "$(proc_state "$SLEEPER")" S "the first run's target after it"
}

# A target stopped by job control before the run (a background cat that
# read its terminal: SIGTTIN) is not Erebus' to resume: the pause leaves it
# as it is and says so, and it is no leftover of Erebus (it was exit 4:
# Erebus' SIGCONT woke it, it read the terminal and stopped again).
test_target_stopped_by_job_control_is_left_alone() {
	command -v script >/dev/null || skip "needs script (util-linux) for a terminal"
	# shellcheck disable=SC2016
	spawn SCRIPT script -qfc 'bash -c "set -m; cat & c=\$!; until [[ \$(jobs -l) == *Stopped* ]]; do sleep 0.05; done; echo \$c >\$0; sleep 60" '"$T/cat.pid" /dev/null
	wait_for_line "$T/cat.pid" "^[0-9]+$" 10
	local cat
	cat=$(cat "$T/cat.pid")
	defer kill -KILL "$cat"
	assert_eq "$(proc_state "$cat")" T "the background cat, stopped by its terminal"
	cat >"$T/x.ini" <<EOF2
[experiment]
name = job-control
hold = 0s
[target c]
pid = $cat
[fault hold]
type = pause
target = c
duration = 300ms
$(probe_p)
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 0 "exit code ($(grep -E 'leftover|verdict' "$T/err"))"
	assert_eq "$(json "$T/r.json" '.cleanup.leftovers | length')" 0 "leftovers"
	json "$T/r.json" '.events[] | select(.kind == "fault.note") | .detail' |
		grep -qx "pid $cat (cat) was already stopped before this fault (job control, a debugger): left as it is, and not resumed by it" ||
		fail "no note: $(json "$T/r.json" '[.events[] | .kind + " " + .detail]')"
	assert_eq "$(proc_state "$cat")" T "the cat after the run, as it was"
}

# A launched command that a fault of the run kills is the experiment's
# doing: the exit is an event, and the probes judge the run.
test_launched_command_killed_by_a_fault_is_left_to_the_probes() {
	cat >"$T/x.ini" <<EOF2
[experiment]
name = kill-launched
hold = 0s
[target s]
command = sleep 60
[fault stop-it]
type = kill
target = s
$(probe_p)
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 0 "exit code ($(tail -5 "$T/err"))"
	json "$T/r.json" '.events[] | select(.kind == "target.exited") | .detail' |
		grep -qx "pid [0-9]* exited (killed by SIGKILL); it wrote nothing on stderr" ||
		fail "event: $(json "$T/r.json" '[.events[] | .kind + " " + .detail]')"
	json "$T/r.json" '.events[] | select(.kind == "target.note") | .detail' |
		grep -qx "a fault of this run acted on it: the probes judge what followed" || fail "no note"
}

# The same for a target's netns: a FIFO put in its place is refused when
# the network fault fires, not waited on.
test_netns_fifo_is_refused_not_blocked_on() {
	mkfifo "$T/ns"
	cat >"$T/x.ini" <<EOF2
[experiment]
name = planted-netns
[target n]
netns = $T/ns
[fault slow]
type = rate
target = n
interface = lo
rate = 1mbit
duration = 1s
$(probe_p)
EOF2
	RC=0
	timeout -k 2 20 "$EREBUS" run "$T/x.ini" --json "$T/r.json" >"$T/out" 2>"$T/err" || RC=$?
	assert_eq "$RC" 1 "exit code ($(tail -3 "$T/err"))"
	json "$T/r.json" '.faults[0].error' | grep -qx "$T/ns is not a network namespace (a FIFO, a plain file?): Erebus refuses it" ||
		fail "error: $(json "$T/r.json" '.faults[0].error')"
}
