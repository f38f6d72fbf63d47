/* SPDX-License-Identifier: MIT */
/*
 * Traffic control over netlink with libnl-route-3: message builders (pure),
 * one acknowledged request per object, the tree registry that lets several
 * faults share one interface, kernel-support probing, and tc_undo().
 * See include/erebus/tc.h for the tree's shape and reserved handles.
 *
 * libnl builds htb, tbf, u32, mirred, ingress and ifb messages. netem's
 * TCA_OPTIONS is built here on libnl's message API: libnl knows neither
 * 64-bit latency and jitter, rate, loss models nor the seed, and its own
 * netem writer miscounts the message length.
 *
 * Kernel errors are -errno from the acknowledgement, with the kernel's
 * extended-ack text when it gave one; they become messages for people in
 * one place, fail_msg().
 */
#include <arpa/inet.h>
#include <glob.h>
#include <limits.h>
#include <math.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>

#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
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
#include <netlink/socket.h>

#include "erebus/netns.h"
#include "erebus/tc.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

#define INGRESS_HANDLE TC_H_MAKE(TC_H_INGRESS, 0)	/* ffff: */
#define NLMSG_ROOM 2048					/* everything but a netem table */
#define DIST_MAX (16 * 1024)				/* values, as iproute2 */

const char *const tc_direction_choices[] = { "egress", "ingress", NULL };

static inline void nlmsg_freep(struct nl_msg **m) { if (*m) nlmsg_free(*m); }
static inline void rtnl_qdisc_putp(struct rtnl_qdisc **q) { if (*q) rtnl_qdisc_put(*q); }
static inline void rtnl_class_putp(struct rtnl_class **c) { if (*c) rtnl_class_put(*c); }
static inline void rtnl_cls_putp(struct rtnl_cls **c) { if (*c) rtnl_cls_put(*c); }
static inline void rtnl_act_putp(struct rtnl_act **a) { if (*a) rtnl_act_put(*a); }
static inline void rtnl_link_putp(struct rtnl_link **l) { if (*l) rtnl_link_put(*l); }
#define _cleanup_msg_ _cleanup_(nlmsg_freep)

/* libnl's -NLE_* as -errno: only what its builders and sockets return. */
static int nle_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_INVAL:
	case NLE_MISSING_ATTR:
		return -EINVAL;
	case NLE_PERM:
		return -EPERM;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_BAD_SOCK:
		return -EBADF;
	default:
		return -EIO;
	}
}

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

static bool slots_empty(const uint8_t used[16])
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

/* ---- delay distribution tables ------------------------------------------------- */

static const char *const dist_dirs[] = {
	"/usr/lib/x86_64-linux-gnu/tc", "/usr/lib/aarch64-linux-gnu/tc", "/usr/lib/tc",
	"/usr/lib64/tc", "/usr/local/lib/tc", "/usr/share/tc",
};

const char *tc_dist_path(const char *name)
{
	static char buf[PATH_MAX];
	const char *env = getenv("TC_LIB_DIR");
	glob_t g;

	if (env && *env) {
		snprintf(buf, sizeof(buf), "%s/%s.dist", env, name);
		if (access(buf, R_OK) == 0)
			return buf;
	}
	for (size_t i = 0; i < ARRAY_SIZE(dist_dirs); i++) {
		snprintf(buf, sizeof(buf), "%s/%s.dist", dist_dirs[i], name);
		if (access(buf, R_OK) == 0)
			return buf;
	}
	snprintf(buf, sizeof(buf), "/usr/lib/*/tc/%s.dist", name);
	if (glob(buf, 0, NULL, &g) == 0 && g.gl_pathc) {
		snprintf(buf, sizeof(buf), "%s", g.gl_pathv[0]);
		globfree(&g);
		return buf;
	}
	return NULL;
}

int tc_dist_load(const char *name, int16_t **ret, size_t *ret_n, char **ret_err)
{
	const char *path = tc_dist_path(name);
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ int16_t *v = NULL;
	_cleanup_free_ char *line = NULL;
	size_t n = 0, cap = 0;

	if (!path) {
		*ret_err = xasprintf("no delay distribution table %s.dist (looked in $TC_LIB_DIR, "
				     "/usr/lib/*/tc, /usr/lib/tc, /usr/lib64/tc, /usr/local/lib/tc): "
				     "install iproute2, which ships them",
				     name);
		return -ENOENT;
	}
	f = fopen(path, "re");
	if (!f) {
		int e = -errno;
		*ret_err = xasprintf("cannot read %s: %s", path, strerror(-e));
		return e;
	}
	while (getline(&line, &cap, f) != -1) {
		char *p = line, *end;

		if (*line == '#' || *line == '\n')
			continue;
		for (;; p = end) {
			long x = strtol(p, &end, 0);
			if (end == p)
				break;
			if (n >= DIST_MAX || x < INT16_MIN || x > INT16_MAX) {
				*ret_err = xasprintf("%s: not a distribution table (too many or too large values)", path);
				return -EINVAL;
			}
			if (!(n % 1024))
				v = xrealloc(v, (n + 1024) * sizeof(*v));
			v[n++] = (int16_t)x;
		}
	}
	if (!n) {
		*ret_err = xasprintf("%s: no values", path);
		return -EINVAL;
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
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
static struct nl_msg *tcmsg_new(int type, int flags, size_t room, int ifindex, uint32_t parent,
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
		return nle_errno(r);
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
		return nle_errno(r);
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
	if (p->dist_len > DIST_MAX)
		return -E2BIG;
	if (p->reorder > 0 && !qopt.gap)
		qopt.gap = 1;

	msg = tcmsg_new(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, NLMSG_ROOM + p->dist_len * sizeof(int16_t),
			ifindex, parent, handle, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, TCA_KIND, "netem") < 0)
		return -EMSGSIZE;
	/* TCA_OPTIONS is struct tc_netem_qopt followed by attributes, its
	 * length spanning both: not a plain nest. */
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
		return nle_errno(r);
	rtnl_qdisc_tbf_set_limit(q, (int)t->limit);
	rtnl_qdisc_tbf_set_rate(q, (int)bytes, (int)t->burst, 0);
	if ((r = rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_EXCL, ret)) < 0)
		return nle_errno(r);
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
		return nle_errno(r);
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
			return nle_errno(r);
	if ((r = rtnl_u32_set_classid(c, classid)) < 0 || (r = rtnl_u32_set_cls_terminal(c)) < 0 ||
	    (r = rtnl_cls_build_add_request(c, NLM_F_CREATE | NLM_F_EXCL, ret)) < 0)
		return nle_errno(r);
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
	rtnl_tc_set_handle(TC_CAST(q), INGRESS_HANDLE);
	if ((r = rtnl_tc_set_kind(TC_CAST(q), "ingress")) < 0 ||
	    (r = rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_EXCL, ret)) < 0)
		return nle_errno(r);
	return 0;
}

