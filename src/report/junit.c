/* SPDX-License-Identifier: MIT */
/*
 * JUnit XML, in the shape Jenkins and GitLab read (tests/junit.xsd): one
 * testsuite per experiment; per probe one testcase for each phase (steady
 * state, fault window, recovery, impact) and one for the effect of each
 * fault on it, classname EXPERIMENT.PROBE; one per fault
 * (EXPERIMENT.faults); one for cleanup. Times are seconds.
 */
#include <assert.h>
#include <time.h>

#include "erebus/report.h"

struct tcase {
	char *classname, *name;
	int64_t time_us;
	enum outcome outcome;
	const char *type;	/* failure or error type */
	char *message;		/* why, or what passed */
	char *detail;		/* the failure body: figures; may be NULL */
};

struct suite {
	struct tcase *v;
	size_t n, cap;
	unsigned count[OUTCOME_SKIPPED + 1];
};

static struct tcase *add(struct suite *s, char *classname, char *name, int64_t time_us)
{
	struct tcase *t;

	GROW(s->v, s->cap, s->n + 1);
	t = &s->v[s->n++];
	*t = (struct tcase){ .classname = classname, .name = name, .time_us = time_us < 0 ? 0 : time_us };
	return t;
}

/* Seconds with three decimals, rounded to the nearest millisecond. */
static void seconds(struct sbuf *b, int64_t us)
{
	int64_t ms = (us + 500) / 1000;

	sbuf_addf(b, "%lld.%03lld", (long long)(ms / 1000), (long long)(ms % 1000));
}

static void ms_or_dash(struct sbuf *b, const char *label, int64_t us)
{
	char a[32];

	sbuf_addf(b, "%s %s", label, us < 0 ? "-" : format_duration(us, a, sizeof(a)));
}

/* How the probe was sampled, on lines of their own, when a reader of its
 * figures must know (report_probe_warnings()). */
static void add_warnings(struct sbuf *b, const struct report_probe *p)
{
	struct report_warning w[REPORT_PROBE_WARNINGS];
	size_t n = report_probe_warnings(p, w);

	for (size_t i = 0; i < n; i++) {
		sbuf_addf(b, "\nwarning: %s", w[i].message);
		free(w[i].message);
	}
}

/* The figures of one phase, for the testcase's output. */
static char *phase_figures(const struct report *r, const struct report_probe *p, enum phase ph)
{
	const struct report_phase *f = &p->phases[ph];
	struct sbuf b = { 0 };

	sbuf_addf(&b, "%s %s: %u samples, %u failed", p->name, phase_titles[ph], f->samples, f->failures);
	if (r->schema >= 2 && f->slots)
		sbuf_addf(&b, ", available %.1f%% of %u slots", report_pct1(f->availability), f->slots);
	else if (r->schema < 2 && f->samples)
		sbuf_addf(&b, ", availability %.1f%%", f->availability * 100.0);
	sbuf_add(&b, "; latency ");
	ms_or_dash(&b, "p50", f->p50);
	ms_or_dash(&b, ", p95", f->p95);
	ms_or_dash(&b, ", p99", f->p99);
	ms_or_dash(&b, ", max", f->max);
	if (ph == PHASE_AFTER) {
		ms_or_dash(&b, "; time to detect", p->time_to_detect_us);
		ms_or_dash(&b, ", time to recover", p->time_to_recover_us);
	}
	add_warnings(&b, p);
	return sbuf_take(&b);
}

static int64_t phase_time(const struct report *r, const struct report_probe *p, enum phase ph)
{
	int64_t end = report_end_us(r);

	switch (ph) {
	case PHASE_BEFORE:
		return r->steady_at_us >= 0 ? r->steady_at_us : end;
	case PHASE_DURING:
		if (r->window_start_us < 0)
			return 0;
		return (r->window_end_us >= 0 ? r->window_end_us : end) - r->window_start_us;
	case PHASE_IMPACT:
		if (r->schema < 2 || r->impact_start_us < 0)
			return 0;
		return (r->ended_us >= 0 ? r->ended_us : end) - r->impact_start_us;
	default:
		if (r->window_end_us < 0)
			return 0;
		for (size_t i = 0; i < r->n_events; i++)
			if (!strcmp(r->events[i].kind, "probe.recovered") && r->events[i].subject &&
			    !strcmp(r->events[i].subject, p->name))
				return r->events[i].t_us - r->window_end_us;
		return end - r->window_end_us;
	}
}

