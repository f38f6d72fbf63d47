/* SPDX-License-Identifier: MIT */
/*
 * A run's figures from its timeline (report_compute(), include/erebus/
 * report.h), on the arithmetic of src/report/figures.c. The engine calls
 * it once, when the probes have stopped; renderers only read the result.
 */
#include <assert.h>
#include <math.h>

#include "erebus/figures.h"
#include "erebus/report.h"

static struct fig_bounds bounds_of(const struct report *r)
{
	return (struct fig_bounds){ r->window_start_us, r->window_end_us, r->impact_start_us };
}

void report_phase_span(const struct report *r, enum phase ph, int64_t *ret_a, int64_t *ret_b)
{
	const struct fig_bounds b = bounds_of(r);
	int64_t spans[PHASE_COUNT][2];

	assert(r && ret_a && ret_b && (unsigned)ph < PHASE_COUNT);
	fig_phase_spans(&b, r->ended_us, spans);
	*ret_a = spans[ph][0];
	*ret_b = spans[ph][1];
}

/* The figures of a run under way: its applications as figures.h wants
 * them (in order of start, ends kept current), and a stream per probe. */
struct report_live {
	size_t keep;		/* per probe */
	size_t kept;		/* in all, at most REPORT_SAMPLES_TOTAL */
	struct fig_app *apps;
	size_t n_apps, cap_apps;
	size_t *synced;		/* per fault: its windows already in apps */
	ssize_t *latest;	/* per fault: its latest application in apps, -1 */
	struct fig_stream *streams;	/* per probe */
};

void report_live_begin(struct report *r, size_t keep)
{
	struct report_live *lv = xcalloc(1, sizeof(*lv));

	assert(r && !r->live);
	lv->keep = keep;
	r->samples_kept = keep > 0;
	lv->synced = xcalloc(r->n_faults + 1, sizeof(*lv->synced));
	lv->latest = xcalloc(r->n_faults + 1, sizeof(*lv->latest));
	for (size_t f = 0; f < r->n_faults; f++)
		lv->latest[f] = -1;
	lv->streams = xcalloc(r->n_probes + 1, sizeof(*lv->streams));
	for (size_t i = 0; i < r->n_probes; i++)
		fig_stream_init(&lv->streams[i], r->probes[i].interval_us, r->probes[i].healthy_after, r->n_faults);
	r->live = lv;
}

void report_live_end(struct report *r)
{
	struct report_live *lv = r->live;

	if (!lv)
		return;
	for (size_t i = 0; i < r->n_probes; i++)
		fig_stream_free(&lv->streams[i]);
	free(lv->streams);
	free(lv->apps);
	free(lv->synced);
	free(lv->latest);
	free(lv);
	r->live = NULL;
}

/* Bring the applications up to date with the faults' windows: new ones
 * appended in order of start (they all began after those before them),
 * each fault's latest one with its revert. O(faults). */
static void sync_apps(struct report *r)
{
	struct report_live *lv = r->live;
	size_t first_new = lv->n_apps;

	for (size_t f = 0; f < r->n_faults; f++) {
		const struct report_fault *rf = &r->faults[f];

		if (lv->latest[f] >= 0 && lv->synced[f])
			lv->apps[lv->latest[f]].end_us = rf->windows[lv->synced[f] - 1].end_us;
		for (size_t w = lv->synced[f]; w < rf->n_windows; w++) {
			GROW(lv->apps, lv->cap_apps, lv->n_apps + 1);
			lv->apps[lv->n_apps++] = (struct fig_app){ .fault = (unsigned)f,
								   .start_us = rf->windows[w].start_us,
								   .end_us = rf->windows[w].end_us,
								   .instant = rf->instant };
		}
		lv->synced[f] = rf->n_windows;
	}
	for (size_t i = first_new + 1; i < lv->n_apps; i++)	/* stable, and short */
		for (size_t j = i; j > first_new && lv->apps[j - 1].start_us > lv->apps[j].start_us; j--) {
			struct fig_app t = lv->apps[j];
			lv->apps[j] = lv->apps[j - 1];
			lv->apps[j - 1] = t;
		}
	for (size_t i = first_new; i < lv->n_apps; i++)
		lv->latest[lv->apps[i].fault] = (ssize_t)i;
}


