/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the figures' arithmetic (src/report/figures.c): slots of
 * the interval grid at their edges, outages and the fault each belongs
 * to (overlapping, instant, reverted), per-fault effects, and whether a
 * tolerance can still be reached. Expected values are worked out in each
 * test from the staged timeline, not copied from a run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "erebus/figures.h"

#define MS 1000LL

/* A probe on a 250 ms grid from t = 0: sample k starts at k * 250 ms and
 * lasts lat_ms; ok[k] says whether it passed. */
static size_t grid(struct sample *s, size_t n, const bool *ok, int64_t lat_ms)
{
	for (size_t k = 0; k < n; k++)
		s[k] = (struct sample){ .t_us = (int64_t)k * 250 * MS, .latency_us = lat_ms * MS, .ok = ok[k] };
	return n;
}

/* ---- slots ---------------------------------------------------------------- */

/* Down 2 s of a 10 s window, fast failures: 8 of 40 slots, 80%. */
static void test_slots_down_two_of_ten(void **state)
{
	struct sample s[40];
	bool ok[40];
	struct fig_slots r;

	for (int k = 0; k < 40; k++)
		ok[k] = !(k >= 12 && k < 20);	/* 3.0 s .. 5.0 s */
	grid(s, 40, ok, 2);
	r = fig_slots(s, 40, 250 * MS, 0, 10000 * MS);
	assert_int_equal(r.slots, 40);
	assert_int_equal(r.up, 32);
}

/* The case: cut off for 3 s of a 4 s window, every failed sample
 * a 1 s timeout on a 250 ms grid. Counting samples reads 4 of 7 (57%);
 * slots read 4 of 16 (25%): each timeout stands for the four slots it
 * covered. */
static void test_slots_timeouts_stand_for_their_slots(void **state)
{
	struct sample s[7];
	size_t n = 0;
	struct fig_slots r;

	s[n++] = (struct sample){ 0, 2 * MS, true, 0, NULL };
	s[n++] = (struct sample){ 250 * MS, 2 * MS, true, 0, NULL };
	for (int i = 0; i < 3; i++)	/* 0.5 .. 3.5 s: three 1 s timeouts */
		s[n++] = (struct sample){ (500 + i * 1000) * MS, 1000 * MS, false, 0, NULL };
	s[n++] = (struct sample){ 3500 * MS, 2 * MS, true, 0, NULL };
	s[n++] = (struct sample){ 3750 * MS, 2 * MS, true, 0, NULL };
	r = fig_slots(s, n, 250 * MS, 0, 4000 * MS);
	assert_int_equal(r.slots, 16);
	assert_int_equal(r.up, 4);
}

/* A slot belongs to the span its start is in; a sample exactly on a slot
 * edge is that slot's; a span edge between slot starts takes the slot
 * whose start is after it. */
static void test_slots_edges(void **state)
{
	struct sample s[8];
	bool ok[8] = { true, true, false, false, true, true, true, true };
	struct fig_slots r;

	grid(s, 8, ok, 1);
	r = fig_slots(s, 8, 250 * MS, 500 * MS, 1000 * MS);	/* slots 2, 3 exactly */
	assert_int_equal(r.slots, 2);
	assert_int_equal(r.up, 0);
	r = fig_slots(s, 8, 250 * MS, 501 * MS, 1000 * MS);	/* slot 3 only */
	assert_int_equal(r.slots, 1);
	r = fig_slots(s, 8, 250 * MS, 499 * MS, 1001 * MS);	/* slots 2, 3, 4 */
	assert_int_equal(r.slots, 3);
	assert_int_equal(r.up, 1);
	r = fig_slots(s, 8, 250 * MS, 0, 0);
	assert_int_equal(r.slots, 0);
	r = fig_slots(NULL, 0, 250 * MS, 0, 1000 * MS);
	assert_int_equal(r.slots, 0);
}

/* A failed sample from 0.75 s to 1.75 s spans a phase boundary at 1.0 s:
 * its slot 3 counts before it, slots 4..6 after it. */
