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

static int cmp_app(const void *a, const void *b)
{
	const struct fig_app *x = a, *y = b;
	return (x->start_us > y->start_us) - (x->start_us < y->start_us);
}

/* A probe over the spans [a, b) of spans: slots on its grid, and the
 * samples started in them. */
static struct report_phase span_stats(const struct report_probe *p, const int64_t (*spans)[2], size_t n)
{
	_cleanup_free_ int64_t *lat = xcalloc(p->n_samples + 1, sizeof(*lat));
	struct report_phase r = { .availability = NAN, .p50 = -1, .p95 = -1, .p99 = -1, .max = -1 };
	unsigned up = 0;
	size_t k = 0;

	for (size_t j = 0; j < n; j++) {
		struct fig_slots sl = fig_slots(p->samples, p->n_samples, p->interval_us, spans[j][0],
						spans[j][1]);
		r.slots += sl.slots;
		up += sl.up;
		for (size_t i = 0; i < p->n_samples; i++) {
			const struct sample *s = &p->samples[i];
			if (s->t_us < spans[j][0] || s->t_us >= spans[j][1])
				continue;
			r.samples++;
			r.failures += !s->ok;
			lat[k++] = s->latency_us;
		}
	}
	if (r.slots)
		r.availability = (double)up / (double)r.slots;
	report_latency(lat, k, &r);
	return r;
}

/* Every application of every fault, in order of start. */
static size_t gather_apps(const struct report *r, struct fig_app **ret)
{
	struct fig_app *v = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < r->n_faults; i++)
		for (size_t j = 0; j < r->faults[i].n_windows; j++) {
			GROW(v, cap, n + 1);
			v[n++] = (struct fig_app){ .fault = (unsigned)i, .start_us = r->faults[i].windows[j].start_us,
						   .end_us = r->faults[i].windows[j].end_us,
						   .instant = r->faults[i].instant };
		}
	if (n)
		qsort(v, n, sizeof(*v), cmp_app);	/* by start; applications of one fault keep their order */
	*ret = v;
	return n;
}

static void phase_spans(const struct report *r, int64_t spans[PHASE_COUNT][2])
{
	int64_t end = r->ended_us, ws = r->window_start_us, we = r->window_end_us;

	spans[PHASE_BEFORE][0] = 0;
	spans[PHASE_BEFORE][1] = ws >= 0 ? ws : end;
	spans[PHASE_DURING][0] = ws >= 0 ? ws : end;
	spans[PHASE_DURING][1] = we >= 0 ? we : end;
	spans[PHASE_AFTER][0] = we >= 0 ? we : end;
	spans[PHASE_AFTER][1] = end;
	spans[PHASE_IMPACT][0] = r->impact_start_us >= 0 ? r->impact_start_us : end;
	spans[PHASE_IMPACT][1] = end;
}

void report_phase_span(const struct report *r, enum phase ph, int64_t *ret_a, int64_t *ret_b)
{
	int64_t spans[PHASE_COUNT][2];

	assert(r && ret_a && ret_b && (unsigned)ph < PHASE_COUNT);
	phase_spans(r, spans);
	*ret_a = spans[ph][0];
	*ret_b = spans[ph][1];
}

/* The probe's outages, attributed; and its time to detect (the first
 * attributed outage's) and to recover (the last one that outlived its
 * fault's application). */
static void probe_outages(struct report_probe *p, const struct fig_outage *o, size_t n,
			  const struct fig_app *apps)
{
	free(p->outages);
	p->outages = n ? xcalloc(n, sizeof(*p->outages)) : NULL;
	p->n_outages = n;
	p->time_to_detect_us = p->time_to_recover_us = -1;
	for (size_t i = 0; i < n; i++) {
		const struct fig_app *a = o[i].app >= 0 ? &apps[o[i].app] : NULL;
		int64_t fend = a ? (a->instant ? a->start_us : a->end_us) : -1;

		p->outages[i] = (struct report_outage){ o[i].start_us, o[i].end_us, a ? (int)a->fault : -1 };
		if (!a)
			continue;
		if (p->time_to_detect_us < 0)
			p->time_to_detect_us = o[i].start_us - a->start_us;
		if (fend >= 0 && o[i].end_us > fend)
			p->time_to_recover_us = o[i].end_us - fend;
		else if (o[i].end_us < 0)
			p->time_to_recover_us = -1;
	}
}

void report_compute(struct report *r)
{
	_cleanup_free_ struct fig_app *apps = NULL;
	size_t n_apps = gather_apps(r, &apps);
	int64_t spans[PHASE_COUNT][2];

	phase_spans(r, spans);
	for (size_t i = 0; i < r->n_faults; i++) {
		free(r->faults[i].effects);
		r->faults[i].effects = xcalloc(r->n_probes + 1, sizeof(*r->faults[i].effects));
	}
	for (size_t i = 0; i < r->n_probes; i++) {
		struct report_probe *p = &r->probes[i];
		_cleanup_free_ struct fig_outage *o = NULL;
		size_t n_o = 0;

		for (int ph = 0; ph < PHASE_COUNT; ph++)
			p->phases[ph] = span_stats(p, (const int64_t(*)[2])&spans[ph], 1);
		if (p->n_samples && r->window_start_us >= 0)	/* outages count from the steady state on */
			n_o = fig_outages(p->samples, p->n_samples, p->healthy_after, r->window_start_us, apps,
					  n_apps, &o);
		probe_outages(p, o, n_o, apps);
		for (size_t f = 0; f < r->n_faults; f++) {
			_cleanup_free_ int64_t(*fs)[2] = NULL;
			size_t n_fs = fig_effect_spans((unsigned)f, apps, n_apps, r->ended_us, &fs);
			struct fig_effect e = fig_effect((unsigned)f, apps, n_apps, o, n_o, r->ended_us);

			r->faults[f].effects[i] = (struct report_effect){
				.detect_us = e.detect_us, .mitigate_us = e.mitigate_us, .recover_us = e.recover_us,
				.down_us = e.outages ? e.down_us : 0, .outages = e.outages,
				.span = span_stats(p, (const int64_t(*)[2])fs, n_fs) };
		}
	}
}
