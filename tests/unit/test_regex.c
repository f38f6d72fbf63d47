/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for bounded regular expressions (src/base/regex.c): what is
 * refused before glibc sees it (back-references, long patterns, large or
 * nested repetition counts), and that the anchored form matches exactly
 * where the pattern as written would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "erebus/regex.h"
#include "erebus/util.h"

static void assert_refused(const char *pattern, const char *why)
{
	regex_t re;
	char *got = NULL;

	if (regex_compile_bounded(&re, pattern, &got) != -EINVAL)
		fail_msg("\"%s\" accepted, expected: %s", pattern, why);
	assert_non_null(got);
	if (strcmp(got, why))
		fail_msg("\"%s\": got \"%s\", expected \"%s\"", pattern, got, why);
	free(got);
}

static bool matches(const char *pattern, const char *text)
{
	regex_t re;
	char *why = NULL;
	bool m;

	if (regex_compile_bounded(&re, pattern, &why) < 0)
		fail_msg("\"%s\" refused: %s", pattern, why);
	m = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

static void test_regex_refusals(void **state)
{
	char long_pattern[REGEX_MAX_LEN + 2];

	assert_refused("^(.*)(.*)\\2\\1$", "has a back-reference (\\2): Erebus refuses them, their matching time "
			"has no bound (match the text itself)");
	assert_refused("(a)\\1", "has a back-reference (\\1): Erebus refuses them, their matching time has no "
			"bound (match the text itself)");
	/* 100 bytes of nested repetition: glibc took 20 s and 4 GB for it */
	assert_refused("((((((((((a{1,9}){1,9}){1,9}){1,9}){1,9}){1,9}){1,9}){1,9}){1,9}){1,9})",
		       "has repetitions that expand to more than 1000 parts (nested counts multiply): Erebus "
		       "refuses it (simplify it)");
	assert_refused("(a{0,40}){0,40}", "has repetitions that expand to more than 1000 parts (nested counts "
			"multiply): Erebus refuses it (simplify it)");
	assert_refused("a{256}", "has a repetition count above 255: Erebus refuses it (write a shorter count, or "
			"* or +)");
	assert_refused("a{1,99999999999999999999}", "has a repetition count above 255: Erebus refuses it (write a "
			"shorter count, or * or +)");
	memset(long_pattern, 'a', sizeof(long_pattern) - 1);
	long_pattern[sizeof(long_pattern) - 1] = '\0';
	assert_refused(long_pattern, "is longer than 512 bytes: Erebus refuses it");
	assert_refused("worker(", "is not a valid extended regular expression: Unmatched ( or \\(");
}

static void test_regex_accepted(void **state)
{
	char a255[258];

	/* within the bounds */
	a255[0] = 'x';
	memset(a255 + 1, 'a', 255);
	a255[256] = '\0';
	assert_true(matches("xa{255}$", a255));
	a255[255] = '\0';
	assert_false(matches("xa{255}$", a255));
	assert_true(matches("(a{0,9}){0,9}b", "aab"));
	/* a digit after a backslash in a bracket is no back-reference */
	assert_true(matches("[\\1]x", "\\x"));
	/* found anywhere, anchors as written, alternatives whole */
	assert_true(matches("a.*b", "xxaxxb"));
	assert_false(matches("a.*b", "b"));
	assert_true(matches("^sleep 100[1-6][.]5$", "sleep 1003.5"));
	assert_false(matches("^sleep 100[1-6][.]5$", "xsleep 1003.5"));
	assert_false(matches("^sleep 100[1-6][.]5$", "sleep 1003.55"));
	assert_true(matches("nginx|httpd", "/usr/sbin/httpd -k start"));
	assert_true(matches("^a|b$", "xb"));
	assert_false(matches("^a|b$", "xa"));
	assert_true(matches("", "anything"));
	assert_true(matches("[[:digit:]]+ --port", "erebus-demo 42 --port"));
}

/* A command line of 64 KiB, what Erebus reads of one: a pattern that
 * glibc would try again at every position (seconds for this one) is
 * matched in one pass; here only the answer is checked. */
static void test_regex_long_text(void **state)
{
	size_t n = 64 << 10;
	_cleanup_free_ char *text = xmalloc(n + 16);

	memset(text, 'a', n);
	text[n] = '\0';
	assert_false(matches("[a-z]+ --port", text));
	assert_false(matches("(a|aa)*b", text));
	memcpy(text + n - 7, " --port", 8);
	assert_true(matches("[a-z]+ --port", text));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regex_refusals),
		cmocka_unit_test(test_regex_accepted),
		cmocka_unit_test(test_regex_long_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
