/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/net/tc (msg.c, dist.c), without privileges: every
 * message the tc faults would send is built, then parsed back attribute by
 * attribute the way the kernel reads it (values and units): netem (every
 * option), tbf, htb root and pass-through class, u32 selectors for
 * IPv4/IPv6 peers, ports and protocols, the ingress redirect, the ifb
 * link; handle allocation; and the rule that no netem shares a tree with
 * one that duplicates packets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <math.h>
#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "erebus/catalog.h"
#include "erebus/experiment.h"
#include "erebus/options.h"
#include "erebus/tc.h"

#define U32MAX 4294967295.0

/* A built message, freed by the teardown even when an assertion fails. */
static struct nl_msg *cur;

static int teardown(void **state)
{
	if (cur)
		nlmsg_free(cur);
	cur = NULL;
	return 0;
}

/* The tc message's header and top-level attributes, as the kernel parses
 * them; also checks the length is exactly what the attributes span. */
static struct tcmsg *parse_tc(struct nl_msg *msg, int type, struct nlattr **tb)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *a;
	int rem, total = 0;

	assert_int_equal(nlh->nlmsg_type, type);
	assert_int_equal(nlmsg_parse(nlh, sizeof(struct tcmsg), tb, TCA_MAX, NULL), 0);
	nlmsg_for_each_attr(a, nlh, sizeof(struct tcmsg), rem) total += NLA_ALIGN(a->nla_len);
	assert_int_equal(rem, 0);
	assert_int_equal(NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct tcmsg)) + total, NLMSG_ALIGN(nlh->nlmsg_len));
	return nlmsg_data(nlh);
}

/* netem: struct tc_netem_qopt, then attributes, all inside TCA_OPTIONS. */
static const struct tc_netem_qopt *parse_netem(const struct tc_netem *p, struct nlattr **ntb)
{
	struct nlattr *tb[TCA_MAX + 1];
	struct tcmsg *t;
	struct nlattr *opts;
	int off = NLA_ALIGN(sizeof(struct tc_netem_qopt));

	assert_int_equal(tc_msg_netem(7, TC_ROOT_HANDLE | 3, (TC_MAJOR + 3) << 16, p, &cur), 0);
	t = parse_tc(cur, RTM_NEWQDISC, tb);
	assert_int_equal(t->tcm_ifindex, 7);
	assert_int_equal(t->tcm_parent, 0xEB000003);
	assert_int_equal(t->tcm_handle, 0xEB030000);
	assert_true(nlmsg_hdr(cur)->nlmsg_flags & NLM_F_CREATE);
	assert_true(nlmsg_hdr(cur)->nlmsg_flags & NLM_F_EXCL);
	assert_non_null(tb[TCA_KIND]);
	assert_string_equal(nla_get_string(tb[TCA_KIND]), "netem");
	opts = tb[TCA_OPTIONS];
	assert_non_null(opts);
	assert_false(opts->nla_type & NLA_F_NESTED);	/* a struct, then attributes: no nest */
	assert_true(nla_len(opts) >= off);
	memset(ntb, 0, sizeof(*ntb) * (TC_NETEM_ATTR_MAX + 1));
	assert_int_equal(nla_parse(ntb, TC_NETEM_ATTR_MAX, (struct nlattr *)((char *)nla_data(opts) + off),
				   nla_len(opts) - off, NULL),
			 0);
	return nla_data(opts);
}

/* A nest marked as one (NLA_F_NESTED), as the kernel's strict parsing
 * wants: libnl marks the nests it builds, tc_msg_netem() its loss nest. */
static void assert_nest(const struct nlattr *a)
{
	assert_non_null(a);
	assert_true(a->nla_type & NLA_F_NESTED);
}

static void assert_attr_len(struct nlattr *a, size_t len)
{
	assert_non_null(a);
	assert_int_equal(nla_len(a), len);
}

static void test_percent_scaling(void **state)
{
	assert_int_equal(tc_percent_u32(0), 0);
	assert_int_equal(tc_percent_u32(100), UINT32_MAX);
	assert_int_equal(tc_percent_u32(50), 2147483648u);	/* rint(0.5 * (2^32 - 1)) */
	assert_int_equal(tc_percent_u32(25), 1073741824u);
	assert_int_equal(tc_percent_u32(0.1), (uint32_t)rint(0.001 * U32MAX));
	assert_int_equal(tc_percent_u32(-1), 0);
	assert_int_equal(tc_percent_u32(150), UINT32_MAX);
}

static void test_netem_delay(void **state)
{
	struct nlattr *ntb[TC_NETEM_ATTR_MAX + 1];
	const struct tc_netem p = { .latency_ns = 100000000, .jitter_ns = 10000000, .delay_corr = 25 };
	const struct tc_netem_qopt *q = parse_netem(&p, ntb);
	const struct tc_netem_corr *c;

	assert_int_equal(q->limit, 1000);		/* netem's default, in packets */
	assert_int_equal(q->latency, 100000000 / 64);	/* PSCHED ticks of 64 ns */
	assert_int_equal(q->jitter, 10000000 / 64);
	assert_int_equal(q->loss, 0);
	assert_int_equal(q->gap, 0);
	assert_int_equal(q->duplicate, 0);
	assert_attr_len(ntb[TCA_NETEM_LATENCY64], 8);	/* nanoseconds, s64 */
	assert_int_equal(nla_get_s64(ntb[TCA_NETEM_LATENCY64]), 100000000);
	assert_attr_len(ntb[TCA_NETEM_JITTER64], 8);
	assert_int_equal(nla_get_s64(ntb[TCA_NETEM_JITTER64]), 10000000);
	assert_attr_len(ntb[TCA_NETEM_CORR], sizeof(struct tc_netem_corr));
	c = nla_data(ntb[TCA_NETEM_CORR]);
	assert_int_equal(c->delay_corr, 1073741824u);
	assert_int_equal(c->loss_corr, 0);
	assert_int_equal(c->dup_corr, 0);
	/* nothing else */
	assert_null(ntb[TCA_NETEM_LOSS]);
	assert_null(ntb[TCA_NETEM_REORDER]);
	assert_null(ntb[TCA_NETEM_CORRUPT]);
	assert_null(ntb[TCA_NETEM_RATE]);
	assert_null(ntb[TCA_NETEM_RATE64]);
	assert_null(ntb[TCA_NETEM_DELAY_DIST]);
	assert_null(ntb[TC_NETEM_PRNG_SEED]);
}

