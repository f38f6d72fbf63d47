/* SPDX-License-Identifier: MIT */
/* rate: cap the bandwidth with a token bucket (tbf). */
#include "tcfault.h"

static const struct opt_def rate_options[] = {
	NET_MATCH_OPTIONS(tc_direction_choices),
	{ "rate", OPT_RATE, OPT_REQUIRED, NULL, 0, 0, NULL,
	  "The cap, as tc spells it: 1mbit, 500kbit, 10mbps (bytes), 1gbit" },
	{ "burst", OPT_SIZE, 0, NULL, 0, 0, NULL,
	  "Bytes that may pass at once above the rate (default: 10ms at the rate, at least 2 frames)" },
	{ "limit", OPT_SIZE, 0, NULL, 0, 0, NULL,
	  "Bytes that may wait in the queue (default: burst + 100ms at the rate)" },
	OPT_END
};

static void rate_leaf(const struct section *s, struct tc_leaf *l)
{
	*l = (struct tc_leaf){ .kind = TC_LEAF_TBF };
	l->tbf.rate_bps = section_get(s, "rate")->u;
	if (section_has(s, "burst"))
		l->tbf.burst = (uint32_t)section_get(s, "burst")->u;
	if (section_has(s, "limit"))
		l->tbf.limit = (uint32_t)section_get(s, "limit")->u;
}

static void rate_check(const struct fault_spec *f, struct diag *d)
{
	const struct opt_value *rate = section_get(f->sec, "rate");
	const struct opt_value *burst = section_get(f->sec, "burst");
	const struct opt_value *limit = section_get(f->sec, "limit");

	tc_fault_check(f, d);
	if (rate->present && (rate->u < 8 || rate->u / 8 > INT32_MAX))
		diag_error(d, rate->line, f->sec->label, "rate", "%s is out of range: from 8bit to 17gbit", rate->raw);
	if (burst->present && (burst->u < 64 || burst->u > INT32_MAX))
		diag_error(d, burst->line, f->sec->label, "burst", "%s is out of range: from 64b to 2gb",
			   burst->raw);
	if (limit->present && (limit->u < 64 || limit->u > INT32_MAX))
		diag_error(d, limit->line, f->sec->label, "limit", "%s is out of range: from 64b to 2gb",
			   limit->raw);
	if (burst->present && limit->present && limit->u < burst->u)
		diag_error(d, limit->line, f->sec->label, "limit",
			   "limit %s is below burst %s: the queue must hold at least one burst", limit->raw,
			   burst->raw);
}

static int rate_supported(const char **reason)
{
	return tc_supported(TC_NEED_TREE | TC_HAVE_TBF, reason);
}

static void rate_headline(const struct fault_spec *f, const struct tc_leaf *l, struct sbuf *out)
{
	sbuf_addf(out, "cap the bandwidth at %s", section_get(f->sec, "rate")->raw);
}

TC_FAULT_OPS(rate)

const struct fault_type fault_rate = {
	.name = "rate",
	.summary = "Cap the bandwidth (tbf), for all traffic or only some peers, ports or protocols",
	.options = rate_options,
	.flags = FAULT_NETWORK | FAULT_NEEDS_DURATION,
	.supported = rate_supported,
	.supported_spec = tc_fault_supported,
	.check = rate_check,
	.apply = rate_apply,
	.describe = rate_describe,
};
