/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the sampling grid's bookkeeping (src/probes/grid.c):
 * slots on time, a loop late past several slots (skipped as late, no
 * catching up), samples that outlast the interval (busy), the lag measured
 * from the later of the slot and the previous sample's end, and what is
 * settled when sampling stops. Times are usec; the interval is 100 ms.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "erebus/probe.h"

#define IV 100000
#define T0 1000000

static void assert_counts(const struct probe_grid *g, uint64_t due, uint64_t sampled, uint64_t busy,
			  uint64_t late)
{
	if (g->due != due || g->sampled != sampled || g->busy != busy || g->late != late)
		fail_msg("due %llu sampled %llu busy %llu late %llu, expected %llu %llu %llu %llu",
			 (unsigned long long)g->due, (unsigned long long)g->sampled, (unsigned long long)g->busy,
			 (unsigned long long)g->late, (unsigned long long)due, (unsigned long long)sampled,
			 (unsigned long long)busy, (unsigned long long)late);
}

/* One sample per slot, each started 50 us after its slot and ending
 * 1 ms later; stopping half way through slot 10 leaves slot 10 out. */
static void test_on_time(void **state)
{
	struct probe_grid g;

	probe_grid_start(&g, T0, IV, false);
	for (int k = 0; k < 10; k++) {
		int64_t due = T0 + (int64_t)k * IV;

		assert_int_equal(probe_grid_advance(&g, due + 50), due + IV);
		assert_int_equal(probe_grid_take(&g, due + 50), 50);
		probe_grid_done(&g, due + 1050);
	}
	probe_grid_stop(&g, T0 + 10 * IV + IV / 2);
	assert_counts(&g, 10, 10, 0, 0);
	/* a second stop adds nothing */
	probe_grid_stop(&g, T0 + 20 * IV);
	assert_counts(&g, 10, 10, 0, 0);
}

/* The loop wakes up 350 ms late: slots 1-3 are late, only slot 4 (the
 * latest) is sampled, 50 ms after it was due; no burst for 1-3. */
static void test_late_loop(void **state)
{
	struct probe_grid g;

	probe_grid_start(&g, T0, IV, false);
	assert_int_equal(probe_grid_take(&g, T0), 0);
	probe_grid_done(&g, T0 + 1000);
	assert_int_equal(probe_grid_advance(&g, T0 + 4 * IV + 50000), T0 + 5 * IV);
	assert_int_equal(probe_grid_take(&g, T0 + 4 * IV + 50000), 50000);
	assert_counts(&g, 5, 2, 0, 3);
	/* a second start in the same slot has no slot to take */
	probe_grid_done(&g, T0 + 4 * IV + 51000);
	assert_int_equal(probe_grid_take(&g, T0 + 4 * IV + 52000), -1);
	assert_counts(&g, 5, 2, 0, 3);
}

/* Each sample takes 150 ms: slot 1 comes during sample 0 and is taken when
 * it ends (lag counted from that end, not from slot 1); slot 2 comes during
 * that one, and slot 3 too: 2 is busy, 3 is taken at 300 ms + 1 ms. */
static void test_busy(void **state)
{
	struct probe_grid g;

	probe_grid_start(&g, T0, IV, false);
	assert_int_equal(probe_grid_take(&g, T0), 0);
	probe_grid_advance(&g, T0 + IV);		/* slot 1, while running */
	probe_grid_done(&g, T0 + 150000);
	assert_int_equal(probe_grid_take(&g, T0 + 150200), 200);
	probe_grid_advance(&g, T0 + 2 * IV);		/* slot 2, while running */
	probe_grid_advance(&g, T0 + 3 * IV);		/* slot 3, still running */
	probe_grid_done(&g, T0 + 300500);
	assert_int_equal(probe_grid_take(&g, T0 + 301000), 500);
	assert_counts(&g, 4, 3, 1, 0);
	/* stopped while running, with slot 4 waiting: busy */
	probe_grid_advance(&g, T0 + 4 * IV);
	probe_grid_stop(&g, T0 + 4 * IV + 10);
	assert_counts(&g, 5, 3, 2, 0);
}

/* Stopping when the loop was behind: slots whose next slot was due are
 * late; the last one, due less than an interval before, is left out. A
 * restart keeps the counts and begins a new grid. */
static void test_stop_and_restart(void **state)
{
	struct probe_grid g;

	probe_grid_start(&g, T0, IV, false);
	assert_int_equal(probe_grid_take(&g, T0 + 10), 10);
	probe_grid_done(&g, T0 + 20);
	probe_grid_stop(&g, T0 + 3 * IV + 10);	/* slots 1, 2 late; 3 left out */
	assert_counts(&g, 3, 1, 0, 2);
	probe_grid_start(&g, T0 + 10 * IV, IV, true);
	assert_int_equal(probe_grid_take(&g, T0 + 10 * IV), 0);
	assert_counts(&g, 4, 2, 0, 2);
	probe_grid_start(&g, T0, IV, false);
	assert_counts(&g, 0, 0, 0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_on_time),
		cmocka_unit_test(test_late_loop),
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_stop_and_restart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
