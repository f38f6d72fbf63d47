/* SPDX-License-Identifier: MIT */
/* A seeded PRNG (splitmix64) for unit tests, so every run checks the same
 * values: set rng_state, then draw. */
#ifndef EREBUS_TESTS_RNG_H
#define EREBUS_TESTS_RNG_H

#include <stdint.h>

static uint64_t rng_state;
static inline uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
/* Uniform in [0, 1). */
static inline double rng_unit(void) { return (double)(rng() >> 11) / 9007199254740992.0; }
/* Uniform in [lo, hi]. */
static inline int64_t rng_in(int64_t lo, int64_t hi) { return lo + (int64_t)(rng() % (uint64_t)(hi - lo + 1)); }

#endif
