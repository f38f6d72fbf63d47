/* SPDX-License-Identifier: MIT */
/*
 * A streaming histogram of int64 microsecond values (latencies, lags): a
 * fixed-size, mergeable, log-linear histogram in the manner of
 * HdrHistogram, written here. It keeps no samples: memory is
 * sizeof(struct hist) (6.9 KiB) whatever the count.
 *
 * Buckets. Values 0 to 127 have a bucket each (exact). From 128 on, each
 * power of two [2^e, 2^(e+1)) is cut into 64 equal buckets of width
 * 2^(e-6), up to HIST_VALUE_MAX (2^32 - 1 us, 71 min 34 s): 1728 buckets.
 *
 * Error bound. hist_percentile() finds, exactly, the bucket that holds the
 * nearest-rank value (the value percentile() of report.h would pick from
 * the sorted samples) and returns that bucket's midpoint, clamped to the
 * exact min and max. A bucket of width w = 2^(e-6) holds values of at least
 * 2^e, and the midpoint is at most w/2 from any of them, so the answer is
 * within 2^(e-7) / 2^e = 1/128 (0.79%) of the true value, relative, and
 * exact below 128 us; the first and last rank (q near 0, q = 100) answer the
 * exact min and max. The bound holds for values in [0, HIST_VALUE_MAX]:
 * values outside are clamped into the edge bucket and counted in clamped.
 *
 * count, min, max and sum are exact (min and max as recorded, before any
 * clamping; sum as long as it fits in int64, 292,000 years of
 * microseconds). Bucket counts are 32-bit and saturate at 2^32 - 1 (a
 * value every millisecond for 49 days in one bucket); percentiles rank
 * within the buckets' own total, so they stay consistent if one does.
 *
 * Pointer arguments must not be NULL (checked with assert()).
 */
#ifndef EREBUS_HIST_H
#define EREBUS_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 6				/* 64 buckets per power of two */
#define HIST_VALUE_MAX ((int64_t)UINT32_MAX)	/* 71 min 34.97 s in usec */
#define HIST_BUCKETS ((32 - HIST_SUB_BITS + 1) << HIST_SUB_BITS)	/* 1728 */
/* The relative error bound of hist_percentile(): 1 / 2^(HIST_SUB_BITS + 1). */
#define HIST_REL_ERROR (1.0 / (double)(1 << (HIST_SUB_BITS + 1)))

struct hist {
	uint64_t count;		/* values recorded, clamped ones included */
	uint64_t clamped;	/* of which were below 0 or above HIST_VALUE_MAX */
	int64_t min, max;	/* exact; meaningless while count is 0 */
	int64_t sum;		/* exact */
	uint32_t b[HIST_BUCKETS];
};

/* An empty histogram. */
void hist_init(struct hist *h);
/* Count value v once. */
void hist_record(struct hist *h, int64_t v);
/* Add every value of src to dst: afterwards dst is exactly the histogram of
 * both sets of values (bucket counts saturating as in hist_record()). */
void hist_merge(struct hist *dst, const struct hist *src);
/* The nearest-rank q-th percentile (0 < q <= 100) within HIST_REL_ERROR
 * of the exact one (see above), or -1 when h is empty. */
int64_t hist_percentile(const struct hist *h, double q);
/* The exact smallest and largest values, or -1 when h is empty. */
int64_t hist_min(const struct hist *h);
int64_t hist_max(const struct hist *h);

/* The bucket of v (clamped into range), and the values [lo, hi] a bucket
 * holds: for tests and for renderers that draw the distribution. */
unsigned hist_bucket(int64_t v);
void hist_bucket_range(unsigned i, int64_t *ret_lo, int64_t *ret_hi);

#endif
