# SPDX-License-Identifier: MIT
# The cleanup check after rollback, for network faults: the engine reads
# the kernel state back (tc objects, ifb links, nftables tables) and lists
# in the report's cleanup.leftovers whatever of Erebus is still there. In
# throwaway namespaces (netns.sh); no traffic. The objects are read with
# tc, ip and nft, which Erebus itself never runs.

source "$(dirname "${BASH_SOURCE[0]}")/netns.sh"
source "$(dirname "${BASH_SOURCE[0]}")/leftovers.sh"

# The experiment: target a is $NS_A, one exec probe, then the faults given
# as text (each "[fault NAME]" block).
_cleanup_ini() { ns_a_experiment cleanup 100ms "$1"; }

erebus_in_ns_a() { erebus_left_in_ns "$NS_A" "$IF_A"; }

test_rate_and_partition_leave_nothing() {
	netns_pair
	command -v nft >/dev/null || skip "nft (package nftables) is needed to read the kernel's state"
	_cleanup_ini "[fault out]
type = rate
target = a
interface = $IF_A
destination = $B4
rate = 8mbit
duration = 1500ms
[fault out2]
type = rate
target = a
interface = $IF_A
destination = $B4_2
rate = 2mbit
duration = 2s
[fault in]
type = rate
target = a
interface = $IF_A
direction = ingress
rate = 4mbit
duration = 1s
[fault cut]
type = partition
target = a
interface = $IF_A
destination = $B6
duration = 2s"
	"$EREBUS" run "$T/x.ini" --json "$T/r.json" >"$T/out" 2>"$T/err" &
	local run=$! seen
	defer _kill_later "$run"
	# While every fault is on, the checker below sees them all: it can fail.
	timeout 15 bash -c 'until [ "$(grep -c fault.applied "$1")" -ge 4 ] || grep -q verdict "$1"; do sleep 0.05; done' \
		_ "$T/err" || fail "faults not applied: $(cat "$T/err")"
	seen=$(erebus_in_ns_a)
	grep -q "^qdisc htb eb00:" <<<"$seen" || fail "no root qdisc while the faults are on: $seen"
	grep -q "^erebus-in" <<<"$seen" || fail "no ifb while the ingress fault is on: $seen"
	grep -q "erebus_" <<<"$seen" || fail "no nftables table while the partition is on: $seen"
	RC=0
	wait "$run" || RC=$?
	assert_eq "$RC" 0 "exit code ($(grep -E 'verdict|leftover|failed' "$T/err"))"
	assert_eq "$(json "$T/r.json" '[.faults[] | .applications] | join(",")')" "1,1,1,1" "every fault applied once"
	assert_eq "$(json "$T/r.json" '.cleanup | "\(.checked) \(.complete) \(.leftovers | length)"')" "true true 0" \
		"cleanup in the report"
	! grep -q cleanup.leftover "$T/err" || fail "leftover events: $(grep cleanup.leftover "$T/err")"
	seen=$(erebus_in_ns_a)
	[ -z "$seen" ] || fail "left in $NS_A: $seen"
	assert_eq "$(ls "$EREBUS_RUN_DIR"/*.ledger 2>/dev/null | wc -l)" 0 "ledgers left"
}

