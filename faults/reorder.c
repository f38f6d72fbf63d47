/* SPDX-License-Identifier: MIT */
/* reorder: netem sends a share of packets at once and delays the rest, so
 * the immediate ones overtake. Without a delay nothing can overtake. */
#include "netem.h"

static const struct opt_def reorder_options[] = {
	NET_MATCH_OPTIONS(tc_direction_choices),
	{ "percent", OPT_PERCENT, OPT_REQUIRED, NULL, 0, 0, NULL,
	  "Share of packets sent at once, ahead of the delayed others" },
	{ "correlation", OPT_PERCENT, 0, NULL, 0, 0, NULL,
	  "How much each choice depends on the previous one" },
	{ "delay", OPT_DURATION, 0, NULL, 1, 3600 * USEC_PER_SEC, NULL,
	  "Delay of the other packets (required: reordering needs a delay)" },
	{ "gap", OPT_INT, 0, NULL, 1, INT32_MAX, NULL,
	  "Reorder only among every gap-th packet (tc's gap; default 1: any packet)" },
	NETEM_OPTIONS,
	OPT_END
};

static void reorder_leaf(const struct section *s, struct tc_leaf *l)
{
	netem_leaf(s, l);
	l->netem.reorder = section_pct(s, "percent");
	l->netem.reorder_corr = netem_pct(s, "correlation");
	if (section_has(s, "delay"))
		l->netem.latency_ns = (uint64_t)section_usec(s, "delay") * NSEC_PER_USEC;
	if (section_has(s, "gap"))
		l->netem.gap = (uint32_t)section_int(s, "gap");
}

static void reorder_check(const struct fault_spec *f, struct diag *d)
{
	const struct opt_value *pct = section_get(f->sec, "percent");

	tc_fault_check(f, d);
	if (!section_has(f->sec, "delay"))
		diag_error(d, pct->set ? pct->line : f->line, f->sec->label, "delay",
			   "reordering not possible without a delay: add delay = 10ms (say), the delay of "
			   "the packets that are not sent at once");
}

/* "send 25% of packets at once, delay the others by 10ms" */
static void reorder_headline(const struct fault_spec *f, const struct tc_leaf *l, struct sbuf *out)
{
	char a[32];

	sbuf_addf(out, "send %g%% of packets at once, delay the others by %s", l->netem.reorder,
		  format_duration((int64_t)(l->netem.latency_ns / NSEC_PER_USEC), a, sizeof(a)));
}

NETEM_FAULT(reorder, "Reorder packets (netem): send a share at once while the rest are delayed",
	    reorder_check);
