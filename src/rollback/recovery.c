/* SPDX-License-Identifier: MIT */
/*
 * Replaying a ledger (include/erebus/recovery.h): what the guardian does
 * when the engine dies, and what `erebus recover` does when both did.
 * Records are read back by the ledger module, their namespaces found
 * again by identity (device, inode and cookie), and each is undone only if
 * it carries Erebus' tag and, read back from the kernel, proves to be the
 * object Erebus made; what does not is left alone and said so.
 */
#include "erebus/ledger.h"
#include "erebus/netns.h"
#include "erebus/recovery.h"
#include "erebus/replay.h"

int ledger_replay(const char *path, bool dry_run, FILE *log, const char *prefix)
{
	struct undo_list recs = { 0 };
	unsigned failed = 0, left = 0;
	int n = ledger_read(path, &recs, log, prefix);

	if (n < 0)
		return n;
	for (size_t i = n; i-- > 0;) {
		struct undo_rec *r = &recs.v[i];
		struct sbuf what = { 0 };
		_cleanup_free_ char *why = NULL;
		int e = 0, fd = -1;

		if (r->done)
			continue;
		undo_describe(r, &what);
		if (!undo_is_tagged(r)) {
			fprintf(log, "%s%s: record %u (%s) does not name an object Erebus tags; left alone\n",
				prefix, path, r->seq, what.s);
			failed++;
			sbuf_free(&what);
			continue;
		}
		if (r->kind != UNDO_SIGCONT) {
			fd = netns_open_id(r->net.netns_dev, r->net.netns_ino, r->net.netns_cookie);
			if (fd == -ENOENT || fd == -ESTALE) {
				if (fd == -ENOENT)
					fprintf(log, "%s%s: already gone with its network namespace\n", prefix, what.s);
				else	/* -ESTALE */
					fprintf(log, "%s%s: NOT REPLAYED: its network namespace is gone, and another "
						"one has its device and inode now (another cookie); that one is not "
						"Erebus' to change\n", prefix, what.s);
				left += fd == -ESTALE;
				sbuf_free(&what);
				r->done = true;
				continue;
			}
			r->net.netns_fd = fd;
		} else {
			struct proc p;
			if (proc_open(r->proc.pid, r->proc.starttime, &p) < 0) {
				fprintf(log, "%s%s: process already gone\n", prefix, what.s);
				sbuf_free(&what);
				r->done = true;
				continue;
			}
			r->proc.pidfd = p.pidfd;
		}
		e = dry_run ? undo_owned(r, &why) : undo_one(r, &why);
		if (e == UNDO_LEFT_ALONE) {
			fprintf(log, "%s%s: NOT EREBUS', %s\n%s  %s\n", prefix, what.s,
				dry_run ? "would be left alone" : "LEFT ALONE", prefix, why);
			left++;
			e = 0;
		} else if (e && dry_run) {
			fprintf(log, "%swould %s (cannot read it back now: %s)\n", prefix, what.s, strerror(-e));
			e = 0;
		} else {
			fprintf(log, "%s%s%s%s\n", prefix, dry_run ? "would " : "", what.s,
				e ? (e == -ENOSYS ? ": not supported by this build" : ": FAILED") : (dry_run ? "" : ": done"));
			if (e)
				fprintf(log, "%s  %s\n", prefix, strerror(-e));
			failed += e != 0;
		}
		if (!e)
			r->done = !dry_run;
		if (r->kind == UNDO_SIGCONT && r->proc.pidfd >= 0)
			close(r->proc.pidfd);
		if (fd >= 0)
			close(fd);
		sbuf_free(&what);
	}
	undo_free(&recs);
	if (left)
		fprintf(log, "%s%u record(s) named what is not Erebus' now: left alone, as said above "
			"(nothing of Erebus' is left of them; check that it is what you expect)\n", prefix, left);
	if (!failed && !dry_run)
		(void)unlink(path);
	return (int)failed;
}
