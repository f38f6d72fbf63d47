# SPDX-License-Identifier: MIT
# Shared by the tests that check that Erebus left nothing behind in a
# namespace: what of Erebus is there, read with tc, ip and nft (which
# Erebus itself never runs). Source it after netns.sh.
#
#   erebus_left_in_ns NS IF
#     prints one line per object of Erebus in NS (nothing: clean): a qdisc
#     on IF with a reserved handle (eb00:-ebff:) or the ingress one, a
#     class with a reserved handle, any filter on IF (egress or ingress:
#     the tests make none of their own), an erebus* link (the ifb), an
#     erebus_ nftables table. A line also when it cannot look.

erebus_left_in_ns() {
	in_ns "$1" bash -c '
		command -v nft >/dev/null || echo "cannot check: nft (package nftables) is not installed"
		ip link show dev "$1" >/dev/null 2>&1 || echo "cannot check: no interface $1"
		tc qdisc show dev "$1" | grep -E "^qdisc [a-z_]+ (eb[0-9a-f]{2}|ffff):"
		tc class show dev "$1" | grep -E "^class [a-z_]+ eb[0-9a-f]{2}:"
		tc filter show dev "$1"
		tc filter show dev "$1" ingress 2>/dev/null
		ip -o link show | grep -oE "erebus[^:@ ]*"
		nft list tables 2>/dev/null | grep -E "erebus_"
		true' _ "$2"
}
