/* SPDX-License-Identifier: MIT */
/*
 * Diagnostics for people: every problem found in an experiment file is
 * collected as `FILE:LINE: [section] key: what is wrong` so that one
 * `erebus validate` run shows all of them.
 */
#ifndef EREBUS_DIAG_H
#define EREBUS_DIAG_H

#include "erebus/util.h"

struct diag {
	const char *file;
	char **msgs;
	size_t n, cap;
};

/* Record one error. section is "target web" (without brackets) or NULL,
 * key may be NULL. */
void diag_error(struct diag *d, unsigned line, const char *section, const char *key,
		const char *fmt, ...) _printf_(5, 6);
/* Print every message, one per line, to f. */
void diag_print(const struct diag *d, FILE *f);
void diag_free(struct diag *d);

#endif
