/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the Prometheus renderer (src/report/metrics.c): golden
 * files for the fixed reports (erebus.report/1 and /2, and /2 reports
 * built in C), the exposition format's rules line by line, the impact
 * phase and the per-fault families, and label escaping. promtool checks the files in the integration tier.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>

#include "erebus/report.h"
#include "fixtures.h"

static void test_golden(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(fixture_names); i++)
		golden_case(fixture_names[i], "prom", report_render_metrics);
}

/* Saved erebus.report/2 reports render as their run did. */
static void test_golden_v2(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(fixture_names_v2); i++)
		golden_case(fixture_names_v2[i], "prom", report_render_metrics);
	for (size_t i = 0; i < ARRAY_SIZE(fixture_names_v3); i++)
		golden_case(fixture_names_v3[i], "prom", report_render_metrics);
}

static void test_golden_synthetic(void **state)
{
	golden_synthetic("prom", report_render_metrics);
}

/* The family a series belongs to: a summary's _sum and _count are its own. */
static size_t family_len(const char *name, size_t n, const char *summary)
{
	if (summary && !strncmp(name, summary, strlen(summary)) &&
	    (n == strlen(summary) || !strncmp(name + strlen(summary), "_sum", 4) ||
	     !strncmp(name + strlen(summary), "_count", 6)))
		return strlen(summary);
	return n;
}

/* Every line is a HELP, a TYPE, or NAME{labels} VALUE; each family has
 * one HELP and one TYPE, before all its series, which are contiguous. */
static void check_format(const char *text, const char *what)
{
	char families[64][64];
	size_t n_families = 0;
	char current[64] = "", summary[64] = "";
	const char *line = text;

	assert_int_equal(text[strlen(text) - 1], '\n');
	while (*line) {
		size_t len = strcspn(line, "\n"), n;
		char name[64];

		if (!strncmp(line, "# HELP ", 7)) {
			n = strcspn(line + 7, " ");
			assert_true(n < sizeof(name));
			memcpy(name, line + 7, n);
			name[n] = '\0';
			for (size_t i = 0; i < n_families; i++)
				if (!strcmp(families[i], name))
					fail_msg("%s: family %s appears twice", what, name);
			assert_true(n_families < ARRAY_SIZE(families));
			strcpy(families[n_families++], name);
			strcpy(current, name);
			summary[0] = '\0';
		} else if (!strncmp(line, "# TYPE ", 7)) {
			const char *type = line + 7 + strlen(current) + 1;
			assert_int_equal(strncmp(line + 7, current, strlen(current)), 0);
			if (strncmp(type, "gauge\n", 6) && strncmp(type, "summary\n", 8))
				fail_msg("%s: unexpected type in %.*s", what, (int)len, line);
			if (!strncmp(type, "summary", 7))
				strcpy(summary, current);
		} else {
			const char *p = line, *brace = memchr(line, '{', len);
			if (!brace || strncmp(line, "erebus_", 7))
				fail_msg("%s: not a series line: %.*s", what, (int)len, line);
			n = (size_t)(brace - line);
			for (size_t i = 0; i < n; i++)
				if (!islower((unsigned char)p[i]) && !isdigit((unsigned char)p[i]) && p[i] != '_')
					fail_msg("%s: bad metric name in %.*s", what, (int)len, line);
			if (family_len(line, n, summary[0] ? summary : NULL) != strlen(current) ||
			    strncmp(line, current, strlen(current)))
				fail_msg("%s: series outside its family %s: %.*s", what, current, (int)len, line);
			/* labels: name="value" pairs; the value is after "} " */
			p = brace + 1;
			while (*p != '}') {
				while (islower((unsigned char)*p) || *p == '_')
					p++;
				if (p[0] != '=' || p[1] != '"')
					fail_msg("%s: bad label in %.*s", what, (int)len, line);
				for (p += 2; *p != '"'; p++)
					if (*p == '\\')
						p++;
				p++;
				if (*p == ',')
					p++;
				else if (*p != '}')
					fail_msg("%s: bad label list in %.*s", what, (int)len, line);
			}
			if (p[1] != ' ')
				fail_msg("%s: no value in %.*s", what, (int)len, line);
			p += 2;
			if (strncmp(p, "NaN\n", 4)) {
				char *end;
				(void)strtod(p, &end);
				if (*end != '\n' || end == p)
					fail_msg("%s: bad value in %.*s", what, (int)len, line);
			}
		}
		line += len + 1;
	}
}