static void test_slots_sample_spanning_a_phase_boundary(void **state)
{
	struct sample s[] = {
		{ 0, MS, true, 0, NULL }, { 250 * MS, MS, true, 0, NULL }, { 500 * MS, MS, true, 0, NULL },
		{ 750 * MS, 1000 * MS, false, 0, NULL }, { 1750 * MS, MS, true, 0, NULL },
	};
	struct fig_slots before = fig_slots(s, 5, 250 * MS, 0, 1000 * MS);
	struct fig_slots after = fig_slots(s, 5, 250 * MS, 1000 * MS, 2000 * MS);

	assert_int_equal(before.slots, 4);
	assert_int_equal(before.up, 3);
	assert_int_equal(after.slots, 4);	/* 4, 5, 6 held by the failure; 7 passes */
	assert_int_equal(after.up, 1);
}

/* The last sample counts until it ended, not to the end of the span. */
static void test_slots_after_the_last_sample_unknown(void **state)
{
	struct sample s[] = { { 0, MS, true, 0, NULL }, { 250 * MS, 600 * MS, false, 0, NULL } };
	struct fig_slots r = fig_slots(s, 2, 250 * MS, 0, 5000 * MS);

	assert_int_equal(r.slots, 4);	/* 0; then 1, 2, 3 for the 600 ms failure */
	assert_int_equal(r.up, 1);
}

/* ---- attribution ------------------------------------------------------------ */

/* A pause 1 s..5 s with a kill at 2 s inside it, then a delay 6 s..8 s. */
static const struct fig_app apps3[] = {
	{ .fault = 0, .start_us = 1000 * MS, .end_us = 5000 * MS },
	{ .fault = 1, .start_us = 2000 * MS, .end_us = 2000 * MS, .instant = true },
	{ .fault = 2, .start_us = 6000 * MS, .end_us = 8000 * MS },
};

static void test_in_effect(void **state)
{
	assert_int_equal(fig_in_effect(apps3, 3, 500 * MS), -1);	/* before any */
	assert_int_equal(fig_in_effect(apps3, 3, 1000 * MS), 0);	/* at its start */
	assert_int_equal(fig_in_effect(apps3, 3, 2000 * MS), 1);	/* the kill, latest */
	assert_int_equal(fig_in_effect(apps3, 3, 4999 * MS), 1);	/* kill until the next application */
	assert_int_equal(fig_in_effect(apps3, 3, 5500 * MS), 1);
	assert_int_equal(fig_in_effect(apps3, 3, 6000 * MS), 2);
	assert_int_equal(fig_in_effect(apps3, 3, 8000 * MS), -1);	/* delay reverted at 8 s */
	assert_int_equal(fig_in_effect(apps3, 2, 9000 * MS), 1);	/* kill: until the run ends */
	assert_int_equal(fig_in_effect(apps3, 1, 5000 * MS), -1);	/* pause reverted */
}

/* A failure 400 ms after a revert belongs to no fault. */
static void test_outage_after_revert_unattributed(void **state)
{
	const struct fig_app a[] = { { .fault = 0, .start_us = 1000 * MS, .end_us = 3000 * MS } };
	struct sample s[20];
	bool ok[20];
	struct fig_outage *o = NULL;
	struct fig_effect e;
	size_t n;

	for (int k = 0; k < 20; k++)
		ok[k] = !(k >= 13 && k < 15);	/* fails at 3.25 s and 3.5 s: after 3.0 s */
	grid(s, 20, ok, 2);
	n = fig_outages(s, 20, 1, 0, a, 1, &o);
	assert_int_equal(n, 1);
	assert_int_equal(o[0].start_us, 3250 * MS);
	assert_int_equal(o[0].end_us, 3752 * MS);	/* end of the first pass after it */
	assert_int_equal(o[0].app, -1);
	e = fig_effect(0, a, 1, o, n, 5000 * MS);
	assert_int_equal(e.detect_us, -1);
	assert_int_equal(e.outages, 0);
	free(o);
}