int tc_msg_redirect(int ifindex, int to_ifindex, struct nl_msg **ret)
{
	_cleanup_(rtnl_cls_putp) struct rtnl_cls *c = NULL;
	_cleanup_(rtnl_act_putp) struct rtnl_act *a = rtnl_act_alloc();
	int r;

	if (!a)
		return -ENOMEM;
	if ((r = u32_new(ifindex, INGRESS_HANDLE, TC_PRIO_REDIRECT, ETH_P_ALL, &c)) < 0)
		return r;
	if ((r = rtnl_tc_set_kind(TC_CAST(a), "mirred")) < 0 ||
	    (r = rtnl_mirred_set_action(a, TCA_EGRESS_REDIR)) < 0 ||
	    (r = rtnl_mirred_set_policy(a, TC_ACT_STOLEN)) < 0 ||
	    (r = rtnl_mirred_set_ifindex(a, (uint32_t)to_ifindex)) < 0 ||
	    (r = rtnl_u32_add_key(c, 0, 0, 0, 0)) < 0 || (r = rtnl_u32_add_action(c, a)) < 0 ||
	    (r = rtnl_u32_set_cls_terminal(c)) < 0 ||
	    (r = rtnl_cls_build_add_request(c, NLM_F_CREATE | NLM_F_EXCL, ret)) < 0)
		return nle_errno(r);
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
		return nle_errno(r);
	return 0;
}

/* Delete requests, from an undo record's data. */
static int msg_delete(const struct undo_net *n, enum undo_kind kind, struct nl_msg **ret)
{
	struct nl_msg *msg;

	switch (kind) {
	case UNDO_TC_QDISC:
		msg = tcmsg_new(RTM_DELQDISC, 0, 64, n->ifindex, n->parent, n->handle, 0);
		break;
	case UNDO_TC_CLASS:
		msg = tcmsg_new(RTM_DELTCLASS, 0, 64, n->ifindex, n->parent, n->handle, 0);
		break;
	case UNDO_TC_FILTER:
		/* No handle: every filter of this priority and protocol, which
		 * belong to one fault (or to the ingress redirect) only. */
		msg = tcmsg_new(RTM_DELTFILTER, 0, 64, n->ifindex, n->parent, 0,
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

/* ---- the socket: one request, one acknowledgement ----------------------------- */

struct conn {
	struct conn *next;
	unsigned long netns;
	unsigned refs;
	struct nl_sock *sk;
	struct nl_cb *cb;
	/* the request in flight */
	int err;
	bool done;
	char ext[160];
	int (*parse)(struct nlmsghdr *nlh, void *arg);
	void *arg;
};

static struct conn *conns;

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct conn *c = arg;

	if (c->parse)
		(void)c->parse(nlmsg_hdr(msg), c->arg);
	return NL_OK;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct conn *c = arg;

	c->done = true;
	return NL_STOP;
}

/* The kernel's answer: its -errno and, with NETLINK_EXT_ACK, its text. */
static int on_err(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct conn *c = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);

	c->err = e->error;
	c->done = true;
	c->ext[0] = '\0';
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		size_t off = sizeof(*e);
		struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		if (NLMSG_HDRLEN + off < nlh->nlmsg_len &&
		    nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off),
			      (int)(nlh->nlmsg_len - NLMSG_HDRLEN - off), NULL) == 0 &&
		    tb[NLMSGERR_ATTR_MSG])
			snprintf(c->ext, sizeof(c->ext), "%s", nla_get_string(tb[NLMSGERR_ATTR_MSG]));
	}
	return NL_STOP;
}

static void conn_free(struct conn *c)
{
	if (!c)
		return;
	nl_cb_put(c->cb);
	nl_socket_free(c->sk);
	free(c);
}

/* A route netlink socket made inside netns_fd; shared per namespace while
 * a tree of it lives. Returns 0 and *ret (release with conn_put()). */
