/* SPDX-License-Identifier: MIT */
/*
 * Traffic control over netlink (libnl-route-3): the shaping tree behind the
 * delay, loss, corrupt, duplicate, reorder and rate faults. No tc, ip or
 * shell process: every object is one acknowledged netlink request.
 *
 * One tree per (network namespace, interface, direction). On egress it
 * hangs on the interface; on ingress on an ifb device that an ingress
 * qdisc's filter redirects every arriving packet to (mirred). Its objects,
 * all in the reserved range of majors 0xEB00-0xEBFF:
 *
 *   qdisc htb eb00: root default 0       shared by every fault of the tree;
 *                                        unclassified traffic takes htb's
 *                                        direct queue: not shaped at all
 *   class htb eb00:S parent eb00:        one per fault (slot S, 1-127), at a
 *                                        pass-through rate (TC_PASS_RATE)
 *   qdisc netem|tbf (eb00+S): parent eb00:S   the fault itself
 *   filter u32 parent eb00: prio P       steer the fault's traffic into
 *                                        eb00:S; P = 0xeb00+S for targeted
 *                                        faults, 0xeb80+S for whole-interface
 *                                        ones (so targeted ones match first)
 * and for ingress, in addition:
 *   link erebus-in<ifindex> (ifb)        up, txqueuelen 1000
 *   qdisc ingress ffff: on the interface
 *   filter u32 parent ffff: prio 0xeb00 protocol all, action mirred egress
 *                                        redirect to the ifb
 *
 * Erebus never replaces a qdisc it did not create: a tree is only built on
 * an interface whose root qdisc is the kernel's default (handle 0:, such as
 * noqueue, pfifo_fast, mq, fq_codel), and for ingress that has no ingress
 * or clsact qdisc. Shared objects (root, ifb, ingress qdisc, redirect) are
 * reference-counted in a registry: every fault that uses one pushes an undo
 * record for it, and only the last one replayed removes it.
 */
#ifndef EREBUS_TC_H
#define EREBUS_TC_H

#include <stdint.h>

#include <linux/pkt_sched.h>

#include "erebus/netfault.h"
#include "erebus/undo.h"

struct nl_msg;

#define TC_MAJOR	  0xEB00u
#define TC_ROOT_HANDLE	  (TC_MAJOR << 16)		/* eb00: */
#define TC_SLOTS	  127				/* faults per tree */
#define TC_PRIO_REDIRECT  EREBUS_TC_PRIO_REDIRECT	/* on the ingress qdisc */
#define TC_IFB_PREFIX	  "erebus-in"
#define TC_PASS_RATE	  1000000000000ULL		/* bit/s: 1Tbit, never the limit */
#define TC_QUANTUM	  200000			/* bytes; htb's own ceiling */
#define TC_DIRECT_QLEN	  1000				/* packets, at least */
#define TC_NETEM_LIMIT	  1000				/* packets: netem's default */

/* Linux 6.3 added TCA_NETEM_PRNG_SEED right after TCA_NETEM_SLOT_DIST;
 * older <linux/pkt_sched.h> (Debian 12 ships 6.1's) lack the name. */
#define TC_NETEM_PRNG_SEED	  (TCA_NETEM_SLOT_DIST + 1)
#define TC_NETEM_ATTR_MAX	  TC_NETEM_PRNG_SEED

/* egress, ingress: the direction choices of a tc fault (no "both"). */
extern const char *const tc_direction_choices[];

/* The handles of slot s. */
struct tc_slot {
	unsigned slot;		/* 1..TC_SLOTS */
	uint32_t classid;	/* eb00:s */
	uint32_t leaf;		/* (eb00+s):0 */
	uint16_t prio;		/* filter priority */
};
struct tc_slot tc_slot(unsigned slot, bool targeted);
/* Take the lowest free slot of used (bit s of the 128-bit map: slot s in
 * use). Returns the slot, or -ENOSPC when all TC_SLOTS are taken. */
int tc_slot_take(uint8_t used[16]);
void tc_slot_release(uint8_t used[16], unsigned slot);

/* The ifb of the ingress tree of interface ifindex: "erebus-in<ifindex>". */
void tc_ifb_name(int ifindex, char buf[static 16]);

/* ---- leaf qdiscs ----------------------------------------------------------- */

enum tc_loss_model { TC_LOSS_RANDOM, TC_LOSS_GE, TC_LOSS_GI };

