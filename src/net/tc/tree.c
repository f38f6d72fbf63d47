/* SPDX-License-Identifier: MIT */
/*
 * The registry of trees: which trees this run built, in which namespace,
 * on which interface and direction, which slots they hold and how many
 * faults share each shared part. tc_apply() builds or joins a tree and
 * pushes an undo record before each change; tc_undo() replays one record,
 * removing a shared part only with its last user; tc_exists() asks the
 * kernel whether an undone object is still there.
 */
#include <arpa/inet.h>

#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/rtnetlink.h>

#include "erebus/netns.h"
#include "tc-internal.h"

/* ---- the tree registry -------------------------------------------------------------- */

enum part { PART_ROOT, PART_IFB, PART_INGRESS, PART_REDIRECT, PART_N, PART_NONE = -1 };

struct tree {
	struct tree *next;
	unsigned long netns;
	int dev;		/* the interface the faults name */
	int ifindex;		/* where the htb root is: dev, or the ifb */
	bool ingress;
	char devname[IFNAMSIZ], ifb[IFNAMSIZ];
	unsigned refs[PART_N];
	uint8_t used[16];
	struct tc_conn *conn;
};

static struct tree *trees;

static struct tree *tree_find(unsigned long netns, int dev, bool ingress)
{
	for (struct tree *t = trees; t; t = t->next)
		if (t->netns == netns && t->dev == dev && t->ingress == ingress)
			return t;
	return NULL;
}

static void tree_maybe_free(struct tree *t)
{
	for (int i = 0; i < PART_N; i++)
		if (t->refs[i])
			return;
	if (!tc_slots_empty(t->used))
		return;
	for (struct tree **p = &trees; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	tc_conn_put(t->conn);
	free(t);
}

/* Which shared part of which live tree r is (PART_NONE: a fault's own
 * object, *ret its tree if that is live; NULL: no live tree knows it). */
static enum part classify(const struct undo_rec *r, unsigned long netns, struct tree **ret)
{
	const struct undo_net *n = &r->net;
	bool own;

	*ret = NULL;
	for (struct tree *t = trees; t; t = t->next) {
		enum part p = PART_NONE;
		if (t->netns != netns)
			continue;
		if (r->kind == UNDO_LINK && t->ingress && !strcmp(t->ifb, n->name))
			p = PART_IFB;
		else if (r->kind == UNDO_TC_QDISC && n->parent == TC_H_ROOT && n->handle == TC_ROOT_HANDLE &&
			 n->ifindex == t->ifindex)
			p = PART_ROOT;
		else if (r->kind == UNDO_TC_QDISC && n->parent == TC_H_INGRESS && t->ingress && n->ifindex == t->dev)
			p = PART_INGRESS;
		else if (r->kind == UNDO_TC_FILTER && n->parent == TC_INGRESS_HANDLE &&
			 n->prio == TC_PRIO_REDIRECT && t->ingress && n->ifindex == t->dev)
			p = PART_REDIRECT;
		if (p != PART_NONE) {
			*ret = t;
			return p;
		}
	}
	/* A fault's class, leaf or filter: under the root of the tree on its ifindex. */
	own = (r->kind == UNDO_TC_CLASS || r->kind == UNDO_TC_FILTER || r->kind == UNDO_TC_QDISC) &&
	      TC_H_MAJ(r->kind == UNDO_TC_CLASS ? r->net.handle : n->parent) == TC_ROOT_HANDLE;
	for (struct tree *t = trees; own && t; t = t->next)
		if (t->netns == netns && t->ifindex == n->ifindex) {
			*ret = t;
			break;
		}
	return PART_NONE;
}

int tc_undo(const struct undo_rec *r, char **ret_why)
{
	unsigned long netns = netns_id(r->net.netns_fd);
	struct tree *t;
	enum part part = classify(r, netns, &t);
	struct tc_conn *c = NULL;
	struct nl_msg *msg;
	int e;

	*ret_why = NULL;
	if (t && part != PART_NONE && t->refs[part] > 1) {
		t->refs[part]--;	/* another fault still needs it */
		return 0;
	}
	if (t) {
		c = t->conn;
		c->refs++;
	} else if ((e = tc_conn_get(r->net.netns_fd, &c)) < 0) {
		return e;
	}
	e = tc_prove(c, r, ret_why);
	if (e == TC_OURS) {
		e = tc_msg_delete(&r->net, r->kind, &msg);
		e = tc_send_built(c, e, &msg);
		/* Gone since it was read back (ENOENT, ENODEV). */
		if (e == -ENOENT || e == -ENODEV)
			e = 0;
	} else if (e >= 0) {
		e = e == TC_NOT_OURS ? UNDO_LEFT_ALONE : 0;
	}
	if (e >= 0 && t) {	/* closed: undone, gone, or never Erebus' to undo */
		if (part != PART_NONE)
			t->refs[part] = 0;
		if (r->kind == UNDO_TC_CLASS && TC_H_MAJ(r->net.handle) == TC_ROOT_HANDLE)
			tc_slot_release(t->used, TC_H_MIN(r->net.handle));
	}
	tc_conn_put(c);
	if (t)
		tree_maybe_free(t);
	return e;
}

int tc_owned(const struct undo_rec *r, char **ret_why)
{
	struct tc_conn *c;
	int e;

	*ret_why = NULL;
	if ((e = tc_conn_get(r->net.netns_fd, &c)) < 0)
		return e;
	e = tc_prove(c, r, ret_why);
	tc_conn_put(c);
	return e < 0 ? e : e == TC_NOT_OURS ? UNDO_LEFT_ALONE : 0;
}

/* What a dump is searched for: a message of type on ifindex with that
 * handle (qdisc, class), or that priority and protocol (filter). */
struct wanted {
	int type, ifindex;
	uint32_t handle, info;
	bool found;
};

static int parse_wanted(struct nlmsghdr *nlh, void *arg)
{
	struct wanted *w = arg;
	const struct tcmsg *t = nlmsg_data(nlh);

	if (nlh->nlmsg_type != w->type || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*t)) ||
	    t->tcm_ifindex != w->ifindex)
		return 0;
	if (w->type == RTM_NEWTFILTER ? t->tcm_info == w->info : t->tcm_handle == w->handle)
		w->found = true;
	return 0;
}