static int conn_get(int netns_fd, struct conn **ret)
{
	unsigned long ns = netns_id(netns_fd);
	struct conn *c;
	int saved, r, one = 1;

	for (c = conns; c; c = c->next)
		if (c->netns == ns) {
			c->refs++;
			*ret = c;
			return 0;
		}
	c = xcalloc(1, sizeof(*c));
	c->netns = ns;
	c->sk = nl_socket_alloc();
	c->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!c->sk || !c->cb) {
		conn_free(c);
		return -ENOMEM;
	}
	if ((r = netns_enter(netns_fd, &saved)) < 0) {
		conn_free(c);
		return r;
	}
	r = nl_connect(c->sk, NETLINK_ROUTE);
	netns_leave(saved);
	if (r < 0) {
		conn_free(c);
		return nle_errno(r);
	}
	/* Acknowledgements without the request echoed, with the kernel's text. */
	(void)setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_disable_msg_peek(c->sk);
	(void)nl_socket_set_msg_buf_size(c->sk, 32768);
	nl_cb_set(c->cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, c);
	nl_cb_set(c->cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, c);
	nl_cb_err(c->cb, NL_CB_CUSTOM, on_err, c);
	c->refs = 1;
	c->next = conns;
	conns = c;
	*ret = c;
	return 0;
}

static void conn_put(struct conn *c)
{
	if (!c || --c->refs)
		return;
	for (struct conn **p = &conns; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	conn_free(c);
}

/* Send msg (request + ack) and wait for the kernel's acknowledgement;
 * replies before it go to parse. Returns 0 or the kernel's -errno (its text
 * in c->ext). */
static int talk(struct conn *c, struct nl_msg *msg, int (*parse)(struct nlmsghdr *, void *), void *arg)
{
	int r;

	c->err = 0;
	c->done = false;
	c->ext[0] = '\0';
	c->parse = parse;
	c->arg = arg;
	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	r = nl_send_auto(c->sk, msg);
	if (r < 0)
		return nle_errno(r);
	while (!c->done) {
		r = nl_recvmsgs(c->sk, c->cb);
		if (r < 0 && !c->done)
			return nle_errno(r);
	}
	c->parse = NULL;
	return c->err;
}

/* Talk with *msg as a builder just made it (built: the builder's result;
 * passed by address, as the builder runs while the arguments are
 * evaluated); frees it. */
static int send_built(struct conn *c, int built, struct nl_msg **msg)
{
	int r;

	if (built < 0)
		return built;
	r = talk(c, *msg, NULL, NULL);
	nlmsg_free(*msg);
	*msg = NULL;
	return r;
}

/* ---- questions to the kernel ------------------------------------------------------ */

struct link_info {
	int ifindex;
	unsigned mtu, txqlen;
};

static int parse_link(struct nlmsghdr *nlh, void *arg)
{
	struct link_info *li = arg;
	struct nlattr *tb[IFLA_MAX + 1];
	struct ifinfomsg *ifi = nlmsg_data(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK || nlmsg_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0)
		return 0;
	li->ifindex = ifi->ifi_index;
	if (tb[IFLA_MTU])
		li->mtu = nla_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_TXQLEN])
		li->txqlen = nla_get_u32(tb[IFLA_TXQLEN]);
	return 0;
}

/* The interface called name: 0 and *ret, or -ENODEV. */
static int get_link(struct conn *c, const char *name, struct link_info *ret)
{
	_cleanup_msg_ struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETLINK, 0);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	uint32_t mask = RTEXT_FILTER_SKIP_STATS;
	int r;

	*ret = (struct link_info){ 0 };
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, name) < 0 || nla_put_u32(msg, IFLA_EXT_MASK, mask) < 0)
		return -EMSGSIZE;
	r = talk(c, msg, parse_link, ret);
	if (r == 0 && ret->ifindex <= 0)
		r = -ENODEV;
	return r;
}

struct qdisc_info {
	bool found;
	uint32_t handle;
	char kind[32];
};

static int parse_qdisc(struct nlmsghdr *nlh, void *arg)
{
	struct qdisc_info *qi = arg;
	struct nlattr *tb[TCA_MAX + 1];
	struct tcmsg *t = nlmsg_data(nlh);

	if (nlh->nlmsg_type != RTM_NEWQDISC || nlmsg_parse(nlh, sizeof(*t), tb, TCA_MAX, NULL) < 0)
		return 0;
	qi->found = true;
	qi->handle = t->tcm_handle;
	snprintf(qi->kind, sizeof(qi->kind), "%s", tb[TCA_KIND] ? nla_get_string(tb[TCA_KIND]) : "?");
	return 0;
}

/* The qdisc at parent (TC_H_ROOT or TC_H_INGRESS) of ifindex, if any. */
static int get_qdisc(struct conn *c, int ifindex, uint32_t parent, struct qdisc_info *ret)
{
	/* The kernel answers a single-qdisc get as a notification: only to
	 * the group, unless NLM_F_ECHO asks for it to come back to us. */
	_cleanup_msg_ struct nl_msg *msg = tcmsg_new(RTM_GETQDISC, NLM_F_ECHO, 64, ifindex, parent, 0, 0);
	int r;

	*ret = (struct qdisc_info){ 0 };
	if (!msg)
		return -ENOMEM;
	r = talk(c, msg, parse_qdisc, ret);
	/* None there (ENOENT), or only the built-in noop (EINVAL: nothing to show). */
	if (r == -ENOENT || r == -EINVAL)
		r = 0;
	return r;
}

/* ---- messages for people ---------------------------------------------------------- */

#define MODULE_HINT(mod)                                                                           \
	mod " is not available in this kernel: load it with modprobe " mod ", or install your "  \
	    "distribution's extra kernel modules package (e.g. linux-modules-extra-$(uname -r))"