static void test_netem_fixed_delay_no_corr(void **state)
{
	struct nlattr *ntb[TC_NETEM_ATTR_MAX + 1];
	const struct tc_netem p = { .latency_ns = 250000, .limit = 50 };
	const struct tc_netem_qopt *q = parse_netem(&p, ntb);

	assert_int_equal(q->limit, 50);
	assert_int_equal(nla_get_s64(ntb[TCA_NETEM_LATENCY64]), 250000);
	assert_null(ntb[TCA_NETEM_JITTER64]);
	assert_null(ntb[TCA_NETEM_CORR]);
}

static void test_netem_latency_64bit(void **state)
{
	struct nlattr *ntb[TC_NETEM_ATTR_MAX + 1];
	const uint64_t hour = 3600ULL * 1000000000ULL;
	const struct tc_netem p = { .latency_ns = hour, .jitter_ns = hour / 2 };
	const struct tc_netem_qopt *q = parse_netem(&p, ntb);

	/* Too long for 32-bit ticks: saturated there, exact in the 64-bit attribute. */
	assert_int_equal(q->latency, UINT32_MAX);
	assert_int_equal(q->jitter, UINT32_MAX);
	assert_int_equal(nla_get_s64(ntb[TCA_NETEM_LATENCY64]), (int64_t)hour);
	assert_int_equal(nla_get_s64(ntb[TCA_NETEM_JITTER64]), (int64_t)hour / 2);
}

/* Read a .dist file as iproute2 does, to compare with what msg.c sends. */
static size_t read_dist(const char *path, int16_t *out, size_t max)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	size_t n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;
		if (*line == '#' || *line == '\n')
			continue;
		for (;; p = end) {
			long x = strtol(p, &end, 0);
			if (end == p)
				break;
			assert_true(n < max);
			out[n++] = (int16_t)x;
		}
	}
	fclose(f);
	return n;
}

static void test_netem_distribution_tables(void **state)
{
	static const char *const names[] = { "normal", "pareto", "paretonormal" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct nlattr *ntb[TC_NETEM_ATTR_MAX + 1];
		const char *path = tc_dist_path(names[i]);
		int16_t *table = NULL, want[16384];
		size_t n = 0, nwant;
		char *err = NULL;
		struct tc_netem p = { .latency_ns = 50000000, .jitter_ns = 5000000 };

		if (!path) {
			print_message("  (no %s.dist here: iproute2 is not installed; skipped)\n", names[i]);
			continue;
		}
		assert_int_equal(tc_dist_load(names[i], &table, &n, &err), 0);
		nwant = read_dist(path, want, ARRAY_SIZE(want));
		assert_int_equal(n, nwant);
		assert_true(n >= 1000);
		p.dist = table;
		p.dist_len = n;
		parse_netem(&p, ntb);
		/* The table itself, as s16 values, in file order. */
		assert_attr_len(ntb[TCA_NETEM_DELAY_DIST], n * sizeof(int16_t));
		assert_memory_equal(nla_data(ntb[TCA_NETEM_DELAY_DIST]), want, n * sizeof(int16_t));
		free(table);
		nlmsg_free(cur);
		cur = NULL;
	}
}

static void test_netem_distribution_missing(void **state)
{
	int16_t *table = NULL;
	size_t n = 0;
	char *err = NULL;

	assert_int_equal(tc_dist_load("no-such-table", &table, &n, &err), -ENOENT);
	assert_non_null(strstr(err, "no-such-table.dist"));
	assert_non_null(strstr(err, "iproute2"));
	free(err);
}

static void test_netem_loss_random(void **state)
{
	struct nlattr *ntb[TC_NETEM_ATTR_MAX + 1];
	const struct tc_netem p = { .loss = 1.5, .loss_corr = 25 };
	const struct tc_netem_qopt *q = parse_netem(&p, ntb);

	assert_int_equal(q->loss, (uint32_t)rint(0.015 * U32MAX));
	assert_non_null(ntb[TCA_NETEM_CORR]);
	assert_int_equal(((struct tc_netem_corr *)nla_data(ntb[TCA_NETEM_CORR]))->loss_corr, 1073741824u);
	assert_null(ntb[TCA_NETEM_LOSS]);
	assert_null(ntb[TCA_NETEM_LATENCY64]);
}

static void test_netem_loss_gilbert_elliott(void **state)
{
	struct nlattr *ntb[TC_NETEM_ATTR_MAX + 1], *ltb[NETEM_LOSS_MAX + 1];
	const struct tc_netem p = {
		.loss_model = TC_LOSS_GE, .ge_p = 1, .ge_r = 30, .ge_1h = 80, .ge_1k = 0.1,
		.loss = 50, .loss_corr = 10,	/* ignored: not the random model */
	};
	const struct tc_netem_qopt *q = parse_netem(&p, ntb);
	const struct tc_netem_gemodel *ge;

	assert_int_equal(q->loss, 0);
	assert_null(ntb[TCA_NETEM_CORR]);
	assert_nest(ntb[TCA_NETEM_LOSS]);
	assert_int_equal(nla_parse_nested(ltb, NETEM_LOSS_MAX, ntb[TCA_NETEM_LOSS], NULL), 0);
	assert_null(ltb[NETEM_LOSS_GI]);
	assert_attr_len(ltb[NETEM_LOSS_GE], sizeof(struct tc_netem_gemodel));
	ge = nla_data(ltb[NETEM_LOSS_GE]);
	assert_int_equal(ge->p, (uint32_t)rint(0.01 * U32MAX));
	assert_int_equal(ge->r, (uint32_t)rint(0.30 * U32MAX));
	/* the kernel drops in the bad state when a draw exceeds h: h = 1 - (1-h) */
	assert_int_equal(ge->h, UINT32_MAX - (uint32_t)rint(0.80 * U32MAX));
	assert_int_equal(ge->k1, (uint32_t)rint(0.001 * U32MAX));
}

