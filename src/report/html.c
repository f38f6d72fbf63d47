/* SPDX-License-Identifier: MIT */
/*
 * The report as one self-contained page: inline CSS and SVG, no script,
 * nothing fetched (a Content-Security-Policy says so to the browser). It
 * is XHTML-compatible, so XML tools can read it as well as browsers, and
 * it prints on A4 or Letter. Per probe, a timeline plots each sample's
 * latency (log scale) over the run, marks failed samples, shades each
 * fault's window with its name, and brackets time to detect and time to
 * recover; in erebus.report/2 it also marks the outages and a halt. A
 * table says what each fault did to each probe.
 */
#include <assert.h>
#include <math.h>

#include "erebus/report.h"

static void text(struct sbuf *b, const char *s) { sbuf_add_xml(b, s ? s : "", false); }

static const char *dur(int64_t us, char *buf, size_t len)
{
	return us < 0 ? "–" : format_duration(us, buf, len);
}

/* "+1.20s" since the start of the run, or a dash. */
static const char *at(int64_t us, char *buf, size_t len)
{
	char d[32];

	if (us < 0)
		snprintf(buf, len, "–");
	else
		snprintf(buf, len, "+%s", format_duration(us, d, sizeof(d)));
	return buf;
}

static const char *pct(double share, char *buf, size_t len)
{
	if (isnan(share))
		snprintf(buf, len, "–");
	else
		snprintf(buf, len, "%.1f%%", report_pct1(share));
	return buf;
}

static const char *const outcome_names[] = { "passed", "failed", "error", "skipped" };

static const char css[] =
	":root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;--pass:#1a7f37;--fail:#cf222e;"
	"--abort:#9a6700;--cleanup:#8250df;--other:#59636e;--fault:#bc4c00;--halt:#a40e26}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0 auto;max-width:1120px;padding:24px 28px 48px;color:var(--ink);background:#fff;"
	"font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif}\n"
	"h1{font-size:26px;margin:6px 0 4px;word-break:break-word}\n"
	"h2{font-size:19px;margin:32px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}\n"
	"h3{font-size:16px;margin:0 0 6px}\n"
	"p{margin:4px 0}\n"
	".verdict{display:inline-block;padding:4px 14px;border-radius:6px;color:#fff;font-weight:700;"
	"letter-spacing:.06em;text-transform:uppercase;font-size:15px}\n"
	".badge{display:inline-block;padding:0 8px;border-radius:10px;color:#fff;font-size:12px;font-weight:600;"
	"vertical-align:middle}\n"
	".v-passed{background:var(--pass)}.v-failed{background:var(--fail)}.v-aborted{background:var(--abort)}"
	".v-cleanup-failed{background:var(--cleanup)}.v-invalid,.v-unsupported{background:var(--other)}"
	".v-halted{background:var(--halt)}\n"
	".o-passed{color:var(--pass)}.o-failed,.o-error{color:var(--fail);font-weight:600}.o-skipped{color:var(--muted)}\n"
	".desc{font-size:16px}\n"
	".reason{padding:8px 12px;border-left:4px solid var(--fail);background:#fff5f5;margin:10px 0}\n"
	".reason.v-passed-note{border-color:var(--pass);background:#f3fbf5}\n"
	"dl.meta{display:grid;grid-template-columns:max-content 1fr max-content 1fr;gap:2px 16px;margin:14px 0 0;"
	"font-size:14px}\n"
	"dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;font-variant-numeric:tabular-nums;word-break:break-all}\n"
	"table{border-collapse:collapse;width:100%;font-size:13.5px;margin:6px 0 4px}\n"
	"th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}\n"
	"th{background:var(--soft);font-weight:600;white-space:nowrap}\n"
	"td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"th.n{text-align:right}td.nw{white-space:nowrap}\n"
	".probe{margin-top:28px;break-inside:avoid;page-break-inside:avoid}\n"
	".probe h3 .badge{margin-left:8px}\n"
	".probe .why{color:var(--fail)}\n"
	"figure{margin:8px 0 6px;border:1px solid var(--line);border-radius:6px;padding:6px 6px 2px}\n"
	"figure svg{display:block;width:100%;height:auto}\n"
	"figcaption{font-size:12.5px;color:var(--muted);padding:2px 4px 4px}\n"
	".events td.t{white-space:nowrap;font-variant-numeric:tabular-nums;text-align:right}\n"
	".events td.k{white-space:nowrap;font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:12.5px}\n"
	".k-fault{color:var(--fault)}.k-down,.k-fail{color:var(--fail)}.k-up{color:var(--pass)}.k-verdict{font-weight:700}\n"
	"footer{margin-top:36px;font-size:12px;color:var(--muted)}\n"
	"@media print{@page{margin:14mm}body{max-width:none;padding:0;font-size:10.5pt}"
	"*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
	"h2{break-after:avoid;page-break-after:avoid}table{font-size:9pt}tr{break-inside:avoid}"
	"figure{border-color:#999}}\n";

/* ---- the timeline -------------------------------------------------------- */

/* Geometry of one plot, in SVG user units. */
struct plot {
	double left, right, top, bottom;	/* the plotting area */
	int64_t t_max;				/* microseconds at the right edge */
	double lo, hi;				/* log10 of latency (usec) at bottom and top */
};

static double px(const struct plot *p, int64_t t_us)
{
	if (t_us < 0)
		t_us = 0;
	if (t_us > p->t_max)
		t_us = p->t_max;
	return p->left + (p->right - p->left) * (double)t_us / (double)p->t_max;
}

