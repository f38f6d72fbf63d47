# SPDX-License-Identifier: MIT
# Replay acts only on what it can prove is Erebus' (issue 16, safety item 1
# and part of 11). A run is killed with its guardian (SIGKILL to both), so
# its ledger is left as a dead run's, written by the code itself; then the
# kernel objects its records name are changed by hand, as an operator, a
# user or another tool would (with tc, which the TEST runs, never Erebus);
# then `erebus recover` must leave what is not Erebus' in place, say so,
# and still remove what is. In throwaway namespaces (netns.sh); no traffic.

source "$(dirname "${BASH_SOURCE[0]}")/netns.sh"

# The experiment: a rate cap on $IF_A in $NS_A for long, with the options
# given.
_trust_ini() {
	ns_a_experiment trust 100ms "[fault f]
type = rate
target = a
interface = $IF_A
rate = 8mbit
duration = 60s
$1"
}

# Run the experiment in the background, its pid in $ERB, until its fault
# is applied.
_start_run() {
	"$EREBUS" run "$T/x.ini" >"$T/out" 2>"$T/err" &
	ERB=$!
	defer _kill_later "$ERB"
	wait_for_line "$T/err" "fault\.(applied|failed) +f:" 15
	grep -q "fault.applied" "$T/err" || fail "the fault was not applied: $(cat "$T/err")"
}

