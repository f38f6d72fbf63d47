/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the figures as a stream (report_live_begin(),
 * report_add_sample(), report_compute(); src/report/compute.c and the
 * stream of src/report/figures.c):
 *  - a run replayed event by event, as the engine sees it (phase times and
 *    applications known only once they happened, each sample counted when
 *    it ends), gives exactly the figures of the same run counted at once at
 *    the end, for many random runs;
 *  - percentiles are within the histogram's bound of the exact ones from
 *    the sorted samples, max exact;
 *  - the timeline halves its resolution at its boundary and keeps every
 *    count;
 *  - --samples keeps at most its count and counts the rest;
 *  - the brakes' running count matches the count at the end;
 *  - events past REPORT_EVENTS_PER_KIND of a kind are counted, not kept,
 *    and read back so;
 *  - the largest probe the writer can write stays within the size the
 *    reader's limit is derived from (about 120 KiB), and reads back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "erebus/report.h"
#include "rng.h"

#define MS 1000

/* One random run: its phase times, applications and samples. */
struct run {
	int64_t ws, we, end;
	struct { unsigned fault; int64_t start, end; } apps[6];	/* end == start: instant */
	size_t n_apps;
	struct sample *s[2];
	size_t n[2];
	int64_t interval[2];
	unsigned healthy_after[2];
};

static void make_run(struct run *x)
{
	int64_t t;

	memset(x, 0, sizeof(*x));
	x->ws = rng_in(200, 800) * MS;
	x->we = x->ws + rng_in(2000, 5000) * MS;
	x->end = x->we + rng_in(500, 3000) * MS;
	/* fault 0 lasting, fault 1 instant, in order, inside the window */
	t = x->ws + rng_in(0, 500) * MS;
	while (x->n_apps < 6 && t < x->we - 100 * MS) {
		unsigned f = (unsigned)(rng() % 2);
		int64_t end = f ? t : t + rng_in(100, 1500) * MS;
		if (end > x->we)
			end = x->we;
		x->apps[x->n_apps].fault = f;
		x->apps[x->n_apps].start = t;
		x->apps[x->n_apps++].end = end;
		t = end + rng_in(50, 900) * MS;
	}
	for (int p = 0; p < 2; p++) {
		size_t cap = 4096;
		bool down = false;

		x->interval[p] = (p ? 250 : 100) * MS;
		x->healthy_after[p] = (unsigned)rng_in(1, 3);
		x->s[p] = calloc(cap, sizeof(struct sample));
		t = rng_in(0, 50) * MS;
		while (t < x->end - x->interval[p] && x->n[p] < cap) {
			struct sample *s = &x->s[p][x->n[p]++];
			int64_t lat;

			if (rng() % 8 == 0)
				down = !down;
			s->ok = !down && rng() % 10;
			lat = s->ok ? rng_in(100, 3000) : rng() % 3 ? rng_in(1, 50) * MS : rng_in(200, 700) * MS;
			s->t_us = t;
			s->latency_us = lat;
			/* the next one: on the grid, after this one ended, sometimes late */
			t += x->interval[p];
			while (t < s->t_us + lat)
				t += x->interval[p];
			t += rng() % 5 ? 0 : rng_in(1, 30) * MS;
		}
	}
}

static struct report *new_report(const struct run *x)
{
	struct report *r = calloc(1, sizeof(*r));

	r->schema = 3;
	r->steady_at_us = r->window_start_us = r->window_end_us = r->recovered_at_us = -1;
	r->impact_start_us = r->ended_us = r->halted_at_us = -1;
	r->n_faults = 2;
	r->faults = calloc(2, sizeof(*r->faults));
	r->faults[1].instant = true;
	r->n_probes = 2;
	r->probes = calloc(2, sizeof(*r->probes));
	for (int p = 0; p < 2; p++) {
		r->probes[p].interval_us = x->interval[p];
		r->probes[p].healthy_after = x->healthy_after[p];
	}
	return r;
}

