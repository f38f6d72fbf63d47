/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the probe runner's scheduling (src/probes/runner.c): the
 * spread of probes started together over their interval, so that they are
 * not all due in the same instant. No clock thresholds: the grids' origins
 * are compared with the times read around probe_run_start().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "erebus/experiment.h"
#include "erebus/loop.h"
#include "erebus/probe.h"

#define IV (10 * 1000)	/* 10 ms */
#define N 200

static int start_nothing(struct probe_ctx *ctx)
{
	return 0;
}

static const struct probe_type fake = { .name = "fake", .start = start_nothing };

/* The first run starts its grid at once; the others are spread over the
 * interval: at the golden ratio's fractions of it (the second 0.618 of it
 * later, the third 0.236), all within one interval, and any two of 200
 * at least 1/(3 * 200) of the interval apart. A run set up on another env
 * is the first of its own. */
static void test_runs_started_together_are_spread(void **state)
{
	struct probe_spec spec = { .name = "p", .type = &fake, .interval_us = IV, .from = -1 };
	struct probe_env env = { .loop = loop_new() }, other = { .loop = env.loop };
	static struct probe_run runs[N];
	struct probe_run alone = { 0 };
	int64_t before[N], after[N], origin[N];
	char *err = NULL;

	for (int i = 0; i < N; i++)
		assert_int_equal(probe_run_init(&runs[i], &spec, &env, now_usec(), &err), 0);
	assert_int_equal(probe_run_init(&alone, &spec, &other, now_usec(), &err), 0);
	for (int i = 0; i < N; i++) {
		before[i] = now_usec();
		probe_run_start(&runs[i]);
		after[i] = now_usec();
		origin[i] = runs[i].grid.origin_us;
	}
	assert_true(origin[0] >= before[0] && origin[0] <= after[0]);
	assert_true(origin[1] - after[1] >= IV * 618 / 1000 - 1 && origin[1] - before[1] <= IV * 619 / 1000);
	assert_true(origin[2] - after[2] >= IV * 236 / 1000 - 1 && origin[2] - before[2] <= IV * 237 / 1000);
	/* Each one's offset from its start, and their spacing within the interval. */
	for (int i = 0; i < N; i++) {
		assert_true(origin[i] - after[i] < IV);
		for (int j = 0; j < i; j++) {
			int64_t a = (origin[i] - before[i]) % IV, b = (origin[j] - before[j]) % IV;
			int64_t d = a > b ? a - b : b - a;

			if (d < IV / (3 * N) - (after[i] - before[i]) - (after[j] - before[j]))
				fail_msg("runs %d and %d start %lld us apart in their interval", i, j, (long long)d);
		}
	}
	before[0] = now_usec();
	probe_run_start(&alone);
	assert_true(alone.grid.origin_us <= now_usec() && alone.grid.origin_us >= before[0]);

	for (int i = 0; i < N; i++)
		probe_run_free(&runs[i]);
	probe_run_free(&alone);
	/* All gone: a run set up now is the first again. */
	assert_int_equal(probe_run_init(&runs[0], &spec, &env, now_usec(), &err), 0);
	before[0] = now_usec();
	probe_run_start(&runs[0]);
	assert_true(runs[0].grid.origin_us <= now_usec() && runs[0].grid.origin_us >= before[0]);
	probe_run_free(&runs[0]);
	loop_free(env.loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runs_started_together_are_spread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
