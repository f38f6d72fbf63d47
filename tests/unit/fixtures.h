/* SPDX-License-Identifier: MIT */
/*
 * Fixed reports and golden files for the renderer tests. The reports are
 * JSON files under tests/fixtures/reports/ (real runs, one hand-edited for
 * a failed revert), read with the report reader; each renderer's output
 * for each is kept under tests/fixtures/golden/. Tests run from the top of
 * the source tree (make check does).
 *
 * To accept a deliberate change of output: EREBUS_UPDATE_GOLDEN=1
 * make check-unit, then review `git diff tests/fixtures/golden`.
 */
#ifndef EREBUS_TESTS_FIXTURES_H
#define EREBUS_TESTS_FIXTURES_H

#include "erebus/report.h"

#define FIXTURES "tests/fixtures"

static const char *const fixture_names[] = { "passed", "failed", "aborted", "cleanup-failed" };

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

/* Compare text with the golden file FIXTURES/golden/name, or rewrite it
 * when EREBUS_UPDATE_GOLDEN is set. On a difference, print the first
 * differing line of each. */
static inline void check_golden(const char *text, const char *name)
{
	_cleanup_free_ char *path = xasprintf(FIXTURES "/golden/%s", name);
	_cleanup_free_ char *want = NULL;
	const char *a, *b;
	unsigned line = 1;
	ssize_t n;

	if (getenv("EREBUS_UPDATE_GOLDEN")) {
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

#endif
