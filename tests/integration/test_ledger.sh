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
		# the guardian holds the ledger's lock and the run lock until its exit
		timeout 5 tail --pid="$guard" -f /dev/null || fail "iteration $i: guardian $guard still alive"
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
	# the guardian held the run lock until its exit
	timeout 5 tail --pid="$guard" -f /dev/null || fail "guardian $guard still alive"
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
	mkdir -m 700 -p "$EREBUS_RUN_DIR"
	kill -STOP "$B1"
	local start ns
	start=$(awk '{print $22}' "/proc/$B1/stat")
	ns=$(stat -L -c '%d:%i' /proc/self/ns/net)
	# pid 999999 cannot be alive: the ledger's run is over.
	cat >"$EREBUS_RUN_DIR/999999.ledger" <<EOF2
erebus-ledger 1 pid=999999 start=1 boot=$(boot_id) experiment=broken
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

# A SIGCONT record for a stopped process (pid $1).
sigcont_record() { # SEQ PID
	echo "+ $1 sigcont pid=$2 start=$(awk '{print $22}' "/proc/$2/stat") comm=burner"
}

# One run at a time: a second run exits 2 naming the holder (pid,
# experiment, file); with --wait it starts when the first one ends; a
# --wait that runs out exits 2 as well.
test_run_lock_one_run_at_a_time() {
	spawn B1 "$BURNER"
	spawn B2 "$BURNER"
	stop_experiment >"$T/x.ini"
	ERB=
	"$EREBUS" run "$T/x.ini" 2>"$T/err1" &
	ERB=$!
	defer _kill_later "$ERB"
	wait_for_line "$T/err1" "fault.applied.*hold" 10
	run_erebus run "$T/x.ini"
	assert_eq "$RC" 2 "second run: $(cat "$T/err")"
	grep -qF "another run holds the run lock $EREBUS_RUN_DIR/run.lock: pid $ERB (or its guardian), experiment soak ($T/x.ini)" "$T/err" ||
		fail "message: $(cat "$T/err")"
	run_erebus run "$T/x.ini" --wait 100ms
	assert_eq "$RC" 2 "--wait that runs out: $(cat "$T/err")"
	grep -q "waiting for it at most 100ms (--wait)" "$T/err" || fail "$(cat "$T/err")"
	"$EREBUS" run "$T/x.ini" --wait 1m 2>"$T/err2" &
	local second=$!
	defer _kill_later "$second"
	wait_for_line "$T/err2" "waiting for it at most 1m" 10
	! grep -q "fault.applied" "$T/err2" || fail "the second run started while the first held the lock"
	stop_run
	assert_eq "$RC" 3 "first run, interrupted"
	wait_for_line "$T/err2" "fault.applied.*hold" 10	# the second run goes on once the first is over
	kill -INT "$second"
	ERB=$second
	end_run 10
	assert_eq "$RC" 3 "second run, interrupted"
}

# A ledger is visible only complete, and locked: watched with inotify, the
# moment its name appears it has its header and a live run's lock (the
# window in which recover, or another run, took a live ledger for stale).
test_ledger_appears_complete_and_locked() {
	spawn B1 "$BURNER"
	spawn B2 "$BURNER"
	stop_experiment >"$T/x.ini"
	mkdir -m 700 -p "$EREBUS_RUN_DIR"
	python3 - "$EREBUS_RUN_DIR" >"$T/seen" 2>&1 <<'EOF2' &
import ctypes, fcntl, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(0)
IN_CREATE, IN_MOVED_TO = 0x100, 0x80
libc.inotify_add_watch(fd, sys.argv[1].encode(), IN_CREATE | IN_MOVED_TO)
print("watching", flush=True)
while True:
    buf = os.read(fd, 4096)
    i = 0
    while i < len(buf):
        wd, mask, cookie, n = struct.unpack_from("iIII", buf, i)
        name = buf[i + 16:i + 16 + n].rstrip(b"\0").decode()
        i += 16 + n
        if not name.endswith(".ledger"):
            continue
        with open(os.path.join(sys.argv[1], name)) as f:
            head = f.readline()
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                locked = "unlocked"
            except BlockingIOError:
                locked = "locked"
        print("seen %s %s %r" % (name, locked, head), flush=True)
        sys.exit(0)
EOF2
	local watcher=$!
	defer _kill_later "$watcher"
	wait_for_line "$T/seen" "watching" 10
	"$EREBUS" run "$T/x.ini" 2>"$T/err" &
	ERB=$!
	defer _kill_later "$ERB"
	wait_for_line "$T/seen" "^seen" 10
	stop_run
	grep -q "^seen $ERB.ledger locked 'erebus-ledger 1 pid=$ERB start=[1-9][0-9]* boot=$(boot_id) experiment=soak\\\\n'" "$T/seen" ||
		fail "the ledger as it appeared: $(cat "$T/seen")"
}

