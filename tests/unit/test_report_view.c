/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for what the renderers say about a run (src/report/view.c)
 * and the summary for people (src/report/text.c), on erebus.report/2
 * reports built in C (tests/unit/fixtures.h): a must-pass relapse, a halt
 * on lost tolerance, what each fault did to each probe; and the same
 * report judged as an erebus.report/1 one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "erebus/report.h"
#include "fixtures.h"

static size_t probe_index(const struct report *r, const char *name)
{
	for (size_t i = 0; i < r->n_probes; i++)
		if (!strcmp(r->probes[i].name, name))
			return i;
	fail_msg("no probe %s", name);
	return 0;
}

/* The outcome of probe's phase ph is want, with the message msg. */
static void check_phase(const struct report *r, const char *probe, enum phase ph, enum outcome want,
			const char *msg)
{
	_cleanup_free_ char *got = NULL;
	enum outcome o = report_phase_outcome(r, &r->probes[probe_index(r, probe)], ph, &got);

	if (o != want || strcmp(got, msg))
		fail_msg("%s %s: outcome %d, want %d:\n  got:  %s\n  want: %s", probe, phase_titles[ph], o, want, got,
			 msg);
}

static void check_effect(const struct report *r, size_t fault, const char *probe, enum outcome want,
			 const char *msg)
{
	_cleanup_free_ char *got = NULL;
	enum outcome o = report_effect_outcome(r, fault, probe_index(r, probe), &got);

	if (o != want || strcmp(got, msg))
		fail_msg("%s under %s: outcome %d, want %d:\n  got:  %s\n  want: %s", probe, r->faults[fault].name, o,
			 want, got, msg);
}

static void test_relapse(void **state)
{
	struct report *r = synthetic_relapse();

	check_phase(r, "health", PHASE_BEFORE, OUTCOME_PASSED,
		    "healthy; steady state reached at +200ms; 2 samples, 0 failed");
	/* informational in /2: 18 of 28 slots up, the tolerance is elsewhere */
	check_phase(r, "health", PHASE_DURING, OUTCOME_PASSED,
		    "available 64.2% of the fault window's time (28 slots, 28 samples); tolerance 50% is judged "
		    "over the impact phase");
	check_phase(r, "health", PHASE_AFTER, OUTCOME_FAILED, "health: relapsed 400ms after recovering: status 503");
	/* 1.0 s to 3.7 s: 27 slots, 12 down */
	check_phase(r, "health", PHASE_IMPACT, OUTCOME_PASSED,
		    "available 55.5% of the impact phase (27 slots, 27 samples); tolerance 50%");
	check_phase(r, "cache", PHASE_AFTER, OUTCOME_FAILED,
		    "cache: the run ended before it was healthy again (700ms after the window)");
	check_phase(r, "cache", PHASE_IMPACT, OUTCOME_PASSED,
		    "available 0.0% of the impact phase (27 slots, 27 samples); may fail");

	/* the kill's outage on cache never ended, and cache failed */
	check_effect(r, 0, "cache", OUTCOME_FAILED,
		     "cache: down since +1.00s under kill-cache, never healthy again; down 2.70s in 1 outage: detected "
		     "in 0us; available 0.0% of its effect window (10 slots), p95 10us");
	check_effect(r, 0, "health", OUTCOME_PASSED,
		     "no outage; available 100.0% of its effect window (10 slots), p95 300us");
	/* the relapse at 3.6 s began under no fault: not the pause's outage,
	 * though in its effect window (2.0 s to the end: 5 of 17 slots up) */
	check_effect(r, 1, "health", OUTCOME_PASSED,
		     "down 1.10s in 1 outage: detected in 0us, recovered 100ms after it ended; available 29.4% of its "
		     "effect window (17 slots), p95 1ms");
	assert_int_equal(r->probes[0].n_outages, 2);
	assert_int_equal(r->probes[0].outages[1].fault, -1);
	report_free(r);
}

static void test_lost_tolerance(void **state)
{
	struct report *r = synthetic_lost_tolerance();

	assert_true(report_probe_halted(r, &r->probes[0]));
	assert_false(report_probe_halted(r, &r->probes[1]));
	check_phase(r, "checkout", PHASE_DURING, OUTCOME_ERROR,
		    "checkout: the fault window did not finish: halted: [probe checkout] can no longer reach its "
		    "tolerance of 90%: down 6 of 6 slots since the first fault, of at most 40");
	check_phase(r, "checkout", PHASE_AFTER, OUTCOME_SKIPPED, "not reached: the fault window did not finish");
	check_phase(r, "checkout", PHASE_IMPACT, OUTCOME_FAILED,
		    "checkout: halted the run at +900ms: can no longer reach its tolerance of 90%: down 6 of 6 slots "
		    "since the first fault, of at most 40; available 0.0% of the impact phase; last failure: timed "
		    "out after 100ms");
	check_phase(r, "alive", PHASE_IMPACT, OUTCOME_PASSED,
		    "available 100.0% of the impact phase (6 slots, 6 samples); may fail");
	/* checkout failed, and its outage under the stall never ended */
	check_effect(r, 0, "checkout", OUTCOME_FAILED,
		     "checkout: down since +300ms under stall, never healthy again; down 600ms in 1 outage: detected "
		     "in 0us; available 0.0% of its effect window (6 slots), p95 100ms");
	check_effect(r, 0, "alive", OUTCOME_PASSED, "no outage; available 100.0% of its effect window (6 slots), p95 15us");
	report_free(r);
}

