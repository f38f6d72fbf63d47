/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the report model (src/report/report.c): percentiles, per-phase
 * statistics, time to detect / time to recover, verdict exit codes, and
 * the JSON renderer (checked with jq when it is installed).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <sys/wait.h>

#include "erebus/json.h"
#include "erebus/report.h"

/* ---- percentile -------------------------------------------------------- */

static void test_percentile_empty(void **state)
{
	assert_int_equal(percentile(NULL, 0, 50), -1);
}

static void test_percentile_one(void **state)
{
	const int64_t v[] = { 42 };

	assert_int_equal(percentile(v, 1, 0.1), 42);
	assert_int_equal(percentile(v, 1, 50), 42);
	assert_int_equal(percentile(v, 1, 99), 42);
	assert_int_equal(percentile(v, 1, 100), 42);
}

static void test_percentile_hundred(void **state)
{
	int64_t v[100];

	for (int i = 0; i < 100; i++)
		v[i] = (i + 1) * 10;	/* 10, 20, ..., 1000 */
	assert_int_equal(percentile(v, 100, 50), 500);
	assert_int_equal(percentile(v, 100, 95), 950);
	assert_int_equal(percentile(v, 100, 99), 990);
	assert_int_equal(percentile(v, 100, 100), 1000);
	assert_int_equal(percentile(v, 100, 1), 10);
	assert_int_equal(percentile(v, 100, 0.5), 10);	/* rank rounds up */
	assert_int_equal(percentile(v, 100, 50.1), 510);
}