/*
 * Dumps rather than single gets: a get answers "no such object" with
 * errors that also mean "bad request" (a filter get even needs the
 * filter's own handle), while a dump of what is there cannot be misread.
 * The interface is named by index: after an ifb is deleted, its index
 * names nothing (an empty dump) until the kernel reuses it.
 */
int tc_exists(const struct undo_rec *r)
{
	const struct undo_net *n = &r->net;
	struct wanted w = { .ifindex = n->ifindex, .handle = n->handle };
	_cleanup_msg_ struct nl_msg *msg = NULL;
	struct tc_conn *c = NULL;
	int e;

	if ((e = tc_conn_get(n->netns_fd, &c)) < 0)
		return e;
	switch (r->kind) {
	case UNDO_LINK: {	/* by name, as tc_undo() deletes it */
		struct tc_link li;
		e = tc_get_link(c, n->name, &li);
		e = e == 0 ? 1 : e == -ENODEV ? 0 : e;
		goto out;
	}
	case UNDO_TC_QDISC:	/* every qdisc of the namespace: the kernel ignores the index */
		w.type = RTM_NEWQDISC;
		msg = tc_msg_bare(RTM_GETQDISC, 0, 64, n->ifindex, 0, 0, 0);
		break;
	case UNDO_TC_CLASS:	/* every class of the interface */
		w.type = RTM_NEWTCLASS;
		msg = tc_msg_bare(RTM_GETTCLASS, 0, 64, n->ifindex, 0, 0, 0);
		break;
	case UNDO_TC_FILTER:	/* the filters of that priority and protocol under parent */
		w.type = RTM_NEWTFILTER;
		w.info = TC_H_MAKE((uint32_t)n->prio << 16, htons(n->protocol));
		msg = tc_msg_bare(RTM_GETTFILTER, 0, 64, n->ifindex, n->parent, 0, w.info);
		break;
	default:
		e = -EINVAL;
		goto out;
	}
	if (!msg) {
		e = -ENOMEM;
		goto out;
	}
	e = tc_dump(c, msg, parse_wanted, &w);
	if (e == 0)
		e = w.found;
out:
	tc_conn_put(c);
	return e;
}

