/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for `erebus gate` (src/report/gate.c): each kind of breach and its
 * line, and the comparison with a baseline. The exit codes of the command
 * itself are checked in the integration tier.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "erebus/gate.h"
#include "fixtures.h"

static const struct gate_opts no_limits = { .max_recovery_us = -1, .max_detect_us = -1, .max_alert_us = -1, .min_availability = -1, .max_regression = 20,
					    .regression_floor_us = 1000 };

struct gfx {
	struct report *passed, *failed, *base;
	struct sbuf out;
};

static int setup(void **state)
{
	struct gfx *g = xcalloc(1, sizeof(*g));

	g->passed = load_fixture("passed");
	g->failed = load_fixture("failed");
	g->base = load_fixture("passed");
	*state = g;
	return 0;
}

static int teardown(void **state)
{
	struct gfx *g = *state;

	report_free(g->passed);
	report_free(g->failed);
	report_free(g->base);
	sbuf_free(&g->out);
	free(g);
	return 0;
}

static size_t gate(struct gfx *g, const struct report *r, const char *file, const struct gate_opts *o)
{
	const struct gate_input in = { .file = file, .report = r };

	sbuf_free(&g->out);
	return gate_check(&in, 1, o, &g->out);
}

static void assert_line(const struct gfx *g, const char *line)
{
	_cleanup_free_ char *want = xasprintf("%s\n", line);

	if (!strstr(g->out.s, want))
		fail_msg("gate output lacks the line:\n%s\n--- in:\n%s", line, g->out.s);
}

static void test_pass(void **state)
{
	struct gfx *g = *state;
	struct gate_opts o = no_limits;

	assert_int_equal(gate(g, g->passed, "passed.json", &o), 0);
	assert_string_equal(g->out.s, "gate: every report passed; probes: all; faults: all\n"
				      "gate: passed: 1 report, every threshold met\n");
	o.max_recovery_us = 400 * USEC_PER_MSEC;	/* worker-alive took 399ms */
	o.min_availability = 90;			/* health had 90.9% */
	assert_int_equal(gate(g, g->passed, "passed.json", &o), 0);
}

static void test_verdict(void **state)
{
	struct gfx *g = *state;

	assert_int_equal(gate(g, g->failed, "failed.json", &no_limits), 1);
	assert_line(g, "failed.json: checkout-survives-pause: verdict failed (exit 1): a probe failed; see probes");
	assert_line(g, "gate: failed: 1 breach in 1 report");
}

static void test_max_recovery(void **state)
{
	struct gfx *g = *state;
	struct gate_opts o = no_limits;

	o.max_recovery_us = 300 * USEC_PER_MSEC;
	assert_int_equal(gate(g, g->passed, "passed.json", &o), 1);
	assert_line(g, "passed.json: worker-crash-and-stall: worker-alive: time to recover 399ms is over --max-recovery 300ms");
	/* a probe that never recovered breaches any limit */
	o.max_recovery_us = 10 * USEC_PER_SEC;
	assert_int_equal(gate(g, g->failed, "failed.json", &o), 2);
	assert_line(g, "failed.json: checkout-survives-pause: cache-alive: did not recover (--max-recovery 10.00s)");
	assert_line(g, "gate: failed: 2 breaches in 1 report");
}

static void test_min_availability(void **state)
{
	struct gfx *g = *state;
	struct gate_opts o = no_limits;

	o.min_availability = 95;
	assert_int_equal(gate(g, g->passed, "passed.json", &o), 2);
	assert_line(g, "passed.json: worker-crash-and-stall: health: availability 90.9% of samples in the fault window (erebus.report/1) is under --min-availability 95%");
	assert_line(g, "passed.json: worker-crash-and-stall: worker-alive: availability 90.0% of samples in the fault window (erebus.report/1) is under --min-availability 95%");
}

static void test_baseline_same(void **state)
{
	struct gfx *g = *state;
	struct gate_opts o = no_limits;

	o.baseline = g->base;
	o.baseline_file = "old.json";
	assert_int_equal(gate(g, g->passed, "new.json", &o), 0);
	assert_line(g, "baseline old.json (worker-crash-and-stall, 2026-11-27T07:00:34.879Z): allowed regression 20%, changes under 1ms ignored");
	assert_line(g, "  report    probe         metric                    baseline            now   change  result");
	assert_line(g, "  new.json  worker-alive  time to recover              399ms          399ms      +0%  ok");
	assert_line(g, "  new.json  port-open     time to recover               none           none      +0%  ok");
	assert_line(g, "gate: passed: 1 report, every threshold met");
}

