/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for reading a saved report back (src/report/read.c): a
 * report written and read again is the same report; reports without the
 * fields added later still read; and each way a report can be wrong is
 * refused with the path of the field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "erebus/report.h"
#include "fixtures.h"
#include "scratch.h"

static char *render_json(const struct report *r)
{
	struct sbuf b = { 0 };

	report_render_json(r, &b);
	return keep(sbuf_take(&b));
}

static char *fixture_text(const char *name)
{
	_cleanup_free_ char *path = xasprintf(FIXTURES "/reports/%s.json", name);
	char *text = NULL;

	if (read_file_max(path, REPORT_MAX_BYTES, &text) < 0)
		fail_msg("cannot read %s", path);
	return keep(text);
}

static int teardown(void **state)
{
	scratch_free();
	return 0;
}

/* Each fixture was written by report_render_json(): read and written
 * again, it comes out byte for byte the same. */
static void test_fixtures_round_trip(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(fixture_names); i++) {
		struct report *r = load_fixture(fixture_names[i]);
		char *again = render_json(r);
		if (strcmp(again, fixture_text(fixture_names[i])))
			fail_msg("%s.json changed when read and written again:\n%s", fixture_names[i], again);
		report_free(r);
	}
}

/* What the reader fills in, field by field, on one fixture. */
static void test_fields(void **state)
{
	struct report *r = load_fixture("failed");
	const struct report_probe *p;

	assert_string_equal(r->experiment, "checkout-survives-pause");
	assert_int_equal(r->verdict, VERDICT_FAILED);
	assert_int_equal(r->seed, 7);
	assert_int_equal(r->finished_at - r->started_at, 3104251);
	assert_int_equal(r->window_start_us, 103451);
	assert_int_equal(r->recovered_at_us, -1);
	assert_int_equal(r->n_faults, 2);
	assert_int_equal(r->faults[1].n_windows, 1);
	assert_int_equal(r->faults[1].windows[0].start_us, 1103780);
	assert_int_equal(r->faults[1].windows[0].end_us, 1103780);
	assert_int_equal(r->faults[1].reverted_at_us, -1);
	assert_int_equal(r->faults[0].targets[0].pid, 2459);
	assert_string_equal(r->faults[0].targets[0].comm, "demo-worker");
	assert_int_equal(r->n_probes, 2);
	p = &r->probes[0];
	assert_int_equal(p->during, DURING_MUST_PASS);
	assert_float_equal(p->tolerance, 95, 1e-9);
	assert_int_equal(p->time_to_recover_us, 43);
	assert_int_equal(p->phases[PHASE_DURING].samples, 10);
	assert_float_equal(p->phases[PHASE_DURING].availability, 0.6, 1e-12);
	assert_int_equal(p->phases[PHASE_DURING].p95, 300783);
	assert_true(p->n_samples > 20);
	assert_int_equal(p->samples[0].t_us, 2312);
	assert_int_equal(p->samples[0].phase, PHASE_BEFORE);
	assert_true(isnan(r->probes[1].phases[PHASE_AFTER].availability) ||
		    r->probes[1].phases[PHASE_AFTER].samples > 0);
	assert_true(r->n_events > 5);
	report_free(r);
}

