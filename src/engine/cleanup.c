/* SPDX-License-Identifier: MIT */
/*
 * The end of a run: revert every fault, then read the kernel state back
 * and report whatever is still there.
 */
#include "erebus/ledger.h"
#include "erebus/replay.h"
#include "internal.h"

/* ---- the end ------------------------------------------------------------- */

/* Revert every active fault, newest application first. Returns the number
 * that could not be reverted. */
unsigned revert_all(struct engine *e)
{
	unsigned failed = 0;

	for (size_t i = e->x->n_faults; i-- > 0;) {
		struct fault_inst *fi = &e->faults[i];
		loop_timer_del(e->loop, fi->timer);
		fi->timer = NULL;
		if (fault_revert(fi) < 0)
			failed++;
	}
	return failed;
}

/* Do a and b undo the same thing? (Every fault that shares a part of a tc
 * tree has a record of it.) */
static bool same_object(const struct undo_rec *a, const struct undo_rec *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == UNDO_SIGCONT)
		return a->proc.pid == b->proc.pid && a->proc.starttime == b->proc.starttime;
	return a->net.netns_dev == b->net.netns_dev && a->net.netns_ino == b->net.netns_ino &&
	       a->net.ifindex == b->net.ifindex && a->net.parent == b->net.parent &&
	       a->net.handle == b->net.handle && a->net.prio == b->net.prio &&
	       a->net.protocol == b->net.protocol && !strcmp(a->net.name, b->net.name);
}

/* After rollback, read the state back: is every object Erebus changed as it
 * was? Lists what is not in the report, and writes its record to the
 * ledger again for the guardian's last try and `erebus recover`. Runs when
 * every fault is reverted, so a shared part of a tc tree must be gone too.
 * Returns the number of leftovers. */
unsigned verify_cleanup(struct engine *e)
{
	struct report *r = e->rep;
	unsigned before = (unsigned)r->n_leftovers;

	r->cleanup_checked = true;
	for (size_t i = 0; i < e->x->n_faults; i++) {
		struct fault_inst *fi = &e->faults[i];
		for (size_t j = 0; fi->active && j < fi->ctx.undo.n; j++) {
			struct sbuf b = { 0 };
			if (fi->ctx.undo.v[j].done)
				continue;
			undo_describe(&fi->ctx.undo.v[j], &b);
			report_leftover(r, "not undone: %s", b.s);
			sbuf_free(&b);
		}
	}
	for (size_t i = 0; i < e->n_undone; i++) {
		struct undo_rec *u = &e->undone[i];
		struct sbuf b = { 0 };
		bool seen = false;
		int x;

		for (size_t j = 0; j < i && !seen; j++)
			seen = same_object(u, &e->undone[j]);
		if (seen || !(x = undo_exists(u)))
			continue;
		if (u->kind == UNDO_SIGCONT) {
			report_leftover(r, "pid %d (%s) is still stopped", (int)u->proc.pid, u->proc.comm);
		} else {
			undo_describe(u, &b);
			if (x > 0)	/* "delete X" names the undo; the object is X */
				report_leftover(r, "%s is still there after rollback",
						b.s + (strncmp(b.s, "delete ", 7) ? 0 : 7));
			else
				report_leftover(r, "cannot check that it is gone (%s): %s", b.s, strerror(-x));
			sbuf_free(&b);
		}
		u->done = false;
		(void)ledger_append(u);
	}
	undone_close(e);
	for (size_t i = before; i < r->n_leftovers; i++)
		engine_event(e, "cleanup.leftover", NULL, "%s", r->leftovers[i]);
	return (unsigned)(r->n_leftovers - before);
}