static void test_netem_loss_4state(void **state)
{
	struct nlattr *ntb[TC_NETEM_ATTR_MAX + 1], *ltb[NETEM_LOSS_MAX + 1];
	const struct tc_netem p = { .loss_model = TC_LOSS_GI, .gi_p13 = 5, .gi_p31 = 95, .gi_p32 = 1,
				    .gi_p23 = 100, .gi_p14 = 0.5 };
	const struct tc_netem_gimodel *gi;

	parse_netem(&p, ntb);
	assert_nest(ntb[TCA_NETEM_LOSS]);
	assert_int_equal(nla_parse_nested(ltb, NETEM_LOSS_MAX, ntb[TCA_NETEM_LOSS], NULL), 0);
	assert_null(ltb[NETEM_LOSS_GE]);
	assert_attr_len(ltb[NETEM_LOSS_GI], sizeof(struct tc_netem_gimodel));
	gi = nla_data(ltb[NETEM_LOSS_GI]);
	assert_int_equal(gi->p13, (uint32_t)rint(0.05 * U32MAX));
	assert_int_equal(gi->p31, (uint32_t)rint(0.95 * U32MAX));
	assert_int_equal(gi->p32, (uint32_t)rint(0.01 * U32MAX));
	assert_int_equal(gi->p23, UINT32_MAX);
	assert_int_equal(gi->p14, (uint32_t)rint(0.005 * U32MAX));
}

static void test_netem_corrupt(void **state)
{
	struct nlattr *ntb[TC_NETEM_ATTR_MAX + 1];
	const struct tc_netem p = { .corrupt = 2, .corrupt_corr = 10 };
	const struct tc_netem_corrupt *c;

	parse_netem(&p, ntb);
	assert_attr_len(ntb[TCA_NETEM_CORRUPT], sizeof(struct tc_netem_corrupt));
	c = nla_data(ntb[TCA_NETEM_CORRUPT]);
	assert_int_equal(c->probability, (uint32_t)rint(0.02 * U32MAX));
	assert_int_equal(c->correlation, (uint32_t)rint(0.10 * U32MAX));
	assert_null(ntb[TCA_NETEM_CORR]);	/* corrupt has its own correlation */
}

static void test_netem_duplicate(void **state)
{
	struct nlattr *ntb[TC_NETEM_ATTR_MAX + 1];
	const struct tc_netem p = { .duplicate = 3, .dup_corr = 40 };
	const struct tc_netem_qopt *q = parse_netem(&p, ntb);

	assert_int_equal(q->duplicate, (uint32_t)rint(0.03 * U32MAX));
	assert_non_null(ntb[TCA_NETEM_CORR]);
	assert_int_equal(((struct tc_netem_corr *)nla_data(ntb[TCA_NETEM_CORR]))->dup_corr,
			 (uint32_t)rint(0.40 * U32MAX));
}

static void test_netem_reorder(void **state)
{
	struct nlattr *ntb[TC_NETEM_ATTR_MAX + 1];
	struct tc_netem p = { .reorder = 25, .reorder_corr = 50, .latency_ns = 10000000 };
	const struct tc_netem_qopt *q = parse_netem(&p, ntb);
	const struct tc_netem_reorder *r;

	assert_int_equal(q->gap, 1);	/* as tc: without a gap, any packet may go first */
	assert_attr_len(ntb[TCA_NETEM_REORDER], sizeof(struct tc_netem_reorder));
	r = nla_data(ntb[TCA_NETEM_REORDER]);
	assert_int_equal(r->probability, 1073741824u);
	assert_int_equal(r->correlation, 2147483648u);
	assert_int_equal(nla_get_s64(ntb[TCA_NETEM_LATENCY64]), 10000000);
	nlmsg_free(cur);
	cur = NULL;

	p.gap = 5;
	q = parse_netem(&p, ntb);
	assert_int_equal(q->gap, 5);
}

static void test_netem_rejects_what_tc_rejects(void **state)
{
	const int16_t table[4] = { 1, 2, 3, 4 };
	struct tc_netem p = { .reorder = 10 };

	/* reordering not possible without a delay */
	assert_int_equal(tc_msg_netem(1, TC_H_ROOT, 0, &p, &cur), -EINVAL);
	/* a gap without reordering */
	p = (struct tc_netem){ .gap = 3, .latency_ns = 1000 };
	assert_int_equal(tc_msg_netem(1, TC_H_ROOT, 0, &p, &cur), -EINVAL);
	/* a distribution without latency and jitter */
	p = (struct tc_netem){ .latency_ns = 1000, .dist = table, .dist_len = 4 };
	assert_int_equal(tc_msg_netem(1, TC_H_ROOT, 0, &p, &cur), -EINVAL);
	assert_null(cur);
}

static void test_netem_rate(void **state)
{
	struct nlattr *ntb[TC_NETEM_ATTR_MAX + 1];
	struct tc_netem p = { .latency_ns = 1000000, .rate_bps = 10000000 };
	const struct tc_netem_rate *r;

	parse_netem(&p, ntb);
	assert_attr_len(ntb[TCA_NETEM_RATE], sizeof(struct tc_netem_rate));
	r = nla_data(ntb[TCA_NETEM_RATE]);
	assert_int_equal(r->rate, 1250000);	/* bytes per second */
	assert_int_equal(r->packet_overhead, 0);
	assert_int_equal(r->cell_size, 0);
	assert_null(ntb[TCA_NETEM_RATE64]);
	nlmsg_free(cur);
	cur = NULL;

	/* 100gbit: 12.5e9 bytes/s does not fit 32 bits */
	p.rate_bps = 100000000000ULL;
	parse_netem(&p, ntb);
	r = nla_data(ntb[TCA_NETEM_RATE]);
	assert_int_equal(r->rate, UINT32_MAX);
	assert_attr_len(ntb[TCA_NETEM_RATE64], 8);
	assert_int_equal(nla_get_u64(ntb[TCA_NETEM_RATE64]), 12500000000ULL);
}