static void apply(struct report *r, const struct run *x, size_t j)
{
	report_fault_applied(&r->faults[x->apps[j].fault], x->apps[j].start, x->apps[j].fault == 1);
	if (r->impact_start_us < 0)
		r->impact_start_us = x->apps[j].start;
}

/* The run counted at once at the end (the batch path). */
static struct report *batch(const struct run *x)
{
	struct report *r = new_report(x);

	r->window_start_us = x->ws;
	r->window_end_us = x->we;
	r->ended_us = x->end;
	for (size_t j = 0; j < x->n_apps; j++) {
		apply(r, x, j);
		if (x->apps[j].end != x->apps[j].start)
			report_fault_reverted(&r->faults[0], x->apps[j].end);
	}
	for (int p = 0; p < 2; p++) {
		r->probes[p].samples = x->s[p];
		r->probes[p].n_samples = x->n[p];
	}
	report_compute(r);
	r->probes[0].samples = r->probes[1].samples = NULL;
	r->probes[0].n_samples = r->probes[1].n_samples = 0;
	return r;
}

/* The run as the engine sees it: every event in time order, each sample
 * counted when it ends. */
static struct report *live(const struct run *x, size_t keep)
{
	struct report *r = new_report(x);
	size_t next[2] = { 0, 0 }, a = 0, rv = 0;

	report_live_begin(r, keep);
	for (;;) {
		/* the earliest of: window start, window end, an application, a
		 * revert, a sample's end (ties: the kernel change first, as the
		 * engine's timers run before a sample it then reads) */
		int64_t best = INT64_MAX;
		int what = -1;

		if (r->window_start_us < 0 && x->ws < best)
			best = x->ws, what = 0;
		if (r->window_end_us < 0 && x->we < best)
			best = x->we, what = 1;
		if (a < x->n_apps && x->apps[a].start < best)
			best = x->apps[a].start, what = 2;
		while (rv < x->n_apps && x->apps[rv].end == x->apps[rv].start)
			rv++;
		if (rv < a && x->apps[rv].end < best)
			best = x->apps[rv].end, what = 3;
		for (int p = 0; p < 2; p++)
			if (next[p] < x->n[p] && x->s[p][next[p]].t_us + x->s[p][next[p]].latency_us < best)
				best = x->s[p][next[p]].t_us + x->s[p][next[p]].latency_us, what = 4 + p;
		if (what < 0 || best >= x->end)
			break;
		switch (what) {
		case 0: r->window_start_us = x->ws; break;
		case 1: r->window_end_us = x->we; break;
		case 2: apply(r, x, a++); break;
		case 3: report_fault_reverted(&r->faults[0], x->apps[rv++].end); break;
		default: report_add_sample(r, (size_t)(what - 4), &x->s[what - 4][next[what - 4]++]); break;
		}
	}
	if (r->window_start_us < 0)
		r->window_start_us = x->ws;
	if (r->window_end_us < 0)
		r->window_end_us = x->we;
	r->ended_us = x->end;
	report_compute(r);
	return r;
}

static void same_phase(const struct report_phase *a, const struct report_phase *b)
{
	assert_int_equal(a->samples, b->samples);
	assert_int_equal(a->failures, b->failures);
	assert_int_equal(a->slots, b->slots);
	assert_true(isnan(a->availability) ? isnan(b->availability) : a->availability == b->availability);
	assert_int_equal(a->p50, b->p50);
	assert_int_equal(a->p99, b->p99);
	assert_int_equal(a->max, b->max);
	assert_int_equal(a->sum, b->sum);
}

/* Only samples that ended before the run did count live: drop the rest
 * from the run before counting it at the end too. */
static void trim(struct run *x)
{
	for (int p = 0; p < 2; p++)
		while (x->n[p] && x->s[p][x->n[p] - 1].t_us + x->s[p][x->n[p] - 1].latency_us >= x->end)
			x->n[p]--;
}

