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

/* Sends packets twice: a percent that netem's scale does not round to 0. */
static bool duplicating(const struct fault_spec *f)
{
	return section_has(f->sec, "percent") && tc_percent_u32(section_pct(f->sec, "percent")) > 0;
}

/* "at 2s for 10s", as the file says it; in buf. */
static const char *window(const struct fault_spec *f, char *buf, size_t len)
{
	const struct opt_value *at = section_get(f->sec, "at"), *dur = section_get(f->sec, "duration");

	snprintf(buf, len, "at %s for %s", at->set ? at->raw : "0s", dur->present ? dur->raw : "?");
	return buf;
}

/*
 * Linux refuses a netem that duplicates packets on a device that has
 * another netem, and any netem on a device where one duplicates
 * (TC_NETEM_DUP_RULE). So refuse, before anything runs, every other netem
 * fault known to share f's tree (tc_fault_same_tree()) whose window
 * overlaps or touches f's: a fault that starts as another ends may be
 * applied before the other is reverted. Two duplicate faults are reported
 * once, at the later one; a fault is reported with at most the first
 * DUP_REPORT_MAX it clashes with (a file of many duplicate faults would
 * otherwise have messages in the square of its size).
 */
#define DUP_REPORT_MAX 5
static void duplicate_check_experiment(const struct fault_spec *f, const struct experiment *x, struct diag *d)
{
	char wf[96], wo[96];
	struct net_match m;
	unsigned reported = 0;

	if (!duplicating(f))
		return;
	net_match_get(f->sec, &m);
	for (size_t i = 0; i < x->n_faults; i++) {
		const struct fault_spec *o = &x->faults[i];

		/* cheapest tests first: this runs for every pair of faults */
		if (o == f || !o->type || !(o->type->flags & FAULT_NETEM) ||
		    o->at_us > f->at_us + f->duration_us || f->at_us > o->at_us + o->duration_us)
			continue;
		if (o->type == f->type && o > f && duplicating(o))
			continue;	/* reported at o */
		if (!tc_fault_same_tree(f, o))
			continue;
		diag_error(d, f->line, f->sec->label, NULL,
			   "duplicates packets on %s %s %s, and [%s] (%s, line %u) has a netem there %s: Linux "
			   "refuses a netem that duplicates packets beside another netem on one interface "
			   "(\"%s\"); give them windows that do not overlap (one ending before the other "
			   "starts: at, duration), or different interfaces or directions",
			   m.interface, tc_direction_choices[m.direction], window(f, wf, sizeof(wf)), o->sec->label,
			   o->type->name, o->line, window(o, wo, sizeof(wo)), TC_NETEM_DUP_RULE);
		if (++reported == DUP_REPORT_MAX)
			return;
	}
}

static void duplicate_headline(const struct fault_spec *f, const struct tc_leaf *l,
			       struct sbuf *out)
{
	sbuf_addf(out, "duplicate %g%% of packets", l->netem.duplicate);
}

NETEM_FAULT(duplicate, "Duplicate packets (netem): send a share of them twice", tc_fault_check,
	    .check_experiment = duplicate_check_experiment);
