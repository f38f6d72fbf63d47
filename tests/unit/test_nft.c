/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the nftables rules (src/net/nft/rules.c) and the
 * partition fault's plan text (faults/partition.c), none of which needs
 * privileges: table names, prefix masks, the expansion of a partition into
 * rules, each rule as nft prints it, the exact expressions sent to the
 * kernel (as `nft --debug=netlink` prints them), and the validation
 * messages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "erebus/catalog.h"
#include "erebus/experiment.h"
#include "erebus/fault.h"
#include "erebus/nft.h"

#include "scratch.h"

static int teardown(void **state)
{
	scratch_free();
	return 0;
}

static struct cidr cidr(const char *s)
{
	struct cidr c;

	if (parse_cidr(s, &c) < 0)
		fail_msg("parse_cidr(\"%s\") failed", s);
	return c;
}

/* ---- names ---------------------------------------------------------------- */

static void test_table_name(void **state)
{
	char buf[NFT_NAME_MAX];

	assert_string_equal(nft_table_name(1234, "cut-db", buf), "erebus_1234_cut_db");
	assert_string_equal(nft_table_name(7, "Plain_Name9", buf), "erebus_7_Plain_Name9");
	assert_string_equal(nft_table_name(7, "a b/c.d:e", buf), "erebus_7_a_b_c_d_e");
	/* every byte of a multi-byte character becomes one '_' */
	assert_string_equal(nft_table_name(7, "caf\xc3\xa9", buf), "erebus_7_caf__");
	/* the pattern for plans, before the run has a pid */
	assert_string_equal(nft_table_name(0, "cut", buf), "erebus_<pid>_cut");
}

static void test_table_name_is_cut(void **state)
{
	char buf[NFT_NAME_MAX], longname[200];

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	nft_table_name(4194304, longname, buf);
	assert_int_equal(strlen(buf), NFT_NAME_MAX - 1);
	assert_memory_equal(buf, "erebus_4194304_xxx", 18);
}

/* ---- masks ---------------------------------------------------------------- */

static void assert_mask(unsigned prefix, size_t len, const char *want_hex)
{
	uint8_t m[16];
	char got[40] = "";

	nft_prefix_mask(prefix, len, m);
	for (size_t i = 0; i < len; i++)
		sprintf(got + 2 * i, "%02x", m[i]);
	if (strcmp(got, want_hex))
		fail_msg("mask /%u over %zu bytes: got %s, expected %s", prefix, len, got, want_hex);
}

static void test_prefix_mask(void **state)
{
	assert_mask(0, 4, "00000000");
	assert_mask(8, 4, "ff000000");
	assert_mask(14, 4, "fffc0000");
	assert_mask(23, 4, "fffffe00");
	assert_mask(31, 4, "fffffffe");
	assert_mask(32, 4, "ffffffff");
	assert_mask(1, 16, "80000000000000000000000000000000");
	assert_mask(48, 16, "ffffffffffff00000000000000000000");
	assert_mask(65, 16, "ffffffffffffffff8000000000000000");
	assert_mask(127, 16, "fffffffffffffffffffffffffffffffe");
	assert_mask(128, 16, "ffffffffffffffffffffffffffffffff");
}

/* ---- rules ---------------------------------------------------------------- */

/* Every rule of d, as nft prints them, one per line, prefixed by its chain. */
static const char *rules_text(const struct nft_drop *d)
{
	struct nft_rule *rules = NULL;
	size_t n = nft_drop_rules(d, &rules);
	struct sbuf b = { 0 };

	for (size_t i = 0; i < n; i++) {
		sbuf_addf(&b, "%s: ", rules[i].input ? "input" : "output");
		nft_rule_describe(d, &rules[i], &b);
		sbuf_add(&b, "\n");
	}
	free(rules);
	return b.s ? keep(sbuf_take(&b)) : "";
}

