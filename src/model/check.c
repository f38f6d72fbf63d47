/* SPDX-License-Identifier: MIT */
/*
 * What a valid experiment is: the option tables of each section kind,
 * each section's keys checked against its tables, the checks across keys
 * and sections of targets, faults and probes, and the "did you mean"
 * suggestions of their messages. Every function reports in d and goes on.
 */
#include "erebus/experiment.h"
#include "erebus/fault.h"
#include "erebus/probe.h"
#include "model_internal.h"

static const char *const during_choices[] = { "must-pass", "may-fail", NULL };
static const char *const expect_choices[] = { "healthy", "detect", NULL };

const struct opt_def experiment_options[] = {
	{ "name", OPT_STRING, OPT_REQUIRED, NULL, 0, 0, NULL, "Name of the experiment, used in reports" },
	{ "description", OPT_STRING, 0, NULL, 0, 0, NULL, "What the experiment shows, for people" },
	{ "seed", OPT_INT, 0, NULL, 0, INT64_MAX, NULL,
	  "Seed for every random choice (default: random, printed in the report)" },
	{ "steady_state_timeout", OPT_DURATION, 0, "10s", 1000, 24 * 3600 * USEC_PER_SEC, NULL,
	  "How long every probe has to become healthy before any fault" },
	{ "hold", OPT_DURATION, 0, "2s", 0, 24 * 3600 * USEC_PER_SEC, NULL,
	  "After the last fault ends and every probe recovered, how long every probe must stay healthy" },
	{ "halt_on_lost_tolerance", OPT_BOOL, 0, "yes", 0, 0, NULL,
	  "Revert everything and stop when a must-pass probe can no longer reach its tolerance" },
	{ "annotate", OPT_STRING, 0, NULL, 0, 0, NULL,
	  "http:// or https:// URL a JSON event is POSTed to at each fault applied and reverted (a webhook, Grafana annotations)" },
	OPT_END
};

const struct opt_def target_options[] = {
	{ "pid", OPT_INT, 0, NULL, 1, 4194304, NULL, "A process id" },
	{ "pidfile", OPT_STRING, 0, NULL, 0, 0, NULL, "A file holding a process id" },
	{ "process", OPT_STRING, 0, NULL, 0, 0, NULL, "Exact process name (comm, at most 15 characters)" },
	{ "cmdline", OPT_REGEX, 0, NULL, 0, 0, NULL,
	  "POSIX extended regex matched against the full command line" },
	{ "cgroup", OPT_STRING, 0, NULL, 0, 0, NULL, "A cgroup directory: its member processes" },
	{ "command", OPT_STRING, 0, NULL, 0, 0, NULL,
	  "A command Erebus launches (without a shell) and owns for the run" },
	{ "user", OPT_USER, 0, NULL, 0, 0, NULL,
	  "User the command runs as, a name or uid (default: the user who ran sudo, else Erebus' own), with no capabilities" },
	{ "within", OPT_STRING, 0, NULL, 0, 0, NULL,
	  "Only processes launched by this other target's command (it and its descendants)" },
	{ "host", OPT_STRING, 0, NULL, 0, 0, NULL,
	  "Sandbox host the command runs in (see [sandbox])" },
	{ "netns", OPT_STRING, 0, NULL, 0, 0, NULL,
	  "Network namespace for network faults: a name under /run/netns or a path (default: the picked processes' own)" },
	{ "pick", OPT_PICK, 0, "all", 0, 0, NULL, "Which of the matches to act on: all, N or N%" },
	OPT_END
};

const struct opt_def sandbox_options[] = {
	{ "hosts", OPT_STRING, OPT_REQUIRED, NULL, 0, 0, NULL,
	  "Names of the hosts (network namespaces) Erebus creates, separated by spaces" },
	{ "subnet", OPT_CIDR, 0, "10.237.0.0/24", 0, 0, NULL,
	  "IPv4 network the hosts' addresses come from, in order (.1, .2, ...)" },
	OPT_END
};

const struct opt_def fault_options[] = {
	{ "type", OPT_STRING, OPT_REQUIRED, NULL, 0, 0, NULL, "The fault type (see erebus faults)" },
	{ "target", OPT_STRING, 0, NULL, 0, 0, NULL, "The [target NAME] it acts on" },
	{ "at", OPT_DURATION, 0, "0s", 0, 24 * 3600 * USEC_PER_SEC, NULL,
	  "Offset from the start of the fault window" },
	{ "duration", OPT_DURATION, 0, NULL, 1000, 24 * 3600 * USEC_PER_SEC, NULL,
	  "How long the fault lasts (or, with every, how long it repeats)" },
	{ "every", OPT_DURATION, 0, NULL, 10000, 24 * 3600 * USEC_PER_SEC, NULL,
	  "Repeat period of an instant fault, until duration ends" },
	OPT_END
};