/* A report built in C with every awkward value survives the trip. */
static void test_built_round_trip(void **state)
{
	struct report r = { .schema = 1, .experiment = (char *)"e \"1\"\n\xc3\xa9", .file = (char *)"x.ini",
			    .seed = UINT64_MAX, .started_at = 1700000000123000LL,
			    .finished_at = 1700000000123000LL + 5000001, .verdict = VERDICT_ABORTED,
			    .reason = (char *)"interrupted by SIGINT", .steady_at_us = 1,
			    .window_start_us = 1, .window_end_us = -1, .recovered_at_us = -1 };
	struct report_window w[] = { { 10, -1, -1 } };
	struct report_target t = { .pid = 42, .comm = "fifteen-chars-x" };
	struct report_fault f = { .name = (char *)"f", .type = (char *)"pause", .description = (char *)"d",
				  .targets = &t, .n_targets = 1, .windows = w, .n_windows = 1,
				  .applied_at_us = 10, .reverted_at_us = -1, .applications = 1,
				  .error = (char *)"SIGCONT failed" };
	struct sample s[] = { { .t_us = 0, .latency_us = 999999, .ok = false, .phase = PHASE_DURING,
				.msg = (char *)"tab\there" } };
	struct report_probe p = { .name = (char *)"p", .type = (char *)"exec", .verdict = VERDICT_PASSED,
				  .during = DURING_MAY_FAIL, .tolerance = 100, .recover_within_us = 0,
				  .time_to_detect_us = 0, .time_to_recover_us = -1, .samples = s, .n_samples = 1 };
	struct report *back = NULL;
	char *err = NULL, *first;

	for (int ph = 0; ph < PHASE_COUNT; ph++)
		report_phase_stats(s, 1, ph, &p.phases[ph]);
	r.faults = &f;
	r.n_faults = 1;
	r.probes = &p;
	r.n_probes = 1;
	first = render_json(&r);
	if (report_from_json(first, strlen(first), &back, &err) < 0)
		fail_msg("%s", err);
	assert_string_equal(render_json(back), first);
	assert_true(back->seed == UINT64_MAX);
	assert_int_equal(back->faults[0].windows[0].end_us, -1);
	assert_string_equal(back->probes[0].samples[0].msg, "tab\there");
	report_free(back);

	/* a tolerance reads back as written: 99.995% is not 100% */
	static const double tolerances[] = { 99.995, 99.9999, 95, 60, 100.0 / 3, 0.001, 0, 100 };
	for (size_t i = 0; i < ARRAY_SIZE(tolerances); i++) {
		p.tolerance = tolerances[i];
		first = render_json(&r);
		if (report_from_json(first, strlen(first), &back, &err) < 0)
			fail_msg("%s", err);
		if (fabs(back->probes[0].tolerance - tolerances[i]) > 1e-9)
			fail_msg("tolerance %.17g%% read back as %.17g%%", tolerances[i], back->probes[0].tolerance);
		assert_string_equal(render_json(back), first);
		report_free(back);
	}
}

/* text without each span from `from` up to and including the first n
 * bytes of the next `to`. */
static char *cut_spans(const char *text, const char *from, const char *to, size_t n)
{
	struct sbuf b = { 0 };
	const char *p = text, *at;

	while ((at = strstr(p, from))) {
		sbuf_addn(&b, p, (size_t)(at - p));
		p = strstr(at + strlen(from), to);
		assert_non_null(p);
		p += n;
	}
	sbuf_add(&b, p);
	return keep(sbuf_take(&b));
}

/* erebus.report/2: effects, outages, the impact phase, a halt, come back
 * as they were written; an outage names its fault, which must exist. */

