/* SPDX-License-Identifier: MIT */
/*
 * tc messages, built and never sent (pure): the htb root and pass-through
 * class, the netem and tbf leaves, u32 filters and the ingress redirect,
 * the ifb link, and the delete requests undo records make; with the
 * slots, handles and filter keys they are made from. See
 * include/erebus/tc.h for the tree's shape and reserved handles.
 *
 * libnl builds htb, tbf, u32, mirred, ingress and ifb messages. netem's
 * TCA_OPTIONS is built here on libnl's message API: libnl knows neither
 * 64-bit latency and jitter, rate, loss models nor the seed, and its own
 * netem writer miscounts the message length.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <math.h>

#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>

#include <netlink/attr.h>
#include <netlink/netlink.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/action.h>
#include <netlink/route/class.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>

#include "tc-internal.h"

#define NLMSG_ROOM 2048		/* everything but a netem table */

const char *const tc_direction_choices[] = { "egress", "ingress", NULL };

static inline void rtnl_qdisc_putp(struct rtnl_qdisc **q) { if (*q) rtnl_qdisc_put(*q); }
static inline void rtnl_class_putp(struct rtnl_class **c) { if (*c) rtnl_class_put(*c); }
static inline void rtnl_cls_putp(struct rtnl_cls **c) { if (*c) rtnl_cls_put(*c); }
static inline void rtnl_act_putp(struct rtnl_act **a) { if (*a) rtnl_act_put(*a); }
static inline void rtnl_link_putp(struct rtnl_link **l) { if (*l) rtnl_link_put(*l); }

/* ---- slots and handles ------------------------------------------------------ */

struct tc_slot tc_slot(unsigned slot, bool targeted)
{
	return (struct tc_slot){
		.slot = slot,
		.classid = TC_ROOT_HANDLE | slot,
		.leaf = (TC_MAJOR + slot) << 16,
		.prio = (uint16_t)((targeted ? 0xEB00 : 0xEB80) + slot),
	};
}

int tc_slot_take(uint8_t used[16])
{
	for (unsigned s = 1; s <= TC_SLOTS; s++)
		if (!(used[s / 8] & (1u << (s % 8)))) {
			used[s / 8] |= (uint8_t)(1u << (s % 8));
			return (int)s;
		}
	return -ENOSPC;
}

void tc_slot_release(uint8_t used[16], unsigned slot)
{
	if (slot >= 1 && slot <= TC_SLOTS)
		used[slot / 8] &= (uint8_t)~(1u << (slot % 8));
}

bool tc_slots_empty(const uint8_t used[16])
{
	for (int i = 0; i < 16; i++)
		if (used[i])
			return false;
	return true;
}

void tc_ifb_name(int ifindex, char buf[static 16])
{
	unsigned i = (unsigned)ifindex;

	/* At most 15 characters: erebus-in + 6 digits, else erebus- + 8 hex. */
	if (i <= 999999)
		snprintf(buf, 16, TC_IFB_PREFIX "%u", i % 1000000);
	else
		snprintf(buf, 16, "erebus-%08x", i);
}

/* ---- parameters ----------------------------------------------------------------- */

uint32_t tc_percent_u32(double pct)
{
	double v = rint(pct / 100.0 * (double)UINT32_MAX);

	if (v <= 0)
		return 0;
	return v >= (double)UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

void tc_tbf_resolve(struct tc_tbf *t, unsigned mtu)
{
	uint64_t bps = t->rate_bps / 8;	/* bytes per second */
	uint64_t frame = (uint64_t)(mtu ? mtu : 1500) + 14;

	if (!t->burst) {
		uint64_t b = bps / 100;	/* 10 ms */
		if (b < 2 * frame)
			b = 2 * frame;
		t->burst = b > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)b;
	}
	if (!t->limit) {
		uint64_t l = (uint64_t)t->burst + bps / 10;	/* + 100 ms */
		t->limit = l > UINT32_MAX ? UINT32_MAX : (uint32_t)l;
	}
}

/* ---- filters --------------------------------------------------------------------- */

static void add_key(struct tc_filter *f, uint32_t val_host, uint32_t mask_host, int off)
{
	if (f->n_keys < ARRAY_SIZE(f->keys))
		f->keys[f->n_keys++] = (struct tc_key){ .val = htonl(val_host & mask_host),
							.mask = htonl(mask_host), .off = off };
}