static const struct {
	unsigned bit;
	const char *module, *hint;
} pieces[] = {
	{ TC_HAVE_NETEM, "sch_netem", MODULE_HINT("sch_netem") },
	{ TC_HAVE_TBF, "sch_tbf", MODULE_HINT("sch_tbf") },
	{ TC_HAVE_HTB, "sch_htb", MODULE_HINT("sch_htb") },
	{ TC_HAVE_U32, "cls_u32", MODULE_HINT("cls_u32") },
	{ TC_HAVE_INGRESS, "sch_ingress", MODULE_HINT("sch_ingress") },
	{ TC_HAVE_MIRRED, "act_mirred", MODULE_HINT("act_mirred") },
	{ TC_HAVE_IFB, "ifb", MODULE_HINT("ifb") },
};

/* The one place where a failed request becomes a sentence: what was being
 * done, the kernel's errno and text, and what to do about it. */
static char *fail_msg(struct conn *c, int err, const char *fmt, ...) _printf_(3, 4);
static char *fail_msg(struct conn *c, int err, const char *fmt, ...)
{
	struct sbuf b = { 0 };
	va_list ap;

	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	sbuf_addf(&b, ": %s", strerror(-err));
	if (c && c->ext[0])
		sbuf_addf(&b, " (kernel: %s)", c->ext);
	if (err == -EPERM)
		sbuf_add(&b, "; network faults need CAP_NET_ADMIN in the target's namespace: run Erebus as root");
	return sbuf_take(&b);
}

/* ---- kernel support ------------------------------------------------------------------ */

static int probe_cached = -EAGAIN;

/* In the child, in a namespace of its own: try each piece on lo. */
static int probe_here(void)
{
	struct conn *c = NULL;
	struct link_info lo, ifb;
	struct nl_msg *msg;
	int have = 0, r;
	const struct tc_filter all = { .protocol = ETH_P_ALL, .n_keys = 1 };
	const struct tc_netem ne = { .latency_ns = 1000000 };
	const struct tc_tbf tb = { .rate_bps = 1000000, .burst = 10000, .limit = 10000 };
	const struct undo_net root = { .parent = TC_H_ROOT, .handle = TC_ROOT_HANDLE };

	if ((r = conn_get(-1, &c)) < 0)
		return r;
	if ((r = get_link(c, "lo", &lo)) < 0)
		return r;
	struct undo_net del = root;
	del.ifindex = lo.ifindex;

	r = tc_msg_htb_root(lo.ifindex, TC_DIRECT_QLEN, &msg);
	if (send_built(c, r, &msg) == 0) {
		have |= TC_HAVE_HTB;
		r = tc_msg_u32(lo.ifindex, TC_ROOT_HANDLE, 1, &all, TC_ROOT_HANDLE | 1, &msg);
		if (send_built(c, r, &msg) == 0)
			have |= TC_HAVE_U32;
		if (msg_delete(&del, UNDO_TC_QDISC, &msg) == 0)
			(void)send_built(c, 0, &msg);
	}
	r = tc_msg_tbf(lo.ifindex, TC_H_ROOT, TC_ROOT_HANDLE, &tb, &msg);
	if (send_built(c, r, &msg) == 0) {
		have |= TC_HAVE_TBF;
		if (msg_delete(&del, UNDO_TC_QDISC, &msg) == 0)
			(void)send_built(c, 0, &msg);
	}
	r = tc_msg_netem(lo.ifindex, TC_H_ROOT, TC_ROOT_HANDLE, &ne, &msg);
	if (send_built(c, r, &msg) == 0) {
		have |= TC_HAVE_NETEM;
		if (msg_delete(&del, UNDO_TC_QDISC, &msg) == 0)
			(void)send_built(c, 0, &msg);
	}
	r = tc_msg_ifb("erebus-probe", &msg);
	if (send_built(c, r, &msg) == 0 && get_link(c, "erebus-probe", &ifb) == 0)
		have |= TC_HAVE_IFB;
	r = tc_msg_ingress(lo.ifindex, &msg);
	if (send_built(c, r, &msg) == 0) {
		have |= TC_HAVE_INGRESS;
		r = tc_msg_redirect(lo.ifindex, (have & TC_HAVE_IFB) ? ifb.ifindex : lo.ifindex, &msg);
		if (send_built(c, r, &msg) == 0)
			have |= TC_HAVE_MIRRED | TC_HAVE_U32;
	}
	conn_put(c);
	return have;
}

int tc_probe(void)
{
	int fds[2], status = 0, have = -EIO;
	pid_t pid;

	if (probe_cached != -EAGAIN)
		return probe_cached;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = -errno;
		close(fds[0]);
		close(fds[1]);
		return e;
	}
	if (pid == 0) {
		int v;
		close(fds[0]);
		/* A namespace of our own: the host's interfaces are never touched.
		 * Unprivileged, a user namespace makes the probe possible still. */
		if (unshare(CLONE_NEWNET) < 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
			v = -errno;
		else
			v = probe_here();
		if (write(fds[1], &v, sizeof(v)) != sizeof(v))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &have, sizeof(have)) != sizeof(have))
		have = -EIO;
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	probe_cached = have;
	return have;
}

/* CAP_NET_ADMIN in our effective set. */
static bool have_net_admin(void)
{
	_cleanup_free_ char *s = NULL;
	const char *p;
	unsigned long long eff;

	if (read_file_max("/proc/self/status", 1 << 16, &s) < 0 || !(p = strstr(s, "\nCapEff:")))
		return geteuid() == 0;
	eff = strtoull(p + 8, NULL, 16);
	return eff & (1ULL << 12);
}

