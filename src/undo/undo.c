/* SPDX-License-Identifier: MIT */
#include <signal.h>

#include "erebus/ledger.h"
#include "erebus/undo.h"

int undo_push(struct undo_list *u, const struct undo_rec *r)
{
	struct undo_rec copy = *r;
	int e = ledger_append(&copy);

	if (e < 0)
		return e;
	GROW(u->v, u->cap, u->n + 1);
	u->v[u->n++] = copy;
	return 0;
}

void undo_disown(struct undo_list *u)
{
	struct undo_rec *r;

	if (!u->n)
		return;
	r = &u->v[u->n - 1];
	r->done = true;
	ledger_done(r->seq);
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
	struct proc p;

	switch (r->kind) {
	case UNDO_SIGCONT:
		if (proc_read(r->proc.pid, &p) < 0 || p.starttime != r->proc.starttime)
			return 0;	/* gone, or the pid is someone else's now */
		return proc_state(r->proc.pid) == 'T';
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
		r->done = true;
		ledger_done(r->seq);
	}
	if (ret_err)
		*ret_err = first ? sbuf_take(&msg) : NULL;
	sbuf_free(&msg);
	return first;
}

bool undo_is_tagged(const struct undo_rec *r)
{
	unsigned major = r->net.handle >> 16, pmajor = r->net.parent >> 16;

	switch (r->kind) {
	case UNDO_SIGCONT:
		return r->proc.pid > 1;	/* SIGCONT harms nothing; not init */
	case UNDO_TC_QDISC:
		if (r->net.handle == 0xffff0000u)	/* ingress and clsact have a fixed handle */
			return !strcmp(r->net.name, "ingress") || !strcmp(r->net.name, "clsact");
		return major >= EREBUS_TC_MAJOR_FIRST && major <= EREBUS_TC_MAJOR_LAST;
	case UNDO_TC_CLASS:
		return major >= EREBUS_TC_MAJOR_FIRST && major <= EREBUS_TC_MAJOR_LAST;
	case UNDO_TC_FILTER:	/* under one of our qdiscs, or the ingress one we made */
		return (pmajor >= EREBUS_TC_MAJOR_FIRST && pmajor <= EREBUS_TC_MAJOR_LAST) ||
		       pmajor == 0xffffu;
	case UNDO_LINK:
		return !strncmp(r->net.name, EREBUS_LINK_PREFIX, strlen(EREBUS_LINK_PREFIX));
	case UNDO_NFT_TABLE:
		return !strncmp(r->net.name, EREBUS_NFT_PREFIX, strlen(EREBUS_NFT_PREFIX));
	}
	return false;
}

void undo_free(struct undo_list *u)
{
	free(u->v);
	*u = (struct undo_list){ 0 };
}
