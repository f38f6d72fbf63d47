# SPDX-License-Identifier: MIT
# The tc faults (delay, loss, corrupt, duplicate, reorder, rate) on real
# interfaces with real traffic, in throwaway namespaces (netns.sh): what
# is in the kernel while a fault is active (tc -j, jq), that nothing of
# Erebus is left after it, that a user's own qdisc is refused and kept,
# and that a rate cap holds (within 20%) while unmatched traffic runs at
# full speed. The netem tests run unchanged on a kernel with sch_netem;
# where it is missing they skip, saying so, and one test checks that such
# a run exits 5 with the message and leaves nothing behind.
#
# Faults that are checked while active last $LONG, far longer than any
# check takes, and the run is ended with stop_run (SIGINT, lib.sh) once the
# checks are done; where a test needs one fault to end by itself while
# another stays, it freezes erebus (SIGSTOP) while it reads the state. So
# no check depends on how fast the machine is (the VM tier is slow).

source "$(dirname "${BASH_SOURCE[0]}")/netns.sh"

PORT=5201
LONG=10m	# longer than any test: its run is ended with stop_run

# A small TCP server/client pair: the server in $NS_B answers "up N"
# (it reads N bytes, then says ok) and "down N" (it sends N bytes); the
# client prints the seconds the exchange took. Every wait is bounded.
_write_xfer() {
	cat >"$T/xfer.py" <<'EOF2'
import socket, sys, time
mode = sys.argv[1]
if mode == "serve":
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", int(sys.argv[2]))); s.listen(8); s.settimeout(120)
    print("ready", flush=True)
    while True:
        c, _ = s.accept(); c.settimeout(30)
        hdr = b""
        while not hdr.endswith(b"\n"):
            b = c.recv(1)
            if not b: break
            hdr += b
        op, n = hdr.split(); n = int(n)
        if op == b"up":
            got = 0
            while got < n:
                d = c.recv(65536)
                if not d: break
                got += len(d)
            c.sendall(b"ok")
        else:
            c.sendall(b"x" * n)
        c.close()
host, port, n = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
c = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
c.settimeout(30)
t0 = time.monotonic()
c.connect((host, port)); c.sendall(b"%s %d\n" % (mode.encode(), n))
if mode == "up":
    c.sendall(b"x" * n)
    assert c.recv(2) == b"ok"
else:
    got = 0
    while got < n:
        d = c.recv(65536)
        if not d: break
        got += len(d)
    assert got == n, got
print("%.3f" % (time.monotonic() - t0))
EOF2
}

# netns pair + the server in B.
_setup() {
	netns_pair
	_write_xfer
	# ip netns exec execs python3: the pid spawn kills at the end is the server.
	spawn SRV ip netns exec "$NS_B" python3 "$T/xfer.py" serve "$PORT"
	wait_for_line "$T/spawned.out" ready 10
	# Resolve every neighbour first: on a link just made, the first IPv6
	# connection waits about 1 s for neighbour discovery, which has
	# nothing to do with the caps measured below.
	local h pids=()
	for h in "$B4" "$B4_2" "$B6" "$B6_2"; do
		xfer up "$h" 100 >/dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
}

# xfer up|down HOST BYTES: seconds, run from A.
xfer() { in_ns "$NS_A" python3 "$T/xfer.py" "$1" "$2" "$PORT" "$3"; }

# The experiment: target = namespace A, one exec probe, then the faults
# given as text (each "[fault NAME]" block).
_ini() { ns_a_experiment shaping 200ms "$1"; }

# Start the run in the background (its pid in $ERB, for end_run and
# stop_run); return once N faults were applied or failed, or the run ended.
_start_any() {
	local n=${1:-1}
	"$EREBUS" run "$T/x.ini" --json "$T/r.json" >"$T/out" 2>"$T/err" &
	ERB=$!
	defer _kill_later "$ERB"
	# the reader stops at the N-th fault line or at the verdict (tail -F
	# then sees its reader gone and ends too)
	timeout 30 bash -c 'tail -n +1 -F "$1" 2>/dev/null | {
		c=0
		while read -r l; do
			case $l in
			*fault.applied* | *fault.failed*) c=$((c + 1)); [ "$c" -lt "$2" ] || exit 0 ;;
			*verdict*) exit 0 ;;
			esac
		done
	}' _ "$T/err" "$n" || true
	[ "$(grep -cE 'fault\.(applied|failed)' "$T/err")" -ge "$n" ] ||
		fail "fewer than $n faults applied or failed (in 30s, or the run ended): $(cat "$T/err")"
}
# The same, and every one of the N applied.
_start() {
	_start_any "$@"
	! grep -q fault.failed "$T/err" || fail "a fault failed: $(grep fault.failed "$T/err")"
	[ "$(grep -c fault.applied "$T/err")" -ge "${1:-1}" ] || fail "the run ended early: $(cat "$T/err")"
}

