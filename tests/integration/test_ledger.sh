# SPDX-License-Identifier: MIT
# Nothing left behind: the undo ledger, the guardian, `erebus recover`.
# Erebus is killed with SIGKILL on purpose here; every check then reads
# the real state of the processes it had stopped and, for the network
# faults (in throwaway namespaces, netns.sh; no traffic), of the kernel
# objects it had made: tc qdiscs, classes and filters, the ifb, the
# nftables table.

source "$(dirname "${BASH_SOURCE[0]}")/netns.sh"
source "$(dirname "${BASH_SOURCE[0]}")/leftovers.sh"

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

# SIGKILL the engine; print the ms until its guardian (pid GUARD) has
# exited, as its pidfd says (an event: no polling), or fail after 1 s.
# Once the guardian has exited, whatever it reverts is reverted.
kill_engine_timed() { # ENGINE GUARD
	python3 - "$1" "$2" <<'EOF2'
import os, select, signal, sys, time
engine, guard = int(sys.argv[1]), int(sys.argv[2])
fd = os.pidfd_open(guard)
t0 = time.monotonic()
os.kill(engine, signal.SIGKILL)
if not select.select([fd], [], [], 1.0)[0]:
    sys.exit("guardian %d still running 1 s after SIGKILL to the engine" % guard)
print("%.1f" % ((time.monotonic() - t0) * 1000))
EOF2
}

