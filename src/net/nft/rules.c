/* SPDX-License-Identifier: MIT */
/*
 * A drop table as data, then as libnftnl objects (pure: nothing here
 * talks to the kernel): the table's name, its rules one (peer, protocol)
 * case at a time, each rule as `nft list table` prints it and as the
 * expressions nft_drop_create() sends. See include/erebus/nft.h for what
 * a drop table contains.
 */
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

#include "nft-internal.h"

/* ---- names, masks, rules: pure functions --------------------------------- */

const char *nft_table_name(pid_t pid, const char *fault, char buf[static NFT_NAME_MAX])
{
	int n = pid > 0 ? snprintf(buf, NFT_NAME_MAX, NFT_TABLE_PREFIX "%d_", (int)pid)
			: snprintf(buf, NFT_NAME_MAX, NFT_TABLE_PREFIX "<pid>_");

	for (const char *p = fault; *p && n < NFT_NAME_MAX - 1; p++, n++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_';
		buf[n] = ok ? c : '_';
	}
	buf[n] = '\0';
	return buf;
}

void nft_prefix_mask(unsigned prefix, size_t len, uint8_t *mask)
{
	for (size_t i = 0; i < len; i++) {
		unsigned bits = prefix > i * 8 ? prefix - (unsigned)i * 8 : 0;
		mask[i] = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
	}
}

static size_t addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

/* The protocols one peer needs a rule for; 0 means any. */
static size_t rule_protos(const struct nft_drop *d, const struct cidr *peer, uint8_t out[2])
{
	int fam = peer ? peer->family : AF_UNSPEC;

	switch (d->protocol) {
	case NET_PROTO_TCP:
		out[0] = IPPROTO_TCP;
		return 1;
	case NET_PROTO_UDP:
		out[0] = IPPROTO_UDP;
		return 1;
	case NET_PROTO_ICMP:
		if (fam == AF_INET6) {
			out[0] = IPPROTO_ICMPV6;
			return 1;
		}
		out[0] = IPPROTO_ICMP;
		if (fam == AF_INET)
			return 1;
		out[1] = IPPROTO_ICMPV6;
		return 2;
	case NET_PROTO_ANY:
		break;
	}
	if (!d->port) {
		out[0] = 0;
		return 1;
	}
	out[0] = IPPROTO_TCP;	/* a port without a protocol: both that have ports */
	out[1] = IPPROTO_UDP;
	return 2;
}

size_t nft_drop_rules(const struct nft_drop *d, struct nft_rule **ret)
{
	struct nft_rule *v = NULL;
	size_t n = 0, cap = 0;

	for (int input = 0; input < 2; input++) {
		if (input ? !d->ingress : !d->egress)
			continue;
		for (unsigned i = 0; i < (d->n_peers ? d->n_peers : 1); i++) {
			const struct cidr *peer = d->n_peers ? &d->peers[i] : NULL;
			uint8_t protos[2];
			size_t np = rule_protos(d, peer, protos);

			for (size_t k = 0; k < np; k++) {
				GROW(v, cap, n + 1);
				v[n++] = (struct nft_rule){ .input = input, .peer = peer, .l4proto = protos[k],
							    .port = protos[k] == IPPROTO_TCP ||
									    protos[k] == IPPROTO_UDP ? d->port : 0 };
			}
		}
	}
	*ret = v;
	return n;
}

static const char *l4_name(uint8_t p)
{
	switch (p) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "ipv6-icmp";
	}
	return "?";
}

void nft_rule_describe(const struct nft_drop *d, const struct nft_rule *r, struct sbuf *out)
{
	const char *dir = r->input ? "s" : "d";	/* the peer is the source of what arrives */

	if (d->ifname)
		sbuf_addf(out, "%sifname \"%s\" ", r->input ? "i" : "o", d->ifname);
	if (r->peer) {
		const char *fam = r->peer->family == AF_INET6 ? "ip6" : "ip";
		char a[INET6_ADDRSTRLEN];

		if (!r->peer->prefix) {
			sbuf_addf(out, "meta nfproto %s ", r->peer->family == AF_INET6 ? "ipv6" : "ipv4");
		} else {
			inet_ntop(r->peer->family, r->peer->addr, a, sizeof(a));
			sbuf_addf(out, "%s %saddr %s", fam, dir, a);
			if (r->peer->prefix < addr_len(r->peer->family) * 8)
				sbuf_addf(out, "/%u", r->peer->prefix);
			sbuf_add(out, " ");
		}
	}
	if (r->port)
		sbuf_addf(out, "%s %sport %u ", l4_name(r->l4proto), dir, r->port);
	else if (r->l4proto)
		sbuf_addf(out, "meta l4proto %s ", l4_name(r->l4proto));
	sbuf_add(out, "counter drop");
}

