/* SPDX-License-Identifier: MIT */
/*
 * The arithmetic behind a run's figures (include/erebus/figures.h): slots
 * of a probe's interval grid, outages and the fault each belongs to, and
 * per-fault effects. Pure functions of the timeline, so every edge has a
 * unit test (tests/unit/test_figures.c).
 */
#include <assert.h>

#include "erebus/figures.h"
#include "erebus/util.h"

/* The slot holding t (t >= g0). */
static int64_t slot_of(int64_t g0, int64_t interval, int64_t t)
{
	return (t - g0) / interval;
}

/* The first slot starting at or after t. */
static int64_t slot_from(int64_t g0, int64_t interval, int64_t t)
{
	if (t <= g0)
		return 0;
	return (t - g0 + interval - 1) / interval;
}

/* The slots [*first, *last] sample x stands for: from its own until the
 * next sample starts, or for the last one (next NULL) until it ended. */
static void held(int64_t g0, int64_t interval, const struct sample *x, const struct sample *next, int64_t *first,
		 int64_t *last)
{
	*first = slot_of(g0, interval, x->t_us);
	if (next)
		*last = slot_of(g0, interval, next->t_us) - 1;
	else
		*last = slot_of(g0, interval, x->t_us + (x->latency_us > 0 ? x->latency_us - 1 : 0));
}

/* How many of the slots [first, last] start in [a, b) (b INT64_MAX: open). */
static unsigned slots_in(int64_t g0, int64_t interval, int64_t first, int64_t last, int64_t a, int64_t b)
{
	int64_t lo = slot_from(g0, interval, a), hi = b == INT64_MAX ? last : slot_from(g0, interval, b) - 1;

	if (lo < first)
		lo = first;
	if (hi > last)
		hi = last;
	return hi >= lo ? (unsigned)(hi - lo + 1) : 0;
}

static void add_slots(struct fig_slots *r, unsigned n, bool ok)
{
	r->slots += n;
	if (ok)
		r->up += n;
}

struct fig_slots fig_slots(const struct sample *s, size_t n, int64_t interval_us, int64_t a_us,
			   int64_t b_us)
{
	struct fig_slots r = { 0 };

	if (!n || interval_us <= 0 || b_us <= a_us)
		return r;
	for (size_t i = 0; i < n; i++) {
		int64_t first, last;

		held(s[0].t_us, interval_us, &s[i], i + 1 < n ? &s[i + 1] : NULL, &first, &last);
		add_slots(&r, slots_in(s[0].t_us, interval_us, first, last, a_us, b_us), s[i].ok);
	}
	return r;
}

/* The latest application started at or before t, or -1 (apps sorted). */
static ssize_t app_at(const struct fig_app *apps, size_t n, int64_t t)
{
	size_t lo = 0, hi = n;	/* the first one after t is in [lo, hi] */

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (apps[mid].start_us <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (ssize_t)lo - 1;
}

int fig_in_effect(const struct fig_app *apps, size_t n, int64_t t_us)
{
	/* The latest application at or before t is in effect if it is
	 * instant (nothing came after it yet) or not yet reverted; an earlier
	 * instant one is not (one came after it), an earlier lasting one is
	 * while it is not reverted. */
	for (ssize_t j = app_at(apps, n, t_us); j >= 0; j--)
		if ((apps[j].instant && (size_t)j + 1 == n) || (apps[j].instant && apps[j + 1].start_us > t_us) ||
		    (!apps[j].instant && (apps[j].end_us < 0 || t_us < apps[j].end_us)))
			return (int)j;
	return -1;
}

/* Where an outage whose first failed sample is f begins: its start, or
 * the latest application made while it was in flight. */
static int64_t outage_start(const struct sample *f, const struct fig_app *apps, size_t n_apps)
{
	ssize_t j = app_at(apps, n_apps, f->t_us + f->latency_us);

	return j >= 0 && apps[j].start_us > f->t_us ? apps[j].start_us : f->t_us;
}

/* The outage state machine, one sample at a time. */
struct outage_machine {
	struct fig_outage cur;	/* start_us -1: none open */
	unsigned streak;
	int64_t healed;
};
enum { OUTAGE_NONE, OUTAGE_OPENED, OUTAGE_CLOSED };

/* Feed x: OUTAGE_OPENED when it began an outage (m->cur, end -1),
 * OUTAGE_CLOSED when it ended one (m->cur, with its end; then none is
 * open), else OUTAGE_NONE. */
static int outage_step(struct outage_machine *m, const struct sample *x, unsigned healthy_after,
		       const struct fig_app *apps, size_t n_apps)
{
	unsigned need = healthy_after ? healthy_after : 1;

	if (!x->ok) {
		m->streak = 0;
		if (m->cur.start_us >= 0)
			return OUTAGE_NONE;
		m->cur.start_us = outage_start(x, apps, n_apps);
		m->cur.end_us = -1;
		m->cur.app = fig_in_effect(apps, n_apps, m->cur.start_us);
		return OUTAGE_OPENED;
	}
	if (m->cur.start_us < 0)
		return OUTAGE_NONE;
	if (++m->streak == 1)
		m->healed = x->t_us + x->latency_us;
	if (m->streak < need)
		return OUTAGE_NONE;
	m->cur.end_us = m->healed;
	m->streak = 0;
	return OUTAGE_CLOSED;
}

size_t fig_outages(const struct sample *s, size_t n, unsigned healthy_after, int64_t from_us,
		   const struct fig_app *apps, size_t n_apps, struct fig_outage **ret)
{
	struct outage_machine m = { .cur.start_us = -1 };
	struct fig_outage *v = NULL;
	size_t k = 0, cap = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i].t_us < from_us)
			continue;
		switch (outage_step(&m, &s[i], healthy_after, apps, n_apps)) {
		case OUTAGE_OPENED:
			GROW(v, cap, k + 1);
			v[k++] = m.cur;
			break;
		case OUTAGE_CLOSED:
			v[k - 1].end_us = m.cur.end_us;
			m.cur.start_us = -1;
			break;
		}
	}
	*ret = v;
	return k;
}

