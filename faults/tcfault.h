/* SPDX-License-Identifier: MIT */
/*
 * Shared by the tc fault types (delay, loss, corrupt, duplicate, reorder,
 * rate): the glue between the fault interface (erebus/fault.h) and the
 * shaping tree (erebus/tc.h), so that src/net/tc never sees a fault_spec.
 * Not a fault type itself; faults/faults.def does not list it.
 */
#ifndef EREBUS_FAULTS_TCFAULT_H
#define EREBUS_FAULTS_TCFAULT_H

#include "erebus/fault.h"
#include "erebus/tc.h"

/* supported_spec() of every tc fault: the type's supported(), and for
 * ingress the ifb device, the ingress qdisc and the mirred action. */
int tc_fault_supported(const struct fault_spec *f, const char **reason);

/* apply(): ctx's section gives the match; leaf the qdisc. Checks the
 * needs of the direction first, so a missing ifb fails before any change;
 * loads leaf's distribution table, if it names one. Returns 0, or -errno
 * with *ret_err (caller frees). */
int tc_fault_apply(struct fault_ctx *ctx, const struct tc_leaf *leaf, char **ret_err);

/* describe(): after the caller's "delay 100ms", appends " on eth0 egress
 * ...", then the tc_describe() lines, then what this kernel lacks for the
 * fault's direction, if anything. */
void tc_fault_describe(const struct fault_spec *f, const struct tc_leaf *leaf, struct sbuf *out);

/* check(): net_match_check(); the whole check() of a type with no
 * cross-field rules of its own. */
void tc_fault_check(const struct fault_spec *f, struct diag *d);

/*
 * True when tc faults a and b are known, from the experiment alone, to act
 * on the same tree: the same interface and direction, in the same network
 * namespace (the same target, or none; targets naming the same netns or
 * the same sandbox host). Two targets that pick processes are not known
 * to share a namespace, even if they do.
 */
bool tc_fault_same_tree(const struct fault_spec *a, const struct fault_spec *b);

/*
 * apply() and describe() of tc fault type NAME, from two functions its file
 * defines: NAME_leaf(section, &leaf), the qdisc the section asks for, and
 * NAME_headline(f, &leaf, out), the start of the description ("delay
 * 100ms"). tc_fault_apply() and tc_fault_describe() do the rest.
 */
#define TC_FAULT_OPS(t)                                                                            \
	static int t##_apply(struct fault_ctx *ctx, char **ret_err)                                \
	{                                                                                          \
		struct tc_leaf l;                                                                  \
		t##_leaf(ctx->spec->sec, &l);                                                      \
		return tc_fault_apply(ctx, &l, ret_err);                                           \
	}                                                                                          \
	static void t##_describe(const struct fault_spec *f, struct sbuf *out)                     \
	{                                                                                          \
		struct tc_leaf l;                                                                  \
		t##_leaf(f->sec, &l);                                                              \
		t##_headline(f, &l, out);                                                          \
		tc_fault_describe(f, &l, out);                                                     \
	}

#endif