const struct opt_def probe_options[] = {
	{ "type", OPT_STRING, OPT_REQUIRED, NULL, 0, 0, NULL, "The probe type (see erebus faults)" },
	{ "interval", OPT_DURATION, 0, "1s", 1000, 3600 * USEC_PER_SEC, NULL, "Time between samples" },
	{ "timeout", OPT_DURATION, 0, "1s", 1000, 3600 * USEC_PER_SEC, NULL,
	  "A sample not done by then fails" },
	{ "healthy_after", OPT_INT, 0, "2", 1, 1000, NULL,
	  "Consecutive successes that make the probe healthy" },
	{ "during", OPT_ENUM, 0, "must-pass", 0, 0, during_choices,
	  "must-pass: failures during the fault window count against tolerance; may-fail: they do not" },
	{ "tolerance", OPT_PERCENT, 0, "100%", 0, 0, NULL,
	  "Share of the impact phase's time the probe must pass (must-pass)" },
	{ "halt", OPT_STRING, 0, "no", 0, 0, NULL,
	  "yes: revert everything and stop when this probe is down during the impact phase; a duration: when down longer than that" },
	{ "recover_within", OPT_DURATION, 0, "30s", 1000, 24 * 3600 * USEC_PER_SEC, NULL,
	  "After the faults end, the probe must be healthy again within this" },
	{ "from", OPT_STRING, 0, NULL, 0, 0, NULL,
	  "Sandbox host the probe runs from (see [sandbox]); default: where Erebus runs" },
	{ "expect", OPT_ENUM, 0, "healthy", 0, 0, expect_choices,
	  "healthy: it checks the service; detect: a monitoring check, quiet (passing) until a fault, that must fire (fail) within detect_within and clear after" },
	{ "detect_within", OPT_DURATION, 0, NULL, 1000, 24 * 3600 * USEC_PER_SEC, NULL,
	  "expect = detect: how soon after a fault is applied the check must fire" },
	{ "clear_within", OPT_DURATION, 0, NULL, 1000, 24 * 3600 * USEC_PER_SEC, NULL,
	  "expect = detect: how soon after the service recovered it must be quiet again (default recover_within)" },
	{ "detects", OPT_STRING, 0, NULL, 0, 0, NULL,
	  "expect = detect: the faults it must notice, by name, separated by spaces (default every fault)" },
	OPT_END
};

static const char *const kinds[] = { "experiment", "target", "fault", "probe", "sandbox", NULL };

const struct opt_def *model_kind_table(const char *kind)
{
	if (!strcmp(kind, "experiment"))
		return experiment_options;
	if (!strcmp(kind, "target"))
		return target_options;
	if (!strcmp(kind, "fault"))
		return fault_options;
	if (!strcmp(kind, "sandbox"))
		return sandbox_options;
	return probe_options;
}

/* How many names a message about an unknown one compares (edit distance)
 * and lists: bounded, so that a file of many wrong names costs time and
 * output in proportion to its size, not its square. */
#define SUGGEST_MAX 100
#define LIST_MAX 20

static const char *suggest_word(const char *word, model_name_at at, const void *ctx)
{
	const char *best = NULL, *w;
	unsigned best_d = ~0u;

	for (size_t i = 0; i < SUGGEST_MAX && (w = at(i, ctx)); i++) {
		unsigned d = edit_distance(word, w);
		if (d < best_d) {
			best_d = d;
			best = w;
		}
	}
	return best && plausible_typo(word, best_d) ? best : NULL;
}

const char *model_at_kind(size_t i, const void *ctx) { return kinds[i]; }

static const char *at_target(size_t i, const void *ctx)
{
	const struct experiment *x = ctx;
	return i < x->n_targets ? x->targets[i].name : NULL;
}

static void list_names(struct sbuf *b, model_name_at at, const void *ctx)
{
	const char *w;

	size_t i;

	for (i = 0; i < LIST_MAX && (w = at(i, ctx)); i++)
		sbuf_addf(b, "%s%s", i ? ", " : "", w);
	if (i == LIST_MAX && at(i, ctx))
		sbuf_add(b, ", ...");	/* not counted: that reads them all */
}