static void test_rules_egress_one_peer(void **state)
{
	struct cidr p = cidr("10.1.2.3");
	struct nft_drop d = { .table = "t", .ifname = "eth0", .egress = true, .peers = &p, .n_peers = 1 };

	assert_string_equal(rules_text(&d), "output: oifname \"eth0\" ip daddr 10.1.2.3 counter drop\n");
}

static void test_rules_ingress_uses_source(void **state)
{
	struct cidr p[] = { cidr("10.0.0.0/8"), cidr("fd00:eb::/48") };
	struct nft_drop d = { .table = "t", .ifname = "veth1", .ingress = true, .peers = p, .n_peers = 2,
			      .port = 443, .protocol = NET_PROTO_TCP };

	assert_string_equal(rules_text(&d),
			    "input: iifname \"veth1\" ip saddr 10.0.0.0/8 tcp sport 443 counter drop\n"
			    "input: iifname \"veth1\" ip6 saddr fd00:eb::/48 tcp sport 443 counter drop\n");
}

static void test_rules_both_port_without_protocol(void **state)
{
	struct cidr p = cidr("fd00::2");
	struct nft_drop d = { .table = "t", .ifname = "eth0", .egress = true, .ingress = true, .peers = &p,
			      .n_peers = 1, .port = 53 };

	/* output chain first; a port alone means tcp and udp */
	assert_string_equal(rules_text(&d),
			    "output: oifname \"eth0\" ip6 daddr fd00::2 tcp dport 53 counter drop\n"
			    "output: oifname \"eth0\" ip6 daddr fd00::2 udp dport 53 counter drop\n"
			    "input: iifname \"eth0\" ip6 saddr fd00::2 tcp sport 53 counter drop\n"
			    "input: iifname \"eth0\" ip6 saddr fd00::2 udp sport 53 counter drop\n");
}

static void test_rules_protocol_without_port(void **state)
{
	struct cidr p[] = { cidr("192.0.2.0/24"), cidr("2001:db8::/32") };
	struct nft_drop d = { .table = "t", .ifname = "eth0", .egress = true, .peers = p, .n_peers = 2,
			      .protocol = NET_PROTO_UDP };

	assert_string_equal(rules_text(&d),
			    "output: oifname \"eth0\" ip daddr 192.0.2.0/24 meta l4proto udp counter drop\n"
			    "output: oifname \"eth0\" ip6 daddr 2001:db8::/32 meta l4proto udp counter drop\n");
}

static void test_rules_icmp_follows_the_family(void **state)
{
	struct cidr p[] = { cidr("192.0.2.1"), cidr("2001:db8::1") };
	struct nft_drop d = { .table = "t", .ifname = "eth0", .egress = true, .peers = p, .n_peers = 2,
			      .protocol = NET_PROTO_ICMP };
	struct nft_drop any = { .table = "t", .ifname = "eth0", .egress = true, .protocol = NET_PROTO_ICMP };

	assert_string_equal(rules_text(&d),
			    "output: oifname \"eth0\" ip daddr 192.0.2.1 meta l4proto icmp counter drop\n"
			    "output: oifname \"eth0\" ip6 daddr 2001:db8::1 meta l4proto ipv6-icmp counter drop\n");
	/* no peer: both ICMP versions */
	assert_string_equal(rules_text(&any),
			    "output: oifname \"eth0\" meta l4proto icmp counter drop\n"
			    "output: oifname \"eth0\" meta l4proto ipv6-icmp counter drop\n");
}

static void test_rules_whole_family_and_all_traffic(void **state)
{
	struct cidr p[] = { cidr("0.0.0.0/0"), cidr("::/0") };
	struct nft_drop d = { .table = "t", .ifname = "eth0", .egress = true, .peers = p, .n_peers = 2 };
	struct nft_drop all = { .table = "t", .ifname = "eth0", .ingress = true };

	assert_string_equal(rules_text(&d), "output: oifname \"eth0\" meta nfproto ipv4 counter drop\n"
					    "output: oifname \"eth0\" meta nfproto ipv6 counter drop\n");
	assert_string_equal(rules_text(&all), "input: iifname \"eth0\" counter drop\n");
}