/* Keys for one filter: the peer's address, the transport protocol, the
 * peer's port. Offsets are from the network header; ports assume no IPv4
 * options and no IPv6 extension headers (IHL = 5 and the next-header field
 * are matched too, so other packets stay untouched rather than mismatched). */
static void filter_keys(struct tc_filter *f, int family, bool ingress)
{
	if (family == AF_INET) {
		if (f->peer) {
			uint32_t a;
			memcpy(&a, f->peer->addr, 4);
			add_key(f, ntohl(a), f->peer->prefix ? ~0u << (32 - f->peer->prefix) : 0,
				ingress ? 12 : 16);
		}
		if (f->l4proto)
			add_key(f, (uint32_t)f->l4proto << 16, 0x00ff0000, 8);
		if (f->port) {
			add_key(f, 0x05000000, 0x0f000000, 0);	/* IHL 5 */
			add_key(f, 0, 0x00001fff, 4);		/* first fragment */
			add_key(f, ingress ? (uint32_t)f->port << 16 : f->port,
				ingress ? 0xffff0000 : 0x0000ffff, 20);
		}
	} else if (family == AF_INET6) {
		if (f->peer)
			for (unsigned i = 0; i < 4; i++) {
				int bits = (int)f->peer->prefix - 32 * (int)i;
				uint32_t w;
				if (bits <= 0)
					break;
				memcpy(&w, f->peer->addr + 4 * i, 4);
				add_key(f, ntohl(w), bits >= 32 ? ~0u : ~0u << (32 - bits),
					(ingress ? 8 : 24) + 4 * (int)i);
			}
		if (f->l4proto)
			add_key(f, (uint32_t)f->l4proto << 8, 0x0000ff00, 4);
		if (f->port)
			add_key(f, ingress ? (uint32_t)f->port << 16 : f->port,
				ingress ? 0xffff0000 : 0x0000ffff, 40);
	}
	if (!f->n_keys)
		add_key(f, 0, 0, 0);	/* match everything */
}

size_t tc_filters(const struct net_match *m, struct tc_filter **ret)
{
	const bool in = m->direction == NET_INGRESS;
	struct tc_filter *v = NULL;
	size_t n = 0, cap = 0;
	unsigned n_peers = m->n_destinations ? m->n_destinations : 2;

	*ret = NULL;
	if (!net_match_targeted(m)) {
		v = xcalloc(1, sizeof(*v));
		v->protocol = ETH_P_ALL;
		filter_keys(v, AF_UNSPEC, in);
		*ret = v;
		return 1;
	}
	for (unsigned i = 0; i < n_peers; i++) {
		const struct cidr *peer = m->n_destinations ? &m->destinations[i] : NULL;
		int family = peer ? peer->family : (i == 0 ? AF_INET : AF_INET6);
		uint8_t protos[2];
		size_t np = 0;

		switch (m->protocol) {
		case NET_PROTO_TCP:
			protos[np++] = IPPROTO_TCP;
			break;
		case NET_PROTO_UDP:
			protos[np++] = IPPROTO_UDP;
			break;
		case NET_PROTO_ICMP:
			protos[np++] = family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
			break;
		case NET_PROTO_ANY:
			if (m->port) {
				protos[np++] = IPPROTO_TCP;
				protos[np++] = IPPROTO_UDP;
			} else {
				protos[np++] = 0;
			}
			break;
		}
		for (size_t j = 0; j < np; j++) {
			struct tc_filter *f;
			GROW(v, cap, n + 1);
			f = &v[n++];
			*f = (struct tc_filter){ .protocol = family == AF_INET6 ? ETH_P_IPV6 : ETH_P_IP,
						 .peer = peer, .l4proto = protos[j],
						 .port = (uint16_t)m->port };
			filter_keys(f, family, in);
		}
	}
	*ret = v;
	return n;
}

/* ---- messages ---------------------------------------------------------------------- */