static void test_netem_seed(void **state)
{
	struct nlattr *ntb[TC_NETEM_ATTR_MAX + 1];
	const struct tc_netem p = { .loss = 1, .seed_set = true, .seed = 0x1234567890abcdefULL };

	parse_netem(&p, ntb);
	assert_attr_len(ntb[TC_NETEM_PRNG_SEED], 8);
	assert_int_equal(nla_get_u64(ntb[TC_NETEM_PRNG_SEED]), 0x1234567890abcdefULL);
	assert_int_equal(TC_NETEM_PRNG_SEED, 14);	/* the kernel's number for it */
}

/* ---- tbf ------------------------------------------------------------------------ */

static void test_tbf_defaults(void **state)
{
	struct tc_tbf t = { .rate_bps = 8000000 };

	tc_tbf_resolve(&t, 1500);
	assert_int_equal(t.burst, 10000);		/* 10 ms at 1 MB/s */
	assert_int_equal(t.limit, 10000 + 100000);	/* + 100 ms */
	t = (struct tc_tbf){ .rate_bps = 1000000 };
	tc_tbf_resolve(&t, 1500);
	assert_int_equal(t.burst, 2 * 1514);		/* two frames at least */
	assert_int_equal(t.limit, 2 * 1514 + 12500);
	t = (struct tc_tbf){ .rate_bps = 1000000, .burst = 5000, .limit = 60000 };
	tc_tbf_resolve(&t, 9000);
	assert_int_equal(t.burst, 5000);		/* given values stay */
	assert_int_equal(t.limit, 60000);
	t = (struct tc_tbf){ .rate_bps = 1000000 };
	tc_tbf_resolve(&t, 9000);
	assert_int_equal(t.burst, 2 * 9014);		/* jumbo frames */
}

static void test_tbf_message(void **state)
{
	struct nlattr *tb[TCA_MAX + 1], *otb[TCA_TBF_MAX + 1];
	const struct tc_tbf t = { .rate_bps = 8000000, .burst = 10000, .limit = 110000 };
	const struct tc_tbf_qopt *q;
	struct tcmsg *tm;
	double buffer_s;

	assert_int_equal(tc_msg_tbf(4, 0xEB000002, 0xEB020000, &t, &cur), 0);
	tm = parse_tc(cur, RTM_NEWQDISC, tb);
	assert_int_equal(tm->tcm_parent, 0xEB000002);
	assert_int_equal(tm->tcm_handle, 0xEB020000);
	assert_string_equal(nla_get_string(tb[TCA_KIND]), "tbf");
	assert_nest(tb[TCA_OPTIONS]);
	assert_int_equal(nla_parse_nested(otb, TCA_TBF_MAX, tb[TCA_OPTIONS], NULL), 0);
	assert_attr_len(otb[TCA_TBF_PARMS], sizeof(struct tc_tbf_qopt));
	q = nla_data(otb[TCA_TBF_PARMS]);
	assert_int_equal(q->rate.rate, 1000000);	/* bytes per second */
	assert_int_equal(q->limit, 110000);		/* bytes */
	/* buffer: the time the burst takes at the rate, in 64 ns ticks: 10 ms */
	buffer_s = q->buffer * 64e-9;
	assert_true(fabs(buffer_s - 0.010) < 0.0001);
	assert_attr_len(otb[TCA_TBF_RTAB], 1024);
	assert_null(otb[TCA_TBF_PTAB]);
	nlmsg_free(cur);
	cur = NULL;

	/* libnl's tbf takes an int of bytes per second: 17gbit and no more */
	const struct tc_tbf big = { .rate_bps = 20000000000ULL, .burst = 10000, .limit = 20000 };
	assert_int_equal(tc_msg_tbf(4, TC_H_ROOT, 0, &big, &cur), -ERANGE);
}

/* ---- htb ------------------------------------------------------------------------ */

static void test_htb_root(void **state)
{
	struct nlattr *tb[TCA_MAX + 1], *otb[TCA_HTB_MAX + 1];
	const struct tc_htb_glob *g;
	struct tcmsg *tm;

	assert_int_equal(tc_msg_htb_root(9, 1000, &cur), 0);
	tm = parse_tc(cur, RTM_NEWQDISC, tb);
	assert_int_equal(tm->tcm_ifindex, 9);
	assert_int_equal(tm->tcm_parent, TC_H_ROOT);
	assert_int_equal(tm->tcm_handle, 0xEB000000);
	assert_string_equal(nla_get_string(tb[TCA_KIND]), "htb");
	assert_nest(tb[TCA_OPTIONS]);
	assert_int_equal(nla_parse_nested(otb, TCA_HTB_MAX, tb[TCA_OPTIONS], NULL), 0);
	assert_attr_len(otb[TCA_HTB_INIT], sizeof(struct tc_htb_glob));
	g = nla_data(otb[TCA_HTB_INIT]);
	assert_int_equal(g->version, TC_HTB_PROTOVER);
	assert_int_equal(g->defcls, 0);	/* unclassified: the direct queue */
	assert_int_equal(g->rate2quantum, 10);
	assert_attr_len(otb[TCA_HTB_DIRECT_QLEN], 4);
	assert_int_equal(nla_get_u32(otb[TCA_HTB_DIRECT_QLEN]), 1000);
}