static double py(const struct plot *p, int64_t lat_us)
{
	double l = log10(lat_us < 1 ? 1.0 : (double)lat_us);

	if (l < p->lo)
		l = p->lo;
	if (l > p->hi)
		l = p->hi;
	return p->bottom - (p->bottom - p->top) * (l - p->lo) / (p->hi - p->lo);
}

/* The right edge: the end of the run, or of whatever came last. */
static int64_t time_span(const struct report *r)
{
	int64_t t = report_end_us(r);

	for (size_t i = 0; i < r->n_probes; i++) {
		const struct fig_timeline *tl = r->probes[i].timeline;
		if (tl && tl->n && (int64_t)tl->n * tl->bucket_us > t)	/* the last bucket's end: close enough */
			t = (int64_t)tl->n * tl->bucket_us;
	}
	for (size_t i = 0; i < r->n_faults; i++)
		for (size_t j = 0; j < r->faults[i].n_windows; j++)
			if (r->faults[i].windows[j].end_us > t)
				t = r->faults[i].windows[j].end_us;
	return t > 0 ? t : USEC_PER_SEC;
}

/* A tick step giving about 6 to 12 ticks over span. */
static int64_t tick_step(int64_t span)
{
	static const int64_t steps[] = { 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000,
					 1000000, 2000000, 5000000, 10000000, 15000000, 30000000, 60000000,
					 120000000, 300000000, 600000000, 1200000000, 1800000000, 3600000000 };

	for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
		if (span / steps[i] <= 12)
			return steps[i];
	return span / 10;
}

static void tick_label(int64_t us, int64_t step, char *buf, size_t len)
{
	if (step >= 60 * USEC_PER_SEC && us % (60 * USEC_PER_SEC) == 0)
		snprintf(buf, len, "%lldm", (long long)(us / (60 * USEC_PER_SEC)));
	else if (step >= USEC_PER_SEC)
		snprintf(buf, len, "%llds", (long long)(us / USEC_PER_SEC));
	else
		snprintf(buf, len, "%gs", (double)us / 1e6);
}

static const char *const decade_labels[] = { "1us", "10us", "100us", "1ms", "10ms", "100ms", "1s", "10s",
					     "100s", "1000s" };

/*
 * The plot's colours are presentation attributes, not CSS, so that it
 * keeps them where a Content-Security-Policy blocks inline styles (Jenkins
 * serves archived HTML that way): the page loses its layout, not its plot.
 */
#define INK_AXIS  "fill=\"#59636e\""
#define INK_PHASE "fill=\"#59636e\" font-size=\"11\""
#define INK_FAULT "fill=\"#953800\" font-weight=\"600\" font-size=\"11.5\""
#define RED	  "#cf222e"
#define GREEN	  "#1a7f37"
#define ORANGE	  "#bc4c00"
#define BLUE	  "#0969da"

static void svg_text(struct sbuf *b, double x, double y, const char *anchor, const char *ink, const char *s)
{
	sbuf_addf(b, "<text x=\"%.1f\" y=\"%.1f\"", x, y);
	if (anchor)
		sbuf_addf(b, " text-anchor=\"%s\"", anchor);
	sbuf_addf(b, " %s>", ink);
	text(b, s);
	sbuf_add(b, "</text>");
}

/* A bracket |---| from x0 to x1 at height y, for time to detect and time
 * to recover, in colour; the label beside it where there is room. */
static void bracket(struct sbuf *b, const struct plot *p, double x0, double x1, double y, const char *colour,
		    const char *label)
{
	_cleanup_free_ char *ink = xasprintf("fill=\"%s\" font-weight=\"600\" font-size=\"11.5\"", colour);
	double tx = x1 + 6;
	const char *anchor = "start";

	sbuf_addf(b, "<path stroke=\"%s\" stroke-width=\"1.5\" fill=\"none\" d=\"M%.1f %.1fv8M%.1f %.1fv8M%.1f %.1fH%.1f\"/>",
		  colour, x0, y - 4, x1, y - 4, x0, y, x1 > x0 + 1 ? x1 : x0 + 1);
	if (tx + 7.0 * (double)strlen(label) > p->right) {
		tx = x0 - 6;
		anchor = "end";
	}
	svg_text(b, tx, y + 4, anchor, ink, label);
}

static void phase_band(struct sbuf *b, const struct plot *p, int64_t from, int64_t to, const char *fill,
		       const char *label, double min_width)
{
	double x0 = px(p, from), x1 = px(p, to);

	sbuf_addf(b, "<rect x=\"%.1f\" y=\"6\" width=\"%.1f\" height=\"16\" fill=\"%s\"/>", x0, x1 - x0, fill);
	if (x1 - x0 > min_width)
		svg_text(b, x0 + 5, 18, NULL, INK_PHASE, label);
}

/* Each fault: its windows shaded across the plot (an instant, such as a
 * kill, is a line with a triangle), its name in its own lane above.
 * Returns the first application, or -1. */