/* The failure type of a probe's phase testcase: what was judged there. */
static const char *failure_type(const struct report *r, const struct report_probe *p, enum phase ph)
{
	switch (ph) {
	case PHASE_BEFORE:
		return "steady-state";
	case PHASE_DURING:
		return "tolerance";	/* erebus.report/1 only; /2 judges it over the impact */
	case PHASE_AFTER:
		return p->reason && !strncmp(p->reason, "relapsed", 8) ? "relapse" : "recovery";
	default:
		return report_probe_halted(r, p) ? "halt" : "tolerance";
	}
}

/* The figures of fault f's effect on probe number j: its effect window,
 * and the outages that belong to it. */
static char *effect_figures(const struct report *r, size_t fi, size_t j)
{
	const struct report_fault *f = &r->faults[fi];
	const struct report_probe *p = &r->probes[j];
	const struct report_phase *w;
	struct sbuf b = { 0 };
	char a[32];

	sbuf_addf(&b, "%s under %s", p->name, f->name);
	if (r->schema < 2 || !f->effects || f->applied_at_us < 0)
		return sbuf_take(&b);
	w = &f->effects[j].span;
	sbuf_addf(&b, ": effect window %u samples, %u failed", w->samples, w->failures);
	if (w->slots)
		sbuf_addf(&b, ", available %.1f%% of %u slots", report_pct1(w->availability), w->slots);
	sbuf_add(&b, "; latency ");
	ms_or_dash(&b, "p50", w->p50);
	ms_or_dash(&b, ", p95", w->p95);
	ms_or_dash(&b, ", p99", w->p99);
	ms_or_dash(&b, ", max", w->max);
	ms_or_dash(&b, "; time to detect", f->effects[j].detect_us);
	ms_or_dash(&b, ", to mitigate", f->effects[j].mitigate_us);
	ms_or_dash(&b, ", to recover", f->effects[j].recover_us);
	ms_or_dash(&b, "; down", f->effects[j].down_us);
	for (size_t i = 0, k = 0; i < p->n_outages; i++) {
		const struct report_outage *o = &p->outages[i];
		if (o->fault != (int)fi)
			continue;
		sbuf_addf(&b, "%s+%s", k++ ? ", " : "; outages: ", format_duration(o->start_us, a, sizeof(a)));
		if (o->end_us >= 0)
			sbuf_addf(&b, " to +%s", format_duration(o->end_us, a, sizeof(a)));
		else
			sbuf_add(&b, " to the end (never healthy again)");
	}
	if (f->missed) {
		_cleanup_free_ char *m = report_fault_warning(f);
		sbuf_addf(&b, "\nwarning: %s", m);
	}
	return sbuf_take(&b);
}

/* One testcase per phase of probe number j, then one per fault: what
 * that fault did to it. */
static void probe_cases(const struct report *r, size_t j, struct suite *s)
{
	const struct report_probe *p = &r->probes[j];
	struct tcase *t;

	for (int ph = 0; ph < PHASE_COUNT; ph++) {
		t = add(s, xasprintf("%s.%s", r->experiment, p->name), xstrdup(phase_titles[ph]), phase_time(r, p, ph));
		t->outcome = report_phase_outcome(r, p, ph, &t->message);
		t->type = t->outcome == OUTCOME_ERROR ? verdict_name(r->verdict) : failure_type(r, p, ph);
		t->detail = phase_figures(r, p, ph);
	}
	for (size_t i = 0; i < r->n_faults; i++) {
		const struct report_fault *f = &r->faults[i];
		int64_t judged = 0;

		if (r->schema >= 2 && f->effects)
			judged = (int64_t)f->effects[j].span.slots * p->interval_us;
		t = add(s, xasprintf("%s.%s", r->experiment, p->name), xasprintf("effect of %s", f->name), judged);
		t->outcome = report_effect_outcome(r, i, j, &t->message);
		t->type = "effect";
		t->detail = effect_figures(r, i, j);
	}
}