# Freeze erebus (SIGSTOP) so that no fault ends while the test reads the
# kernel's state; thaw lets its timers fire, late. SHORT is the fault that
# ends by itself: time enough to freeze erebus once it is applied.
SHORT=5s
freeze() {
	kill -STOP "$ERB"
	! grep -q fault.reverted "$T/err" ||
		fail "a fault ended before erebus could be frozen: $(grep fault.reverted "$T/err")"
}
thaw() { kill -CONT "$ERB"; }

qdiscs() { in_ns "$NS_A" tc -j qdisc show dev "${1:-$IF_A}"; }
filters() { in_ns "$NS_A" tc -j filter show dev "${1:-$IF_A}" "${@:2}"; }
classes() { in_ns "$NS_A" tc class show dev "${1:-$IF_A}"; }
ifb_name() { echo "erebus-in$(in_ns "$NS_A" cat "/sys/class/net/$IF_A/ifindex")"; }

# Nothing of Erebus on A: only default qdiscs (handle 0:), no class, no
# filter, no ingress qdisc, no erebus link.
assert_clean() {
	local q
	q=$(qdiscs)
	[ "$(jq '[.[] | select(.handle != "0:")] | length' <<<"$q")" = 0 ] ||
		fail "qdiscs left on $IF_A: $q"
	[ -z "$(classes)" ] || fail "classes left on $IF_A: $(classes)"
	[ "$(filters | jq length)" = 0 ] || fail "filters left on $IF_A: $(filters)"
	[ "$(filters "$IF_A" ingress 2>/dev/null | jq length 2>/dev/null || echo 0)" = 0 ] ||
		fail "ingress filters left on $IF_A"
	! in_ns "$NS_A" ip -o link show | grep -q erebus || fail "link left: $(in_ns "$NS_A" ip -o link show | grep erebus)"
}

# assert_time SECONDS BYTES RATE_BPS [FREE_SECONDS]: what the cap implies.
# Not faster than the rate allows (20% for the burst and timing); not
# slower than that plus twice what the same transfer took unshaped
# (FREE_SECONDS, default 0.25): a loaded machine slows both alike.
assert_time() {
	local want
	want=$(awk -v b="$2" -v r="$3" 'BEGIN { printf "%.3f", b * 8 / r }')
	assert_cmp "$1" ">=" "$(awk -v w="$want" 'BEGIN { print w * 0.8 }')" "transfer time at the cap (the rate holds)"
	assert_cmp "$1" "<=" "$(awk -v w="$want" -v f="${4:-0.25}" 'BEGIN { print w * 1.2 + 2 * f }')" \
		"transfer time at the cap (not slower than the rate)"
}
# assert_free SECONDS CAPPED_SECONDS WHAT: an unshaped transfer is at
# least twice as fast as the capped one (the cap does not reach it).
assert_free() {
	assert_cmp "$1" "<" "$(awk -v c="$2" 'BEGIN { print c / 2 }')" "$3"
}

netem_here() {
	"$EREBUS" faults | grep -A1 '^  delay ' | grep -q 'supported here: yes'
}
need_netem() {
	netem_here || skip "sch_netem is not available in this kernel (erebus faults says so); this test runs where it is, such as the VM tier"
}

# ---- rate (tbf): works on this kernel ------------------------------------