static void test_baseline_regression(void **state)
{
	struct gfx *g = *state;
	struct gate_opts o = no_limits;

	o.baseline = g->base;
	o.baseline_file = "old.json";
	g->passed->probes[1].time_to_recover_us = 600 * USEC_PER_MSEC;	/* worker-alive: 399ms -> 600ms */
	g->passed->probes[0].phases[PHASE_DURING].p95 += 900;		/* health: under the 1ms floor */
	g->passed->probes[2].phases[PHASE_DURING].p95 = 2 * USEC_PER_MSEC;	/* port-open: 0.3ms -> 2ms */
	assert_int_equal(gate(g, g->passed, "new.json", &o), 2);
	assert_line(g, "  new.json  worker-alive  time to recover              399ms          600ms     +51%  WORSE");
	assert_line(g, "  new.json  health        p95 in fault window          400ms          401ms      +0%  ok (under 1ms)");
	assert_line(g, "new.json: worker-crash-and-stall: worker-alive: time to recover regressed: baseline 399ms, now 600ms (+51%, more than --max-regression 20%)");
	assert_line(g, "new.json: worker-crash-and-stall: port-open: p95 in fault window regressed: baseline 283us, now 2ms (+607%, more than --max-regression 20%)");
	o.max_regression = 60;
	assert_int_equal(gate(g, g->passed, "new.json", &o), 1);
	o.regression_floor_us = 5 * USEC_PER_MSEC;
	assert_int_equal(gate(g, g->passed, "new.json", &o), 0);
}

/* A probe that degraded where the baseline did not: no share to compute,
 * still worse. One that no longer recovers: worse. */
static void test_baseline_from_nothing(void **state)
{
	struct gfx *g = *state;
	struct gate_opts o = no_limits;

	o.baseline = g->base;
	o.baseline_file = "old.json";
	g->passed->probes[2].time_to_detect_us = 100 * USEC_PER_MSEC;
	g->passed->probes[2].time_to_recover_us = 250 * USEC_PER_MSEC;
	assert_int_equal(gate(g, g->passed, "new.json", &o), 1);
	assert_line(g, "  new.json  port-open     time to recover               none          250ms      new  WORSE");
	assert_line(g, "new.json: worker-crash-and-stall: port-open: time to recover regressed: baseline none, now 250ms");
}

static void test_baseline_other_experiment(void **state)
{
	struct gfx *g = *state;
	struct gate_opts o = no_limits;

	o.baseline = g->failed;
	o.baseline_file = "other.json";
	assert_int_equal(gate(g, g->passed, "new.json", &o), 1);
	assert_line(g, "other.json: the baseline is experiment checkout-survives-pause, and no report given is");
}

/* Several reports: each judged, the summary counts them all. */
static void test_many(void **state)
{
	struct gfx *g = *state;
	const struct gate_input in[] = { { "a.json", g->passed }, { "b.json", g->failed } };
	struct gate_opts o = no_limits;

	sbuf_free(&g->out);
	assert_int_equal(gate_check(in, 2, &o, &g->out), 1);
	assert_line(g, "b.json: checkout-survives-pause: verdict failed (exit 1): a probe failed; see probes");
	assert_line(g, "gate: failed: 1 breach in 2 reports");
}

#define G(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

/* ---- erebus.report/2: per-fault figures --------------------------------- */

/* gate-v2.json: a pause (stop) then a kill of the demo's worker, probes
 * health (http) and alive (process), both on a 100 ms grid. The kill's
 * recovery took 1000.872 ms (health) and 1098.126 ms (alive); its
 * detection 96.683 and 96.711 ms; the pause's recovery 15 us. */
static void test_v2_recovery_per_fault(void **state)
{
	struct gfx *g = *state;
	_cleanup_(report_freep) struct report *r = load_fixture("gate-v2");
	struct gate_opts o = no_limits;
	const char *only_stop[] = { "stop" };

	o.max_recovery_us = USEC_PER_SEC;
	assert_int_equal(gate(g, r, "v2.json", &o), 2);
	assert_line(g, "gate: every report passed, time to recover at most 1.00s; probes: all; faults: all");
	assert_line(g, "v2.json: pause-then-kill: health: time to recover 1.00s after [fault kill] is over --max-recovery 1.00s");
	assert_line(g, "v2.json: pause-then-kill: alive: time to recover 1.10s after [fault kill] is over --max-recovery 1.00s");
	o.faults = only_stop;
	o.n_faults = 1;
	assert_int_equal(gate(g, r, "v2.json", &o), 0);
	assert_line(g, "gate: every report passed, time to recover at most 1.00s; probes: all; faults: stop");
}

static void test_v2_detect_and_probe_filter(void **state)
{
	struct gfx *g = *state;
	_cleanup_(report_freep) struct report *r = load_fixture("gate-v2");
	struct gate_opts o = no_limits;
	const char *only_health[] = { "health" }, *typo[] = { "helth" };

	o.max_detect_us = 50 * USEC_PER_MSEC;
	assert_int_equal(gate(g, r, "v2.json", &o), 2);
	assert_line(g, "v2.json: pause-then-kill: health: time to detect 97ms after [fault kill] is over --max-detect 50ms");
	o.probes = only_health;
	o.n_probes = 1;
	assert_int_equal(gate(g, r, "v2.json", &o), 1);
	assert_line(g, "gate: every report passed, time to detect at most 50ms; probes: health; faults: all");
	o.probes = typo;	/* a name that matches nothing is a breach, not a pass */
	assert_int_equal(gate(g, r, "v2.json", &o), 1);
	assert_line(g, "--probe helth: no report has a probe of that name");
}

/* Availability over the impact phase (time, not samples); with --fault,
 * also over that fault's effect window. */