const char *const nft_chain_names[2] = { "output", "input" };

void nft_drop_describe(const struct nft_drop *d, const char *indent, struct sbuf *out)
{
	_cleanup_free_ struct nft_rule *rules = NULL;
	size_t n = nft_drop_rules(d, &rules);

	sbuf_addf(out, "%stable inet %s { flags owner; } (created with its chains and rules in one transaction)",
		  indent, d->table);
	for (int input = 0; input < 2; input++) {
		if (input ? !d->ingress : !d->egress)
			continue;
		sbuf_addf(out, "\n%s  chain %s { type filter hook %s priority raw; policy accept; }", indent,
			  nft_chain_names[input], nft_chain_names[input]);
		for (size_t i = 0; i < n; i++) {
			if (rules[i].input != input)
				continue;
			sbuf_addf(out, "\n%s    ", indent);
			nft_rule_describe(d, &rules[i], out);
		}
	}
}

/* ---- the rule as libnftnl objects ---------------------------------------- */

void *nft_nonnull(void *p)
{
	if (!p) {
		fputs("erebus: out of memory\n", stderr);
		abort();
	}
	return p;
}

static void add_meta(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nft_nonnull(nftnl_expr_alloc("meta"));

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
}

static void add_cmp_eq(struct nftnl_rule *r, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nft_nonnull(nftnl_expr_alloc("cmp"));

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	nftnl_rule_add_expr(r, e);
}

static void add_payload(struct nftnl_rule *r, uint32_t base, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = nft_nonnull(nftnl_expr_alloc("payload"));

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_rule_add_expr(r, e);
}

/* reg1 = reg1 & mask (xor 0): keeps the prefix bits of an address. */
static void add_mask(struct nftnl_rule *r, const uint8_t *mask, uint32_t len)
{
	struct nftnl_expr *e = nft_nonnull(nftnl_expr_alloc("bitwise"));
	static const uint8_t zero[16];

	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	nftnl_rule_add_expr(r, e);
}

/* The expressions of one rule, in the order nft itself emits them. */
struct nftnl_rule *nft_rule_build(const struct nft_drop *d, const struct nft_rule *nr)
{
	struct nftnl_rule *r = nft_nonnull(nftnl_rule_alloc());
	struct nftnl_expr *e;

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, d->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, nft_chain_names[nr->input]);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	if (d->ifname) {
		char name[IFNAMSIZ] = { 0 };

		strncpy(name, d->ifname, IFNAMSIZ - 1);
		add_meta(r, nr->input ? NFT_META_IIFNAME : NFT_META_OIFNAME);
		add_cmp_eq(r, name, IFNAMSIZ);
	}
	if (nr->peer) {
		const struct cidr *p = nr->peer;
		uint8_t nfproto = p->family == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
		uint32_t len = (uint32_t)addr_len(p->family);
		/* ip saddr 12, daddr 16; ip6 saddr 8, daddr 24 */
		uint32_t off = p->family == AF_INET6 ? (nr->input ? 8 : 24) : (nr->input ? 12 : 16);

		add_meta(r, NFT_META_NFPROTO);
		add_cmp_eq(r, &nfproto, sizeof(nfproto));
		if (p->prefix) {
			add_payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, len);
			if (p->prefix < len * 8) {
				uint8_t mask[16];
				nft_prefix_mask(p->prefix, len, mask);
				add_mask(r, mask, len);
			}
			add_cmp_eq(r, p->addr, len);
		}
	}
	if (nr->l4proto) {
		add_meta(r, NFT_META_L4PROTO);
		add_cmp_eq(r, &nr->l4proto, sizeof(nr->l4proto));
	}
	if (nr->port) {
		uint16_t port = htons(nr->port);

		add_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, nr->input ? 0 : 2, sizeof(port));
		add_cmp_eq(r, &port, sizeof(port));
	}
	nftnl_rule_add_expr(r, nft_nonnull(nftnl_expr_alloc("counter")));
	e = nft_nonnull(nftnl_expr_alloc("immediate"));
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_DROP);
	nftnl_rule_add_expr(r, e);
	return r;
}

static int print_expr(struct nftnl_expr *e, void *data)
{
	char buf[512];

	nftnl_expr_snprintf(buf, sizeof(buf), e, NFTNL_OUTPUT_DEFAULT, 0);
	sbuf_addf(data, "[ %s %s ]\n", nftnl_expr_get_str(e, NFTNL_EXPR_NAME), strstrip(buf));
	return 0;
}

void nft_rule_expressions(const struct nft_drop *d, const struct nft_rule *r, struct sbuf *out)
{
	struct nftnl_rule *nr = nft_rule_build(d, r);

	nftnl_expr_foreach(nr, print_expr, out);
	nftnl_rule_free(nr);
}
