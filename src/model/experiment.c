/* SPDX-License-Identifier: MIT */
/*
 * Experiment files: inih reads the INI syntax through our own line reader
 * (which counts lines, so every message can name one, and refuses lines
 * inih would silently truncate); then each section is checked against the
 * option tables of its kind and type, and references are resolved.
 * Problems are collected, not stopped at, so one run shows all of them.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <ini.h>
#include <regex.h>

#include "erebus/experiment.h"
#include "erebus/fault.h"
#include "erebus/probe.h"

static const char *const during_choices[] = { "must-pass", "may-fail", NULL };

const struct opt_def experiment_options[] = {
	{ "name", OPT_STRING, OPT_REQUIRED, NULL, 0, 0, NULL, "Name of the experiment, used in reports" },
	{ "description", OPT_STRING, 0, NULL, 0, 0, NULL, "What the experiment shows, for people" },
	{ "seed", OPT_INT, 0, NULL, 0, INT64_MAX, NULL,
	  "Seed for every random choice (default: random, printed in the report)" },
	{ "steady_state_timeout", OPT_DURATION, 0, "10s", 1000, 24 * 3600 * USEC_PER_SEC, NULL,
	  "How long every probe has to become healthy before any fault" },
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
	  "Share of samples that must pass during the fault window (must-pass)" },
	{ "recover_within", OPT_DURATION, 0, "30s", 1000, 24 * 3600 * USEC_PER_SEC, NULL,
	  "After the faults end, the probe must be healthy again within this" },
	{ "from", OPT_STRING, 0, NULL, 0, 0, NULL,
	  "Sandbox host the probe runs from (see [sandbox]); default: where Erebus runs" },
	OPT_END
};

/* One key = value line as inih gave it to us. */
struct entry {
	char *key, *value;
	unsigned line;
	size_t sec;	/* index into raw sections */
};

struct raw_section {
	char *header;	/* text between the brackets */
	unsigned line;
	bool bad;	/* already reported; its keys are dropped */
};

struct reader {
	const char *p;		/* next unread text */
	unsigned line;		/* number of the line last handed to inih */
	bool last_was_cont;
	struct diag *d;
	struct raw_section *secs;
	size_t n_secs, cap_secs;
	struct entry *ents;
	size_t n_ents, cap_ents;
	bool outside_reported;
};

/* ini_reader: hand inih one line at a time, counting them. */
static char *read_line(char *str, int num, void *stream)
{
	struct reader *r = stream;
	const char *nl;
	size_t len;

	if (!*r->p)
		return NULL;
	nl = strchr(r->p, '\n');
	len = nl ? (size_t)(nl - r->p + 1) : strlen(r->p);
	r->line++;
	if (len > (size_t)num - 1) {
		diag_error(r->d, r->line, NULL, NULL,
			   "line is longer than %d characters; shorten it", num - 2);
		strcpy(str, "\n");
	} else {
		memcpy(str, r->p, len);
		str[len] = '\0';
	}
	r->p += len;

	/* Note section headers here (inih does not report them by itself), and
	 * report every line inih could not read, not only its first. */
	{
		_cleanup_free_ char *copy = xstrdup(str);
		char *s = strstrip(copy);
		r->last_was_cont = (str[0] == ' ' || str[0] == '\t') && *s;
		if (*s == '[') {
			char *end = strchr(s, ']');
			if (!end) {
				diag_error(r->d, r->line, NULL, NULL, "section header without a closing ]");
				strcpy(str, "\n");
			} else {
				bool bad = end - s - 1 > 48;
				if (bad)
					diag_error(r->d, r->line, NULL, NULL,
						   "section header is longer than 48 characters; use a shorter name");
				*end = '\0';
				GROW(r->secs, r->cap_secs, r->n_secs + 1);
				r->secs[r->n_secs++] = (struct raw_section){
					.header = xstrdup(strstrip(s + 1)), .line = r->line, .bad = bad };
				if (bad)
					strcpy(str, "[-]\n");
			}
		} else if (*s && *s != '#' && *s != ';' && !r->last_was_cont && !strpbrk(s, "=:")) {
			diag_error(r->d, r->line, NULL, NULL,
				   "cannot read this line: expected [section], key = value, or a comment");
			strcpy(str, "\n");
		}
	}
	return str;
}

