/* SPDX-License-Identifier: MIT */
/* `erebus plan`: what a run would do, resolved against the machine now. */
#include <assert.h>
#include "erebus/fault.h"
#include "erebus/netfault.h"
#include "erebus/netns.h"
#include "erebus/plan.h"
#include "erebus/probe.h"
#include "erebus/privs.h"
#include "erebus/target.h"
#include "internal.h"

static void plan_target(const struct experiment *x, const struct target_spec *t, FILE *out, int *code)
{
	struct target_state ts = { .spec = t, .child_pidfd = -1, .netns_fd = -1 };
	struct proc_set ps = { 0 };
	_cleanup_free_ char *err = NULL;
	int r;

	fprintf(out, "  %s", t->name);
	if (t->command) {
		fprintf(out, ": launched by Erebus at the start of the run: %s", t->command);
		if (t->host >= 0)
			fprintf(out, " (in sandbox host %s, %s)", x->sandbox.hosts[t->host],
				x->sandbox.addrs[t->host]);
		if (t->process || t->cmdline_src)
			fprintf(out, " (acting on its processes matching %s%s)",
				t->process ? "process = " : "cmdline = ", t->process ? t->process : t->cmdline_src);
		fputc('\n', out);
		return;
	}
	if (target_netns_only(t)) {
		fprintf(out, ": network namespace %s\n", t->netns);
		return;
	}
	if (t->within) {
		fprintf(out, ": processes launched by [target %s]", t->within->name);
		if (t->process || t->cmdline_src)
			fprintf(out, " matching %s%s", t->process ? "process = " : "cmdline = ",
				t->process ? t->process : t->cmdline_src);
		fprintf(out, ", resolved when each fault fires\n");
		return;
	}
	r = target_match(&ts, &ps, &err);
	if (r < 0) {
		fprintf(out, ": ERROR %s\n", err);
		*code = 2;
	} else if (!r) {
		fprintf(out, ": ERROR no process matches now\n");
		*code = 2;
	} else {
		fprintf(out, ": %zu match%s now:", ps.n, ps.n == 1 ? "es" : "");
		for (size_t i = 0; i < ps.n && i < 10; i++)
			fprintf(out, " %d (%s)", (int)ps.v[i].pid, ps.v[i].comm);
		if (ps.n > 10)
			fprintf(out, " and %zu more", ps.n - 10);
		if (t->pick.kind == PICK_COUNT)
			fprintf(out, "; picks %g at random when each fault fires", t->pick.n);
		else if (t->pick.kind == PICK_PERCENT)
			fprintf(out, "; picks %g%% at random when each fault fires", t->pick.n);
		fputc('\n', out);
	}
	proc_set_free(&ps);
}

/* The network namespace target t acts in, if it can be found now, and
 * words for it; -1 when not (made by the run, nothing matches, no right
 * to look). */
static int target_netns_now(const struct target_spec *t, bool match, char **ret_where)
{
	struct target_state ts = { .spec = t, .child_pidfd = -1, .netns_fd = -1 };
	struct proc_set ps = { 0 };
	_cleanup_free_ char *err = NULL;
	int fd = -1;

	if (t->netns) {
		*ret_where = xasprintf("network namespace %s ([target %s] netns)", t->netns, t->name);
		return netns_open(t->netns);
	}
	if (!match || t->command || t->within || t->host >= 0 || target_match(&ts, &ps, &err) <= 0)
		return -1;
	fd = netns_open_pid(ps.v[0].pid);	/* plan only reads: no pidfd held */
	*ret_where = xasprintf("the network namespace of pid %d (%s), which [target %s] matches now",
			       (int)ps.v[0].pid, ps.v[0].comm, t->name);
	proc_set_free(&ps);
	return fd;
}

size_t engine_check_interfaces(const struct experiment *x, bool match, struct diag *d)
{
	size_t n = 0;

	assert(x && d);
	for (size_t i = 0; i < x->n_faults; i++) {
		const struct fault_spec *f = &x->faults[i];
		_cleanup_free_ char *where = NULL, *err = NULL;
		_cleanup_close_ int fd = -1;
		unsigned line;

		if (!(f->type->flags & FAULT_NETWORK) || !f->target || !section_has(f->sec, "interface") ||
		    (fd = target_netns_now(f->target, match, &where)) < 0)
			continue;
		if (net_match_find_interface(f->sec, fd, where, &line, &err) == -ENODEV) {
			diag_error(d, line, f->sec->label, "interface", "%s", err);
			n++;
		}
	}
	return n;
}