/* A bare tc message: header and tcmsg. */
struct nl_msg *tc_msg_bare(int type, int flags, size_t room, int ifindex, uint32_t parent,
				uint32_t handle, uint32_t info)
{
	struct nl_msg *msg = nlmsg_alloc_size(NLMSG_SPACE(sizeof(struct tcmsg)) + room);
	struct nlmsghdr *nlh;
	struct tcmsg *t;

	if (!msg)
		return NULL;
	nlh = nlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, type, sizeof(struct tcmsg), flags);
	if (!nlh) {
		nlmsg_free(msg);
		return NULL;
	}
	t = nlmsg_data(nlh);
	*t = (struct tcmsg){ .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex, .tcm_parent = parent,
			     .tcm_handle = handle, .tcm_info = info };
	return msg;
}

/* Append a u32 inside the last attribute of msg, which must be the nest
 * `type` (what libnl just built), and grow the nest over it. */
static int nest_append_u32(struct nl_msg *msg, int type, int attr, uint32_t val)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *nest = nlmsg_find_attr(nlh, sizeof(struct tcmsg), type);

	if (!nest || (char *)nest + NLA_ALIGN(nest->nla_len) != (char *)nlmsg_tail(nlh))
		return -EINVAL;
	if (nla_put_u32(msg, attr, val) < 0)
		return -EMSGSIZE;
	nest->nla_len = (uint16_t)((char *)nlmsg_tail(nlmsg_hdr(msg)) - (char *)nest);
	return 0;
}

int tc_msg_htb_root(int ifindex, uint32_t direct_qlen, struct nl_msg **ret)
{
	_cleanup_(rtnl_qdisc_putp) struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	_cleanup_msg_ struct nl_msg *msg = NULL;
	int r;

	if (!q)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(q), TC_ROOT_HANDLE);
	if ((r = rtnl_tc_set_kind(TC_CAST(q), "htb")) < 0 || (r = rtnl_htb_set_defcls(q, 0)) < 0 ||
	    (r = rtnl_htb_set_rate2quantum(q, 10)) < 0 ||
	    (r = rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_EXCL, &msg)) < 0)
		return tc_nle_errno(r);
	/* libnl has no TCA_HTB_DIRECT_QLEN: without it the direct queue (all
	 * unmatched traffic) is as long as txqueuelen, which may be 0. */
	if ((r = nest_append_u32(msg, TCA_OPTIONS, TCA_HTB_DIRECT_QLEN, direct_qlen)) < 0)
		return r;
	*ret = TAKE_PTR(msg);
	return 0;
}

int tc_msg_pass_class(int ifindex, uint32_t classid, struct nl_msg **ret)
{
	_cleanup_(rtnl_class_putp) struct rtnl_class *c = rtnl_class_alloc();
	const uint64_t bytes = TC_PASS_RATE / 8;
	int r;

	if (!c)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
	rtnl_tc_set_parent(TC_CAST(c), TC_ROOT_HANDLE);
	rtnl_tc_set_handle(TC_CAST(c), classid);
	if ((r = rtnl_tc_set_kind(TC_CAST(c), "htb")) < 0 || (r = rtnl_htb_set_rate64(c, bytes)) < 0 ||
	    (r = rtnl_htb_set_ceil64(c, bytes)) < 0 || (r = rtnl_htb_set_quantum(c, TC_QUANTUM)) < 0 ||
	    /* 1 ms at the rate: the class never runs out of tokens */
	    (r = rtnl_htb_set_rbuffer(c, (uint32_t)(bytes / 1000))) < 0 ||
	    (r = rtnl_htb_set_cbuffer(c, (uint32_t)(bytes / 1000))) < 0 ||
	    (r = rtnl_class_build_add_request(c, NLM_F_CREATE | NLM_F_EXCL, ret)) < 0)
		return tc_nle_errno(r);
	return 0;
}

/* PSCHED ticks (64 ns since Linux 2.6.31) for the 32-bit fields that
 * kernels before TCA_NETEM_LATENCY64 (4.15) read; saturated. */