static void test_percentile_small(void **state)
{
	const int64_t v[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

	/* nearest rank: ceil(p/100 * n) */
	assert_int_equal(percentile(v, 10, 50), 5);
	assert_int_equal(percentile(v, 10, 51), 6);
	assert_int_equal(percentile(v, 10, 95), 10);
	assert_int_equal(percentile(v, 10, 90), 9);
	assert_int_equal(percentile(v, 4, 50), 2);
	assert_int_equal(percentile(v, 4, 75), 3);
	assert_int_equal(percentile(v, 4, 76), 4);
}

/* Regression, fixed: percentile() computes the rank as ceil(p / 100.0 * n) in floating
 * point, so for n = 100 and p = 7, 14, 28, 55 or 56 the product comes out a
 * hair above the integer (7.000000000000001) and the rank is one too high:
 * percentile(1..100, 7) returns 8. (p50/p95/p99 are not affected for
 * n <= 20000; an integer or epsilon-guarded rank fixes it.) */
static void test_percentile_every_integer_rank(void **state)
{
	int64_t v[100];

	for (int i = 0; i < 100; i++)
		v[i] = i + 1;
	for (int p = 1; p <= 100; p++) {
		int64_t got = percentile(v, 100, p);
		if (got != p)
			fail_msg("percentile(1..100, %d) = %lld, expected %d", p, (long long)got, p);
	}
}

/* ---- report_phase_stats ------------------------------------------------ */

static void test_phase_stats(void **state)
{
	const struct sample s[] = {
		{ .t_us = 0, .latency_us = 100, .ok = true, .phase = PHASE_BEFORE },
		{ .t_us = 10, .latency_us = 300, .ok = true, .phase = PHASE_BEFORE },
		{ .t_us = 20, .latency_us = 5000, .ok = false, .phase = PHASE_DURING },
		{ .t_us = 30, .latency_us = 200, .ok = true, .phase = PHASE_DURING },
		{ .t_us = 40, .latency_us = 9000, .ok = false, .phase = PHASE_DURING },
		{ .t_us = 50, .latency_us = 400, .ok = true, .phase = PHASE_DURING },
		{ .t_us = 60, .latency_us = 200, .ok = true, .phase = PHASE_BEFORE },
	};
	struct report_phase p;

	report_phase_stats(s, ARRAY_SIZE(s), PHASE_BEFORE, &p);
	assert_int_equal(p.samples, 3);
	assert_int_equal(p.failures, 0);
	assert_float_equal(p.availability, 1.0, 1e-12);
	assert_int_equal(p.p50, 200);
	assert_int_equal(p.p95, 300);
	assert_int_equal(p.p99, 300);
	assert_int_equal(p.max, 300);

	report_phase_stats(s, ARRAY_SIZE(s), PHASE_DURING, &p);
	assert_int_equal(p.samples, 4);
	assert_int_equal(p.failures, 2);
	assert_float_equal(p.availability, 0.5, 1e-12);
	assert_int_equal(p.p50, 400);	/* sorted 200 400 5000 9000, rank 2 */
	assert_int_equal(p.p95, 9000);
	assert_int_equal(p.max, 9000);
}

static void test_phase_stats_empty(void **state)
{
	const struct sample s[] = {
		{ .t_us = 0, .latency_us = 100, .ok = true, .phase = PHASE_BEFORE },
	};
	struct report_phase p;

	report_phase_stats(s, ARRAY_SIZE(s), PHASE_AFTER, &p);
	assert_int_equal(p.samples, 0);
	assert_int_equal(p.failures, 0);
	assert_true(isnan(p.availability));
	assert_int_equal(p.p50, -1);
	assert_int_equal(p.p95, -1);
	assert_int_equal(p.p99, -1);
	assert_int_equal(p.max, -1);

	memset(&p, 0x55, sizeof(p));
	report_phase_stats(NULL, 0, PHASE_BEFORE, &p);
	assert_int_equal(p.samples, 0);
	assert_true(isnan(p.availability));
	assert_int_equal(p.max, -1);
}

/* ---- report_compute ----------------------------------------------------- */

#define OK(t, lat)   { .t_us = (t), .latency_us = (lat), .ok = true }
#define FAIL(t, lat) { .t_us = (t), .latency_us = (lat), .ok = false }
#define MS 1000LL

/*
 * A staged run: steady state at 0.5 s; a kill at 1 s (the service back at
 * 2 s), a pause from 3 s to 4 s the probe heals under at 3.5 s; the window
 * ends at 4 s, the run at 5 s. Probe on a 250 ms grid from 0.
 */
static void test_compute_staged_run(void **state)
{
	struct sample s[20];
	struct report_window kill = { 1000 * MS, 1000 * MS, -1 }, pause = { 3000 * MS, 4000 * MS, -1 };
	struct report_fault f[2] = {
		{ .name = (char *)"kill", .instant = true, .windows = &kill, .n_windows = 1 },
		{ .name = (char *)"pause", .windows = &pause, .n_windows = 1 },
	};
	struct report_probe p = { .name = (char *)"health", .interval_us = 250 * MS, .healthy_after = 1 };
	struct report r = { .faults = f, .n_faults = 2, .probes = &p, .n_probes = 1,
			    .window_start_us = 500 * MS, .window_end_us = 4000 * MS, .impact_start_us = 1000 * MS,
			    .ended_us = 5000 * MS };

	for (int k = 0; k < 20; k++) {	/* down 1.0 .. 2.0 s and 3.0 .. 3.5 s */
		bool down = (k >= 4 && k < 8) || (k >= 12 && k < 14);
		s[k] = (struct sample){ .t_us = k * 250 * MS, .latency_us = 2 * MS, .ok = !down };
	}
	p.samples = s;
	p.n_samples = 20;
	report_compute(&r);

	/* impact 1 s .. 5 s: 16 slots, 6 down */
	assert_int_equal(p.phases[PHASE_IMPACT].slots, 16);
	assert_float_equal(p.phases[PHASE_IMPACT].availability, 10.0 / 16.0, 1e-9);
	assert_int_equal(p.phases[PHASE_BEFORE].slots, 2);
	assert_int_equal(p.phases[PHASE_DURING].slots, 14);	/* 0.5 .. 4.0 s */
	assert_int_equal(p.phases[PHASE_AFTER].slots, 4);
	assert_int_equal(p.n_outages, 2);
	assert_int_equal(p.outages[0].fault, 0);
	assert_int_equal(p.outages[1].fault, 1);
	/* the kill: detected at once, recovered 1.002 s after its instant */
	assert_int_equal(f[0].effects[0].detect_us, 0);
	assert_int_equal(f[0].effects[0].recover_us, 1002 * MS);
	assert_int_equal(f[0].effects[0].mitigate_us, -1);
	assert_int_equal(f[0].effects[0].span.slots, 8);	/* 1 s .. 3 s: until the pause */
	assert_int_equal(f[0].effects[0].down_us, 1002 * MS);
	/* the pause: healed under it, nothing to recover from */
	assert_int_equal(f[1].effects[0].detect_us, 0);
	assert_int_equal(f[1].effects[0].mitigate_us, 502 * MS);
	assert_int_equal(f[1].effects[0].recover_us, -1);
	assert_int_equal(f[1].effects[0].span.slots, 8);	/* 3 s .. 5 s */
	assert_float_equal(f[1].effects[0].span.availability, 6.0 / 8.0, 1e-9);
	/* probe level: the first outage's detection, the last recovery */
	assert_int_equal(p.time_to_detect_us, 0);
	assert_int_equal(p.time_to_recover_us, 1002 * MS);
	free(p.outages);
	free(p.timeline);
	for (int ph = 0; ph < PHASE_COUNT; ph++)
		free(p.last_error[ph]);
	free(f[0].effects);
	free(f[1].effects);
}

/* ---- verdicts ---------------------------------------------------------- */

static void test_verdicts(void **state)
{
	assert_int_equal(verdict_exit_code(VERDICT_PASSED), 0);
	assert_int_equal(verdict_exit_code(VERDICT_FAILED), 1);
	assert_int_equal(verdict_exit_code(VERDICT_INVALID), 2);
	assert_int_equal(verdict_exit_code(VERDICT_ABORTED), 3);
	assert_int_equal(verdict_exit_code(VERDICT_CLEANUP_FAILED), 4);
	assert_int_equal(verdict_exit_code(VERDICT_UNSUPPORTED), 5);
	assert_string_equal(verdict_name(VERDICT_PASSED), "passed");
	assert_string_equal(verdict_name(VERDICT_FAILED), "failed");
	assert_string_equal(verdict_name(VERDICT_INVALID), "invalid");
	assert_string_equal(verdict_name(VERDICT_ABORTED), "aborted");
	assert_string_equal(verdict_name(VERDICT_CLEANUP_FAILED), "cleanup-failed");
	assert_string_equal(verdict_name(VERDICT_UNSUPPORTED), "unsupported");
	assert_int_equal(verdict_exit_code(VERDICT_HALTED), 1);
	assert_string_equal(verdict_name(VERDICT_HALTED), "halted");
}

/* ---- JSON -------------------------------------------------------------- */

/* The awkward string: a quote, a backslash, a newline, a tab, a control
 * character, DEL and a UTF-8 letter. */
static const char awkward[] = "say \"hi\"\\path\nnext\tcol\x01" "end\x7f" "\xc3\xa9";
static const char awkward_json[] = "\"say \\\"hi\\\"\\\\path\\nnext\\tcol\\u0001end\\u007f\xc3\xa9\"";

#include "scratch.h"

struct jfx {
	struct report *r;
	struct sbuf out;
	char path[64];
};

static int json_setup(void **state)
{
	struct jfx *j = xcalloc(1, sizeof(*j));
	struct report *r = xcalloc(1, sizeof(*r));
	struct report_probe *p;
	struct report_fault *f;

	r->experiment = xstrdup(awkward);
	r->description = NULL;
	r->file = xstrdup("x.ini");
	r->seed = 18446744073709551615ULL;
	r->started_at = 1700000000LL * USEC_PER_SEC;
	r->finished_at = r->started_at + 12345678;
	r->verdict = VERDICT_FAILED;
	r->reason = xstrdup("probe web did not recover");
	r->steady_at_us = -1;
	r->window_start_us = 2 * USEC_PER_SEC;
	r->window_end_us = 2 * USEC_PER_SEC + 1500;
	r->recovered_at_us = -1;

	r->n_faults = 1;
	r->faults = f = xcalloc(1, sizeof(*f));
	f->name = xstrdup("kill-worker");
	f->type = xstrdup("kill");
	f->description = xstrdup("SIGKILL to [target worker] at +1.00s");
	f->n_targets = 2;
	f->targets = xcalloc(2, sizeof(*f->targets));
	f->targets[0] = (struct report_target){ .pid = 4242, .comm = "demo-worker" };
	f->targets[1] = (struct report_target){ .pid = 4243, .comm = "a\"b" };
	f->applied_at_us = USEC_PER_SEC;
	f->reverted_at_us = -1;
	f->applications = 3;

	r->n_probes = 1;
	r->probes = p = xcalloc(1, sizeof(*p));
	p->name = xstrdup("web");
	p->type = xstrdup("http");
	p->verdict = VERDICT_FAILED;
	p->reason = xstrdup("status 503\r\n");
	p->during = DURING_MAY_FAIL;
	p->tolerance = 60;
	p->recover_within_us = 5 * USEC_PER_SEC;
	p->time_to_detect_us = 250500;
	p->time_to_recover_us = -1;
	p->n_samples = 2;
	p->samples = xcalloc(2, sizeof(*p->samples));
	p->samples[0] = (struct sample){ .t_us = 0, .latency_us = 1000, .ok = true };
	p->samples[1] = (struct sample){ .t_us = 100, .latency_us = 2000, .ok = false,
					 .phase = PHASE_DURING, .msg = xstrdup("status 503") };
	report_phase_stats(p->samples, p->n_samples, PHASE_BEFORE, &p->phases[PHASE_BEFORE]);
	report_phase_stats(p->samples, p->n_samples, PHASE_DURING, &p->phases[PHASE_DURING]);
	report_phase_stats(p->samples, p->n_samples, PHASE_AFTER, &p->phases[PHASE_AFTER]);

	report_event(r, 0, "phase", NULL, "before");
	report_event(r, USEC_PER_SEC, "fault.applied", "kill-worker", "pid %d", 4242);
	report_event(r, 1500, "probe.down", "web", "%s", awkward);

	j->r = r;
	*state = j;
	return 0;
}

static int json_teardown(void **state)
{
	struct jfx *j = *state;

	report_free(j->r);
	sbuf_free(&j->out);
	scratch_free();
	if (j->path[0])
		(void)unlink(j->path);
	free(j);
	return 0;
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("JSON lacks:\n%s\n--- in:\n%s", needle, hay);
}

static void test_json_content(void **state)
{
	struct jfx *j = *state;
	const char *s;

	report_render_json(j->r, &j->out);
	s = j->out.s;
	assert_non_null(s);
	assert_int_equal(strncmp(s, "{\n  \"schema\": \"erebus.report/3\",\n", 33), 0);
	assert_int_equal(s[j->out.len - 1], '\n');
	assert_int_equal(s[j->out.len - 2], '}');

	assert_contains(s, "\"experiment\": " );
	{
		char *want = keep(xasprintf("\"experiment\": %s,", awkward_json));
		assert_contains(s, want);
	}
	assert_contains(s, "\"description\": null,");
	assert_contains(s, "\"seed\": 18446744073709551615,");
	assert_contains(s, "\"started_at\": \"2023-11-14T22:13:20.000Z\",");
	assert_contains(s, "\"finished_at\": \"2023-11-14T22:13:32.345Z\",");
	assert_contains(s, "\"duration_ms\": 12345.678,");
	assert_contains(s, "\"verdict\": \"failed\",");
	assert_contains(s, "\"exit_code\": 1,");
	assert_contains(s, "\"steady_state_at_ms\": null,");
	assert_contains(s, "\"fault_window\": {\"start_ms\": 2000, \"end_ms\": 2001.500}");
	assert_contains(s, "\"recovered_at_ms\": null,");
	assert_contains(s, "{\"pid\": 4242, \"comm\": \"demo-worker\"}, {\"pid\": 4243, \"comm\": \"a\\\"b\"}");
	assert_contains(s, "\"applications\": 3, \"applied_at_ms\": 1000, \"reverted_at_ms\": null, \"error\": null, \"instant\": false,");
	assert_contains(s, "\"reason\": \"status 503\\r\\n\"");
	assert_contains(s, "\"during\": \"may-fail\", \"tolerance\": 0.6");
	assert_contains(s, "\"recover_within_ms\": 5000");
	assert_contains(s, "\"time_to_detect_ms\": 250.500, \"time_to_recover_ms\": null");
	assert_contains(s, "\"before\": {\"samples\": 1, \"failures\": 0, \"slots\": 0, \"availability\": 1.0000, \"latency_ms\": {\"p50\": 1, \"p95\": 1, \"p99\": 1, \"max\": 1, \"sum\": 1}, \"last_error\": null}");
	assert_contains(s, "\"during\": {\"samples\": 1, \"failures\": 1, \"slots\": 0, \"availability\": 0.0000");
	assert_contains(s, "\"after\": {\"samples\": 0, \"failures\": 0, \"slots\": 0, \"availability\": null, \"latency_ms\": {\"p50\": null, \"p95\": null, \"p99\": null, \"max\": null, \"sum\": 0}, \"last_error\": null}");
	assert_contains(s, "{\"t_ms\": 0, \"kind\": \"phase\", \"subject\": null, \"detail\": \"before\"}");
	assert_contains(s, "{\"t_ms\": 1000, \"kind\": \"fault.applied\", \"subject\": \"kill-worker\", \"detail\": \"pid 4242\"}");
	{
		char *want = keep(xasprintf("\"detail\": %s}", awkward_json));
		assert_contains(s, want);
	}
	/* no raw control characters anywhere but newlines between members */
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n')
			fail_msg("raw control character 0x%02x at offset %td", *p, p - s);
}

static void test_json_empty_lists(void **state)
{
	struct report r = { .experiment = (char *)"e", .steady_at_us = -1, .window_start_us = -1,
			    .window_end_us = -1, .recovered_at_us = -1 };
	struct sbuf b = { 0 };

	report_render_json(&r, &b);
	assert_contains(b.s, "\"faults\": [],\n  \"probes\": [],\n"
			     "  \"cleanup\": {\"checked\": false, \"complete\": true, \"leftovers\": []},\n"
			     "  \"warnings\": [],\n  \"erebus_usage\": null,\n  \"events_dropped\": {},\n  \"events\": []\n}\n");
	assert_contains(b.s, "\"reason\": null");
	sbuf_free(&b);
}

static bool have_jq(void)
{
	return system("command -v jq >/dev/null 2>&1") == 0;
}

/* Run `jq ARGS FILE` and return its first output line (caller frees), or
 * NULL if jq failed. */
static char *jq(const char *args, const char *file)
{
	_cleanup_free_ char *cmd = xasprintf("jq %s '%s' 2>&1", args, file);
	FILE *p = popen(cmd, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int st;

	assert_non_null(p);
	n = getline(&line, &cap, p);
	/* drain whatever else it printed */
	while (fgetc(p) != EOF)
		;
	st = pclose(p);
	if (n < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		if (n > 0)
			print_message("jq %s: %s", args, line);
		free(line);
		return NULL;
	}
	if (line[n - 1] == '\n')
		line[n - 1] = '\0';
	return line;
}

static void test_json_parses(void **state)
{
	struct jfx *j = *state;
	int fd;

	if (!have_jq())
		skip();
	report_render_json(j->r, &j->out);
	snprintf(j->path, sizeof(j->path), "/tmp/erebus-report-XXXXXX");
	fd = mkstemp(j->path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, j->out.s, j->out.len), (ssize_t)j->out.len);
	close(fd);

	{
		/* -e: the whole document parses and is not null/false */
		char *all = keep(jq("-e -c .schema", j->path));
		assert_non_null(all);
		assert_string_equal(all, "\"erebus.report/3\"");
	}
	{
		/* the awkward string comes back exactly */
		char *got = keep(jq("-e -c '.experiment == $s' --arg s \"$(printf 'say \"hi\"\\\\path\\nnext\\tcol\\001end\\177\\303\\251')\"", j->path));
		assert_non_null(got);
		assert_string_equal(got, "true");
	}
	{
		char *got = keep(jq("-c '[.steady_state_at_ms, .probes[0].time_to_recover_ms, .probes[0].time_to_detect_ms, .faults[0].targets[1].comm, .events[2].subject, (.events | length)]'", j->path));
		assert_non_null(got);
		assert_string_equal(got, "[null,null,250.5,\"a\\\"b\",\"web\",3]");
	}
}

/* ---- write_file_atomic ------------------------------------------------- */

static void test_write_file_atomic(void **state)
{
	char dir[] = "/tmp/erebus-atomic-XXXXXX";
	_cleanup_free_ char *path = NULL, *back = NULL;

	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/report.json", dir);
	assert_int_equal(write_file_atomic(path, "first", 5), 0);
	assert_int_equal(write_file_atomic(path, "second\n", 7), 0);
	assert_int_equal(read_file_max(path, 100, &back), 7);
	assert_string_equal(back, "second\n");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);	/* no temp file left behind */

	assert_int_equal(write_file_atomic("/nonexistent/erebus/report.json", "x", 1), -ENOENT);
}

