/* SPDX-License-Identifier: MIT */
/*
 * Reading experiment files: inih reads the INI syntax through our own line
 * reader (which counts lines, so every message can name one, and refuses
 * lines inih would silently truncate); then the section headers are
 * checked, [sandbox] and ${host.NAME} are expanded, and the structs are
 * built, each section going through the checks of check.c on the way.
 * Problems are collected, not stopped at, so one run shows all of them.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>
#include <ini.h>
#include <strings.h>

#include "erebus/experiment.h"
#include "erebus/fault.h"
#include "erebus/probe.h"
#include "model_internal.h"

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
	/* once the sections are built: the entries of section i are
	 * ents[by_sec[k]] for k from sec_start[i] to sec_start[i + 1] */
	size_t *by_sec, *sec_start;
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
			/* A rejected header still starts a section, whose keys are
			 * dropped, so they are not reported as the previous one's. */
			bool bad = !end || end - s - 1 > 48;

			if (!end)
				diag_error(r->d, r->line, NULL, NULL, "section header without a closing ]");
			else if (bad)
				diag_error(r->d, r->line, NULL, NULL,
					   "section header is longer than 48 characters; use a shorter name");
			if (end)
				*end = '\0';
			GROW(r->secs, r->cap_secs, r->n_secs + 1);
			r->secs[r->n_secs++] = (struct raw_section){
				.header = xstrdup(strstrip(s + 1)), .line = r->line, .bad = bad };
			if (bad)
				strcpy(str, "[-]\n");
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
		size_t add = strlen(value);

		/* grown by doubling: a value of many lines costs its length */
		if (!e->cap)
			e->len = strlen(e->value);
		if (e->len + add + 2 > e->cap) {
			e->cap = (e->len + add + 2) * 2;
			e->value = xrealloc(e->value, e->cap);
		}
		e->value[e->len] = ' ';
		memcpy(e->value + e->len + 1, value, add + 1);
		e->len += add + 1;
		return 1;
	}
	GROW(r->ents, r->cap_ents, r->n_ents + 1);
	r->ents[r->n_ents++] = (struct entry){
		.key = xstrdup(name), .value = xstrdup(value), .line = r->line, .sec = r->n_secs - 1 };
	(void)section;
	return 1;
}

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

static void build_target(struct experiment *x, struct section *s, struct target_spec *t,
			 struct diag *d)
{
	t->name = xstrdup(s->name);
	t->line = s->line;
	t->sec = s;
	t->pid = (pid_t)section_int(s, "pid");
	t->pidfile = section_str(s, "pidfile");
	t->process = section_str(s, "process");
	t->cgroup = section_str(s, "cgroup");
	t->command = section_str(s, "command");
	t->user = section_str(s, "user");
	t->cmdline = section_get(s, "cmdline")->present ? section_get(s, "cmdline")->regex : NULL;
	t->cmdline_src = section_str(s, "cmdline");
	t->pick = section_get(s, "pick")->pick;
	t->netns = section_str(s, "netns");
	model_check_target(x, t, d);
}

static void build_fault(struct experiment *x, struct section *s, struct fault_spec *f,
			struct diag *d)
{
	const struct opt_value *dur = section_get(s, "duration"), *every = section_get(s, "every");

	f->name = xstrdup(s->name);
	f->line = s->line;
	f->sec = s;
	f->at_us = section_usec(s, "at");
	f->duration_us = dur->present ? dur->usec : 0;
	f->every_us = every->present ? every->usec : 0;
	model_check_fault(x, f, d);
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
	model_check_probe(x, p, d);
}

static const char *entry_value(struct reader *r, size_t sec, const char *key, unsigned *line)
{
	for (size_t k = r->sec_start[sec]; k < r->sec_start[sec + 1]; k++) {
		const struct entry *e = &r->ents[r->by_sec[k]];

		if (!strcmp(e->key, key)) {
			*line = e->line;
			return e->value;
		}
	}
	return NULL;
}

/* Group the entries by section (a counting sort, in file order within
 * each), so that a section's keys are found without reading the others':
 * validation stays linear in the size of the file. */
