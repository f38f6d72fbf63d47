# SPDX-License-Identifier: MIT
# Nothing left behind: the undo ledger, the guardian, `erebus recover`.
# Erebus is killed with SIGKILL on purpose here; every check then reads
# the real state of the processes it had stopped.

ledgers() { ls "$EREBUS_RUN_DIR"/*.ledger 2>/dev/null | wc -l; }

# An experiment that stops and throttles two busy processes for long.
stop_experiment() {
	cat <<EOF2
[experiment]
name = soak
[target a]
pid = $B1
[target b]
pid = $B2
[fault hold]
type = pause
target = a
duration = 30s
[fault slow]
type = throttle
target = b
cpu = 20%
period = 50ms
duration = 30s
[probe p]
type = exec
command = true
interval = 50ms
healthy_after = 1
EOF2
}

# Wait until a process is not stopped (the guardian's SIGCONT), at most
# SECS; prints how long it took in ms. Bounded polling of /proc: a
# stopped->running change of another process has no event to wait on.
wait_running() { # PID SECS
	local t0 i
	t0=$(date +%s%N)
	for ((i = 0; i < $2 * 200; i++)); do
		[ "$(proc_state "$1")" != T ] && { echo $(( ($(date +%s%N) - t0) / 1000000 )); return 0; }
		sleep 0.005
	done
	return 1
}

test_soak_sigkill_engine_guardian_reverts() {
	local seed=${EREBUS_SOAK_SEED:-$RANDOM} iters=${EREBUS_SOAK_ITERATIONS:-15} i worst=0
	note "soak seed $seed, $iters iterations (EREBUS_SOAK_SEED / EREBUS_SOAK_ITERATIONS to replay)"
	RANDOM=$seed
	spawn B1 "$BURNER"
	spawn B2 "$BURNER"
	stop_experiment >"$T/x.ini"
	for ((i = 1; i <= iters; i++)); do
		: >"$T/err"
		"$EREBUS" run "$T/x.ini" 2>"$T/err" &
		local run=$!
		wait_for_line "$T/err" "fault.applied.*slow" 10
		# a random moment within the next 300 ms of the fault window
		sleep "0.$(printf '%03d' $((RANDOM % 300)))"
		kill -KILL "$run"
		wait "$run" 2>/dev/null || true
		local ms1 ms2
		ms1=$(wait_running "$B1" 1) || fail "iteration $i: paused process still stopped 1s after SIGKILL"
		ms2=$(wait_running "$B2" 1) || fail "iteration $i: throttled process still stopped 1s after SIGKILL"
		wait_for_line "$T/err" "erebus-guard.*everything reverted" 2
		assert_eq "$(ledgers)" 0 "ledgers left after iteration $i"
		((ms1 > worst)) && worst=$ms1
		((ms2 > worst)) && worst=$ms2
	done
	note "longest time from SIGKILL to every process running again: ${worst} ms"
}

test_sigkill_both_then_recover() {
	spawn B1 "$BURNER"
	spawn B2 "$BURNER"
	stop_experiment >"$T/x.ini"
	"$EREBUS" run "$T/x.ini" 2>"$T/err" &
	local run=$! guard
	wait_for_line "$T/err" "fault.applied.*hold" 10
	guard=$(sed -n 's/^guardian pid=\([0-9]*\) .*/\1/p' "$EREBUS_RUN_DIR"/*.ledger)
	[ -n "$guard" ] || fail "no guardian in the ledger"
	kill -KILL "$guard" "$run"
	wait "$run" 2>/dev/null || true
	assert_eq "$(proc_state "$B1")" T "paused process after both were killed"
	run_erebus run "$T/x.ini"
	assert_eq "$RC" 4 "run refused while a ledger is left"
	grep -q "an earlier run left faults behind .*; run \`erebus recover\` first" "$T/err" || fail "$(cat "$T/err")"
	run_erebus recover --dry-run
	assert_eq "$RC" 0 "dry run exit"
	grep -q "would SIGCONT pid $B1" "$T/out" || fail "dry run: $(cat "$T/out")"
	assert_eq "$(proc_state "$B1")" T "dry run changes nothing"
	run_erebus recover
	assert_eq "$RC" 0 "recover exit ($(cat "$T/out"))"
	assert_eq "$(proc_state "$B1")" R "paused process after recover"
	[ "$(proc_state "$B2")" != T ] || fail "throttled process still stopped after recover"
	assert_eq "$(ledgers)" 0 "ledgers after recover"
	run_erebus recover
	assert_eq "$RC" 0 "second recover"
	grep -q "nothing to recover" "$T/out" || fail "$(cat "$T/out")"
}

test_corrupt_ledger_touches_nothing_untagged() {
	spawn B1 "$BURNER"
	mkdir -p "$EREBUS_RUN_DIR"
	kill -STOP "$B1"
	local start ns
	start=$(awk '{print $22}' "/proc/$B1/stat")
	ns=$(stat -L -c '%d:%i' /proc/self/ns/net)
	# pid 999999 cannot be alive: the ledger's run is over.
	cat >"$EREBUS_RUN_DIR/999999.ledger" <<EOF2
erebus-ledger 1 pid=999999 start=1 experiment=broken
+ 1 sigcont pid=$B1 start=$start comm=burner
+ 2 tc-qdisc ns=$ns if=1 parent=ffffffff handle=10000 prio=0 proto=0 family=0 name=htb
+ 3 bogus-kind x=y
garbage line
+ 4 nft-table ns=$ns if=0 parent=0 handle=0 prio=0 proto=0 family=1 name=filter
+ 5 sigcont pid=$B1 sta
EOF2
	printf '+ 6 link ns=%s if=1 name=lo' "$ns" >>"$EREBUS_RUN_DIR/999999.ledger"	# truncated: no newline
	run_erebus recover
	assert_eq "$RC" 4 "exit code with records it refuses to touch"
	grep -q "999999.ledger:4: unreadable record skipped" "$T/out" || fail "$(cat "$T/out")"
	grep -q "999999.ledger:5: unreadable line skipped" "$T/out" || fail "$(cat "$T/out")"
	grep -q "999999.ledger:7: unreadable record skipped" "$T/out" || fail "$(cat "$T/out")"
	grep -q "999999.ledger:8: truncated last line ignored" "$T/out" || fail "$(cat "$T/out")"
	grep -q "record 4 (delete nftables table filter) does not name an object Erebus tags; left alone" "$T/out" ||
		fail "$(cat "$T/out")"
	grep -q "record 2 (delete htb qdisc 1:0 on ifindex 1) does not name an object Erebus tags; left alone" "$T/out" ||
		fail "$(cat "$T/out")"
	grep -q "SIGCONT pid $B1 (burner): done" "$T/out" || fail "$(cat "$T/out")"
	assert_eq "$(proc_state "$B1")" R "the tagged record was replayed"
	[ -e "$EREBUS_RUN_DIR/999999.ledger" ] || fail "a ledger with records left alone must stay for a person to read"
}
