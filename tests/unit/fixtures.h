/* SPDX-License-Identifier: MIT */
/*
 * Fixed reports and golden files for the renderer tests. The reports are
 * JSON files under tests/fixtures/reports/ (real runs, one hand-edited for
 * a failed revert), read with the report reader, and reports built here in
 * C for what real runs seldom show (a relapse, a halt on lost tolerance);
 * each renderer's output for each is kept under tests/fixtures/golden/.
 * Tests run from the top of the source tree (make check does).
 *
 * To accept a deliberate change of output: EREBUS_UPDATE_GOLDEN=1
 * make check-unit, then review `git diff tests/fixtures/golden`. The
 * goldens of the erebus.report/3 fixtures from real runs are the files
 * those runs wrote: regenerate them with the run (tests/fixtures/
 * experiments/v2-passed.ini says how, with v3 in the names), never with
 * EREBUS_UPDATE_GOLDEN.
 */
#ifndef EREBUS_TESTS_FIXTURES_H
#define EREBUS_TESTS_FIXTURES_H

#include "erebus/report.h"

#define FIXTURES "tests/fixtures"

/* erebus.report/1 reports, from runs before /2: they prove /1 still renders. */
static const char *const fixture_names[] = { "passed", "failed", "aborted", "cleanup-failed" };
/* erebus.report/2 reports from real runs before /3 (every sample listed):
 * they prove /2 still renders. */
static const char *const fixture_names_v2[] = { "v2-passed", "v2-failed", "v2-halted" };
/* erebus.report/3 reports from real runs of tests/fixtures/experiments/;
 * each golden file is what that run itself wrote (--junit, --html,
 * --metrics), so the goldens also check that a saved report renders as
 * the run did. */
static const char *const fixture_names_v3[] = { "v3-passed", "v3-failed", "v3-halted" };

/* One of fixture_names, read; fails the test if it cannot be. */
static inline struct report *load_fixture(const char *name)
{
	_cleanup_free_ char *path = xasprintf(FIXTURES "/reports/%s.json", name);
	_cleanup_free_ char *err = NULL;
	struct report *r = NULL;

	if (report_load(path, &r, &err) < 0)
		fail_msg("cannot load %s (run from the top of the source tree): %s", path, err);
	return r;
}

/* Is the golden file name one that a run of tests/fixtures/experiments/
 * wrote? EREBUS_UPDATE_GOLDEN leaves those alone (a reader that dropped a
 * field would rewrite them wrong): run the experiment again instead. */
static inline bool written_by_run(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(fixture_names_v3); i++) {
		size_t n = strlen(fixture_names_v3[i]);
		if (!strncmp(name, fixture_names_v3[i], n) && name[n] == '.')
			return true;
	}
	return false;
}

/* Compare text with the golden file FIXTURES/golden/name, or rewrite it
 * when EREBUS_UPDATE_GOLDEN is set (but for those written by a run). On a difference, print the first
 * differing line of each. */
static inline void check_golden(const char *text, const char *name)
{
	_cleanup_free_ char *path = xasprintf(FIXTURES "/golden/%s", name);
	_cleanup_free_ char *want = NULL;
	const char *a, *b;
	unsigned line = 1;
	ssize_t n;

	if (getenv("EREBUS_UPDATE_GOLDEN") && !written_by_run(name)) {
		assert_int_equal(write_file_atomic(path, text, strlen(text)), 0);
		return;
	}
	n = read_file_max(path, 4u << 20, &want);
	if (n < 0)
		fail_msg("%s: %s (EREBUS_UPDATE_GOLDEN=1 writes it)", path, strerror((int)-n));
	if (!strcmp(text, want))
		return;
	for (a = text, b = want; *a && *a == *b; a++, b++)
		if (*a == '\n')
			line++;
	while (a > text && a[-1] != '\n')
		a--, b--;
	fail_msg("%s differs from the output at line %u:\n  golden: %.*s\n  output: %.*s\n"
		 "If the change is deliberate: EREBUS_UPDATE_GOLDEN=1 make check-unit, and review the diff.",
		 path, line, (int)strcspn(b, "\n"), b, (int)strcspn(a, "\n"), a);
}

/* Render fixture name with fn and compare with golden name.ext. */
static inline void golden_case(const char *name, const char *ext,
			       void (*fn)(const struct report *r, struct sbuf *out))
{
	struct report *r = load_fixture(name);
	_cleanup_free_ char *golden = xasprintf("%s.%s", name, ext);
	struct sbuf out = { 0 };

	fn(r, &out);
	report_free(r);
	check_golden(out.s, golden);
	sbuf_free(&out);
}

/* ---- erebus.report/2 reports built in C ------------------------------- */

/* Samples of probe p on its grid over [from, to): passing, or failing
 * with msg; tagged with the phase they start in. */
