/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the JUnit renderer (src/report/junit.c): golden files for
 * the fixed reports (erebus.report/1 and /2, and /2 reports built in C),
 * the rule that a run that did not pass always shows a failure or an
 * error, the impact and per-fault testcases, and escaping. The XML is checked against
 * tests/junit.xsd by the integration tier (xmllint).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "erebus/report.h"
#include "fixtures.h"

static void test_golden(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(fixture_names); i++)
		golden_case(fixture_names[i], "junit.xml", report_render_junit);
}

/* Saved erebus.report/2 reports render as their run did. */
static void test_golden_v2(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(fixture_names_v2); i++)
		golden_case(fixture_names_v2[i], "junit.xml", report_render_junit);
	for (size_t i = 0; i < ARRAY_SIZE(fixture_names_v3); i++)
		golden_case(fixture_names_v3[i], "junit.xml", report_render_junit);
}

static void test_golden_synthetic(void **state)
{
	golden_synthetic("junit.xml", report_render_junit);
}

/* The value of attribute name in the first element named tag. */
static unsigned attr_count(const char *xml, const char *tag, const char *name)
{
	_cleanup_free_ char *open = xasprintf("<%s ", tag), *key = xasprintf(" %s=\"", name);
	const char *el = strstr(xml, open), *a;

	assert_non_null(el);
	a = strstr(el, key);
	assert_non_null(a);
	return (unsigned)strtoul(a + strlen(key), NULL, 10);
}