/* ---- apply ----------------------------------------------------------------------------- */

struct applying {
	int netns_fd;
	struct tc_conn *c;
	struct tree *t;
	struct undo_list *undo;
	char **ret_err;
};

/* Push the record, then (if part is shared) count the reference. */
static int push(struct applying *a, enum undo_kind kind, enum part part, int ifindex, uint32_t parent,
		uint32_t handle, uint16_t prio, uint16_t protocol, const char *name)
{
	struct undo_rec r = { .kind = kind };
	int e;

	r.net = (struct undo_net){ .netns_fd = a->netns_fd, .ifindex = ifindex, .parent = parent,
				   .handle = handle, .prio = prio, .protocol = protocol };
	snprintf(r.net.name, sizeof(r.net.name), "%s", name);
	e = undo_push(a->undo, &r);
	if (e < 0) {
		*a->ret_err = xasprintf("cannot record how to undo the change (%s): %s", name, strerror(-e));
		return e;
	}
	if (part != PART_NONE)
		a->t->refs[part]++;
	return 0;
}

/* A create request failed with EEXIST: it changed nothing, so its record
 * (the last pushed) must not remove what someone else made. */
static void disown_last(struct applying *a, enum part part)
{
	undo_disown(a->undo);
	if (part != PART_NONE && a->t->refs[part])
		a->t->refs[part]--;
}

static int create(struct applying *a, enum part part, int built, struct nl_msg **msg, const char *fmt, ...)
	_printf_(5, 6);
static int create(struct applying *a, enum part part, int built, struct nl_msg **msg, const char *fmt, ...)
{
	int e = tc_send_built(a->c, built, msg);

	if (e < 0) {
		struct sbuf what = { 0 };
		va_list ap;

		va_start(ap, fmt);
		sbuf_vaddf(&what, fmt, ap);
		va_end(ap);
		if (e == -EEXIST)
			disown_last(a, part);
		if (built < 0)
			*a->ret_err = xasprintf("cannot build the request to create %s: %s", what.s, strerror(-e));
		else
			*a->ret_err = tc_fail_msg(a->c, e, "cannot create %s", what.s);
		sbuf_free(&what);
	}
	return e;
}

/* A qdisc, as get_qdisc() reads it. */
struct qdisc_info {
	bool found;
	uint32_t handle;
	char kind[32];
};

static int parse_qdisc(struct nlmsghdr *nlh, void *arg)
{
	struct qdisc_info *qi = arg;
	struct nlattr *tb[TCA_MAX + 1];
	struct tcmsg *t = nlmsg_data(nlh);

	if (nlh->nlmsg_type != RTM_NEWQDISC || nlmsg_parse(nlh, sizeof(*t), tb, TCA_MAX, NULL) < 0)
		return 0;
	qi->found = true;
	qi->handle = t->tcm_handle;
	snprintf(qi->kind, sizeof(qi->kind), "%s", tb[TCA_KIND] ? nla_get_string(tb[TCA_KIND]) : "?");
	return 0;
}