/* netem parameters. Probabilities are percent (0..100); zero means off. */
struct tc_netem {
	uint32_t limit;				/* packets; 0: TC_NETEM_LIMIT */
	uint64_t latency_ns, jitter_ns;
	double delay_corr;
	const int16_t *dist;			/* delay distribution table, NULL: uniform */
	size_t dist_len;
	enum tc_loss_model loss_model;
	double loss, loss_corr;			/* TC_LOSS_RANDOM */
	double ge_p, ge_r, ge_1h, ge_1k;	/* TC_LOSS_GE: tc's p, r, 1-h, 1-k */
	double gi_p13, gi_p31, gi_p32, gi_p23, gi_p14;	/* TC_LOSS_GI */
	double duplicate, dup_corr;
	double corrupt, corrupt_corr;
	double reorder, reorder_corr;
	uint32_t gap;				/* 0 with reorder: 1, as tc */
	uint64_t rate_bps;			/* bit/s; 0: none */
	bool seed_set;
	uint64_t seed;
};

/* tbf parameters; zero burst or limit: tc_tbf_resolve() picks them. */
struct tc_tbf {
	uint64_t rate_bps;	/* bit/s */
	uint32_t burst;		/* bytes */
	uint32_t limit;		/* bytes queued at most */
};
/*
 * The defaults that work: burst = 10 ms at the rate, at least two
 * full-size frames of an mtu-byte interface; limit = burst + 100 ms at the
 * rate, so queueing adds at most 100 ms. Fills what t leaves zero.
 */
void tc_tbf_resolve(struct tc_tbf *t, unsigned mtu);

enum tc_leaf_kind { TC_LEAF_NETEM, TC_LEAF_TBF };
struct tc_leaf {
	enum tc_leaf_kind kind;
	struct tc_netem netem;
	struct tc_tbf tbf;
	const char *dist_name;	/* netem: "normal", ...; NULL: uniform */
};

/* Percent (0..100) as netem's scaled u32: rint(pct / 100 * UINT32_MAX). */
uint32_t tc_percent_u32(double pct);

/*
 * Load a delay distribution table (NAME.dist as iproute2 ships it: under
 * $TC_LIB_DIR, /usr/lib/<multiarch>/tc, /usr/lib/tc, /usr/lib64/tc,
 * /usr/local/lib/tc). Returns 0 with *ret (caller frees) and *ret_n values,
 * or -errno with *ret_err saying where it looked.
 */
int tc_dist_load(const char *name, int16_t **ret, size_t *ret_n, char **ret_err);
/* Where NAME.dist is, or NULL (static buffer). */
const char *tc_dist_path(const char *name);

/* ---- filters ----------------------------------------------------------------- */

/* One u32 key: the 32-bit word at off (from the network header), masked.
 * val and mask are in network byte order, as the kernel compares them. */
struct tc_key {
	uint32_t val, mask;
	int off;
};

/* One u32 filter: a peer (or none), one transport protocol (or any). */
struct tc_filter {
	uint16_t protocol;		/* ETH_P_IP, ETH_P_IPV6 or ETH_P_ALL, host order */
	const struct cidr *peer;	/* NULL: any peer (borrowed) */
	uint8_t l4proto;		/* IPPROTO_*; 0: any */
	uint16_t port;			/* the peer's port; 0: any */
	unsigned n_keys;
	struct tc_key keys[8];
};

/*
 * Expand a match into u32 filters: per destination (or, with none, one
 * per family; with nothing targeted, one catch-all of protocol all), per
 * transport protocol (tcp and udp when only a port is given). On egress
 * the peer is the destination address and port; on ingress the source.
 * Returns the count; *ret is the caller's to free.
 */
size_t tc_filters(const struct net_match *m, struct tc_filter **ret);

/* ---- messages (pure: build, never send) ------------------------------------- */

/* Each returns 0 and *ret (free with nlmsg_free()), or -errno. */
int tc_msg_htb_root(int ifindex, uint32_t direct_qlen, struct nl_msg **ret);
int tc_msg_pass_class(int ifindex, uint32_t classid, struct nl_msg **ret);
int tc_msg_netem(int ifindex, uint32_t parent, uint32_t handle, const struct tc_netem *p,
		 struct nl_msg **ret);
int tc_msg_tbf(int ifindex, uint32_t parent, uint32_t handle, const struct tc_tbf *t,
	       struct nl_msg **ret);
int tc_msg_u32(int ifindex, uint32_t parent, uint16_t prio, const struct tc_filter *f,
	       uint32_t classid, struct nl_msg **ret);