/* "unknown X \"foo\"; did you mean bar?" or "...; known: a, b, c". */
void model_unknown_name(struct diag *d, unsigned line, const char *label, const char *key,
			const char *what, const char *word, model_name_at at, const void *ctx)
{
	const char *s = suggest_word(word, at, ctx);
	struct sbuf b = { 0 };

	if (s) {
		diag_error(d, line, label, key, "unknown %s \"%s\"; did you mean \"%s\"?", what, word, s);
		return;
	}
	list_names(&b, at, ctx);
	diag_error(d, line, label, key, "unknown %s \"%s\"; known: %s", what, word,
		   b.s ? b.s : "none");
	sbuf_free(&b);
}

const char *model_at_host(size_t i, const void *ctx)
{
	const struct experiment *x = ctx;
	return i < x->sandbox.n_hosts ? x->sandbox.hosts[i] : NULL;
}

void model_check_section(struct section *s, const struct entry *ents, const size_t *idx, size_t n_idx,
			 struct diag *d)
{
	const struct opt_def *const tables[3] = { s->tables[0], s->tables[1], NULL };
	unsigned *first_line[2] = { NULL, NULL };

	for (int t = 0; t < 2 && s->tables[t]; t++) {
		size_t n = 0;
		while (s->tables[t][n].key)
			n++;
		s->vals[t] = xcalloc(n + 1, sizeof(struct opt_value));
		first_line[t] = xcalloc(n + 1, sizeof(unsigned));
		for (size_t i = 0; i < n; i++)
			s->vals[t][i].def = &s->tables[t][i];
	}
	for (size_t e = 0; e < n_idx; e++) {
		const struct entry *en = &ents[idx[e]];
		struct opt_value *v = NULL;
		unsigned *first = NULL;
		_cleanup_free_ char *msg = NULL;

		for (int t = 0; t < 2 && s->tables[t] && !v; t++)
			for (size_t i = 0; s->tables[t][i].key; i++)
				if (!strcmp(s->tables[t][i].key, en->key)) {
					v = &s->vals[t][i];
					first = &first_line[t][i];
					break;
				}
		if (!v && !s->tables[1] && strcmp(s->kind, "target") && strcmp(s->kind, "experiment")) {
			/* Type missing or unknown: its own keys cannot be judged, but
			 * a typo of a common key can still be pointed out. */
			const char *sug = opt_suggest(tables, en->key);
			if (sug)
				diag_error(d, en->line, s->label, en->key,
					   "unknown key; did you mean \"%s\"?", sug);
			continue;
		}
		if (!v) {
			const char *sug = opt_suggest(tables, en->key);
			struct sbuf b = { 0 };

			if (sug) {
				diag_error(d, en->line, s->label, en->key,
					   "unknown key; did you mean \"%s\"?", sug);
				continue;
			}
			for (int t = 0; t < 2 && tables[t]; t++)
				for (const struct opt_def *o = tables[t]; o->key; o++)
					sbuf_addf(&b, "%s%s", b.len ? ", " : "", o->key);
			diag_error(d, en->line, s->label, en->key, "unknown key; valid keys here: %s", b.s);
			sbuf_free(&b);
			continue;
		}
		if (*first && !(v->def->flags & OPT_MULTI)) {
			diag_error(d, en->line, s->label, en->key,
				   "duplicate key (first given on line %u)", *first);
			continue;
		}
		if (!*first)
			*first = en->line;
		if (opt_parse(v->def, en->value, v, &msg) < 0) {
			diag_error(d, en->line, s->label, en->key, "%s", msg);
			v->set = true;	/* given, though wrong: no "missing" error after this one */
			v->line = en->line;
			continue;
		}
		v->set = true;
		v->line = en->line;
	}
	for (int t = 0; t < 2 && s->tables[t]; t++) {
		for (size_t i = 0; s->tables[t][i].key; i++) {
			struct opt_value *v = &s->vals[t][i];
			if (v->present || first_line[t][i])
				continue;
			if (v->def->def) {
				if (opt_parse(v->def, v->def->def, v, NULL) < 0) {
					fprintf(stderr, "erebus: internal error: bad default for %s\n",
						v->def->key);
					abort();
				}
			} else if (v->def->flags & OPT_REQUIRED) {
				diag_error(d, s->line, s->label, v->def->key, "missing required key");
			}
		}
		free(first_line[t]);
	}
}

/* Resolve the "target" key of s into a target spec, if s has one. */
static struct target_spec *resolve_target(struct experiment *x, struct section *s, bool required,
					   struct diag *d)
{
	const struct opt_value *v = section_get(s, "target");
	struct target_spec *t;

