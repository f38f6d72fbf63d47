/* SPDX-License-Identifier: MIT */
/*
 * The tc fault types' common part: a configured fault (its section and
 * target) turned into the net_match and tc_leaf that src/net/tc acts on.
 * Contracts in faults/tcfault.h.
 */
#include "tcfault.h"

/* The TC_HAVE_* bits a fault needs: the tree, its leaf's qdisc, and for
 * ingress the ifb, ingress qdisc and mirred action. */
static unsigned needs_of(const struct net_match *m, const struct tc_leaf *leaf)
{
	return TC_NEED_TREE | (leaf->kind == TC_LEAF_NETEM ? TC_HAVE_NETEM : TC_HAVE_TBF) |
	       (m->direction == NET_INGRESS ? TC_NEED_INGRESS : 0);
}

int tc_fault_apply(struct fault_ctx *ctx, const struct tc_leaf *leaf, char **ret_err)
{
	struct net_match m;
	struct tc_leaf l = *leaf;
	_cleanup_free_ int16_t *dist = NULL;
	const char *why;
	int e;

	net_match_get(ctx->spec->sec, &m);
	if ((e = tc_supported(needs_of(&m, leaf), &why)) < 0) {
		*ret_err = xstrdup(why);
		return e;
	}
	if (l.kind == TC_LEAF_NETEM && l.dist_name) {
		if ((e = tc_dist_load(l.dist_name, &dist, &l.netem.dist_len, ret_err)) < 0)
			return e;
		l.netem.dist = dist;
	}
	return tc_apply(ctx->netns_fd, &m, &l, &ctx->undo, ret_err);
}

void tc_fault_describe(const struct fault_spec *f, const struct tc_leaf *leaf, struct sbuf *out)
{
	struct net_match m;
	const char *why;

	net_match_get(f->sec, &m);
	net_match_describe(&m, out);
	sbuf_add(out, "; in the target's network namespace it creates\n");
	tc_describe(&m, leaf, "            ", out);
	/* What the type needs, plan says from supported(); add what only
	 * this fault's direction needs (ingress: ifb, mirred, ingress). */
	if (tc_supported(needs_of(&m, leaf) & ~TC_NEED_INGRESS, &why) == 0 &&
	    tc_supported(needs_of(&m, leaf), &why) < 0)
		sbuf_addf(out, "\n            NOT SUPPORTED here: %s", why);
}

int tc_fault_supported(const struct fault_spec *f, const char **reason)
{
	struct net_match m;
	int e = f->type->supported ? f->type->supported(reason) : 0;

	if (e < 0)
		return e;
	net_match_get(f->sec, &m);
	return m.direction == NET_INGRESS ? tc_supported(TC_NEED_INGRESS, reason) : 0;
}

void tc_fault_check(const struct fault_spec *f, struct diag *d)
{
	net_match_check(f->sec, d);
}

/* A netns key as the name under /run/netns it stands for. */
static const char *netns_key(const char *s)
{
	return strncmp(s, "/run/netns/", 11) ? s : s + 11;
}

/* Known to be the same network namespace (see tc_fault_same_tree()). */
static bool same_netns(const struct target_spec *a, const struct target_spec *b)
{
	if (a == b)
		return true;
	if (!a || !b)
		return false;
	if (a->netns || b->netns)
		return a->netns && b->netns && !strcmp(netns_key(a->netns), netns_key(b->netns));
	return a->host >= 0 && a->host == b->host;
}

bool tc_fault_same_tree(const struct fault_spec *a, const struct fault_spec *b)
{
	struct net_match ma, mb;

	net_match_get(a->sec, &ma);
	net_match_get(b->sec, &mb);
	return ma.interface && mb.interface && !strcmp(ma.interface, mb.interface) &&
	       ma.direction == mb.direction && same_netns(a->target, b->target);
}