static void test_v2_round_trip(void **state)
{
	struct report r = { .schema = 2, .experiment = (char *)"e", .file = (char *)"x.ini",
			    .started_at = 1700000000123000LL, .finished_at = 1700000000123000LL + 4000000,
			    .verdict = VERDICT_HALTED, .reason = (char *)"halted: [probe p] down for 1.00s",
			    .steady_at_us = 100, .window_start_us = 100, .window_end_us = 2500,
			    .recovered_at_us = -1, .impact_start_us = 600, .ended_us = 2500,
			    .halted_at_us = 2500, .hold_us = 2000000 };
	struct report_window w[] = { { 600, 2500, -1 } };
	struct report_effect e = { .detect_us = 250, .mitigate_us = -1, .recover_us = 1500, .down_us = 1250,
				   .outages = 1,
				   .span = { .samples = 3, .failures = 2, .slots = 8, .availability = 0.25,
					     .p50 = 1, .p95 = 2, .p99 = 2, .max = 2 } };
	struct report_fault f = { .name = (char *)"stop", .type = (char *)"pause", .description = (char *)"d",
				  .windows = w, .n_windows = 1, .applied_at_us = 600, .reverted_at_us = 2500,
				  .applications = 1, .effects = &e };
	struct report_outage o[] = { { 850, 2100, 0 }, { 2200, -1, -1 } };
	struct report_probe p = { .name = (char *)"p", .type = (char *)"http", .verdict = VERDICT_FAILED,
				  .during = DURING_MUST_PASS, .tolerance = 90, .recover_within_us = 5000000,
				  .time_to_detect_us = 250, .time_to_recover_us = -1, .interval_us = 250000,
				  .healthy_after = 2, .halt_us = 1000000, .relapses = 1, .outages = o, .n_outages = 2,
				  .erebus_errors = 3,
				  .erebus_error = (char *)"cannot assign requested address (the client ran out of local ports)" };
	struct report *back = NULL;
	char *err = NULL, *first, *bad;

	for (int ph = 0; ph < PHASE_COUNT; ph++)
		p.phases[ph] = (struct report_phase){ .slots = 4, .availability = 0.5, .p50 = -1, .p95 = -1,
						      .p99 = -1, .max = -1 };
	r.faults = &f;
	r.n_faults = 1;
	r.probes = &p;
	r.n_probes = 1;
	first = render_json(&r);
	if (report_from_json(first, strlen(first), &back, &err) < 0)
		fail_msg("%s", err);
	assert_string_equal(render_json(back), first);
	assert_int_equal(back->schema, 3);	/* written as /3 */
	assert_int_equal(back->verdict, VERDICT_HALTED);
	assert_int_equal(back->halted_at_us, 2500);
	assert_int_equal(back->probes[0].n_outages, 2);
	assert_int_equal(back->probes[0].outages[0].fault, 0);
	assert_int_equal(back->probes[0].outages[1].fault, -1);
	assert_int_equal(back->probes[0].phases[PHASE_IMPACT].slots, 4);
	assert_int_equal(back->faults[0].effects[0].recover_us, 1500);
	assert_int_equal(back->faults[0].effects[0].span.slots, 8);
	assert_int_equal(back->probes[0].erebus_errors, 3);
	assert_string_equal(back->probes[0].erebus_error, p.erebus_error);
	assert_true(strstr(first, "\"figures_incomplete\": true") != NULL);
	report_free(back);

	/* written before erebus_errors: none */
	bad = cut_spans(first, ", \"erebus_errors\": 3", "ports)\"", 7);
	assert_null(strstr(bad, "erebus_error"));
	if (report_from_json(bad, strlen(bad), &back, &err) < 0)
		fail_msg("%s", err);
	assert_int_equal(back->probes[0].erebus_errors, 0);
	assert_null(back->probes[0].erebus_error);
	assert_false(report_incomplete(back));
	report_free(back);

	/* an outage naming a fault the report lacks */
	bad = keep(xstrdup(first));
	memcpy(strstr(bad, "\"fault\": \"stop\""), "\"fault\": \"stap\"", 15);
	assert_int_equal(report_from_json(bad, strlen(bad), &back, &err), -EINVAL);
	assert_string_equal(err, "probes[0].outages[0].fault: \"stap\" is no fault of this report");
	free(err);
	/* effects in another order than the probes */
	bad = keep(xstrdup(first));
	memcpy(strstr(bad, "{\"probe\": \"p\""), "{\"probe\": \"q\"", 13);
	assert_int_equal(report_from_json(bad, strlen(bad), &back, &err), -EINVAL);
	assert_string_equal(err, "faults[0].effects[0].probe: \"q\" is not probes[0]");
	free(err);
}

/* lag_ms and slots: written and read back; absent (a report written
 * before them) or null reads as not measured, and is written as null;
 * inconsistent counts are refused. */