/* ---- expressions ---------------------------------------------------------- */

static const char *exprs(const struct nft_drop *d, size_t i)
{
	struct nft_rule *rules = NULL;
	size_t n = nft_drop_rules(d, &rules);
	struct sbuf b = { 0 };

	assert_true(i < n);
	nft_rule_expressions(d, &rules[i], &b);
	free(rules);
	return keep(sbuf_take(&b));
}

/* A /14 is a full 4-byte load, a mask and a compare, in network order;
 * a port is two bytes at transport offset 2 (dport) in network order. */
static void test_expressions_ipv4_prefix_and_port(void **state)
{
	struct cidr p = cidr("10.60.0.0/14");
	struct nft_drop d = { .table = "t", .ifname = "eth0", .egress = true, .peers = &p, .n_peers = 1,
			      .port = 8080, .protocol = NET_PROTO_TCP };

	assert_string_equal(exprs(&d, 0),
			    "[ meta load oifname => reg 1 ]\n"
			    "[ cmp eq reg 1 0x30687465 0x00000000 0x00000000 0x00000000 ]\n"
			    "[ meta load nfproto => reg 1 ]\n"
			    "[ cmp eq reg 1 0x00000002 ]\n"
			    "[ payload load 4b @ network header + 16 => reg 1 ]\n"
			    "[ bitwise reg 1 = ( reg 1 & 0x0000fcff ) ^ 0x00000000 ]\n"
			    "[ cmp eq reg 1 0x00003c0a ]\n"
			    "[ meta load l4proto => reg 1 ]\n"
			    "[ cmp eq reg 1 0x00000006 ]\n"
			    "[ payload load 2b @ transport header + 2 => reg 1 ]\n"
			    "[ cmp eq reg 1 0x0000901f ]\n"
			    "[ counter pkts 0 bytes 0 ]\n"
			    "[ immediate reg 0 drop ]\n");
}

/* Ingress reads the source: ip6 saddr at offset 8, sport at offset 0; a
 * full-length address needs no mask. */
static void test_expressions_ipv6_ingress(void **state)
{
	struct cidr p = cidr("fd00:eb::2");
	struct nft_drop d = { .table = "t", .ifname = "veth0", .ingress = true, .peers = &p, .n_peers = 1,
			      .port = 53, .protocol = NET_PROTO_UDP };

	assert_string_equal(exprs(&d, 0),
			    "[ meta load iifname => reg 1 ]\n"
			    "[ cmp eq reg 1 0x68746576 0x00000030 0x00000000 0x00000000 ]\n"
			    "[ meta load nfproto => reg 1 ]\n"
			    "[ cmp eq reg 1 0x0000000a ]\n"
			    "[ payload load 16b @ network header + 8 => reg 1 ]\n"
			    "[ cmp eq reg 1 0xeb0000fd 0x00000000 0x00000000 0x02000000 ]\n"
			    "[ meta load l4proto => reg 1 ]\n"
			    "[ cmp eq reg 1 0x00000011 ]\n"
			    "[ payload load 2b @ transport header + 0 => reg 1 ]\n"
			    "[ cmp eq reg 1 0x00003500 ]\n"
			    "[ counter pkts 0 bytes 0 ]\n"
			    "[ immediate reg 0 drop ]\n");
}

/* ---- the partition fault: describe() and check() -------------------------- */

static struct experiment *load(const char *text, struct diag *d)
{
	struct experiment *x = NULL;

	if (experiment_load_string("x.ini", text, &catalog_builtin, d, &x) != 0) {
		for (size_t i = 0; i < d->n; i++)
			print_message("  diag: %s\n", d->msgs[i]);
		fail_msg("experiment did not load");
	}
	return x;
}