int tc_supported(unsigned needs, const char **reason)
{
	int have = tc_probe();

	if (have < 0) {
		*reason = "cannot probe traffic control support: creating a network namespace failed "
			  "(network faults need root)";
		return have;
	}
	for (size_t i = 0; i < ARRAY_SIZE(pieces); i++)
		if ((needs & pieces[i].bit) && !(have & (int)pieces[i].bit)) {
			*reason = pieces[i].hint;
			return -EOPNOTSUPP;
		}
	if (!have_net_admin()) {
		*reason = "network faults need CAP_NET_ADMIN: run Erebus as root";
		return -EPERM;
	}
	return 0;
}

/* ---- the tree registry -------------------------------------------------------------- */

enum part { PART_ROOT, PART_IFB, PART_INGRESS, PART_REDIRECT, PART_N, PART_NONE = -1 };

struct tree {
	struct tree *next;
	unsigned long netns;
	int dev;		/* the interface the faults name */
	int ifindex;		/* where the htb root is: dev, or the ifb */
	bool ingress;
	char devname[IFNAMSIZ], ifb[IFNAMSIZ];
	unsigned refs[PART_N];
	uint8_t used[16];
	struct conn *conn;
};

static struct tree *trees;

static struct tree *tree_find(unsigned long netns, int dev, bool ingress)
{
	for (struct tree *t = trees; t; t = t->next)
		if (t->netns == netns && t->dev == dev && t->ingress == ingress)
			return t;
	return NULL;
}

static void tree_maybe_free(struct tree *t)
{
	for (int i = 0; i < PART_N; i++)
		if (t->refs[i])
			return;
	if (!slots_empty(t->used))
		return;
	for (struct tree **p = &trees; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	conn_put(t->conn);
	free(t);
}

/* Which shared part of which live tree r is (PART_NONE: a fault's own
 * object, *ret its tree if that is live; NULL: no live tree knows it). */
static enum part classify(const struct undo_rec *r, unsigned long netns, struct tree **ret)
{
	const struct undo_net *n = &r->net;
	bool own;

	*ret = NULL;
	for (struct tree *t = trees; t; t = t->next) {
		enum part p = PART_NONE;
		if (t->netns != netns)
			continue;
		if (r->kind == UNDO_LINK && t->ingress && !strcmp(t->ifb, n->name))
			p = PART_IFB;
		else if (r->kind == UNDO_TC_QDISC && n->parent == TC_H_ROOT && n->handle == TC_ROOT_HANDLE &&
			 n->ifindex == t->ifindex)
			p = PART_ROOT;
		else if (r->kind == UNDO_TC_QDISC && n->parent == TC_H_INGRESS && t->ingress && n->ifindex == t->dev)
			p = PART_INGRESS;
		else if (r->kind == UNDO_TC_FILTER && n->parent == INGRESS_HANDLE && n->prio == TC_PRIO_REDIRECT &&
			 t->ingress && n->ifindex == t->dev)
			p = PART_REDIRECT;
		if (p != PART_NONE) {
			*ret = t;
			return p;
		}
	}
	/* A fault's class, leaf or filter: under the root of the tree on its ifindex. */
	own = (r->kind == UNDO_TC_CLASS || r->kind == UNDO_TC_FILTER || r->kind == UNDO_TC_QDISC) &&
	      TC_H_MAJ(r->kind == UNDO_TC_CLASS ? r->net.handle : n->parent) == TC_ROOT_HANDLE;
	for (struct tree *t = trees; own && t; t = t->next)
		if (t->netns == netns && t->ifindex == n->ifindex) {
			*ret = t;
			break;
		}
	return PART_NONE;
}

int tc_undo(const struct undo_rec *r)
{
	unsigned long netns = netns_id(r->net.netns_fd);
	struct tree *t;
	enum part part = classify(r, netns, &t);
	struct conn *c = NULL;
	struct nl_msg *msg;
	int e;

	if (t && part != PART_NONE && t->refs[part] > 1) {
		t->refs[part]--;	/* another fault still needs it */
		return 0;
	}
	if (t) {
		c = t->conn;
		c->refs++;
	} else if ((e = conn_get(r->net.netns_fd, &c)) < 0) {
		return e;
	}
	e = msg_delete(&r->net, r->kind, &msg);
	e = send_built(c, e, &msg);
	/* Already gone: no such object (ENOENT, ENODEV), or the handle is now
	 * someone else's, such as the default qdisc back at the root (EINVAL). */
	if (e == -ENOENT || e == -EINVAL || e == -ENODEV)
		e = 0;
	if (!e && t) {
		if (part != PART_NONE)
			t->refs[part] = 0;
		if (r->kind == UNDO_TC_CLASS && TC_H_MAJ(r->net.handle) == TC_ROOT_HANDLE)
			tc_slot_release(t->used, TC_H_MIN(r->net.handle));
	}
	conn_put(c);
	if (t)
		tree_maybe_free(t);
	return e;
}

/* ---- is it still there? ------------------------------------------------------------ */

static int on_finish(struct nl_msg *msg, void *arg)
{
	struct conn *c = arg;

	c->done = true;
	return NL_STOP;
}

/* Send msg as a dump request; every reply goes to parse, until the
 * kernel's NLMSG_DONE. (A dump is never acknowledged: DONE ends it.)
 * Returns 0 or -errno. */
static int dump(struct conn *c, struct nl_msg *msg, int (*parse)(struct nlmsghdr *, void *), void *arg)
{
	int r;

	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_DUMP;
	nl_cb_set(c->cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, c);
	r = talk(c, msg, parse, arg);
	c->parse = NULL;
	nl_cb_set(c->cb, NL_CB_FINISH, NL_CB_DEFAULT, NULL, NULL);
	return r;
}

/* What a dump is searched for: a message of type on ifindex with that
 * handle (qdisc, class), or that priority and protocol (filter). */
struct wanted {
	int type, ifindex;
	uint32_t handle, info;
	bool found;
};

static int parse_wanted(struct nlmsghdr *nlh, void *arg)
{
	struct wanted *w = arg;
	const struct tcmsg *t = nlmsg_data(nlh);

	if (nlh->nlmsg_type != w->type || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*t)) ||
	    t->tcm_ifindex != w->ifindex)
		return 0;
	if (w->type == RTM_NEWTFILTER ? t->tcm_info == w->info : t->tcm_handle == w->handle)
		w->found = true;
	return 0;
}