static void index_entries(struct experiment *x, struct reader *r)
{
	size_t *next = xcalloc(x->n_sections + 1, sizeof(*next));

	r->sec_start = xcalloc(x->n_sections + 2, sizeof(*r->sec_start));
	r->by_sec = xcalloc(r->n_ents + 1, sizeof(*r->by_sec));
	for (size_t e = 0; e < r->n_ents; e++)
		if (r->ents[e].sec != SIZE_MAX)
			r->sec_start[r->ents[e].sec + 1]++;
	for (size_t i = 0; i < x->n_sections; i++)
		r->sec_start[i + 1] += r->sec_start[i];
	memcpy(next, r->sec_start, x->n_sections * sizeof(*next));
	for (size_t e = 0; e < r->n_ents; e++)
		if (r->ents[e].sec != SIZE_MAX)
			r->by_sec[next[r->ents[e].sec]++] = e;
	free(next);
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
		h = model_sandbox_host(x, name);
		if (h < 0) {
			if (!x->sandbox.n_hosts)
				diag_error(d, e->line, label, e->key,
					   "${host.%s} names a sandbox host, but there is no [sandbox] section", name);
			else
				model_unknown_name(d, e->line, label, e->key, "sandbox host", name,
						   model_at_host, x);
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

/* [experiment] annotate: an http:// or https:// URL with a host, and no
 * space or control character (libcurl checks the rest when it posts). */
static void build_annotate(struct experiment *x, const struct section *s, struct diag *d)
{
	const struct opt_value *v = section_get(s, "annotate");
	const char *url = section_str(s, "annotate"), *rest;

	if (!url)
		return;
	if (!strncasecmp(url, "http://", 7))
		rest = url + 7;
	else if (!strncasecmp(url, "https://", 8))
		rest = url + 8;
	else {
		diag_error(d, v->line, s->label, "annotate",
			   "\"%s\" is not an http:// or https:// URL: events are posted over HTTP only", url);
		return;
	}
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			diag_error(d, v->line, s->label, "annotate",
				   "\"%s\" has a space or control character: percent-encode it", url);
			return;
		}
	if (!*rest || *rest == '/' || *rest == '?' || *rest == '#') {
		diag_error(d, v->line, s->label, "annotate", "\"%s\" names no host", url);
		return;
	}
	x->annotate = xstrdup(url);
}

/* Read [sandbox] first (its hosts' addresses are used everywhere), then
 * expand ${host.NAME} in every value. */
static void build_sandbox(struct experiment *x, struct reader *r, struct diag *d)
{
	struct sandbox_spec *sp = &x->sandbox;
	size_t idx = SIZE_MAX;
	unsigned line = 0, sline = 0;
	const char *hosts, *subnet;
	size_t cap_hosts = 0, cap_addrs = 0;
	uint64_t size;		/* a /0 holds 2^32 addresses */
	uint32_t base;

	for (size_t i = 0; i < x->n_sections; i++)
		if (!strcmp(x->sections[i].kind, "sandbox"))
			idx = i;
	if (idx != SIZE_MAX && (hosts = entry_value(r, idx, "hosts", &line))) {
		_cleanup_free_ char *copy = xstrdup(hosts);
		char *save = NULL;

		sp->line = x->sections[idx].line;
		sp->subnet = (struct cidr){ .family = AF_INET, .prefix = 24, .addr = { 10, 237, 0, 0 } };
		subnet = entry_value(r, idx, "subnet", &sline);
		if (subnet) {
			struct cidr c;

			/* A rejected subnet leaves the default in place. */
			if (parse_cidr(subnet, &c) < 0 || c.family != AF_INET)
				diag_error(d, sline, "sandbox", "subnet",
					   "\"%s\" is not an IPv4 network like 10.237.0.0/24", subnet);
			else
				sp->subnet = c;
		}
		for (char *tok = strtok_r(copy, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save)) {
			bool ok = strlen(tok) <= 32 && strspn(tok, "abcdefghijklmnopqrstuvwxyz"
								"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == strlen(tok);
			if (!ok) {
				diag_error(d, line, "sandbox", "hosts",
					   "\"%s\" is not a host name (letters, digits, - and _, at most 32)", tok);
				continue;
			}
			if (model_sandbox_host(x, tok) >= 0) {
				diag_error(d, line, "sandbox", "hosts", "host \"%s\" is named twice", tok);
				continue;
			}
			GROW(sp->hosts, cap_hosts, sp->n_hosts + 1);
			GROW(sp->addrs, cap_addrs, sp->n_hosts + 1);
			sp->hosts[sp->n_hosts] = xstrdup(tok);
			sp->addrs[sp->n_hosts] = NULL;
			(void)strmap_add(&x->host_index, sp->hosts[sp->n_hosts], sp->n_hosts);
			sp->n_hosts++;
		}
		size = sp->subnet.prefix >= 32 ? 1 : UINT64_C(1) << (32 - sp->subnet.prefix);
		if (sp->n_hosts + 2 > size)	/* less the network and broadcast addresses */
			diag_error(d, line, "sandbox", "hosts", "%zu %s not fit in a /%u, which has room for %llu",
				   sp->n_hosts, sp->n_hosts == 1 ? "host does" : "hosts do", sp->subnet.prefix,
				   (unsigned long long)(size < 2 ? 0 : size - 2));
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

/* Check the section headers; keep the good sections in x->sections and
 * point the entries at them (SIZE_MAX: their section was dropped). */
static void build_sections(struct experiment *x, struct reader *r, struct diag *d)
{
	_cleanup_free_ size_t *map = xcalloc(r->n_secs + 1, sizeof(size_t));
	struct strmap labels = { 0 };	/* label to index in x->sections */
	unsigned exp_line = 0, sandbox_line = 0;

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
			size_t j = ok ? strmap_get(&labels, s->label) : SIZE_MAX;

			if (j != SIZE_MAX) {
				diag_error(d, s->line, s->label, NULL,
					   "duplicate section (first on line %u)", x->sections[j].line);
				ok = false;
			}
		} else {
			model_unknown_name(d, s->line, NULL, NULL, "section kind", kind, model_at_kind, NULL);
			ok = false;
		}
		if (!ok) {	/* its keys are not checked further */
			model_section_clear(s);
			*s = (struct section){ 0 };
			continue;
		}
		s->tables[0] = model_kind_table(kind);
		(void)strmap_add(&labels, s->label, x->n_sections);
		map[i] = x->n_sections++;
	}
	strmap_free(&labels);
	for (size_t e = 0; e < r->n_ents; e++)
		r->ents[e].sec = map[r->ents[e].sec];
	if (!exp_line)
		diag_error(d, 0, NULL, NULL, "missing [experiment] section (with at least name = ...)");
}

static size_t count_kind(const struct experiment *x, const char *kind)
{
	size_t n = 0;

	for (size_t i = 0; i < x->n_sections; i++)
		n += !strcmp(x->sections[i].kind, kind);
	return n;
}

/* Resolve the type of every fault and probe section in cat. Types come
 * first: they decide which type table a section's keys meet. */
static void resolve_types(struct experiment *x, struct reader *r, const struct model_catalog *cat,
			  struct diag *d)
{
	for (size_t i = 0, fi = 0, pi = 0; i < x->n_sections; i++) {
		struct section *s = &x->sections[i];
		bool is_fault = !strcmp(s->kind, "fault");
		unsigned line = s->line;
		const char *type;

		if (!is_fault && strcmp(s->kind, "probe"))
			continue;
		type = entry_value(r, i, "type", &line);
		if (!type) {
			/* reported as missing by model_check_section */
		} else if (is_fault) {
			const struct fault_type *ft = catalog_fault(cat, type);
			if (!ft)
				model_unknown_name(d, line, s->label, "type", "fault type", type,
						   at_fault, cat);
			else
				s->tables[1] = ft->options;
			x->faults[fi].type = ft;
		} else {
			const struct probe_type *pt = catalog_probe(cat, type);
			if (!pt)
				model_unknown_name(d, line, s->label, "type", "probe type", type,
						   at_probe, cat);
			else
				s->tables[1] = pt->options;
			x->probes[pi].type = pt;
		}
		if (is_fault)
			fi++;
		else
			pi++;
	}
}

static void build(struct experiment *x, struct reader *r, const struct model_catalog *cat,
		  struct diag *d)
{
	size_t np;

	build_sections(x, r, d);
	index_entries(x, r);
	np = count_kind(x, "probe");
	if (!np)
		diag_error(d, 0, NULL, NULL,
			   "no [probe NAME] section: an experiment needs at least one probe to judge recovery");
	x->targets = xcalloc(count_kind(x, "target") + 1, sizeof(*x->targets));
	x->faults = xcalloc(count_kind(x, "fault") + 1, sizeof(*x->faults));
	x->probes = xcalloc(np + 1, sizeof(*x->probes));

	resolve_types(x, r, cat, d);
	build_sandbox(x, r, d);
	for (size_t i = 0; i < x->n_sections; i++)
		model_check_section(&x->sections[i], r->ents, r->by_sec + r->sec_start[i],
				    r->sec_start[i + 1] - r->sec_start[i], d);

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
			x->hold_us = section_usec(s, "hold");
			x->halt_on_lost_tolerance = section_int(s, "halt_on_lost_tolerance");
			build_annotate(x, s, d);
		} else if (!strcmp(s->kind, "target")) {
			(void)strmap_add(&x->target_index, s->name, x->n_targets);
			build_target(x, s, &x->targets[x->n_targets++], d);
		}
	}
	model_check_within(x, d);
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
	for (size_t i = 0; i < x->n_probes; i++)
		model_check_detects(x, &x->probes[i], d);
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
	free(r.by_sec);
	free(r.sec_start);
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
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	int e = errno;

	if (fd < 0) {
		d->file = path;
		diag_error(d, 0, NULL, NULL, "cannot read: %s", strerror(e));
		return -e;
	}
	return experiment_load_fd(fd, path, cat, d, ret);
}

int experiment_load_fd(int fd, const char *path, const struct model_catalog *cat, struct diag *d,
		       struct experiment **ret)
{
	_cleanup_free_ char *text = NULL;
	ssize_t n = read_fd_max(fd, (1 << 20) + 1, &text);

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
	for (size_t i = 0; i < x->n_sections; i++)
		model_section_clear(&x->sections[i]);
	for (size_t i = 0; i < x->n_targets; i++)
		free(x->targets[i].name);
	for (size_t i = 0; i < x->n_faults; i++)
		free(x->faults[i].name);
	for (size_t i = 0; i < x->n_probes; i++) {
		free(x->probes[i].name);
		free(x->probes[i].detects);
	}
	for (size_t i = 0; i < x->sandbox.n_hosts; i++) {
		free(x->sandbox.hosts[i]);
		free(x->sandbox.addrs[i]);
	}
	free(x->sandbox.hosts);
	free(x->sandbox.addrs);
	strmap_free(&x->target_index);
	strmap_free(&x->host_index);
	free(x->sections);
	free(x->targets);
	free(x->faults);
	free(x->probes);
	free(x->file);
	free(x->name);
	free(x->description);
	free(x->annotate);
	free(x);
}