	if (!v || !v->present) {
		/* (an OPT_REQUIRED key was reported missing by model_check_section) */
		if (required && v && !v->set && !(v->def->flags & OPT_REQUIRED))
			diag_error(d, s->line, s->label, "target", "missing required key");
		return NULL;
	}
	t = experiment_target(x, v->raw);
	if (!t)
		model_unknown_name(d, v->line, s->label, "target", "target", v->raw, at_target, x);
	return t;
}

/* The sandbox host that key of s names, or -1 (not given, or unknown:
 * reported). */
static int resolve_host(const struct experiment *x, const struct section *s, const char *key,
			struct diag *d)
{
	const struct opt_value *h = section_get(s, key);
	int i;

	if (!h->present)
		return -1;
	i = model_sandbox_host(x, h->raw);
	if (i < 0)
		model_unknown_name(d, h->line, s->label, key, "sandbox host", h->raw, model_at_host,
				   x);
	return i;
}

void model_check_target(struct experiment *x, struct target_spec *t, struct diag *d)
{
	static const char *const selectors[] = { "pid", "pidfile", "process", "cmdline", "cgroup",
						  "command", "within", "netns", "host" };
	const struct section *s = t->sec;
	bool any = false;

	t->host = resolve_host(x, s, "host", d);
	if (t->host >= 0 && !t->command)
		diag_error(d, section_get(s, "host")->line, s->label, "host",
			   "host needs command: Erebus launches the command inside the sandbox host");
	for (size_t i = 0; i < ARRAY_SIZE(selectors); i++)
		any |= section_get(s, selectors[i])->set;
	if (!any)
		diag_error(d, s->line, s->label, NULL,
			   "a target needs at least one of pid, pidfile, process, cmdline, cgroup, command, within or netns");
	if (t->pid == 1)
		diag_error(d, section_get(s, "pid")->line, s->label, "pid",
			   "Erebus refuses to act on pid 1 (init)");
	if (t->process && strlen(t->process) > 15)
		diag_error(d, section_get(s, "process")->line, s->label, "process",
			   "\"%s\" is longer than 15 characters, the most a process name (comm) holds; use cmdline to match longer names",
			   t->process);
	if (t->user && !t->command)
		diag_error(d, section_get(s, "user")->line, s->label, "user",
			   "user needs command: it is who the command Erebus launches runs as");
	if (t->command && (t->pid || t->pidfile))
		diag_error(d, section_get(s, "command")->line, s->label, "command",
			   "command cannot be combined with pid or pidfile (Erebus launches the process itself)");
	if (t->command) {
		char **argv = NULL;
		if (split_command(t->command, &argv) < 0)
			diag_error(d, section_get(s, "command")->line, s->label, "command",
				   "cannot split \"%s\" into words (unbalanced quote?)", t->command);
		strv_free(argv);
	}
}

void model_check_fault(struct experiment *x, struct fault_spec *f, struct diag *d)
{
	const struct fault_type *ft = f->type;
	struct section *s = f->sec;
	const struct opt_value *dur = section_get(s, "duration"), *every = section_get(s, "every");

	if (!ft)
		return;
	f->target = resolve_target(x, s, ft->flags & FAULT_NEEDS_TARGET, d);
	if (f->target && target_netns_only(f->target) && !(ft->flags & FAULT_NETWORK))
		diag_error(d, section_get(s, "target")->line, s->label, "target",
			   "[target %s] names only a network namespace; a %s fault acts on processes",
			   f->target->name, ft->name);
	if ((ft->flags & FAULT_NEEDS_DURATION) && !dur->present && !dur->set)
		diag_error(d, s->line, s->label, "duration", "missing required key (a %s fault lasts a while)",
			   ft->name);
	if (every->set && !(ft->flags & FAULT_INSTANT))
		diag_error(d, every->line, s->label, "every",
			   "only instant faults (like kill) repeat; a %s fault lasts its duration", ft->name);
	if (every->set && !dur->set)
		diag_error(d, every->line, s->label, "every",
			   "every needs duration, which bounds the repetitions");
	if ((ft->flags & FAULT_INSTANT) && dur->set && !every->set)
		diag_error(d, dur->line, s->label, "duration",
			   "a %s fault acts once; add every to repeat it for this duration, or remove duration",
			   ft->name);
	if (every->present && dur->present && every->usec > dur->usec)
		diag_error(d, every->line, s->label, "every",
			   "every (%s) is longer than duration (%s): it would never repeat", every->raw,
			   dur->raw);
	if (ft->check)
		ft->check(f, d);
}