# A locked ledger is a live run's, whatever its header says: recover and
# other runs leave it alone. (Here another process holds its lock; its
# header names a pid that is not alive.)
test_locked_ledger_is_left_alone() {
	spawn B1 "$BURNER"
	kill -STOP "$B1"
	stale_ledger 999999.ledger "erebus-ledger 1 pid=999999 start=1 boot=$(boot_id) experiment=live" \
		"$(sigcont_record 1 "$B1")"
	python3 -c 'import fcntl, sys, time
f = open(sys.argv[1])
fcntl.flock(f, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(1000)' "$EREBUS_RUN_DIR/999999.ledger" >"$T/locked" &
	HOLDER=$!
	defer _kill_later "$HOLDER"
	wait_for_line "$T/locked" locked 10
	run_erebus recover
	assert_eq "$RC" 0 "recover: $(cat "$T/out")"
	grep -q "nothing to recover" "$T/out" || fail "$(cat "$T/out")"
	assert_eq "$(proc_state "$B1")" T "the live run's stopped process"
	[ -e "$EREBUS_RUN_DIR/999999.ledger" ] || fail "recover removed a live ledger"
	kill "$HOLDER"
	wait "$HOLDER" 2>/dev/null || true
	run_erebus recover	# the lock is gone: the run is over
	assert_eq "$RC" 0 "recover once unlocked: $(cat "$T/out")"
	assert_eq "$(proc_state "$B1")" R "stopped process after recover"
}

# A header with start=0 (as written when /proc/self could not be read)
# made a dead run look alive forever when its pid was taken again: here
# pid 1's. The lock says whether the run is alive; the pid does not.
test_start_zero_header_is_not_alive_forever() {
	spawn B1 "$BURNER"
	kill -STOP "$B1"
	stale_ledger 1.ledger "erebus-ledger 1 pid=1 start=0 boot=$(boot_id) experiment=old" "$(sigcont_record 1 "$B1")"
	run_erebus recover
	assert_eq "$RC" 0 "recover: $(cat "$T/out")"
	grep -q "SIGCONT pid $B1 (burner): done" "$T/out" || fail "$(cat "$T/out")"
	assert_eq "$(proc_state "$B1")" R "stopped process after recover"
	assert_eq "$(ledgers)" 0 "ledgers after recover"
}

# A line that cannot be read may have been a record of a change still in
# place: recover counts it as a failure (exit 4) and keeps the ledger, and
# still replays what it can read.
test_unreadable_record_counts_and_keeps_the_ledger() {
	spawn B1 "$BURNER"
	kill -STOP "$B1"
	stale_ledger 999999.ledger "erebus-ledger 1 pid=999999 start=1 boot=$(boot_id) experiment=lost" \
		"$(sigcont_record 1 "$B1")" "+ 2 tc-qdisc ns=1:2 if=#bad"
	run_erebus recover
	assert_eq "$RC" 4 "recover: $(cat "$T/out")"
	grep -q "999999.ledger:3: unreadable record skipped" "$T/out" || fail "$(cat "$T/out")"
	grep -q "1 line(s) of $EREBUS_RUN_DIR/999999.ledger could not be read" "$T/out" || fail "$(cat "$T/out")"
	grep -q "everything reverted" "$T/out" && fail "recover said everything was reverted: $(cat "$T/out")"
	assert_eq "$(proc_state "$B1")" R "the record it could read was replayed"
	[ -e "$EREBUS_RUN_DIR/999999.ledger" ] || fail "the ledger was removed"
}

# A ledger of another boot names processes that are gone and namespaces
# and interfaces that may be others' now: nothing in it is replayed; its
# network records are reported, and it is moved aside.
test_ledger_of_another_boot_is_set_aside() {
	spawn B1 "$BURNER"
	kill -STOP "$B1"
	local ns
	ns=$(stat -L -c '%d:%i' /proc/self/ns/net)
	stale_ledger 999999.ledger \
		"erebus-ledger 1 pid=999999 start=1 boot=00000000-0000-4000-8000-000000000000 experiment=old" \
		"$(sigcont_record 1 "$B1")" \
		"+ 2 tc-qdisc ns=$ns if=1 parent=ffffffff handle=eb000000 prio=0 proto=0 family=0 name=htb"
	run_erebus recover
	assert_eq "$RC" 4 "recover: $(cat "$T/out")"
	grep -q "was written during another boot (boot id 00000000-0000-4000-8000-000000000000; now $(boot_id))" "$T/out" ||
		fail "$(cat "$T/out")"
	grep -q "delete htb qdisc eb00:0 on ifindex 1: not replayed" "$T/out" || fail "$(cat "$T/out")"
	grep -q "SIGCONT pid $B1 (burner): the process ended with that boot" "$T/out" || fail "$(cat "$T/out")"
	assert_eq "$(proc_state "$B1")" T "a process named by another boot's ledger is not signalled"
	[ -e "$EREBUS_RUN_DIR/999999.ledger.previous-boot" ] || fail "not moved aside: $(ls "$EREBUS_RUN_DIR")"
	assert_eq "$(ledgers)" 0 "ledgers after recover"
	run_erebus recover
	assert_eq "$RC" 0 "second recover: $(cat "$T/out")"
}

# `erebus recover --forget`: when recover cannot undo a record, the run
# refused because of it names the way out, and --forget FILE moves the
# ledger aside (kept for reading), after which runs go on.
test_forget_moves_a_ledger_aside() {
	spawn B1 "$BURNER"
	spawn B2 "$BURNER"
	local ns
	ns=$(stat -L -c '%d:%i' /proc/self/ns/net)
	# an untagged record: recover never touches it, so it stays
	stale_ledger 999999.ledger "erebus-ledger 1 pid=999999 start=1 boot=$(boot_id) experiment=stuck" \
		"+ 1 nft-table ns=$ns if=0 parent=0 handle=0 prio=0 proto=0 family=1 name=filter"
	stop_experiment >"$T/x.ini"
	run_erebus run "$T/x.ini"
	assert_eq "$RC" 4 "run refused: $(cat "$T/err")"
	grep -qF "erebus recover --forget $EREBUS_RUN_DIR/999999.ledger" "$T/err" || fail "$(cat "$T/err")"
	run_erebus recover
	assert_eq "$RC" 4 "recover: $(cat "$T/out")"
	grep -qF "$EREBUS_RUN_DIR/999999.ledger is kept; once what is listed above is dealt with by hand: erebus recover --forget $EREBUS_RUN_DIR/999999.ledger" "$T/out" ||
		fail "$(cat "$T/out")"
	run_erebus recover --forget "$EREBUS_RUN_DIR/999999.ledger" --dry-run
	assert_eq "$RC" 0 "forget, dry run: $(cat "$T/out")"
	[ -e "$EREBUS_RUN_DIR/999999.ledger" ] || fail "a dry run moved it"
	run_erebus recover --forget "$EREBUS_RUN_DIR/999999.ledger"
	assert_eq "$RC" 0 "forget: $(cat "$T/out")"
	grep -qF "not replayed: delete nftables table filter" "$T/out" || fail "$(cat "$T/out")"
	grep -qF "moved $EREBUS_RUN_DIR/999999.ledger aside to $EREBUS_RUN_DIR/999999.ledger.forgotten" "$T/out" ||
		fail "$(cat "$T/out")"
	assert_eq "$(ledgers)" 0 "ledgers after --forget"
	# all: every ledger recover would replay
	stale_ledger 999998.ledger "erebus-ledger 1 pid=999998 start=1 boot=$(boot_id) experiment=stuck"
	stale_ledger 999997.ledger "erebus-ledger 1 pid=999997 start=1 boot=$(boot_id) experiment=stuck"
	run_erebus recover --forget all
	assert_eq "$RC" 0 "forget all: $(cat "$T/out")"
	assert_eq "$(ls "$EREBUS_RUN_DIR"/*.forgotten | wc -l)" 3 "forgotten ledgers"
	assert_eq "$(ledgers)" 0 "ledgers after --forget all"
	run_erebus recover --forget "$T/x.ini"
	assert_eq "$RC" 2 "forget a file that is not a ledger: $(cat "$T/out")"
}

# Files in the run directory must be regular files of the user: a FIFO
# named *.ledger hung `run` and `recover` in open(); now both say what it
# is, at once.
test_fifo_in_the_run_directory_is_refused() {
	spawn B1 "$BURNER"
	spawn B2 "$BURNER"
	mkdir -m 700 -p "$EREBUS_RUN_DIR"
	mkfifo "$EREBUS_RUN_DIR/4242.ledger"
	RC=0
	timeout 10 "$EREBUS" recover >"$T/out" 2>&1 || RC=$?
	assert_eq "$RC" 4 "recover: $(cat "$T/out")"
	grep -qF "$EREBUS_RUN_DIR/4242.ledger is a FIFO, not a file Erebus wrote" "$T/out" || fail "$(cat "$T/out")"
	stop_experiment >"$T/x.ini"
	RC=0
	timeout 10 "$EREBUS" run "$T/x.ini" >"$T/out" 2>&1 || RC=$?
	assert_eq "$RC" 5 "run: $(cat "$T/out")"
	grep -qF "$EREBUS_RUN_DIR/4242.ledger is a FIFO" "$T/out" || fail "$(cat "$T/out")"
	[ "$(proc_state "$B1")" != T ] || fail "the run went on"
}

# Every run directory is checked: a real directory, not a symbolic link,
# owned by the user, mode 0700 (as /tmp/erebus-UID made first by another
# user was accepted, and that user could delete the ledger).
test_run_directory_is_checked() {
	spawn B1 "$BURNER"
	spawn B2 "$BURNER"
	stop_experiment >"$T/x.ini"
	mkdir -m 700 "$T/real" "$T/other" "$T/open"
	chown 65534:65534 "$T/other"
	chmod 755 "$T/open"
	ln -s "$T/real" "$T/link"
	local dir want
	for dir in link other open; do
		case $dir in
		link) want="the run directory $T/link is a symbolic link, not a directory" ;;
		other) want="the run directory $T/other is owned by uid 65534, not by uid 0" ;;
		open) want="the run directory $T/open has mode 0755, not 0700" ;;
		esac
		RC=0
		EREBUS_RUN_DIR=$T/$dir "$EREBUS" run "$T/x.ini" >"$T/out" 2>&1 || RC=$?
		assert_eq "$RC" 5 "run in $dir: $(cat "$T/out")"
		grep -qF "$want" "$T/out" || fail "run in $dir: $(cat "$T/out")"
		[ "$(proc_state "$B1")" != T ] || fail "the run in $dir went on"
		RC=0
		EREBUS_RUN_DIR=$T/$dir "$EREBUS" recover >"$T/out" 2>&1 || RC=$?
		assert_eq "$RC" 4 "recover in $dir: $(cat "$T/out")"
		grep -qF "$want" "$T/out" || fail "recover in $dir: $(cat "$T/out")"
	done
	[ -z "$(find "$T/real" "$T/other" -mindepth 1)" ] || fail "something was written: $(find "$T/real" "$T/other")"
}