static void test_grid_fields(void **state)
{
	struct report r = { .schema = 2, .experiment = (char *)"e", .file = (char *)"x.ini",
			    .started_at = 1700000000123000LL, .finished_at = 1700000000123000LL + 4000000,
			    .steady_at_us = -1, .window_start_us = -1, .window_end_us = -1, .recovered_at_us = -1,
			    .impact_start_us = -1, .ended_us = 3000000, .halted_at_us = -1, .hold_us = 0 };
	struct report_probe p = { .name = (char *)"p", .type = (char *)"http", .during = DURING_MUST_PASS,
				  .tolerance = 100, .time_to_detect_us = -1, .time_to_recover_us = -1,
				  .interval_us = 10000, .healthy_after = 1, .halt_us = -1, .has_grid = true,
				  .lag_p50_us = 150, .lag_p99_us = 2500, .lag_max_us = 9000, .slots_due = 300,
				  .slots_sampled = 290, .slots_busy = 4, .slots_late = 6 };
	struct report *back = NULL;
	char *err = NULL, *first, *text;
	const char *v2 = fixture_text("v2-passed");

	for (int ph = 0; ph < PHASE_COUNT; ph++)
		p.phases[ph] = (struct report_phase){ .availability = NAN, .p50 = -1, .p95 = -1, .p99 = -1, .max = -1 };
	r.probes = &p;
	r.n_probes = 1;
	first = render_json(&r);
	assert_non_null(strstr(first, "\"lag_ms\": {\"p50\": 0.150, \"p99\": 2.500, \"max\": 9}, \"slots\": {\"due\": 300, "
				      "\"sampled\": 290, \"busy\": 4, \"late\": 6, \"share\": 0.9666}"));
	/* lag p99 2.5ms is over a tenth of 10ms, and 2% of the slots were late */
	assert_non_null(strstr(first, "\"warnings\": [\n    {\"probe\": \"p\", \"kind\": \"erebus-behind\", \"message\": "
				      "\"Erebus could not keep up: probe p started its samples 3ms late at p99 (interval 10ms) "
				      "and skipped 6 of its 300 slots while behind;"));
	assert_non_null(strstr(first, "\"kind\": \"probe-overran\""));
	if (report_from_json(first, strlen(first), &back, &err) < 0)
		fail_msg("%s", err);
	assert_string_equal(render_json(back), first);
	assert_true(back->probes[0].has_grid);
	assert_int_equal(back->probes[0].lag_p99_us, 2500);
	assert_int_equal(back->probes[0].slots_late, 6);
	report_free(back);

	/* a report from before: no lag_ms, no slots */
	if (report_from_json(v2, strlen(v2), &back, &err) < 0)
		fail_msg("%s", err);
	assert_false(back->probes[0].has_grid);
	text = render_json(back);
	assert_non_null(strstr(text, "\"lag_ms\": null, \"slots\": null"));
	assert_non_null(strstr(text, "\"warnings\": [],"));
	report_free(back);
	if (report_from_json(text, strlen(text), &back, &err) < 0)	/* and null reads back */
		fail_msg("%s", err);
	assert_false(back->probes[0].has_grid);
	report_free(back);

	{
		static const struct mutation {
			const char *find, *replace, *err;
		} bad[] = {
			{ "\"late\": 6", "\"late\": 16", "probes[0].slots.due: 300, fewer than sampled, busy and late together (310)" },
			{ "\"share\": 0.9666", "\"share\": null", "probes[0].slots.share: null, but 300 slots were due" },
			{ "\"share\": 0.9666", "\"share\": 2", "probes[0].slots.share: expected a share from 0 to 1, not 2" },
			{ ", \"slots\": {", ", \"slots\": null, \"x\": {", "probes[0].slots: null or missing, but lag_ms is not" },
			{ "\"p99\": 2.500", "\"p99\": \"2.5\"", "probes[0].lag_ms.p99: expected a number or null, not a string" },
		};
		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			const char *at = strstr(first, bad[i].find);
			struct sbuf b = { 0 };

			assert_non_null(at);
			sbuf_addn(&b, first, (size_t)(at - first));
			sbuf_add(&b, bad[i].replace);
			sbuf_add(&b, at + strlen(bad[i].find));
			if (report_from_json(b.s, b.len, &back, &err) == 0)
				fail_msg("grid mutation #%zu accepted", i);
			if (strcmp(err, bad[i].err))
				fail_msg("grid mutation #%zu:\n  want: %s\n  got:  %s", i, bad[i].err, err);
			free(err);
			sbuf_free(&b);
		}
	}
}

/* Reports written before samples, fault windows and the cleanup check
 * were added. */