/* healthy_after: a pass between failures does not end the outage. */
static void test_outage_needs_healthy_after(void **state)
{
	struct sample s[12];
	bool ok[12] = { 1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1 };
	struct fig_outage *o = NULL;
	size_t n;

	grid(s, 12, (const bool *)ok, 3);
	n = fig_outages(s, 12, 3, 0, NULL, 0, &o);
	assert_int_equal(n, 2);
	assert_int_equal(o[0].start_us, 500 * MS);
	assert_int_equal(o[0].end_us, 1253 * MS);	/* first of the three passes 5, 6, 7 */
	assert_int_equal(o[1].start_us, 2250 * MS);
	assert_int_equal(o[1].end_us, -1);		/* only two passes after it */
	free(o);
	n = fig_outages(s, 12, 3, 600 * MS, NULL, 0, &o);	/* from the steady state on */
	assert_int_equal(n, 2);
	assert_int_equal(o[0].start_us, 1000 * MS);
	free(o);
}

/* A sample in flight when a fault is applied: the outage starts at the
 * application, and is the fault's with time to detect 0. */
static void test_outage_starts_at_application_in_flight(void **state)
{
	const struct fig_app a[] = { { .fault = 0, .start_us = 1100 * MS, .end_us = 3000 * MS } };
	struct sample s[] = {
		{ 0, MS, true, 0, NULL }, { 1000 * MS, 1000 * MS, false, 0, NULL },
		{ 3000 * MS, 5 * MS, true, 0, NULL },
	};
	struct fig_outage *o = NULL;
	struct fig_effect e;
	size_t n = fig_outages(s, 3, 1, 0, a, 1, &o);

	assert_int_equal(n, 1);
	assert_int_equal(o[0].start_us, 1100 * MS);
	assert_int_equal(o[0].app, 0);
	e = fig_effect(0, a, 1, o, n, 4000 * MS);
	assert_int_equal(e.detect_us, 0);
	assert_int_equal(e.recover_us, 5 * MS);	/* 3.005 s, from the revert at 3.0 s */
	assert_int_equal(e.mitigate_us, -1);
	free(o);
}

/* ---- effects ------------------------------------------------------------------ */

/* A pause 1 s..5 s: the probe fails 1.25 s..2.0 s, then heals by itself
 * (a load balancer took the backend out): time to mitigate, no time to
 * recover, time to detect 250 ms. */
static void test_effect_mitigated_under_the_fault(void **state)
{
	const struct fig_app a[] = { { .fault = 0, .start_us = 1000 * MS, .end_us = 5000 * MS } };
	struct sample s[28];
	bool ok[28];
	struct fig_outage *o = NULL;
	struct fig_effect e;
	size_t n;

	for (int k = 0; k < 28; k++)
		ok[k] = !(k >= 5 && k < 8);	/* 1.25, 1.5, 1.75 s */
	grid(s, 28, ok, 4);
	n = fig_outages(s, 28, 2, 0, a, 1, &o);
	e = fig_effect(0, a, 1, o, n, 7000 * MS);
	assert_int_equal(e.outages, 1);
	assert_int_equal(e.detect_us, 250 * MS);
	assert_int_equal(e.mitigate_us, 2004 * MS - 1250 * MS);
	assert_int_equal(e.recover_us, -1);
	assert_int_equal(e.down_us, 754 * MS);
	assert_true(e.recovered);
	free(o);
}

/* A kill at 1 s, the service back 2 s later: time to recover from the
 * kill's instant; never "mitigated"; the fault's effect window runs to
 * the next application. */