static inline void synth_samples(const struct report *r, struct report_probe *p, int64_t from, int64_t to,
				 int64_t latency_us, const char *msg)
{
	for (int64_t t = from; t < to; t += p->interval_us) {
		struct sample *s;
		p->samples = xrealloc(p->samples, (p->n_samples + 1) * sizeof(*p->samples));
		s = &p->samples[p->n_samples++];
		*s = (struct sample){ .t_us = t, .latency_us = latency_us, .ok = !msg,
				      .msg = msg ? xstrdup(msg) : NULL };
		s->phase = t < r->window_start_us ? PHASE_BEFORE
			   : r->window_end_us < 0 || t < r->window_end_us ? PHASE_DURING : PHASE_AFTER;
	}
}

static inline struct report_probe *synth_probe(struct report *r, const char *name, const char *type,
					       enum probe_during during, double tolerance)
{
	struct report_probe *p;

	r->probes = xrealloc(r->probes, (r->n_probes + 1) * sizeof(*r->probes));
	p = &r->probes[r->n_probes++];
	*p = (struct report_probe){ .name = xstrdup(name), .type = xstrdup(type), .during = during,
				    .tolerance = tolerance, .recover_within_us = 5 * USEC_PER_SEC,
				    .interval_us = 100 * USEC_PER_MSEC, .healthy_after = 2, .halt_us = -1 };
	return p;
}

static inline struct report_fault *synth_fault(struct report *r, const char *name, const char *type, int64_t start,
					       int64_t end, const char *pid_comm)
{
	struct report_fault *f;

	r->faults = xrealloc(r->faults, (r->n_faults + 1) * sizeof(*r->faults));
	f = &r->faults[r->n_faults++];
	*f = (struct report_fault){ .name = xstrdup(name), .type = xstrdup(type), .applied_at_us = start,
				    .reverted_at_us = end == start ? -1 : end, .applications = 1,
				    .instant = end == start };
	f->description = xasprintf("%s to [target worker]", type);
	f->targets = xcalloc(1, sizeof(*f->targets));
	f->n_targets = 1;
	f->targets[0].pid = 4242;
	snprintf(f->targets[0].comm, sizeof(f->targets[0].comm), "%s", pid_comm);
	report_fault_applied(f, start, end == start);
	if (end != start)
		report_fault_reverted(f, end);
	return f;
}

static inline struct report *synth_report(const char *name, enum verdict v, const char *reason)
{
	struct report *r = xcalloc(1, sizeof(*r));

	*r = (struct report){ .schema = 2, .experiment = xstrdup(name), .file = xasprintf("experiments/%s.ini", name),
			      .seed = 9, .started_at = 1796000000LL * USEC_PER_SEC, .verdict = v,
			      .reason = reason ? xstrdup(reason) : NULL, .steady_at_us = 200 * USEC_PER_MSEC,
			      .window_start_us = 200 * USEC_PER_MSEC, .recovered_at_us = -1, .halted_at_us = -1,
			      .hold_us = USEC_PER_SEC, .cleanup_checked = true };
	r->description = xstrdup("built in C: what real runs seldom show");
	return r;
}

/*
 * A must-pass probe that recovers and relapses in the hold (failed, not
 * on tolerance: 59% of the impact phase against 50%), and a may-fail
 * probe that never comes back from a kill before the relapse ends the
 * run: its outage never ends. Faults: a kill at 1 s, a pause 2 s to 3 s.
 */
static inline struct report *synthetic_relapse(void)
{
	const int64_t ms = USEC_PER_MSEC;
	struct report *r = synth_report("relapse-in-hold", VERDICT_FAILED, "a probe failed; see probes");
	struct report_probe *health, *cache;

	r->window_end_us = 3000 * ms;
	r->impact_start_us = 1000 * ms;
	r->ended_us = 3700 * ms;
	r->finished_at = r->started_at + 3710 * ms;
	synth_fault(r, "kill-cache", "kill", 1000 * ms, 1000 * ms, "cache");
	synth_fault(r, "pause-worker", "pause", 2000 * ms, 3000 * ms, "demo-worker");

	health = synth_probe(r, "health", "http", DURING_MUST_PASS, 50);
	synth_samples(r, health, 0, 2000 * ms, 300, NULL);
	synth_samples(r, health, 2000 * ms, 3100 * ms, 1000, "status 503");
	synth_samples(r, health, 3100 * ms, 3600 * ms, 300, NULL);
	synth_samples(r, health, 3600 * ms, 3700 * ms, 800, "status 503");
	health->verdict = VERDICT_FAILED;
	health->reason = xstrdup("relapsed 400ms after recovering: status 503");
	health->relapses = 1;

	cache = synth_probe(r, "cache", "process", DURING_MAY_FAIL, 100);
	synth_samples(r, cache, 0, 1000 * ms, 20, NULL);
	synth_samples(r, cache, 1000 * ms, 3700 * ms, 10, "0 processes match, min_count 1");
	cache->verdict = VERDICT_FAILED;
	cache->reason = xstrdup("the run ended before it was healthy again (700ms after the window)");

	report_event(r, 0, "run", NULL, "experiment relapse-in-hold (seed 9)");
	report_event(r, 200 * ms, "phase", NULL, "steady state reached; fault window starts (2.00s)");
	report_event(r, 1000 * ms, "fault.applied", "kill-cache", "kill to 4242 (cache)");
	report_event(r, 1000 * ms, "probe.down", "cache", "0 processes match, min_count 1");
	report_event(r, 2000 * ms, "fault.applied", "pause-worker", "pause to 4242 (demo-worker)");
	report_event(r, 2001 * ms, "probe.down", "health", "status 503");
	report_event(r, 3000 * ms, "fault.reverted", "pause-worker", "SIGCONT pid 4242 (demo-worker)");
	report_event(r, 3000 * ms, "phase", NULL, "fault window ended; waiting for recovery");
	report_event(r, 3200 * ms, "probe.recovered", "health", "healthy again, 200ms after the fault window ended");
	report_event(r, 3600 * ms, "probe.relapsed", "health", "relapsed 400ms after recovering: status 503");
	report_event(r, 3700 * ms, "verdict", NULL, "failed: a probe failed; see probes");
	report_compute(r);
	return r;
}

