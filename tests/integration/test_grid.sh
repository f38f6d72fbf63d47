# SPDX-License-Identifier: MIT
# The sampling grid and Erebus' own timeliness (docs/report-schema.md,
# "lag_ms" and "slots"): a light run samples every slot and warns of
# nothing; a run whose loop is starved (the erebus process stopped with
# SIGSTOP for a while, as a CPU hog or a swapped-out engine would) skips
# the slots it missed, never catches up in a burst, and says "Erebus could
# not keep up" in the report, the summary, JUnit and HTML; a probe whose
# own samples outlast its interval has busy slots and is not blamed on
# Erebus; an http sample's latency leaves out the name lookup. Every bound
# comes from the run's own report or from a delay the test imposes.

# $T/x.ini: an idle process $IDLE paused for DURATION as the fault window,
# then the probe sections the caller appends.
_grid_experiment() {
	spawn IDLE sleep 600
	cat >"$T/x.ini" <<EOF2
[experiment]
name = $1
hold = 0s
[target idle]
pid = $IDLE
[fault hold-still]
type = pause
target = idle
duration = $2
EOF2
}

# The slots of probe NAME add up: due = sampled + busy + late.
_assert_slots_add_up() {
	local due sum
	due=$(json "$T/r.json" ".probes[] | select(.name == \"$1\") | .slots.due")
	sum=$(json "$T/r.json" ".probes[] | select(.name == \"$1\") | .slots | .sampled + .busy + .late")
	[ "$due" -gt 0 ] || fail "probe $1: no slot due"
	assert_eq "$sum" "$due" "probe $1: sampled + busy + late"
}

test_grid_light_run_samples_every_slot() {
	_grid_experiment grid-light 1s
	cat >>"$T/x.ini" <<EOF2
[probe alive]
type = process
target = idle
interval = 200ms
healthy_after = 1
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json" --samples
	assert_eq "$RC" 0 "exit code ($(cat "$T/err"))"
	_assert_slots_add_up alive
	local q='.probes[0]'
	assert_eq "$(json "$T/r.json" "$q.slots | .busy + .late")" 0 "slots skipped"
	assert_eq "$(json "$T/r.json" "$q.slots.share")" 1 "share sampled"
	assert_eq "$(json "$T/r.json" "$q.slots.sampled")" "$(json "$T/r.json" "[$q.samples[]] | length")" \
		"one sample per sampled slot"
	# lag within a tenth of the interval, as the report itself judges it
	assert_cmp "$(json "$T/r.json" "$q.lag_ms.p99 * 10")" "<=" "$(json "$T/r.json" "$q.interval_ms")" "lag p99 x 10"
	assert_eq "$(json "$T/r.json" '.warnings | length')" 0 "warnings"
	! grep -q "could not keep up" "$T/err" || fail "summary warns: $(cat "$T/err")"
}

test_grid_starved_loop_is_reported() {
	_grid_experiment grid-starved 4s
	cat >>"$T/x.ini" <<EOF2
[probe alive]
type = process
target = idle
interval = 100ms
healthy_after = 1
EOF2
	"$EREBUS" run "$T/x.ini" --json "$T/r.json" --samples --junit "$T/r.xml" --html "$T/r.html" \
		2>"$T/err" &
	ERB=$!
	defer _kill_later "$ERB"
	wait_for_line "$T/err" "fault.applied"
	# Starve the loop: nothing of Erebus runs for a second (10 slots).
	kill -STOP "$ERB"
	sleep 1
	kill -CONT "$ERB"
	end_run 20
	assert_eq "$RC" 0 "exit code ($(cat "$T/err"))"
	_assert_slots_add_up alive
	local q='.probes[0]' due sampled late
	due=$(json "$T/r.json" "$q.slots.due")
	sampled=$(json "$T/r.json" "$q.slots.sampled")
	late=$(json "$T/r.json" "$q.slots.late")
	assert_cmp "$sampled" "<" "$due" "slots sampled"
	assert_cmp "$(json "$T/r.json" "$q.slots.share")" "<" 1 "share sampled"
	# no burst of catching up: one sample per sampled slot, none for the late ones
	assert_eq "$(json "$T/r.json" "[$q.samples[]] | length")" "$sampled" "samples"
	assert_cmp "$((late * 100))" ">" "$due" "late slots (more than 1%)"
	assert_eq "$(json "$T/r.json" '[.warnings[] | select(.probe == "alive") | .kind] | join(",")')" \
		erebus-behind "warnings"
	local msg
	msg=$(json "$T/r.json" '.warnings[0].message')
	case $msg in "Erebus could not keep up: probe alive started its samples "*" late at p99 (interval 100ms) and skipped $late of its $due slots while behind;"*) ;;
	*) fail "warning: $msg" ;; esac
	grep -qF "warning: $msg" "$T/err" || fail "summary lacks the warning: $(cat "$T/err")"
	grep -qF "Erebus could not keep up: probe alive" "$T/r.xml" || fail "JUnit lacks the warning"
	grep -qF "Erebus could not keep up: probe alive" "$T/r.html" || fail "HTML lacks the warning"
	# read back: the same figures, the same warning
	run_erebus report "$T/r.json"
	assert_eq "$RC" 0 "erebus report ($(cat "$T/err"))"
	grep -qF "warning: $msg" "$T/out" || fail "erebus report lacks the warning: $(cat "$T/out")"
}