/* expect = detect and the keys that go with it (detects is resolved by
 * model_check_detects(), once every fault is known). */
static void check_detector(struct probe_spec *p, struct diag *d)
{
	static const char *const only_with[] = { "detect_within", "clear_within", "detects" };
	static const char *const not_with[] = { "during", "tolerance", "halt" };
	struct section *s = p->sec;
	const struct opt_value *within = section_get(s, "detect_within"), *clear = section_get(s, "clear_within");

	p->detector = section_int(s, "expect") == 1;
	if (!p->detector) {
		for (size_t i = 0; i < ARRAY_SIZE(only_with); i++) {
			const struct opt_value *v = section_get(s, only_with[i]);
			if (v->set)
				diag_error(d, v->line, s->label, only_with[i],
					   "only for a detector: add expect = detect, or remove %s", only_with[i]);
		}
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(not_with); i++) {
		const struct opt_value *v = section_get(s, not_with[i]);
		if (v->set)
			diag_error(d, v->line, s->label, not_with[i],
				   "a detector (expect = detect) is meant to fire: %s does not apply to it",
				   not_with[i]);
	}
	if (!within->set)
		diag_error(d, section_get(s, "expect")->line, s->label, "detect_within",
			   "missing required key (expect = detect: how soon monitoring must notice a fault)");
	p->detect_within_us = within->set ? within->usec : 0;
	p->clear_within_us = clear->set ? clear->usec : p->recover_within_us;
	p->during = DURING_MAY_FAIL;
	p->tolerance = 0;
	p->halt_us = -1;
}

static const char *at_fault_spec(size_t i, const void *ctx)
{
	const struct experiment *x = ctx;
	return i < x->n_faults ? x->faults[i].name : NULL;
}

void model_check_detects(struct experiment *x, struct probe_spec *p, struct diag *d)
{
	const struct opt_value *v = section_get(p->sec, "detects");
	_cleanup_free_ char *copy = NULL;
	char *save = NULL;

	if (!p->detector || !v->set)
		return;
	p->detects = xcalloc(x->n_faults + 1, sizeof(*p->detects));
	copy = xstrdup(v->raw);
	for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		size_t f;
		for (f = 0; f < x->n_faults && strcmp(x->faults[f].name, w); f++)
			;
		if (f < x->n_faults)
			p->detects[f] = true;
		else
			model_unknown_name(d, v->line, p->sec->label, "detects", "fault", w, at_fault_spec, x);
	}
}

void model_check_probe(struct experiment *x, struct probe_spec *p, struct diag *d)
{
	struct section *s = p->sec;

	p->from = resolve_host(x, s, "from", d);
	{
		const struct opt_value *h = section_get(s, "halt");
		const char *v = h->present ? h->raw : "no";
		int64_t us;

		if (!strcmp(v, "no"))
			p->halt_us = -1;
		else if (!strcmp(v, "yes"))
			p->halt_us = 0;
		else if (parse_duration(v, &us) == 0 && us >= 0 && us <= 24 * 3600 * USEC_PER_SEC)
			p->halt_us = us;
		else
			diag_error(d, h->line, s->label, "halt",
				   "\"%s\" is not yes, no or a duration (halt = yes, or halt = 1s)", v);
	}
	check_detector(p, d);
	if (!p->type)
		return;
	p->target = resolve_target(x, s, true, d);
	if (p->target && target_netns_only(p->target))
		diag_error(d, section_get(s, "target")->line, s->label, "target",
			   "[target %s] names only a network namespace; a %s probe counts processes",
			   p->target->name, p->type->name);
	if (p->type->check)
		p->type->check(p, d);
}

void model_check_within(struct experiment *x, struct diag *d)
{
	for (size_t i = 0; i < x->n_targets; i++) {
		struct target_spec *t = &x->targets[i];
		const struct opt_value *w = section_get(t->sec, "within");
		if (!w->present)
			continue;
		t->within = experiment_target(x, w->raw);
		if (!t->within)
			model_unknown_name(d, w->line, t->sec->label, "within", "target", w->raw,
					   at_target, x);
		else if (!t->within->command)
			diag_error(d, w->line, t->sec->label, "within",
				   "[target %s] has no command; within names a target Erebus launches", w->raw);
		else if (t->command)
			diag_error(d, w->line, t->sec->label, "within",
				   "a target with its own command cannot also be within another");
	}
}
