/* SPDX-License-Identifier: MIT */
/* duplicate: netem sends a share of packets twice. */
#include "netem.h"

static const struct opt_def duplicate_options[] = {
	NET_MATCH_OPTIONS(tc_direction_choices),
	{ "percent", OPT_PERCENT, OPT_REQUIRED, NULL, 0, 0, NULL, "Share of packets sent twice" },
	{ "correlation", OPT_PERCENT, 0, NULL, 0, 0, NULL,
	  "How much each choice depends on the previous one" },
	NETEM_OPTIONS,
	OPT_END
};

static void duplicate_leaf(const struct section *s, struct tc_leaf *l)
{
	netem_leaf(s, l);
	l->netem.duplicate = section_pct(s, "percent");
	l->netem.dup_corr = netem_pct(s, "correlation");
}

TC_FAULT_APPLY(duplicate)

static void duplicate_describe(const struct fault_spec *f, struct sbuf *out)
{
	struct tc_leaf l;

	duplicate_leaf(f->sec, &l);
	sbuf_addf(out, "duplicate %g%% of packets", l.netem.duplicate);
	tc_fault_describe(f, &l, out);
}

const struct fault_type fault_duplicate = {
	.name = "duplicate",
	.summary = "Duplicate packets (netem): send a share of them twice",
	.options = duplicate_options,
	.flags = FAULT_NETWORK | FAULT_NEEDS_DURATION,
	.supported = netem_supported,
	.supported_spec = tc_fault_supported,
	.check = tc_fault_check,
	.apply = duplicate_apply,
	.describe = duplicate_describe,
};