static void test_htb_pass_class(void **state)
{
	struct nlattr *tb[TCA_MAX + 1], *otb[TCA_HTB_MAX + 1];
	const struct tc_htb_opt *o;
	struct tcmsg *tm;

	assert_int_equal(tc_msg_pass_class(9, 0xEB000004, &cur), 0);
	tm = parse_tc(cur, RTM_NEWTCLASS, tb);
	assert_int_equal(tm->tcm_parent, 0xEB000000);
	assert_int_equal(tm->tcm_handle, 0xEB000004);
	assert_string_equal(nla_get_string(tb[TCA_KIND]), "htb");
	assert_nest(tb[TCA_OPTIONS]);
	assert_int_equal(nla_parse_nested(otb, TCA_HTB_MAX, tb[TCA_OPTIONS], NULL), 0);
	o = nla_data(otb[TCA_HTB_PARMS]);
	/* 1Tbit: beyond 32 bits of bytes per second, so in RATE64/CEIL64 */
	assert_int_equal(o->rate.rate, UINT32_MAX);
	assert_int_equal(o->ceil.rate, UINT32_MAX);
	assert_int_equal(nla_get_u64(otb[TCA_HTB_RATE64]), TC_PASS_RATE / 8);
	assert_int_equal(nla_get_u64(otb[TCA_HTB_CEIL64]), TC_PASS_RATE / 8);
	assert_int_equal(o->quantum, TC_QUANTUM);
	assert_int_equal(o->prio, 0);
	/* a millisecond of tokens: 15625 ticks of 64 ns */
	assert_true(o->buffer >= 15600 && o->buffer <= 15650);
	assert_true(o->cbuffer >= 15600 && o->cbuffer <= 15650);
}

/* ---- u32 ------------------------------------------------------------------------- */

static struct cidr cidr(const char *s)
{
	struct cidr c;
	assert_int_equal(parse_cidr(s, &c), 0);
	return c;
}

static void assert_key(const struct tc_filter *f, unsigned i, uint32_t val, uint32_t mask, int off)
{
	assert_true(i < f->n_keys);
	if (ntohl(f->keys[i].val) != val || ntohl(f->keys[i].mask) != mask || f->keys[i].off != off)
		fail_msg("key %u: %08x/%08x at %d, expected %08x/%08x at %d", i, ntohl(f->keys[i].val),
			 ntohl(f->keys[i].mask), f->keys[i].off, val, mask, off);
}

static void test_filters_ipv4(void **state)
{
	struct cidr d[2] = { cidr("10.1.2.0/24"), cidr("192.0.2.7") };
	struct net_match m = { .interface = "eth0", .destinations = d, .n_destinations = 2 };
	struct tc_filter *f = NULL;
	size_t n = tc_filters(&m, &f);

	assert_int_equal(n, 2);
	assert_int_equal(f[0].protocol, ETH_P_IP);
	assert_int_equal(f[0].n_keys, 1);
	assert_key(&f[0], 0, 0x0a010200, 0xffffff00, 16);	/* ip dst */
	assert_key(&f[1], 0, 0xc0000207, 0xffffffff, 16);
	free(f);

	m.direction = NET_INGRESS;	/* the peer is the source */
	n = tc_filters(&m, &f);
	assert_key(&f[0], 0, 0x0a010200, 0xffffff00, 12);
	free(f);
}

static void test_filters_ipv4_port_protocol(void **state)
{
	struct cidr d = cidr("10.0.0.0/8");
	struct net_match m = { .interface = "eth0", .destinations = &d, .n_destinations = 1, .port = 443,
			       .protocol = NET_PROTO_TCP };
	struct tc_filter *f = NULL;
	size_t n = tc_filters(&m, &f);

	assert_int_equal(n, 1);
	assert_int_equal(f[0].l4proto, IPPROTO_TCP);
	assert_int_equal(f[0].n_keys, 5);
	assert_key(&f[0], 0, 0x0a000000, 0xff000000, 16);
	assert_key(&f[0], 1, 0x00060000, 0x00ff0000, 8);	/* ip protocol 6 */
	assert_key(&f[0], 2, 0x05000000, 0x0f000000, 0);	/* no IP options */
	assert_key(&f[0], 3, 0x00000000, 0x00001fff, 4);	/* first fragment */
	assert_key(&f[0], 4, 443, 0x0000ffff, 20);		/* dport */
	free(f);

	m.direction = NET_INGRESS;
	n = tc_filters(&m, &f);
	assert_key(&f[0], 4, 443u << 16, 0xffff0000, 20);	/* sport */
	free(f);

	m.protocol = NET_PROTO_ICMP;
	m.port = 0;
	n = tc_filters(&m, &f);
	assert_int_equal(f[0].n_keys, 2);
	assert_key(&f[0], 1, 0x00010000, 0x00ff0000, 8);
	free(f);
}

static void test_filters_ipv6(void **state)
{
	struct cidr d[3] = { cidr("2001:db8::/32"), cidr("2001:db8:aa:bb::/56"), cidr("fd00:eb::3") };
	struct net_match m = { .interface = "eth0", .destinations = d, .n_destinations = 3 };
	struct tc_filter *f = NULL;
	size_t n = tc_filters(&m, &f);

	assert_int_equal(n, 3);
	assert_int_equal(f[0].protocol, ETH_P_IPV6);
	assert_int_equal(f[0].n_keys, 1);
	assert_key(&f[0], 0, 0x20010db8, 0xffffffff, 24);	/* ip6 dst, first word */
	assert_int_equal(f[1].n_keys, 2);
	assert_key(&f[1], 0, 0x20010db8, 0xffffffff, 24);
	assert_key(&f[1], 1, 0x00aa0000, 0xffffff00, 28);
	assert_int_equal(f[2].n_keys, 4);
	assert_key(&f[2], 0, 0xfd0000eb, 0xffffffff, 24);
	assert_key(&f[2], 3, 0x00000003, 0xffffffff, 36);
	free(f);

	m.direction = NET_INGRESS;
	m.protocol = NET_PROTO_UDP;
	m.port = 53;
	n = tc_filters(&m, &f);
	assert_key(&f[2], 0, 0xfd0000eb, 0xffffffff, 8);	/* ip6 src */
	assert_key(&f[2], 4, 17u << 8, 0x0000ff00, 4);	/* next header udp */
	assert_key(&f[2], 5, 53u << 16, 0xffff0000, 40);	/* sport */
	free(f);

	m.protocol = NET_PROTO_ICMP;
	m.port = 0;
	n = tc_filters(&m, &f);
	assert_key(&f[0], 1, 58u << 8, 0x0000ff00, 4);	/* ICMPv6 */
	free(f);
}

