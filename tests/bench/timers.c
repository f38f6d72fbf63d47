/* SPDX-License-Identifier: MIT */
/*
 * timers: N timers on one Erebus event loop, each due every PERIOD on an
 * absolute grid (all due together, as probes of the same interval are),
 * for SECONDS. Prints the firings, their lag behind the deadline (p50,
 * p99, max, in ms) and the CPU the loop used. Each callback also moves a
 * second timer per slot, as a probe's sample arms its timeout.
 * Usage: timers N PERIOD_MS SECONDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "erebus/loop.h"
#include "erebus/util.h"

struct slot {
	int64_t due, period;
	struct loop_timer *deadline;
};

static int64_t *lags;
static size_t n_lags, cap_lags;
static int64_t end_at;

static int64_t on_deadline(struct loop *l, int64_t now, void *ctx) { return 0; }

static int64_t on_tick(struct loop *l, int64_t now, void *ctx)
{
	struct slot *s = ctx;

	GROW(lags, cap_lags, n_lags + 1);
	lags[n_lags++] = now - s->due;
	loop_timer_set(l, s->deadline, now + s->period / 2);	/* a sample's timeout */
	s->due += s->period;
	if (s->due > end_at) {
		loop_quit(l, 0);
		return 0;
	}
	return s->due;
}

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct loop *l = loop_new();
	struct rusage ru;
	int n, period_ms;
	double secs;
	int64_t start;

	if (argc != 4 || !l)
		return 2;
	n = atoi(argv[1]);
	period_ms = atoi(argv[2]);
	secs = atof(argv[3]);
	start = now_usec() + 10 * USEC_PER_MSEC;
	end_at = start + (int64_t)(secs * USEC_PER_SEC);
	for (int i = 0; i < n; i++) {
		struct slot *s = xcalloc(1, sizeof(*s));
		*s = (struct slot){ .due = start, .period = period_ms * USEC_PER_MSEC };
		s->deadline = loop_timer_add(l, 0, on_deadline, s);
		(void)loop_timer_add(l, start, on_tick, s);
	}
	(void)loop_run(l);
	getrusage(RUSAGE_SELF, &ru);
	qsort(lags, n_lags, sizeof(*lags), cmp);
	printf("%zu %.3f %.3f %.3f %.2f\n", n_lags, lags[n_lags / 2] / 1e3, lags[(n_lags * 99) / 100] / 1e3,
	       lags[n_lags - 1] / 1e3,
	       ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	return 0;
}