/* The qdisc at parent (TC_H_ROOT or TC_H_INGRESS) of ifindex, if any. */
static int get_qdisc(struct tc_conn *c, int ifindex, uint32_t parent, struct qdisc_info *ret)
{
	/* The kernel answers a single-qdisc get as a notification: only to
	 * the group, unless NLM_F_ECHO asks for it to come back to us. */
	_cleanup_msg_ struct nl_msg *msg =
	    tc_msg_bare(RTM_GETQDISC, NLM_F_ECHO, 64, ifindex, parent, 0, 0);
	int r;

	*ret = (struct qdisc_info){ 0 };
	if (!msg)
		return -ENOMEM;
	r = tc_talk(c, msg, parse_qdisc, ret);
	/* None there (ENOENT), or only the built-in noop (EINVAL: nothing to show). */
	if (r == -ENOENT || r == -EINVAL)
		r = 0;
	return r;
}

/* Refuse an interface whose root (or ingress) qdisc someone else made. */
static int check_free(struct applying *a, const struct tc_link *dev, const char *ifname,
		      bool ingress)
{
	struct qdisc_info qi;
	char h[16];
	int e = get_qdisc(a->c, dev->ifindex, ingress ? TC_H_INGRESS : TC_H_ROOT, &qi);

	if (e < 0) {
		*a->ret_err = tc_fail_msg(a->c, e, "cannot read the qdiscs of %s", ifname);
		return e;
	}
	if (!qi.found || (!ingress && !TC_H_MAJ(qi.handle)))
		return 0;	/* the kernel's default (handle 0:): replacing it is fine */
	tc_handle_str(qi.handle, h);
	if (!ingress && TC_H_MAJ(qi.handle) == TC_ROOT_HANDLE)
		*a->ret_err = xasprintf("%s already has an Erebus tree (qdisc %s %s root) that this run did not "
					"make: another Erebus run is acting on it, or one was killed; remove it "
					"with `tc qdisc del dev %s root` once no run uses it",
					ifname, qi.kind, h, ifname);
	else
		*a->ret_err = xasprintf("%s already has %s qdisc (%s %s) that Erebus did not create; Erebus "
					"never replaces a qdisc it did not create: remove it, or choose "
					"another interface",
					ifname, ingress ? "an ingress" : "a root", qi.kind, h);
	return -EBUSY;
}