/* Render r and check the format. */
static void check_rendered(const struct report *r, const char *name)
{
	struct sbuf b = { 0 };

	report_render_metrics(r, &b);
	check_format(b.s, name);
	sbuf_free(&b);
}

static void test_format(void **state)
{
	each_fixture(fixture_names, ARRAY_SIZE(fixture_names), check_rendered);
}

static void test_format_synthetic(void **state)
{
	each_synthetic(check_rendered);
}

static void test_format_v2(void **state)
{
	each_fixture(fixture_names_v2, ARRAY_SIZE(fixture_names_v2), check_rendered);
	each_fixture(fixture_names_v3, ARRAY_SIZE(fixture_names_v3), check_rendered);
}

/* erebus.report/2: the impact phase, what each fault did to each probe,
 * the halted verdict; the impact's latency sum counts the samples started
 * in it (no sample is tagged impact). */
static void test_values_v2(void **state)
{
	struct report *r = synthetic_relapse();
	struct sbuf b = { 0 };
	static const char *const want[] = {
		"erebus_experiment_verdict{experiment=\"relapse-in-hold\",verdict=\"halted\"} 0\n",
		"erebus_probe_availability_ratio{experiment=\"relapse-in-hold\",probe=\"health\",phase=\"impact\"} 0.5555\n",
		"erebus_probe_latency_seconds_count{experiment=\"relapse-in-hold\",probe=\"health\",phase=\"impact\"} 27\n",
		/* 15 passes of 300us, 12 failures of 1ms (11) and 800us (1) */
		"erebus_probe_latency_seconds_sum{experiment=\"relapse-in-hold\",probe=\"health\",phase=\"impact\"} 0.0163\n",
		"erebus_fault_time_to_detect_seconds{experiment=\"relapse-in-hold\",fault=\"kill-cache\",probe=\"cache\"} 0\n",
		"erebus_fault_time_to_detect_seconds{experiment=\"relapse-in-hold\",fault=\"kill-cache\",probe=\"health\"} NaN\n",
		"erebus_fault_time_to_mitigate_seconds{experiment=\"relapse-in-hold\",fault=\"pause-worker\",probe=\"health\"} NaN\n",
		"erebus_fault_time_to_recover_seconds{experiment=\"relapse-in-hold\",fault=\"pause-worker\",probe=\"health\"} 0.1003\n",
		"erebus_fault_down_seconds{experiment=\"relapse-in-hold\",fault=\"kill-cache\",probe=\"cache\"} 2.7\n",
		"erebus_fault_down_seconds{experiment=\"relapse-in-hold\",fault=\"kill-cache\",probe=\"health\"} 0\n",
		"erebus_fault_outages{experiment=\"relapse-in-hold\",fault=\"pause-worker\",probe=\"health\"} 1\n",
		"erebus_fault_availability_ratio{experiment=\"relapse-in-hold\",fault=\"pause-worker\",probe=\"health\"} 0.2941\n",
	};

	report_render_metrics(r, &b);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		if (!strstr(b.s, want[i]))
			fail_msg("metrics lack: %s", want[i]);
	sbuf_free(&b);

	/* a fault that never took effect: NaN down time, not 0 */
	r->faults[1].applied_at_us = -1;
	report_render_metrics(r, &b);
	assert_non_null(strstr(b.s, "erebus_fault_down_seconds{experiment=\"relapse-in-hold\",fault=\"pause-worker\",probe=\"health\"} NaN\n"));
	sbuf_free(&b);

	/* erebus.report/1 has no per-fault figures: no such families */
	r->schema = 1;
	report_render_metrics(r, &b);
	assert_null(strstr(b.s, "erebus_fault_time_to_detect_seconds"));
	assert_non_null(strstr(b.s, "erebus_fault_applications{"));
	sbuf_free(&b);
	report_free(r);

	r = synthetic_lost_tolerance();
	report_render_metrics(r, &b);
	assert_non_null(strstr(b.s, "erebus_experiment_verdict{experiment=\"lost-tolerance\",verdict=\"halted\"} 1\n"));
	assert_non_null(strstr(b.s, "erebus_experiment_exit_code{experiment=\"lost-tolerance\"} 1\n"));
	sbuf_free(&b);
	report_free(r);
}

