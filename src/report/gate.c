/* SPDX-License-Identifier: MIT */
/* `erebus gate`: thresholds and a baseline comparison over saved reports. */
#include <assert.h>
#include <math.h>

#include "erebus/gate.h"

static bool named(const char *const *v, size_t n, const char *name)
{
	if (!n)
		return true;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return true;
	return false;
}

/* A probe that degraded during the run and was not healthy again. */
static bool unrecovered(const struct report *r, const struct report_probe *p)
{
	return r->window_end_us >= 0 && r->n_faults && !report_probe_recovered(r, p);
}

/* Does r carry per-fault figures (erebus.report/2, and a run that got
 * to judge them)? */
static bool has_effects(const struct report *r)
{
	return r->schema >= 2 && r->n_faults && r->faults[0].effects;
}

static void breach(struct sbuf *b, size_t *count, const struct gate_input *in, const struct report_probe *p,
		   const char *fmt, ...) _printf_(5, 6);
static void breach(struct sbuf *b, size_t *count, const struct gate_input *in, const struct report_probe *p,
		   const char *fmt, ...)
{
	va_list ap;

	sbuf_addf(b, "%s: %s: ", in->file, in->report->experiment);
	if (p)
		sbuf_addf(b, "%s: ", p->name);
	va_start(ap, fmt);
	sbuf_vaddf(b, fmt, ap);
	va_end(ap);
	sbuf_add(b, "\n");
	(*count)++;
}

static double pct1(double share) { return floor(share * 1000.0 + 1e-6) / 10.0; }

/* The first line: what this gate applies, so a CI log says what passed. */
static void say_thresholds(const struct gate_opts *o, struct sbuf *out)
{
	char a[32];

	sbuf_add(out, "gate: every report passed");
	if (o->max_recovery_us >= 0)
		sbuf_addf(out, ", time to recover at most %s", format_duration(o->max_recovery_us, a, sizeof(a)));
	if (o->max_detect_us >= 0)
		sbuf_addf(out, ", time to detect at most %s", format_duration(o->max_detect_us, a, sizeof(a)));
	if (o->max_alert_us >= 0)
		sbuf_addf(out, ", monitoring alerting within %s", format_duration(o->max_alert_us, a, sizeof(a)));
	if (o->min_availability >= 0)
		sbuf_addf(out, ", availability at least %g%% over the impact phase", o->min_availability);
	sbuf_add(out, "; probes: ");
	for (size_t i = 0; i < o->n_probes; i++)
		sbuf_addf(out, "%s%s", i ? ", " : "", o->probes[i]);
	sbuf_add(out, o->n_probes ? "; faults: " : "all; faults: ");
	for (size_t i = 0; i < o->n_faults; i++)
		sbuf_addf(out, "%s%s", i ? ", " : "", o->faults[i]);
	sbuf_add(out, o->n_faults ? "\n" : "all\n");
}

/* Is ph's availability (over span, which this frees) at least min? A
 * share that is unknown though samples were taken (no whole slot of the
 * grid in the span) is a breach, never a pass. */
static void availability_breach(struct sbuf *b, size_t *count, const struct gate_input *in,
				 const struct report_probe *p, const struct report_phase *ph, char *span, double min)
{
	if (isnan(ph->availability))
		breach(b, count, in, p, "availability unknown %s (%u samples, no slot judged): --min-availability %g%% "
		       "cannot be shown to hold", span, ph->samples, min);
	else if (ph->availability * 100.0 < min - 1e-9)
		breach(b, count, in, p, "availability %.1f%% %s is under --min-availability %g%%",
		       pct1(ph->availability), span, min);
	free(span);
}

/* A detector probe j: for each fault it detects that took effect, it
 * fired within --max-alert. */
