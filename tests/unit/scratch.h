/* SPDX-License-Identifier: MIT */
/* Strings a test allocates, freed by the teardown even when an assertion
 * longjmps out of the test. One copy per test binary. */
#ifndef EREBUS_TESTS_SCRATCH_H
#define EREBUS_TESTS_SCRATCH_H

#include "erebus/util.h"

static char **scratch;
static size_t n_scratch, cap_scratch;

static inline char *keep(char *s)
{
	GROW(scratch, cap_scratch, n_scratch + 1);
	scratch[n_scratch++] = s;
	return s;
}

static inline void scratch_free(void)
{
	for (size_t i = 0; i < n_scratch; i++)
		free(scratch[i]);
	free(scratch);
	scratch = NULL;
	n_scratch = cap_scratch = 0;
}

#endif
