/* SPDX-License-Identifier: MIT */
/* loss: netem packet loss, random (with correlation) or by a Markov model:
 * Gilbert-Elliott (gemodel) or 4-state (state), keys named as tc names them. */
#include "netem.h"

static const char *const model_choices[] = { "random", "gemodel", "state", NULL };

static const struct opt_def loss_options[] = {
	NET_MATCH_OPTIONS(tc_direction_choices),
	{ "model", OPT_ENUM, 0, "random", 0, 0, model_choices,
	  "random (percent, correlation), gemodel (p, r, 1-h, 1-k) or state (p13, p31, p32, p23, p14)" },
	{ "percent", OPT_PERCENT, 0, NULL, 0, 0, NULL, "model random: share of packets dropped" },
	{ "correlation", OPT_PERCENT, 0, NULL, 0, 0, NULL,
	  "model random: how much each drop depends on the previous one" },
	{ "p", OPT_PERCENT, 0, NULL, 0, 0, NULL, "gemodel: probability of going from good to bad" },
	{ "r", OPT_PERCENT, 0, NULL, 0, 0, NULL, "gemodel: probability of going from bad to good (default 100% - p)" },
	{ "1-h", OPT_PERCENT, 0, NULL, 0, 0, NULL, "gemodel: loss probability in the bad state (default 100%)" },
	{ "1-k", OPT_PERCENT, 0, NULL, 0, 0, NULL, "gemodel: loss probability in the good state (default 0%)" },
	{ "p13", OPT_PERCENT, 0, NULL, 0, 0, NULL, "state: good reception to burst losses" },
	{ "p31", OPT_PERCENT, 0, NULL, 0, 0, NULL, "state: burst losses to good reception (default 100% - p13)" },
	{ "p32", OPT_PERCENT, 0, NULL, 0, 0, NULL, "state: burst losses to bad reception (default 0%)" },
	{ "p23", OPT_PERCENT, 0, NULL, 0, 0, NULL, "state: bad reception to burst losses (default 100%)" },
	{ "p14", OPT_PERCENT, 0, NULL, 0, 0, NULL, "state: good reception to isolated loss (default 0%)" },
	NETEM_OPTIONS,
	OPT_END
};

/* The keys of each model; the first is required. */
static const char *const model_keys[][6] = {
	{ "percent", "correlation", NULL },
	{ "p", "r", "1-h", "1-k", NULL },
	{ "p13", "p31", "p32", "p23", "p14", NULL },
};

static double pct_or(const struct section *s, const char *key, double dflt)
{
	return section_has(s, key) ? section_pct(s, key) : dflt;
}

static void loss_leaf(const struct section *s, struct tc_leaf *l)
{
	struct tc_netem *p = &l->netem;

	netem_leaf(s, l);
	p->loss_model = (enum tc_loss_model)section_int(s, "model");
	/* Defaults as tc(8) gives them. */
	p->loss = netem_pct(s, "percent");
	p->loss_corr = netem_pct(s, "correlation");
	p->ge_p = netem_pct(s, "p");
	p->ge_r = pct_or(s, "r", 100 - p->ge_p);
	p->ge_1h = pct_or(s, "1-h", 100);
	p->ge_1k = netem_pct(s, "1-k");
	p->gi_p13 = netem_pct(s, "p13");
	p->gi_p31 = pct_or(s, "p31", 100 - p->gi_p13);
	p->gi_p32 = netem_pct(s, "p32");
	p->gi_p23 = pct_or(s, "p23", 100);
	p->gi_p14 = netem_pct(s, "p14");
}

static void loss_check(const struct fault_spec *f, struct diag *d)
{
	const struct opt_value *model = section_get(f->sec, "model");
	unsigned m = (unsigned)model->i;

	tc_fault_check(f, d);
	if (!section_has(f->sec, model_keys[m][0]))
		diag_error(d, model->set ? model->line : f->line, f->sec->label, model_keys[m][0],
			   "model %s needs %s", model_choices[m], model_keys[m][0]);
	for (unsigned other = 0; other < ARRAY_SIZE(model_keys); other++) {
		if (other == m)
			continue;
		for (size_t i = 0; model_keys[other][i]; i++) {
			const struct opt_value *v = section_get(f->sec, model_keys[other][i]);
			if (v->set)
				diag_error(d, v->line, f->sec->label, model_keys[other][i],
					   "%s belongs to model = %s%s", model_keys[other][i], model_choices[other],
					   model->set ? "" : " (the model is random unless you set it)");
		}
	}
}

/* "drop 1% of packets", or the model's parameters. */
static void loss_headline(const struct fault_spec *f, const struct tc_leaf *l, struct sbuf *out)
{
	const struct tc_netem *p = &l->netem;

	switch (p->loss_model) {
	case TC_LOSS_RANDOM:
		sbuf_addf(out, "drop %g%% of packets", p->loss);
		if (p->loss_corr > 0)
			sbuf_addf(out, " (%g%% correlated)", p->loss_corr);
		break;
	case TC_LOSS_GE:
		sbuf_addf(out, "drop packets in bursts (Gilbert-Elliott p %g%% r %g%% 1-h %g%% 1-k %g%%)", p->ge_p,
			  p->ge_r, p->ge_1h, p->ge_1k);
		break;
	case TC_LOSS_GI:
		sbuf_addf(out, "drop packets in bursts (4-state p13 %g%% p31 %g%% p32 %g%% p23 %g%% p14 %g%%)",
			  p->gi_p13, p->gi_p31, p->gi_p32, p->gi_p23, p->gi_p14);
		break;
	}
}

NETEM_FAULT(loss,
	    "Drop packets (netem): at random, or in bursts by a Gilbert-Elliott or 4-state model",
	    loss_check);