static void test_filters_port_only_and_all(void **state)
{
	struct net_match m = { .interface = "eth0", .port = 8080 };
	struct tc_filter *f = NULL;
	size_t n = tc_filters(&m, &f);

	/* no peer, port without protocol: tcp and udp, in IPv4 and IPv6 */
	assert_int_equal(n, 4);
	assert_int_equal(f[0].protocol, ETH_P_IP);
	assert_int_equal(f[0].l4proto, IPPROTO_TCP);
	assert_int_equal(f[1].protocol, ETH_P_IP);
	assert_int_equal(f[1].l4proto, IPPROTO_UDP);
	assert_int_equal(f[2].protocol, ETH_P_IPV6);
	assert_int_equal(f[3].l4proto, IPPROTO_UDP);
	assert_key(&f[0], 0, 0x00060000, 0x00ff0000, 8);
	assert_key(&f[0], 3, 8080, 0x0000ffff, 20);
	assert_key(&f[3], 1, 8080, 0x0000ffff, 40);
	free(f);

	m.port = 0;	/* nothing targeted: one catch-all */
	n = tc_filters(&m, &f);
	assert_int_equal(n, 1);
	assert_int_equal(f[0].protocol, ETH_P_ALL);
	assert_int_equal(f[0].n_keys, 1);
	assert_key(&f[0], 0, 0, 0, 0);
	free(f);
}

static void test_u32_message(void **state)
{
	struct cidr d = cidr("10.0.0.0/8");
	struct net_match m = { .interface = "eth0", .destinations = &d, .n_destinations = 1, .port = 80,
			       .protocol = NET_PROTO_TCP };
	struct nlattr *tb[TCA_MAX + 1], *otb[TCA_U32_MAX + 1];
	struct tc_filter *f = NULL;
	const struct tc_u32_sel *sel;
	struct tcmsg *tm;

	assert_int_equal(tc_filters(&m, &f), 1);
	assert_int_equal(tc_msg_u32(3, TC_ROOT_HANDLE, 0xEB01, &f[0], 0xEB000001, &cur), 0);
	tm = parse_tc(cur, RTM_NEWTFILTER, tb);
	assert_int_equal(tm->tcm_parent, TC_ROOT_HANDLE);
	assert_int_equal(TC_H_MAJ(tm->tcm_info) >> 16, 0xEB01);		/* prio */
	assert_int_equal(TC_H_MIN(tm->tcm_info), htons(ETH_P_IP));	/* protocol */
	assert_string_equal(nla_get_string(tb[TCA_KIND]), "u32");
	assert_nest(tb[TCA_OPTIONS]);
	assert_int_equal(nla_parse_nested(otb, TCA_U32_MAX, tb[TCA_OPTIONS], NULL), 0);
	assert_int_equal(nla_get_u32(otb[TCA_U32_CLASSID]), 0xEB000001);
	assert_non_null(otb[TCA_U32_SEL]);
	sel = nla_data(otb[TCA_U32_SEL]);
	assert_int_equal(nla_len(otb[TCA_U32_SEL]), sizeof(*sel) + 5 * sizeof(struct tc_u32_key));
	assert_true(sel->flags & TC_U32_TERMINAL);
	assert_int_equal(sel->nkeys, 5);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(sel->keys[i].val, f[0].keys[i].val);
		assert_int_equal(sel->keys[i].mask, f[0].keys[i].mask);
		assert_int_equal(sel->keys[i].off, f[0].keys[i].off);
		assert_int_equal(sel->keys[i].offmask, 0);
	}
	assert_null(otb[TCA_U32_ACT]);
	free(f);
}

static void test_redirect_message(void **state)
{
	struct nlattr *tb[TCA_MAX + 1], *otb[TCA_U32_MAX + 1], *acts[TCA_ACT_MAX_PRIO + 1];
	struct nlattr *atb[TCA_ACT_MAX + 1], *mtb[TCA_MIRRED_MAX + 1];
	const struct tc_mirred *mp;
	const struct tc_u32_sel *sel;
	struct tcmsg *tm;

	assert_int_equal(tc_msg_redirect(2, 11, &cur), 0);
	tm = parse_tc(cur, RTM_NEWTFILTER, tb);
	assert_int_equal(tm->tcm_ifindex, 2);
	assert_int_equal(tm->tcm_parent, 0xFFFF0000);
	assert_int_equal(TC_H_MAJ(tm->tcm_info) >> 16, TC_PRIO_REDIRECT);
	assert_int_equal(TC_H_MIN(tm->tcm_info), htons(ETH_P_ALL));
	assert_nest(tb[TCA_OPTIONS]);
	assert_int_equal(nla_parse_nested(otb, TCA_U32_MAX, tb[TCA_OPTIONS], NULL), 0);
	sel = nla_data(otb[TCA_U32_SEL]);
	assert_true(sel->flags & TC_U32_TERMINAL);
	assert_int_equal(sel->nkeys, 1);
	assert_int_equal(sel->keys[0].mask, 0);	/* everything */
	assert_nest(otb[TCA_U32_ACT]);
	assert_int_equal(nla_parse_nested(acts, TCA_ACT_MAX_PRIO, otb[TCA_U32_ACT], NULL), 0);
	assert_nest(acts[1]);
	assert_int_equal(nla_parse_nested(atb, TCA_ACT_MAX, acts[1], NULL), 0);
	assert_string_equal(nla_get_string(atb[TCA_ACT_KIND]), "mirred");
	assert_nest(atb[TCA_ACT_OPTIONS]);
	assert_int_equal(nla_parse_nested(mtb, TCA_MIRRED_MAX, atb[TCA_ACT_OPTIONS], NULL), 0);
	mp = nla_data(mtb[TCA_MIRRED_PARMS]);
	assert_int_equal(mp->eaction, TCA_EGRESS_REDIR);
	assert_int_equal(mp->action, TC_ACT_STOLEN);
	assert_int_equal(mp->ifindex, 11);
}