/* Make (or join) the tree of m on dev. */
static int tree_enter(struct applying *a, const struct net_match *m, const struct tc_link *dev)
{
	const bool ingress = m->direction == NET_INGRESS;
	unsigned long netns = netns_id(a->netns_fd);
	struct tree *t = tree_find(netns, dev->ifindex, ingress);
	struct nl_msg *msg = NULL;
	int e;

	if (t) {	/* join: a reference on every shared part */
		a->t = t;
		if (ingress &&
		    ((e = push(a, UNDO_LINK, PART_IFB, t->ifindex, 0, 0, 0, 0, t->ifb)) < 0 ||
		     (e = push(a, UNDO_TC_QDISC, PART_ROOT, t->ifindex, TC_H_ROOT, TC_ROOT_HANDLE,
			       0, 0, "htb")) < 0 ||
		     (e = push(a, UNDO_TC_QDISC, PART_INGRESS, t->dev, TC_H_INGRESS,
			       TC_INGRESS_HANDLE, 0, 0, "ingress")) < 0 ||
		     (e = push(a, UNDO_TC_FILTER, PART_REDIRECT, t->dev, TC_INGRESS_HANDLE, 0,
			       TC_PRIO_REDIRECT, ETH_P_ALL, "u32")) < 0))
			return e;
		if (!ingress && (e = push(a, UNDO_TC_QDISC, PART_ROOT, t->ifindex, TC_H_ROOT, TC_ROOT_HANDLE, 0,
					  0, "htb")) < 0)
			return e;
		return 0;
	}

	if ((e = check_free(a, dev, m->interface, ingress)) < 0)
		return e;
	t = xcalloc(1, sizeof(*t));
	t->netns = netns;
	t->dev = t->ifindex = dev->ifindex;
	t->ingress = ingress;
	snprintf(t->devname, sizeof(t->devname), "%s", m->interface);
	t->conn = a->c;
	a->c->refs++;
	t->next = trees;
	trees = t;
	a->t = t;

	if (ingress) {
		struct tc_link ifb;
		tc_ifb_name(dev->ifindex, t->ifb);
		e = tc_get_link(a->c, t->ifb, &ifb);
		if (e == 0) {
			*a->ret_err = xasprintf("a link named %s already exists: an earlier Erebus run was killed, "
						"or another one acts on %s; delete it with `ip link del %s` once "
						"no run uses it",
						t->ifb, m->interface, t->ifb);
			return -EBUSY;	/* tc_apply() forgets the tree */
		}
		if ((e = push(a, UNDO_LINK, PART_IFB, 0, 0, 0, 0, 0, t->ifb)) < 0 ||
		    (e = create(a, PART_IFB, tc_msg_ifb(t->ifb, &msg), &msg, "link %s (ifb)", t->ifb)) < 0)
			return e;
		if ((e = tc_get_link(a->c, t->ifb, &ifb)) < 0) {
			*a->ret_err =
			    tc_fail_msg(a->c, e, "cannot find the link %s just made", t->ifb);
			return e;
		}
		t->ifindex = ifb.ifindex;
		a->undo->v[a->undo->n - 1].net.ifindex = ifb.ifindex;
		if ((e = push(a, UNDO_TC_QDISC, PART_ROOT, t->ifindex, TC_H_ROOT, TC_ROOT_HANDLE, 0, 0, "htb")) < 0 ||
		    (e = create(a, PART_ROOT, tc_msg_htb_root(t->ifindex, TC_DIRECT_QLEN, &msg), &msg,
				"qdisc htb eb00: root on %s", t->ifb)) < 0)
			return e;
		if ((e = push(a, UNDO_TC_QDISC, PART_INGRESS, t->dev, TC_H_INGRESS,
			      TC_INGRESS_HANDLE, 0, 0, "ingress")) < 0 ||
		    (e = create(a, PART_INGRESS, tc_msg_ingress(t->dev, &msg), &msg,
				"qdisc ingress on %s", m->interface)) < 0)
			return e;
		if ((e = push(a, UNDO_TC_FILTER, PART_REDIRECT, t->dev, TC_INGRESS_HANDLE, 0,
			      TC_PRIO_REDIRECT, ETH_P_ALL, "u32")) < 0 ||
		    (e = create(a, PART_REDIRECT, tc_msg_redirect(t->dev, t->ifindex, &msg), &msg,
				"the filter redirecting %s's ingress to %s", m->interface,
				t->ifb)) < 0)
			return e;
		return 0;
	}
	if ((e = push(a, UNDO_TC_QDISC, PART_ROOT, t->ifindex, TC_H_ROOT, TC_ROOT_HANDLE, 0, 0, "htb")) < 0)
		return e;
	return create(a, PART_ROOT,
		      tc_msg_htb_root(t->ifindex, dev->txqlen > TC_DIRECT_QLEN ? dev->txqlen : TC_DIRECT_QLEN, &msg),
		      &msg, "qdisc htb eb00: root on %s", m->interface);
}