/*
 * Dumps rather than single gets: a get answers "no such object" with
 * errors that also mean "bad request" (a filter get even needs the
 * filter's own handle), while a dump of what is there cannot be misread.
 * The interface is named by index: after an ifb is deleted, its index
 * names nothing (an empty dump) until the kernel reuses it.
 */
int tc_exists(const struct undo_rec *r)
{
	const struct undo_net *n = &r->net;
	struct wanted w = { .ifindex = n->ifindex, .handle = n->handle };
	_cleanup_msg_ struct nl_msg *msg = NULL;
	struct conn *c = NULL;
	int e;

	if ((e = conn_get(n->netns_fd, &c)) < 0)
		return e;
	switch (r->kind) {
	case UNDO_LINK: {	/* by name, as tc_undo() deletes it */
		struct link_info li;
		e = get_link(c, n->name, &li);
		e = e == 0 ? 1 : e == -ENODEV ? 0 : e;
		goto out;
	}
	case UNDO_TC_QDISC:	/* every qdisc of the namespace: the kernel ignores the index */
		w.type = RTM_NEWQDISC;
		msg = tcmsg_new(RTM_GETQDISC, 0, 64, n->ifindex, 0, 0, 0);
		break;
	case UNDO_TC_CLASS:	/* every class of the interface */
		w.type = RTM_NEWTCLASS;
		msg = tcmsg_new(RTM_GETTCLASS, 0, 64, n->ifindex, 0, 0, 0);
		break;
	case UNDO_TC_FILTER:	/* the filters of that priority and protocol under parent */
		w.type = RTM_NEWTFILTER;
		w.info = TC_H_MAKE((uint32_t)n->prio << 16, htons(n->protocol));
		msg = tcmsg_new(RTM_GETTFILTER, 0, 64, n->ifindex, n->parent, 0, w.info);
		break;
	default:
		e = -EINVAL;
		goto out;
	}
	if (!msg) {
		e = -ENOMEM;
		goto out;
	}
	e = dump(c, msg, parse_wanted, &w);
	if (e == 0)
		e = w.found;
out:
	conn_put(c);
	return e;
}

/* ---- apply ----------------------------------------------------------------------------- */

struct applying {
	int netns_fd;
	struct conn *c;
	struct tree *t;
	struct undo_list *undo;
	char **ret_err;
};

/* Push the record, then (if part is shared) count the reference. */
static int push(struct applying *a, enum undo_kind kind, enum part part, int ifindex, uint32_t parent,
		uint32_t handle, uint16_t prio, uint16_t protocol, const char *name)
{
	struct undo_rec r = { .kind = kind };
	int e;

	r.net = (struct undo_net){ .netns_fd = a->netns_fd, .ifindex = ifindex, .parent = parent,
				   .handle = handle, .prio = prio, .protocol = protocol };
	snprintf(r.net.name, sizeof(r.net.name), "%s", name);
	e = undo_push(a->undo, &r);
	if (e < 0) {
		*a->ret_err = xasprintf("cannot record how to undo the change (%s): %s", name, strerror(-e));
		return e;
	}
	if (part != PART_NONE)
		a->t->refs[part]++;
	return 0;
}

/* A create request failed with EEXIST: it changed nothing, so its record
 * (the last pushed) must not remove what someone else made. */
static void disown_last(struct applying *a, enum part part)
{
	undo_disown(a->undo);
	if (part != PART_NONE && a->t->refs[part])
		a->t->refs[part]--;
}

static int create(struct applying *a, enum part part, int built, struct nl_msg **msg, const char *fmt, ...)
	_printf_(5, 6);
static int create(struct applying *a, enum part part, int built, struct nl_msg **msg, const char *fmt, ...)
{
	int e = send_built(a->c, built, msg);

	if (e < 0) {
		struct sbuf what = { 0 };
		va_list ap;

		va_start(ap, fmt);
		sbuf_vaddf(&what, fmt, ap);
		va_end(ap);
		if (e == -EEXIST)
			disown_last(a, part);
		if (built < 0)
			*a->ret_err = xasprintf("cannot build the request to create %s: %s", what.s, strerror(-e));
		else
			*a->ret_err = fail_msg(a->c, e, "cannot create %s", what.s);
		sbuf_free(&what);
	}
	return e;
}

static void handle_str(uint32_t h, char buf[static 16])
{
	if (TC_H_MIN(h))
		snprintf(buf, 16, "%x:%x", TC_H_MAJ(h) >> 16, TC_H_MIN(h));
	else
		snprintf(buf, 16, "%x:", TC_H_MAJ(h) >> 16);
}