/*
 * A must-pass probe (tolerance 90%) down from a pause at 300 ms: the run
 * halts at 900 ms, when the tolerance can no longer be reached, in the
 * fault window; a may-fail probe passes throughout.
 */
static inline struct report *synthetic_lost_tolerance(void)
{
	const int64_t ms = USEC_PER_MSEC;
	const char *halt = "halted: [probe checkout] can no longer reach its tolerance of 90%: down 6 of 6 slots "
			   "since the first fault, of at most 40";
	struct report *r = synth_report("lost-tolerance", VERDICT_HALTED, halt);
	struct report_probe *checkout, *alive;

	r->window_start_us = r->steady_at_us = 100 * ms;
	r->window_end_us = -1;
	r->impact_start_us = 300 * ms;
	r->ended_us = r->halted_at_us = 900 * ms;
	r->finished_at = r->started_at + 905 * ms;
	synth_fault(r, "stall", "pause", 300 * ms, 900 * ms, "demo-worker");

	checkout = synth_probe(r, "checkout", "http", DURING_MUST_PASS, 90);
	synth_samples(r, checkout, 0, 300 * ms, 400, NULL);
	synth_samples(r, checkout, 300 * ms, 900 * ms, 100 * ms, "timed out after 100ms");
	checkout->verdict = VERDICT_FAILED;
	checkout->reason =
		xstrdup("available 0.0% of the impact phase (from the first fault to the end), tolerance 90%");

	alive = synth_probe(r, "alive", "process", DURING_MAY_FAIL, 100);
	synth_samples(r, alive, 0, 900 * ms, 15, NULL);
	alive->verdict = VERDICT_PASSED;

	report_event(r, 0, "run", NULL, "experiment lost-tolerance (seed 9)");
	report_event(r, 100 * ms, "phase", NULL, "steady state reached; fault window starts (30.00s)");
	report_event(r, 300 * ms, "fault.applied", "stall", "pause to 4242 (demo-worker)");
	report_event(r, 400 * ms, "probe.down", "checkout", "timed out after 100ms");
	report_event(r, 900 * ms, "halt", NULL, "%s", halt);
	report_event(r, 900 * ms, "fault.reverted", "stall", "SIGCONT pid 4242 (demo-worker)");
	report_event(r, 900 * ms, "verdict", NULL, "halted: %s", halt);
	report_compute(r);
	return r;
}

static const struct {
	const char *name;
	struct report *(*build)(void);
} synthetic_reports[] = {
	{ "synthetic-relapse", synthetic_relapse },
	{ "synthetic-lost-tolerance", synthetic_lost_tolerance },
};

/* Call fn on each fixture named in names[0..n), read. */
static inline void each_fixture(const char *const *names, size_t n,
				void (*fn)(const struct report *r, const char *name))
{
	for (size_t i = 0; i < n; i++) {
		struct report *r = load_fixture(names[i]);
		fn(r, names[i]);
		report_free(r);
	}
}

/* Call fn on each report built in C. */
static inline void each_synthetic(void (*fn)(const struct report *r, const char *name))
{
	for (size_t i = 0; i < ARRAY_SIZE(synthetic_reports); i++) {
		struct report *r = synthetic_reports[i].build();
		fn(r, synthetic_reports[i].name);
		report_free(r);
	}
}

/* Render each report built in C with fn and compare with its golden
 * NAME.ext. */
static inline void golden_synthetic(const char *ext, void (*fn)(const struct report *r, struct sbuf *out))
{
	for (size_t i = 0; i < ARRAY_SIZE(synthetic_reports); i++) {
		struct report *r = synthetic_reports[i].build();
		_cleanup_free_ char *golden = xasprintf("%s.%s", synthetic_reports[i].name, ext);
		struct sbuf out = { 0 };

		fn(r, &out);
		report_free(r);
		check_golden(out.s, golden);
		sbuf_free(&out);
	}
}

#endif