/* A symbolic link planted at the temporary name the writer used to
 * choose (PATH.tmp.PID) or at the report's own name is never followed:
 * the file it points to is unchanged. */
static void test_write_file_atomic_planted(void **state)
{
	char dir[] = "/tmp/erebus-atomic-XXXXXX";
	_cleanup_free_ char *path = NULL, *victim = NULL, *old_tmp = NULL, *back = NULL;

	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/report.json", dir);
	victim = xasprintf("%s/victim", dir);
	old_tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	assert_int_equal(write_file_atomic(victim, "precious", 8), 0);
	assert_int_equal(symlink(victim, old_tmp), 0);
	assert_int_equal(write_file_atomic(path, "report", 6), 0);
	assert_int_equal(read_file_max(victim, 100, &back), 8);
	assert_string_equal(back, "precious");
	free(TAKE_PTR(back));
	assert_int_equal(read_file_max(path, 100, &back), 6);
	free(TAKE_PTR(back));

	/* a link at the report's name is replaced, not written through */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(victim, path), 0);
	assert_int_equal(write_file_atomic(path, "report", 6), 0);
	assert_int_equal(read_file_max(victim, 100, &back), 8);
	assert_string_equal(back, "precious");

	assert_int_equal(unlink(path), 0);
	assert_int_equal(unlink(old_tmp), 0);
	assert_int_equal(unlink(victim), 0);
	assert_int_equal(rmdir(dir), 0);	/* no temporary file left behind */
}

