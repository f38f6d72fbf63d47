/* SPDX-License-Identifier: MIT */
#include <signal.h>

#include "erebus/undo.h"

void undo_push(struct undo_list *u, const struct undo_rec *r)
{
	GROW(u->v, u->cap, u->n + 1);
	u->v[u->n++] = *r;
}

void undo_describe(const struct undo_rec *r, struct sbuf *out)
{
	switch (r->kind) {
	case UNDO_SIGCONT:
		sbuf_addf(out, "SIGCONT pid %d (%s)", (int)r->proc.pid, r->proc.comm);
		break;
	case UNDO_TC_QDISC:
		sbuf_addf(out, "delete %s qdisc %x:%x on ifindex %d", r->net.name, r->net.handle >> 16,
			  r->net.handle & 0xffff, r->net.ifindex);
		break;
	case UNDO_TC_CLASS:
		sbuf_addf(out, "delete class %x:%x on ifindex %d", r->net.handle >> 16,
			  r->net.handle & 0xffff, r->net.ifindex);
		break;
	case UNDO_TC_FILTER:
		sbuf_addf(out, "delete %s filter prio %u on ifindex %d", r->net.name, r->net.prio,
			  r->net.ifindex);
		break;
	case UNDO_LINK:
		sbuf_addf(out, "delete link %s", r->net.name);
		break;
	case UNDO_NFT_TABLE:
		sbuf_addf(out, "delete nftables table %s", r->net.name);
		break;
	}
}

/* Undo one record. "Already gone" is success: a process that exited
 * needs no SIGCONT. */
static int undo_one(struct undo_rec *r)
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
		r->done = true;
	}
	if (ret_err)
		*ret_err = first ? sbuf_take(&msg) : NULL;
	sbuf_free(&msg);
	return first;
}

void undo_free(struct undo_list *u)
{
	free(u->v);
	*u = (struct undo_list){ 0 };
}