static uint32_t ns_ticks(uint64_t ns)
{
	uint64_t t = ns >> 6;
	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

int tc_msg_netem(int ifindex, uint32_t parent, uint32_t handle, const struct tc_netem *p,
		 struct nl_msg **ret)
{
	_cleanup_msg_ struct nl_msg *msg = NULL;
	struct tc_netem_qopt qopt = {
		.latency = ns_ticks(p->latency_ns),
		.limit = p->limit ? p->limit : TC_NETEM_LIMIT,
		.loss = p->loss_model == TC_LOSS_RANDOM ? tc_percent_u32(p->loss) : 0,
		.gap = p->gap,
		.duplicate = tc_percent_u32(p->duplicate),
		.jitter = ns_ticks(p->jitter_ns),
	};
	struct tc_netem_corr corr = {
		.delay_corr = tc_percent_u32(p->delay_corr),
		.loss_corr = p->loss_model == TC_LOSS_RANDOM ? tc_percent_u32(p->loss_corr) : 0,
		.dup_corr = tc_percent_u32(p->dup_corr),
	};
	struct nlattr *opts;

	/* The same cross-checks as tc(8), so that no message the kernel would
	 * read differently from what was asked is ever built. */
	if (p->reorder > 0 && !p->latency_ns)
		return -EINVAL;	/* reordering not possible without a delay */
	if (p->gap && !(p->reorder > 0))
		return -EINVAL;
	if (p->dist && (!p->latency_ns || !p->jitter_ns))
		return -EINVAL;
	if (p->dist_len > TC_DIST_MAX)
		return -E2BIG;
	if (p->reorder > 0 && !qopt.gap)
		qopt.gap = 1;

	msg = tc_msg_bare(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL,
			  NLMSG_ROOM + p->dist_len * sizeof(int16_t), ifindex, parent, handle, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, TCA_KIND, "netem") < 0)
		return -EMSGSIZE;
	/* TCA_OPTIONS is struct tc_netem_qopt followed by attributes, its
	 * length spanning both: not a plain nest, so not marked NLA_F_NESTED.
	 * The kernel reads it by its length either way (parse_attr() in
	 * sch_netem.c; rtm_tca_policy has no type for TCA_OPTIONS), and tc(8)
	 * sends it unmarked too; the flag would call it a nest of attributes,
	 * which it is not. */
	opts = nla_reserve(msg, TCA_OPTIONS, sizeof(qopt));
	if (!opts)
		return -EMSGSIZE;
	memcpy(nla_data(opts), &qopt, sizeof(qopt));
	if (p->latency_ns && nla_put_s64(msg, TCA_NETEM_LATENCY64, (int64_t)p->latency_ns) < 0)
		return -EMSGSIZE;
	if (p->jitter_ns && nla_put_s64(msg, TCA_NETEM_JITTER64, (int64_t)p->jitter_ns) < 0)
		return -EMSGSIZE;
	if ((corr.delay_corr || corr.loss_corr || corr.dup_corr) &&
	    nla_put(msg, TCA_NETEM_CORR, sizeof(corr), &corr) < 0)
		return -EMSGSIZE;
	if (p->reorder > 0) {
		struct tc_netem_reorder ro = { .probability = tc_percent_u32(p->reorder),
					       .correlation = tc_percent_u32(p->reorder_corr) };
		if (nla_put(msg, TCA_NETEM_REORDER, sizeof(ro), &ro) < 0)
			return -EMSGSIZE;
	}
	if (p->corrupt > 0) {
		struct tc_netem_corrupt co = { .probability = tc_percent_u32(p->corrupt),
					       .correlation = tc_percent_u32(p->corrupt_corr) };
		if (nla_put(msg, TCA_NETEM_CORRUPT, sizeof(co), &co) < 0)
			return -EMSGSIZE;
	}
	if (p->loss_model != TC_LOSS_RANDOM) {
		struct nlattr *nest = nla_nest_start(msg, TCA_NETEM_LOSS);
		if (!nest)
			return -EMSGSIZE;
		/* A nest, marked as one whatever libnl's version: 3.7's
		 * nla_nest_start() marks it, older ones may not. */
		nest->nla_type |= NLA_F_NESTED;
		if (p->loss_model == TC_LOSS_GE) {
			/* The kernel loses in the bad state when a draw exceeds h:
			 * tc's "1-h" is the loss probability there, so h = 1 - (1-h). */
			struct tc_netem_gemodel ge = { .p = tc_percent_u32(p->ge_p),
						       .r = tc_percent_u32(p->ge_r),
						       .h = UINT32_MAX - tc_percent_u32(p->ge_1h),
						       .k1 = tc_percent_u32(p->ge_1k) };
			if (nla_put(msg, NETEM_LOSS_GE, sizeof(ge), &ge) < 0)
				return -EMSGSIZE;
		} else {
			struct tc_netem_gimodel gi = { .p13 = tc_percent_u32(p->gi_p13),
						       .p31 = tc_percent_u32(p->gi_p31),
						       .p32 = tc_percent_u32(p->gi_p32),
						       .p23 = tc_percent_u32(p->gi_p23),
						       .p14 = tc_percent_u32(p->gi_p14) };
			if (nla_put(msg, NETEM_LOSS_GI, sizeof(gi), &gi) < 0)
				return -EMSGSIZE;
		}
		nla_nest_end(msg, nest);
	}
	if (p->rate_bps) {
		uint64_t bytes = p->rate_bps / 8;
		struct tc_netem_rate rate = { .rate = bytes >= (1ULL << 32) ? UINT32_MAX : (uint32_t)bytes };
		if (bytes >= (1ULL << 32) && nla_put_u64(msg, TCA_NETEM_RATE64, bytes) < 0)
			return -EMSGSIZE;
		if (nla_put(msg, TCA_NETEM_RATE, sizeof(rate), &rate) < 0)
			return -EMSGSIZE;
	}
	if (p->seed_set && nla_put_u64(msg, TC_NETEM_PRNG_SEED, p->seed) < 0)
		return -EMSGSIZE;
	if (p->dist && nla_put(msg, TCA_NETEM_DELAY_DIST, (int)(p->dist_len * sizeof(int16_t)), p->dist) < 0)
		return -EMSGSIZE;
	/* nlmsg_reserve() never moves the buffer, so opts is still valid. */
	opts->nla_len = (uint16_t)((char *)nlmsg_tail(nlmsg_hdr(msg)) - (char *)opts);
	*ret = TAKE_PTR(msg);
	return 0;
}