/* Refuse an interface whose root (or ingress) qdisc someone else made. */
static int check_free(struct applying *a, const struct link_info *dev, const char *ifname, bool ingress)
{
	struct qdisc_info qi;
	char h[16];
	int e = get_qdisc(a->c, dev->ifindex, ingress ? TC_H_INGRESS : TC_H_ROOT, &qi);

	if (e < 0) {
		*a->ret_err = fail_msg(a->c, e, "cannot read the qdiscs of %s", ifname);
		return e;
	}
	if (!qi.found || (!ingress && !TC_H_MAJ(qi.handle)))
		return 0;	/* the kernel's default (handle 0:): replacing it is fine */
	handle_str(qi.handle, h);
	if (!ingress && TC_H_MAJ(qi.handle) == TC_ROOT_HANDLE)
		*a->ret_err = xasprintf("%s already has an Erebus tree (qdisc %s %s root) that this run did not "
					"make: another Erebus run is acting on it, or one was killed; remove it "
					"with `tc qdisc del dev %s root` once no run uses it",
					ifname, qi.kind, h, ifname);
	else
		*a->ret_err = xasprintf("%s already has %s qdisc (%s %s) that Erebus did not create; Erebus "
					"never replaces a qdisc it did not create: remove it, or choose "
					"another interface",
					ifname, ingress ? "an ingress" : "a root", qi.kind, h);
	return -EBUSY;
}

/* Make (or join) the tree of m on dev. */
static int tree_enter(struct applying *a, const struct net_match *m, const struct link_info *dev)
{
	const bool ingress = m->direction == NET_INGRESS;
	unsigned long netns = netns_id(a->netns_fd);
	struct tree *t = tree_find(netns, dev->ifindex, ingress);
	struct nl_msg *msg = NULL;
	int e;

	if (t) {	/* join: a reference on every shared part */
		a->t = t;
		if (ingress && ((e = push(a, UNDO_LINK, PART_IFB, t->ifindex, 0, 0, 0, 0, t->ifb)) < 0 ||
				(e = push(a, UNDO_TC_QDISC, PART_ROOT, t->ifindex, TC_H_ROOT, TC_ROOT_HANDLE, 0, 0,
					  "htb")) < 0 ||
				(e = push(a, UNDO_TC_QDISC, PART_INGRESS, t->dev, TC_H_INGRESS, INGRESS_HANDLE, 0,
					  0, "ingress")) < 0 ||
				(e = push(a, UNDO_TC_FILTER, PART_REDIRECT, t->dev, INGRESS_HANDLE, 0,
					  TC_PRIO_REDIRECT, ETH_P_ALL, "u32")) < 0))
			return e;
		if (!ingress && (e = push(a, UNDO_TC_QDISC, PART_ROOT, t->ifindex, TC_H_ROOT, TC_ROOT_HANDLE, 0,
					  0, "htb")) < 0)
			return e;
		return 0;
	}

	if ((e = check_free(a, dev, m->interface, ingress)) < 0)
		return e;
	t = xcalloc(1, sizeof(*t));
	t->netns = netns;
	t->dev = t->ifindex = dev->ifindex;
	t->ingress = ingress;
	snprintf(t->devname, sizeof(t->devname), "%s", m->interface);
	t->conn = a->c;
	a->c->refs++;
	t->next = trees;
	trees = t;
	a->t = t;

	if (ingress) {
		struct link_info ifb;
		tc_ifb_name(dev->ifindex, t->ifb);
		e = get_link(a->c, t->ifb, &ifb);
		if (e == 0) {
			*a->ret_err = xasprintf("a link named %s already exists: an earlier Erebus run was killed, "
						"or another one acts on %s; delete it with `ip link del %s` once "
						"no run uses it",
						t->ifb, m->interface, t->ifb);
			return -EBUSY;	/* tc_apply() forgets the tree */
		}
		if ((e = push(a, UNDO_LINK, PART_IFB, 0, 0, 0, 0, 0, t->ifb)) < 0 ||
		    (e = create(a, PART_IFB, tc_msg_ifb(t->ifb, &msg), &msg, "link %s (ifb)", t->ifb)) < 0)
			return e;
		if ((e = get_link(a->c, t->ifb, &ifb)) < 0) {
			*a->ret_err = fail_msg(a->c, e, "cannot find the link %s just made", t->ifb);
			return e;
		}
		t->ifindex = ifb.ifindex;
		a->undo->v[a->undo->n - 1].net.ifindex = ifb.ifindex;
		if ((e = push(a, UNDO_TC_QDISC, PART_ROOT, t->ifindex, TC_H_ROOT, TC_ROOT_HANDLE, 0, 0, "htb")) < 0 ||
		    (e = create(a, PART_ROOT, tc_msg_htb_root(t->ifindex, TC_DIRECT_QLEN, &msg), &msg,
				"qdisc htb eb00: root on %s", t->ifb)) < 0)
			return e;
		if ((e = push(a, UNDO_TC_QDISC, PART_INGRESS, t->dev, TC_H_INGRESS, INGRESS_HANDLE, 0, 0,
			      "ingress")) < 0 ||
		    (e = create(a, PART_INGRESS, tc_msg_ingress(t->dev, &msg), &msg, "qdisc ingress on %s",
				m->interface)) < 0)
			return e;
		if ((e = push(a, UNDO_TC_FILTER, PART_REDIRECT, t->dev, INGRESS_HANDLE, 0, TC_PRIO_REDIRECT,
			      ETH_P_ALL, "u32")) < 0 ||
		    (e = create(a, PART_REDIRECT, tc_msg_redirect(t->dev, t->ifindex, &msg), &msg,
				"the filter redirecting %s's ingress to %s", m->interface, t->ifb)) < 0)
			return e;
		return 0;
	}
	if ((e = push(a, UNDO_TC_QDISC, PART_ROOT, t->ifindex, TC_H_ROOT, TC_ROOT_HANDLE, 0, 0, "htb")) < 0)
		return e;
	return create(a, PART_ROOT,
		      tc_msg_htb_root(t->ifindex, dev->txqlen > TC_DIRECT_QLEN ? dev->txqlen : TC_DIRECT_QLEN, &msg),
		      &msg, "qdisc htb eb00: root on %s", m->interface);
}