/* An outage o of application a began: its fault's effect counts it. */
static void effect_opened(struct fig_effect *e, const struct fig_outage *o, const struct fig_app *a)
{
	e->outages++;
	if (e->detect_us < 0)
		e->detect_us = o->start_us - a->start_us;
}

/* It ended (o->end_us): healed under the fault, or recovered after it
 * (the application's end as known when it ended: -1, not yet reverted,
 * means it healed under the fault). */
static void effect_closed(struct fig_effect *e, const struct fig_outage *o, const struct fig_app *a)
{
	int64_t fend = a->instant ? a->start_us : a->end_us;

	e->down_us += o->end_us > o->start_us ? o->end_us - o->start_us : 0;
	if (!a->instant && (fend < 0 || o->end_us <= fend)) {
		if (e->mitigate_us < 0)
			e->mitigate_us = o->end_us - o->start_us;
	} else if (fend >= 0) {
		e->recover_us = o->end_us - fend;
	}
}

/* It was still open when the run ended at end_us. */
static void effect_left_open(struct fig_effect *e, const struct fig_outage *o, int64_t end_us)
{
	e->down_us += end_us > o->start_us ? end_us - o->start_us : 0;
	e->recovered = false;
	e->recover_us = -1;	/* outlived the fault, never healthy again */
}

static const struct fig_effect effect_none = { .detect_us = -1, .mitigate_us = -1, .recover_us = -1,
					       .recovered = true };

struct fig_effect fig_effect(unsigned fault, const struct fig_app *apps, size_t n_apps,
			     const struct fig_outage *o, size_t n_o, int64_t end_us)
{
	struct fig_effect e = effect_none;

	for (size_t i = 0; i < n_o; i++) {
		if (o[i].app < 0 || (size_t)o[i].app >= n_apps || apps[o[i].app].fault != fault)
			continue;
		effect_opened(&e, &o[i], &apps[o[i].app]);
		if (o[i].end_us < 0)
			effect_left_open(&e, &o[i], end_us);
		else
			effect_closed(&e, &o[i], &apps[o[i].app]);
	}
	return e;
}

size_t fig_effect_spans(unsigned fault, const struct fig_app *apps, size_t n_apps, int64_t end_us,
			int64_t (**ret)[2])
{
	int64_t (*v)[2] = NULL;
	size_t k = 0, cap = 0;

	for (size_t j = 0; j < n_apps; j++) {
		if (apps[j].fault != fault)
			continue;
		GROW(v, cap, k + 1);
		v[k][0] = apps[j].start_us;
		v[k][1] = j + 1 < n_apps ? apps[j + 1].start_us : end_us;
		k++;
	}
	*ret = v;
	return k;
}

bool fig_tolerance_reachable(struct fig_slots so_far, unsigned max_slots, double tolerance)
{
	unsigned total = max_slots > so_far.slots ? max_slots : so_far.slots;

	assert(so_far.up <= so_far.slots);
	if (!total)
		return true;
	return (double)(so_far.up + (total - so_far.slots)) / (double)total >= tolerance - 1e-9;
}

/* ---- the stream ----------------------------------------------------------- */