static void alert_thresholds(const struct gate_input *in, const struct gate_opts *o, size_t j, struct sbuf *b,
			     size_t *count)
{
	const struct report *r = in->report;
	const struct report_probe *p = &r->probes[j];
	char a[32], c[32];

	for (size_t i = 0; o->max_alert_us >= 0 && has_effects(r) && i < r->n_faults; i++) {
		const struct report_fault *f = &r->faults[i];
		const struct report_effect *e = &f->effects[j];

		if (!named(o->faults, o->n_faults, f->name) || !p->detects || !p->detects[i] || f->applied_at_us < 0)
			continue;
		if (e->alert_us < 0)
			breach(b, count, in, p, "did not fire for [fault %s] (--max-alert %s)", f->name,
			       format_duration(o->max_alert_us, c, sizeof(c)));
		else if (e->alert_us > o->max_alert_us)
			breach(b, count, in, p, "time to alert %s after [fault %s] is over --max-alert %s",
			       format_duration(e->alert_us, a, sizeof(a)), f->name,
			       format_duration(o->max_alert_us, c, sizeof(c)));
	}
}

/* Per fault: detection, recovery and availability while it acted. */
static void fault_thresholds(const struct gate_input *in, const struct gate_opts *o, size_t j, struct sbuf *b,
			     size_t *count)
{
	const struct report *r = in->report;
	const struct report_probe *p = &r->probes[j];
	char a[32], c[32];

	for (size_t i = 0; i < r->n_faults; i++) {
		const struct report_fault *f = &r->faults[i];
		const struct report_effect *e = &f->effects[j];

		if (!named(o->faults, o->n_faults, f->name))
			continue;
		if (o->max_detect_us >= 0 && e->detect_us > o->max_detect_us)
			breach(b, count, in, p, "time to detect %s after [fault %s] is over --max-detect %s",
			       format_duration(e->detect_us, a, sizeof(a)), f->name,
			       format_duration(o->max_detect_us, c, sizeof(c)));
		if (o->max_recovery_us >= 0 && e->recover_us > o->max_recovery_us)
			breach(b, count, in, p, "time to recover %s after [fault %s] is over --max-recovery %s",
			       format_duration(e->recover_us, a, sizeof(a)), f->name,
			       format_duration(o->max_recovery_us, c, sizeof(c)));
		if (o->n_faults && o->min_availability >= 0 && (e->span.slots || e->span.samples))
			availability_breach(b, count, in, p, &e->span, xasprintf("while [fault %s] acted", f->name),
					    o->min_availability);
	}
}

static void thresholds(const struct gate_input *in, const struct gate_opts *o, struct sbuf *b, size_t *count)
{
	const struct report *r = in->report;
	char a[32], c[32];

	if (r->verdict != VERDICT_PASSED)
		breach(b, count, in, NULL, "verdict %s (exit %d): %s", verdict_name(r->verdict),
		       verdict_exit_code(r->verdict), r->reason ? r->reason : "-");
	for (size_t i = 0; i < r->n_probes; i++) {
		const struct report_probe *p = &r->probes[i];
		const struct report_phase *ph = &p->phases[r->schema >= 2 ? PHASE_IMPACT : PHASE_DURING];

		if (!named(o->probes, o->n_probes, p->name))
			continue;
		if (p->detector) {	/* monitoring: meant to fail; judged on time to alert */
			alert_thresholds(in, o, i, b, count);
			continue;
		}
		if (has_effects(r)) {
			fault_thresholds(in, o, i, b, count);
		} else {	/* erebus.report/1: one figure per probe */
			if (o->max_recovery_us >= 0 && p->time_to_recover_us > o->max_recovery_us)
				breach(b, count, in, p, "time to recover %s is over --max-recovery %s",
				       format_duration(p->time_to_recover_us, a, sizeof(a)),
				       format_duration(o->max_recovery_us, c, sizeof(c)));
			if (o->max_detect_us >= 0 && p->time_to_detect_us > o->max_detect_us)
				breach(b, count, in, p, "time to detect %s is over --max-detect %s",
				       format_duration(p->time_to_detect_us, a, sizeof(a)),
				       format_duration(o->max_detect_us, c, sizeof(c)));
		}
		if (o->max_recovery_us >= 0 && unrecovered(r, p))
			breach(b, count, in, p, "did not recover (--max-recovery %s)",
			       format_duration(o->max_recovery_us, c, sizeof(c)));
		if (o->min_availability >= 0 && r->window_start_us >= 0 && (ph->slots || ph->samples))
			availability_breach(b, count, in, p, ph,
					    xstrdup(r->schema >= 2 ? "over the impact phase"
								   : "of samples in the fault window (erebus.report/1)"),
					    o->min_availability);
	}
}