static int on_value(void *user, const char *section, const char *name, const char *value)
{
	struct reader *r = user;

	if (r->n_secs && r->secs[r->n_secs - 1].bad)
		return 1;	/* keys of a rejected header */
	if (!r->n_secs) {
		if (!r->outside_reported)
			diag_error(r->d, r->line, NULL, name,
				   "key outside any section; start the file with [experiment]");
		r->outside_reported = true;
		return 1;
	}
	/* A continuation line (indented) extends the previous value. */
	if (r->last_was_cont && r->n_ents && !strcmp(r->ents[r->n_ents - 1].key, name) &&
	    r->ents[r->n_ents - 1].sec == r->n_secs - 1) {
		struct entry *e = &r->ents[r->n_ents - 1];
		char *v = xasprintf("%s %s", e->value, value);
		free(e->value);
		e->value = v;
		return 1;
	}
	GROW(r->ents, r->cap_ents, r->n_ents + 1);
	r->ents[r->n_ents++] = (struct entry){
		.key = xstrdup(name), .value = xstrdup(value), .line = r->line, .sec = r->n_secs - 1 };
	(void)section;
	return 1;
}

const struct opt_value *section_get(const struct section *s, const char *key)
{
	for (int t = 0; t < 2 && s->tables[t]; t++)
		for (size_t i = 0; s->tables[t][i].key; i++)
			if (!strcmp(s->tables[t][i].key, key))
				return &s->vals[t][i];
	return NULL;
}

static const struct opt_value *must_get(const struct section *s, const char *key)
{
	const struct opt_value *v = section_get(s, key);

	if (!v) {
		fprintf(stderr, "erebus: internal error: no key %s in [%s]\n", key, s->label);
		abort();
	}
	return v;
}

const char *section_str(const struct section *s, const char *key)
{
	const struct opt_value *v = must_get(s, key);
	return v->present ? v->raw : NULL;
}

int64_t section_int(const struct section *s, const char *key) { return must_get(s, key)->i; }
int64_t section_usec(const struct section *s, const char *key) { return must_get(s, key)->usec; }
double section_pct(const struct section *s, const char *key) { return must_get(s, key)->pct; }
bool section_has(const struct section *s, const char *key)
{
	const struct opt_value *v = section_get(s, key);
	return v && v->present;
}

static const char *const kinds[] = { "experiment", "target", "fault", "probe", "sandbox", NULL };

static const struct opt_def *kind_table(const char *kind)
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

static const char *suggest_word(const char *word, const char *(*at)(size_t i, const void *ctx),
				const void *ctx)
{
	const char *best = NULL, *w;
	unsigned best_d = ~0u;

	for (size_t i = 0; (w = at(i, ctx)); i++) {
		unsigned d = edit_distance(word, w);
		if (d < best_d) {
			best_d = d;
			best = w;
		}
	}
	return best && plausible_typo(word, best_d) ? best : NULL;
}

static const char *at_kind(size_t i, const void *ctx) { return kinds[i]; }
static const char *at_fault(size_t i, const void *ctx)
{
	const struct model_catalog *cat = ctx;
	return cat->faults[i] ? cat->faults[i]->name : NULL;
}
static const char *at_probe(size_t i, const void *ctx)
{
	const struct model_catalog *cat = ctx;
	return cat->probes[i] ? cat->probes[i]->name : NULL;
}

static const struct fault_type *catalog_fault(const struct model_catalog *cat, const char *name)
{
	for (size_t i = 0; cat->faults[i]; i++)
		if (!strcmp(cat->faults[i]->name, name))
			return cat->faults[i];
	return NULL;
}

static const struct probe_type *catalog_probe(const struct model_catalog *cat, const char *name)
{
	for (size_t i = 0; cat->probes[i]; i++)
		if (!strcmp(cat->probes[i]->name, name))
			return cat->probes[i];
	return NULL;
}
static const char *at_target(size_t i, const void *ctx)
{
	const struct experiment *x = ctx;
	return i < x->n_targets ? x->targets[i].name : NULL;
}