int tc_msg_tbf(int ifindex, uint32_t parent, uint32_t handle, const struct tc_tbf *t, struct nl_msg **ret)
{
	_cleanup_(rtnl_qdisc_putp) struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	uint64_t bytes = t->rate_bps / 8;
	int r;

	if (!q)
		return -ENOMEM;
	if (!bytes || bytes > INT_MAX || !t->burst || t->burst > INT_MAX || !t->limit || t->limit > INT_MAX)
		return -ERANGE;	/* libnl's tbf takes int bytes per second */
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), parent);
	rtnl_tc_set_handle(TC_CAST(q), handle);
	if ((r = rtnl_tc_set_kind(TC_CAST(q), "tbf")) < 0)
		return tc_nle_errno(r);
	rtnl_qdisc_tbf_set_limit(q, (int)t->limit);
	rtnl_qdisc_tbf_set_rate(q, (int)bytes, (int)t->burst, 0);
	if ((r = rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_EXCL, ret)) < 0)
		return tc_nle_errno(r);
	return 0;
}

static int u32_new(int ifindex, uint32_t parent, uint16_t prio, uint16_t protocol, struct rtnl_cls **ret)
{
	struct rtnl_cls *c = rtnl_cls_alloc();
	int r;

	if (!c)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
	rtnl_tc_set_parent(TC_CAST(c), parent);
	rtnl_cls_set_prio(c, prio);
	rtnl_cls_set_protocol(c, protocol);
	if ((r = rtnl_tc_set_kind(TC_CAST(c), "u32")) < 0) {
		rtnl_cls_put(c);
		return tc_nle_errno(r);
	}
	*ret = c;
	return 0;
}

int tc_msg_u32(int ifindex, uint32_t parent, uint16_t prio, const struct tc_filter *f, uint32_t classid,
	       struct nl_msg **ret)
{
	_cleanup_(rtnl_cls_putp) struct rtnl_cls *c = NULL;
	int r;

	if ((r = u32_new(ifindex, parent, prio, f->protocol, &c)) < 0)
		return r;
	for (unsigned i = 0; i < f->n_keys; i++)
		if ((r = rtnl_u32_add_key(c, f->keys[i].val, f->keys[i].mask, f->keys[i].off, 0)) < 0)
			return tc_nle_errno(r);
	if ((r = rtnl_u32_set_classid(c, classid)) < 0 || (r = rtnl_u32_set_cls_terminal(c)) < 0 ||
	    (r = rtnl_cls_build_add_request(c, NLM_F_CREATE | NLM_F_EXCL, ret)) < 0)
		return tc_nle_errno(r);
	return 0;
}