static void build(const struct report *r, struct suite *s)
{
	bool cleanup_failed = r->verdict == VERDICT_CLEANUP_FAILED;
	struct tcase *t;

	for (size_t i = 0; i < r->n_probes; i++)
		probe_cases(r, i, s);

	for (size_t i = 0; i < r->n_faults; i++) {
		const struct report_fault *f = &r->faults[i];
		int64_t applied = 0;
		struct sbuf b = { 0 };

		for (size_t j = 0; j < f->n_windows; j++)
			if (f->windows[j].end_us >= 0)
				applied += f->windows[j].end_us - f->windows[j].start_us;
		t = add(s, xasprintf("%s.faults", r->experiment), xstrdup(f->name), applied);
		t->type = "fault";
		sbuf_addf(&b, "%s (%s): %s; applied %u time%s", f->name, f->type, f->description, f->applications,
			  f->applications == 1 ? "" : "s");
		for (size_t j = 0; j < f->n_targets; j++)
			sbuf_addf(&b, "%s%d (%s)", j ? ", " : " to ", (int)f->targets[j].pid, f->targets[j].comm);
		t->detail = sbuf_take(&b);
		if (f->error) {
			t->outcome = OUTCOME_FAILED;
			t->message = xasprintf("%s: %s", f->name, f->error);
		} else if (!f->applications) {
			t->outcome = OUTCOME_SKIPPED;
			t->message = xstrdup(r->window_start_us < 0 ? "not applied: the fault window was not reached"
								    : "not applied: the run stopped before its time");
		} else {
			t->message = xstrdup(t->detail);
		}
	}

	t = add(s, xstrdup(r->experiment), xstrdup("cleanup"), 0);
	t->type = "cleanup";
	if (cleanup_failed || r->n_leftovers) {
		struct sbuf b = { 0 };
		sbuf_add(&b, "cleanup: not everything Erebus changed was undone; check the host");
		for (size_t i = 0; i < r->n_events; i++)
			if (!strcmp(r->events[i].kind, "fault.revert-failed"))
				sbuf_addf(&b, "; %s: %s", r->events[i].subject ? r->events[i].subject : "-",
					  r->events[i].detail);
		for (size_t i = 0; i < r->n_leftovers; i++)
			sbuf_addf(&b, "; still there: %s", r->leftovers[i]);
		t->outcome = OUTCOME_FAILED;
		t->message = sbuf_take(&b);
	} else {
		size_t applied = 0;
		for (size_t i = 0; i < r->n_faults; i++)
			applied += r->faults[i].applications > 0;
		t->message = applied ? xasprintf("every fault applied (%zu) was reverted%s", applied,
						 r->cleanup_checked ? ", and the check found nothing left" : "")
				     : xstrdup("nothing was applied, nothing to revert");
	}

	/* A run that did not pass must show red, whatever the cases above say. */
	for (size_t i = 0; i < s->n; i++)
		s->count[s->v[i].outcome]++;
	if (r->verdict != VERDICT_PASSED && !s->count[OUTCOME_FAILED] && !s->count[OUTCOME_ERROR]) {
		t = add(s, xstrdup(r->experiment), xstrdup("verdict"), 0);
		t->outcome = OUTCOME_ERROR;
		t->type = verdict_name(r->verdict);
		t->message = xasprintf("%s: %s", verdict_name(r->verdict), r->reason ? r->reason : "-");
		s->count[OUTCOME_ERROR]++;
	}
}

static void counts(struct sbuf *b, const struct suite *s, int64_t time_us)
{
	sbuf_addf(b, " tests=\"%zu\" failures=\"%u\" errors=\"%u\" skipped=\"%u\" time=\"", s->n,
		  s->count[OUTCOME_FAILED], s->count[OUTCOME_ERROR], s->count[OUTCOME_SKIPPED]);
	seconds(b, time_us);
	sbuf_add(b, "\"");
}

static void attr(struct sbuf *b, const char *name, const char *value)
{
	sbuf_addf(b, " %s=\"", name);
	sbuf_add_xml(b, value, true);
	sbuf_add(b, "\"");
}