static int64_t fault_marks(struct sbuf *b, const struct report *r, const struct plot *p, double lane)
{
	int64_t first = -1;
	char c[64];

	for (size_t i = 0; i < r->n_faults; i++) {
		const struct report_fault *f = &r->faults[i];
		double ly = 30 + lane * (double)i + 12;

		sbuf_add(b, "<g stroke=\"" ORANGE "\" stroke-width=\"1.5\">");
		for (size_t j = 0; j < f->n_windows; j++) {
			const struct report_window *w = &f->windows[j];
			double x0 = px(p, w->start_us), x1 = px(p, w->end_us >= 0 ? w->end_us : p->t_max);
			if (first < 0 || w->start_us < first)
				first = w->start_us;
			if (w->end_us == w->start_us)
				sbuf_addf(b, "<path d=\"M%.1f %.1fV%.1f\"/><path fill=\"" ORANGE "\" d=\"M%.1f %.1fl-4 -6h8z\"/>",
					  x0, ly - 8, p->bottom, x0, ly + 2);
			else
				sbuf_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"" ORANGE "\" "
					     "fill-opacity=\"0.13\" stroke=\"none\"/><path fill=\"none\" d=\"M%.1f %.1fv-6H%.1fv6\"/>",
					  x0, p->top, x1 - x0 > 1 ? x1 - x0 : 1, p->bottom - p->top, x0, ly + 4, x1);
		}
		sbuf_add(b, "</g>");
		if (f->n_windows) {
			const struct report_window *w = &f->windows[0];
			struct sbuf l = { 0 };
			double x = px(p, w->start_us) + (w->end_us == w->start_us ? 7 : 4);
			bool right;
			sbuf_add(&l, f->name);
			if (f->n_windows > 1)
				sbuf_addf(&l, " ×%zu", f->n_windows);
			if (f->windows[f->n_windows - 1].end_us < 0)
				sbuf_add(&l, " (not reverted)");
			right = x + 7.5 * (double)l.len > p->right;
			svg_text(b, right ? px(p, w->start_us) - 7 : x, ly, right ? "end" : NULL, INK_FAULT, l.s);
			sbuf_free(&l);
		} else {
			snprintf(c, sizeof(c), "%s: never applied", f->name);
			svg_text(b, p->left + 4, ly, NULL, INK_FAULT, c);
		}
		sbuf_add(b, "\n");
	}
	return first;
}

static size_t n_detectors(const struct report *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_probes; i++)
		n += r->probes[i].detector;
	return n;
}

/* Each detector probe's firing (monitoring alerting) as a lane of its own
 * under the faults' lanes: when did monitoring notice, next to what the
 * service did. */
static void alert_marks(struct sbuf *b, const struct report *r, const struct plot *p, double lane)
{
	size_t k = 0;
	char c[80];

	for (size_t i = 0; i < r->n_probes; i++) {
		const struct report_probe *d = &r->probes[i];
		double ly = 30 + lane * (double)(r->n_faults + k) + 12;

		if (!d->detector)
			continue;
		k++;
		sbuf_add(b, "<g fill=\"" RED "\" fill-opacity=\"0.55\">");
		for (size_t j = 0; j < d->n_outages; j++) {
			const struct report_outage *o = &d->outages[j];
			double x0 = px(p, o->start_us), x1 = px(p, o->end_us >= 0 ? o->end_us : p->t_max);
			sbuf_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"6\"/>", x0, ly - 2,
				  x1 - x0 > 1.5 ? x1 - x0 : 1.5);
		}
		sbuf_add(b, "</g>");
		snprintf(c, sizeof(c), "alert %s%s", d->name, d->n_outages ? "" : ": never fired");
		svg_text(b, d->n_outages ? px(p, d->outages[0].start_us) + 4 : p->left + 4, ly - 4, NULL,
			 "fill=\"" RED "\"", c);
		sbuf_add(b, "\n");
	}
}

/* The timeline's buckets: a faint line through their mean latencies, a
 * dot at each mean with a thin line up to the slowest sample, crosses
 * (and a tick on the time axis) where a bucket holds failures. */
static void sample_marks(struct sbuf *b, const struct fig_timeline *tl, const struct plot *p)
{
	size_t k = 0;

	sbuf_add(b, "<path fill=\"none\" stroke=\"" BLUE "\" stroke-opacity=\"0.45\" d=\"");
	for (uint32_t i = 0; i < tl->n; i++)
		if (tl->b[i].samples)
			sbuf_addf(b, "%s%.1f %.1f", k++ ? "L" : "M", px(p, ((int64_t)i * 2 + 1) * tl->bucket_us / 2),
				  py(p, fig_bucket_mean(&tl->b[i])));
	sbuf_add(b, "\"/>\n<g fill=\"" BLUE "\" stroke=\"" BLUE "\" stroke-opacity=\"0.5\">");
	k = 0;
	for (uint32_t i = 0; i < tl->n; i++) {
		const struct fig_bucket *bk = &tl->b[i];
		double x = px(p, ((int64_t)i * 2 + 1) * tl->bucket_us / 2), y = py(p, fig_bucket_mean(bk));
		if (!bk->samples || bk->failures == bk->samples)
			continue;
		sbuf_addf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.3\"/>", x, y);
		if (y - py(p, bk->max_us) >= 3)
			sbuf_addf(b, "<path d=\"M%.1f %.1fV%.1f\"/>", x, y, py(p, bk->max_us));
		sbuf_add(b, ++k % 6 ? "" : "\n");
	}
	sbuf_add(b, "</g>\n<g stroke=\"" RED "\" stroke-width=\"2\" fill=\"none\">");
	k = 0;
	for (uint32_t i = 0; i < tl->n; i++) {
		const struct fig_bucket *bk = &tl->b[i];
		double x = px(p, ((int64_t)i * 2 + 1) * tl->bucket_us / 2), y = py(p, bk->max_us);
		if (bk->failures)
			sbuf_addf(b, "<path d=\"M%.1f %.1fl6 6m0 -6l-6 6M%.1f %.1fv-7\"/>%s", x - 3, y - 3, x, p->bottom,
				  ++k % 6 ? "" : "\n");
	}
	sbuf_add(b, "</g>\n");
}