# Root's recover also looks in the fallback run directories of other
# users (/tmp/erebus-UID), acting only where the directory and the ledger
# belong to that UID, and only with that user's rights (the user wrote
# the ledger): their own stopped process is resumed; a process of root's,
# in another session, is not. Unused uids stand for the users.
test_root_recovers_other_users_fallback_ledgers() {
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	[ "$(id -u)" = 0 ] || skip "needs root"
	local u1 u2
	u1=$((61000 + RANDOM % 4000))
	u2=$((u1 + 1))
	[ ! -e "/tmp/erebus-$u1" ] && [ ! -e "/tmp/erebus-$u2" ] || skip "/tmp/erebus-$u1 or -$u2 exists"
	spawn B1 setpriv --reuid="$u1" --regid="$u1" --clear-groups "$BURNER"	# the user's
	spawn B2 "$BURNER"
	spawn B3 setsid "$BURNER"	# root's, in a session of its own
	wait_for_line "$T/spawned.out" "^burner $B1 spinning" 10
	wait_for_line "$T/spawned.out" "^burner $B3 spinning" 10
	kill -STOP "$B1" "$B2" "$B3"
	mkdir -m 700 "/tmp/erebus-$u1" "/tmp/erebus-$u2"
	defer rm -rf "/tmp/erebus-$u1" "/tmp/erebus-$u2"
	printf '%s\n' "erebus-ledger 1 pid=999999 start=1 boot=$(boot_id) experiment=theirs" \
		"$(sigcont_record 1 "$B1")" >"/tmp/erebus-$u1/999999.ledger"
	printf '%s\n' "erebus-ledger 1 pid=999998 start=1 boot=$(boot_id) experiment=not-theirs" \
		"$(sigcont_record 1 "$B3")" >"/tmp/erebus-$u1/999998.ledger"
	printf '%s\n' "erebus-ledger 1 pid=999999 start=1 boot=$(boot_id) experiment=planted" \
		"$(sigcont_record 1 "$B2")" >"/tmp/erebus-$u2/999999.ledger"
	chown -R "$u1:$u1" "/tmp/erebus-$u1"
	chown "$u2:$u2" "/tmp/erebus-$u2/999999.ledger"	# its directory stays root's: planted
	RC=0
	env -u EREBUS_RUN_DIR "$EREBUS" recover >"$T/out" 2>&1 || RC=$?
	assert_eq "$RC" 4 "recover (one directory refused, one record not permitted): $(cat "$T/out")"
	grep -qF "/tmp/erebus-$u1/999999.ledger:" "$T/out" || fail "$(cat "$T/out")"
	grep -q "SIGCONT pid $B1 (burner): done" "$T/out" || fail "$(cat "$T/out")"
	assert_eq "$(proc_state "$B1")" R "the user's stopped process after root's recover"
	[ ! -e "/tmp/erebus-$u1/999999.ledger" ] || fail "the replayed ledger is still there"
	grep -q "SIGCONT pid $B3 (burner): FAILED" "$T/out" || fail "$(cat "$T/out")"
	assert_eq "$(proc_state "$B3")" T "root's process named in the user's ledger"
	[ -e "/tmp/erebus-$u1/999998.ledger" ] || fail "the ledger with a record not undone was removed"
	grep -qF "the run directory /tmp/erebus-$u2 is owned by uid 0, not by uid $u2" "$T/out" || fail "$(cat "$T/out")"
	assert_eq "$(proc_state "$B2")" T "a process named by a ledger in a planted directory"
}
