/* SPDX-License-Identifier: MIT */
/*
 * The route netlink side of tc: one socket per network namespace, shared
 * by the trees of that namespace; one acknowledged request at a time
 * (tc_talk()), dumps, and the interface a name stands for.
 *
 * Kernel errors are -errno from the acknowledgement, with the kernel's
 * extended-ack text when it gave one; they become messages for people in
 * one place, tc_fail_msg().
 */
#include <linux/if.h>
#include <linux/rtnetlink.h>

#include <netlink/attr.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "erebus/netns.h"
#include "tc-internal.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

/* libnl's -NLE_* as -errno: only what its builders and sockets return. */
int tc_nle_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_INVAL:
	case NLE_MISSING_ATTR:
		return -EINVAL;
	case NLE_PERM:
		return -EPERM;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_BAD_SOCK:
		return -EBADF;
	default:
		return -EIO;
	}
}

/* ---- the socket: one request, one acknowledgement ----------------------------- */

static struct tc_conn *conns;

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct tc_conn *c = arg;

	if (c->parse)
		(void)c->parse(nlmsg_hdr(msg), c->arg);
	return NL_OK;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct tc_conn *c = arg;

	c->done = true;
	return NL_STOP;
}

/* The kernel's answer: its -errno and, with NETLINK_EXT_ACK, its text. */
static int on_err(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct tc_conn *c = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);

	c->err = e->error;
	c->done = true;
	c->ext[0] = '\0';
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		size_t off = sizeof(*e);
		struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		if (NLMSG_HDRLEN + off < nlh->nlmsg_len &&
		    nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off),
			      (int)(nlh->nlmsg_len - NLMSG_HDRLEN - off), NULL) == 0 &&
		    tb[NLMSGERR_ATTR_MSG])
			snprintf(c->ext, sizeof(c->ext), "%s", nla_get_string(tb[NLMSGERR_ATTR_MSG]));
	}
	return NL_STOP;
}

static void conn_free(struct tc_conn *c)
{
	if (!c)
		return;
	nl_cb_put(c->cb);
	nl_socket_free(c->sk);
	free(c);
}

/* A route netlink socket made inside netns_fd; shared per namespace while
 * a tree of it lives. Returns 0 and *ret (release with tc_conn_put()). */
int tc_conn_get(int netns_fd, struct tc_conn **ret)
{
	unsigned long ns = netns_id(netns_fd);
	struct tc_conn *c;
	int saved, r, one = 1;

	for (c = conns; c; c = c->next)
		if (c->netns == ns) {
			c->refs++;
			*ret = c;
			return 0;
		}
	c = xcalloc(1, sizeof(*c));
	c->netns = ns;
	c->sk = nl_socket_alloc();
	c->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!c->sk || !c->cb) {
		conn_free(c);
		return -ENOMEM;
	}
	if ((r = netns_enter(netns_fd, &saved)) < 0) {
		conn_free(c);
		return r;
	}
	r = nl_connect(c->sk, NETLINK_ROUTE);
	netns_leave(saved);
	if (r < 0) {
		conn_free(c);
		return tc_nle_errno(r);
	}
	/* Acknowledgements without the request echoed, with the kernel's text. */
	(void)setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_disable_msg_peek(c->sk);
	(void)nl_socket_set_msg_buf_size(c->sk, 32768);
	nl_cb_set(c->cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, c);
	nl_cb_set(c->cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, c);
	nl_cb_err(c->cb, NL_CB_CUSTOM, on_err, c);
	c->refs = 1;
	c->next = conns;
	conns = c;
	*ret = c;
	return 0;
}

void tc_conn_put(struct tc_conn *c)
{
	if (!c || --c->refs)
		return;
	for (struct tc_conn **p = &conns; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	conn_free(c);
}

/* Send msg (request + ack) and wait for the kernel's acknowledgement;
 * replies before it go to parse. Returns 0 or the kernel's -errno (its text
 * in c->ext). */
int tc_talk(struct tc_conn *c, struct nl_msg *msg, int (*parse)(struct nlmsghdr *, void *),
	    void *arg)
{
	int r;

	c->err = 0;
	c->done = false;
	c->ext[0] = '\0';
	c->parse = parse;
	c->arg = arg;
	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	r = nl_send_auto(c->sk, msg);
	if (r < 0)
		return tc_nle_errno(r);
	while (!c->done) {
		r = nl_recvmsgs(c->sk, c->cb);
		if (r < 0 && !c->done)
			return tc_nle_errno(r);
	}
	c->parse = NULL;
	return c->err;
}

/* Talk with *msg as a builder just made it (built: the builder's result;
 * passed by address, as the builder runs while the arguments are
 * evaluated); frees it. */
int tc_send_built(struct tc_conn *c, int built, struct nl_msg **msg)
{
	int r;

	if (built < 0)
		return built;
	r = tc_talk(c, *msg, NULL, NULL);
	nlmsg_free(*msg);
	*msg = NULL;
	return r;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	struct tc_conn *c = arg;

	c->done = true;
	return NL_STOP;
}

/* Send msg as a dump request; every reply goes to parse, until the
 * kernel's NLMSG_DONE. (A dump is never acknowledged: DONE ends it.)
 * Returns 0 or -errno. */
int tc_dump(struct tc_conn *c, struct nl_msg *msg, int (*parse)(struct nlmsghdr *, void *),
	    void *arg)
{
	int r;

	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_DUMP;
	nl_cb_set(c->cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, c);
	r = tc_talk(c, msg, parse, arg);
	c->parse = NULL;
	nl_cb_set(c->cb, NL_CB_FINISH, NL_CB_DEFAULT, NULL, NULL);
	return r;
}

/* ---- questions to the kernel ------------------------------------------------------ */

static int parse_link(struct nlmsghdr *nlh, void *arg)
{
	struct tc_link *li = arg;
	struct nlattr *tb[IFLA_MAX + 1];
	struct ifinfomsg *ifi = nlmsg_data(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK || nlmsg_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0)
		return 0;
	li->ifindex = ifi->ifi_index;
	if (tb[IFLA_MTU])
		li->mtu = nla_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_TXQLEN])
		li->txqlen = nla_get_u32(tb[IFLA_TXQLEN]);
	return 0;
}

/* The interface called name: 0 and *ret, or -ENODEV. */
int tc_get_link(struct tc_conn *c, const char *name, struct tc_link *ret)
{
	_cleanup_msg_ struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETLINK, 0);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	uint32_t mask = RTEXT_FILTER_SKIP_STATS;
	int r;

	*ret = (struct tc_link){ 0 };
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, name) < 0 || nla_put_u32(msg, IFLA_EXT_MASK, mask) < 0)
		return -EMSGSIZE;
	r = tc_talk(c, msg, parse_link, ret);
	if (r == 0 && ret->ifindex <= 0)
		r = -ENODEV;
	return r;
}

/* What was being done, the errno, the kernel's words, what to do. */
char *tc_fail_msg(struct tc_conn *c, int err, const char *fmt, ...)
{
	struct sbuf b = { 0 };
	va_list ap;

	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	sbuf_addf(&b, ": %s", strerror(-err));
	if (c && c->ext[0])
		sbuf_addf(&b, " (kernel: %s)", c->ext);
	if (err == -EPERM)
		sbuf_add(&b, "; network faults need CAP_NET_ADMIN in the target's namespace: run Erebus as root");
	return sbuf_take(&b);
}
