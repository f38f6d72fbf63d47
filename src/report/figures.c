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

struct fig_slots fig_slots(const struct sample *s, size_t n, int64_t interval_us, int64_t a_us,
			   int64_t b_us)
{
	struct fig_slots r = { 0 };
	int64_t g0, kmin, kmax;

	if (!n || interval_us <= 0 || b_us <= a_us)
		return r;
	g0 = s[0].t_us;
	kmin = slot_from(g0, interval_us, a_us);
	kmax = slot_from(g0, interval_us, b_us) - 1;	/* last slot starting before b */
	for (size_t i = 0; i < n && kmin <= kmax; i++) {
		int64_t first = slot_of(g0, interval_us, s[i].t_us), last;

		if (i + 1 < n) {	/* held until the next sample starts */
			last = slot_of(g0, interval_us, s[i + 1].t_us) - 1;
		} else {		/* the last one: until it ended */
			int64_t end = s[i].t_us + (s[i].latency_us > 0 ? s[i].latency_us - 1 : 0);
			last = slot_of(g0, interval_us, end);
		}
		if (first < kmin)
			first = kmin;
		if (last > kmax)
			last = kmax;
		if (last < first)
			continue;
		r.slots += (unsigned)(last - first + 1);
		if (s[i].ok)
			r.up += (unsigned)(last - first + 1);
	}
	return r;
}

int fig_in_effect(const struct fig_app *apps, size_t n, int64_t t_us)
{
	int best = -1;

	for (size_t j = 0; j < n && apps[j].start_us <= t_us; j++) {
		bool in;

		if (apps[j].instant)
			in = j + 1 == n || apps[j + 1].start_us > t_us;
		else
			in = apps[j].end_us < 0 || t_us < apps[j].end_us;
		if (in)
			best = (int)j;
	}
	return best;
}

/* Where an outage whose first failed sample is f begins: its start, or
 * the latest application made while it was in flight. */
static int64_t outage_start(const struct sample *f, const struct fig_app *apps, size_t n_apps)
{
	int64_t t = f->t_us;

	for (size_t j = 0; j < n_apps; j++)
		if (apps[j].start_us > f->t_us && apps[j].start_us <= f->t_us + f->latency_us)
			t = apps[j].start_us;
	return t;
}

size_t fig_outages(const struct sample *s, size_t n, unsigned healthy_after, int64_t from_us,
		   const struct fig_app *apps, size_t n_apps, struct fig_outage **ret)
{
	struct fig_outage *v = NULL, *cur = NULL;
	size_t k = 0, cap = 0;
	unsigned streak = 0, need = healthy_after ? healthy_after : 1;
	int64_t healed = -1;

	for (size_t i = 0; i < n; i++) {
		if (s[i].t_us < from_us)
			continue;
		if (!s[i].ok) {
			if (!cur) {
				GROW(v, cap, k + 1);
				cur = &v[k++];
				cur->start_us = outage_start(&s[i], apps, n_apps);
				cur->end_us = -1;
				cur->app = fig_in_effect(apps, n_apps, cur->start_us);
			}
			streak = 0;
			continue;
		}
		if (!cur)
			continue;
		if (++streak == 1)
			healed = s[i].t_us + s[i].latency_us;
		if (streak >= need) {
			cur->end_us = healed;
			cur = NULL;
			streak = 0;
		}
	}
	*ret = v;
	return k;
}

struct fig_effect fig_effect(unsigned fault, const struct fig_app *apps, size_t n_apps,
			     const struct fig_outage *o, size_t n_o, int64_t end_us)
{
	struct fig_effect e = { .detect_us = -1, .mitigate_us = -1, .recover_us = -1, .recovered = true };

	for (size_t i = 0; i < n_o; i++) {
		const struct fig_app *a;
		int64_t fend, oend;

		if (o[i].app < 0 || (size_t)o[i].app >= n_apps || apps[o[i].app].fault != fault)
			continue;
		a = &apps[o[i].app];
		fend = a->instant ? a->start_us : a->end_us;	/* -1: never reverted */
		oend = o[i].end_us < 0 ? end_us : o[i].end_us;
		e.outages++;
		if (e.detect_us < 0)
			e.detect_us = o[i].start_us - a->start_us;
		e.down_us += oend > o[i].start_us ? oend - o[i].start_us : 0;
		if (o[i].end_us < 0) {
			e.recovered = false;
			e.recover_us = -1;	/* outlived the fault, never healthy again */
			continue;
		}
		if (!a->instant && (fend < 0 || o[i].end_us <= fend)) {
			if (e.mitigate_us < 0)
				e.mitigate_us = o[i].end_us - o[i].start_us;
		} else if (fend >= 0) {
			e.recover_us = o[i].end_us - fend;
		}
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
