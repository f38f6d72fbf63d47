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
int undo_one(struct undo_rec *r, char **ret_why)
{
	int e = 0;

	*ret_why = NULL;
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
		e = tc_undo(r, ret_why);
		break;
	case UNDO_NFT_TABLE:
		e = nft_undo(r);
		break;
	}
	return e;
}

int undo_owned(struct undo_rec *r, char **ret_why)
{
	*ret_why = NULL;
	switch (r->kind) {
	case UNDO_TC_QDISC:
	case UNDO_TC_CLASS:
	case UNDO_TC_FILTER:
	case UNDO_LINK:
		return tc_owned(r, ret_why);
	default:
		return 0;
	}
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

/* "; " between the parts of a message, then r's description. */
static void add_described(struct sbuf *msg, const struct undo_rec *r)
{
	sbuf_add(msg, msg->len ? "; " : "");
	undo_describe(r, msg);
}

int undo_run(struct undo_list *u, char **ret_err, char **ret_left)
{
	struct sbuf msg = { 0 }, left = { 0 };
	int first = 0;

	for (size_t i = u->n; i-- > 0;) {
		struct undo_rec *r = &u->v[i];
		_cleanup_free_ char *why = NULL;
		int e;

		if (r->done)
			continue;
		e = undo_one(r, &why);
		if (e < 0) {
			if (!first)
				first = e;
			add_described(&msg, r);
			sbuf_addf(&msg, ": %s", strerror(-e));
			continue;
		}
		if (e == UNDO_LEFT_ALONE) {
			add_described(&left, r);
			sbuf_addf(&left, ": not Erebus', left alone: %s", why);
			r->left_alone = true;
		}
		undo_done(r);
	}
	if (ret_err)
		*ret_err = first ? sbuf_take(&msg) : NULL;
	if (ret_left)
		*ret_left = left.len ? sbuf_take(&left) : NULL;
	sbuf_free(&msg);
	sbuf_free(&left);
	return first;
}
