/* SPDX-License-Identifier: MIT */
/* delay: netem latency, with jitter, correlation and a distribution. */
#include "netem.h"

static const char *const dist_choices[] = { "uniform", "normal", "pareto", "paretonormal", NULL };

static const struct opt_def delay_options[] = {
	NET_MATCH_OPTIONS(tc_direction_choices),
	{ "delay", OPT_DURATION, OPT_REQUIRED, NULL, 1, 3600 * USEC_PER_SEC, NULL,
	  "Added to every matched packet, e.g. 100ms" },
	{ "jitter", OPT_DURATION, 0, NULL, 1, 3600 * USEC_PER_SEC, NULL,
	  "Spread around delay (delay +/- jitter)" },
	{ "correlation", OPT_PERCENT, 0, NULL, 0, 0, NULL,
	  "How much each packet's delay depends on the previous one's (needs jitter)" },
	{ "distribution", OPT_ENUM, 0, "uniform", 0, 0, dist_choices,
	  "Shape of the jitter: uniform, normal, pareto or paretonormal (needs jitter)" },
	{ "rate", OPT_RATE, 0, NULL, 0, 0, NULL, "Also send no faster than this, like a slow link" },
	NETEM_OPTIONS,
	OPT_END
};

static void delay_leaf(const struct section *s, struct tc_leaf *l)
{
	netem_leaf(s, l);
	l->netem.latency_ns = (uint64_t)section_usec(s, "delay") * NSEC_PER_USEC;
	if (section_has(s, "jitter"))
		l->netem.jitter_ns = (uint64_t)section_usec(s, "jitter") * NSEC_PER_USEC;
	l->netem.delay_corr = netem_pct(s, "correlation");
	if (section_int(s, "distribution") > 0)
		l->dist_name = dist_choices[section_int(s, "distribution")];
	if (section_has(s, "rate"))
		l->netem.rate_bps = section_get(s, "rate")->u;
}

static void delay_check(const struct fault_spec *f, struct diag *d)
{
	const struct opt_value *dist = section_get(f->sec, "distribution");

	tc_fault_check(f, d);
	netem_require(f->sec, d, "correlation", "jitter",
		      "a delay correlation needs a jitter: without one every packet gets the same delay");
	if (dist->set && dist->i > 0 && !section_has(f->sec, "jitter"))
		diag_error(d, dist->line, f->sec->label, "distribution",
			   "distribution %s needs a jitter: netem spreads delays over delay +/- jitter",
			   dist->raw);
}

/* "delay 100ms +/- 10ms (normal)" */
static void delay_headline(const struct fault_spec *f, const struct tc_leaf *l, struct sbuf *out)
{
	char a[32], b[32];

	sbuf_addf(out, "delay %s", format_duration(section_usec(f->sec, "delay"), a, sizeof(a)));
	if (l->netem.jitter_ns)
		sbuf_addf(out, " +/- %s (%s)", format_duration(section_usec(f->sec, "jitter"), b, sizeof(b)),
			  dist_choices[section_int(f->sec, "distribution")]);
}

NETEM_FAULT(delay, "Delay packets (netem): fixed, or with jitter, correlation and a distribution",
	    delay_check);