static void test_ingress_and_ifb_messages(void **state)
{
	struct nlattr *tb[TCA_MAX + 1], *ltb[IFLA_MAX + 1], *itb[IFLA_INFO_MAX + 1];
	struct ifinfomsg *ifi;
	struct tcmsg *tm;
	char name[16];

	assert_int_equal(tc_msg_ingress(2, &cur), 0);
	tm = parse_tc(cur, RTM_NEWQDISC, tb);
	assert_int_equal(tm->tcm_parent, TC_H_INGRESS);
	assert_int_equal(tm->tcm_handle, 0xFFFF0000);
	assert_string_equal(nla_get_string(tb[TCA_KIND]), "ingress");
	nlmsg_free(cur);
	cur = NULL;

	tc_ifb_name(12, name);
	assert_string_equal(name, "erebus-in12");
	tc_ifb_name(999999, name);
	assert_string_equal(name, "erebus-in999999");
	tc_ifb_name(1000000, name);
	assert_string_equal(name, "erebus-000f4240");
	assert_true(strlen(name) <= 15);

	assert_int_equal(tc_msg_ifb("erebus-in12", &cur), 0);
	assert_int_equal(nlmsg_hdr(cur)->nlmsg_type, RTM_NEWLINK);
	assert_true(nlmsg_hdr(cur)->nlmsg_flags & NLM_F_EXCL);
	ifi = nlmsg_data(nlmsg_hdr(cur));
	assert_true(ifi->ifi_flags & IFF_UP);
	assert_int_equal(nlmsg_parse(nlmsg_hdr(cur), sizeof(*ifi), ltb, IFLA_MAX, NULL), 0);
	assert_string_equal(nla_get_string(ltb[IFLA_IFNAME]), "erebus-in12");
	assert_int_equal(nla_get_u32(ltb[IFLA_TXQLEN]), 1000);
	assert_nest(ltb[IFLA_LINKINFO]);
	assert_int_equal(nla_parse_nested(itb, IFLA_INFO_MAX, ltb[IFLA_LINKINFO], NULL), 0);
	assert_string_equal(nla_get_string(itb[IFLA_INFO_KIND]), "ifb");
}

/* ---- handles ------------------------------------------------------------------- */

static void test_slots(void **state)
{
	uint8_t used[16] = { 0 };
	struct tc_slot s = tc_slot(1, true);

	assert_int_equal(s.classid, 0xEB000001);
	assert_int_equal(s.leaf, 0xEB010000);
	assert_int_equal(s.prio, 0xEB01);
	s = tc_slot(127, false);
	assert_int_equal(s.classid, 0xEB00007F);
	assert_int_equal(s.leaf, 0xEB7F0000);
	assert_int_equal(s.prio, 0xEBFF);	/* whole-interface faults match after targeted ones */

	assert_int_equal(tc_slot_take(used), 1);
	assert_int_equal(tc_slot_take(used), 2);
	assert_int_equal(tc_slot_take(used), 3);
	tc_slot_release(used, 2);
	assert_int_equal(tc_slot_take(used), 2);	/* the lowest free one */
	for (int i = 4; i <= TC_SLOTS; i++)
		assert_int_equal(tc_slot_take(used), i);
	assert_int_equal(tc_slot_take(used), -ENOSPC);
	tc_slot_release(used, 100);
	assert_int_equal(tc_slot_take(used), 100);
	tc_slot_release(used, 0);	/* not a slot: ignored */
	tc_slot_release(used, 200);
	assert_int_equal(tc_slot_take(used), -ENOSPC);
}

/* ---- the duplicate rule: checked against the other faults at load ---------- */

#define DUP_HEAD                                                                                   \
	"[experiment]\nname = d\n[target a]\nnetns = a\n[target a-path]\nnetns = /run/netns/a\n"     \
	"[target b]\nnetns = b\n[probe ok]\ntype = exec\ncommand = true\n"

/* Load text; returns the number of problems, each in d. */
static size_t load_problems(const char *text, struct diag *d)
{
	struct experiment *x = NULL;
	int r = experiment_load_string("x.ini", text, &catalog_builtin, d, &x);

	assert_int_equal(r, d->n ? -EINVAL : 0);
	experiment_free(x);
	return d->n;
}