static void set_last_error(char **slot, const char *msg)
{
	free(*slot);
	*slot = xstrdup(msg ? msg : "failed");
}

/* Count s, and note its message if it failed. */
static void count_sample(struct report *r, size_t probe, const struct sample *s)
{
	struct fig_bounds b = bounds_of(r);
	struct report_probe *p = &r->probes[probe];

	sync_apps(r);
	fig_stream_add(&r->live->streams[probe], &b, r->live->apps, r->live->n_apps, s);
	if (!s->ok) {
		unsigned m = fig_phases_at(&b, s->t_us);
		for (int ph = 0; ph < PHASE_COUNT; ph++)
			if (m & (1u << ph))
				set_last_error(&p->last_error[ph], s->msg);
	}
}

void report_add_sample(struct report *r, size_t probe, const struct sample *s)
{
	struct report_probe *p;

	assert(r && r->live && probe < r->n_probes && s);
	p = &r->probes[probe];
	count_sample(r, probe, s);
	if (p->n_samples >= r->live->keep || r->live->kept >= REPORT_SAMPLES_TOTAL) {
		p->samples_dropped += r->live->keep > 0;
		return;
	}
	if (!(p->n_samples & (p->n_samples - 1))) {	/* 0 or a power of two: full, double it */
		size_t cap = p->n_samples ? 2 * p->n_samples : 1;
		p->samples = xrealloc(p->samples, (cap < r->live->keep ? cap : r->live->keep) * sizeof(*p->samples));
	}
	r->live->kept++;
	p->samples[p->n_samples] = *s;
	p->samples[p->n_samples++].msg = s->msg ? xstrdup(s->msg) : NULL;
}

struct fig_slots report_impact_so_far(const struct report *r, size_t probe)
{
	struct fig_bounds b = bounds_of(r);

	assert(r && r->live && probe < r->n_probes);
	return fig_stream_impact_so_far(&r->live->streams[probe], &b);
}

/* A span's figures from its accumulator. */
static struct report_phase phase_of_acc(const struct fig_acc *a)
{
	struct report_phase r = { .samples = a->samples, .failures = a->failures, .slots = a->slots.slots,
				  .availability = NAN, .p50 = -1, .p95 = -1, .p99 = -1, .max = -1,
				  .sum = a->lat.sum };

	if (a->slots.slots)
		r.availability = (double)a->slots.up / (double)a->slots.slots;
	if (a->lat.count) {
		r.p50 = hist_percentile(&a->lat, 50);
		r.p95 = hist_percentile(&a->lat, 95);
		r.p99 = hist_percentile(&a->lat, 99);
		r.max = hist_max(&a->lat);
	}
	return r;
}

/* When the service recovered from fault f: the end of its last
 * application (a kill's instant), or later the end of the last outage of
 * a probe that is not a detector attributed to it; -1 if it never did. */
static int64_t service_recovered(const struct report *r, size_t f)
{
	const struct report_fault *rf = &r->faults[f];
	int64_t t;

	if (!rf->n_windows)
		return -1;
	t = rf->instant ? rf->windows[rf->n_windows - 1].start_us : rf->windows[rf->n_windows - 1].end_us;
	for (size_t i = 0; i < r->n_probes && t >= 0; i++) {
		const struct report_probe *p = &r->probes[i];
		for (size_t k = 0; !p->detector && k < p->n_outages; k++) {
			if (p->outages[k].fault != (int)f)
				continue;
			if (p->outages[k].end_us < 0)
				return -1;
			if (p->outages[k].end_us > t)
				t = p->outages[k].end_us;
		}
	}
	return t;
}

/* The fault a detector's firing at t belongs to: of those it detects, the
 * one applied last at or before t; -1 if none. */