static void test_without_later_fields(void **state)
{
	const char *text = fixture_text("passed");
	struct report *r = NULL;
	char *err = NULL;

	text = cut_spans(text, ",\n     \"samples\": [", "]}", 1);
	text = cut_spans(text, ", \"windows\": [", "]", 1);
	text = cut_spans(text, "  \"cleanup\": {", "\n", 1);
	assert_null(strstr(text, "\"samples\": ["));
	assert_null(strstr(text, "\"windows\""));
	assert_null(strstr(text, "\"cleanup\""));
	if (report_from_json(text, strlen(text), &r, &err) < 0)
		fail_msg("%s\n%s", err, text);
	assert_int_equal(r->probes[0].n_samples, 0);
	assert_int_equal(r->faults[0].n_windows, 0);
	assert_int_equal(r->probes[0].phases[PHASE_DURING].samples, 22);
	assert_false(r->cleanup_checked);
	report_free(r);
}

struct mutation {
	const char *find, *replace, *err;
};

static const struct mutation mutations[] = {
	{ "\"schema\": \"erebus.report/1\"", "\"schema\": \"erebus.report/9\"",
	  "schema: \"erebus.report/9\" is not a schema this erebus reads (erebus.report/3, erebus.report/2 or "
	  "erebus.report/1)" },
	/* a /1 file claiming /2 lacks what /2 has */
	{ "\"schema\": \"erebus.report/1\"", "\"schema\": \"erebus.report/2\"", "impact_start_ms: missing" },
	{ "\"schema\": \"erebus.report/1\",", "", "schema: missing" },
	{ "\"experiment\": \"checkout-survives-pause\"", "\"experiment\": 5",
	  "experiment: expected a string, not a number" },
	{ "\"seed\": 7", "\"seed\": -7", "seed: expected a whole number from 0 to 18446744073709551615, not -7" },
	{ "\"seed\": 7", "\"seed\": 7.5", "seed: expected a whole number from 0 to 18446744073709551615, not 7.5" },
	{ "\"started_at\": \"2026-11-27T07:00:25.865Z\"", "\"started_at\": \"2026-11-27 07:00:25\"",
	  "started_at: expected a UTC time like 2026-11-27T06:31:00.571Z, not \"2026-11-27 07:00:25\"" },
	{ "\"started_at\": \"2026-11-27T07:00:25.865Z\"", "\"started_at\": \"2026-02-30T07:00:25.865Z\"",
	  "started_at: expected a UTC time like 2026-11-27T06:31:00.571Z, not \"2026-02-30T07:00:25.865Z\"" },
	/* before the epoch: the writer cannot write it back */
	{ "\"started_at\": \"2026-11-27T07:00:25.865Z\"", "\"started_at\": \"1013-11-27T07:00:25.865Z\"",
	  "started_at: expected a UTC time like 2026-11-27T06:31:00.571Z, not \"1013-11-27T07:00:25.865Z\"" },
	{ "\"started_at\": \"2026-11-27T07:00:25.865Z\"", "\"started_at\": \"1969-12-31T23:59:59.999Z\"",
	  "started_at: expected a UTC time like 2026-11-27T06:31:00.571Z, not \"1969-12-31T23:59:59.999Z\"" },
	/* a leap second: the writer never says :60 (9999-12-31T23:59:60 would
	 * be written back as year 10000) */
	{ "\"finished_at\": \"2026-11-27T07:00:28.969Z\"", "\"finished_at\": \"9999-12-31T23:59:60.000Z\"",
	  "finished_at: expected a UTC time like 2026-11-27T06:31:00.571Z, not \"9999-12-31T23:59:60.000Z\"" },
	{ "\"started_at\": \"2026-11-27T07:00:25.865Z\"", "\"started_at\": \"2026-11-27T07:00:25.8650001Z\"",
	  "started_at: expected a UTC time like 2026-11-27T06:31:00.571Z, not \"2026-11-27T07:00:25.8650001Z\"" },
	{ "\"verdict\": \"failed\"", "\"verdict\": \"flaky\"", "verdict: unknown verdict \"flaky\"" },
	{ "\"exit_code\": 1", "\"exit_code\": 0", "exit_code: 0 does not go with verdict failed (1)" },
	{ "\"duration_ms\": 3104.251", "\"duration_ms\": -1", "duration_ms: -1 ms is out of range" },
	{ "\"fault_window\": {\"start_ms\": 103.451, \"end_ms\": 2103.732}", "\"fault_window\": null",
	  "fault_window: expected an object, not null" },
	{ "\"end_ms\": 2103.732}", "\"end_ms\": \"2103\"}", "fault_window.end_ms: expected a number or null, not a string" },
	{ "\"comm\": \"demo-worker\"", "\"comm\": \"a-name-of-16-chr\"", "faults[0].targets[0].comm: longer than 15 bytes" },
	{ "\"pid\": 2458", "\"pid\": 4294967296",
	  "faults[1].targets[0].pid: expected a whole number from 0 to 2147483647, not 4294967296" },
	{ "\"windows\": [{\"start_ms\": 603.883, \"end_ms\": 2103.701}]", "\"windows\": [{\"start_ms\": 603.883, \"end_ms\": 1}]",
	  "faults[0].windows[0].end_ms: before start_ms" },
	{ "\"windows\": [{\"start_ms\": 603.883, \"end_ms\": 2103.701}]", "\"windows\": [1]",
	  "faults[0].windows[0]: expected an object, not a number" },
	{ "\"faults\": [", "\"faults\": {\"x\": 1}, \"faults0\": [", "faults: expected an array, not an object" },
	{ "\"complete\": true", "\"complete\": false", "cleanup.complete: false, but 0 leftovers are listed" },
	{ "\"leftovers\": []", "\"leftovers\": [7]", "cleanup.leftovers[0]: expected a string, not a number" },
	{ "\"during\": \"must-pass\"", "\"during\": \"should-pass\"",
	  "probes[0].during: expected must-pass or may-fail, not \"should-pass\"" },
	{ "\"tolerance\": 0.95", "\"tolerance\": 95", "probes[0].tolerance: expected a share from 0 to 1, not 95" },
	{ "\"availability\": 0.6000", "\"availability\": null",
	  "probes[0].phases.during.availability: null, but 10 samples were counted" },
	{ "\"availability\": 0.6000", "\"availability\": 1.5",
	  "probes[0].phases.during.availability: expected a share from 0 to 1, not 1.5" },
	{ "\"samples\": 10, \"failures\": 4", "\"samples\": 3, \"failures\": 4",
	  "probes[0].phases.during.failures: more failures (4) than samples (3)" },
	{ "\"p95\": 300.783", "\"p95\": true", "probes[0].phases.during.latency_ms.p95: expected a number or null, not a boolean" },
	{ "\"after\": {\"samples\": 11", "\"later\": {\"samples\": 11", "probes[0].phases.after: missing" },
	{ "\"ok\": true, \"phase\": \"before\"", "\"ok\": 1, \"phase\": \"before\"",
	  "probes[0].samples[0].ok: expected a boolean, not a number" },
	{ "\"ok\": true, \"phase\": \"before\"", "\"ok\": true, \"phase\": \"warmup\"",
	  "probes[0].samples[0].phase: expected before, during or after, not \"warmup\"" },
	{ "\"kind\": \"run\"", "\"kind\": null", "events[0].kind: expected a string, not null" },
	{ "\"schema\"", "\"schema\": 1, \"schema\"", "not valid JSON: line 2, column 16: duplicate key \"schema\"" },
	{ "\n}\n", "\n},\n", "not valid JSON: line 111, column 2: unexpected ',' after the JSON value" },
};