/* ---- against a baseline --------------------------------------------------- */

enum { V_NONE = -1, V_UNRECOVERED = -2, V_NEVER = -3 /* never degraded: 0 */ };

struct row {
	const char *file, *probe;
	char metric[96];
	int64_t base, now;	/* usec, or V_* */
	int64_t floor_us;	/* a growth smaller than this is noise */
	char change[16], result[40];
	bool worse;
};

/* Time to recover as a comparable value; V_NEVER (counted as 0) when the
 * probe never degraded. */
static int64_t ttr_value(const struct report *r, const struct report_probe *p)
{
	if (p->time_to_recover_us >= 0)
		return p->time_to_recover_us;
	if (unrecovered(r, p))
		return V_UNRECOVERED;
	return r->window_end_us >= 0 ? V_NEVER : V_NONE;
}

/* A fault's time to recover for probe j as a comparable value. */
static int64_t effect_ttr(const struct report *r, const struct report_fault *f, size_t j)
{
	const struct report_effect *e = &f->effects[j];

	if (e->recover_us >= 0)
		return e->recover_us;
	for (size_t k = 0; k < r->probes[j].n_outages; k++)
		if (r->probes[j].outages[k].end_us < 0 && r->probes[j].outages[k].fault == (int)(f - r->faults))
			return V_UNRECOVERED;
	return V_NEVER;
}

static const struct report_probe *find_probe(const struct report *r, const char *name, size_t *ret_i)
{
	for (size_t i = 0; i < r->n_probes; i++)
		if (!strcmp(r->probes[i].name, name)) {
			if (ret_i)
				*ret_i = i;
			return &r->probes[i];
		}
	return NULL;
}

static const struct report_fault *find_fault(const struct report *r, const char *name)
{
	for (size_t i = 0; i < r->n_faults; i++)
		if (!strcmp(r->faults[i].name, name))
			return &r->faults[i];
	return NULL;
}

static void judge_row(struct row *w, const struct gate_opts *o)
{
	int64_t base = w->base == V_NEVER ? 0 : w->base, now = w->now == V_NEVER ? 0 : w->now;
	char a[32];

	if (w->base == V_UNRECOVERED || w->base == V_NONE || w->now == V_NONE) {
		snprintf(w->result, sizeof(w->result), "not compared");
		return;
	}
	if (w->now == V_UNRECOVERED) {
		snprintf(w->change, sizeof(w->change), "-");
		snprintf(w->result, sizeof(w->result), "WORSE");
		w->worse = true;
		return;
	}
	if (base > 0)
		snprintf(w->change, sizeof(w->change), "%+.0f%%", 100.0 * (double)(now - base) / (double)base);
	else
		snprintf(w->change, sizeof(w->change), now > 0 ? "new" : "+0%%");
	if (now - base <= w->floor_us) {
		if (now > base)
			snprintf(w->result, sizeof(w->result), "ok (under %s)", format_duration(w->floor_us, a, sizeof(a)));
		else
			snprintf(w->result, sizeof(w->result), "ok");
		return;
	}
	if (base == 0 || 100.0 * (double)(now - base) / (double)base > o->max_regression + 1e-9) {
		snprintf(w->result, sizeof(w->result), "WORSE");
		w->worse = true;
	} else {
		snprintf(w->result, sizeof(w->result), "ok");
	}
}

static const char *value(int64_t v, char *buf, size_t len)
{
	if (v == V_UNRECOVERED)
		return "not recovered";
	if (v == V_NONE)
		return "-";
	if (v == V_NEVER)
		return "none";
	return format_duration(v, buf, len);
}

/* The noise floor of probe p's rows: --regression-floor, else one step of
 * its grid (a figure cannot be known finer), else 1ms (/1 reports). */
static int64_t floor_of(const struct gate_opts *o, const struct report_probe *p, const struct report_probe *bp)
{
	if (o->regression_floor_us >= 0)
		return o->regression_floor_us;
	if (p->interval_us > 0)
		return p->interval_us;
	if (bp && bp->interval_us > 0)
		return bp->interval_us;
	return USEC_PER_MSEC;
}