static int firing_owner(const struct report *r, const struct report_probe *p, int64_t t)
{
	int best = -1;
	int64_t best_at = -1;

	for (size_t f = 0; f < r->n_faults; f++) {
		const struct report_fault *rf = &r->faults[f];
		if (!p->detects || !p->detects[f])
			continue;
		for (size_t w = 0; w < rf->n_windows && rf->windows[w].start_us <= t; w++)
			if (rf->windows[w].start_us >= best_at) {
				best_at = rf->windows[w].start_us;
				best = (int)f;
			}
	}
	return best;
}

/* Per detector and fault it detects: time to alert (from the fault's
 * first application to the detector's first firing that belongs to it)
 * and time to clear (from the service's recovery from it to the end of
 * that firing, 0 if it cleared first). */
static void detector_figures(struct report *r)
{
	for (size_t i = 0; i < r->n_probes; i++) {
		const struct report_probe *p = &r->probes[i];

		for (size_t f = 0; f < r->n_faults; f++)
			r->faults[f].effects[i].alert_us = r->faults[f].effects[i].clear_us = -1;
		for (size_t k = 0; p->detector && k < p->n_outages; k++) {
			const struct report_outage *o = &p->outages[k];
			int f = firing_owner(r, p, o->start_us);
			struct report_effect *e;
			int64_t rec;

			if (f < 0 || (e = &r->faults[f].effects[i])->alert_us >= 0)
				continue;
			e->alert_us = o->start_us - r->faults[f].windows[0].start_us;
			rec = service_recovered(r, (size_t)f);
			if (o->end_us >= 0 && rec >= 0)
				e->clear_us = o->end_us > rec ? o->end_us - rec : 0;
		}
	}
}

void report_compute(struct report *r)
{
	struct fig_bounds b;

	assert(r);
	if (!r->live) {	/* the batch path: the kept samples, all at once */
		report_live_begin(r, 0);
		for (size_t i = 0; i < r->n_probes; i++)
			for (size_t j = 0; j < r->probes[i].n_samples; j++)
				count_sample(r, i, &r->probes[i].samples[j]);
	}
	sync_apps(r);
	b = bounds_of(r);
	for (size_t f = 0; f < r->n_faults; f++) {
		free(r->faults[f].effects);
		r->faults[f].effects = xcalloc(r->n_probes + 1, sizeof(*r->faults[f].effects));
	}
	for (size_t i = 0; i < r->n_probes; i++) {
		struct report_probe *p = &r->probes[i];
		struct fig_stream *st = &r->live->streams[i];

		fig_stream_end(st, &b, r->live->apps, r->live->n_apps, r->ended_us);
		for (int ph = 0; ph < PHASE_COUNT; ph++)
			p->phases[ph] = phase_of_acc(&st->phase[ph]);
		free(p->outages);
		for (size_t k = 0; k < st->n_outages; k++) {	/* the app index becomes the fault's */
			int a = st->outages[k].app;
			st->outages[k].app = a >= 0 ? (int)r->live->apps[a].fault : -1;
		}
		p->n_outages = st->n_outages;
		p->outages = xcalloc(st->n_outages + 1, sizeof(*p->outages));
		for (size_t k = 0; k < st->n_outages; k++)
			p->outages[k] = (struct report_outage){ st->outages[k].start_us, st->outages[k].end_us,
								st->outages[k].app };
		p->outages_total = st->outages_total;
		p->time_to_detect_us = st->detect_us;
		p->time_to_recover_us = st->recover_us;
		free(p->timeline);
		p->timeline = NULL;
		if (st->tl.bucket_us) {
			p->timeline = xmalloc(sizeof(*p->timeline));
			*p->timeline = st->tl;
		}
		for (size_t f = 0; f < r->n_faults; f++) {
			const struct fig_effect *e = &st->eff[f];

			r->faults[f].effects[i] = (struct report_effect){
				.detect_us = e->detect_us, .mitigate_us = e->mitigate_us, .recover_us = e->recover_us,
				.down_us = e->outages ? e->down_us : 0, .outages = e->outages,
				.span = phase_of_acc(&st->effect[f]) };
		}
	}
	detector_figures(r);
	report_live_end(r);
}