static void test_duplicate_beside_netem_refused(void **state)
{
	struct diag d = { 0 };

	/* 12: [fault flip]; 18: [fault twice], at 2s while flip runs until 3s */
	assert_int_equal(load_problems(DUP_HEAD "[fault flip]\ntype = corrupt\ntarget = a\ninterface = eth0\n"
						"percent = 5%\nduration = 3s\n"
						"[fault twice]\ntype = duplicate\ntarget = a-path\ninterface = eth0\n"
						"percent = 10%\nat = 2s\nduration = 1m\n",
					 &d),
			 1);
	assert_string_equal(d.msgs[0],
			    "x.ini:18: [fault twice]: duplicates packets on eth0 egress at 2s for 1m, and [fault flip] "
			    "(corrupt, line 12) has a netem there at 0s for 3s: Linux refuses a netem that duplicates "
			    "packets beside another netem on one interface (\"netem: cannot mix duplicating netems "
			    "with other netems in tree\"); give them windows that do not overlap (one ending before "
			    "the other starts: at, duration), or different interfaces or directions");
	diag_free(&d);

	/* Two duplicate faults: one message, at the later one; windows that
	 * touch count (the second may be applied before the first is reverted). */
	assert_int_equal(load_problems(DUP_HEAD "[fault d1]\ntype = duplicate\ntarget = a\ninterface = eth0\n"
						"percent = 10%\nduration = 3s\n"
						"[fault d2]\ntype = duplicate\ntarget = a\ninterface = eth0\n"
						"percent = 1%\nat = 3s\nduration = 3s\n",
					 &d),
			 1);
	assert_non_null(strstr(d.msgs[0], "x.ini:18: [fault d2]: duplicates packets on eth0 egress at 3s for 3s, "
					  "and [fault d1] (duplicate, line 12) has a netem there at 0s for 3s"));
	diag_free(&d);

	/* Every netem type counts, on ingress too. */
	assert_int_equal(load_problems(DUP_HEAD "[fault twice]\ntype = duplicate\ntarget = a\ninterface = eth0\n"
						"direction = ingress\npercent = 10%\nduration = 3s\n"
						"[fault slow]\ntype = delay\ntarget = a\ninterface = eth0\n"
						"direction = ingress\ndelay = 10ms\nduration = 3s\n"
						"[fault drop]\ntype = loss\ntarget = a\ninterface = eth0\n"
						"direction = ingress\npercent = 1%\nduration = 3s\n"
						"[fault shuffle]\ntype = reorder\ntarget = a\ninterface = eth0\n"
						"direction = ingress\npercent = 1%\ndelay = 10ms\nduration = 3s\n",
					 &d),
			 3);
	assert_non_null(strstr(d.msgs[0], "on eth0 ingress at 0s for 3s, and [fault slow] (delay, line "));
	assert_non_null(strstr(d.msgs[1], "and [fault drop] (loss, line "));
	assert_non_null(strstr(d.msgs[2], "and [fault shuffle] (reorder, line "));
	diag_free(&d);
}

static void test_duplicate_apart_accepted(void **state)
{
	struct diag d = { 0 };
	static const char *const others[] = {
		/* the window after the duplicate's */
		"type = delay\ntarget = a\ninterface = eth0\ndelay = 10ms\nat = 3001ms\nduration = 1s\n",
		/* before it */
		"type = delay\ntarget = a\ninterface = eth0\ndelay = 10ms\nduration = 999ms\n",
		/* another interface, direction, namespace */
		"type = delay\ntarget = a\ninterface = eth1\ndelay = 10ms\nduration = 1m\n",
		"type = delay\ntarget = a\ninterface = eth0\ndirection = ingress\ndelay = 10ms\nduration = 1m\n",
		"type = delay\ntarget = b\ninterface = eth0\ndelay = 10ms\nduration = 1m\n",
		/* not a netem */
		"type = rate\ntarget = a\ninterface = eth0\nrate = 1mbit\nduration = 1m\n",
		"type = partition\ntarget = a\ninterface = eth0\nduration = 1m\n",
	};

	for (size_t i = 0; i < ARRAY_SIZE(others); i++) {
		_cleanup_free_ char *text = xasprintf(DUP_HEAD "[fault twice]\ntype = duplicate\ntarget = a\n"
							       "interface = eth0\npercent = 10%%\nat = 1s\n"
							       "duration = 2s\n[fault other]\n%s",
						      others[i]);
		if (load_problems(text, &d))
			fail_msg("case %zu: %s", i, d.msgs[0]);
	}
	/* Plain netems share a tree: no rule against that; and a duplicate
	 * of 0% duplicates nothing. */
	assert_int_equal(load_problems(DUP_HEAD "[fault slow]\ntype = delay\ntarget = a\ninterface = eth0\n"
						"delay = 10ms\nduration = 3s\n"
						"[fault flip]\ntype = corrupt\ntarget = a\ninterface = eth0\n"
						"percent = 1%\nduration = 3s\n"
						"[fault none]\ntype = duplicate\ntarget = a\ninterface = eth0\n"
						"percent = 0%\nduration = 3s\n",
					 &d),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_percent_scaling, teardown),
		cmocka_unit_test_teardown(test_netem_delay, teardown),
		cmocka_unit_test_teardown(test_netem_fixed_delay_no_corr, teardown),
		cmocka_unit_test_teardown(test_netem_latency_64bit, teardown),
		cmocka_unit_test_teardown(test_netem_distribution_tables, teardown),
		cmocka_unit_test_teardown(test_netem_distribution_missing, teardown),
		cmocka_unit_test_teardown(test_netem_loss_random, teardown),
		cmocka_unit_test_teardown(test_netem_loss_gilbert_elliott, teardown),
		cmocka_unit_test_teardown(test_netem_loss_4state, teardown),
		cmocka_unit_test_teardown(test_netem_corrupt, teardown),
		cmocka_unit_test_teardown(test_netem_duplicate, teardown),
		cmocka_unit_test_teardown(test_netem_reorder, teardown),
		cmocka_unit_test_teardown(test_netem_rejects_what_tc_rejects, teardown),
		cmocka_unit_test_teardown(test_netem_rate, teardown),
		cmocka_unit_test_teardown(test_netem_seed, teardown),
		cmocka_unit_test_teardown(test_tbf_defaults, teardown),
		cmocka_unit_test_teardown(test_tbf_message, teardown),
		cmocka_unit_test_teardown(test_htb_root, teardown),
		cmocka_unit_test_teardown(test_htb_pass_class, teardown),
		cmocka_unit_test_teardown(test_filters_ipv4, teardown),
		cmocka_unit_test_teardown(test_filters_ipv4_port_protocol, teardown),
		cmocka_unit_test_teardown(test_filters_ipv6, teardown),
		cmocka_unit_test_teardown(test_filters_port_only_and_all, teardown),
		cmocka_unit_test_teardown(test_u32_message, teardown),
		cmocka_unit_test_teardown(test_redirect_message, teardown),
		cmocka_unit_test_teardown(test_ingress_and_ifb_messages, teardown),
		cmocka_unit_test_teardown(test_slots, teardown),
		cmocka_unit_test_teardown(test_duplicate_beside_netem_refused, teardown),
		cmocka_unit_test_teardown(test_duplicate_apart_accepted, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