struct step {
	int64_t at;
	const struct fault_spec *f;
	bool end;
};

static int cmp_step(const void *a, const void *b)
{
	const struct step *x = a, *y = b;
	return (x->at > y->at) - (x->at < y->at);
}

int engine_plan(const struct experiment *x, FILE *out)
{
	struct step *steps = NULL;
	size_t n = 0, cap = 0;
	int code = 0;
	char a[32];

	assert(x && out);
	fprintf(out, "experiment %s (%s)\n", x->name, x->file);
	if (x->description)
		fprintf(out, "  %s\n", x->description);
	if (x->seed_set)
		fprintf(out, "seed: %llu\n", (unsigned long long)x->seed);
	else
		fprintf(out, "seed: chosen at random when the run starts (printed in the report)\n");
	if (x->annotate) {
		_cleanup_free_ char *shown = annotate_url_shown(x->annotate);
		fprintf(out, "annotate: POST a JSON event to %s at each fault applied and reverted\n", shown);
	}
	fprintf(out, "\ntargets:\n");
	for (size_t i = 0; i < x->n_targets; i++)
		plan_target(x, &x->targets[i], out, &code);
	fprintf(out, "\nprobes (all must be healthy within %s before any fault):\n",
		format_duration(x->steady_timeout_us, a, sizeof(a)));
	for (size_t i = 0; i < x->n_probes; i++) {
		const struct probe_spec *p = &x->probes[i];
		struct sbuf b = { 0 };
		p->type->describe(p, &b);
		fprintf(out, "  %s: %s\n", p->name, b.s ? b.s : p->type->name);
		fprintf(out, "    healthy after %u passes; %s", p->healthy_after,
			p->during == DURING_MAY_FAIL ? "may fail during the faults" : "must pass");
		if (p->during == DURING_MUST_PASS)
			fprintf(out, " %g%% of samples during the faults", p->tolerance);
		fprintf(out, "; healthy again within %s after\n",
			format_duration(p->recover_within_us, a, sizeof(a)));
		sbuf_free(&b);
	}

	for (size_t i = 0; i < x->n_faults; i++) {
		const struct fault_spec *f = &x->faults[i];
		GROW(steps, cap, n + 2);
		steps[n++] = (struct step){ f->at_us, f, false };
		if (f->duration_us && !f->every_us)
			steps[n++] = (struct step){ f->at_us + f->duration_us, f, true };
	}
	qsort(steps, n, sizeof(*steps), cmp_step);
	fprintf(out, "\ntimeline (from the start of the fault window):\n");
	for (size_t i = 0; i < n; i++) {
		struct sbuf b = { 0 };
		const char *why = NULL;

		fprintf(out, "  +%-8s %s: ", format_duration(steps[i].at, a, sizeof(a)), steps[i].f->name);
		if (steps[i].end) {
			fprintf(out, "revert (stop, then every undo record)\n");
			continue;
		}
		steps[i].f->type->describe(steps[i].f, &b);
		fprintf(out, "%s\n", b.s);
		if (fault_supported(steps[i].f, &why) < 0) {
			fprintf(out, "            NOT SUPPORTED here: %s\n", why);
			if (!code)
				code = 5;
		}
		sbuf_free(&b);
	}
	if (!n)
		fprintf(out, "  (no faults)\n");
	fprintf(out, "  +%-8s the fault window ends; each probe must recover\n",
		format_duration(experiment_window_us(x), a, sizeof(a)));
	{
		char names[512];
		uint64_t keep = engine_caps_needed(x, &(struct run_opts){ 0 });
		if (keep)
			fprintf(out, "\nprivileges: after setup, a run as root keeps %s and drops every other capability\n",
				privs_format(keep, names, sizeof(names)));
		else
			fprintf(out, "\nprivileges: after setup, a run as root drops every capability\n");
	}
	free(steps);
	return code;
}