static void test_live_equals_batch(void **state)
{
	rng_state = 20261207;
	for (int round = 0; round < 300; round++) {
		struct run x;
		struct report *l, *b;

		make_run(&x);
		trim(&x);
		l = live(&x, 0);
		b = batch(&x);
		for (size_t p = 0; p < 2; p++) {
			const struct report_probe *lp = &l->probes[p], *bp = &b->probes[p];

			for (int ph = 0; ph < PHASE_COUNT; ph++)
				same_phase(&lp->phases[ph], &bp->phases[ph]);
			assert_int_equal(lp->n_outages, bp->n_outages);
			for (size_t k = 0; k < lp->n_outages; k++) {
				assert_int_equal(lp->outages[k].start_us, bp->outages[k].start_us);
				assert_int_equal(lp->outages[k].end_us, bp->outages[k].end_us);
				assert_int_equal(lp->outages[k].fault, bp->outages[k].fault);
			}
			assert_int_equal(lp->time_to_detect_us, bp->time_to_detect_us);
			assert_int_equal(lp->time_to_recover_us, bp->time_to_recover_us);
			for (int ph = 0; ph < PHASE_COUNT; ph++)
				assert_true((lp->last_error[ph] == NULL) == (bp->last_error[ph] == NULL));
			assert_memory_equal(lp->timeline, bp->timeline, sizeof(*lp->timeline));
			for (size_t f = 0; f < 2; f++) {
				const struct report_effect *le = &l->faults[f].effects[p], *be = &b->faults[f].effects[p];
				assert_int_equal(le->detect_us, be->detect_us);
				assert_int_equal(le->mitigate_us, be->mitigate_us);
				assert_int_equal(le->recover_us, be->recover_us);
				assert_int_equal(le->down_us, be->down_us);
				assert_int_equal(le->outages, be->outages);
				same_phase(&le->span, &be->span);
			}
		}
		report_free(l);
		report_free(b);
		free(x.s[0]);
		free(x.s[1]);
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The batch figures against the ones the old code took from every sample:
 * counts exact; percentiles within 1/128 of the nearest-rank ones. */
static void test_against_every_sample(void **state)
{
	rng_state = 7;
	for (int round = 0; round < 50; round++) {
		struct run x;
		struct report *b;

		make_run(&x);
		trim(&x);
		b = batch(&x);
		for (size_t p = 0; p < 2; p++) {
			int64_t a, e, lat[4096];
			size_t n = 0;
			unsigned failures = 0;
			const struct report_phase *ph;

			report_phase_span(b, PHASE_DURING, &a, &e);
			for (size_t i = 0; i < x.n[p]; i++)
				if (x.s[p][i].t_us >= a && x.s[p][i].t_us < e) {
					lat[n++] = x.s[p][i].latency_us;
					failures += !x.s[p][i].ok;
				}
			ph = &b->probes[p].phases[PHASE_DURING];
			assert_int_equal(ph->samples, n);
			assert_int_equal(ph->failures, failures);
			if (!n)
				continue;
			qsort(lat, n, sizeof(*lat), cmp_i64);
			assert_int_equal(ph->max, lat[n - 1]);
			for (int q = 0; q < 3; q++) {
				double want = (double)percentile(lat, n, (double[]){ 50, 95, 99 }[q]);
				double got = (double)(q == 0 ? ph->p50 : q == 1 ? ph->p95 : ph->p99);
				assert_true(fabs(got - want) <= want / 128.0 + 1e-9);
			}
		}
		report_free(b);
		free(x.s[0]);
		free(x.s[1]);
	}
}

static void test_timeline_halves(void **state)
{
	struct fig_timeline *tl = calloc(1, sizeof(*tl));
	uint64_t n = 0, fails = 0;
	int64_t sum = 0;

	/* 100 ms buckets: 512 of them hold 51.1 s; a sample at 51.2 s halves */
	for (int64_t t = 0; t < 512 * 100 * MS; t += 100 * MS) {
		fig_timeline_add(tl, 100 * MS, t, 2 * MS, true);
		n++, sum += 2 * MS;
	}
	assert_int_equal(tl->bucket_us, 100 * MS);
	assert_int_equal(tl->n, 512);
	fig_timeline_add(tl, 100 * MS, 512 * 100 * MS, 9 * MS, false);
	n++, fails++, sum += 9 * MS;
	assert_int_equal(tl->bucket_us, 200 * MS);
	assert_int_equal(tl->n, 257);
	assert_int_equal(tl->b[0].samples, 2);
	assert_int_equal(tl->b[256].samples, 1);
	assert_int_equal(tl->b[256].failures, 1);
	assert_int_equal(tl->b[256].max_us, 9 * MS);
	assert_int_equal(tl->b[300].samples, 0);
	assert_int_equal(tl->b[300].max_us, -1);
	/* a day later: many halvings at once; nothing lost */
	fig_timeline_add(tl, 100 * MS, 86400LL * 1000 * MS, 1 * MS, true);
	n++, sum += 1 * MS;
	assert_true(86400LL * 1000 * MS / tl->bucket_us < FIG_TIMELINE_BUCKETS);
	assert_true(86400LL * 1000 * MS / (tl->bucket_us / 2) >= FIG_TIMELINE_BUCKETS);
	{
		uint64_t cn = 0, cf = 0;
		int64_t cs = 0;
		for (uint32_t i = 0; i < tl->n; i++)
			cn += tl->b[i].samples, cf += tl->b[i].failures, cs += tl->b[i].sum_us;
		assert_int_equal(cn, n);
		assert_int_equal(cf, fails);
		assert_int_equal(cs, sum);
	}
	/* before the start counts at 0; the first width is at least 1 ms */
	memset(tl, 0, sizeof(*tl));
	fig_timeline_add(tl, 10, -5, 1, true);
	assert_int_equal(tl->bucket_us, 1 * MS);
	assert_int_equal(tl->b[0].samples, 1);
	free(tl);
}

static void test_keep_samples(void **state)
{
	struct run x;
	struct report *l;

	rng_state = 99;
	make_run(&x);
	trim(&x);
	l = live(&x, 10);
	assert_int_equal(l->probes[0].n_samples, 10);
	assert_int_equal(l->probes[0].samples_dropped, x.n[0] - 10);
	assert_int_equal(l->probes[0].samples[9].t_us, x.s[0][9].t_us);
	report_free(l);
	l = live(&x, 0);
	assert_int_equal(l->probes[0].n_samples, 0);
	assert_int_equal(l->probes[0].samples_dropped, 0);
	report_free(l);
	free(x.s[0]);
	free(x.s[1]);
}

/* The brakes judge on report_impact_so_far(): after the last sample it is
 * the impact phase's count at the end, the last sample held to its end. */
static void test_impact_so_far(void **state)
{
	struct run x;
	struct report *r;
	struct fig_slots so_far;

	rng_state = 5;
	make_run(&x);
	trim(&x);
	x.end = x.s[0][x.n[0] - 1].t_us + x.s[0][x.n[0] - 1].latency_us + 1;	/* ends as the last one did */
	for (int p = 0; p < 2; p++)
		while (x.n[p] && x.s[p][x.n[p] - 1].t_us + x.s[p][x.n[p] - 1].latency_us >= x.end)
			x.n[p]--;
	r = new_report(&x);
	report_live_begin(r, 0);
	r->window_start_us = x.ws;
	r->window_end_us = x.we;
	for (size_t j = 0; j < x.n_apps; j++) {
		apply(r, &x, j);
		if (x.apps[j].end != x.apps[j].start)
			report_fault_reverted(&r->faults[0], x.apps[j].end);
	}
	for (size_t i = 0; i < x.n[0]; i++)
		report_add_sample(r, 0, &x.s[0][i]);
	so_far = report_impact_so_far(r, 0);
	r->ended_us = x.end;
	report_compute(r);
	assert_true(so_far.slots > 0);
	assert_int_equal(so_far.slots, r->probes[0].phases[PHASE_IMPACT].slots);
	assert_int_equal(so_far.up, (unsigned)llround(r->probes[0].phases[PHASE_IMPACT].availability * so_far.slots));
	report_free(r);
	free(x.s[0]);
	free(x.s[1]);
}

/* A report read back renders the same page, JUnit and metrics as the run's
 * own: the timeline's means, the sums, the last errors survive the JSON. */
static void test_read_back_renders_the_same(void **state)
{
	static void (*const renderers[])(const struct report *, struct sbuf *) = {
		report_render_json, report_render_html, report_render_junit, report_render_metrics,
	};

	rng_state = 31;
	for (int round = 0; round < 20; round++) {
		struct run x;
		struct report *l, *back = NULL;
		struct sbuf json = { 0 };
		char *err = NULL;

		make_run(&x);
		trim(&x);
		l = live(&x, 0);
		l->experiment = strdup("e");
		l->file = strdup("e.ini");
		for (size_t i = 0; i < 2; i++) {
			l->probes[i].name = strdup(i ? "b" : "a");
			l->probes[i].type = strdup("http");
		}
		for (size_t f = 0; f < 2; f++) {
			l->faults[f].name = strdup(f ? "kill" : "pause");
			l->faults[f].type = strdup(f ? "kill" : "pause");
			l->faults[f].description = strdup("d");
		}
		report_render_json(l, &json);
		if (report_from_json(json.s, json.len, &back, &err) < 0)
			fail_msg("%s", err);
		for (size_t k = 0; k < sizeof(renderers) / sizeof(renderers[0]); k++) {
			struct sbuf a = { 0 }, b = { 0 };
			renderers[k](l, &a);
			renderers[k](back, &b);
			if (strcmp(a.s, b.s)) {
				size_t i = 0, l0;
				while (a.s[i] == b.s[i])
					i++;
				for (l0 = i; l0 > 0 && a.s[l0 - 1] != '\n'; l0--)
					;
				fail_msg("renderer %zu differs read back:\n  run:  %.200s\n  read: %.200s", k,
					 a.s + l0, b.s + l0);
			}
			sbuf_free(&a);
			sbuf_free(&b);
		}
		sbuf_free(&json);
		report_free(back);
		report_free(l);
		free(x.s[0]);
		free(x.s[1]);
	}
}

static void test_events_capped(void **state)
{
	struct report *r = calloc(1, sizeof(*r)), *back = NULL;
	struct sbuf b = { 0 }, again = { 0 };
	char *err = NULL;

	r->schema = 3;
	r->experiment = strdup("e");
	r->file = strdup("e.ini");
	r->steady_at_us = r->window_start_us = r->window_end_us = r->recovered_at_us = -1;
	r->impact_start_us = r->ended_us = r->halted_at_us = -1;
	for (int i = 0; i < 2500; i++)
		report_event(r, i, "fault.applied", "tick", "firing %d", i);
	report_event(r, 2500, "verdict", NULL, "passed");
	assert_int_equal(r->n_events, REPORT_EVENTS_PER_KIND + 1);
	assert_string_equal(r->events[r->n_events - 1].kind, "verdict");
	report_render_json(r, &b);
	assert_non_null(strstr(b.s, "\"events_dropped\": {\"fault.applied\": 1500},"));
	if (report_from_json(b.s, b.len, &back, &err) < 0)
		fail_msg("%s", err);
	report_render_json(back, &again);
	assert_string_equal(again.s, b.s);
	/* read back, it counts on as it was written */
	report_event(back, 2501, "fault.applied", "tick", "one more");
	assert_int_equal(back->n_events, REPORT_EVENTS_PER_KIND + 1);
	report_free(back);
	report_free(r);
	sbuf_free(&b);
	sbuf_free(&again);
}

/* The largest probe a run writes: a full timeline of large values, every
 * outage kept, a longest message in each phase, and a fault's effect. */
static void test_largest_probe_fits(void **state)
{
	struct report *r = calloc(1, sizeof(*r)), *back = NULL;
	struct report_probe *p;
	struct sbuf b = { 0 };
	char *err = NULL, msg[SAMPLE_MSG_MAX + 1];
	size_t base;

	memset(msg, 'x', SAMPLE_MSG_MAX);
	msg[SAMPLE_MSG_MAX] = 0;
	r->schema = 3;
	r->experiment = strdup("e");
	r->file = strdup("e.ini");
	r->steady_at_us = r->window_start_us = r->window_end_us = r->recovered_at_us = -1;
	r->impact_start_us = r->ended_us = r->halted_at_us = -1;
	r->n_faults = 1;
	r->faults = calloc(1, sizeof(*r->faults));
	r->faults[0].name = strdup("f");
	r->faults[0].type = strdup("kill");
	r->faults[0].description = strdup("d");
	report_render_json(r, &b);
	base = b.len;
	sbuf_free(&b);

	r->n_probes = 1;
	r->probes = p = calloc(1, sizeof(*p));
	p->name = strdup("a-probe-name-of-some-length");
	p->type = strdup("http");
	p->reason = strdup(msg);
	p->erebus_error = strdup(msg);
	p->interval_us = 1234567;
	p->has_grid = true;
	p->lag_p50_us = p->lag_p99_us = p->lag_max_us = 4294967295LL;
	p->slots_due = p->slots_sampled = (1ull << 62) - 1;
	for (int ph = 0; ph < PHASE_COUNT; ph++) {
		p->phases[ph] = (struct report_phase){ UINT32_MAX, UINT32_MAX, UINT32_MAX, 0.1234, 4294967295LL,
						       4294967295LL, 4294967295LL, 4294967295LL, INT64_MAX / 1000 };
		p->last_error[ph] = strdup(msg);
	}
	p->timeline = calloc(1, sizeof(*p->timeline));
	p->timeline->bucket_us = 4294967295LL * 1000;
	p->timeline->n = FIG_TIMELINE_BUCKETS;
	for (int i = 0; i < FIG_TIMELINE_BUCKETS; i++)
		p->timeline->b[i] = (struct fig_bucket){ UINT32_MAX, UINT32_MAX, INT64_MAX / 4,
							 4294967295LL * 1000 - 1 };
	p->n_outages = p->outages_total = FIG_OUTAGES_KEPT;
	p->outages = calloc(FIG_OUTAGES_KEPT, sizeof(*p->outages));
	for (int i = 0; i < FIG_OUTAGES_KEPT; i++)
		p->outages[i] = (struct report_outage){ 86400123456789LL - 1, 86400123456789LL, 0 };
	r->faults[0].effects = calloc(1, sizeof(*r->faults[0].effects));
	r->faults[0].effects[0] = (struct report_effect){ .detect_us = 86400123456789LL, .mitigate_us = 86400123456789LL,
							  .recover_us = 86400123456789LL, .down_us = 86400123456789LL,
							  .outages = UINT32_MAX, .alert_us = 86400123456789LL,
							  .clear_us = 86400123456789LL, .span = p->phases[0] };
	p->detector = true;	/* its deadlines and the faults it detects too */
	p->detect_within_us = p->clear_within_us = 86400LL * USEC_PER_SEC;
	p->detects = calloc(1, sizeof(bool));
	p->detects[0] = true;
	report_render_json(r, &b);
	if (b.len - base > 120 * 1024)
		fail_msg("one probe took %zu bytes, more than the 120 KiB the reader's limit is derived from",
			 b.len - base);
	if (report_from_json(b.s, b.len, &back, &err) < 0)
		fail_msg("%s", err);
	assert_int_equal(back->probes[0].n_outages, FIG_OUTAGES_KEPT);
	assert_int_equal(back->probes[0].timeline->n, FIG_TIMELINE_BUCKETS);
	report_free(back);
	report_free(r);
	sbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_equals_batch),
		cmocka_unit_test(test_against_every_sample),
		cmocka_unit_test(test_timeline_halves),
		cmocka_unit_test(test_keep_samples),
		cmocka_unit_test(test_impact_so_far),
		cmocka_unit_test(test_read_back_renders_the_same),
		cmocka_unit_test(test_events_capped),
		cmocka_unit_test(test_largest_probe_fits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