/* ---- UTF-8 in JSON strings --------------------------------------------- */

/* Whatever bytes a name, an error or a command's output holds, the JSON
 * is valid UTF-8: a byte that starts no valid sequence is U+FFFD, and
 * valid characters of 2, 3 and 4 bytes pass unchanged. */
static void test_json_invalid_utf8(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "caf\xe9", "\"caf\xef\xbf\xbd\"" },			/* Latin-1 */
		{ "cut \xe2\x82", "\"cut \xef\xbf\xbd\xef\xbf\xbd\"" },	/* a cut sequence */
		{ "\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"" },		/* overlong */
		{ "\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },	/* surrogate */
		{ "\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },	/* > U+10FFFF */
		{ "\xff", "\"\xef\xbf\xbd\"" },
		{ "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct report r = { .experiment = (char *)cases[i].in, .steady_at_us = -1,
				    .window_start_us = -1, .window_end_us = -1, .recovered_at_us = -1,
				    .reason = (char *)cases[i].in };
		_cleanup_free_ char *want = xasprintf("\"reason\": %s,", cases[i].out);
		struct sbuf b = { 0 };
		struct json *j = NULL;
		char *err = NULL;

		report_render_json(&r, &b);
		assert_contains(b.s, want);
		if (json_parse(b.s, b.len, NULL, &j, &err) < 0)
			fail_msg("case %zu: %s", i, err);
		json_free(j);
		sbuf_free(&b);
	}
}

/* A cut at a byte limit backs off to the start of a character it would
 * split, and leaves complete ones and other bytes alone. */
static void test_utf8_cut(void **state)
{
	assert_int_equal(utf8_cut("abc", 3), 3);
	assert_int_equal(utf8_cut("ab\xc3", 3), 2);
	assert_int_equal(utf8_cut("ab\xc3\xa9", 4), 4);
	assert_int_equal(utf8_cut("a\xe2\x82", 3), 1);
	assert_int_equal(utf8_cut("a\xe2\x82\xac", 4), 4);
	assert_int_equal(utf8_cut("\xf0\x9f\x98", 3), 0);
	assert_int_equal(utf8_cut("\xf0\x9f\x98\x80", 4), 4);
	/* not UTF-8: the writer's business */
	assert_int_equal(utf8_cut("caf\xe9!", 5), 5);
	assert_int_equal(utf8_cut("a\x80\x80\x80", 4), 4);
	assert_int_equal(utf8_cut("", 0), 0);
}

#define J(fn) cmocka_unit_test_setup_teardown(fn, json_setup, json_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile_empty),
		cmocka_unit_test(test_percentile_one),
		cmocka_unit_test(test_percentile_hundred),
		cmocka_unit_test(test_percentile_small),
		cmocka_unit_test(test_percentile_every_integer_rank),
		cmocka_unit_test(test_phase_stats),
		cmocka_unit_test(test_phase_stats_empty),
		cmocka_unit_test(test_compute_staged_run),
		cmocka_unit_test(test_verdicts),
		J(test_json_content),
		cmocka_unit_test(test_json_empty_lists),
		J(test_json_parses),
		cmocka_unit_test(test_write_file_atomic),
		cmocka_unit_test(test_write_file_atomic_planted),
		cmocka_unit_test(test_json_invalid_utf8),
		cmocka_unit_test(test_utf8_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
