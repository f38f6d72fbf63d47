# SPDX-License-Identifier: MIT
# The VM tier's own checks, run inside the guest by tests/vm/check.sh with
# tests/integration/run.sh (same harness, same fixtures): Debian's stock
# kernel is booted, qdiscs, link types and nf_tables autoload, namespaces
# and veth work, a netem delay is visible on real traffic, and the guest's
# writes stay in its overlay. Outside the VM every test skips.
# Traffic goes only to loopback and to namespaces made here.

source "$(dirname "${BASH_SOURCE[0]}")/../integration/netns.sh"

in_vm() { [ "${EREBUS_IN_VM:-}" = 1 ] || skip "runs only inside the VM tier (make check-vm)"; }

# tcp_listen NS ADDR PORT: a listener (backlog only: the kernel completes
# each handshake) in namespace NS (- for this one), killed at the end.
tcp_listen() {
	local ns=$1 addr=$2 port=$3 pre=()
	[ "$ns" = - ] || pre=(ip netns exec "$ns")
	spawn _listener "${pre[@]}" python3 -c '
import socket, sys, time
a, p = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((a, p)); s.listen(128)
print("listening", flush=True)
time.sleep(120)' "$addr" "$port" 2>"$T/listen.$port.err"
	wait_for_line "$T/spawned.out" "listening" 20
}

# connect_ms NS ADDR PORT N [TIMEOUT]: the median of N TCP connect times in
# ms, timed with the guest's monotonic clock, or "fail" when one fails.
connect_ms() {
	local ns=$1 pre=()
	[ "$ns" = - ] || pre=(ip netns exec "$ns")
	"${pre[@]}" python3 -c '
import socket, sys, time
a, p, n, to = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
ts = []
for _ in range(n):
    s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET)
    s.settimeout(to)
    t = time.monotonic()
    try:
        s.connect((a, p))
    except OSError:
        print("fail"); sys.exit(0)
    ts.append((time.monotonic() - t) * 1000)
    s.close()
ts.sort()
print("%.1f" % ts[len(ts) // 2])' "$2" "$3" "$4" "${5:-5}"
}

test_vm_stock_kernel() {
	in_vm
	local r
	r=$(uname -r)
	case $r in *-amd64) ;; *) fail "uname -r is $r, not a Debian amd64 kernel" ;; esac
	[ -f "/lib/modules/$r/modules.dep" ] || fail "no modules.dep for $r"
	[ "$(cat /proc/sys/kernel/modprobe)" != "" ] || fail "no modprobe helper"
	[ -x "$EREBUS" ] || fail "the build's erebus ($EREBUS) is not visible in the guest"
	note "kernel $r, $(nproc) CPUs, $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB"
}

test_vm_netem_autoloads() {
	in_vm
	tc qdisc add dev lo root netem delay 10ms || fail "tc qdisc add netem on lo failed"
	defer tc qdisc del dev lo root
	tc qdisc show dev lo | grep -q 'netem .*delay 10ms' || fail "netem not shown: $(tc qdisc show dev lo)"
	[ -d /sys/module/sch_netem ] || fail "sch_netem was not loaded"
	"$EREBUS" faults | grep -A1 -E '^  delay ' | grep -q 'supported here: yes' ||
		fail "erebus faults does not see netem: $("$EREBUS" faults | grep -A1 -E '^  delay ')"
}

# A 50 ms netem delay on lo delays the SYN and the SYN-ACK: a TCP connect
# over loopback takes 100 ms more, within 10%.
test_vm_delay_on_loopback() {
	in_vm
	local port base slow
	port=$(free_port)
	tcp_listen - 127.0.0.1 "$port"
	base=$(connect_ms - 127.0.0.1 "$port" 9)
	[ "$base" != fail ] || fail "connect to the loopback listener failed"
	tc qdisc add dev lo root netem delay 50ms || fail "tc qdisc add netem failed"
	defer tc qdisc del dev lo root
	slow=$(connect_ms - 127.0.0.1 "$port" 9)
	[ "$slow" != fail ] || fail "connect failed under the delay"
	assert_near "$(awk -v s="$slow" -v b="$base" 'BEGIN { print s - b }')" 100 10 "added connect time (ms)"
	note "loopback connect: ${base} ms, ${slow} ms with netem delay 50ms"
}

# Namespaces joined by veth; a delay on one side's veth slows only that
# direction; an ifb device can be made; nft drops traffic for real.
test_vm_netns_veth_ifb() {
	in_vm
	netns_pair
	local port base slow
	port=$(free_port)
	tcp_listen "$NS_B" "$B4" "$port"
	base=$(connect_ms "$NS_A" "$B4" "$port" 7)
	[ "$base" != fail ] || fail "connect from $NS_A to $B4 over veth failed"
	in_ns "$NS_A" tc qdisc add dev "$IF_A" root netem delay 40ms || fail "netem on veth failed"
	slow=$(connect_ms "$NS_A" "$B4" "$port" 7)
	assert_near "$(awk -v s="$slow" -v b="$base" 'BEGIN { print s - b }')" 40 4 "added connect time over veth (ms)"
	in_ns "$NS_A" ip link add "ifb$IF_A" type ifb || fail "cannot make an ifb device"
	in_ns "$NS_A" ip link set "ifb$IF_A" up || fail "cannot bring the ifb device up"
	note "veth connect: ${base} ms, ${slow} ms with netem delay 40ms on the sender's side"
}

test_vm_nft_drops() {
	in_vm
	netns_pair
	local port r
	port=$(free_port)
	tcp_listen "$NS_B" "$B4" "$port"
	[ "$(connect_ms "$NS_A" "$B4" "$port" 1)" != fail ] || fail "connect before the nft rule failed"
	in_ns "$NS_B" nft add table inet eb_vm_test || fail "nft add table failed"
	in_ns "$NS_B" nft add chain inet eb_vm_test in '{ type filter hook input priority 0; }'
	in_ns "$NS_B" nft add rule inet eb_vm_test in tcp dport "$port" drop
	r=$(connect_ms "$NS_A" "$B4" "$port" 1 1)
	assert_eq "$r" fail "connect through an nft drop rule"
	in_ns "$NS_B" nft delete table inet eb_vm_test
	[ "$(connect_ms "$NS_A" "$B4" "$port" 1)" != fail ] || fail "connect after deleting the table failed"
}

# The guest may write anywhere, into its tmpfs overlay; tests/vm/check.sh
# checks on the host, after the VM, that this file never appeared there.
test_vm_writes_stay_in_guest() {
	in_vm
	[ -n "${EREBUS_VM_PROBE:-}" ] || skip "EREBUS_VM_PROBE is not set"
	echo guest >"$EREBUS_VM_PROBE" || fail "cannot write $EREBUS_VM_PROBE in the overlay"
	assert_eq "$(cat "$EREBUS_VM_PROBE")" guest "read back from the overlay"
}