static void test_wrong_reports(void **state)
{
	const char *text = fixture_text("failed");

	for (size_t i = 0; i < ARRAY_SIZE(mutations); i++) {
		const struct mutation *m = &mutations[i];
		const char *at = strstr(text, m->find);
		struct sbuf b = { 0 };
		struct report *r = NULL;
		char *err = NULL;

		if (!at)
			fail_msg("mutation #%zu: \"%s\" is not in failed.json", i, m->find);
		sbuf_addn(&b, text, (size_t)(at - text));
		sbuf_add(&b, m->replace);
		sbuf_add(&b, at + strlen(m->find));
		if (report_from_json(b.s, b.len, &r, &err) == 0)
			fail_msg("mutation #%zu (%s) was accepted", i, m->replace);
		if (strcmp(err, m->err))
			fail_msg("mutation #%zu:\n  want: %s\n  got:  %s", i, m->err, err);
		free(err);
		sbuf_free(&b);
	}
}

static void test_unknown_fields_ignored(void **state)
{
	const char *text = fixture_text("aborted");
	struct sbuf b = { 0 };
	struct report *r = NULL;
	char *err = NULL;

	sbuf_add(&b, "{\"future\": {\"nested\": [1, 2]}, \"x-ci\": \"job 7\",");
	sbuf_add(&b, text + 1);
	if (report_from_json(b.s, b.len, &r, &err) < 0)
		fail_msg("%s", err);
	assert_int_equal(r->verdict, VERDICT_ABORTED);
	report_free(r);
	sbuf_free(&b);
}