int tc_apply(int netns_fd, const struct net_match *m, const struct tc_leaf *leaf, struct undo_list *undo,
	     char **ret_err)
{
	struct applying a = { .netns_fd = netns_fd, .undo = undo, .ret_err = ret_err };
	_cleanup_free_ struct tc_filter *fl = NULL;
	struct link_info dev;
	struct nl_msg *msg = NULL;
	struct tc_slot hs;
	size_t nf;
	char h[16];
	int e, s;

	*ret_err = NULL;
	if ((e = conn_get(netns_fd, &a.c)) < 0) {
		*ret_err = xasprintf("cannot open a netlink socket in the target's network namespace: %s",
				     strerror(-e));
		return e;
	}
	e = get_link(a.c, m->interface, &dev);
	if (e < 0) {
		*ret_err = e == -ENODEV ? xasprintf("no interface %s in the target's network namespace", m->interface)
					: fail_msg(a.c, e, "cannot look up interface %s", m->interface);
		goto out;
	}
	if ((e = tree_enter(&a, m, &dev)) < 0)
		goto out;

	s = tc_slot_take(a.t->used);
	if (s < 0) {
		e = s;
		*ret_err = xasprintf("%s %s already carries %d faults, the most one interface can", m->interface,
				     tc_direction_choices[m->direction], TC_SLOTS);
		goto out;
	}
	hs = tc_slot((unsigned)s, net_match_targeted(m));
	handle_str(hs.classid, h);
	/* The class record frees the slot when it is replayed, even if
	 * creating the class fails. */
	if ((e = push(&a, UNDO_TC_CLASS, PART_NONE, a.t->ifindex, TC_ROOT_HANDLE, hs.classid, 0, 0, "htb")) < 0) {
		tc_slot_release(a.t->used, hs.slot);
		goto out;
	}
	if ((e = create(&a, PART_NONE, tc_msg_pass_class(a.t->ifindex, hs.classid, &msg), &msg,
			"class htb %s on %s", h, a.t->ingress ? a.t->ifb : m->interface)) < 0)
		goto out;

	if (leaf->kind == TC_LEAF_NETEM) {
		if ((e = push(&a, UNDO_TC_QDISC, PART_NONE, a.t->ifindex, hs.classid, hs.leaf, 0, 0, "netem")) < 0)
			goto out;
		e = create(&a, PART_NONE, tc_msg_netem(a.t->ifindex, hs.classid, hs.leaf, &leaf->netem, &msg), &msg,
			   "qdisc netem %x: on %s", hs.leaf >> 16, a.t->ingress ? a.t->ifb : m->interface);
		if (e == -ENOENT && a.c->ext[0] && strstr(a.c->ext, "kind is unknown")) {
			free(*ret_err);
			*ret_err = xstrdup(MODULE_HINT("sch_netem"));
		} else if (e == -EINVAL && strstr(a.c->ext, TC_NETEM_DUP_RULE)) {
			/* The kernel's words stay as they are; what to do follows. */
			char *why = xasprintf("%s; Linux allows no other netem on %s %s while one duplicates "
					      "packets there: give the duplicate fault a window of its own (at, "
					      "duration), or another interface or direction",
					      *ret_err, m->interface, tc_direction_choices[m->direction]);
			free(*ret_err);
			*ret_err = why;
		}
	} else {
		struct tc_tbf tbf = leaf->tbf;
		tc_tbf_resolve(&tbf, dev.mtu);
		if ((e = push(&a, UNDO_TC_QDISC, PART_NONE, a.t->ifindex, hs.classid, hs.leaf, 0, 0, "tbf")) < 0)
			goto out;
		e = create(&a, PART_NONE, tc_msg_tbf(a.t->ifindex, hs.classid, hs.leaf, &tbf, &msg), &msg,
			   "qdisc tbf %x: on %s", hs.leaf >> 16, a.t->ingress ? a.t->ifb : m->interface);
	}
	if (e < 0)
		goto out;

	nf = tc_filters(m, &fl);
	for (size_t i = 0; i < nf; i++) {
		bool first = true;
		/* One record per (priority, protocol): it removes all of them. */
		for (size_t j = 0; j < i; j++)
			first &= fl[j].protocol != fl[i].protocol;
		if (first && (e = push(&a, UNDO_TC_FILTER, PART_NONE, a.t->ifindex, TC_ROOT_HANDLE, 0, hs.prio,
				       fl[i].protocol, "u32")) < 0)
			goto out;
		if ((e = create(&a, PART_NONE, tc_msg_u32(a.t->ifindex, TC_ROOT_HANDLE, hs.prio, &fl[i], hs.classid, &msg),
				&msg, "filter u32 prio %#x on %s", hs.prio, a.t->ingress ? a.t->ifb : m->interface)) < 0)
			goto out;
	}
	e = 0;
out:
	if (e < 0 && a.t)
		tree_maybe_free(a.t);	/* a tree nothing was recorded for yet */
	conn_put(a.c);
	return e;
}

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
	handle_str(hs.classid, h);
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