/* The end of the application of its fault that outage o began under: its
 * revert, or a kill's instant; -1 if none (unattributed, not reverted). */
static int64_t outage_fault_end(const struct report *r, const struct report_outage *o)
{
	const struct report_fault *f;
	int64_t end = -1;

	if (o->fault < 0 || (size_t)o->fault >= r->n_faults)
		return -1;
	f = &r->faults[o->fault];
	for (size_t i = 0; i < f->n_windows && f->windows[i].start_us <= o->start_us; i++)
		end = f->instant ? f->windows[i].start_us : f->windows[i].end_us;
	return end;
}

/* erebus.report/2: time to detect ends where the probe's first outage
 * that belongs to a fault starts; time to recover where the last outage
 * that outlived its fault ends (as report_compute() finds them). */
static void ends_from_outages(const struct report *r, const struct report_probe *pr, int64_t *detect_end,
			      int64_t *recover_end)
{
	for (size_t i = 0; i < pr->n_outages; i++) {
		const struct report_outage *o = &pr->outages[i];
		int64_t fend = outage_fault_end(r, o);
		if (o->fault < 0)
			continue;
		if (*detect_end < 0)
			*detect_end = o->start_us;
		if (o->end_us < 0)
			*recover_end = -1;
		else if (fend >= 0 && o->end_us > fend)
			*recover_end = o->end_us;
	}
}

/* erebus.report/1: time to detect ended with the first failed sample after
 * the first fault, time to recover with the pass after the last failure. */
static void ends_from_samples(const struct report_probe *pr, int64_t first_apply, int64_t *detect_end,
			      int64_t *recover_end)
{
	size_t last = SIZE_MAX;

	for (size_t i = 0; i < pr->n_samples; i++)
		if (!pr->samples[i].ok && pr->samples[i].t_us >= first_apply) {
			if (*detect_end < 0)
				*detect_end = pr->samples[i].t_us + pr->samples[i].latency_us;
			last = i;
		}
	if (last != SIZE_MAX && last + 1 < pr->n_samples)
		*recover_end = pr->samples[last + 1].t_us + pr->samples[last + 1].latency_us;
}

/* Time to detect, time to recover, or the recovery that did not come,
 * as brackets under the plot. */
static void time_marks(struct sbuf *b, const struct report *r, const struct report_probe *pr, const struct plot *p,
		       int64_t first_apply, double y, double lane)
{
	_cleanup_free_ char *msg = NULL;
	int64_t detect_end = -1, recover_end = -1;
	char a[32], c[64];

	if (first_apply < 0)
		return;
	if (r->schema >= 2)
		ends_from_outages(r, pr, &detect_end, &recover_end);
	else
		ends_from_samples(pr, first_apply, &detect_end, &recover_end);
	if (pr->time_to_detect_us >= 0 && detect_end >= 0) {
		snprintf(c, sizeof(c), "detected in %s", format_duration(pr->time_to_detect_us, a, sizeof(a)));
		bracket(b, p, px(p, detect_end - pr->time_to_detect_us), px(p, detect_end), y, RED, c);
	}
	if (pr->time_to_recover_us >= 0 && recover_end >= 0) {
		snprintf(c, sizeof(c), "recovered in %s", format_duration(pr->time_to_recover_us, a, sizeof(a)));
		bracket(b, p, px(p, recover_end - pr->time_to_recover_us), px(p, recover_end), y + lane, GREEN, c);
	} else if (r->window_end_us >= 0 && !report_probe_recovered(r, pr) &&
		   r->window_end_us + pr->recover_within_us <= report_end_us(r) &&
		   report_phase_outcome(r, pr, PHASE_AFTER, &msg) == OUTCOME_FAILED) {
		snprintf(c, sizeof(c), "not healthy within %s", format_duration(pr->recover_within_us, a, sizeof(a)));
		bracket(b, p, px(p, r->window_end_us), px(p, r->window_end_us + pr->recover_within_us), y + lane, RED, c);
	}
}

/* erebus.report/2: each outage as a red bar under the plot, and the halt
 * as a dashed line across it. */
static void outage_marks(struct sbuf *b, const struct report *r, const struct report_probe *pr, const struct plot *p)
{
	if (pr->n_outages) {
		sbuf_add(b, "<g fill=\"" RED "\" fill-opacity=\"0.6\">");
		for (size_t i = 0; i < pr->n_outages; i++) {
			const struct report_outage *o = &pr->outages[i];
			double x0 = px(p, o->start_us), x1 = px(p, o->end_us >= 0 ? o->end_us : p->t_max);
			sbuf_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"5\"/>", x0, p->bottom + 3,
				  x1 - x0 > 1.5 ? x1 - x0 : 1.5);
		}
		sbuf_add(b, "</g>\n");
	}
	if (r->verdict == VERDICT_HALTED && r->halted_at_us >= 0) {
		double x = px(p, r->halted_at_us);
		sbuf_addf(b, "<path stroke=\"" RED "\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\" "
			     "d=\"M%.1f %.1fV%.1f\"/>", x, p->top, p->bottom);
		svg_text(b, x - 4, p->top + 13, "end", "fill=\"" RED "\" font-weight=\"600\" font-size=\"11.5\"",
			 "halted");
		sbuf_add(b, "\n");
	}
}