test_rate_egress_targeted() {
	_setup
	_ini "[fault cap]
type = rate
target = a
interface = $IF_A
destination = $B4
rate = 8mbit
duration = $LONG"
	_start
	local q f
	q=$(qdiscs)
	assert_eq "$(jq -r '.[] | select(.root) | "\(.kind) \(.handle) \(.options.default) \(.options.direct_qlen)"' <<<"$q")" \
		"htb eb00: 0 1000" "root qdisc"
	assert_eq "$(jq -r '.[] | select(.kind == "tbf") | "\(.handle) \(.parent) \(.options.rate) \(.options.burst)"' <<<"$q")" \
		"eb01: eb00:1 1000000 10000" "tbf leaf (rate in bytes/s, burst in bytes)"
	classes | grep -q "^class htb eb00:1 root leaf eb01: prio 0 rate 1Tbit ceil 1Tbit" ||
		fail "pass-through class: $(classes)"
	f=$(filters)
	assert_eq "$(jq -r '.[] | select(.options.flowid) | "\(.protocol) \(.pref) \(.options.flowid) \(.options.match.value)/\(.options.match.mask)@\(.options.match.off)"' <<<"$f")" \
		"ip 60161 eb00:1 $(printf '%x' "$(( $(printf '0x%02x%02x%02x%02x' ${B4//./ }) ))")/ffffffff@16" "u32 filter"
	# 2 MiB at 8mbit: 2.1 s; to the other address of B: at full speed.
	local capped free
	capped=$(xfer up "$B4" 2097152)
	free=$(xfer up "$B4_2" 2097152)
	assert_time "$capped" 2097152 8000000 "$free"
	assert_free "$free" "$capped" "unmatched destination at full speed"
	stop_run
	assert_eq "$RC" 3 "exit code after SIGINT (aborted)"
	assert_eq "$(json "$T/r.json" .verdict)" aborted "verdict"
	assert_clean
	assert_free "$(xfer up "$B4" 2097152)" "$capped" "full speed again after revert"
}

# A fault that ends by itself (nothing is checked while it is active):
# reverted at the end of its duration, exit 0, nothing left.
test_rate_ends_by_itself() {
	netns_pair
	_ini "[fault cap]
type = rate
target = a
interface = $IF_A
rate = 8mbit
duration = 1s"
	_start
	end_run 30
	assert_eq "$RC" 0 "exit code: $(tail -n 5 "$T/err")"
	assert_eq "$(json "$T/r.json" .verdict)" passed "verdict"
	grep -q "fault.reverted *cap" "$T/err" || fail "no fault.reverted line: $(cat "$T/err")"
	assert_cmp "$(json "$T/r.json" '.faults[0].reverted_at_ms - .faults[0].applied_at_ms')" ">=" 1000 "fault length: its duration from when it took effect"
	assert_clean
}

test_rate_ingress() {
	_setup
	_ini "[fault cap-in]
type = rate
target = a
interface = $IF_A
direction = ingress
destination = $B4
rate = 4mbit
duration = $LONG"
	_start
	local ifb q capped free
	ifb=$(ifb_name)
	in_ns "$NS_A" ip -j link show "$ifb" | jq -e '.[0].operstate != "DOWN" and .[0].txqlen == 1000' >/dev/null ||
		fail "ifb $ifb missing or down: $(in_ns "$NS_A" ip -j link show "$ifb")"
	assert_eq "$(qdiscs | jq -r '.[] | select(.kind == "ingress") | .handle')" "ffff:" "ingress qdisc"
	assert_eq "$(filters "$IF_A" ingress | jq -r '.[] | select(.options.actions) | "\(.pref) \(.protocol) \(.options.actions[0].kind) \(.options.actions[0].mirred_action) \(.options.actions[0].to_dev)"')" \
		"60160 all mirred redirect $ifb" "redirect filter"
	q=$(qdiscs "$ifb")
	assert_eq "$(jq -r '.[] | select(.kind == "tbf") | "\(.handle) \(.parent) \(.options.rate)"' <<<"$q")" \
		"eb01: eb00:1 500000" "tbf on the ifb"
	# the peer is the source on ingress: src address at offset 12
	assert_eq "$(filters "$ifb" | jq -r '.[] | select(.options.flowid) | "\(.options.match.off)"')" 12 "src key"
	capped=$(xfer down "$B4" 1048576)
	free=$(xfer down "$B4_2" 1048576)
	assert_time "$capped" 1048576 4000000 "$free"
	assert_free "$free" "$capped" "unmatched source at full speed"
	stop_run
	assert_eq "$RC" 3 "exit code after SIGINT"
	assert_clean
}

test_rate_ipv6() {
	_setup
	_ini "[fault cap6]
type = rate
target = a
interface = $IF_A
destination = $B6
protocol = tcp
port = $PORT
rate = 8mbit
duration = $LONG"
	_start
	local f capped free
	f=$(filters)
	assert_eq "$(jq -r '[.[] | select(.options.flowid) | .protocol] | unique | join(",")' <<<"$f")" ipv6 "filter protocol"
	# the last key printed: the destination port at 40 (no extension headers)
	assert_eq "$(jq -r '.[] | select(.options.flowid) | "\(.options.match.value)/\(.options.match.mask)@\(.options.match.off)"' <<<"$f")" \
		"$(printf '%x' "$PORT")/ffff@40" "port key"
	capped=$(xfer up "$B6" 2097152)
	free=$(xfer up "$B6_2" 2097152)
	assert_time "$capped" 2097152 8000000 "$free"
	assert_free "$free" "$capped" "unmatched IPv6 destination at full speed"
	stop_run
	assert_eq "$RC" 3 "exit code after SIGINT"
	assert_clean
}

test_rate_whole_interface() {
	_setup
	_ini "[fault all]
type = rate
target = a
interface = $IF_A
rate = 4mbit
duration = $LONG"
	_start
	assert_eq "$(filters | jq -r '.[] | select(.options.flowid) | "\(.protocol) \(.pref) \(.options.match.mask)"')" \
		"all 60289 0" "catch-all filter after the targeted range"
	assert_time "$(xfer up "$B4_2" 1048576)" 1048576 4000000
	stop_run
	assert_eq "$RC" 3 "exit code after SIGINT"
	assert_clean
}

# Two faults on one interface share the root; each reverts its own part:
# the one lasting $SHORT ends by itself (its name is $3) while the other
# stays, then the run is stopped.
_compose() {
	local d1=$1 d2=$2 short=$3
	_ini "[fault one]
type = rate
target = a
interface = $IF_A
destination = $B4
rate = 8mbit
duration = $d1
[fault two]
type = rate
target = a
interface = $IF_A
destination = $B4_2
rate = 2mbit
duration = $d2"
	_start 2
	freeze
	classes | grep -q "eb00:1 " || fail "class eb00:1 missing: $(classes)"
	classes | grep -q "eb00:2 " || fail "class eb00:2 missing: $(classes)"
	assert_eq "$(qdiscs | jq -r '[.[] | select(.root)] | length')" 1 "one shared root"
	assert_eq "$(filters | jq -r '[.[] | select(.options.flowid) | .pref] | sort | join(",")')" \
		"60161,60162" "one filter per fault"
	thaw
	wait_for_line "$T/err" "fault.reverted" 30
	grep -q "fault.reverted *$short:" "$T/err" || fail "the first revert is not $short's: $(grep fault.reverted "$T/err")"
	# one is gone, the other still whole
	local left kept
	kept=$([ "$short" = one ] && echo 2 || echo 1)
	left=$(classes | grep "^class htb eb00:" || true)
	assert_eq "$(wc -l <<<"$left")" 1 "classes after the first revert"
	grep -q "^class htb eb00:$kept " <<<"$left" || fail "class eb00:$kept is not the one kept: $left"
	assert_eq "$(qdiscs | jq -r '.[] | select(.root) | .handle')" "eb00:" "root kept for the other fault"
	assert_eq "$(filters | jq -r '[.[] | select(.options.flowid) | .pref] | join(",")')" "6016$kept" \
		"filters after the first revert"
	stop_run
	assert_eq "$RC" 3 "exit code after SIGINT"
	assert_clean
}

test_compose_first_reverted_first() {
	_setup
	_compose "$SHORT" "$LONG" one
}

test_compose_last_reverted_first() {
	_setup
	_compose "$LONG" "$SHORT" two
}

test_ingress_and_egress_compose() {
	_setup
	_ini "[fault out]
type = rate
target = a
interface = $IF_A
destination = $B4
rate = 8mbit
duration = $LONG
[fault in]
type = rate
target = a
interface = $IF_A
direction = ingress
destination = $B4
rate = 8mbit
duration = $SHORT"
	_start 2
	freeze
	assert_eq "$(qdiscs | jq -r '[.[] | .kind] | sort | join(",")')" "htb,ingress,tbf" "egress tree and ingress qdisc"
	in_ns "$NS_A" ip -o link show | grep -q erebus-in || fail "no ifb while the ingress fault is active"
	thaw
	wait_for_line "$T/err" "fault.reverted" 30
	grep -q "fault.reverted *in:" "$T/err" || fail "the first revert is not the ingress fault's: $(grep fault.reverted "$T/err")"
	assert_eq "$(qdiscs | jq -r '[.[] | .kind] | sort | join(",")')" "htb,tbf" "ingress part removed, egress kept"
	! in_ns "$NS_A" ip -o link show | grep -q erebus || fail "ifb left after the ingress fault"
	stop_run
	assert_eq "$RC" 3 "exit code after SIGINT"
	assert_clean
}

test_user_root_qdisc_refused_and_kept() {
	_setup
	in_ns "$NS_A" tc qdisc add dev "$IF_A" root handle 1: tbf rate 1mbit burst 10k limit 20k
	_ini "[fault cap]
type = rate
target = a
interface = $IF_A
rate = 8mbit
duration = 1s"
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 1 "exit code (the fault could not be applied)"
	grep -q "already has a root qdisc (tbf 1:) that Erebus did not create" "$T/err" ||
		fail "no refusal message: $(cat "$T/err")"
	assert_eq "$(qdiscs | jq -r '.[] | select(.root) | "\(.kind) \(.handle) \(.options.rate)"')" \
		"tbf 1: 125000" "the user's qdisc is intact"
	[ -z "$(classes | grep eb00)" ] || fail "classes made"
	in_ns "$NS_A" tc qdisc del dev "$IF_A" root
	assert_clean
}

test_user_ingress_qdisc_refused_and_kept() {
	_setup
	in_ns "$NS_A" tc qdisc add dev "$IF_A" clsact
	_ini "[fault cap]
type = rate
target = a
interface = $IF_A
direction = ingress
rate = 8mbit
duration = 1s"
	run_erebus run "$T/x.ini"
	assert_eq "$RC" 1 "exit code"
	grep -q "already has an ingress qdisc (clsact ffff:)" "$T/err" || fail "no refusal message: $(cat "$T/err")"
	assert_eq "$(qdiscs | jq -r '.[] | select(.kind == "clsact") | .handle')" "ffff:" "clsact kept"
	! in_ns "$NS_A" ip -o link show | grep -q erebus || fail "an ifb was made"
}

test_missing_interface_fails_cleanly() {
	_setup
	_ini "[fault cap]
type = rate
target = a
interface = nosuch0
rate = 8mbit
duration = 1s"
	run_erebus run "$T/x.ini"
	assert_eq "$RC" 1 "exit code"
	grep -q "no interface nosuch0 in the target's network namespace" "$T/err" || fail "message: $(cat "$T/err")"
	assert_clean
}

test_plan_lists_the_objects() {
	NS_A=nonexistent-ns
	_ini "[fault cap]
type = rate
target = a
interface = eth0
direction = ingress
destination = 2001:db8::/48
port = 443
protocol = tcp
rate = 1mbit
duration = 1s"
	run_erebus plan "$T/x.ini"
	grep -q "link erebus-in<ifindex> type ifb" "$T/out" || fail "plan: $(cat "$T/out")"
	grep -q "filter u32 parent ffff: prio 0xeb00 protocol all on eth0" "$T/out" || fail "no redirect in plan"
	grep -q "qdisc tbf eb01: parent eb00:1 on erebus-in<ifindex>, rate 1Mbit burst 3028b" "$T/out" ||
		fail "no tbf in plan: $(cat "$T/out")"
	grep -q "protocol ipv6 .*src 2001:db8::/48 tcp sport 443 (keys 20010db8/ffffffff at 8, 00000000/ffff0000 at 12, 00000600/0000ff00 at 4, 01bb0000/ffff0000 at 40)" "$T/out" ||
		fail "no ipv6 filter in plan: $(cat "$T/out")"
}

# ---- netem: here, unsupported; on the VM tier, for real ---------------------

test_netem_unsupported_exits_5_and_leaves_nothing() {
	netem_here && skip "this kernel has sch_netem: the netem tests below run instead"
	_setup
	_ini "[fault slow]
type = delay
target = a
interface = $IF_A
destination = $B4
delay = 100ms
duration = 1s"
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 5 "exit code"
	grep -q "sch_netem is not available in this kernel: load it with modprobe sch_netem, or install your distribution's extra kernel modules package (e.g. linux-modules-extra-\$(uname -r))" "$T/err" ||
		fail "message: $(cat "$T/err")"
	assert_eq "$(json "$T/r.json" .verdict)" unsupported "verdict"
	assert_clean
	# and plan says so too
	run_erebus plan "$T/x.ini"
	assert_eq "$RC" 5 "plan exit code"
	grep -q "NOT SUPPORTED here: sch_netem is not available" "$T/out" || fail "plan: $(cat "$T/out")"
}

# RTT to A's peer through ping, in ms (the average of 5).
rtt_ms() {
	in_ns "$NS_A" ping -n -q -c 5 -i 0.2 -W 2 "$1" | awk -F/ '/^rtt|^round-trip/ { print $5 }'
}

test_delay_netem() {
	need_netem
	_setup
	_ini "[fault slow]
type = delay
target = a
interface = $IF_A
destination = $B4
delay = 100ms
jitter = 10ms
correlation = 25%
distribution = normal
duration = $LONG"
	_start
	local n
	n=$(qdiscs | jq -c '.[] | select(.kind == "netem")')
	assert_eq "$(jq -r '"\(.handle) \(.parent) \(.options.limit) \(.options.delay.delay) \(.options.delay.jitter) \(.options.delay.correlation)"' <<<"$n")" \
		"eb01: eb00:1 1000 0.1 0.01 0.25" "netem options"
	# 100 ms +/- 10 ms of delay, 3 sigma: the delayed peer's average RTT
	# is at least 70 ms more than the other peer's, however slow the host
	local delayed other
	delayed=$(rtt_ms "$B4")
	other=$(rtt_ms "$B4_2")
	assert_cmp "$delayed" ">=" "$(awk -v o="$other" 'BEGIN { print o + 70 }')" "delayed peer RTT (other peer: ${other} ms)"
	stop_run
	assert_eq "$RC" 3 "exit code after SIGINT"
	assert_clean
}

test_loss_netem() {
	need_netem
	_setup
	_ini "[fault drop]
type = loss
target = a
interface = $IF_A
destination = $B4
percent = 100%
duration = $LONG
[fault bursty]
type = loss
target = a
interface = $IF_A
destination = $B6
model = gemodel
p = 1%
r = 30%
1-h = 80%
1-k = 0.1%
duration = $LONG"
	_start 2
	local q
	q=$(qdiscs)
	assert_eq "$(jq -r '.[] | select(.handle == "eb01:") | .options["loss-random"].loss' <<<"$q")" 1 "random loss"
	assert_eq "$(jq -r '.[] | select(.handle == "eb02:") | .options["loss-gemodel"] | "\(.p) \(.r) \(.["1-h"]) \(.["1-k"])"' <<<"$q")" \
		"0.01 0.3 0.8 0.001" "Gilbert-Elliott"
	in_ns "$NS_A" ping -n -q -c 2 -W 1 "$B4" >/dev/null && fail "packets to $B4 got through 100% loss"
	in_ns "$NS_A" ping -n -q -c 2 -W 1 "$B4_2" >/dev/null || fail "packets to $B4_2 were dropped"
	stop_run
	assert_eq "$RC" 3 "exit code after SIGINT"
	assert_clean
}

# corrupt and reorder share a run; duplicate runs alone (below): Linux
# refuses a duplicating netem beside another one.
test_corrupt_reorder_netem() {
	need_netem
	_setup
	_ini "[fault flip]
type = corrupt
target = a
interface = $IF_A
destination = $B4
percent = 5%
duration = $LONG
[fault shuffle]
type = reorder
target = a
interface = $IF_A
direction = ingress
destination = $B4
percent = 25%
delay = 10ms
duration = $LONG
[fault slow]
type = delay
target = a
interface = $IF_A
destination = $B4_2
delay = 1ms
duration = $LONG"
	_start 3
	local q
	q=$(qdiscs)
	assert_eq "$(jq -r '.[] | select(.handle == "eb01:") | .options.corrupt.corrupt' <<<"$q")" 0.05 "corrupt"
	assert_eq "$(jq -r '.[] | select(.handle == "eb02:") | .options.delay.delay' <<<"$q")" 0.001 "a second netem beside it"
	assert_eq "$(qdiscs "$(ifb_name)" | jq -r '.[] | select(.kind == "netem") | "\(.options.reorder.reorder) \(.options.gap) \(.options.delay.delay)"')" \
		"0.25 1 0.01" "reorder on the ifb"
	stop_run
	assert_eq "$RC" 3 "exit code after SIGINT"
	assert_clean
}

# A duplicate fault alone on its interface: every ping answered twice.
test_duplicate_netem() {
	need_netem
	_setup
	_ini "[fault twice]
type = duplicate
target = a
interface = $IF_A
destination = $B4
percent = 100%
correlation = 20%
duration = $LONG"
	_start
	assert_eq "$(qdiscs | jq -r '.[] | select(.kind == "netem") | "\(.handle) \(.options.duplicate.duplicate) \(.options.duplicate.correlation)"')" \
		"eb01: 1 0.2" "duplicate"
	local p
	p=$(in_ns "$NS_A" ping -n -q -c 3 -i 0.2 -W 2 "$B4") || fail "ping $B4: $p"
	grep -qE "3 received, \+[0-9]+ duplicates" <<<"$p" || fail "no duplicates: $p"
	p=$(in_ns "$NS_A" ping -n -q -c 3 -i 0.2 -W 2 "$B4_2") || fail "ping $B4_2: $p"
	! grep -q duplicates <<<"$p" || fail "duplicates from $B4_2, which is not matched: $p"
	stop_run
	assert_eq "$RC" 3 "exit code after SIGINT"
	assert_clean
}

# Linux refuses a netem that duplicates packets on an interface with
# another netem (TC_NETEM_DUP_RULE in tc.h): such an experiment is refused
# when it is loaded, with both faults named, before anything is made.
test_duplicate_beside_netem_refused() {
	netns_pair
	_ini "[fault flip]
type = corrupt
target = a
interface = $IF_A
percent = 5%
duration = 3s
[fault twice]
type = duplicate
target = a
interface = $IF_A
percent = 10%
at = 2s
duration = 3s"
	local want="x.ini:17: [fault twice]: duplicates packets on $IF_A egress at 2s for 3s, and [fault flip] (corrupt, line 11) has a netem there at 0s for 3s: Linux refuses a netem that duplicates packets beside another netem on one interface (\"netem: cannot mix duplicating netems with other netems in tree\"); give them windows that do not overlap (one ending before the other starts: at, duration), or different interfaces or directions"
	run_erebus validate "$T/x.ini"
	assert_eq "$RC" 2 "validate exit code"
	grep -qF "$T/$want" "$T/err" || fail "validate: $(cat "$T/out" "$T/err")"
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 2 "run exit code"
	grep -qF "$T/$want" "$T/err" || fail "run: $(cat "$T/err")"
	! grep -q "fault\.applied" "$T/err" || fail "a fault was applied"
	assert_clean
	# one ending before the other starts: accepted
	sed -i 's/^at = 2s$/at = 3001ms/' "$T/x.ini"
	run_erebus validate "$T/x.ini"
	assert_eq "$RC" 0 "validate exit code for windows apart: $(cat "$T/err")"
}

# Where the experiment cannot show that two faults share a namespace (one
# targets it by name, the other a process in it), the kernel refuses: its
# own words reach the user as it said them, with what to do.
test_duplicate_rule_from_the_kernel() {
	need_netem
	_setup
	spawn INA ip netns exec "$NS_A" sh -c 'echo in-ns; exec sleep 600'
	wait_for_line "$T/spawned.out" in-ns 10
	_ini "[target p]
pid = $INA
[fault slow]
type = delay
target = a
interface = $IF_A
destination = $B4
delay = 1ms
duration = $LONG
[fault twice]
type = duplicate
target = p
interface = $IF_A
destination = $B4_2
percent = 10%
duration = $LONG"
	_start_any 2
	if [ "$(grep -c fault.applied "$T/err")" = 2 ]; then
		stop_run
		assert_clean
		skip "this kernel lets a duplicating netem share a tree ($(uname -r) has no check_netem_in_tree())"
	fi
	grep -qF "twice: cannot create qdisc netem eb02: on $IF_A: Invalid argument (kernel: netem: cannot mix duplicating netems with other netems in tree); Linux allows no other netem on $IF_A egress while one duplicates packets there: give the duplicate fault a window of its own (at, duration), or another interface or direction" "$T/err" ||
		fail "message: $(grep fault.failed "$T/err")"
	# the failed fault's class and filter are gone; the delay is whole
	assert_eq "$(classes | grep -c "^class htb eb00:")" 1 "classes left: the delay's"
	assert_eq "$(qdiscs | jq -r '[.[] | select(.kind == "netem") | .handle] | join(",")')" "eb01:" "netems"
	stop_run
	assert_eq "$RC" 3 "exit code after SIGINT"
	assert_clean
}
