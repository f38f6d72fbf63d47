/* SPDX-License-Identifier: MIT */
/*
 * Before an undo record deletes anything, the object it names is read back
 * from the kernel, in the record's namespace, and proved to be the one
 * Erebus made (tc_prove()): a record names an object by handle, priority
 * or name, and after a crash, a person's cleanup by hand or a restart of
 * some other tool, what has that handle now may be someone else's.
 *
 *   qdisc eb00:-ebff:  kind and parent as recorded (htb, netem, tbf)
 *   class eb00:S       kind as recorded (htb)
 *   qdisc ingress      kind ingress (never clsact, which Erebus never makes)
 *                      and nothing under it but Erebus' redirect
 *   filter under ffff: prio 0xeb00, protocol all, u32, each entry a single
 *                      mirred egress redirect to a link named erebus* of
 *                      kind ifb
 *   filter under eb..: its parent is an htb in the range; at its priority
 *                      and protocol only u32 entries steering into a class
 *                      of that htb, with no action
 *   link erebus*       kind ifb
 *
 * The proof and the delete are two requests: an object replaced in the
 * instant between them is not seen (tc has no compare-and-delete).
 */
#include <arpa/inet.h>

#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>

#include <netlink/attr.h>

#include "tc-internal.h"

/* One tc object of a dump, as much of it as the proof looks at. */
struct seen {
	uint32_t handle, parent;
	uint16_t prio, protocol;	/* filters */
	char kind[16];
	bool ht;			/* a u32 hash table: structure, not a filter */
	uint32_t classid;		/* u32: where it steers (0: nowhere) */
	unsigned n_acts;		/* u32: actions */
	int redirect_to;		/* u32: the one mirred egress redirect's target, or 0 */
	bool links;			/* u32: jumps to another hash table */
};

struct dump {
	int type, ifindex;
	struct seen *v;
	size_t n, cap;
};

static void dump_free(struct dump *d)
{
	free(d->v);
}

/* The actions of a u32 entry (TCA_U32_ACT): their count, and the target
 * of a mirred egress redirect among them. */
static void parse_acts(struct nlattr *acts, struct seen *s)
{
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, acts, rem) {
		struct nlattr *tb[TCA_ACT_MAX + 1], *mb[TCA_MIRRED_MAX + 1];
		const struct tc_mirred *m;

		s->n_acts++;
		if (nla_parse_nested(tb, TCA_ACT_MAX, a, NULL) < 0 || !tb[TCA_ACT_KIND] ||
		    strcmp(nla_get_string(tb[TCA_ACT_KIND]), "mirred") || !tb[TCA_ACT_OPTIONS] ||
		    nla_parse_nested(mb, TCA_MIRRED_MAX, tb[TCA_ACT_OPTIONS], NULL) < 0 ||
		    !mb[TCA_MIRRED_PARMS] || nla_len(mb[TCA_MIRRED_PARMS]) < (int)sizeof(*m))
			continue;
		m = nla_data(mb[TCA_MIRRED_PARMS]);
		if (m->eaction == TCA_EGRESS_REDIR)
			s->redirect_to = (int)m->ifindex;
	}
}

static int parse_seen(struct nlmsghdr *nlh, void *arg)
{
	struct dump *d = arg;
	struct nlattr *tb[TCA_MAX + 1];
	const struct tcmsg *t = nlmsg_data(nlh);
	struct seen s = { 0 };

	if (nlh->nlmsg_type != d->type || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*t)) ||
	    t->tcm_ifindex != d->ifindex || nlmsg_parse(nlh, sizeof(*t), tb, TCA_MAX, NULL) < 0)
		return 0;
	s.handle = t->tcm_handle;
	s.parent = t->tcm_parent;
	s.prio = (uint16_t)(TC_H_MAJ(t->tcm_info) >> 16);
	s.protocol = ntohs((uint16_t)TC_H_MIN(t->tcm_info));
	snprintf(s.kind, sizeof(s.kind), "%s", tb[TCA_KIND] ? nla_get_string(tb[TCA_KIND]) : "?");
	if (d->type == RTM_NEWTFILTER && !strcmp(s.kind, "u32") && tb[TCA_OPTIONS]) {
		struct nlattr *u[TCA_U32_MAX + 1];
		if (nla_parse_nested(u, TCA_U32_MAX, tb[TCA_OPTIONS], NULL) == 0) {
			s.ht = u[TCA_U32_DIVISOR] != NULL;
			s.links = u[TCA_U32_LINK] != NULL;
			if (u[TCA_U32_CLASSID])
				s.classid = nla_get_u32(u[TCA_U32_CLASSID]);
			if (u[TCA_U32_ACT])
				parse_acts(u[TCA_U32_ACT], &s);
		}
	}
	GROW(d->v, d->cap, d->n + 1);
	d->v[d->n++] = s;
	return 0;
}