static void timeline(struct sbuf *b, const struct report *r, const struct report_probe *pr, size_t idx)
{
	const double lane = 17, width = 960;
	const struct fig_timeline *tl = pr->timeline;
	struct plot p = { .left = 62, .right = width - 14 };
	int64_t step, first_apply, lat_min = INT64_MAX, lat_max = 0;
	double height, y_marks;
	char c[64];

	p.t_max = time_span(r);
	p.top = 30 + lane * (double)(r->n_faults + n_detectors(r));
	p.bottom = p.top + 190;
	y_marks = p.bottom + 22;
	height = y_marks + 2 * lane + 34;

	for (uint32_t i = 0; tl && i < tl->n; i++) {
		const struct fig_bucket *bk = &tl->b[i];
		if (!bk->samples)
			continue;
		if (fig_bucket_mean(bk) < lat_min)
			lat_min = fig_bucket_mean(bk);
		if (bk->max_us > lat_max)
			lat_max = bk->max_us;
	}
	if (lat_min == INT64_MAX)
		lat_min = lat_max = 1000;
	p.lo = floor(log10(lat_min < 1 ? 1.0 : (double)lat_min));
	p.hi = ceil(log10(lat_max < 1 ? 1.0 : (double)lat_max) + 1e-9);
	if (p.hi - p.lo < 2)
		p.hi = p.lo + 2;
	if (p.hi > 9)
		p.hi = 9;
	if (p.lo >= p.hi)
		p.lo = p.hi - 2;

	sbuf_addf(b, "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
		     "aria-labelledby=\"plot%zu\" font-family=\"system-ui,'DejaVu Sans',sans-serif\" font-size=\"12\">\n",
		  width, height, idx);
	sbuf_addf(b, "<title id=\"plot%zu\">", idx);
	text(b, pr->name);
	sbuf_add(b, ": latency over the run, with fault windows</title>\n");

	/* the phases, as a band above the fault lanes */
	{
		int64_t ws = r->window_start_us, we = r->window_end_us;
		phase_band(b, &p, 0, ws >= 0 ? ws : p.t_max, "#eef1f4", "steady state", 80);
		if (ws >= 0)
			phase_band(b, &p, ws, we >= 0 ? we : p.t_max, "#fde7d6", "fault window", 80);
		if (ws >= 0 && we >= 0)
			phase_band(b, &p, we, p.t_max, "#e3f4e8", "recovery", 60);
		sbuf_add(b, "\n");
	}

	/* grid and axes */
	step = tick_step(p.t_max);
	sbuf_add(b, "<g stroke=\"#e4e8ec\">");
	for (int64_t t = 0; t <= p.t_max; t += step)
		sbuf_addf(b, "<path d=\"M%.1f %.1fV%.1f\"/>", px(&p, t), p.top, p.bottom);
	for (int d = (int)p.lo; d <= (int)p.hi; d++)
		sbuf_addf(b, "<path d=\"M%.1f %.1fH%.1f\"/>", p.left,
			  p.bottom - (p.bottom - p.top) * ((double)d - p.lo) / (p.hi - p.lo), p.right);
	sbuf_add(b, "</g>\n");
	for (int64_t t = 0; t <= p.t_max; t += step) {
		tick_label(t, step, c, sizeof(c));
		svg_text(b, px(&p, t), height - 22, "middle", INK_AXIS, c);
	}
	for (int d = (int)p.lo; d <= (int)p.hi; d++)
		svg_text(b, p.left - 6, p.bottom - (p.bottom - p.top) * ((double)d - p.lo) / (p.hi - p.lo) + 4, "end",
			 INK_AXIS, d >= 0 && d < (int)ARRAY_SIZE(decade_labels) ? decade_labels[d] : "");
	sbuf_addf(b, "\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#9aa4ae\"/>\n",
		  p.left, p.top, p.right - p.left, p.bottom - p.top);
	svg_text(b, (p.left + p.right) / 2, height - 6, "middle", INK_AXIS, "seconds since the run started");
	sbuf_addf(b, "<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" " INK_AXIS " transform=\"rotate(-90 14 %.1f)\">"
		     "latency (log scale)</text>\n",
		  (p.top + p.bottom) / 2, (p.top + p.bottom) / 2);

	first_apply = fault_marks(b, r, &p, lane);
	alert_marks(b, r, &p, lane);
	if (tl && tl->n)
		sample_marks(b, tl, &p);
	else
		svg_text(b, (p.left + p.right) / 2, (p.top + p.bottom) / 2, "middle", INK_AXIS, "no samples in this report");
	if (r->schema >= 2)
		outage_marks(b, r, pr, &p);
	time_marks(b, r, pr, &p, first_apply, y_marks, lane);
	sbuf_add(b, "\n</svg>\n<figcaption>");
	if (tl && tl->n) {
		char w[32];
		sbuf_addf(b, "Dots: the mean latency of the samples started in each %s, with a thin line up to the "
			     "slowest. Red crosses: where some failed, at the slowest (a timeout counts its timeout), "
			     "also ticked on the time axis. ", format_duration(tl->bucket_us, w, sizeof(w)));
	}
	sbuf_add(b, "Shaded: a fault in place; a line with a triangle: an instant fault.");
	if (n_detectors(r))
		sbuf_add(b, " Red lanes under the faults: a detector probe firing (monitoring alerting).");
	if (r->schema >= 2)
		sbuf_add(b, " Red bars under the plot: outages (from the first failed sample to healthy again). "
			    "Brackets: time to detect (fault to the outage) and time to recover (fault's end to the "
			    "outage's end).");
	else
		sbuf_add(b, " Brackets: time to detect (fault to first failure) and time to recover (fault's end to "
			    "the first pass after the last failure).");
	sbuf_add(b, "</figcaption>\n</figure>\n");
}

