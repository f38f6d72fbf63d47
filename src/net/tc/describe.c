/* SPDX-License-Identifier: MIT */
/*
 * tc_describe(): every object tc_apply() would create, as text, with
 * parameters as tc(8) prints them; `erebus plan` and the report show it.
 */
#include <arpa/inet.h>

#include <linux/if_ether.h>

#include "tc-internal.h"

/* ---- describe ---------------------------------------------------------------------------- */

static void fmt_rate(uint64_t bps, struct sbuf *out)
{
	static const struct { uint64_t div; const char *unit; } u[] = {
		{ 1000000000000ULL, "Tbit" }, { 1000000000ULL, "Gbit" }, { 1000000ULL, "Mbit" }, { 1000ULL, "Kbit" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(u); i++)
		if (bps >= u[i].div) {
			sbuf_addf(out, "%g%s", (double)bps / (double)u[i].div, u[i].unit);
			return;
		}
	sbuf_addf(out, "%llubit", (unsigned long long)bps);
}

static void fmt_time_ns(uint64_t ns, struct sbuf *out)
{
	char a[32];

	if (ns % 1000)
		sbuf_addf(out, "%lluns", (unsigned long long)ns);
	else
		sbuf_add(out, format_duration((int64_t)(ns / 1000), a, sizeof(a)));
}

static void fmt_pct(const char *label, double pct, double corr, struct sbuf *out)
{
	sbuf_addf(out, " %s %g%%", label, pct);
	if (corr > 0)
		sbuf_addf(out, " %g%%", corr);
}

/* The leaf's parameters as tc prints them. */
static void describe_leaf(const struct tc_leaf *leaf, unsigned mtu, struct sbuf *out)
{
	const struct tc_netem *p = &leaf->netem;

	if (leaf->kind == TC_LEAF_TBF) {
		struct tc_tbf t = leaf->tbf;
		bool dflt_burst = !t.burst, dflt_limit = !t.limit;
		tc_tbf_resolve(&t, mtu);
		sbuf_add(out, "rate ");
		fmt_rate(t.rate_bps, out);
		sbuf_addf(out, " burst %ub%s limit %ub%s", t.burst, dflt_burst ? " (default, for mtu 1500)" : "",
			  t.limit, dflt_limit ? " (default: burst + 100ms at the rate)" : "");
		return;
	}
	sbuf_addf(out, "limit %u", p->limit ? p->limit : TC_NETEM_LIMIT);
	if (p->latency_ns) {
		sbuf_add(out, " delay ");
		fmt_time_ns(p->latency_ns, out);
		if (p->jitter_ns) {
			sbuf_add(out, " ");
			fmt_time_ns(p->jitter_ns, out);
			if (p->delay_corr > 0)
				sbuf_addf(out, " %g%%", p->delay_corr);
		}
		if (leaf->dist_name) {
			const char *path = tc_dist_path(leaf->dist_name);
			sbuf_addf(out, " distribution %s (table %s)", leaf->dist_name, path ? path : "NOT FOUND");
		}
	}
	switch (p->loss_model) {
	case TC_LOSS_RANDOM:
		if (p->loss > 0)
			fmt_pct("loss random", p->loss, p->loss_corr, out);
		break;
	case TC_LOSS_GE:
		sbuf_addf(out, " loss gemodel p %g%% r %g%% 1-h %g%% 1-k %g%%", p->ge_p, p->ge_r, p->ge_1h, p->ge_1k);
		break;
	case TC_LOSS_GI:
		sbuf_addf(out, " loss state p13 %g%% p31 %g%% p32 %g%% p23 %g%% p14 %g%%", p->gi_p13, p->gi_p31,
			  p->gi_p32, p->gi_p23, p->gi_p14);
		break;
	}
	if (p->duplicate > 0)
		fmt_pct("duplicate", p->duplicate, p->dup_corr, out);
	if (p->reorder > 0) {
		fmt_pct("reorder", p->reorder, p->reorder_corr, out);
		sbuf_addf(out, " gap %u", p->gap ? p->gap : 1);
	}
	if (p->corrupt > 0)
		fmt_pct("corrupt", p->corrupt, p->corrupt_corr, out);
	if (p->rate_bps) {
		sbuf_add(out, " rate ");
		fmt_rate(p->rate_bps, out);
	}
	if (p->seed_set)
		sbuf_addf(out, " seed %llu", (unsigned long long)p->seed);
}

static const char *proto_name(uint16_t p)
{
	return p == ETH_P_IP ? "ip" : p == ETH_P_IPV6 ? "ipv6" : "all";
}

static void describe_filter(const struct tc_filter *f, bool ingress, struct sbuf *out)
{
	char buf[64];
	bool any = false;

	if (f->peer) {
		sbuf_addf(out, "%s %s", ingress ? "src" : "dst", format_cidr(f->peer, buf, sizeof(buf)));
		any = true;
	}
	if (f->l4proto) {
		const char *n = f->l4proto == IPPROTO_TCP	 ? "tcp" :
				f->l4proto == IPPROTO_UDP	 ? "udp" :
				f->l4proto == IPPROTO_ICMPV6 ? "icmpv6" :
								 "icmp";
		sbuf_addf(out, "%s%s", any ? " " : "", n);
		any = true;
	}
	if (f->port) {
		sbuf_addf(out, "%s%s %u", any ? " " : "", ingress ? "sport" : "dport", f->port);
		any = true;
	}
	if (!any)
		sbuf_add(out, "all traffic");
	sbuf_add(out, " (keys");
	for (unsigned i = 0; i < f->n_keys; i++)
		sbuf_addf(out, "%s %08x/%08x at %d", i ? "," : "", ntohl(f->keys[i].val), ntohl(f->keys[i].mask),
			  f->keys[i].off);
	sbuf_add(out, ")");
}

void tc_describe(const struct net_match *m, const struct tc_leaf *leaf, const char *indent, struct sbuf *out)
{
	const bool in = m->direction == NET_INGRESS;
	const char *ifn = m->interface ? m->interface : "?";
	const char *dev = in ? TC_IFB_PREFIX "<ifindex>" : ifn;
	struct tc_slot hs = tc_slot(1, net_match_targeted(m));
	_cleanup_free_ struct tc_filter *fl = NULL;
	size_t nf = tc_filters(m, &fl);
	char h[16];

	sbuf_addf(out, "%sshared by this run's faults on %s %s, removed with the last of them:\n", indent, ifn,
		  tc_direction_choices[in ? 1 : 0]);
	if (in) {
		sbuf_addf(out, "%s  link %s type ifb, up, txqueuelen %d (<ifindex>: %s's)\n", indent, dev,
			  TC_DIRECT_QLEN, ifn);
		sbuf_addf(out, "%s  qdisc htb eb00: root on %s, default 0, direct_qlen %d\n", indent, dev,
			  TC_DIRECT_QLEN);
		sbuf_addf(out, "%s  qdisc ingress ffff: on %s\n", indent, ifn);
		sbuf_addf(out, "%s  filter u32 parent ffff: prio %#x protocol all on %s: all traffic "
			       "(keys 00000000/00000000 at 0), action mirred egress redirect dev %s\n",
			  indent, TC_PRIO_REDIRECT, ifn, dev);
	} else {
		sbuf_addf(out, "%s  qdisc htb eb00: root on %s, default 0, direct_qlen max(txqueuelen, %d)\n",
			  indent, ifn, TC_DIRECT_QLEN);
	}
	sbuf_addf(out, "%s  (unmatched traffic takes htb's direct queue: not shaped)\n", indent);
	sbuf_addf(out, "%sthis fault's, in slot 1 (the next free one when others share %s):\n", indent, ifn);
	tc_handle_str(hs.classid, h);
	sbuf_addf(out, "%s  class htb %s parent eb00: on %s, rate ", indent, h, dev);
	fmt_rate(TC_PASS_RATE, out);
	sbuf_add(out, " ceil ");
	fmt_rate(TC_PASS_RATE, out);
	sbuf_addf(out, " quantum %d (pass-through)\n", TC_QUANTUM);
	sbuf_addf(out, "%s  qdisc %s %x: parent %s on %s, ", indent, leaf->kind == TC_LEAF_TBF ? "tbf" : "netem",
		  hs.leaf >> 16, h, dev);
	describe_leaf(leaf, 1500, out);
	sbuf_add(out, "\n");
	for (size_t i = 0; i < nf; i++) {
		sbuf_addf(out, "%s  filter u32 parent eb00: prio %#x protocol %s on %s, classid %s: ", indent, hs.prio,
			  proto_name(fl[i].protocol), dev, h);
		describe_filter(&fl[i], in, out);
		if (i + 1 < nf)
			sbuf_add(out, "\n");
	}
}
