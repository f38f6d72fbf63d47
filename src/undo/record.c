/* SPDX-License-Identifier: MIT */
/*
 * Undo records and lists as data (include/erebus/undo.h): no kernel
 * access and no file I/O of their own. What is pushed or marked done goes
 * to the journal the caller set (the engine points it at the ledger).
 */
#include <assert.h>

#include <linux/pkt_sched.h>

#include "erebus/undo.h"

static const struct undo_journal *journal;

void undo_journal_set(const struct undo_journal *j)
{
	journal = j;
}

int undo_push(struct undo_list *u, const struct undo_rec *r)
{
	struct undo_rec copy = *r;

	assert(u && r);
	if (journal) {
		int e = journal->append(&copy);
		if (e < 0)
			return e;
	}
	GROW(u->v, u->cap, u->n + 1);
	u->v[u->n++] = copy;
	return 0;
}

void undo_done(struct undo_rec *r)
{
	r->done = true;
	if (journal && r->seq)
		journal->done(r->seq);
}

void undo_disown(struct undo_list *u)
{
	if (u->n)
		undo_done(&u->v[u->n - 1]);
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

static bool in_range(unsigned major)
{
	return major >= EREBUS_TC_MAJOR_FIRST && major <= EREBUS_TC_MAJOR_LAST;
}

bool undo_is_tagged(const struct undo_rec *r)
{
	unsigned major = r->net.handle >> 16, pmajor = r->net.parent >> 16;

	switch (r->kind) {
	case UNDO_SIGCONT:
		return r->proc.pid > 1;	/* SIGCONT harms nothing; not init */
	case UNDO_TC_QDISC:
		if (r->net.handle == TC_H_MAKE(TC_H_INGRESS, 0))	/* ingress, at its fixed handle; never clsact */
			return !strcmp(r->net.name, "ingress") && r->net.parent == TC_H_INGRESS;
		return in_range(major);
	case UNDO_TC_CLASS:
		return in_range(major) && in_range(pmajor);
	case UNDO_TC_FILTER:	/* at Erebus' priority: under one of its qdiscs, or the redirect */
		if (r->net.parent == TC_H_MAKE(TC_H_INGRESS, 0))
			return r->net.prio == EREBUS_TC_PRIO_REDIRECT && !r->net.handle;
		return in_range(pmajor) && in_range(r->net.prio);
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
