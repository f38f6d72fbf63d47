/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: an experiment file read by experiment_load_string()
 * against the built-in catalogue. Loading checks and touches nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "erebus/catalog.h"
#include "erebus/experiment.h"
#include "erebus/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = xmalloc(size + 1);
	struct diag d = { 0 };
	struct experiment *x = NULL;

	/* experiment_load() refuses NUL bytes before the parser sees them. */
	if (memchr(data, '\0', size))
		return -1;
	memcpy(text, data, size);
	text[size] = '\0';
	if (experiment_load_string("fuzz.ini", text, &catalog_builtin, &d, &x) == 0) {
		(void)experiment_window_us(x);
		experiment_free(x);
	}
	diag_free(&d);
	return 0;
}