#define HEAD "[experiment]\nname = p\n[target a]\nnetns = a\n[probe ok]\ntype = exec\ncommand = true\n"

static void test_partition_describe(void **state)
{
	struct diag d = { 0 };
	struct experiment *x = load(HEAD "[fault cut-db]\ntype = partition\ntarget = a\ninterface = eth0\n"
					 "direction = both\ndestination = 10.0.0.5\ndestination = fd00::/64\n"
					 "port = 5432\nprotocol = tcp\nduration = 2s\n",
				    &d);
	struct sbuf b = { 0 };

	assert_int_equal(x->n_faults, 1);
	x->faults[0].type->describe(&x->faults[0], &b);
	keep(b.s);
	assert_string_equal(
		b.s,
		"drop traffic on eth0 both with 10.0.0.5/32, fd00::/64 port 5432 tcp for 2.00s, in nftables:\n"
		"            table inet erebus_<pid>_cut_db { flags owner; } (created with its chains and rules in one transaction)\n"
		"              chain output { type filter hook output priority raw; policy accept; }\n"
		"                oifname \"eth0\" ip daddr 10.0.0.5 tcp dport 5432 counter drop\n"
		"                oifname \"eth0\" ip6 daddr fd00::/64 tcp dport 5432 counter drop\n"
		"              chain input { type filter hook input priority raw; policy accept; }\n"
		"                iifname \"eth0\" ip saddr 10.0.0.5 tcp sport 5432 counter drop\n"
		"                iifname \"eth0\" ip6 saddr fd00::/64 tcp sport 5432 counter drop");
	experiment_free(x);
	diag_free(&d);
}

static bool diag_has(const struct diag *d, const char *msg)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->msgs[i], msg))
			return true;
	return false;
}

static void test_partition_rejects(void **state)
{
	struct experiment *x = NULL;
	struct diag d = { 0 };
	int r = experiment_load_string("x.ini",
				       HEAD "[fault cut]\ntype = partition\ntarget = a\ninterface = eth0\n"
					    "destination = 10.0.0.300\nprotocol = icmp\nport = 80\n"
					    "direction = sideways\n",
				       &catalog_builtin, &d, &x);

	assert_int_equal(r, -EINVAL);
	assert_null(x);
	assert_true(diag_has(&d, "x.ini:12: [fault cut] destination: \"10.0.0.300\" is not an IPv4 or IPv6 "
				 "address or network (like 10.0.0.0/8 or 2001:db8::1)"));
	assert_true(diag_has(&d, "x.ini:14: [fault cut] port: icmp has no ports; remove port or use tcp or udp"));
	assert_true(diag_has(&d, "x.ini:15: [fault cut] direction: \"sideways\" is not one of: egress, ingress, both"));
	assert_true(diag_has(&d, "x.ini:8: [fault cut] duration: missing required key (a partition fault lasts a while)"));
	diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_table_name, teardown),
		cmocka_unit_test_teardown(test_table_name_is_cut, teardown),
		cmocka_unit_test_teardown(test_prefix_mask, teardown),
		cmocka_unit_test_teardown(test_rules_egress_one_peer, teardown),
		cmocka_unit_test_teardown(test_rules_ingress_uses_source, teardown),
		cmocka_unit_test_teardown(test_rules_both_port_without_protocol, teardown),
		cmocka_unit_test_teardown(test_rules_protocol_without_port, teardown),
		cmocka_unit_test_teardown(test_rules_icmp_follows_the_family, teardown),
		cmocka_unit_test_teardown(test_rules_whole_family_and_all_traffic, teardown),
		cmocka_unit_test_teardown(test_expressions_ipv4_prefix_and_port, teardown),
		cmocka_unit_test_teardown(test_expressions_ipv6_ingress, teardown),
		cmocka_unit_test_teardown(test_partition_describe, teardown),
		cmocka_unit_test_teardown(test_partition_rejects, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
