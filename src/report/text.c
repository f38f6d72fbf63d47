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

void report_render_text(const struct report *r, struct sbuf *b)
{
	char a[32], c[32];
	size_t w = 5;

	assert(r && b);
	for (size_t i = 0; i < r->n_probes; i++)
		if (strlen(r->probes[i].name) > w)
			w = strlen(r->probes[i].name);
	for (size_t i = 0; i < r->n_faults; i++)
		if (strlen(r->faults[i].name) > w)
			w = strlen(r->faults[i].name);

	sbuf_addf(b, "\nexperiment %s: %s (exit %d), seed %llu, %s\n", r->experiment,
		  verdict_name(r->verdict), verdict_exit_code(r->verdict), (unsigned long long)r->seed,
		  format_duration(r->finished_at - r->started_at, a, sizeof(a)));
	if (r->reason)
		sbuf_addf(b, "  %s\n", r->reason);
	if (r->n_faults)
		sbuf_addf(b, "\n  %-*s  %-9s %-9s %-9s %s\n", (int)w, "fault", "type", "applied", "reverted",
			  "targets");
	for (size_t i = 0; i < r->n_faults; i++) {
		const struct report_fault *f = &r->faults[i];
		sbuf_addf(b, "  %-*s  %-9s %-9s %-9s", (int)w, f->name, f->type,
			  f->applied_at_us < 0 ? "-" : format_duration(f->applied_at_us, a, sizeof(a)),
			  dur(f->reverted_at_us, c, sizeof(c)));
		for (size_t j = 0; j < f->n_targets && j < 4; j++)
			sbuf_addf(b, "%s%d (%s)", j ? ", " : " ", (int)f->targets[j].pid, f->targets[j].comm);
		if (f->n_targets > 4)
			sbuf_addf(b, " +%zu", f->n_targets - 4);
		if (f->applications > 1)
			sbuf_addf(b, " x%u", f->applications);
		if (f->error)
			sbuf_addf(b, "\n  %-*s  error: %s", (int)w, "", f->error);
		sbuf_add(b, "\n");
	}
	sbuf_addf(b, "\n  %-*s  %-8s %-9s %-9s %-18s %s\n", (int)w, "probe", "verdict", "detect",
		  "recover", "avail bef/dur/aft", "p95 during");
	for (size_t i = 0; i < r->n_probes; i++) {
		const struct report_probe *p = &r->probes[i];
		sbuf_addf(b, "  %-*s  %-8s %-9s %-9s ", (int)w, p->name, verdict_name(p->verdict),
			  dur(p->time_to_detect_us, a, sizeof(a)), dur(p->time_to_recover_us, c, sizeof(c)));
		for (int ph = 0; ph < PHASE_COUNT; ph++) {
			pct(b, p->phases[ph].availability);
			sbuf_add(b, ph < PHASE_COUNT - 1 ? " " : "   ");
		}
		sbuf_addf(b, "%s%s\n", dur(p->phases[PHASE_DURING].p95, a, sizeof(a)),
			  p->during == DURING_MAY_FAIL ? " (may fail)" : "");
		if (p->reason)
			sbuf_addf(b, "  %-*s  %s\n", (int)w, "", p->reason);
	}
}