/* ---- tables ---------------------------------------------------------------- */

static void td(struct sbuf *b, const char *cls, const char *s)
{
	if (cls)
		sbuf_addf(b, "<td class=\"%s\">", cls);
	else
		sbuf_add(b, "<td>");
	text(b, s);
	sbuf_add(b, "</td>");
}

static void verdict_badge(struct sbuf *b, const char *cls, enum verdict v)
{
	sbuf_addf(b, "<strong class=\"%s v-%s\">%s</strong>", cls, verdict_name(v), verdict_name(v));
}

static void phase_table(struct sbuf *b, const struct report *r, const struct report_probe *p)
{
	char a[32];

	sbuf_add(b, "<table>\n<thead><tr><th>Phase</th><th>Outcome</th><th class=\"n\">Samples</th>"
		    "<th class=\"n\">Failed</th><th class=\"n\">Slots</th><th class=\"n\">Availability</th>"
		    "<th class=\"n\">p50</th>"
		    "<th class=\"n\">p95</th><th class=\"n\">p99</th><th class=\"n\">max</th><th>What happened</th>"
		    "</tr></thead>\n<tbody>\n");
	for (int ph = 0; ph < PHASE_COUNT; ph++) {
		const struct report_phase *f = &p->phases[ph];
		_cleanup_free_ char *msg = NULL;
		enum outcome o = report_phase_outcome(r, p, ph, &msg);
		sbuf_add(b, "<tr>");
		td(b, "nw", phase_titles[ph]);
		sbuf_addf(b, "<td class=\"o-%s\">%s</td>", outcome_names[o], outcome_names[o]);
		snprintf(a, sizeof(a), "%u", f->samples);
		td(b, "n", a);
		snprintf(a, sizeof(a), "%u", f->failures);
		td(b, "n", a);
		snprintf(a, sizeof(a), "%u", f->slots);
		td(b, "n", r->schema >= 2 ? a : "–");
		td(b, "n", pct(f->availability, a, sizeof(a)));
		td(b, "n", dur(f->p50, a, sizeof(a)));
		td(b, "n", dur(f->p95, a, sizeof(a)));
		td(b, "n", dur(f->p99, a, sizeof(a)));
		td(b, "n", dur(f->max, a, sizeof(a)));
		td(b, NULL, msg);
		sbuf_add(b, "</tr>\n");
	}
	sbuf_add(b, "</tbody>\n</table>\n");
}

static void summary_table(struct sbuf *b, const struct report *r)
{
	char a[32];

	sbuf_add(b, "<table>\n<thead><tr><th>Probe</th><th>Type</th><th>Verdict</th><th class=\"n\">Time to detect</th>"
		    "<th class=\"n\">Time to recover</th>"
		    "<th class=\"n\">Availability<br/><small>steady · window · recovery · impact</small></th>"
		    "<th class=\"n\">p95 in window</th><th>During faults</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < r->n_probes; i++) {
		const struct report_probe *p = &r->probes[i];
		sbuf_addf(b, "<tr><td class=\"nw\"><a href=\"#probe-%zu\">", i);
		text(b, p->name);
		sbuf_add(b, "</a></td>");
		td(b, NULL, p->type);
		sbuf_addf(b, "<td class=\"o-%s\">%s</td>", p->verdict == VERDICT_PASSED ? "passed" : "failed",
			  verdict_name(p->verdict));
		td(b, "n", dur(p->time_to_detect_us, a, sizeof(a)));
		td(b, "n", dur(p->time_to_recover_us, a, sizeof(a)));
		sbuf_add(b, "<td class=\"n\">");
		for (int ph = 0; ph < PHASE_COUNT; ph++) {
			sbuf_add(b, ph ? " · " : "");
			text(b, pct(p->phases[ph].availability, a, sizeof(a)));
		}
		sbuf_add(b, "</td>");
		td(b, "n", dur(p->phases[PHASE_DURING].p95, a, sizeof(a)));
		if (p->detector)
			snprintf(a, sizeof(a), "detector (fires within %s)",
				 format_duration(p->detect_within_us, (char[32]){ 0 }, 32));
		else if (p->during == DURING_MAY_FAIL)
			snprintf(a, sizeof(a), "may fail");
		else
			snprintf(a, sizeof(a), "must pass %g%%", p->tolerance);
		td(b, NULL, a);
		sbuf_add(b, "</tr>\n");
	}
	sbuf_add(b, "</tbody>\n</table>\n");
}