static void property(struct sbuf *b, const char *name, const char *value)
{
	sbuf_add(b, "      <property");
	attr(b, "name", name);
	attr(b, "value", value);
	sbuf_add(b, "/>\n");
}

static void render_case(struct sbuf *b, const struct tcase *t)
{
	static const char *const tags[] = { [OUTCOME_FAILED] = "failure", [OUTCOME_ERROR] = "error" };

	sbuf_add(b, "    <testcase");
	attr(b, "name", t->name);
	attr(b, "classname", t->classname);
	sbuf_add(b, " time=\"");
	seconds(b, t->time_us);
	sbuf_add(b, "\">\n");
	switch (t->outcome) {
	case OUTCOME_FAILED:
	case OUTCOME_ERROR:
		sbuf_addf(b, "      <%s", tags[t->outcome]);
		attr(b, "message", t->message);
		attr(b, "type", t->type);
		sbuf_add(b, ">");
		sbuf_add_xml(b, t->message, false);
		if (t->detail) {
			sbuf_add(b, "\n");
			sbuf_add_xml(b, t->detail, false);
		}
		sbuf_addf(b, "</%s>\n", tags[t->outcome]);
		break;
	case OUTCOME_SKIPPED:
		sbuf_add(b, "      <skipped");
		attr(b, "message", t->message);
		sbuf_add(b, "/>\n");
		break;
	case OUTCOME_PASSED:
		sbuf_add(b, "      <system-out>");
		sbuf_add_xml(b, t->message, false);
		if (t->detail && strcmp(t->detail, t->message)) {
			sbuf_add(b, "\n");
			sbuf_add_xml(b, t->detail, false);
		}
		sbuf_add(b, "</system-out>\n");
		break;
	}
	sbuf_add(b, "    </testcase>\n");
}

void report_render_junit(const struct report *r, struct sbuf *b)
{
	struct suite s = { 0 };
	int64_t duration;
	char ts[32], a[32];

	assert(r && b);
	duration = r->finished_at > r->started_at ? r->finished_at - r->started_at : 0;	time_t t = (time_t)(r->started_at / USEC_PER_SEC);
	struct tm tm;

	build(r, &s);
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);

	sbuf_add(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"erebus\"");
	counts(b, &s, duration);
	sbuf_add(b, ">\n  <testsuite");
	attr(b, "name", r->experiment);
	counts(b, &s, duration);
	sbuf_addf(b, " timestamp=\"%s\"", ts);
	sbuf_add(b, ">\n    <properties>\n");
	property(b, "verdict", verdict_name(r->verdict));
	snprintf(a, sizeof(a), "%d", verdict_exit_code(r->verdict));
	property(b, "exit_code", a);
	if (r->reason)
		property(b, "reason", r->reason);
	if (r->description)
		property(b, "description", r->description);
	snprintf(a, sizeof(a), "%llu", (unsigned long long)r->seed);
	property(b, "seed", a);
	property(b, "file", r->file ? r->file : "");
	snprintf(a, sizeof(a), "erebus.report/%d", r->schema);
	property(b, "schema", a);
	sbuf_add(b, "    </properties>\n");
	for (size_t i = 0; i < s.n; i++)
		render_case(b, &s.v[i]);

	/* The timeline, as the run logged it. */
	sbuf_add(b, "    <system-out>experiment ");
	sbuf_add_xml(b, r->experiment, false);
	sbuf_addf(b, ": %s (exit %d)", verdict_name(r->verdict), verdict_exit_code(r->verdict));
	for (size_t i = 0; i < r->n_events; i++) {
		const struct report_event *e = &r->events[i];
		char line[64];
		snprintf(line, sizeof(line), "\n%+9.3fs %-15s ", (double)e->t_us / 1e6, e->kind);
		sbuf_add_xml(b, line, false);
		if (e->subject) {
			sbuf_add_xml(b, e->subject, false);
			sbuf_add(b, ": ");
		}
		sbuf_add_xml(b, e->detail, false);
	}
	sbuf_add(b, "</system-out>\n  </testsuite>\n</testsuites>\n");

	for (size_t i = 0; i < s.n; i++) {
		free(s.v[i].classname);
		free(s.v[i].name);
		free(s.v[i].message);
		free(s.v[i].detail);
	}
	free(s.v);
}