test_grid_overrunning_probe_is_busy_not_behind() {
	_grid_experiment grid-busy 2s
	cat >>"$T/x.ini" <<EOF2
[probe slow]
type = exec
command = sleep 0.5
interval = 200ms
timeout = 2s
healthy_after = 1
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json" --samples
	assert_eq "$RC" 0 "exit code ($(cat "$T/err"))"
	_assert_slots_add_up slow
	local q='.probes[0]'
	assert_cmp "$(json "$T/r.json" "$q.slots.busy")" ">" 0 "busy slots"
	assert_cmp "$(json "$T/r.json" "$q.slots.share")" "<" 1 "share sampled"
	assert_eq "$(json "$T/r.json" '[.warnings[] | .kind] | join(",")')" probe-overran "warnings"
	grep -q "probe slow's samples outlasted its interval (200ms)" "$T/err" || fail "summary: $(cat "$T/err")"
	! grep -q "could not keep up" "$T/err" || fail "blamed on Erebus: $(cat "$T/err")"
}

# An http sample's latency runs from the connection attempt, not from
# before the name lookup: with a name server that answers only after 1 s,
# the first sample (the name is not cached yet) still reports the
# service's time on loopback, far below the second the lookup took.
test_http_latency_leaves_out_the_name_lookup() {
	command -v unshare >/dev/null || skip "needs unshare"
	local ns="127.$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))" lat
	start_demo --no-supervisor
	spawn DNS python3 -c 'import socket, struct, sys, threading
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
print("ready", flush=True)
def answer(q, peer):
    i = 12
    while q[i]:
        i += q[i] + 1
    qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
    rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton("127.0.0.1") if qtype == 1 else b""
    s.sendto(q[:2] + struct.pack(">HHHHH", 0x8180, 1, 1 if rr else 0, 0, 0) + q[12:i + 5] + rr, peer)
while True:
    q, peer = s.recvfrom(4096)
    threading.Timer(1.0, answer, (q, peer)).start()' "$ns"
	wait_for_line "$T/spawned.out" ready 10
	cat >"$T/x.ini" <<EOF2
[experiment]
name = slow-lookup
[probe health]
type = http
url = http://erebus-slow-lookup.test:$DEMO_PORT/health
timeout = 3s
interval = 5s
EOF2
	run_erebus_with_nameserver "$ns" run "$T/x.ini" --json "$T/r.json" --samples
	assert_eq "$RC" 0 "exit code: $(cat "$T/err")"
	assert_eq "$(json "$T/r.json" '.probes[0].samples[0].ok')" true "first sample passed"
	lat=$(json "$T/r.json" '.probes[0].samples[0].latency_ms')
	assert_cmp "$lat" "<" 1000 "first sample's latency (the lookup took 1 s)"
	# the run itself did wait for the lookup: steady state came after it
	assert_cmp "$(json "$T/r.json" '.steady_state_at_ms')" ">=" 1000 "steady state reached"
}