static void list_names(struct sbuf *b, const char *(*at)(size_t i, const void *ctx), const void *ctx)
{
	const char *w;

	for (size_t i = 0; (w = at(i, ctx)); i++)
		sbuf_addf(b, "%s%s", i ? ", " : "", w);
}

/* "unknown X \"foo\"; did you mean bar?" or "...; known: a, b, c". */
static void unknown_name(struct diag *d, unsigned line, const char *label, const char *key,
			 const char *what, const char *word,
			 const char *(*at)(size_t i, const void *ctx), const void *ctx)
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

/* Check one section's entries against its tables; fill s->vals. */
static void check_section(struct section *s, struct entry *ents, size_t n_ents, size_t idx,
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
	for (size_t e = 0; e < n_ents; e++) {
		struct entry *en = &ents[e];
		struct opt_value *v = NULL;
		unsigned *first = NULL;
		_cleanup_free_ char *msg = NULL;

		if (en->sec != idx)
			continue;
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

/* Index of a sandbox host by name, or -1. */
static int sandbox_host(const struct experiment *x, const char *name)
{
	for (size_t i = 0; i < x->sandbox.n_hosts; i++)
		if (!strcmp(x->sandbox.hosts[i], name))
			return (int)i;
	return -1;
}

static const char *at_host(size_t i, const void *ctx)
{
	const struct experiment *x = ctx;
	return i < x->sandbox.n_hosts ? x->sandbox.hosts[i] : NULL;
}

static void build_target(struct experiment *x, struct section *s, struct target_spec *t,
			 struct diag *d)
{
	static const char *const selectors[] = { "pid", "pidfile", "process", "cmdline", "cgroup",
						  "command", "within", "netns", "host" };
	bool any = false;

	t->name = xstrdup(s->name);
	t->line = s->line;
	t->sec = s;
	t->pid = (pid_t)section_int(s, "pid");
	t->pidfile = section_str(s, "pidfile");
	t->process = section_str(s, "process");
	t->cgroup = section_str(s, "cgroup");
	t->command = section_str(s, "command");
	t->cmdline = section_get(s, "cmdline")->present ? section_get(s, "cmdline")->regex : NULL;
	t->cmdline_src = section_str(s, "cmdline");
	t->pick = section_get(s, "pick")->pick;
	t->netns = section_str(s, "netns");
	t->host = -1;
	if (section_has(s, "host")) {
		const struct opt_value *h = section_get(s, "host");
		t->host = sandbox_host(x, h->raw);
		if (t->host < 0)
			unknown_name(d, h->line, s->label, "host", "sandbox host", h->raw, at_host, x);
		else if (!t->command)
			diag_error(d, h->line, s->label, "host",
				   "host needs command: Erebus launches the command inside the sandbox host");
	}
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
	(void)x;
}

/* Resolve the "target" key of s into a target spec, if s has one. */
static struct target_spec *resolve_target(struct experiment *x, struct section *s, bool required,
					   struct diag *d)
{
	const struct opt_value *v = section_get(s, "target");
	struct target_spec *t;

	if (!v || !v->present) {
		/* (an OPT_REQUIRED key was reported missing by check_section) */
		if (required && v && !v->set && !(v->def->flags & OPT_REQUIRED))
			diag_error(d, s->line, s->label, "target", "missing required key");
		return NULL;
	}
	t = experiment_target(x, v->raw);
	if (!t)
		unknown_name(d, v->line, s->label, "target", "target", v->raw, at_target, x);
	return t;
}

bool target_netns_only(const struct target_spec *t)
{
	return t->netns && !t->pid && !t->pidfile && !t->process && !t->cmdline && !t->cgroup &&
	       !t->command && !t->within;
}

static void build_fault(struct experiment *x, struct section *s, struct fault_spec *f,
			struct diag *d)
{
	const struct fault_type *ft = f->type;
	const struct opt_value *dur = section_get(s, "duration"), *every = section_get(s, "every");

	f->name = xstrdup(s->name);
	f->line = s->line;
	f->sec = s;
	f->at_us = section_usec(s, "at");
	f->duration_us = dur->present ? dur->usec : 0;
	f->every_us = every->present ? every->usec : 0;
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

static void build_probe(struct experiment *x, struct section *s, struct probe_spec *p,
			struct diag *d)
{
	p->name = xstrdup(s->name);
	p->line = s->line;
	p->sec = s;
	p->interval_us = section_usec(s, "interval");
	p->timeout_us = section_usec(s, "timeout");
	p->recover_within_us = section_usec(s, "recover_within");
	p->healthy_after = (unsigned)section_int(s, "healthy_after");
	p->during = (enum probe_during)section_int(s, "during");
	p->tolerance = section_pct(s, "tolerance");
	p->from = -1;
	if (section_has(s, "from")) {
		const struct opt_value *h = section_get(s, "from");
		p->from = sandbox_host(x, h->raw);
		if (p->from < 0)
			unknown_name(d, h->line, s->label, "from", "sandbox host", h->raw, at_host, x);
	}
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

static const char *entry_value(struct reader *r, size_t sec, const char *key, unsigned *line)
{
	for (size_t i = 0; i < r->n_ents; i++)
		if (r->ents[i].sec == sec && !strcmp(r->ents[i].key, key)) {
			*line = r->ents[i].line;
			return r->ents[i].value;
		}
	return NULL;
}

/* Replace every ${host.NAME} in e->value by the host's address. */
static void interpolate(struct experiment *x, struct entry *e, const char *label, struct diag *d)
{
	struct sbuf out = { 0 };
	const char *p = e->value, *open;
	bool changed = false;

	while ((open = strstr(p, "${host."))) {
		const char *close = strchr(open, '}');
		_cleanup_free_ char *name = NULL;
		int h;

		if (!close) {
			diag_error(d, e->line, label, e->key, "unterminated ${host.NAME}");
			break;
		}
		name = xstrndup(open + 7, (size_t)(close - open - 7));
		h = sandbox_host(x, name);
		if (h < 0) {
			if (!x->sandbox.n_hosts)
				diag_error(d, e->line, label, e->key,
					   "${host.%s} names a sandbox host, but there is no [sandbox] section", name);
			else
				unknown_name(d, e->line, label, e->key, "sandbox host", name, at_host, x);
			break;
		}
		sbuf_addn(&out, p, (size_t)(open - p));
		sbuf_add(&out, x->sandbox.addrs[h]);
		p = close + 1;
		changed = true;
	}
	if (changed) {
		sbuf_add(&out, p);
		free(e->value);
		e->value = sbuf_take(&out);
	}
	sbuf_free(&out);
}

/* Read [sandbox] first (its hosts' addresses are used everywhere), then
 * expand ${host.NAME} in every value. */
static void build_sandbox(struct experiment *x, struct reader *r, struct diag *d)
{
	struct sandbox_spec *sp = &x->sandbox;
	size_t idx = SIZE_MAX;
	unsigned line = 0, sline = 0;
	const char *hosts, *subnet;
	uint32_t base, size;

	for (size_t i = 0; i < x->n_sections; i++)
		if (!strcmp(x->sections[i].kind, "sandbox"))
			idx = i;
	if (idx != SIZE_MAX && (hosts = entry_value(r, idx, "hosts", &line))) {
		_cleanup_free_ char *copy = xstrdup(hosts);
		char *save = NULL;

		sp->line = x->sections[idx].line;
		sp->subnet = (struct cidr){ .family = AF_INET, .prefix = 24, .addr = { 10, 237, 0, 0 } };
		subnet = entry_value(r, idx, "subnet", &sline);
		if (subnet && (parse_cidr(subnet, &sp->subnet) < 0 || sp->subnet.family != AF_INET))
			diag_error(d, sline, "sandbox", "subnet",
				   "\"%s\" is not an IPv4 network like 10.237.0.0/24", subnet);
		for (char *tok = strtok_r(copy, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save)) {
			bool ok = strlen(tok) <= 32 && strspn(tok, "abcdefghijklmnopqrstuvwxyz"
								"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == strlen(tok);
			if (!ok) {
				diag_error(d, line, "sandbox", "hosts",
					   "\"%s\" is not a host name (letters, digits, - and _, at most 32)", tok);
				continue;
			}
			if (sandbox_host(x, tok) >= 0) {
				diag_error(d, line, "sandbox", "hosts", "host \"%s\" is named twice", tok);
				continue;
			}
			sp->hosts = xrealloc(sp->hosts, (sp->n_hosts + 1) * sizeof(char *));
			sp->addrs = xrealloc(sp->addrs, (sp->n_hosts + 1) * sizeof(char *));
			sp->hosts[sp->n_hosts] = xstrdup(tok);
			sp->addrs[sp->n_hosts] = NULL;
			sp->n_hosts++;
		}
		size = sp->subnet.prefix >= 32 ? 1 : 1u << (32 - sp->subnet.prefix);
		if (sp->n_hosts + 2 > size)
			diag_error(d, line, "sandbox", "hosts", "%zu hosts do not fit in a /%u", sp->n_hosts,
				   sp->subnet.prefix);
		memcpy(&base, sp->subnet.addr, 4);
		base = ntohl(base);
		for (size_t i = 0; i < sp->n_hosts; i++) {
			struct in_addr a = { .s_addr = htonl(base + (uint32_t)i + 1) };
			char buf[INET_ADDRSTRLEN];
			sp->addrs[i] = xstrdup(inet_ntop(AF_INET, &a, buf, sizeof(buf)));
		}
	}
	for (size_t e = 0; e < r->n_ents; e++)
		if (r->ents[e].sec != SIZE_MAX && strstr(r->ents[e].value, "${"))
			interpolate(x, &r->ents[e], x->sections[r->ents[e].sec].label, d);
}

static void split_header(const char *header, char **kind, char **name)
{
	const char *sp = header;

	while (*sp && !isspace((unsigned char)*sp))
		sp++;
	*kind = xstrndup(header, (size_t)(sp - header));
	while (isspace((unsigned char)*sp))
		sp++;
	*name = *sp ? xstrdup(sp) : NULL;
}

static void build(struct experiment *x, struct reader *r, const struct model_catalog *cat,
		  struct diag *d)
{
	_cleanup_free_ size_t *map = xcalloc(r->n_secs + 1, sizeof(size_t));
	size_t nt = 0, nf = 0, np = 0, ne = 0;
	unsigned exp_line = 0, sandbox_line = 0;

	/* Sections: check headers; map raw index -> x->sections index. */
	x->sections = xcalloc(r->n_secs + 1, sizeof(*x->sections));
	for (size_t i = 0; i < r->n_secs; i++) {
		struct section *s = &x->sections[x->n_sections];
		char *kind, *name;
		bool ok = true;

		map[i] = SIZE_MAX;
		if (r->secs[i].bad)
			continue;	/* reported by the reader; its keys are dropped */
		split_header(r->secs[i].header, &kind, &name);
		*s = (struct section){ .kind = kind, .name = name, .line = r->secs[i].line,
				       .label = name ? xasprintf("%s %s", kind, name) : xstrdup(kind) };
		if (!strcmp(kind, "experiment") || !strcmp(kind, "sandbox")) {
			unsigned *first = !strcmp(kind, "sandbox") ? &sandbox_line : &exp_line;
			if (name) {
				diag_error(d, s->line, s->label, NULL, "[%s] takes no name", kind);
				ok = false;
			} else if (*first) {
				diag_error(d, s->line, s->label, NULL,
					   "duplicate [%s] section (first on line %u)", kind, *first);
				ok = false;
			}
			ne += !strcmp(kind, "experiment");
			if (!*first)
				*first = s->line;
		} else if (!strcmp(kind, "target") || !strcmp(kind, "fault") || !strcmp(kind, "probe")) {
			if (!name) {
				diag_error(d, s->line, s->label, NULL, "a [%s] section needs a name: [%s NAME]",
					   kind, kind);
				ok = false;
			} else if (strpbrk(name, " \t")) {
				diag_error(d, s->line, s->label, NULL,
					   "a section name is one word (letters, digits, - and _): \"%s\"", name);
				ok = false;
			}
			for (size_t j = 0; ok && j < x->n_sections; j++)
				if (!strcmp(x->sections[j].label, s->label)) {
					diag_error(d, s->line, s->label, NULL,
						   "duplicate section (first on line %u)", x->sections[j].line);
					ok = false;
				}
		} else {
			unknown_name(d, s->line, NULL, NULL, "section kind", kind, at_kind, NULL);
			ok = false;
		}
		if (!ok) {	/* its keys are not checked further */
			free(s->kind);
			free(s->name);
			free(s->label);
			*s = (struct section){ 0 };
			continue;
		}
		s->tables[0] = kind_table(kind);
		nt += !strcmp(kind, "target");
		nf += !strcmp(kind, "fault");
		np += !strcmp(kind, "probe");
		map[i] = x->n_sections++;
	}
	for (size_t e = 0; e < r->n_ents; e++)
		r->ents[e].sec = map[r->ents[e].sec];
	if (!ne)
		diag_error(d, 0, NULL, NULL, "missing [experiment] section (with at least name = ...)");
	if (!np)
		diag_error(d, 0, NULL, NULL,
			   "no [probe NAME] section: an experiment needs at least one probe to judge recovery");

	x->targets = xcalloc(nt + 1, sizeof(*x->targets));
	x->faults = xcalloc(nf + 1, sizeof(*x->faults));
	x->probes = xcalloc(np + 1, sizeof(*x->probes));

	/* Types first: they decide which type table a section's keys meet. */
	for (size_t i = 0, fi = 0, pi = 0; i < x->n_sections; i++) {
		struct section *s = &x->sections[i];
		bool is_fault = !strcmp(s->kind, "fault");
		unsigned line = s->line;
		const char *type;

		if (!is_fault && strcmp(s->kind, "probe"))
			continue;
		type = entry_value(r, i, "type", &line);
		if (!type) {
			/* reported as missing by check_section */
		} else if (is_fault) {
			const struct fault_type *ft = catalog_fault(cat, type);
			if (!ft)
				unknown_name(d, line, s->label, "type", "fault type", type, at_fault, cat);
			else
				s->tables[1] = ft->options;
			x->faults[fi].type = ft;
		} else {
			const struct probe_type *pt = catalog_probe(cat, type);
			if (!pt)
				unknown_name(d, line, s->label, "type", "probe type", type, at_probe, cat);
			else
				s->tables[1] = pt->options;
			x->probes[pi].type = pt;
		}
		if (is_fault)
			fi++;
		else
			pi++;
	}

	build_sandbox(x, r, d);
	for (size_t i = 0; i < x->n_sections; i++)
		check_section(&x->sections[i], r->ents, r->n_ents, i, d);

	for (size_t i = 0; i < x->n_sections; i++) {
		struct section *s = &x->sections[i];
		if (!strcmp(s->kind, "experiment")) {
			const struct opt_value *seed = section_get(s, "seed");
			x->name = section_str(s, "name") ? xstrdup(section_str(s, "name")) : NULL;
			x->description = section_str(s, "description") ?
				xstrdup(section_str(s, "description")) : NULL;
			x->seed_set = seed->present;
			x->seed = (uint64_t)seed->i;
			x->steady_timeout_us = section_usec(s, "steady_state_timeout");
		} else if (!strcmp(s->kind, "target")) {
			build_target(x, s, &x->targets[x->n_targets++], d);
		}
	}
	for (size_t i = 0; i < x->n_targets; i++) {
		struct target_spec *t = &x->targets[i];
		const struct opt_value *w = section_get(t->sec, "within");
		if (!w->present)
			continue;
		t->within = experiment_target(x, w->raw);
		if (!t->within)
			unknown_name(d, w->line, t->sec->label, "within", "target", w->raw, at_target, x);
		else if (!t->within->command)
			diag_error(d, w->line, t->sec->label, "within",
				   "[target %s] has no command; within names a target Erebus launches", w->raw);
		else if (t->command)
			diag_error(d, w->line, t->sec->label, "within",
				   "a target with its own command cannot also be within another");
	}
	for (size_t i = 0; i < x->n_sections; i++) {
		struct section *s = &x->sections[i];
		if (!strcmp(s->kind, "fault"))
			build_fault(x, s, &x->faults[x->n_faults++], d);
		else if (!strcmp(s->kind, "probe"))
			build_probe(x, s, &x->probes[x->n_probes++], d);
	}
	for (size_t i = 0; i < x->n_faults; i++)
		if (x->faults[i].type && x->faults[i].type->check_experiment)
			x->faults[i].type->check_experiment(&x->faults[i], x, d);
}

int experiment_load_string(const char *name, const char *text, const struct model_catalog *cat,
			   struct diag *d, struct experiment **ret)
{
	struct reader r = { .p = text, .d = d };
	struct experiment *x = xcalloc(1, sizeof(*x));
	size_t before;
	int line;

	d->file = name;
	before = d->n;
	x->file = xstrdup(name);
	if (!strncmp(r.p, "\xEF\xBB\xBF", 3))
		r.p += 3;
	line = ini_parse_stream(read_line, &r, on_value, &r);
	if (line > 0)
		diag_error(d, (unsigned)line, NULL, NULL,
			   "cannot read this line: expected [section], key = value, or a comment");
	build(x, &r, cat, d);

	for (size_t i = 0; i < r.n_ents; i++) {
		free(r.ents[i].key);
		free(r.ents[i].value);
	}
	free(r.ents);
	for (size_t i = 0; i < r.n_secs; i++)
		free(r.secs[i].header);
	free(r.secs);
	if (d->n > before) {
		experiment_free(x);
		return -EINVAL;
	}
	*ret = x;
	return 0;
}

int experiment_load(const char *path, const struct model_catalog *cat, struct diag *d,
		    struct experiment **ret)
{
	_cleanup_free_ char *text = NULL;
	ssize_t n = read_file_max(path, (1 << 20) + 1, &text);

	d->file = path;
	if (n < 0) {
		diag_error(d, 0, NULL, NULL, "cannot read: %s", strerror((int)-n));
		return (int)n;
	}
	if ((size_t)n > 1 << 20) {
		diag_error(d, 0, NULL, NULL, "file is larger than 1 MiB");
		return -EFBIG;
	}
	if (memchr(text, '\0', (size_t)n)) {
		diag_error(d, 0, NULL, NULL, "file contains NUL bytes; is it a text file?");
		return -EINVAL;
	}
	return experiment_load_string(path, text, cat, d, ret);
}

void experiment_free(struct experiment *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n_sections; i++) {
		struct section *s = &x->sections[i];
		for (int t = 0; t < 2; t++) {
			if (!s->vals[t])
				continue;
			for (size_t j = 0; s->tables[t][j].key; j++)
				opt_value_clear(&s->vals[t][j]);
			free(s->vals[t]);
		}
		free(s->kind);
		free(s->name);
		free(s->label);
	}
	for (size_t i = 0; i < x->n_targets; i++)
		free(x->targets[i].name);
	for (size_t i = 0; i < x->n_faults; i++)
		free(x->faults[i].name);
	for (size_t i = 0; i < x->n_probes; i++)
		free(x->probes[i].name);
	for (size_t i = 0; i < x->sandbox.n_hosts; i++) {
		free(x->sandbox.hosts[i]);
		free(x->sandbox.addrs[i]);
	}
	free(x->sandbox.hosts);
	free(x->sandbox.addrs);
	free(x->sections);
	free(x->targets);
	free(x->faults);
	free(x->probes);
	free(x->file);
	free(x->name);
	free(x->description);
	free(x);
}

struct target_spec *experiment_target(const struct experiment *x, const char *name)
{
	for (size_t i = 0; i < x->n_targets; i++)
		if (!strcmp(x->targets[i].name, name))
			return &x->targets[i];
	return NULL;
}

int64_t experiment_window_us(const struct experiment *x)
{
	int64_t end = 0;

	for (size_t i = 0; i < x->n_faults; i++) {
		const struct fault_spec *f = &x->faults[i];
		int64_t e = f->at_us;

		if (f->every_us)
			e += (f->duration_us / f->every_us) * f->every_us;
		else if (!(f->type && (f->type->flags & FAULT_INSTANT)))
			e += f->duration_us;
		if (e > end)
			end = e;
	}
	return end;
}