/* Dump the qdiscs, classes (of ifindex) or filters (of ifindex under
 * parent) into *d (type: RTM_NEWQDISC, RTM_NEWTCLASS or RTM_NEWTFILTER). */
static int dump(struct tc_conn *c, int type, int ifindex, uint32_t parent, struct dump *d)
{
	_cleanup_msg_ struct nl_msg *msg =
	    tc_msg_bare(type == RTM_NEWQDISC ? RTM_GETQDISC : type == RTM_NEWTCLASS ? RTM_GETTCLASS
										: RTM_GETTFILTER,
			0, 64, ifindex, type == RTM_NEWTFILTER ? parent : 0, 0, 0);

	*d = (struct dump){ .type = type, .ifindex = ifindex };
	if (!msg)
		return -ENOMEM;
	return tc_dump(c, msg, parse_seen, d);
}

static const struct seen *find_handle(const struct dump *d, uint32_t handle)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].handle == handle)
			return &d->v[i];
	return NULL;
}

/* A filter entry (not a priority's head, whose handle is 0, nor a hash
 * table), as tc(8) prints it for a person. */
static bool is_entry(const struct seen *s)
{
	return s->handle && !s->ht;
}

static void filter_str(const struct seen *s, struct sbuf *out)
{
	sbuf_addf(out, "%s prio %u protocol %#x", s->kind, s->prio, s->protocol);
}

/* Is ifindex a link named erebus* of kind ifb? */
static bool erebus_ifb(struct tc_conn *c, int ifindex)
{
	struct tc_link li;

	return ifindex > 0 && tc_get_link_index(c, ifindex, &li) == 0 &&
	       !strncmp(li.name, EREBUS_LINK_PREFIX, strlen(EREBUS_LINK_PREFIX)) &&
	       !strcmp(li.kind, "ifb");
}

/* Is s (under ffff:) part of Erebus' redirect? Its priority's head and
 * hash table count as such; an entry must redirect, and only that. */
static bool is_redirect(struct tc_conn *c, const struct seen *s)
{
	if (s->prio != TC_PRIO_REDIRECT || s->protocol != ETH_P_ALL || strcmp(s->kind, "u32"))
		return false;
	if (!is_entry(s))
		return true;
	return s->n_acts == 1 && !s->links && !s->classid && erebus_ifb(c, s->redirect_to);
}

/* Is s (under Erebus' htb parent) one of a fault's steering filters? */
static bool is_steering(const struct seen *s, uint32_t parent)
{
	if (strcmp(s->kind, "u32"))
		return false;
	return !is_entry(s) || (TC_H_MAJ(s->classid) == TC_H_MAJ(parent) && !s->n_acts && !s->links);
}

/* The ingress qdisc r names: kind ingress, and nothing under it but
 * Erebus' redirect. */
static int prove_ingress(struct tc_conn *c, const struct undo_net *n, const struct seen *q,
			 struct sbuf *why)
{
	struct dump f;
	int e, v = TC_OURS;

	if (strcmp(q->kind, "ingress")) {
		sbuf_addf(why, "the qdisc at ffff: on ifindex %d is %s, not the ingress qdisc Erebus "
			       "made (Erebus never makes a clsact qdisc)", n->ifindex, q->kind);
		return TC_NOT_OURS;
	}
	if ((e = dump(c, RTM_NEWTFILTER, n->ifindex, TC_INGRESS_HANDLE, &f)) < 0)
		return e;
	for (size_t i = 0; i < f.n && v == TC_OURS; i++)
		if (!is_redirect(c, &f.v[i])) {
			sbuf_addf(why, "the ingress qdisc on ifindex %d has a filter Erebus did not make (",
				  n->ifindex);
			filter_str(&f.v[i], why);
			sbuf_add(why, "): only Erebus' own filter is removed from it");
			v = TC_NOT_OURS;
		}
	dump_free(&f);
	return v;
}