# The check reads the kernel, not the engine's bookkeeping: objects that
# reappear after their fault was reverted (made here by hand, with the
# names and handles Erebus' records carry) are reported as leftovers, the
# run exits 4, and the records go back into the ledger, so the guardian's
# last try as the engine exits removes them.
test_leftover_reported_when_state_reappears() {
	netns_pair
	command -v nft >/dev/null || skip "nft (package nftables) is needed to read the kernel's state"
	_cleanup_ini "[fault cap]
type = rate
target = a
interface = $IF_A
rate = 8mbit
duration = 500ms
[fault cap-in]
type = rate
target = a
interface = $IF_A
direction = ingress
rate = 8mbit
duration = 500ms
[fault cut]
type = partition
target = a
interface = $IF_A
destination = $B4
duration = 3s"
	"$EREBUS" run "$T/x.ini" --json "$T/r.json" >"$T/out" 2>"$T/err" &
	local run=$! ifb
	defer _kill_later "$run"
	wait_for_line "$T/err" "fault\.reverted +cap:" 10
	wait_for_line "$T/err" "fault\.reverted +cap-in:" 10
	ifb="erebus-in$(in_ns "$NS_A" cat "/sys/class/net/$IF_A/ifindex")"
	[ -z "$(erebus_in_ns_a | grep -v erebus_)" ] || fail "tc objects left by the reverts: $(erebus_in_ns_a)"
	in_ns "$NS_A" tc qdisc add dev "$IF_A" root handle eb00: htb
	in_ns "$NS_A" ip link add "$ifb" type ifb
	RC=0
	wait "$run" || RC=$?
	assert_eq "$RC" 4 "exit code"
	assert_eq "$(json "$T/r.json" .verdict)" cleanup-failed "verdict"
	assert_eq "$(json "$T/r.json" '.cleanup | "\(.checked) \(.complete)"')" "true false" "cleanup in the report"
	local idx
	idx=$(in_ns "$NS_A" cat "/sys/class/net/$IF_A/ifindex")
	assert_eq "$(json "$T/r.json" '.cleanup.leftovers | sort | join("|")')" \
		"htb qdisc eb00:0 on ifindex $idx is still there after rollback|link $ifb is still there after rollback" \
		"leftovers (the partition's table went: only the reappeared objects)"
	grep -q "cleanup.leftover *link $ifb is still there after rollback" "$T/err" || fail "no leftover event: $(cat "$T/err")"
	# the guardian's last try, from the records written again
	wait_for_line "$T/err" "erebus-guard.*everything reverted" 5
	grep -q "erebus-guard.*delete link $ifb: done" "$T/err" || fail "guardian: $(grep erebus-guard "$T/err")"
	local seen
	seen=$(erebus_in_ns_a)
	[ -z "$seen" ] || fail "left in $NS_A after the guardian: $seen"
	assert_eq "$(ls "$EREBUS_RUN_DIR"/*.ledger 2>/dev/null | wc -l)" 0 "ledgers left"
}

# A record whose change never happened is closed. As a user who may not
# signal the target (nobody, against a process of root's), pause fails
# with EPERM: nothing was stopped, so there is nothing to resume, nothing
# to find at the cleanup check, and no ledger to leave behind. (It used to
# end with failed SIGCONTs, cleanup-failed, exit 4, and a ledger that
# refused every later run.)
test_pause_the_kernel_refuses_closes_its_record() {
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	[ "$(id -u)" = 0 ] || skip "needs root to drop to another user"
	# In a session of its own, as a service is: in the same session,
	# anyone may send SIGCONT (though not SIGSTOP).
	spawn B1 setsid "$BURNER"
	wait_for_line "$T/spawned.out" "^burner $B1 spinning" 10	# setsid ran it, no fork
	chmod o+x "$T"	# mktemp -d made it 0700
	mkdir -m 700 "$T/user" && chown 65534:65534 "$T/user"
	cat >"$T/user/x.ini" <<EOF2
[experiment]
name = pause-as-nobody
hold = 0s
[target root-owned]
pid = $B1
[fault hold]
type = pause
target = root-owned
duration = 30s
[probe ok]
type = exec
command = true
interval = 50ms
healthy_after = 1
EOF2
	chmod 0644 "$T/user/x.ini"
	local i
	for i in 1 2; do	# the second run finds nothing left by the first
		RC=0
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
			env EREBUS_RUN_DIR="$T/user/run" "$EREBUS" run "$T/user/x.ini" \
			--json "$T/user/r.json" >"$T/out" 2>"$T/err" || RC=$?
		assert_eq "$RC" 1 "run $i: exit code (a fault could not be applied): $(cat "$T/err")"
		grep -q "cannot send SIGSTOP to pid $B1: Operation not permitted" "$T/err" || fail "run $i: $(cat "$T/err")"
		! grep -qi "sigcont.*\(failed\|not permitted\)" "$T/err" || fail "run $i: a SIGCONT was tried: $(cat "$T/err")"
		assert_eq "$(json "$T/user/r.json" .verdict)" failed "run $i: verdict"
		assert_eq "$(json "$T/user/r.json" '.cleanup.leftovers | length')" 0 "run $i: leftovers"
		assert_eq "$(ls "$T/user/run"/*.ledger 2>/dev/null | wc -l)" 0 "run $i: ledgers left"
		[ "$(proc_state "$B1")" != T ] || fail "run $i: the target is stopped"
	done
}
