/* SPDX-License-Identifier: MIT */
/* `erebus gate`: thresholds and a baseline comparison over saved reports. */
#include <assert.h>
#include <math.h>

#include "erebus/gate.h"

/* A probe that degraded during the run and was not healthy again. */
static bool unrecovered(const struct report *r, const struct report_probe *p)
{
	return r->window_end_us >= 0 && r->n_faults && !report_probe_recovered(r, p);
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

static void thresholds(const struct gate_input *in, const struct gate_opts *o, struct sbuf *b, size_t *count)
{
	const struct report *r = in->report;
	char a[32], c[32];

	if (r->verdict != VERDICT_PASSED)
		breach(b, count, in, NULL, "verdict %s (exit %d): %s", verdict_name(r->verdict),
		       verdict_exit_code(r->verdict), r->reason ? r->reason : "-");
	for (size_t i = 0; i < r->n_probes; i++) {
		const struct report_probe *p = &r->probes[i];
		const struct report_phase *during = &p->phases[PHASE_DURING];

		if (o->max_recovery_us >= 0) {
			if (p->time_to_recover_us > o->max_recovery_us)
				breach(b, count, in, p, "time to recover %s is over --max-recovery %s",
				       format_duration(p->time_to_recover_us, a, sizeof(a)),
				       format_duration(o->max_recovery_us, c, sizeof(c)));
			else if (unrecovered(r, p))
				breach(b, count, in, p, "did not recover (--max-recovery %s)",
				       format_duration(o->max_recovery_us, c, sizeof(c)));
		}
		if (o->min_availability >= 0 && r->window_start_us >= 0 && during->samples &&
		    during->availability * 100.0 < o->min_availability - 1e-9)
			breach(b, count, in, p, "availability %.1f%% in the fault window is under --min-availability %g%%",
			       floor(during->availability * 1000.0 + 1e-6) / 10.0, o->min_availability);
	}
}

/* ---- against a baseline --------------------------------------------------- */

enum { V_NONE = -1, V_UNRECOVERED = -2, V_NEVER = -3 /* never degraded: 0 */ };

struct row {
	const char *file, *probe, *metric;
	int64_t base, now;	/* usec, or V_* */
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

static const struct report_probe *find_probe(const struct report *r, const char *name)
{
	for (size_t i = 0; i < r->n_probes; i++)
		if (!strcmp(r->probes[i].name, name))
			return &r->probes[i];
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
	if (now - base <= o->regression_floor_us) {
		if (now > base)
			snprintf(w->result, sizeof(w->result), "ok (under %s)",
				 format_duration(o->regression_floor_us, a, sizeof(a)));
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

static void compare(const struct gate_input *in, size_t n, const struct gate_opts *o, struct sbuf *b,
		    struct sbuf *breaches, size_t *count)
{
	const struct report *base = o->baseline;
	struct row *rows = NULL;
	size_t n_rows = 0, cap = 0, matched = 0;
	size_t wf = 6, wp = 5, wm = 6;
	char t[32], a[32], c[32];

	for (size_t i = 0; i < n; i++) {
		const struct report *r = in[i].report;
		if (strcmp(r->experiment, base->experiment))
			continue;
		matched++;
		for (size_t j = 0; j < r->n_probes; j++) {
			const struct report_probe *p = &r->probes[j], *bp = find_probe(base, p->name);
			GROW(rows, cap, n_rows + 2);
			rows[n_rows] = (struct row){ .file = in[i].file, .probe = p->name, .metric = "time to recover",
						     .base = bp ? ttr_value(base, bp) : V_NONE, .now = ttr_value(r, p) };
			rows[n_rows + 1] = (struct row){ .file = in[i].file, .probe = p->name,
							 .metric = "p95 in fault window",
							 .base = bp ? bp->phases[PHASE_DURING].p95 : V_NONE,
							 .now = p->phases[PHASE_DURING].p95 };
			for (size_t k = n_rows; k < n_rows + 2; k++) {
				judge_row(&rows[k], o);
				if (!bp)
					snprintf(rows[k].result, sizeof(rows[k].result), "not in the baseline");
			}
			n_rows += 2;
		}
	}
	format_rfc3339(base->started_at, t);
	sbuf_addf(b, "baseline %s (%s, %s): allowed regression %g%%, changes under %s ignored\n", o->baseline_file,
		  base->experiment, t, o->max_regression, format_duration(o->regression_floor_us, a, sizeof(a)));
	if (!matched) {
		sbuf_addf(b, "  no report given is of experiment %s\n", base->experiment);
		sbuf_addf(breaches, "%s: the baseline is experiment %s, and no report given is\n", o->baseline_file,
			  base->experiment);
		(*count)++;
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
		if (!seen)
			sbuf_addf(b, "  (probe %s is in the baseline but in no report)\n", base->probes[j].name);
	}
	free(rows);
}

size_t gate_check(const struct gate_input *in, size_t n, const struct gate_opts *o, struct sbuf *out)
{
	struct sbuf breaches = { 0 };
	size_t count = 0;

	assert((in || !n) && o && out);
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
