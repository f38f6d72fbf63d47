/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: an undo ledger read back by ledger_read(). The input
 * is written to a file in a private directory made once per process (and
 * removed at exit); each record read is then checked for its tag and
 * described, as `erebus recover` does before replaying it.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "erebus/ledger.h"
#include "erebus/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/erebus-fuzz-ledger-XXXXXX";
static char path[sizeof(dir) + 16];

static void remove_dir(void)
{
	(void)unlink(path);
	(void)rmdir(dir);
}

/* Make the private directory on first use; abort if it cannot be made,
 * since a harness that reads nothing would find nothing. */
static void setup(void)
{
	if (path[0])
		return;
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/ledger", dir);
	atexit(remove_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_fclose_ FILE *log = fopen("/dev/null", "w");
	_cleanup_close_ int fd = -1;
	struct undo_list u = { 0 };

	setup();
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !log || write(fd, data, size) != (ssize_t)size)
		abort();
	if (ledger_read(path, &u, log, "fuzz: ") >= 0) {
		for (size_t i = 0; i < u.n; i++) {
			_cleanup_(sbuf_free) struct sbuf b = { 0 };
			(void)undo_is_tagged(&u.v[i]);
			undo_describe(&u.v[i], &b);
		}
		undo_free(&u);
	}
	return 0;
}