# Kill the run and its guardian at once: its ledger stays, as a dead run's.
_dead_run() {
	local guard
	_start_run
	guard=$(sed -n 's/^guardian pid=\([0-9]*\) .*/\1/p' "$EREBUS_RUN_DIR"/*.ledger)
	[ -n "$guard" ] || fail "no guardian in the ledger"
	kill -KILL "$guard" "$ERB"
	wait "$ERB" 2>/dev/null || true
	LEDGER=$(ls "$EREBUS_RUN_DIR"/*.ledger)
	[ -f "$LEDGER" ] || fail "no ledger left by the dead run"
}

tc_a() { in_ns "$NS_A" tc "$@"; }

# A filter of the user's: u32 at prio 1, on the ingress (ffff:) of $IF_A.
_user_ingress_filter() {
	tc_a filter add dev "$IF_A" parent ffff: protocol ip prio 1 u32 match ip src 10.9.9.9/32 flowid :1 ||
		fail "cannot add the user's filter"
}

# After `erebus recover` (run first, then the kernel's state checked):
# exit 0 and the ledger gone.
_recovered_ok() {
	assert_eq "$RC" 0 "recover exit code (what is not Erebus' is no failure): $(cat "$T/out")"
	[ ! -e "$LEDGER" ] || fail "the ledger was kept: $(cat "$T/out")"
}

test_recover_leaves_users_ingress_qdisc_and_filter() {
	netns_pair
	_trust_ini "direction = ingress"
	_dead_run
	grep -q "tc-qdisc .*name=ingress" "$LEDGER" || fail "no ingress record: $(cat "$LEDGER")"
	# the operator removes the leftover by hand; a user makes an ingress qdisc of their own
	tc_a qdisc del dev "$IF_A" ingress || fail "cannot remove the leftover ingress qdisc"
	tc_a qdisc add dev "$IF_A" ingress || fail "cannot add the user's ingress qdisc"
	_user_ingress_filter
	# a dry run reads the objects back too, and changes nothing
	run_erebus recover --dry-run
	assert_eq "$RC" 0 "dry run exit code: $(cat "$T/out")"
	grep -q "delete ingress qdisc ffff:0 on ifindex [0-9]*: NOT EREBUS', would be left alone" "$T/out" ||
		fail "dry run: $(cat "$T/out")"
	grep -q "would delete link erebus-in[0-9]*$" "$T/out" || fail "dry run: $(cat "$T/out")"
	in_ns "$NS_A" ip -o link show | grep -q erebus || fail "the dry run removed the ifb"
	run_erebus recover
	tc_a qdisc show dev "$IF_A" ingress | grep -q "^qdisc ingress ffff:" || fail "the user's ingress qdisc was removed"
	tc_a filter show dev "$IF_A" ingress | grep -q "pref 1 u32" || fail "the user's filter was removed"
	# what is Erebus' still goes: the ifb and the tree on it
	! in_ns "$NS_A" ip -o link show | grep -q erebus || fail "the ifb is still there"
	grep -q "delete ingress qdisc ffff:0 on ifindex [0-9]*: NOT EREBUS', LEFT ALONE" "$T/out" || fail "$(cat "$T/out")"
	grep -q "has a filter Erebus did not make (u32 prio 1 protocol 0x800)" "$T/out" || fail "$(cat "$T/out")"
	grep -q "record(s) named what is not Erebus' now: left alone" "$T/out" || fail "$(cat "$T/out")"
	grep -q "delete link erebus-in[0-9]*: done" "$T/out" || fail "$(cat "$T/out")"
	_recovered_ok
}

test_recover_leaves_users_clsact() {
	netns_pair
	_trust_ini "direction = ingress"
	_dead_run
	tc_a qdisc del dev "$IF_A" ingress || fail "cannot remove the leftover ingress qdisc"
	tc_a qdisc add dev "$IF_A" clsact || fail "cannot add the user's clsact qdisc"
	tc_a filter add dev "$IF_A" ingress protocol ip prio 1 u32 match ip src 10.9.9.9/32 flowid :1 ||
		fail "cannot add the user's filter"
	run_erebus recover
	tc_a qdisc show dev "$IF_A" | grep -q "^qdisc clsact ffff:" || fail "the user's clsact was removed"
	tc_a filter show dev "$IF_A" ingress | grep -q "pref 1 u32" || fail "the user's clsact filter was removed"
	grep -q "is clsact, not the ingress qdisc Erebus made" "$T/out" || fail "$(cat "$T/out")"
	_recovered_ok
}

# A clsact record is one Erebus never writes: refused without asking the kernel.
test_recover_refuses_a_clsact_record() {
	local ns
	netns_pair
	tc_a qdisc add dev "$IF_A" clsact || fail "cannot add the user's clsact qdisc"
	ns=$(stat -L -c '%d:%i' "/run/netns/$NS_A")
	stale_ledger 999999.ledger "erebus-ledger 1 pid=999999 start=1 boot=$(boot_id) experiment=forged" \
		"+ 1 tc-qdisc ns=$ns if=$(in_ns "$NS_A" cat "/sys/class/net/$IF_A/ifindex") parent=fffffff1 handle=ffff0000 prio=0 proto=0 family=0 name=clsact"
	LEDGER=$EREBUS_RUN_DIR/999999.ledger
	run_erebus recover
	tc_a qdisc show dev "$IF_A" | grep -q "^qdisc clsact ffff:" || fail "the user's clsact was removed"
	grep -q "record 1 (delete clsact qdisc ffff:0 on ifindex [0-9]*) does not name an object Erebus tags; left alone" \
		"$T/out" || fail "$(cat "$T/out")"
}

# Handles eb00-ebff are Erebus' range, yet a user qdisc of another kind
# there (a pfifo at the root as eb00:, where Erebus' record names its htb)
# is not what the records name: it stays. (pfifo: every kernel has it;
# the class and leaf records find nothing under it, and are closed.)
test_recover_leaves_user_qdisc_at_erebus_handle() {
	netns_pair
	_trust_ini "destination = $B4"
	_dead_run
	grep -q "tc-qdisc .*handle=eb000000 .*name=htb" "$LEDGER" || fail "no root record: $(cat "$LEDGER")"
	tc_a qdisc del dev "$IF_A" root || fail "cannot remove the leftover tree"
	tc_a qdisc add dev "$IF_A" root handle eb00: pfifo || fail "cannot add the user's pfifo qdisc"
	run_erebus recover
	tc_a qdisc show dev "$IF_A" | grep -q "^qdisc pfifo eb00: root" || fail "the user's qdisc was removed"
	grep -q "the qdisc eb00: on ifindex [0-9]* is pfifo now, not the htb Erebus made" "$T/out" || fail "$(cat "$T/out")"
	grep -q "that the filter was under is pfifo now, not the htb Erebus made" "$T/out" || fail "$(cat "$T/out")"
	_recovered_ok
}

# A live run: a filter of the user's joins Erebus' ingress qdisc while the
# fault is on. Rollback removes Erebus' redirect and leaves the qdisc with
# the user's filter, says so in an event, and is no cleanup failure.
test_run_leaves_ingress_qdisc_a_user_joined() {
	netns_pair
	_trust_ini "direction = ingress"
	_start_run
	_user_ingress_filter
	stop_run
	tc_a qdisc show dev "$IF_A" ingress | grep -q "^qdisc ingress ffff:" || fail "the qdisc the user's filter is under was removed"
	tc_a filter show dev "$IF_A" ingress | grep -q "pref 1 u32" || fail "the user's filter was removed"
	! tc_a filter show dev "$IF_A" ingress | grep -q "pref 60160" || fail "Erebus' redirect is still there"
	! in_ns "$NS_A" ip -o link show | grep -q erebus || fail "the ifb is still there"
	assert_eq "$RC" 3 "exit code (interrupted; not 4: nothing of Erebus' is left): $(grep -E 'verdict|leftover|left-alone' "$T/err")"
	grep -q "fault.left-alone f: delete ingress qdisc ffff:0 on ifindex [0-9]*: not Erebus', left alone: the ingress qdisc on ifindex [0-9]* has a filter Erebus did not make (u32 prio 1 protocol 0x800)" \
		"$T/err" || fail "no left-alone event: $(cat "$T/err")"
	! grep -q cleanup.leftover "$T/err" || fail "$(grep cleanup.leftover "$T/err")"
	assert_eq "$(ls "$EREBUS_RUN_DIR"/*.ledger 2>/dev/null | wc -l)" 0 "ledgers left"
}

# Records name their namespace by device, inode and cookie: one whose
# device and inode now name a namespace with another cookie (the inode
# number of a dead namespace reused) is not replayed.
test_recover_skips_namespace_with_another_cookie() {
	local cookie
	netns_pair
	_trust_ini "destination = $B4"
	_dead_run
	cookie=$(sed -n 's/.* cookie=\([0-9]*\) .*/\1/p' "$LEDGER" | sort -u)
	[ -n "$cookie" ] || fail "network records carry no cookie: $(cat "$LEDGER")"
	assert_eq "$cookie" "$(in_ns "$NS_A" python3 -c 'import socket, struct
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
print(struct.unpack("Q", s.getsockopt(socket.SOL_SOCKET, 71, 8))[0])')" "the cookie recorded is the namespace's"
	sed -i "s/ cookie=$cookie / cookie=$((cookie + 1000000)) /" "$LEDGER"
	run_erebus recover
	tc_a qdisc show dev "$IF_A" | grep -q "^qdisc htb eb00: root" || fail "the tree was touched"
	grep -q "NOT REPLAYED: its network namespace is gone, and another one has its device and inode now" "$T/out" ||
		fail "$(cat "$T/out")"
	! grep -q ": done" "$T/out" || fail "a record was replayed in another namespace: $(cat "$T/out")"
	_recovered_ok
}

# A ledger written before records had cookies is still replayed by device
# and inode.
test_recover_reads_records_without_cookie() {
	netns_pair
	_trust_ini "destination = $B4"
	_dead_run
	sed -i 's/ cookie=[0-9]* / /' "$LEDGER"
	run_erebus recover
	! tc_a qdisc show dev "$IF_A" | grep -q "eb0" || fail "the tree is still there: $(tc_a qdisc show dev "$IF_A")"
	grep -q "delete htb qdisc eb00:0 on ifindex [0-9]*: done" "$T/out" || fail "$(cat "$T/out")"
	_recovered_ok
}

# A filter of the user's at Erebus' priority under ffff: (protocol all,
# u32, a mirred redirect) is Erebus' only if it redirects to an erebus
# ifb: one to the veth is left alone, with the qdisc it is under; a link
# with the ifb's name that is no ifb (a veth) is left alone too.
test_recover_leaves_lookalike_redirect_and_link() {
	local ifb
	netns_pair
	_trust_ini "direction = ingress"
	_dead_run
	ifb=$(in_ns "$NS_A" ip -o link show | grep -oE "erebus-in[0-9]+" | head -1)
	[ -n "$ifb" ] || fail "no ifb made by the run"
	tc_a qdisc del dev "$IF_A" ingress || fail "cannot remove the leftover ingress qdisc"
	in_ns "$NS_A" ip link del "$ifb" || fail "cannot remove the leftover ifb"
	tc_a qdisc add dev "$IF_A" ingress || fail "cannot add the user's ingress qdisc"
	tc_a filter add dev "$IF_A" parent ffff: protocol all prio 60160 u32 match u32 0 0 \
		action mirred egress redirect dev "$IF_A" || fail "cannot add the user's redirect"
	in_ns "$NS_A" ip link add "$ifb" type veth peer name "${ifb}p" || fail "cannot add the user's veth"
	run_erebus recover
	tc_a filter show dev "$IF_A" ingress | grep -q "pref 60160 u32" || fail "the user's redirect was removed"
	tc_a qdisc show dev "$IF_A" ingress | grep -q "^qdisc ingress ffff:" || fail "the user's ingress qdisc was removed"
	in_ns "$NS_A" ip link show dev "$ifb" >/dev/null 2>&1 || fail "the user's veth $ifb was removed"
	grep -q "the filter at prio 60160 on ifindex [0-9]* is not the one Erebus made (u32 prio 60160 protocol 0x3, not a redirect to an erebus ifb)" \
		"$T/out" || fail "$(cat "$T/out")"
	grep -q "the link $ifb is veth now, not the ifb Erebus made" "$T/out" || fail "$(cat "$T/out")"
	_recovered_ok
}