static void fault_table(struct sbuf *b, const struct report *r)
{
	char a[32];

	sbuf_add(b, "<h2>Faults</h2>\n");
	if (!r->n_faults) {
		sbuf_add(b, "<p>None: this experiment only checks the steady state.</p>\n");
		return;
	}
	sbuf_add(b, "<table>\n<thead><tr><th>Fault</th><th>Type</th><th>What it does</th><th>Targets</th>"
		    "<th class=\"n\">Applied</th><th class=\"n\">Reverted</th><th class=\"n\">Times</th></tr></thead>\n"
		    "<tbody>\n");
	for (size_t i = 0; i < r->n_faults; i++) {
		const struct report_fault *f = &r->faults[i];
		struct sbuf t = { 0 };
		sbuf_add(b, "<tr>");
		td(b, NULL, f->name);
		td(b, NULL, f->type);
		sbuf_add(b, "<td>");
		text(b, f->description);
		if (f->error) {
			sbuf_add(b, "<br/><span class=\"o-failed\">");
			text(b, f->error);
			sbuf_add(b, "</span>");
		}
		sbuf_add(b, "</td>");
		for (size_t j = 0; j < f->n_targets; j++)
			sbuf_addf(&t, "%s%d (%s)", j ? ", " : "", (int)f->targets[j].pid, f->targets[j].comm);
		td(b, NULL, t.s ? t.s : "–");
		sbuf_free(&t);
		td(b, "n", at(f->applied_at_us, a, sizeof(a)));
		td(b, "n", at(f->reverted_at_us, a, sizeof(a)));
		snprintf(a, sizeof(a), "%u", f->applications);
		td(b, "n", a);
		sbuf_add(b, "</tr>\n");
	}
	sbuf_add(b, "</tbody>\n</table>\n");
}

/* What each fault did to each probe (erebus.report/2), with the same
 * sentences as the JUnit testcases. */
static void effect_table(struct sbuf *b, const struct report *r)
{
	char a[32];

	if (!r->n_faults || !r->n_probes)
		return;
	sbuf_add(b, "<h2>What each fault did to each probe</h2>\n");
	if (r->schema < 2) {
		sbuf_add(b, "<p>Not measured before erebus.report/2: this report has no figures per fault.</p>\n");
		return;
	}
	sbuf_add(b, "<p>Over each fault's effect window: from each of its applications to the next application of "
		    "any fault, or the end of the run. An outage belongs to the fault in effect when it began.</p>\n"
		    "<table>\n<thead><tr><th>Fault</th><th>Probe</th><th>Outcome</th><th class=\"n\">Detect</th>"
		    "<th class=\"n\">Mitigate</th><th class=\"n\">Recover</th><th class=\"n\">Down</th>"
		    "<th class=\"n\">Outages</th><th class=\"n\">Availability</th><th class=\"n\">p95</th>"
		    "<th>What happened</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < r->n_faults; i++) {
		const struct report_fault *f = &r->faults[i];
		for (size_t j = 0; j < r->n_probes; j++) {
			const struct report_effect *e = f->effects ? &f->effects[j] : NULL;
			_cleanup_free_ char *msg = NULL;
			enum outcome o = report_effect_outcome(r, i, j, &msg);
			bool took = e && f->applied_at_us >= 0;

			sbuf_add(b, "<tr>");
			td(b, "nw", f->name);
			td(b, "nw", r->probes[j].name);
			sbuf_addf(b, "<td class=\"o-%s\">%s</td>", outcome_names[o], outcome_names[o]);
			td(b, "n", dur(took ? e->detect_us : -1, a, sizeof(a)));
			td(b, "n", dur(took ? e->mitigate_us : -1, a, sizeof(a)));
			td(b, "n", dur(took ? e->recover_us : -1, a, sizeof(a)));
			td(b, "n", dur(took ? e->down_us : -1, a, sizeof(a)));
			snprintf(a, sizeof(a), "%u", took ? e->outages : 0);
			td(b, "n", took ? a : "–");
			td(b, "n", pct(took ? e->span.availability : NAN, a, sizeof(a)));
			td(b, "n", dur(took ? e->span.p95 : -1, a, sizeof(a)));
			td(b, NULL, msg);
			sbuf_add(b, "</tr>\n");
		}
	}
	sbuf_add(b, "</tbody>\n</table>\n");
}

static void cleanup_section(struct sbuf *b, const struct report *r)
{
	sbuf_add(b, "<h2>Cleanup</h2>\n");
	if (r->n_leftovers || r->verdict == VERDICT_CLEANUP_FAILED) {
		sbuf_add(b, "<p class=\"reason\">Not everything Erebus changed was undone: check the host.</p>\n");
		if (r->n_leftovers) {
			sbuf_add(b, "<ul>\n");
			for (size_t i = 0; i < r->n_leftovers; i++) {
				sbuf_add(b, "<li class=\"o-failed\">");
				text(b, r->leftovers[i]);
				sbuf_add(b, "</li>\n");
			}
			sbuf_add(b, "</ul>\n");
		}
	} else if (r->cleanup_checked) {
		sbuf_add(b, "<p>Every fault was reverted, and the check after rollback found nothing left.</p>\n");
	} else {
		sbuf_add(b, "<p>Every fault applied was reverted.</p>\n");
	}
}

static const char *event_class(const char *kind)
{
	if (!strcmp(kind, "fault.failed") || !strcmp(kind, "fault.revert-failed") || !strcmp(kind, "probe.unrecovered"))
		return "k k-fail";
	if (!strncmp(kind, "fault.", 6))
		return "k k-fault";
	if (!strcmp(kind, "probe.down"))
		return "k k-down";
	if (!strcmp(kind, "probe.healthy") || !strcmp(kind, "probe.recovered"))
		return "k k-up";
	if (!strcmp(kind, "verdict"))
		return "k k-verdict";
	return "k";
}

static void event_table(struct sbuf *b, const struct report *r)
{
	char a[32];

	sbuf_add(b, "<h2>Events</h2>\n<table class=\"events\">\n<thead><tr><th class=\"n\">Time</th><th>Event</th>"
		    "<th>Subject</th><th>Detail</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < r->n_events; i++) {
		const struct report_event *e = &r->events[i];
		snprintf(a, sizeof(a), "+%.3fs", (double)e->t_us / 1e6);
		sbuf_add(b, "<tr>");
		td(b, "t", a);
		td(b, event_class(e->kind), e->kind);
		td(b, NULL, e->subject ? e->subject : "");
		td(b, NULL, e->detail);
		sbuf_add(b, "</tr>\n");
	}
	sbuf_add(b, "</tbody>\n</table>\n");
}