static void test_v2_min_availability(void **state)
{
	struct gfx *g = *state;
	_cleanup_(report_freep) struct report *r = load_fixture("gate-v2");
	struct gate_opts o = no_limits;
	const char *only_kill[] = { "kill" };

	o.min_availability = 70;
	assert_int_equal(gate(g, r, "v2.json", &o), 1);
	assert_line(g, "v2.json: pause-then-kill: health: availability 61.3% over the impact phase is under --min-availability 70%");
	o.min_availability = 60;
	assert_int_equal(gate(g, r, "v2.json", &o), 0);
	o.faults = only_kill;
	o.n_faults = 1;
	assert_int_equal(gate(g, r, "v2.json", &o), 2);
	assert_line(g, "v2.json: pause-then-kill: health: availability 57.1% while [fault kill] acted is under --min-availability 60%");
	assert_line(g, "v2.json: pause-then-kill: alive: availability 54.5% while [fault kill] acted is under --min-availability 60%");
}

/* An availability that is unknown though samples were taken (no whole
 * slot of the grid in the span: null in the report) is a breach of
 * --min-availability, never a pass: 22 failed samples passed the gate. */
static void test_v2_unknown_availability_is_a_breach(void **state)
{
	struct gfx *g = *state;
	_cleanup_(report_freep) struct report *r = load_fixture("gate-v2");
	struct gate_opts o = no_limits;
	const char *only_kill[] = { "kill" };
	struct report_phase *ph = &r->probes[0].phases[PHASE_IMPACT];

	*ph = (struct report_phase){ .samples = 22, .failures = 22, .slots = 0, .availability = NAN,
				     .p50 = -1, .p95 = -1, .p99 = -1, .max = -1 };
	o.min_availability = 50;
	assert_int_equal(gate(g, r, "v2.json", &o), 1);
	assert_line(g, "v2.json: pause-then-kill: health: availability unknown over the impact phase (22 samples, "
		       "no slot judged): --min-availability 50% cannot be shown to hold");

	for (size_t i = 0; i < r->n_faults; i++)
		if (!strcmp(r->faults[i].name, "kill"))
			r->faults[i].effects[1].span = *ph;
	o.faults = only_kill;
	o.n_faults = 1;
	o.probes = NULL;
	assert_int_equal(gate(g, r, "v2.json", &o), 2);	/* and the impact phase again */
	assert_line(g, "v2.json: pause-then-kill: alive: availability unknown while [fault kill] acted (22 samples, "
		       "no slot judged): --min-availability 50% cannot be shown to hold");
}

/* Against a /2 baseline: per-fault rows; the noise floor is one interval
 * of the probe (100 ms), so 50 ms more p95 is not a regression. */
static void test_v2_baseline_per_fault(void **state)
{
	struct gfx *g = *state;
	_cleanup_(report_freep) struct report *now = load_fixture("gate-v2");
	_cleanup_(report_freep) struct report *base = load_fixture("gate-v2");
	struct gate_opts o = no_limits;

	o.baseline = base;
	o.baseline_file = "base.json";
	o.regression_floor_us = -1;
	now->faults[1].effects[0].recover_us += 600 * USEC_PER_MSEC;	/* kill, health: 1.00s -> 1.60s */
	now->faults[1].effects[0].span.p95 += 50 * USEC_PER_MSEC;
	assert_int_equal(gate(g, now, "now.json", &o), 1);
	assert_line(g, "baseline base.json (pause-then-kill, 2026-12-07T16:39:24.002Z): allowed regression 20%, changes under one interval of each probe ignored");
	assert_line(g, "now.json: pause-then-kill: health: time to recover after kill regressed: baseline 1.00s, now 1.60s (+60%, more than --max-regression 20%)");
	if (!strstr(g->out.s, "p95 while kill") || !strstr(g->out.s, "ok (under 100ms)"))
		fail_msg("no per-fault p95 row under the floor:\n%s", g->out.s);
}

/* A /1 baseline is read and compared, and the gate says what it can and
 * cannot compare. */
static void test_v1_baseline_said(void **state)
{
	struct gfx *g = *state;
	_cleanup_(report_freep) struct report *now = load_fixture("gate-v2");
	struct gate_opts o = no_limits;

	free(g->base->experiment);
	g->base->experiment = xstrdup("pause-then-kill");
	o.baseline = g->base;
	o.baseline_file = "old.json";
	(void)gate(g, now, "now.json", &o);
	assert_line(g, "  the baseline is erebus.report/1: its availability counted samples, and it has no per-fault figures; compared: time to recover and p95 in the fault window");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		G(test_pass),
		G(test_verdict),
		G(test_max_recovery),
		G(test_min_availability),
		G(test_baseline_same),
		G(test_baseline_regression),
		G(test_baseline_from_nothing),
		G(test_baseline_other_experiment),
		G(test_many),
		G(test_v2_recovery_per_fault),
		G(test_v2_detect_and_probe_filter),
		G(test_v2_min_availability),
		G(test_v2_unknown_availability_is_a_breach),
		G(test_v2_baseline_per_fault),
		G(test_v1_baseline_said),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
