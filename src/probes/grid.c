/* SPDX-License-Identifier: MIT */
/*
 * The sampling grid's bookkeeping (struct probe_grid in
 * include/erebus/probe.h): which slots were due, sampled, or skipped and
 * why. Pure arithmetic on times the runner passes in, so that it is tested
 * without a loop (tests/unit/test_grid.c).
 */
#include <assert.h>

#include "erebus/probe.h"

void probe_grid_start(struct probe_grid *g, int64_t origin_us, int64_t interval_us, bool keep)
{
	assert(g && interval_us > 0);
	if (!keep)
		g->due = g->sampled = g->busy = g->late = 0;
	g->origin_us = origin_us;
	g->interval_us = interval_us;
	g->next_k = g->open_k = 0;
	g->last_end_us = INT64_MIN;
	g->running = g->stopped = false;
}

/* Count slots up to (not including) slot k as due. */
static void count_due(struct probe_grid *g, int64_t k)
{
	if (k > g->next_k) {
		g->due += (uint64_t)(k - g->next_k);
		g->next_k = k;
	}
}

int64_t probe_grid_advance(struct probe_grid *g, int64_t now_us)
{
	assert(g);
	if (!g->stopped && now_us >= g->origin_us)
		count_due(g, (now_us - g->origin_us) / g->interval_us + 1);
	return g->origin_us + g->next_k * g->interval_us;
}

/* Slots open_k .. upto-1 were skipped: busy when they came due while a
 * sample ran (one is running now, or they are before the last one's end),
 * late otherwise. */
static void settle(struct probe_grid *g, int64_t upto)
{
	int64_t b;	/* the first slot due at or after the last sample's end */

	if (upto <= g->open_k)
		return;
	if (g->running)
		b = upto;
	else if (g->last_end_us == INT64_MIN || g->last_end_us <= g->origin_us)
		b = 0;
	else
		b = (g->last_end_us - g->origin_us + g->interval_us - 1) / g->interval_us;
	if (b < g->open_k)
		b = g->open_k;
	if (b > upto)
		b = upto;
	g->busy += (uint64_t)(b - g->open_k);
	g->late += (uint64_t)(upto - b);
	g->open_k = upto;
}

int64_t probe_grid_take(struct probe_grid *g, int64_t now_us)
{
	int64_t latest, from;

	assert(g);
	(void)probe_grid_advance(g, now_us);
	latest = g->next_k - 1;
	if (latest < g->open_k)
		return -1;
	settle(g, latest);
	g->sampled++;
	g->open_k = latest + 1;
	g->running = true;
	from = g->origin_us + latest * g->interval_us;
	if (g->last_end_us > from)
		from = g->last_end_us;
	return now_us > from ? now_us - from : 0;
}

void probe_grid_done(struct probe_grid *g, int64_t now_us)
{
	assert(g);
	g->running = false;
	g->last_end_us = now_us;
}

void probe_grid_stop(struct probe_grid *g, int64_t now_us)
{
	assert(g);
	if (g->stopped)
		return;
	/* slots whose successor was due too: the loop was past them */
	if (now_us >= g->origin_us)
		count_due(g, (now_us - g->origin_us) / g->interval_us);
	settle(g, g->next_k);
	g->running = false;
	g->stopped = true;
}