static void meta(struct sbuf *b, const char *name, const char *value)
{
	sbuf_add(b, "<dt>");
	text(b, name);
	sbuf_add(b, "</dt><dd>");
	text(b, value);
	sbuf_add(b, "</dd>\n");
}

/* A span of the run for the metadata: "+A to +B", "from +A; did not
 * finish" without an end, or none without a start. */
static void meta_span(struct sbuf *b, const char *name, int64_t from, int64_t to, const char *none)
{
	char a[80], c[32], d[32];

	if (from < 0)
		snprintf(a, sizeof(a), "%s", none);
	else if (to >= 0)
		snprintf(a, sizeof(a), "%s to %s", at(from, c, sizeof(c)), at(to, d, sizeof(d)));
	else
		snprintf(a, sizeof(a), "from %s; did not finish", at(from, c, sizeof(c)));
	meta(b, name, a);
}

/* report_probe_warnings() above a probe's figures, in the reason style. */
static void probe_warnings(struct sbuf *b, const struct report_probe *p)
{
	struct report_warning w[REPORT_PROBE_WARNINGS];
	size_t n = report_probe_warnings(p, w);

	for (size_t i = 0; i < n; i++) {
		sbuf_addf(b, "<p class=\"why warn-%s\">", w[i].kind);
		text(b, w[i].message);
		sbuf_add(b, "</p>\n");
		free(w[i].message);
	}
}

void report_render_html(const struct report *r, struct sbuf *b)
{
	char a[80], c[32];

	assert(r && b);
	sbuf_add(b, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
		    "<meta charset=\"utf-8\"/>\n"
		    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"/>\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
		    "<meta name=\"generator\" content=\"erebus (" REPORT_SCHEMA ")\"/>\n<title>");
	text(b, r->experiment);
	sbuf_addf(b, ": %s – Erebus report</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n",
		  verdict_name(r->verdict), css);
	verdict_badge(b, "verdict", r->verdict);
	sbuf_add(b, "\n<h1>");
	text(b, r->experiment);
	sbuf_add(b, "</h1>\n");
	if (r->description) {
		sbuf_add(b, "<p class=\"desc\">");
		text(b, r->description);
		sbuf_add(b, "</p>\n");
	}
	if (r->reason) {
		sbuf_add(b, "<p class=\"reason\">");
		text(b, r->reason);
		sbuf_add(b, "</p>\n");
	} else if (r->verdict == VERDICT_PASSED) {
		sbuf_add(b, "<p class=\"reason v-passed-note\">The hypothesis held: every probe passed, and every "
			    "fault was applied and reverted.</p>\n");
	}
	sbuf_add(b, "<dl class=\"meta\">\n");
	format_rfc3339(r->started_at, a);
	meta(b, "Started (UTC)", a);
	meta(b, "Duration", format_duration(r->finished_at > r->started_at ? r->finished_at - r->started_at : 0, c,
					    sizeof(c)));
	meta(b, "Experiment file", r->file);
	snprintf(a, sizeof(a), "%llu", (unsigned long long)r->seed);
	meta(b, "Seed", a);
	meta(b, "Steady state at", at(r->steady_at_us, c, sizeof(c)));
	snprintf(a, sizeof(a), "%d (%s)", verdict_exit_code(r->verdict), verdict_name(r->verdict));
	meta(b, "Exit code", a);
	meta_span(b, "Fault window", r->window_start_us, r->window_end_us, "not reached");
	meta(b, "Every probe recovered at", at(r->recovered_at_us, c, sizeof(c)));
	if (r->schema >= 2) {
		meta_span(b, "Impact phase", r->impact_start_us, r->ended_us, "none: no fault took effect");
		meta(b, "Halted at", at(r->verdict == VERDICT_HALTED ? r->halted_at_us : -1, c, sizeof(c)));
	}
	sbuf_add(b, "</dl>\n</header>\n");

	sbuf_add(b, "<h2>Probes</h2>\n");
	if (r->n_probes)
		summary_table(b, r);
	for (size_t i = 0; i < r->n_probes; i++) {
		const struct report_probe *p = &r->probes[i];
		sbuf_addf(b, "<section class=\"probe\" id=\"probe-%zu\">\n<h3>", i);
		text(b, p->name);
		sbuf_add(b, " <small>(");
		text(b, p->type);
		sbuf_add(b, ")</small>");
		verdict_badge(b, "badge", p->verdict);
		sbuf_add(b, "</h3>\n");
		if (p->reason) {
			sbuf_add(b, "<p class=\"why\">");
			text(b, p->reason);
			sbuf_add(b, "</p>\n");
		}
		probe_warnings(b, p);
		timeline(b, r, p, i);
		phase_table(b, r, p);
		sbuf_add(b, "</section>\n");
	}
	fault_table(b, r);
	effect_table(b, r);
	cleanup_section(b, r);
	event_table(b, r);
	sbuf_addf(b, "<footer>Erebus report, schema erebus.report/%d. Times are since the start of the run unless "
		     "marked UTC. This page is self-contained: it loads nothing.</footer>\n</body>\n</html>\n",
		  r->schema);
}