static void test_load_errors(void **state)
{
	char dir[] = "/tmp/erebus-report-read-XXXXXX";
	_cleanup_free_ char *path = NULL;
	struct report *r = NULL;
	char *err = NULL;

	assert_int_equal(report_load("/nonexistent/r.json", &r, &err), -ENOENT);
	assert_string_equal(err, "/nonexistent/r.json: No such file or directory");
	free(err);

	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/r.json", dir);
	assert_int_equal(write_file_atomic(path, "[]", 2), 0);
	assert_int_equal(report_load(path, &r, &err), -EINVAL);
	assert_non_null(strstr(err, "/r.json: the report: expected an object, not an array"));
	free(err);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* A repeating fault's due times, missed firings and lag: written, then
 * read back as they were; the lag comes from the windows (start - due,
 * a firing early by nothing counts as 0). */
static void test_fault_grid_round_trip(void **state)
{
	struct report r = { .schema = 2, .experiment = (char *)"e", .file = (char *)"x.ini",
			    .started_at = 1700000000123000LL, .finished_at = 1700000000123000LL + 4000000,
			    .verdict = VERDICT_PASSED, .steady_at_us = 100, .window_start_us = 100,
			    .window_end_us = 40100, .recovered_at_us = 40100, .impact_start_us = 200,
			    .ended_us = 40100, .halted_at_us = -1 };
	struct report_window w[] = { { 200, 200, 100 }, { 10150, 10150, 10100 }, { 30400, 30400, 30100 },
				     { 40100, 40100, 40100 } };
	struct report_fault f = { .name = (char *)"k", .type = (char *)"kill", .description = (char *)"d",
				  .windows = w, .n_windows = 4, .applied_at_us = 200, .reverted_at_us = -1,
				  .applications = 4, .missed = 1, .instant = true };
	struct report *back = NULL;
	char *err = NULL, *first;
	int64_t lag[3];

	r.faults = &f;
	r.n_faults = 1;
	assert_int_equal(report_fault_lag(&f, lag), 4);
	assert_int_equal(lag[0], 50);	/* 0, 50, 100, 300: the 2nd of 4 */
	assert_int_equal(lag[1], 300);
	assert_int_equal(lag[2], 300);
	first = render_json(&r);
	assert_non_null(strstr(first, "\"due_ms\": 10.100}"));
	assert_non_null(strstr(first, "\"lag_ms\": {\"p50\": 0.050, \"p99\": 0.300, \"max\": 0.300}, \"missed\": 1"));
	if (report_from_json(first, strlen(first), &back, &err) < 0)
		fail_msg("%s", err);
	assert_string_equal(render_json(back), first);
	assert_int_equal(back->faults[0].windows[2].due_us, 30100);
	assert_int_equal(back->faults[0].missed, 1);
	report_free(back);
}

#define T(fn) cmocka_unit_test_teardown(fn, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fixtures_round_trip), T(test_fields),	   T(test_built_round_trip), T(test_v2_round_trip), T(test_grid_fields),
		T(test_without_later_fields), T(test_wrong_reports), T(test_unknown_fields_ignored),
		T(test_load_errors), T(test_fault_grid_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
