/* SPDX-License-Identifier: MIT */
/* The summary a person reads at the end of `erebus run`. */
#include <assert.h>
#include <math.h>

#include "erebus/report.h"

static void pct(struct sbuf *b, double v)
{
	if (isnan(v))
		sbuf_add(b, "   -");
	else
		sbuf_addf(b, "%3.0f%%", floor(v * 100.0 + 1e-9));
}

static const char *dur(int64_t us, char *buf, size_t len)
{
	return us < 0 ? "-" : format_duration(us, buf, len);
}

static bool has_effects(const struct report *r)
{
	for (size_t i = 0; i < r->n_faults; i++)
		if (r->faults[i].effects)
			return r->schema >= 2 && r->n_probes;
	return false;
}

static void fault_table(const struct report *r, struct sbuf *b, int w)
{
	char a[32], c[32];

	if (r->n_faults)
		sbuf_addf(b, "\n  %-*s  %-9s %-9s %-9s %s\n", w, "fault", "type", "applied", "reverted", "targets");
	for (size_t i = 0; i < r->n_faults; i++) {
		const struct report_fault *f = &r->faults[i];
		sbuf_addf(b, "  %-*s  %-9s %-9s %-9s", w, f->name, f->type, dur(f->applied_at_us, a, sizeof(a)),
			  dur(f->reverted_at_us, c, sizeof(c)));
		for (size_t j = 0; j < f->n_targets && j < 4; j++)
			sbuf_addf(b, "%s%d (%s)", j ? ", " : " ", (int)f->targets[j].pid, f->targets[j].comm);
		if (f->n_targets > 4)
			sbuf_addf(b, " +%zu", f->n_targets - 4);
		if (f->applications > 1)
			sbuf_addf(b, " x%u", f->applications);
		if (f->error)
			sbuf_addf(b, "\n  %-*s  error: %s", w, "", f->error);
		if (f->missed) {
			_cleanup_free_ char *m = report_fault_warning(f);
			sbuf_addf(b, "\n  %-*s  %s", w, "", m);
		}
		sbuf_add(b, "\n");
	}
}

static void probe_table(const struct report *r, struct sbuf *b, int w)
{
	char a[32], c[32];

	sbuf_addf(b, "\n  %-*s  %-8s %-9s %-9s %-21s %s\n", w, "probe", "verdict", "detect", "recover",
		  "avail bef/dur/aft/imp", "p95 during");
	for (size_t i = 0; i < r->n_probes; i++) {
		const struct report_probe *p = &r->probes[i];
		sbuf_addf(b, "  %-*s  %-8s %-9s %-9s ", w, p->name, verdict_name(p->verdict),
			  dur(p->time_to_detect_us, a, sizeof(a)), dur(p->time_to_recover_us, c, sizeof(c)));
		for (int ph = 0; ph < PHASE_COUNT; ph++) {
			pct(b, p->phases[ph].availability);
			sbuf_add(b, ph < PHASE_COUNT - 1 ? " " : "   ");
		}
		sbuf_addf(b, "%s%s\n", dur(p->phases[PHASE_DURING].p95, a, sizeof(a)),
			  p->detector ? " (detector)" : p->during == DURING_MAY_FAIL ? " (may fail)" : "");
		if (p->reason)
			sbuf_addf(b, "  %-*s  %s\n", w, "", p->reason);
	}
}

/* The samples Erebus itself could not make (each probe's is among the
 * warnings): the figures lack them. */
static void erebus_errors(const struct report *r, struct sbuf *b)
{
	if (report_incomplete(r))
		sbuf_add(b, "  The figures are incomplete: Erebus could not make some samples (warnings above).\n");
}