static struct row *add_row(struct row **rows, size_t *n, size_t *cap, const struct gate_input *in,
			   const struct report_probe *p, int64_t floor_us, int64_t base, int64_t now, const char *fmt, ...)
	_printf_(9, 10);
static struct row *add_row(struct row **rows, size_t *n, size_t *cap, const struct gate_input *in,
			   const struct report_probe *p, int64_t floor_us, int64_t base, int64_t now, const char *fmt, ...)
{
	struct row *w;
	va_list ap;

	GROW(*rows, *cap, *n + 1);
	w = &(*rows)[(*n)++];
	*w = (struct row){ .file = in->file, .probe = p->name, .base = base, .now = now, .floor_us = floor_us };
	va_start(ap, fmt);
	vsnprintf(w->metric, sizeof(w->metric), fmt, ap);
	va_end(ap);
	return w;
}

/* The rows of one report: per probe, and per fault where both have it. */
static void rows_of(const struct gate_input *in, const struct gate_opts *o, struct row **rows, size_t *n,
		    size_t *cap)
{
	const struct report *r = in->report, *base = o->baseline;
	bool v2 = r->schema >= 2 && base->schema >= 2;
	enum phase ph = v2 ? PHASE_IMPACT : PHASE_DURING;

	for (size_t j = 0; j < r->n_probes; j++) {
		const struct report_probe *p = &r->probes[j];
		size_t bj = 0;
		const struct report_probe *bp = find_probe(base, p->name, &bj);
		int64_t fl = floor_of(o, p, bp);
		size_t first = *n;

		if (!named(o->probes, o->n_probes, p->name) || p->detector)
			continue;
		add_row(rows, n, cap, in, p, fl, bp ? ttr_value(base, bp) : V_NONE, ttr_value(r, p), "time to recover");
		add_row(rows, n, cap, in, p, fl, bp ? bp->phases[ph].p95 : V_NONE, p->phases[ph].p95, "p95 %s",
			v2 ? "over the impact phase" : "in fault window");
		for (size_t i = 0; bp && has_effects(r) && has_effects(base) && i < r->n_faults; i++) {
			const struct report_fault *f = &r->faults[i], *bf = find_fault(base, f->name);
			if (!bf || !named(o->faults, o->n_faults, f->name))
				continue;
			add_row(rows, n, cap, in, p, fl, effect_ttr(base, bf, bj), effect_ttr(r, f, j),
				"time to recover after %s", f->name);
			add_row(rows, n, cap, in, p, fl, bf->effects[bj].span.p95, f->effects[j].span.p95, "p95 while %s",
				f->name);
		}
		for (size_t k = first; k < *n; k++) {
			judge_row(&(*rows)[k], o);
			if (!bp)
				snprintf((*rows)[k].result, sizeof((*rows)[k].result), "not in the baseline");
		}
	}
}

static void compare(const struct gate_input *in, size_t n, const struct gate_opts *o, struct sbuf *b,
		    struct sbuf *breaches, size_t *count)
{
	const struct report *base = o->baseline;
	struct row *rows = NULL;
	size_t n_rows = 0, cap = 0, matched = 0;
	size_t wf = 6, wp = 5, wm = 6;
	char t[32], a[32], c[32];