/* The same relapse, as an erebus.report/1 report would read: tolerance
 * over the window's samples, no impact phase, no effects. */
static void test_v1_judged_as_before(void **state)
{
	struct report *r = synthetic_relapse();

	r->schema = 1;
	for (size_t i = 0; i < r->n_faults; i++) {
		free(r->faults[i].effects);
		r->faults[i].effects = NULL;
	}
	for (size_t i = 0; i < r->n_probes; i++) {
		report_phase_stats(r->probes[i].samples, r->probes[i].n_samples, PHASE_DURING,
				   &r->probes[i].phases[PHASE_DURING]);
		r->probes[i].phases[PHASE_IMPACT] = (struct report_phase){ .availability = NAN, .p50 = -1, .p95 = -1,
									  .p99 = -1, .max = -1 };
	}
	check_phase(r, "health", PHASE_DURING, OUTCOME_PASSED, "64% of 28 samples passed, tolerance 50%");
	r->probes[0].tolerance = 70;
	check_phase(r, "health", PHASE_DURING, OUTCOME_FAILED,
		    "health: 64% of samples passed during the fault window, tolerance 70%; last failure: status 503");
	check_phase(r, "health", PHASE_IMPACT, OUTCOME_SKIPPED, "not measured before erebus.report/2");
	check_effect(r, 0, "cache", OUTCOME_SKIPPED, "not measured before erebus.report/2");

	/* samples, but no share (a report not from the reader): unknown is a
	 * failure, and NaN is never converted to a whole percent */
	r->probes[0].phases[PHASE_DURING].availability = NAN;
	check_phase(r, "health", PHASE_DURING, OUTCOME_FAILED,
		    "health: share of 28 samples passed during the fault window unknown");
	r->probes[0].during = DURING_MAY_FAIL;
	check_phase(r, "health", PHASE_DURING, OUTCOME_FAILED,
		    "health: share of 28 samples passed during the fault window unknown");
	report_free(r);
}

/* A fault that never took effect has no effect to judge. */
static void test_effect_of_a_fault_never_applied(void **state)
{
	struct report *r = synthetic_relapse();

	r->faults[1].applied_at_us = r->faults[1].reverted_at_us = -1;
	r->faults[1].error = xstrdup("could not pick targets: no process matches [target worker]");
	check_effect(r, 1, "health", OUTCOME_SKIPPED,
		     "never took effect: could not pick targets: no process matches [target worker]");
	free(r->faults[1].error);
	r->faults[1].error = NULL;
	check_effect(r, 1, "health", OUTCOME_SKIPPED, "never took effect: the run stopped before its time");
	report_free(r);
}

static void test_text_golden(void **state)
{
	golden_synthetic("txt", report_render_text);
}

/* A saved erebus.report/2 report's summary is the one its run printed. */
static void test_text_golden_v2(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(fixture_names_v2); i++)
		golden_case(fixture_names_v2[i], "txt", report_render_text);
	for (size_t i = 0; i < ARRAY_SIZE(fixture_names_v3); i++)
		golden_case(fixture_names_v3[i], "txt", report_render_text);
}

/* The summary of a halted run says when, and the fault table has every
 * pair, a dash where a figure does not apply. */
static void test_text_content(void **state)
{
	struct report *r = synthetic_lost_tolerance();
	struct sbuf b = { 0 };

	report_render_text(r, &b);
	assert_non_null(strstr(b.s, "experiment lost-tolerance: halted (exit 1), seed 9, 905ms\n"));
	assert_non_null(strstr(b.s, "  halted at +900ms: every fault was reverted then, and nothing more was injected\n"));
	assert_non_null(strstr(b.s, "avail bef/dur/aft/imp p95 during\n"));
	assert_non_null(strstr(b.s, "  fault  probe     detect    mitigate  recover   down      avail  p95\n"));
	assert_non_null(strstr(b.s, "  stall  checkout  0us       -         -         600ms       0%   100ms\n"));
	assert_null(strstr(b.s, "erebus.report/1"));
	sbuf_free(&b);
	r->schema = 1;
	report_render_text(r, &b);
	assert_non_null(strstr(b.s, "(an erebus.report/1 report: availability is the share of samples"));
	assert_null(strstr(b.s, "mitigate"));
	sbuf_free(&b);
	report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relapse),
		cmocka_unit_test(test_lost_tolerance),
		cmocka_unit_test(test_v1_judged_as_before),
		cmocka_unit_test(test_effect_of_a_fault_never_applied),
		cmocka_unit_test(test_text_golden),
		cmocka_unit_test(test_text_golden_v2),
		cmocka_unit_test(test_text_content),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