/* What each fault did to each probe, over the fault's effect window. */
static void effect_table(const struct report *r, struct sbuf *b, int wf, int wp)
{
	char a[5][32];

	sbuf_addf(b, "\n  %-*s  %-*s  %-9s %-9s %-9s %-9s %-5s  %s\n", wf, "fault", wp, "probe", "detect",
		  "mitigate", "recover", "down", "avail", "p95");
	for (size_t i = 0; i < r->n_faults; i++) {
		const struct report_fault *f = &r->faults[i];
		for (size_t j = 0; f->effects && j < r->n_probes; j++) {
			const struct report_effect *e = &f->effects[j];
			bool took = f->applied_at_us >= 0;
			sbuf_addf(b, "  %-*s  %-*s  %-9s %-9s %-9s %-9s ", wf, f->name, wp, r->probes[j].name,
				  dur(e->detect_us, a[0], sizeof(a[0])), dur(e->mitigate_us, a[1], sizeof(a[1])),
				  dur(e->recover_us, a[2], sizeof(a[2])),
				  took ? dur(e->down_us, a[3], sizeof(a[3])) : "-");
			pct(b, e->span.availability);
			sbuf_addf(b, "   %s\n", dur(e->span.p95, a[4], sizeof(a[4])));
		}
	}
}

/* Did monitoring notice? Per detector and fault it detects: time to
 * alert (fault to firing) and to clear (service recovered to quiet). */
static void detector_table(const struct report *r, struct sbuf *b, int wf, int wp)
{
	char a[32], c[32];
	bool first = true;

	if (wp < (int)strlen("detector"))
		wp = (int)strlen("detector");
	for (size_t j = 0; j < r->n_probes; j++) {
		const struct report_probe *p = &r->probes[j];
		for (size_t i = 0; p->detector && p->detects && i < r->n_faults; i++) {
			const struct report_effect *e = r->faults[i].effects ? &r->faults[i].effects[j] : NULL;
			if (!p->detects[i] || !e)
				continue;
			if (first)
				sbuf_addf(b, "\n  %-*s  %-*s  %-9s %s\n", wp, "detector", wf, "fault", "alert", "clear");
			first = false;
			sbuf_addf(b, "  %-*s  %-*s  %-9s %s\n", wp, p->name, wf, r->faults[i].name,
				  r->faults[i].applied_at_us < 0 ? "-" : e->alert_us < 0 ? "none" : dur(e->alert_us, a, sizeof(a)),
				  e->alert_us < 0 ? "-" : e->clear_us < 0 ? "none" : dur(e->clear_us, c, sizeof(c)));
		}
	}
}

/* How the probes were sampled, when a reader must know (Erebus behind). */
static void warnings(const struct report *r, struct sbuf *b)
{
	bool first = true;

	for (size_t i = 0; i < r->n_probes; i++) {
		struct report_warning w[REPORT_PROBE_WARNINGS];
		size_t n = report_probe_warnings(&r->probes[i], w);

		for (size_t j = 0; j < n; j++) {
			sbuf_addf(b, "%s  warning: %s\n", first ? "\n" : "", w[j].message);
			first = false;
			free(w[j].message);
		}
	}
}

void report_render_text(const struct report *r, struct sbuf *b)
{
	char a[32];
	size_t w = 5, wf = 5, wp = 5;

	assert(r && b);
	for (size_t i = 0; i < r->n_probes; i++)
		if (strlen(r->probes[i].name) > wp)
			wp = strlen(r->probes[i].name);
	for (size_t i = 0; i < r->n_faults; i++)
		if (strlen(r->faults[i].name) > wf)
			wf = strlen(r->faults[i].name);
	w = wf > wp ? wf : wp;

	sbuf_addf(b, "\nexperiment %s: %s (exit %d), seed %llu, %s\n", r->experiment,
		  verdict_name(r->verdict), verdict_exit_code(r->verdict), (unsigned long long)r->seed,
		  format_duration(r->finished_at - r->started_at, a, sizeof(a)));
	if (r->reason)
		sbuf_addf(b, "  %s\n", r->reason);
	if (r->verdict == VERDICT_HALTED && r->halted_at_us >= 0)
		sbuf_addf(b, "  halted at +%s: every fault was reverted then, and nothing more was injected\n",
			  format_duration(r->halted_at_us, a, sizeof(a)));
	if (r->schema < 2)
		sbuf_add(b, "  (an erebus.report/1 report: availability is the share of samples that passed; "
			    "no impact phase, no per-fault figures)\n");
	fault_table(r, b, (int)w);
	probe_table(r, b, (int)w);
	if (has_effects(r)) {
		effect_table(r, b, (int)wf, (int)wp);
		detector_table(r, b, (int)wf, (int)wp);
	}
	warnings(r, b);
	erebus_errors(r, b);
}