void fig_timeline_add(struct fig_timeline *tl, int64_t first_us, int64_t t_us, int64_t latency_us, bool ok)
{
	struct fig_bucket *bk;
	int64_t k;

	if (!tl->bucket_us)
		tl->bucket_us = first_us >= USEC_PER_MSEC ? first_us : USEC_PER_MSEC;
	if (t_us < 0)
		t_us = 0;
	while (t_us / tl->bucket_us >= FIG_TIMELINE_BUCKETS) {	/* halve the resolution */
		for (uint32_t i = 0; i < FIG_TIMELINE_BUCKETS / 2; i++) {
			struct fig_bucket x = tl->b[2 * i], y = tl->b[2 * i + 1];
			tl->b[i] = (struct fig_bucket){ x.samples + y.samples, x.failures + y.failures,
							x.sum_us + y.sum_us, x.max_us > y.max_us ? x.max_us : y.max_us };
		}
		for (uint32_t i = FIG_TIMELINE_BUCKETS / 2; i < FIG_TIMELINE_BUCKETS; i++)
			tl->b[i] = (struct fig_bucket){ .max_us = -1 };
		tl->n = (tl->n + 1) / 2;
		tl->bucket_us *= 2;
	}
	k = t_us / tl->bucket_us;
	for (; tl->n <= (uint32_t)k; tl->n++)
		tl->b[tl->n] = (struct fig_bucket){ .max_us = -1 };
	bk = &tl->b[k];
	bk->samples++;
	bk->failures += !ok;
	bk->sum_us += latency_us > 0 ? latency_us : 0;
	if (latency_us > bk->max_us)
		bk->max_us = latency_us;
}

void fig_stream_init(struct fig_stream *s, int64_t interval_us, unsigned healthy_after, size_t n_faults)
{
	*s = (struct fig_stream){ .interval_us = interval_us, .healthy_after = healthy_after, .n_faults = n_faults,
				  .detect_us = -1, .recover_us = -1, .open.start_us = -1 };
	for (int ph = 0; ph < PHASE_COUNT; ph++)
		hist_init(&s->phase[ph].lat);
	s->effect = xcalloc(n_faults + 1, sizeof(*s->effect));
	s->eff = xcalloc(n_faults + 1, sizeof(*s->eff));
	for (size_t f = 0; f < n_faults; f++) {
		hist_init(&s->effect[f].lat);
		s->eff[f] = effect_none;
	}
}

void fig_stream_free(struct fig_stream *s)
{
	if (!s)
		return;
	free(s->effect);
	free(s->eff);
	free(s->outages);
	s->effect = NULL;
	s->eff = NULL;
	s->outages = NULL;
}

void fig_phase_spans(const struct fig_bounds *b, int64_t cap, int64_t spans[PHASE_COUNT][2])
{
	int64_t ws = b->window_start, we = b->window_end, is = b->impact_start;

	spans[PHASE_BEFORE][0] = 0;
	spans[PHASE_BEFORE][1] = ws >= 0 ? ws : cap;
	spans[PHASE_DURING][0] = ws >= 0 ? ws : cap;
	spans[PHASE_DURING][1] = we >= 0 ? we : cap;
	spans[PHASE_AFTER][0] = we >= 0 ? we : cap;
	spans[PHASE_AFTER][1] = cap;
	spans[PHASE_IMPACT][0] = is >= 0 ? is : cap;
	spans[PHASE_IMPACT][1] = cap;
}

unsigned fig_phases_at(const struct fig_bounds *b, int64_t t_us)
{
	int64_t spans[PHASE_COUNT][2];
	unsigned m = 0;

	fig_phase_spans(b, INT64_MAX, spans);
	for (int ph = 0; ph < PHASE_COUNT; ph++)
		if (t_us >= spans[ph][0] && t_us < spans[ph][1])
			m |= 1u << ph;
	return m;
}

/* Count the slots x stands for (until next starts, or, the last, until
 * it ended) in every span they start in, up to cap. */
static void count_held(struct fig_stream *s, const struct fig_bounds *b, const struct fig_app *apps, size_t n_apps,
		       const struct sample *x, const struct sample *next, int64_t cap)
{
	int64_t spans[PHASE_COUNT][2], first, last, last_start;

	held(s->g0, s->interval_us, x, next, &first, &last);
	if (last < first)
		return;
	fig_phase_spans(b, cap, spans);
	for (int ph = 0; ph < PHASE_COUNT; ph++)
		if (spans[ph][0] < spans[ph][1])
			add_slots(&s->phase[ph].slots,
				  slots_in(s->g0, s->interval_us, first, last, spans[ph][0], spans[ph][1]), x->ok);
	/* effect windows: each application until the next one (or cap) */
	last_start = s->g0 + last * s->interval_us;
	for (ssize_t j = app_at(apps, n_apps, s->g0 + first * s->interval_us); (size_t)(j + 1) <= n_apps; j++) {
		int64_t until = (size_t)j + 1 < n_apps && apps[j + 1].start_us < cap ? apps[j + 1].start_us : cap;

		if (j >= 0 && apps[j].start_us < until && apps[j].fault < s->n_faults)
			add_slots(&s->effect[apps[j].fault].slots,
				  slots_in(s->g0, s->interval_us, first, last, apps[j].start_us, until), x->ok);
		if ((size_t)j + 1 >= n_apps || apps[j + 1].start_us > last_start || apps[j + 1].start_us >= cap)
			break;
	}
}

