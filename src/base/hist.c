/* SPDX-License-Identifier: MIT */
/* The streaming histogram (include/erebus/hist.h). */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "erebus/hist.h"

#define SUB (1 << HIST_SUB_BITS)

void hist_init(struct hist *h)
{
	assert(h);
	memset(h, 0, sizeof(*h));
}

unsigned hist_bucket(int64_t v)
{
	unsigned e;

	if (v < SUB)
		return v < 0 ? 0 : (unsigned)v;
	if (v > HIST_VALUE_MAX)
		v = HIST_VALUE_MAX;
	e = 63u - (unsigned)__builtin_clzll((unsigned long long)v);	/* 2^e <= v */
	return ((e - HIST_SUB_BITS + 1) << HIST_SUB_BITS) + (unsigned)((v >> (e - HIST_SUB_BITS)) - SUB);
}

void hist_bucket_range(unsigned i, int64_t *ret_lo, int64_t *ret_hi)
{
	unsigned shift;

	assert(i < HIST_BUCKETS && ret_lo && ret_hi);
	if (i < SUB) {
		*ret_lo = *ret_hi = i;
		return;
	}
	shift = (i >> HIST_SUB_BITS) - 1;
	*ret_lo = (int64_t)(SUB + (i & (SUB - 1))) << shift;
	*ret_hi = *ret_lo + ((int64_t)1 << shift) - 1;
}

static void add_saturating(uint32_t *c, uint64_t n)
{
	uint64_t v = (uint64_t)*c + n;

	*c = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

void hist_record(struct hist *h, int64_t v)
{
	assert(h);
	if (!h->count || v < h->min)
		h->min = v;
	if (!h->count || v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	if (v < 0 || v > HIST_VALUE_MAX)
		h->clamped++;
	add_saturating(&h->b[hist_bucket(v)], 1);
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	assert(dst && src);
	if (!src->count)
		return;
	if (!dst->count || src->min < dst->min)
		dst->min = src->min;
	if (!dst->count || src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->clamped += src->clamped;
	dst->sum += src->sum;
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		if (src->b[i])
			add_saturating(&dst->b[i], src->b[i]);
}

int64_t hist_min(const struct hist *h)
{
	assert(h);
	return h->count ? h->min : -1;
}

int64_t hist_max(const struct hist *h)
{
	assert(h);
	return h->count ? h->max : -1;
}

int64_t hist_percentile(const struct hist *h, double q)
{
	uint64_t total = 0, rank, cum = 0;
	int64_t lo, hi, mid;

	assert(h && q > 0 && q <= 100);
	if (!h->count)
		return -1;
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		total += h->b[i];
	/* nearest rank, as percentile() in report.h */
	rank = (uint64_t)ceil(q * (double)total / 100.0 - 1e-9);
	if (rank <= 1)
		return h->min;
	if (rank >= total)
		return h->max;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		cum += h->b[i];
		if (cum < rank)
			continue;
		hist_bucket_range(i, &lo, &hi);
		mid = lo + (hi - lo) / 2;
		if (mid < h->min)
			mid = h->min;
		if (mid > h->max)
			mid = h->max;
		return mid;
	}
	return h->max;	/* not reached: the buckets hold total */
}