/* The filters at r's priority and protocol: under ffff:, Erebus' redirect;
 * under one of its qdiscs (an htb), its steering filters. */
static int prove_filter(struct tc_conn *c, const struct undo_net *n, struct sbuf *why)
{
	const bool redirect = n->parent == TC_INGRESS_HANDLE;
	struct dump q = { 0 }, f = { 0 };
	const struct seen *p;
	size_t found = 0;
	int e, v = TC_OURS;

	if ((e = dump(c, RTM_NEWQDISC, n->ifindex, 0, &q)) < 0)
		return e;
	p = find_handle(&q, n->parent);
	if (!p) {
		v = TC_GONE;	/* with its qdisc */
	} else if (strcmp(p->kind, redirect ? "ingress" : "htb")) {
		sbuf_addf(why, "the qdisc %x: on ifindex %d that the filter was under is %s now, not "
			       "the %s Erebus made", n->parent >> 16, n->ifindex, p->kind,
			  redirect ? "ingress" : "htb");
		v = TC_NOT_OURS;
	} else if ((e = dump(c, RTM_NEWTFILTER, n->ifindex, n->parent, &f)) < 0) {
		v = e;
	}
	for (size_t i = 0; v == TC_OURS && i < f.n; i++) {
		const struct seen *s = &f.v[i];
		if (s->prio != n->prio || s->protocol != n->protocol)
			continue;
		found++;
		if (redirect ? is_redirect(c, s) : is_steering(s, n->parent))
			continue;
		sbuf_addf(why, "the filter at prio %u on ifindex %d is not the one Erebus made (", n->prio,
			  n->ifindex);
		filter_str(s, why);
		sbuf_add(why, redirect ? ", not a redirect to an erebus ifb)" : ")");
		v = TC_NOT_OURS;
	}
	if (v == TC_OURS && !found)
		v = TC_GONE;
	dump_free(&q);
	dump_free(&f);
	return v;
}

/* A qdisc or class with a handle in Erebus' range: there with the kind
 * (and, for a qdisc, the parent) recorded? */
static int prove_handle(struct tc_conn *c, enum undo_kind kind, const struct undo_net *n,
			struct sbuf *why)
{
	const bool qdisc = kind == UNDO_TC_QDISC;
	struct dump d;
	const struct seen *s;
	char h[16];
	int e, v;

	if ((e = dump(c, qdisc ? RTM_NEWQDISC : RTM_NEWTCLASS, n->ifindex, 0, &d)) < 0)
		return e;
	s = find_handle(&d, n->handle);
	tc_handle_str(n->handle, h);
	if (!s)
		v = TC_GONE;
	else if (qdisc && n->handle == TC_INGRESS_HANDLE)
		v = prove_ingress(c, n, s, why);
	else if (strcmp(s->kind, n->name) || (qdisc && s->parent != n->parent)) {
		sbuf_addf(why, "the %s %s on ifindex %d is %s%s now, not the %s Erebus made",
			  qdisc ? "qdisc" : "class", h, n->ifindex, s->kind,
			  strcmp(s->kind, n->name) ? "" : " under another parent", n->name);
		v = TC_NOT_OURS;
	} else {
		v = TC_OURS;
	}
	dump_free(&d);
	return v;
}

int tc_prove(struct tc_conn *c, const struct undo_rec *r, char **ret_why)
{
	const struct undo_net *n = &r->net;
	struct sbuf why = { 0 };
	int v;

	*ret_why = NULL;
	if (!undo_is_tagged(r)) {
		sbuf_add(&why, "the record does not name an object Erebus tags");
		v = TC_NOT_OURS;
	} else if (r->kind == UNDO_LINK) {
		struct tc_link li;
		v = tc_get_link(c, n->name, &li);
		if (v == -ENODEV) {
			v = TC_GONE;
		} else if (v == 0 && strcmp(li.kind, "ifb")) {
			sbuf_addf(&why, "the link %s is %s now, not the ifb Erebus made", n->name,
				  *li.kind ? li.kind : "a device of no kind");
			v = TC_NOT_OURS;
		} else if (v == 0) {
			v = TC_OURS;
		}
	} else if (r->kind == UNDO_TC_FILTER) {
		v = prove_filter(c, n, &why);
	} else {
		v = prove_handle(c, r->kind, n, &why);
	}
	if (v == TC_NOT_OURS)
		*ret_why = sbuf_take(&why);
	sbuf_free(&why);
	return v;
}