static void test_values(void **state)
{
	struct report *r = load_fixture("failed");
	struct sbuf b = { 0 };
	static const char *const want[] = {
		"erebus_experiment_verdict{experiment=\"checkout-survives-pause\",verdict=\"failed\"} 1\n",
		"erebus_experiment_verdict{experiment=\"checkout-survives-pause\",verdict=\"passed\"} 0\n",
		"erebus_experiment_passed{experiment=\"checkout-survives-pause\"} 0\n",
		"erebus_experiment_exit_code{experiment=\"checkout-survives-pause\"} 1\n",
		"erebus_experiment_duration_seconds{experiment=\"checkout-survives-pause\"} 3.104251\n",
		"erebus_probe_time_to_detect_seconds{experiment=\"checkout-survives-pause\",probe=\"checkout\"} 0.399242\n",
		"erebus_probe_time_to_recover_seconds{experiment=\"checkout-survives-pause\",probe=\"checkout\"} 0.000043\n",
		"erebus_probe_time_to_recover_seconds{experiment=\"checkout-survives-pause\",probe=\"cache-alive\"} NaN\n",
		"erebus_probe_recovered{experiment=\"checkout-survives-pause\",probe=\"cache-alive\"} 0\n",
		"erebus_probe_availability_ratio{experiment=\"checkout-survives-pause\",probe=\"checkout\",phase=\"during\"} 0.6\n",
		"erebus_probe_latency_seconds{experiment=\"checkout-survives-pause\",probe=\"checkout\",phase=\"during\",quantile=\"0.95\"} 0.300783\n",
		"erebus_probe_latency_seconds_count{experiment=\"checkout-survives-pause\",probe=\"checkout\",phase=\"during\"} 10\n",
		"erebus_fault_applications{experiment=\"checkout-survives-pause\",fault=\"kill-cache\",type=\"kill\"} 1\n",
	};

	report_render_metrics(r, &b);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		if (!strstr(b.s, want[i]))
			fail_msg("metrics lack: %s", want[i]);
	sbuf_free(&b);
	report_free(r);
}

static void test_label_escaping(void **state)
{
	struct report *r = load_fixture("aborted");
	struct sbuf b = { 0 };

	free(r->experiment);
	r->experiment = xstrdup("a\"b\\c\nd");
	report_render_metrics(r, &b);
	assert_non_null(strstr(b.s, "erebus_experiment_passed{experiment=\"a\\\"b\\\\c\\nd\"} 0\n"));
	check_format(b.s, "escaped");
	sbuf_free(&b);

	/* label values are UTF-8, as the format requires: Latin-1 is U+FFFD */
	free(r->experiment);
	r->experiment = xstrdup("caf\xe9 \xc3\xa9");
	report_render_metrics(r, &b);
	assert_non_null(strstr(b.s, "erebus_experiment_passed{experiment=\"caf\xef\xbf\xbd \xc3\xa9\"} 0\n"));
	sbuf_free(&b);
	report_free(r);
}

/* report_render_activity(): the run and each fault, active or not, in the
 * exposition format, labels escaped as everywhere else. */
static void test_activity(void **state)
{
	struct report *r = load_fixture("aborted");
	struct sbuf b = { 0 };
	bool *active = xcalloc(r->n_faults + 1, sizeof(*active));

	assert_true(r->n_faults > 0);
	free(r->experiment);
	r->experiment = xstrdup("a\"b\xe9");
	active[0] = true;
	report_render_activity(r, active, true, &b);
	check_format(b.s, "activity");
	assert_non_null(strstr(b.s, "erebus_run_active{experiment=\"a\\\"b\xef\xbf\xbd\"} 1\n"));
	for (size_t i = 0; i < r->n_faults; i++) {
		_cleanup_free_ char *want = xasprintf("erebus_fault_active{experiment=\"a\\\"b\xef\xbf\xbd\",fault=\"%s\"} %d\n",
						      r->faults[i].name, i == 0);
		if (!strstr(b.s, want))
			fail_msg("activity lacks: %s", want);
	}
	sbuf_free(&b);
	report_render_activity(r, NULL, false, &b);
	check_format(b.s, "activity at the end");
	assert_non_null(strstr(b.s, "\"} 0\n"));
	assert_null(strstr(b.s, "} 1\n"));
	sbuf_free(&b);
	free(active);
	report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_golden_v2),
		cmocka_unit_test(test_golden_synthetic),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_v2),
		cmocka_unit_test(test_format_synthetic),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_values_v2),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_activity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