int tc_msg_ingress(int ifindex, struct nl_msg **ret);
int tc_msg_redirect(int ifindex, int to_ifindex, struct nl_msg **ret);
int tc_msg_ifb(const char *name, struct nl_msg **ret);

/* ---- the tree ------------------------------------------------------------------- */

/*
 * Build what m and leaf need in netns_fd (-1: Erebus' own namespace):
 * the tree if the interface has none from this run yet, then the fault's
 * class, leaf and filters. An undo record is pushed to undo before each
 * change (and one for each shared object the fault joins). Returns 0, or
 * -errno with *ret_err (caller frees); on failure, replaying undo removes
 * whatever was made. Each request blocks until the kernel acknowledges it
 * (inside the request's sendmsg(); 5 s at most after it, then -ETIMEDOUT),
 * as do tc_undo(), tc_exists() and tc_probe()'s requests.
 */
int tc_apply(int netns_fd, const struct net_match *m, const struct tc_leaf *leaf,
	     struct undo_list *undo, char **ret_err);

/*
 * Undo one record (UNDO_TC_QDISC, UNDO_TC_CLASS, UNDO_TC_FILTER, UNDO_LINK)
 * in the namespace of r->net.netns_fd; "already gone" is success. A shared
 * part of a tree this run still uses (root, ifb, ingress qdisc, redirect)
 * is removed by the last of its records replayed; the others only drop a
 * reference. Before deleting, the object is read back from the kernel and
 * proved to be the one Erebus made: a qdisc or class with a handle in
 * Erebus' range of the kind recorded (and a qdisc under the parent
 * recorded); an ingress qdisc (never a clsact) with nothing under it but
 * Erebus' redirect; filters under ffff: only at Erebus' priority, each a
 * redirect to a link named erebus* of kind ifb; filters under Erebus' htb
 * only at the recorded priority, each steering into a class of it; a link
 * named erebus* only of kind ifb. Returns 0 (deleted, or gone),
 * UNDO_LEFT_ALONE with *ret_why (caller frees) saying what is there
 * instead (nothing was changed), or -errno (nothing deleted).
 */
int tc_undo(const struct undo_rec *r, char **ret_why);
/* tc_undo()'s proof alone, changing nothing: 0 (Erebus' object, or
 * gone), UNDO_LEFT_ALONE with *ret_why (caller frees), or -errno. */
int tc_owned(const struct undo_rec *r, char **ret_why);

/*
 * Is the object r names (UNDO_TC_*, UNDO_LINK) still in the kernel? A
 * question, never a change: dumps the qdiscs, classes or filters of r's
 * interface (or gets the link by name) in r's namespace and looks for r's
 * handle, or priority and protocol. Returns 1 (there), 0 (gone) or -errno
 * (cannot tell).
 */
int tc_exists(const struct undo_rec *r);

/* Every object tc_apply() would create, one per line, each line starting
 * with indent: kinds, handles, parents, parameters. */
void tc_describe(const struct net_match *m, const struct tc_leaf *leaf, const char *indent,
		 struct sbuf *out);

/* ---- kernel support ------------------------------------------------------------ */

enum {
	TC_HAVE_HTB	= 1 << 0,
	TC_HAVE_TBF	= 1 << 1,
	TC_HAVE_NETEM	= 1 << 2,
	TC_HAVE_U32	= 1 << 3,
	TC_HAVE_INGRESS	= 1 << 4,
	TC_HAVE_MIRRED	= 1 << 5,
	TC_HAVE_IFB	= 1 << 6,
};
#define TC_NEED_TREE	(TC_HAVE_HTB | TC_HAVE_U32)
#define TC_NEED_INGRESS	(TC_HAVE_INGRESS | TC_HAVE_MIRRED | TC_HAVE_IFB)

/*
 * What this kernel has, probed once by a child process in a network
 * namespace of its own, on its loopback (the host is never touched), and
 * cached. Returns the TC_HAVE_* bits, or -errno when it could not probe.
 */
int tc_probe(void);
/* 0 when every need is met; else -EOPNOTSUPP (or the probe's -errno) and
 * *reason: static text saying what is missing and what to do. */
int tc_supported(unsigned needs, const char **reason);

/* What the kernel says when a netem would duplicate packets on a device
 * that has another netem, or join one that has a duplicating netem
 * (check_netem_in_tree() in sch_netem.c: added in 2025, and in stable
 * updates of older kernels; Debian 12's 6.1.0-56 has it). */
#define TC_NETEM_DUP_RULE "netem: cannot mix duplicating netems with other netems in tree"

#endif
