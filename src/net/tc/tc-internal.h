/* SPDX-License-Identifier: MIT */
/*
 * Private to src/net/tc: what its files share. The contract for the rest
 * of Erebus is include/erebus/tc.h; nothing here is.
 *
 *   msg.c       the messages, built and never sent (pure), filters, slots
 *   nl.c        one route netlink socket per namespace: requests, dumps,
 *               and the kernel's errors as -errno and as sentences
 *   tree.c      the registry of trees: tc_apply(), tc_undo(), tc_exists()
 *   proof.c     tc_prove(): is what a record names still the object Erebus made?
 *   support.c   what this kernel has: tc_probe(), tc_supported()
 *   describe.c  tc_describe(): what tc_apply() would create, as text
 *   dist.c      netem's delay distribution tables
 */
#ifndef EREBUS_NET_TC_INTERNAL_H
#define EREBUS_NET_TC_INTERNAL_H

#include <linux/pkt_sched.h>
#include <linux/netlink.h>

#include <netlink/msg.h>

#include "erebus/tc.h"
#include "../nlack.h"

#define TC_INGRESS_HANDLE TC_H_MAKE(TC_H_INGRESS, 0)	/* ffff: */
#define TC_DIST_MAX	  (16 * 1024)			/* table values, as iproute2 */

/* What a failed module load looks like to a person, with what to do. */
#define TC_MODULE_HINT(mod)                                                                        \
	mod " is not available in this kernel: load it with modprobe " mod ", or install your "  \
	    "distribution's extra kernel modules package (e.g. linux-modules-extra-$(uname -r))"

static inline void nlmsg_freep(struct nl_msg **m)
{
	if (*m)
		nlmsg_free(*m);
}
#define _cleanup_msg_ _cleanup_(nlmsg_freep)

/* "eb00:3", or "eb00:" for a major-only handle, into buf. */
static inline void tc_handle_str(uint32_t h, char buf[static 16])
{
	if (TC_H_MIN(h))
		snprintf(buf, 16, "%x:%x", TC_H_MAJ(h) >> 16, TC_H_MIN(h));
	else
		snprintf(buf, 16, "%x:", TC_H_MAJ(h) >> 16);
}

/* ---- msg.c ----------------------------------------------------------------------- */

/* A bare tc message of type: header and tcmsg, with room bytes free for
 * attributes. NULL when out of memory; free with nlmsg_free(). */
struct nl_msg *tc_msg_bare(int type, int flags, size_t room, int ifindex, uint32_t parent,
			   uint32_t handle, uint32_t info);
/* The delete request that undoes n (kind: UNDO_TC_* or UNDO_LINK).
 * Returns 0 and *ret (free with nlmsg_free()), or -errno. */
int tc_msg_delete(const struct undo_net *n, enum undo_kind kind, struct nl_msg **ret);
/* No slot of used is taken. */
bool tc_slots_empty(const uint8_t used[16]);

/* ---- nl.c ------------------------------------------------------------------------ */

/* A route netlink socket in one network namespace, shared (refs) by every
 * tree of that namespace and by the requests in flight. */
struct tc_conn {
	struct tc_conn *next;
	unsigned long netns;
	unsigned refs;
	struct nl_sock *sk;
	struct nl_cb *cb;
	/* the request in flight */
	int err;
	bool done;
	struct nlack ack;	/* what the kernel said about it */
	int (*parse)(struct nlmsghdr *nlh, void *arg);
	void *arg;
};

/* libnl's -NLE_* as -errno: only what its builders and sockets return. */
int tc_nle_errno(int nle);

/* A route netlink socket made inside netns_fd (-1: Erebus' own), shared
 * per namespace. Returns 0 and *ret (release with tc_conn_put()), or
 * -errno. */
int tc_conn_get(int netns_fd, struct tc_conn **ret);
/* Drop one reference; the last closes the socket. NULL ok. */
void tc_conn_put(struct tc_conn *c);

/* Send msg (an acknowledgement is asked for) and wait for the kernel's
 * acknowledgement, a few seconds at most; replies before it go to parse
 * (may be NULL). Returns 0 or -errno: the kernel's (its words in c->ack)
 * or the socket's (-ETIMEDOUT: no answer). msg stays the caller's. */
int tc_talk(struct tc_conn *c, struct nl_msg *msg, int (*parse)(struct nlmsghdr *, void *),
	    void *arg);
/* tc_talk() with *msg as a builder just made it (built: the builder's
 * result; passed by address, as the builder runs while the arguments are
 * evaluated); frees *msg and sets it to NULL. */
int tc_send_built(struct tc_conn *c, int built, struct nl_msg **msg);
/* Send msg as a dump request; every reply goes to parse, until the
 * kernel's NLMSG_DONE. Returns 0 or -errno. */
int tc_dump(struct tc_conn *c, struct nl_msg *msg, int (*parse)(struct nlmsghdr *, void *),
	    void *arg);

/* An interface, as tc_get_link() reads it. */
struct tc_link {
	int ifindex;
	unsigned mtu, txqlen;
	char name[16];
	char kind[16];		/* "ifb", "veth", ...; "" for a device of no kind */
};
/* The interface called name: 0 and *ret, or -ENODEV, or another -errno. */
int tc_get_link(struct tc_conn *c, const char *name, struct tc_link *ret);
/* The same by index. */
int tc_get_link_index(struct tc_conn *c, int ifindex, struct tc_link *ret);

/* The one place where a failed request becomes a sentence: what was being
 * done (fmt), the errno err, the kernel's words from c (NULL: none), and
 * what to do about it. Returns a string the caller frees. */
char *tc_fail_msg(struct tc_conn *c, int err, const char *fmt, ...) _printf_(3, 4);

/* ---- proof.c --------------------------------------------------------------------- */

/* What tc_prove() found where a record points. */
enum { TC_GONE, TC_OURS, TC_NOT_OURS };
/*
 * Read back the object r names (UNDO_TC_*, UNDO_LINK) over c, which is in
 * r's namespace, and prove it is the one Erebus made (see proof.c for the
 * rules). Returns TC_GONE (nothing there), TC_OURS (delete it),
 * TC_NOT_OURS with *ret_why saying what is there instead (caller frees),
 * or -errno (cannot tell: delete nothing).
 */
int tc_prove(struct tc_conn *c, const struct undo_rec *r, char **ret_why);

#endif