	for (size_t i = 0; i < n; i++) {
		if (strcmp(in[i].report->experiment, base->experiment))
			continue;
		matched++;
		rows_of(&in[i], o, &rows, &n_rows, &cap);
	}
	format_rfc3339(base->started_at, t);
	sbuf_addf(b, "baseline %s (%s, %s): allowed regression %g%%, changes under %s ignored\n", o->baseline_file,
		  base->experiment, t, o->max_regression,
		  o->regression_floor_us >= 0 ? format_duration(o->regression_floor_us, a, sizeof(a)) :
						"one interval of each probe");
	if (base->schema < 2)
		sbuf_add(b, "  the baseline is erebus.report/1: its availability counted samples, and it has no "
			    "per-fault figures; compared: time to recover and p95 in the fault window\n");
	if (!matched) {
		sbuf_addf(b, "  no report given is of experiment %s\n", base->experiment);
		sbuf_addf(breaches, "%s: the baseline is experiment %s, and no report given is\n", o->baseline_file,
			  base->experiment);
		(*count)++;
		free(rows);
		return;
	}
	for (size_t i = 0; i < n_rows; i++) {
		if (strlen(rows[i].file) > wf)
			wf = strlen(rows[i].file);
		if (strlen(rows[i].probe) > wp)
			wp = strlen(rows[i].probe);
		if (strlen(rows[i].metric) > wm)
			wm = strlen(rows[i].metric);
	}
	sbuf_addf(b, "  %-*s  %-*s  %-*s  %13s  %13s  %7s  %s\n", (int)wf, "report", (int)wp, "probe", (int)wm,
		  "metric", "baseline", "now", "change", "result");
	for (size_t i = 0; i < n_rows; i++) {
		const struct row *w = &rows[i];
		sbuf_addf(b, "  %-*s  %-*s  %-*s  %13s  %13s  %7s  %s\n", (int)wf, w->file, (int)wp, w->probe, (int)wm,
			  w->metric, value(w->base, a, sizeof(a)), value(w->now, c, sizeof(c)),
			  w->change[0] ? w->change : "-", w->result);
		if (!w->worse)
			continue;
		sbuf_addf(breaches, "%s: %s: %s: %s regressed: baseline %s, now %s", w->file, base->experiment,
			  w->probe, w->metric, value(w->base, a, sizeof(a)), value(w->now, c, sizeof(c)));
		if (w->base > 0 && w->now >= 0 && w->now != V_NEVER)
			sbuf_addf(breaches, " (%s, more than --max-regression %g%%)", w->change, o->max_regression);
		sbuf_add(breaches, "\n");
		(*count)++;
	}
	for (size_t j = 0; j < base->n_probes; j++) {
		bool seen = false;
		for (size_t i = 0; i < n_rows; i++)
			seen |= !strcmp(rows[i].probe, base->probes[j].name);
		if (!seen && named(o->probes, o->n_probes, base->probes[j].name))
			sbuf_addf(b, "  (probe %s is in the baseline but in no report)\n", base->probes[j].name);
	}
	free(rows);
}

/* A --probe or --fault that names nothing in any report is a typo that
 * would make the gate vacuous: a breach. */
static void check_names(const struct gate_input *in, size_t n, const struct gate_opts *o, struct sbuf *b,
			size_t *count)
{
	for (size_t k = 0; k < o->n_probes; k++) {
		bool seen = false;
		for (size_t i = 0; i < n && !seen; i++)
			seen = find_probe(in[i].report, o->probes[k], NULL) != NULL;
		if (!seen) {
			sbuf_addf(b, "--probe %s: no report has a probe of that name\n", o->probes[k]);
			(*count)++;
		}
	}
	for (size_t k = 0; k < o->n_faults; k++) {
		bool seen = false;
		for (size_t i = 0; i < n && !seen; i++)
			seen = find_fault(in[i].report, o->faults[k]) != NULL;
		if (!seen) {
			sbuf_addf(b, "--fault %s: no report has a fault of that name\n", o->faults[k]);
			(*count)++;
		}
	}
}

size_t gate_check(const struct gate_input *in, size_t n, const struct gate_opts *o, struct sbuf *out)
{
	struct sbuf breaches = { 0 };
	size_t count = 0;

	assert((in || !n) && o && out);
	say_thresholds(o, out);
	check_names(in, n, o, &breaches, &count);
	for (size_t i = 0; i < n; i++)
		thresholds(&in[i], o, &breaches, &count);
	if (o->baseline) {
		compare(in, n, o, out, &breaches, &count);
		sbuf_add(out, "\n");
	}
	if (breaches.s)
		sbuf_add(out, breaches.s);
	if (count)
		sbuf_addf(out, "gate: failed: %zu breach%s in %zu report%s\n", count, count == 1 ? "" : "es", n,
			  n == 1 ? "" : "s");
	else
		sbuf_addf(out, "gate: passed: %zu report%s, every threshold met\n", n, n == 1 ? "" : "s");
	sbuf_free(&breaches);
	return count;
}
