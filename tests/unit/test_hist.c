/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the streaming histogram (src/base/hist.c): percentiles of
 * known distributions against the exact nearest-rank answer from the
 * sorted values, within the bound the header states (1/128 relative,
 * exact below 128 us); merge equal to the histogram of the union; the
 * edges (0, 1, HIST_VALUE_MAX, beyond it clamped and counted); empty.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "erebus/hist.h"
#include "erebus/report.h"
#include "rng.h"

static const double qs[] = { 0.1, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100 };

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Record v[0..n) and check every percentile of qs against the exact one. */
static void check_against_exact(int64_t *v, size_t n, const char *what)
{
	struct hist *h = malloc(sizeof(*h));
	int64_t sum = 0;

	hist_init(h);
	for (size_t i = 0; i < n; i++) {
		hist_record(h, v[i]);
		sum += v[i];
	}
	qsort(v, n, sizeof(*v), cmp_i64);
	assert_int_equal(h->count, n);
	assert_int_equal(h->sum, sum);
	assert_int_equal(hist_min(h), v[0]);
	assert_int_equal(hist_max(h), v[n - 1]);
	for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		int64_t want = percentile(v, n, qs[k]), got = hist_percentile(h, qs[k]);
		int64_t err = got > want ? got - want : want - got;

		if (want < 128 ? err != 0 : (double)err > (double)want * HIST_REL_ERROR)
			fail_msg("%s: p%g = %lld, exact %lld: off by %lld (%.3f%%)", what, qs[k], (long long)got,
				 (long long)want, (long long)err, want ? 100.0 * (double)err / (double)want : 0.0);
	}
	free(h);
}

static void test_uniform(void **state)
{
	size_t n = 100000;
	int64_t *v = malloc(n * sizeof(*v));

	rng_state = 1;
	for (size_t i = 0; i < n; i++)
		v[i] = (int64_t)(rng() % 2000000);	/* 0 to 2 s */
	check_against_exact(v, n, "uniform 0-2s");
	for (size_t i = 0; i < n; i++)
		v[i] = (int64_t)(rng() % 200);		/* across the exact buckets' edge */
	check_against_exact(v, n, "uniform 0-200us");
	free(v);
}

static void test_exponential(void **state)
{
	size_t n = 100000;
	int64_t *v = malloc(n * sizeof(*v));

	rng_state = 42;
	for (size_t i = 0; i < n; i++)	/* mean 5 ms, a long tail */
		v[i] = (int64_t)(-log(1.0 - rng_unit()) * 5000.0);
	check_against_exact(v, n, "exponential mean 5ms");
	free(v);
}

static void test_constant_and_two_point(void **state)
{
	int64_t v[1000];

	for (size_t i = 0; i < 1000; i++)
		v[i] = 123457;
	check_against_exact(v, 1000, "constant");
	for (size_t i = 0; i < 1000; i++)	/* 90% fast, 10% slow: p90 fast, p91 slow */
		v[i] = i % 10 ? 500 : 3000000;
	check_against_exact(v, 1000, "two-point");
	{
		struct hist h;

		hist_init(&h);
		for (size_t i = 0; i < 1000; i++)
			hist_record(&h, i % 10 ? 500 : 3000000);
		assert_in_range(hist_percentile(&h, 90), 500, 500 + 500 / 128);
		assert_in_range(hist_percentile(&h, 91), 3000000 - 3000000 / 128, 3000000 + 3000000 / 128);
	}
}

/* Merging is the histogram of the union, byte for byte. */
static void test_merge(void **state)
{
	struct hist *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)), *u = malloc(sizeof(*u));
	struct hist *e = malloc(sizeof(*e));

	hist_init(a);
	hist_init(b);
	hist_init(u);
	hist_init(e);
	rng_state = 7;
	for (int i = 0; i < 50000; i++) {
		int64_t x = (int64_t)(rng() % 100000), y = (int64_t)(rng() % 10000000);

		hist_record(a, x);
		hist_record(b, y);
		hist_record(u, x);
		hist_record(u, y);
	}
	hist_record(b, HIST_VALUE_MAX + 5);
	hist_record(u, HIST_VALUE_MAX + 5);
	hist_merge(a, b);
	assert_memory_equal(a, u, sizeof(*a));
	hist_merge(a, e);	/* an empty one changes nothing */
	assert_memory_equal(a, u, sizeof(*a));
	hist_merge(e, u);	/* into an empty one: a copy */
	assert_memory_equal(e, u, sizeof(*e));
	free(a);
	free(b);
	free(u);
	free(e);
}

static void test_bounds(void **state)
{
	struct hist h;
	int64_t lo, hi, next = 0;

	hist_init(&h);
	hist_record(&h, 0);
	assert_int_equal(hist_percentile(&h, 50), 0);
	hist_record(&h, 1);
	assert_int_equal(hist_percentile(&h, 100), 1);
	assert_int_equal(hist_percentile(&h, 50), 0);
	assert_int_equal(h.clamped, 0);

	hist_init(&h);
	hist_record(&h, HIST_VALUE_MAX);
	assert_int_equal(hist_percentile(&h, 50), HIST_VALUE_MAX);
	assert_int_equal(hist_bucket(HIST_VALUE_MAX), HIST_BUCKETS - 1);
	assert_int_equal(h.clamped, 0);
	/* beyond: clamped into the top bucket, counted, max still exact */
	hist_record(&h, HIST_VALUE_MAX + 1000000);
	hist_record(&h, -5);
	assert_int_equal(h.count, 3);
	assert_int_equal(h.clamped, 2);
	assert_int_equal(hist_max(&h), HIST_VALUE_MAX + 1000000);
	assert_int_equal(hist_min(&h), -5);
	assert_int_equal(h.b[HIST_BUCKETS - 1], 2);
	assert_int_equal(h.b[0], 1);

	/* every bucket's range maps back to it, and they tile 0..MAX */
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		hist_bucket_range(i, &lo, &hi);
		assert_int_equal(lo, next);
		assert_int_equal(hist_bucket(lo), i);
		assert_int_equal(hist_bucket(hi), i);
		if (lo >= 128)
			assert_true((double)(hi - lo + 1) / 2 <= (double)lo * HIST_REL_ERROR);
		else
			assert_int_equal(lo, hi);
		next = hi + 1;
		if (i == HIST_BUCKETS - 1)
			assert_int_equal(hi, HIST_VALUE_MAX);
	}
	assert_true(sizeof(struct hist) < 8 * 1024);
}

static void test_empty(void **state)
{
	struct hist h;

	hist_init(&h);
	assert_int_equal(h.count, 0);
	assert_int_equal(hist_percentile(&h, 50), -1);
	assert_int_equal(hist_percentile(&h, 100), -1);
	assert_int_equal(hist_min(&h), -1);
	assert_int_equal(hist_max(&h), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_exponential),
		cmocka_unit_test(test_constant_and_two_point),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
