/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: an undo ledger read back by ledger_parse(), what
 * ledger_read() does with a file's text. Each record read is then checked
 * for its tag and described, as `erebus recover` does before replaying it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erebus/ledger.h"
#include "erebus/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *log;
	_cleanup_free_ char *text = xmalloc(size + 1);
	struct undo_list u = { 0 };

	if (!log && !(log = fopen("/dev/null", "we")))
		abort();
	/* As read_file_max() gives it: NUL-terminated, stopping at a NUL. */
	memcpy(text, data, size);
	text[size] = '\0';
	(void)ledger_parse(text, "fuzz.ledger", &u, log, "fuzz: ");
	for (size_t i = 0; i < u.n; i++) {
		_cleanup_(sbuf_free) struct sbuf b = { 0 };
		(void)undo_is_tagged(&u.v[i]);
		undo_describe(&u.v[i], &b);
	}
	undo_free(&u);
	return 0;
}
