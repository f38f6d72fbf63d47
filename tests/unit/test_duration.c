/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for durations (src/base/duration.c): parse_duration(), what
 * it accepts and refuses, and format_duration(), the one form shown to
 * people, at the edges of each of its forms and where it rounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "erebus/duration.h"
#include "erebus/util.h"

/* ---- parse_duration ---------------------------------------------------- */

static void assert_duration(const char *text, int64_t want)
{
	int64_t got = -12345;

	if (parse_duration(text, &got) != 0)
		fail_msg("parse_duration(\"%s\") failed, expected %lld", text, (long long)want);
	if (got != want)
		fail_msg("parse_duration(\"%s\") = %lld, expected %lld", text, (long long)got,
			 (long long)want);
}

static void assert_duration_rejected(const char *text)
{
	int64_t got = -12345;

	if (parse_duration(text, &got) != -EINVAL)
		fail_msg("parse_duration(\"%s\") accepted (%lld), expected -EINVAL", text,
			 (long long)got);
	/* the output is left untouched on failure */
	assert_int_equal(got, -12345);
}

static void test_parse_duration_valid(void **state)
{
	assert_duration("250ms", 250 * USEC_PER_MSEC);
	assert_duration("1m30s", 90 * USEC_PER_SEC);
	assert_duration("2h", 2 * 3600 * USEC_PER_SEC);
	assert_duration("500us", 500);
	assert_duration("1.5s", 1500 * USEC_PER_MSEC);
	assert_duration("0s", 0);
	assert_duration("1h30m15s500ms", (5415 * USEC_PER_SEC) + 500 * USEC_PER_MSEC);
	assert_duration("10m", 600 * USEC_PER_SEC);
	assert_duration("1ms500us", 1500);
}

static void test_parse_duration_rejects(void **state)
{
	assert_duration_rejected("");
	assert_duration_rejected("250");	/* a unit is required */
	assert_duration_rejected("ms");
	assert_duration_rejected("-1s");
	assert_duration_rejected("1x");
	assert_duration_rejected("1s2");	/* trailing number without unit */
	assert_duration_rejected(" 1s");
	assert_duration_rejected("1 s");
	assert_duration_rejected("1.5.5s");
	assert_duration_rejected("s1");
}

/* ---- format_duration --------------------------------------------------- */

static void assert_format(int64_t usec, const char *want)
{
	char buf[32];

	assert_ptr_equal(format_duration(usec, buf, sizeof(buf)), buf);
	if (strcmp(buf, want))
		fail_msg("format_duration(%lld) = \"%s\", expected \"%s\"", (long long)usec, buf, want);
}

static void test_format_duration_forms(void **state)
{
	assert_format(-1, "-");
	assert_format(INT64_MIN, "-");
	assert_format(0, "0us");
	assert_format(1, "1us");
	assert_format(999, "999us");
	assert_format(1000, "1ms");
	assert_format(250 * USEC_PER_MSEC, "250ms");
	assert_format(1250 * USEC_PER_MSEC, "1.25s");
	assert_format(30 * USEC_PER_SEC, "30.00s");
	assert_format(125 * USEC_PER_SEC, "2m05s");
}

/* Whole seconds, minutes and hours: seconds keep two decimals, minutes
 * and hours are minutes and two-digit seconds (no hours form). */
static void test_format_duration_exact(void **state)
{
	assert_format(USEC_PER_SEC, "1.00s");
	assert_format(59 * USEC_PER_SEC, "59.00s");
	assert_format(60 * USEC_PER_SEC, "1m00s");
	assert_format(61 * USEC_PER_SEC, "1m01s");
	assert_format(10 * 60 * USEC_PER_SEC, "10m00s");
	assert_format(3599 * USEC_PER_SEC, "59m59s");
	assert_format(3600 * USEC_PER_SEC, "60m00s");
	assert_format(2 * 3600 * USEC_PER_SEC, "120m00s");
	assert_format(24 * 3600 * USEC_PER_SEC, "1440m00s");
}

/* To the nearest unit shown, halves up, and into the next form when the
 * rounding reaches it. */
static void test_format_duration_rounding(void **state)
{
	assert_format(1499, "1ms");
	assert_format(1500, "2ms");
	assert_format(2500, "3ms");
	assert_format(999499, "999ms");
	assert_format(999500, "1.00s");
	assert_format(1004999, "1.00s");
	assert_format(1005000, "1.01s");
	assert_format(1125000, "1.13s");
	assert_format(59994999, "59.99s");
	assert_format(59995000, "1m00s");
	assert_format(90 * USEC_PER_SEC + 499999, "1m30s");
	assert_format(90 * USEC_PER_SEC + 500000, "1m31s");
	assert_format(90 * USEC_PER_SEC + 999 * USEC_PER_MSEC, "1m31s");
	assert_format(3599 * USEC_PER_SEC + 500000, "60m00s");
}

/* No overflow at the far end; a short buffer is cut, still terminated. */
static void test_format_duration_limits(void **state)
{
	char small[4];

	assert_format(INT64_MAX, "153722867280m55s");
	format_duration(125 * USEC_PER_SEC, small, sizeof(small));
	assert_string_equal(small, "2m0");
}

/* What is shown can be written back in an experiment file, and reads as
 * the value shown. */
static void test_format_duration_parses_back(void **state)
{
	static const int64_t v[] = { 0, 685, 1000, 399 * USEC_PER_MSEC, 1250 * USEC_PER_MSEC,
				     10 * USEC_PER_SEC, 125 * USEC_PER_SEC, 3600 * USEC_PER_SEC };
	char buf[32];
	int64_t got;

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		format_duration(v[i], buf, sizeof(buf));
		if (parse_duration(buf, &got) != 0 || got != v[i])
			fail_msg("\"%s\" does not read back as %lld", buf, (long long)v[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_duration_valid),
		cmocka_unit_test(test_parse_duration_rejects),
		cmocka_unit_test(test_format_duration_forms),
		cmocka_unit_test(test_format_duration_exact),
		cmocka_unit_test(test_format_duration_rounding),
		cmocka_unit_test(test_format_duration_limits),
		cmocka_unit_test(test_format_duration_parses_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