guardian_of_run() {
	sed -n 's/^guardian pid=\([0-9]*\) .*/\1/p' "$EREBUS_RUN_DIR"/*.ledger 2>/dev/null
}

# "longest X ms, median Y ms" of the values given (ms).
ms_stats() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "longest %s ms, median %s ms", v[NR], v[int((NR + 1) / 2)] }'
}

test_soak_sigkill_engine_guardian_reverts() {
	local seed=${EREBUS_SOAK_SEED:-$RANDOM} iters=${EREBUS_SOAK_ITERATIONS:-15} i guard times=()
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
		guard=$(guardian_of_run)
		[ -n "$guard" ] || fail "iteration $i: no guardian in the ledger"
		# a random moment within the next 300 ms of the fault window
		sleep "0.$(printf '%03d' $((RANDOM % 300)))"
		times+=("$(kill_engine_timed "$run" "$guard")") || fail "iteration $i: $(grep erebus-guard "$T/err")"
		wait "$run" 2>/dev/null || true
		[ "$(proc_state "$B1")" != T ] || fail "iteration $i: paused process still stopped after the guardian"
		[ "$(proc_state "$B2")" != T ] || fail "iteration $i: throttled process still stopped after the guardian"
		grep -q "erebus-guard.*everything reverted" "$T/err" || fail "iteration $i: $(grep erebus-guard "$T/err")"
		assert_eq "$(ledgers)" 0 "ledgers left after iteration $i"
	done
	note "from SIGKILL to the guardian done (every process running again): $(ms_stats "${times[@]}")"
}

# The same, with network faults too: in $NS_A (netns.sh) on $IF_A, a rate
# cap on egress to one peer, one on ingress (through an ifb), from 50 ms,
# and a partition from another peer, from 100 ms; so a kill early in the
# window finds some of them not yet (or half) applied.
net_experiment() {
	stop_experiment
	cat <<EOF2
[target net]
netns = $NS_A
[fault cap-out]
type = rate
target = net
interface = $IF_A
destination = $B4
rate = 8mbit
duration = 30s
[fault cap-in]
type = rate
target = net
interface = $IF_A
direction = ingress
rate = 8mbit
at = 50ms
duration = 30s
[fault cut]
type = partition
target = net
interface = $IF_A
destination = $B4_2
at = 100ms
duration = 30s
EOF2
}

# Everything of Erebus still there, one a line: stopped processes, ledgers,
# and what erebus_left_in_ns finds in $NS_A.
everything_left() {
	local p
	for p in "$B1" "$B2"; do
		[ "$(proc_state "$p")" != T ] || echo "pid $p is stopped"
	done
	[ "$(ledgers)" = 0 ] || echo "ledger $(ls "$EREBUS_RUN_DIR"/*.ledger)"
	erebus_left_in_ns "$NS_A" "$IF_A"
}

# Start the run in the background, its pid in $RUN; reap_net_run after
# killing it. A run still there when the test ends is killed then.
start_net_run() {
	: >"$T/err"
	"$EREBUS" run "$T/x.ini" 2>"$T/err" &
	RUN=$!
	[ -n "${_net_run_deferred:-}" ] || { defer _kill_net_run; _net_run_deferred=1; }
}
reap_net_run() { wait "$RUN" 2>/dev/null || true; RUN=; }
_kill_net_run() { [ -z "${RUN:-}" ] || _kill_later "$RUN"; }

test_soak_sigkill_with_network_faults() {
	local seed=${EREBUS_SOAK_SEED:-$RANDOM} iters=${EREBUS_SOAK_ITERATIONS:-12} i guard left times=()
	netns_pair
	command -v nft >/dev/null || skip "nft (package nftables) is needed to read the kernel's state"
	note "network soak seed $seed, $iters iterations (EREBUS_SOAK_SEED / EREBUS_SOAK_ITERATIONS to replay)"
	RANDOM=$seed
	spawn B1 "$BURNER"
	spawn B2 "$BURNER"
	net_experiment >"$T/x.ini"
	for ((i = 1; i <= iters; i++)); do
		start_net_run
		wait_for_line "$T/err" "fault\.applied" 10
		guard=$(guardian_of_run)
		[ -n "$guard" ] || fail "iteration $i: no guardian in the ledger"
		# a random moment within the first 300 ms of the fault window
		sleep "0.$(printf '%03d' $((RANDOM % 300)))"
		times+=("$(kill_engine_timed "$RUN" "$guard")") || fail "iteration $i: $(grep erebus-guard "$T/err")"
		reap_net_run
		# the guardian is gone: everything must be gone already
		left=$(everything_left)
		[ -z "$left" ] || fail "iteration $i ($(grep -c fault.applied "$T/err") faults applied): left behind: $left
$(grep -E 'fault\.|erebus-guard' "$T/err")"
		grep -q "erebus-guard.*everything reverted" "$T/err" || fail "iteration $i: $(grep erebus-guard "$T/err")"
	done
	note "network soak, $iters iterations: from SIGKILL to the guardian done: $(ms_stats "${times[@]}")"
}

# SIGKILL to both: the partition's table goes with the engine's socket
# (owner flag); the tc objects and the stopped process stay until
# `erebus recover`.
test_soak_sigkill_both_with_network_faults_then_recover() {
	local seed=${EREBUS_SOAK_SEED:-$RANDOM} iters=${EREBUS_SOAK_RECOVER_ITERATIONS:-5} i guard left t0 want times=()
	netns_pair
	command -v nft >/dev/null || skip "nft (package nftables) is needed to read the kernel's state"
	note "recover soak seed $seed, $iters iterations (EREBUS_SOAK_SEED / EREBUS_SOAK_RECOVER_ITERATIONS to replay)"
	RANDOM=$seed
	spawn B1 "$BURNER"
	spawn B2 "$BURNER"
	net_experiment >"$T/x.ini"
	for ((i = 1; i <= iters; i++)); do
		start_net_run
		wait_for_line "$T/err" "fault\.(applied|failed) +cut:" 10	# the last one, at 100 ms
		assert_eq "$(grep -c "fault\.applied" "$T/err")" 5 "iteration $i: faults applied ($(grep fault.failed "$T/err"))"
		guard=$(guardian_of_run)
		[ -n "$guard" ] || fail "iteration $i: no guardian in the ledger"
		# every fault is on, and the check below sees each kind of object
		left=$(everything_left)
		for want in "^qdisc htb eb00:" "^qdisc tbf eb01:" "^class htb eb00:1" "^qdisc ingress ffff:" \
			"^filter parent eb00:" "^filter parent ffff:" "^erebus-in" "erebus_" "ledger" \
			"pid $B1 is stopped"; do
			grep -q -- "$want" <<<"$left" || fail "iteration $i: no /$want/ while the faults are on: $left"
		done
		sleep "0.$(printf '%03d' $((RANDOM % 200)))"
		kill -KILL "$guard" "$RUN"
		reap_net_run
		left=$(erebus_left_in_ns "$NS_A" "$IF_A")
		! grep -q erebus_ <<<"$left" || fail "iteration $i: the table outlived its owner: $left"
		grep -q "^qdisc htb eb00:" <<<"$left" || fail "iteration $i: the tree is gone before recover: $left"
		assert_eq "$(proc_state "$B1")" T "iteration $i: paused process before recover"
		t0=$(date +%s%N)
		run_erebus recover
		times+=("$(( ($(date +%s%N) - t0) / 1000000 ))")
		assert_eq "$RC" 0 "iteration $i: recover exit ($(cat "$T/out"))"
		grep -q "delete link erebus-in[0-9]*: done" "$T/out" || fail "iteration $i: recover: $(cat "$T/out")"
		left=$(everything_left)
		[ -z "$left" ] || fail "iteration $i: left after recover: $left
$(cat "$T/out")"
	done
	note "recover soak, $iters iterations: \`erebus recover\` (the whole process): $(ms_stats "${times[@]}")"
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