static void acc_sample(struct fig_acc *a, const struct sample *x)
{
	a->samples++;
	a->failures += !x->ok;
	hist_record(&a->lat, x->latency_us);
}

/* The probe's own time to detect and to recover, and the per-fault
 * effects, as an outage opens or closes. */
static void outage_opened(struct fig_stream *s, const struct fig_app *apps)
{
	const struct fig_app *a = s->open.app >= 0 ? &apps[s->open.app] : NULL;

	s->outages_total++;
	if (s->n_outages < FIG_OUTAGES_KEPT) {
		GROW(s->outages, s->cap_outages, s->n_outages + 1);
		s->outages[s->n_outages++] = s->open;
	}
	if (!a || a->fault >= s->n_faults)
		return;
	effect_opened(&s->eff[a->fault], &s->open, a);
	if (s->detect_us < 0)
		s->detect_us = s->open.start_us - a->start_us;
}

static void outage_closed(struct fig_stream *s, const struct fig_app *apps)
{
	const struct fig_app *a = s->open.app >= 0 ? &apps[s->open.app] : NULL;

	if (s->outages_total <= FIG_OUTAGES_KEPT)
		s->outages[s->outages_total - 1].end_us = s->open.end_us;
	if (a && a->fault < s->n_faults) {
		int64_t fend = a->instant ? a->start_us : a->end_us;

		effect_closed(&s->eff[a->fault], &s->open, a);
		if (fend >= 0 && s->open.end_us > fend)
			s->recover_us = s->open.end_us - fend;
	}
	s->open.start_us = -1;
}

void fig_stream_add(struct fig_stream *s, const struct fig_bounds *b, const struct fig_app *apps, size_t n_apps,
		    const struct sample *x)
{
	unsigned in;
	ssize_t j;

	assert(s && b && x && (apps || !n_apps));
	if (!s->have_prev)
		s->g0 = x->t_us;
	else if (s->interval_us > 0)
		count_held(s, b, apps, n_apps, &s->prev, x, INT64_MAX);
	in = fig_phases_at(b, x->t_us);
	for (int ph = 0; ph < PHASE_COUNT; ph++)
		if (in & (1u << ph))
			acc_sample(&s->phase[ph], x);
	j = app_at(apps, n_apps, x->t_us);
	if (j >= 0 && apps[j].fault < s->n_faults)
		acc_sample(&s->effect[apps[j].fault], x);
	if (b->window_start >= 0 && x->t_us >= b->window_start) {	/* outages count from the steady state on */
		struct outage_machine m = { s->open, s->streak, s->healed };
		int r = outage_step(&m, x, s->healthy_after, apps, n_apps);

		s->open = m.cur;
		s->streak = m.streak;
		s->healed = m.healed;
		if (r == OUTAGE_OPENED)
			outage_opened(s, apps);
		else if (r == OUTAGE_CLOSED)
			outage_closed(s, apps);
	}
	fig_timeline_add(&s->tl, s->interval_us, x->t_us, x->latency_us, x->ok);
	s->prev = (struct sample){ .t_us = x->t_us, .latency_us = x->latency_us, .ok = x->ok };
	s->have_prev = true;
}

void fig_stream_end(struct fig_stream *s, const struct fig_bounds *b, const struct fig_app *apps, size_t n_apps,
		    int64_t end_us)
{
	const struct fig_app *a;

	assert(s && b && (apps || !n_apps));
	if (s->have_prev && s->interval_us > 0)
		count_held(s, b, apps, n_apps, &s->prev, NULL, end_us);
	if (s->open.start_us < 0)
		return;
	a = s->open.app >= 0 ? &apps[s->open.app] : NULL;
	if (a && a->fault < s->n_faults) {
		effect_left_open(&s->eff[a->fault], &s->open, end_us);
		s->recover_us = -1;
	}
}

struct fig_slots fig_stream_impact_so_far(const struct fig_stream *s, const struct fig_bounds *b)
{
	struct fig_slots r = s->phase[PHASE_IMPACT].slots;
	int64_t first, last;

	if (!s->have_prev || s->interval_us <= 0 || b->impact_start < 0)
		return r;
	held(s->g0, s->interval_us, &s->prev, NULL, &first, &last);
	add_slots(&r, slots_in(s->g0, s->interval_us, first, last, b->impact_start, INT64_MAX), s->prev.ok);
	return r;
}