static unsigned occurrences(const char *s, const char *needle)
{
	unsigned n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void check_counts(const struct report *r, const char *what)
{
	struct sbuf b = { 0 };
	unsigned failures, errors;

	report_render_junit(r, &b);
	failures = attr_count(b.s, "testsuite", "failures");
	errors = attr_count(b.s, "testsuite", "errors");
	assert_int_equal(attr_count(b.s, "testsuite", "tests"), occurrences(b.s, "<testcase "));
	assert_int_equal(failures, occurrences(b.s, "<failure "));
	assert_int_equal(errors, occurrences(b.s, "<error "));
	assert_int_equal(attr_count(b.s, "testsuite", "skipped"), occurrences(b.s, "<skipped "));
	assert_int_equal(attr_count(b.s, "testsuites", "tests"), attr_count(b.s, "testsuite", "tests"));
	if ((r->verdict != VERDICT_PASSED) != (failures + errors > 0))
		fail_msg("%s: verdict %s but %u failures and %u errors:\n%s", what, verdict_name(r->verdict), failures,
			 errors, b.s);
	sbuf_free(&b);
}

static void test_fixture_counts(void **state)
{
	each_fixture(fixture_names, ARRAY_SIZE(fixture_names), check_counts);
}

static void test_fixture_counts_v2(void **state)
{
	each_fixture(fixture_names_v2, ARRAY_SIZE(fixture_names_v2), check_counts);
	each_fixture(fixture_names_v3, ARRAY_SIZE(fixture_names_v3), check_counts);
}

static void test_synthetic_counts(void **state)
{
	each_synthetic(check_counts);
}

/* erebus.report/2: per probe, a testcase for the impact phase (where the
 * tolerance is judged) and one per fault, for what it did to the probe. */
static void test_v2_cases(void **state)
{
	struct report *r = synthetic_relapse();
	struct sbuf b = { 0 };
	static const char *const want[] = {
		"<testcase name=\"impact\" classname=\"relapse-in-hold.health\" time=\"2.700\">\n"
		"      <system-out>available 55.5% of the impact phase (27 slots, 27 samples); tolerance 50%\n",
		"<testcase name=\"recovery\" classname=\"relapse-in-hold.health\" time=\"0.200\">\n"
		"      <failure message=\"health: relapsed 400ms after recovering: status 503\" type=\"relapse\">",
		"<testcase name=\"effect of kill-cache\" classname=\"relapse-in-hold.cache\" time=\"1.000\">\n"
		"      <failure message=\"cache: down since +1.00s under kill-cache, never healthy again; ",
		"cache under kill-cache: effect window 10 samples, 10 failed, available 0.0% of 10 slots; latency p50 10us, "
		"p95 10us, p99 10us, max 10us; time to detect 0us, to mitigate -, to recover -; down 2.70s; outages: "
		"+1.00s to the end (never healthy again)</failure>",
		"<testcase name=\"effect of pause-worker\" classname=\"relapse-in-hold.health\" time=\"1.700\">\n"
		"      <system-out>down 1.10s in 1 outage",
		"<property name=\"schema\" value=\"erebus.report/2\"/>",
	};

	report_render_junit(r, &b);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		if (!strstr(b.s, want[i]))
			fail_msg("the JUnit lacks:\n%s\n--- in:\n%s", want[i], b.s);
	/* 2 probes x (4 phases + 2 faults), 2 faults, cleanup */
	assert_int_equal(attr_count(b.s, "testsuite", "tests"), 15);
	sbuf_free(&b);
	report_free(r);

	/* a halt fails the impact of the probe that caused it */
	r = synthetic_lost_tolerance();
	report_render_junit(r, &b);
	assert_non_null(strstr(b.s, "<failure message=\"checkout: halted the run at +900ms: can no longer reach its "
				    "tolerance of 90%"));
	assert_non_null(strstr(b.s, "last failure: timed out after 100ms\" type=\"halt\">"));
	assert_non_null(strstr(b.s, "<error message=\"alive: the fault window did not finish: halted: "));
	sbuf_free(&b);
	report_free(r);
}

/* Variations of the passed fixture that the real runs above do not
 * cover: every one that did not pass must still show red. */
static void test_other_outcomes(void **state)
{
	struct report *r = load_fixture("passed");
	struct sbuf b = { 0 };

	/* a fault that could not be applied fails the run, not a probe */
	r->verdict = VERDICT_FAILED;
	r->faults[1].error = xstrdup("could not pick targets: no process matches [target worker]");
	check_counts(r, "fault error");
	report_render_junit(r, &b);
	assert_non_null(strstr(b.s, "<failure message=\"pause-worker: could not pick targets: no process matches "
				    "[target worker]\" type=\"fault\">"));
	sbuf_free(&b);
	free(r->faults[1].error);
	r->faults[1].error = NULL;

	/* leftovers found by the cleanup check */
	r->verdict = VERDICT_CLEANUP_FAILED;
	report_leftover(r, "pid %d (demo-worker) is still stopped", 2746);
	check_counts(r, "leftover");
	report_render_junit(r, &b);
	assert_non_null(strstr(b.s, "; still there: pid 2746 (demo-worker) is still stopped\""));
	sbuf_free(&b);

	/* stopped during setup: no sample, every probe an error */
	r->verdict = VERDICT_UNSUPPORTED;
	free(r->reason);
	r->reason = xstrdup("[fault pause-worker] type pause: pidfd_open is not available");
	r->steady_at_us = r->window_start_us = r->window_end_us = -1;
	check_counts(r, "unsupported");
	report_render_junit(r, &b);
	assert_non_null(strstr(b.s, "<error message=\"health: the run stopped before probing: [fault pause-worker] "
				    "type pause: pidfd_open is not available\" type=\"unsupported\">"));
	assert_non_null(strstr(b.s, "<skipped message=\"not reached: the run stopped during setup\"/>"));
	sbuf_free(&b);

	/* interrupted during the fault window */
	r->verdict = VERDICT_ABORTED;
	free(r->reason);
	r->reason = xstrdup("interrupted by SIGINT; every fault was reverted");
	r->steady_at_us = r->window_start_us = 503241;
	report_event(r, 1500000, "interrupted", NULL, "SIGINT");
	check_counts(r, "interrupted");
	report_render_junit(r, &b);
	assert_non_null(strstr(b.s, "<error message=\"health: the fault window did not finish: interrupted by SIGINT; "
				    "every fault was reverted\" type=\"aborted\">"));
	assert_non_null(strstr(b.s, "<skipped message=\"not reached: the fault window did not finish\"/>"));
	sbuf_free(&b);
	report_free(r);
}

/* No faults: the run is its steady-state check; nothing fails. */
static void test_no_faults(void **state)
{
	struct report *r = load_fixture("passed");
	struct sbuf b = { 0 };

	for (size_t i = 0; i < r->n_faults; i++) {
		free(r->faults[i].name);
		free(r->faults[i].type);
		free(r->faults[i].description);
		free(r->faults[i].targets);
		free(r->faults[i].windows);
	}
	r->n_faults = 0;
	check_counts(r, "no faults");
	report_render_junit(r, &b);
	assert_non_null(strstr(b.s, "<skipped message=\"no faults in this experiment: nothing to recover from\"/>"));
	assert_non_null(strstr(b.s, "nothing was applied, nothing to revert"));
	sbuf_free(&b);
	report_free(r);
}

static void test_escaping(void **state)
{
	struct report *r = load_fixture("aborted");
	struct sbuf b = { 0 };

	free(r->experiment);
	r->experiment = xstrdup("a<b> & \"c\" 'd'\x01\xff");
	free(r->probes[0].name);
	r->probes[0].name = xstrdup("p\nq");
	report_render_junit(r, &b);
	assert_non_null(strstr(b.s, "<testsuite name=\"a&lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;\xef\xbf\xbd\xef\xbf\xbd\""));
	assert_non_null(strstr(b.s, "classname=\"a&lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;\xef\xbf\xbd\xef\xbf\xbd.p&#10;q\""));
	for (const char *p = b.s; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n')
			fail_msg("raw control character 0x%02x at offset %td", *p, p - b.s);
	sbuf_free(&b);
	report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),		 cmocka_unit_test(test_golden_v2),
		cmocka_unit_test(test_golden_synthetic), cmocka_unit_test(test_fixture_counts),
		cmocka_unit_test(test_fixture_counts_v2), cmocka_unit_test(test_synthetic_counts),
		cmocka_unit_test(test_v2_cases),
		cmocka_unit_test(test_other_outcomes),	 cmocka_unit_test(test_no_faults),
		cmocka_unit_test(test_escaping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
