/* SPDX-License-Identifier: MIT */
/*
 * Replaying undo records (include/erebus/replay.h): the one place that
 * knows which module undoes, and reads back, each kind of record: process
 * signals (src/os), traffic control (src/net/tc), nftables (src/net/nft).
 */
#include <signal.h>

#include "erebus/nft.h"
#include "erebus/proc.h"
#include "erebus/replay.h"
#include "erebus/tc.h"

/* Undo one record. "Already gone" is success: a process that exited
 * needs no SIGCONT. */
int undo_one(struct undo_rec *r)
{
	int e = 0;

	switch (r->kind) {
	case UNDO_SIGCONT:
		e = proc_signal(&r->proc, SIGCONT);
		if (e == -ESRCH)
			e = 0;
		break;
	case UNDO_TC_QDISC:
	case UNDO_TC_CLASS:
	case UNDO_TC_FILTER:
	case UNDO_LINK:
		e = tc_undo(r);
		break;
	case UNDO_NFT_TABLE:
		e = nft_undo(r);
		break;
	}
	return e;
}

int undo_exists(const struct undo_rec *r)
{
	switch (r->kind) {
	case UNDO_SIGCONT:	/* 0 too when the pid is someone else's now */
		return proc_state(&r->proc) == 'T';
	case UNDO_TC_QDISC:
	case UNDO_TC_CLASS:
	case UNDO_TC_FILTER:
	case UNDO_LINK:
		return r->net.netns_fd < -1 ? -EBADF : tc_exists(r);
	case UNDO_NFT_TABLE:
		return r->net.netns_fd < -1 ? -EBADF : nft_exists(r);
	}
	return -EINVAL;
}

int undo_run(struct undo_list *u, char **ret_err)
{
	struct sbuf msg = { 0 };
	int first = 0;

	for (size_t i = u->n; i-- > 0;) {
		struct undo_rec *r = &u->v[i];
		int e;

		if (r->done)
			continue;
		e = undo_one(r);
		if (e < 0) {
			if (!first)
				first = e;
			sbuf_add(&msg, msg.len ? "; " : "");
			undo_describe(r, &msg);
			sbuf_addf(&msg, ": %s", strerror(-e));
			continue;
		}
		undo_done(r);
	}
	if (ret_err)
		*ret_err = first ? sbuf_take(&msg) : NULL;
	sbuf_free(&msg);
	return first;
}

