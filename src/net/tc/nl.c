/* SPDX-License-Identifier: MIT */
/*
 * The route netlink side of tc: one socket per network namespace, shared
 * by the trees of that namespace; one acknowledged request at a time
 * (tc_talk()), dumps, and the interface a name stands for.
 *
 * Kernel errors are -errno from the acknowledgement, with the kernel's
 * extended-ack text and offset when it gave them; they become messages for
 * people in one place, tc_fail_msg().
 *
 * Every answer is checked as iproute2 checks it. libnl does part of it:
 * with message peeking off, a datagram cut short is -NLE_MSG_TRUNC rather
 * than half-read (nl_recv()); sequence numbers must come in order
 * (recvmsgs()' default check, -NLE_SEQ_MISMATCH); a short NLMSG_ERROR is
 * -NLE_MSG_TRUNC. What it does not check, on_msg_in() does: that the
 * kernel sent the message.
 */
#include <linux/if.h>
#include <linux/rtnetlink.h>

#include <netlink/attr.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "erebus/netns.h"
#include "tc-internal.h"

/* How long tc_talk() waits for one answer at most (see there). */
#define TC_ANSWER_TIMEOUT_S 5

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
	case NLE_MSG_TRUNC:
		return -EMSGSIZE;
	case NLE_SEQ_MISMATCH:
		return -EPROTO;
	default:
		return -EIO;
	}
}

/* ---- the socket: one request, one acknowledgement ----------------------------- */

static struct tc_conn *conns;

/* Only the kernel's messages count: any local process may send to this
 * socket's port, but only the kernel sends from port 0. Skipped before
 * libnl's sequence check, so a stray message cannot spoil it. */
static int on_msg_in(struct nl_msg *msg, void *arg)
{
	return nlmsg_get_src(msg)->nl_pid == 0 ? NL_OK : NL_SKIP;
}

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

/* The kernel's answer: its -errno and, with NETLINK_EXT_ACK, its text and
 * the offset of what it refused. (libnl calls this only for an error of a
 * whole NLMSG_ERROR message; a plain acknowledgement goes to on_ack().) */
static int on_err(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct tc_conn *c = arg;

	(void)nlack_read((const struct nlmsghdr *)((char *)e - NLMSG_HDRLEN), &c->ack);
	c->err = e->error;
	c->done = true;
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
	const struct timeval answer_timeout = { .tv_sec = TC_ANSWER_TIMEOUT_S };

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
	(void)setsockopt(nl_socket_get_fd(c->sk), SOL_SOCKET, SO_RCVTIMEO, &answer_timeout,
			 sizeof(answer_timeout));
	/* One buffer as large as the kernel's largest dump datagram (32 KiB),
	 * no peeking: a longer datagram is an error, never half-read. */
	nl_socket_disable_msg_peek(c->sk);
	(void)nl_socket_set_msg_buf_size(c->sk, 32768);
	nl_cb_set(c->cb, NL_CB_MSG_IN, NL_CB_CUSTOM, on_msg_in, c);
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

/*
 * Send msg (request + ack) and wait for the kernel's acknowledgement;
 * replies before it go to parse. Returns 0 or the kernel's -errno (its
 * words in c->ack), or the socket's (-ETIMEDOUT: no answer in time).
 *
 * It waits in this process, the engine's loop included, for the kernel
 * alone, and briefly: rtnetlink handles a request inside sendmsg(), in
 * this process, so its answer is queued before nl_send_auto() returns (a
 * dump's further parts are made inside the recvmsg() that reads them).
 * The socket's receive timeout (TC_ANSWER_TIMEOUT_S, set in tc_conn_get())
 * bounds each read all the same, for a kernel that would answer late.
 */
int tc_talk(struct tc_conn *c, struct nl_msg *msg, int (*parse)(struct nlmsghdr *, void *),
	    void *arg)
{
	int r;

	c->err = 0;
	c->done = false;
	c->ack = (struct nlack){ 0 };
	c->parse = parse;
	c->arg = arg;
	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	r = nl_send_auto(c->sk, msg);
	if (r < 0)
		return tc_nle_errno(r);
	while (!c->done) {
		r = nl_recvmsgs(c->sk, c->cb);
		if (r == -NLE_AGAIN && !c->done)
			return -ETIMEDOUT;	/* the receive timeout */
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
	struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];
	struct ifinfomsg *ifi = nlmsg_data(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK || nlmsg_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0)
		return 0;
	li->ifindex = ifi->ifi_index;
	if (tb[IFLA_MTU])
		li->mtu = nla_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_TXQLEN])
		li->txqlen = nla_get_u32(tb[IFLA_TXQLEN]);
	if (tb[IFLA_IFNAME])
		snprintf(li->name, sizeof(li->name), "%s", nla_get_string(tb[IFLA_IFNAME]));
	if (tb[IFLA_LINKINFO] && nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) == 0 &&
	    info[IFLA_INFO_KIND])
		snprintf(li->kind, sizeof(li->kind), "%s", nla_get_string(info[IFLA_INFO_KIND]));
	return 0;
}

/* The interface called name, or (name NULL) with index ifindex. */
static int get_link(struct tc_conn *c, const char *name, int ifindex, struct tc_link *ret)
{
	_cleanup_msg_ struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETLINK, 0);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = name ? 0 : ifindex };
	uint32_t mask = RTEXT_FILTER_SKIP_STATS;
	int r;

	*ret = (struct tc_link){ 0 };
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    (name && nla_put_string(msg, IFLA_IFNAME, name) < 0) ||
	    nla_put_u32(msg, IFLA_EXT_MASK, mask) < 0)
		return -EMSGSIZE;
	r = tc_talk(c, msg, parse_link, ret);
	if (r == 0 && ret->ifindex <= 0)
		r = -ENODEV;
	return r;
}

int tc_get_link(struct tc_conn *c, const char *name, struct tc_link *ret)
{
	return get_link(c, name, 0, ret);
}

int tc_get_link_index(struct tc_conn *c, int ifindex, struct tc_link *ret)
{
	return ifindex > 0 ? get_link(c, NULL, ifindex, ret) : -ENODEV;
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
	if (c)
		nlack_describe(&c->ack, &b);
	if (err == -EPERM)
		sbuf_add(&b, "; network faults need CAP_NET_ADMIN in the target's namespace: run Erebus as root");
	return sbuf_take(&b);
}
