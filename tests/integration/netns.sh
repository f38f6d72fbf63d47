# SPDX-License-Identifier: MIT
# Shared fixture: throwaway network namespaces joined by a veth pair, for
# the network tests. Source it after lib.sh. Everything made here is
# removed when the test ends (defer), passed or failed. Traffic in these
# tests goes only to the addresses below, inside namespaces the test made.
#
#   netns_pair
#     makes $NS_A and $NS_B (names under /run/netns), joined by veth
#     $IF_A (in A) <-> $IF_B (in B), loopback up in both;
#     A has $A4 (10.231.K.1/24) and $A6 (fd00:eb:K::1/64);
#     B has $B4 and $B4_2 (10.231.K.2 and .3) and $B6, $B6_2 (fd00:eb:K::2, ::3),
#     so two destinations are reached through the same interface.
#   in_ns NS CMD...   run CMD inside NS
#   ns_a_experiment NAME INTERVAL TEXT
#     writes $T/x.ini: experiment NAME (seed 1), target a = $NS_A, one exec
#     probe `ok` (command true) every INTERVAL, then TEXT (the faults)

_netns_del() { ip netns del "$1" 2>/dev/null; }

netns_pair() {
	command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
	[ "$(id -u)" = 0 ] || skip "network namespaces need root"
	local k=$(( (RANDOM % 200) + 20 )) tag
	tag="$$$RANDOM"
	tag=${tag: -6}
	NS_A="eb-t-$tag-a"; NS_B="eb-t-$tag-b"
	IF_A="eba$tag"; IF_B="ebb$tag"
	ip netns add "$NS_A" || fail "ip netns add $NS_A"
	defer _netns_del "$NS_A"
	ip netns add "$NS_B" || fail "ip netns add $NS_B"
	defer _netns_del "$NS_B"
	ip link add "$IF_A" netns "$NS_A" type veth peer name "$IF_B" netns "$NS_B" ||
		fail "cannot create veth pair"
	A4=10.231.$k.1; B4=10.231.$k.2; B4_2=10.231.$k.3
	A6=fd00:eb:$k::1; B6=fd00:eb:$k::2; B6_2=fd00:eb:$k::3
	in_ns "$NS_A" ip link set lo up
	in_ns "$NS_B" ip link set lo up
	in_ns "$NS_A" ip addr add "$A4/24" dev "$IF_A"
	in_ns "$NS_B" ip addr add "$B4/24" dev "$IF_B"
	in_ns "$NS_B" ip addr add "$B4_2/24" dev "$IF_B"
	in_ns "$NS_A" ip addr add "$A6/64" dev "$IF_A" nodad
	in_ns "$NS_B" ip addr add "$B6/64" dev "$IF_B" nodad
	in_ns "$NS_B" ip addr add "$B6_2/64" dev "$IF_B" nodad
	in_ns "$NS_A" ip link set "$IF_A" up
	in_ns "$NS_B" ip link set "$IF_B" up
}

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

ns_a_experiment() {
	cat >"$T/x.ini" <<EOF2
[experiment]
name = $1
seed = 1
[target a]
netns = $NS_A
[probe ok]
type = exec
command = true
interval = $2
healthy_after = 1
$3
EOF2
}