int tc_msg_ingress(int ifindex, struct nl_msg **ret)
{
	_cleanup_(rtnl_qdisc_putp) struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	int r;

	if (!q)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_INGRESS);
	rtnl_tc_set_handle(TC_CAST(q), TC_INGRESS_HANDLE);
	if ((r = rtnl_tc_set_kind(TC_CAST(q), "ingress")) < 0 ||
	    (r = rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_EXCL, ret)) < 0)
		return tc_nle_errno(r);
	return 0;
}

int tc_msg_redirect(int ifindex, int to_ifindex, struct nl_msg **ret)
{
	_cleanup_(rtnl_cls_putp) struct rtnl_cls *c = NULL;
	_cleanup_(rtnl_act_putp) struct rtnl_act *a = rtnl_act_alloc();
	int r;

	if (!a)
		return -ENOMEM;
	if ((r = u32_new(ifindex, TC_INGRESS_HANDLE, TC_PRIO_REDIRECT, ETH_P_ALL, &c)) < 0)
		return r;
	if ((r = rtnl_tc_set_kind(TC_CAST(a), "mirred")) < 0 ||
	    (r = rtnl_mirred_set_action(a, TCA_EGRESS_REDIR)) < 0 ||
	    (r = rtnl_mirred_set_policy(a, TC_ACT_STOLEN)) < 0 ||
	    (r = rtnl_mirred_set_ifindex(a, (uint32_t)to_ifindex)) < 0 ||
	    (r = rtnl_u32_add_key(c, 0, 0, 0, 0)) < 0 || (r = rtnl_u32_add_action(c, a)) < 0 ||
	    (r = rtnl_u32_set_cls_terminal(c)) < 0 ||
	    (r = rtnl_cls_build_add_request(c, NLM_F_CREATE | NLM_F_EXCL, ret)) < 0)
		return tc_nle_errno(r);
	return 0;
}

int tc_msg_ifb(const char *name, struct nl_msg **ret)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *l = rtnl_link_alloc();
	int r;

	if (!l)
		return -ENOMEM;
	rtnl_link_set_name(l, name);
	rtnl_link_set_txqlen(l, TC_DIRECT_QLEN);
	rtnl_link_set_flags(l, IFF_UP);
	if ((r = rtnl_link_set_type(l, "ifb")) < 0 ||
	    (r = rtnl_link_build_add_request(l, NLM_F_CREATE | NLM_F_EXCL, ret)) < 0)
		return tc_nle_errno(r);
	return 0;
}

/* Delete requests, from an undo record's data. */
int tc_msg_delete(const struct undo_net *n, enum undo_kind kind, struct nl_msg **ret)
{
	struct nl_msg *msg;

	switch (kind) {
	case UNDO_TC_QDISC:
		msg = tc_msg_bare(RTM_DELQDISC, 0, 64, n->ifindex, n->parent, n->handle, 0);
		break;
	case UNDO_TC_CLASS:
		msg = tc_msg_bare(RTM_DELTCLASS, 0, 64, n->ifindex, n->parent, n->handle, 0);
		break;
	case UNDO_TC_FILTER:
		/* No handle: every filter of this priority and protocol, which
		 * belong to one fault (or to the ingress redirect) only. */
		msg = tc_msg_bare(RTM_DELTFILTER, 0, 64, n->ifindex, n->parent, 0,
				TC_H_MAKE((uint32_t)n->prio << 16, htons(n->protocol)));
		break;
	case UNDO_LINK: {
		/* By name, never by index: the name is ours, an index may be reused. */
		struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
		msg = nlmsg_alloc_simple(RTM_DELLINK, 0);
		if (msg && (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
			    nla_put_string(msg, IFLA_IFNAME, n->name) < 0)) {
			nlmsg_free(msg);
			return -EMSGSIZE;
		}
		break;
	}
	default:
		return -EINVAL;
	}
	if (!msg)
		return -ENOMEM;
	*ret = msg;
	return 0;
}