int tc_apply(int netns_fd, const struct net_match *m, const struct tc_leaf *leaf, struct undo_list *undo,
	     char **ret_err)
{
	struct applying a = { .netns_fd = netns_fd, .undo = undo, .ret_err = ret_err };
	_cleanup_free_ struct tc_filter *fl = NULL;
	struct tc_link dev;
	struct nl_msg *msg = NULL;
	struct tc_slot hs;
	size_t nf;
	char h[16];
	int e, s;

	*ret_err = NULL;
	if ((e = tc_conn_get(netns_fd, &a.c)) < 0) {
		*ret_err = xasprintf("cannot open a netlink socket in the target's network namespace: %s",
				     strerror(-e));
		return e;
	}
	e = tc_get_link(a.c, m->interface, &dev);
	if (e < 0) {
		*ret_err = e == -ENODEV
			       ? xasprintf("no interface %s in the target's network namespace",
					   m->interface)
			       : tc_fail_msg(a.c, e, "cannot look up interface %s", m->interface);
		goto out;
	}
	if ((e = tree_enter(&a, m, &dev)) < 0)
		goto out;

	s = tc_slot_take(a.t->used);
	if (s < 0) {
		e = s;
		*ret_err = xasprintf("%s %s already carries %d faults, the most one interface can", m->interface,
				     tc_direction_choices[m->direction], TC_SLOTS);
		goto out;
	}
	hs = tc_slot((unsigned)s, net_match_targeted(m));
	tc_handle_str(hs.classid, h);
	/* The class record frees the slot when it is replayed, even if
	 * creating the class fails. */
	if ((e = push(&a, UNDO_TC_CLASS, PART_NONE, a.t->ifindex, TC_ROOT_HANDLE, hs.classid, 0, 0, "htb")) < 0) {
		tc_slot_release(a.t->used, hs.slot);
		goto out;
	}
	if ((e = create(&a, PART_NONE, tc_msg_pass_class(a.t->ifindex, hs.classid, &msg), &msg,
			"class htb %s on %s", h, a.t->ingress ? a.t->ifb : m->interface)) < 0)
		goto out;

	if (leaf->kind == TC_LEAF_NETEM) {
		if ((e = push(&a, UNDO_TC_QDISC, PART_NONE, a.t->ifindex, hs.classid, hs.leaf, 0, 0, "netem")) < 0)
			goto out;
		e = create(&a, PART_NONE, tc_msg_netem(a.t->ifindex, hs.classid, hs.leaf, &leaf->netem, &msg), &msg,
			   "qdisc netem %x: on %s", hs.leaf >> 16, a.t->ingress ? a.t->ifb : m->interface);
		if (e == -ENOENT && strstr(a.c->ack.msg, "kind is unknown")) {
			free(*ret_err);
			*ret_err = xstrdup(TC_MODULE_HINT("sch_netem"));
		} else if (e == -EINVAL && strstr(a.c->ack.msg, TC_NETEM_DUP_RULE)) {
			/* The kernel's words stay as they are; what to do follows. */
			char *why = xasprintf("%s; Linux allows no other netem on %s %s while one duplicates "
					      "packets there: give the duplicate fault a window of its own (at, "
					      "duration), or another interface or direction",
					      *ret_err, m->interface, tc_direction_choices[m->direction]);
			free(*ret_err);
			*ret_err = why;
		}
	} else {
		struct tc_tbf tbf = leaf->tbf;
		tc_tbf_resolve(&tbf, dev.mtu);
		if ((e = push(&a, UNDO_TC_QDISC, PART_NONE, a.t->ifindex, hs.classid, hs.leaf, 0, 0, "tbf")) < 0)
			goto out;
		e = create(&a, PART_NONE, tc_msg_tbf(a.t->ifindex, hs.classid, hs.leaf, &tbf, &msg), &msg,
			   "qdisc tbf %x: on %s", hs.leaf >> 16, a.t->ingress ? a.t->ifb : m->interface);
	}
	if (e < 0)
		goto out;

	nf = tc_filters(m, &fl);
	for (size_t i = 0; i < nf; i++) {
		bool first = true;
		/* One record per (priority, protocol): it removes all of them. */
		for (size_t j = 0; j < i; j++)
			first &= fl[j].protocol != fl[i].protocol;
		if (first && (e = push(&a, UNDO_TC_FILTER, PART_NONE, a.t->ifindex, TC_ROOT_HANDLE, 0, hs.prio,
				       fl[i].protocol, "u32")) < 0)
			goto out;
		if ((e = create(&a, PART_NONE, tc_msg_u32(a.t->ifindex, TC_ROOT_HANDLE, hs.prio, &fl[i], hs.classid, &msg),
				&msg, "filter u32 prio %#x on %s", hs.prio, a.t->ingress ? a.t->ifb : m->interface)) < 0)
			goto out;
	}
	e = 0;
out:
	if (e < 0 && a.t)
		tree_maybe_free(a.t);	/* a tree nothing was recorded for yet */
	tc_conn_put(a.c);
	return e;
}
