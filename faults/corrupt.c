/* SPDX-License-Identifier: MIT */
/* corrupt: netem flips one random bit in a share of packets. */
#include "netem.h"

static const struct opt_def corrupt_options[] = {
	NET_MATCH_OPTIONS(tc_direction_choices),
	{ "percent", OPT_PERCENT, OPT_REQUIRED, NULL, 0, 0, NULL, "Share of packets with one bit flipped" },
	{ "correlation", OPT_PERCENT, 0, NULL, 0, 0, NULL,
	  "How much each choice depends on the previous one" },
	NETEM_OPTIONS,
	OPT_END
};

static void corrupt_leaf(const struct section *s, struct tc_leaf *l)
{
	netem_leaf(s, l);
	l->netem.corrupt = section_pct(s, "percent");
	l->netem.corrupt_corr = netem_pct(s, "correlation");
}

static void corrupt_headline(const struct fault_spec *f, const struct tc_leaf *l, struct sbuf *out)
{
	sbuf_addf(out, "corrupt %g%% of packets", l->netem.corrupt);
}

NETEM_FAULT(corrupt, "Corrupt packets (netem): flip one random bit in a share of them",
	    tc_fault_check);