static void test_effect_kill_recovers_from_its_instant(void **state)
{
	const struct fig_app a[] = {
		{ .fault = 0, .start_us = 1000 * MS, .end_us = 1000 * MS, .instant = true },
		{ .fault = 1, .start_us = 5000 * MS, .end_us = 6000 * MS },
	};
	struct sample s[32];
	bool ok[32];
	struct fig_outage *o = NULL;
	struct fig_effect e;
	int64_t (*spans)[2] = NULL;
	size_t n;

	for (int k = 0; k < 32; k++)
		ok[k] = !(k >= 4 && k < 12);	/* 1.0 .. 3.0 s down */
	grid(s, 32, ok, 2);
	n = fig_outages(s, 32, 1, 0, a, 2, &o);
	assert_int_equal(n, 1);
	assert_int_equal(o[0].app, 0);
	e = fig_effect(0, a, 2, o, n, 8000 * MS);
	assert_int_equal(e.detect_us, 0);
	assert_int_equal(e.mitigate_us, -1);
	assert_int_equal(e.recover_us, 2002 * MS);
	e = fig_effect(1, a, 2, o, n, 8000 * MS);	/* the second fault: nothing */
	assert_int_equal(e.outages, 0);
	assert_int_equal(e.detect_us, -1);
	assert_int_equal(fig_effect_spans(0, a, 2, 8000 * MS, &spans), 1);
	assert_int_equal(spans[0][0], 1000 * MS);
	assert_int_equal(spans[0][1], 5000 * MS);
	{	/* its availability: 16 slots from 1 s to 5 s, 8 of them down */
		struct fig_slots r = fig_slots(s, 32, 250 * MS, spans[0][0], spans[0][1]);
		assert_int_equal(r.slots, 16);
		assert_int_equal(r.up, 8);
	}
	free(spans);
	free(o);
}

/* Overlapping faults: a failure that begins during a kill inside a pause
 * belongs to the kill; one that begins after the next fault is applied
 * belongs to that one; still down at the end: not recovered. */
static void test_effect_overlapping_faults(void **state)
{
	struct sample s[40];
	bool ok[40];
	struct fig_outage *o = NULL;
	size_t n;
	struct fig_effect e0, e1, e2;

	for (int k = 0; k < 40; k++)	/* down 2.25..2.75 s, and from 7.0 s on */
		ok[k] = !((k >= 9 && k < 11) || k >= 28);
	grid(s, 40, ok, 2);
	n = fig_outages(s, 40, 1, 0, apps3, 3, &o);
	assert_int_equal(n, 2);
	assert_int_equal(o[0].app, 1);
	assert_int_equal(o[1].app, 2);
	e0 = fig_effect(0, apps3, 3, o, n, 10000 * MS);
	e1 = fig_effect(1, apps3, 3, o, n, 10000 * MS);
	e2 = fig_effect(2, apps3, 3, o, n, 10000 * MS);
	assert_int_equal(e0.outages, 0);
	assert_int_equal(e1.outages, 1);
	assert_int_equal(e1.detect_us, 250 * MS);
	assert_int_equal(e1.recover_us, 2752 * MS - 2000 * MS);
	assert_int_equal(e2.detect_us, 1000 * MS);
	assert_false(e2.recovered);
	assert_int_equal(e2.recover_us, -1);
	assert_int_equal(e2.down_us, 3000 * MS);	/* until the end of the run */
	free(o);
}

/* ---- tolerance ------------------------------------------------------------------- */

static void test_tolerance_reachable(void **state)
{
	/* 40 slots at most; 3 failed of 10 so far: at best 37/40 = 92.5% */
	assert_true(fig_tolerance_reachable((struct fig_slots){ 10, 7 }, 40, 0.925));
	assert_false(fig_tolerance_reachable((struct fig_slots){ 10, 7 }, 40, 0.93));
	/* the run went longer than planned: judged on what there is */
	assert_false(fig_tolerance_reachable((struct fig_slots){ 50, 40 }, 40, 0.9));
	assert_true(fig_tolerance_reachable((struct fig_slots){ 0, 0 }, 0, 1.0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slots_down_two_of_ten),
		cmocka_unit_test(test_slots_timeouts_stand_for_their_slots),
		cmocka_unit_test(test_slots_edges),
		cmocka_unit_test(test_slots_sample_spanning_a_phase_boundary),
		cmocka_unit_test(test_slots_after_the_last_sample_unknown),
		cmocka_unit_test(test_in_effect),
		cmocka_unit_test(test_outage_after_revert_unattributed),
		cmocka_unit_test(test_outage_needs_healthy_after),
		cmocka_unit_test(test_outage_starts_at_application_in_flight),
		cmocka_unit_test(test_effect_mitigated_under_the_fault),
		cmocka_unit_test(test_effect_kill_recovers_from_its_instant),
		cmocka_unit_test(test_effect_overlapping_faults),
		cmocka_unit_test(test_tolerance_reachable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
