/* SPDX-License-Identifier: MIT */
/*
 * nftables over netlink: libnftnl builds the messages, libmnl owns the
 * socket. A transaction is one batch, sent at once; every message in it
 * is acknowledged. nft_undo() and nft_exists() ask with a query of their
 * own, outside any transaction.
 *
 * Kernel errors are translated here, once, into messages a person can act
 * on; the rest of Erebus sees -errno and that text.
 */
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <poll.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "erebus/netns.h"
#include "erebus/undo.h"
#include "nft-internal.h"

/* How long the kernel may take to answer a transaction or a query, in
 * all, once it has been sent (see batch_send()). */
#define NFT_ANSWER_TIMEOUT_MS 5000

struct nft_sock {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
};

/* ---- batches ------------------------------------------------------------- */

/* One transaction: a batch of messages, and what each one is (by its
 * sequence number), so that an error names the object it is about. */
struct batch {
	struct nftnl_batch *b;
	uint32_t seq0;		/* of the batch-begin message */
	enum nft_obj *objs;		/* [seq - seq0] */
	size_t n, cap;		/* messages, with begin and end */
};

static void batch_note(struct batch *bt, struct nft_sock *s, enum nft_obj o)
{
	GROW(bt->objs, bt->cap, bt->n + 1);
	bt->objs[bt->n++] = o;
	s->seq++;
	if (nftnl_batch_update(bt->b) < 0)	/* a new page could not be allocated */
		nft_nonnull(NULL);
}

static void batch_start(struct batch *bt, struct nft_sock *s)
{
	*bt = (struct batch){ .b = nft_nonnull(nftnl_batch_alloc(MNL_SOCKET_BUFFER_SIZE,
								 MNL_SOCKET_BUFFER_SIZE)),
			      .seq0 = s->seq };
	nftnl_batch_begin(nftnl_batch_buffer(bt->b), s->seq);
	batch_note(bt, s, OBJ_BATCH);
}

/* The header of the next message; the caller adds the payload. */
static struct nlmsghdr *batch_msg(struct batch *bt, struct nft_sock *s, uint16_t type, uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(nftnl_batch_buffer(bt->b), type, NFPROTO_INET, flags | NLM_F_ACK, s->seq);
}

static void batch_free(struct batch *bt)
{
	if (bt->b)
		nftnl_batch_free(bt->b);
	free(bt->objs);
	*bt = (struct batch){ 0 };
}

static void set_buf(int fd, int opt_force, int opt, int want)
{
	int have = 0;
	socklen_t l = sizeof(have);

	if (getsockopt(fd, SOL_SOCKET, opt, &have, &l) == 0 && have >= want)
		return;
	if (setsockopt(fd, SOL_SOCKET, opt_force, &want, sizeof(want)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, opt, &want, sizeof(want));
}

/*
 * One datagram from the kernel into buf, waiting until deadline (now_usec()
 * time) at most. Datagrams from anyone else are dropped: any local process
 * may send to this socket's port, but only the kernel sends from port 0. A
 * datagram longer than buf is -EMSGSIZE, never half-read (libmnl's
 * mnl_socket_recvfrom() checks truncation too, but not the sender, nor a
 * deadline). Returns its length, or -errno (-ETIMEDOUT at the deadline).
 */
static ssize_t recv_kernel(int fd, void *buf, size_t len, int64_t deadline)
{
	for (;;) {
		struct sockaddr_nl from = { 0 };
		struct iovec iov = { .iov_base = buf, .iov_len = len };
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
				     .msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int64_t left_ms = (deadline - now_usec() + 999) / 1000;
			struct pollfd p = { .fd = fd, .events = POLLIN };

			if (left_ms <= 0)
				return -ETIMEDOUT;
			/* The only wait in this file; why it may, see batch_send(). */
			if (poll(&p, 1, (int)left_ms) < 0 && errno != EINTR)
				return -errno;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (mh.msg_namelen != sizeof(from) || from.nl_pid != 0)
			continue;
		if (mh.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		return n;
	}
}

/* Count the acknowledgements in buf (len bytes) that answer bt: sent to
 * this socket's port, with a sequence number of the batch. The first error
 * stops the count and goes to *f, with the kernel's words. */
static size_t read_acks(const struct nft_sock *s, const struct batch *bt, const void *buf, size_t len,
			struct nft_failure *f)
{
	int left = (int)len;
	size_t acks = 0;

	for (const struct nlmsghdr *h = buf; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
		uint32_t i = h->nlmsg_seq - bt->seq0;
		struct nlack a;

		if (h->nlmsg_pid != s->portid || i >= bt->n || nlack_read(h, &a) < 0)
			continue;	/* not an answer to this batch */
		if (a.error) {
			*f = (struct nft_failure){ .err = a.error, .obj = bt->objs[i], .ack = a };
			break;
		}
		acks++;
	}
	return acks;
}

/*
 * Send the batch and collect one acknowledgement per message (begin and
 * end have none). Returns 0, or -errno with *f.
 *
 * This blocks its caller, the engine's loop included, until the kernel has
 * answered. It must: what the caller does next (report the fault in place,
 * or the table gone) depends on the answer. And the wait is short and
 * bounded: nfnetlink runs the whole batch inside sendmsg(), in this
 * process, so every acknowledgement is queued when sendmsg() returns
 * (sendmsg() itself lasts as long as the kernel's work, which may include
 * loading an nf_tables module). The receive loop after it waits
 * NFT_ANSWER_TIMEOUT_MS at most in all, for a kernel that would answer
 * late; then the outcome is unknown (f->unknown) and the caller deletes
 * the table all the same.
 */
static int batch_send(struct nft_sock *s, struct batch *bt, struct nft_failure *f,
		      int64_t *ret_usec)
{
	size_t n_iov = (size_t)nftnl_batch_iovec_len(bt->b);
	_cleanup_free_ struct iovec *iov = xcalloc(n_iov, sizeof(*iov));
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct msghdr msg = { .msg_name = &kernel, .msg_namelen = sizeof(kernel), .msg_iov = iov,
			      .msg_iovlen = n_iov };
	size_t expected = bt->n - 2, acks = 0, total = 0;
	int fd = mnl_socket_get_fd(s->nl);
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int64_t t0 = now_usec(), deadline;

	*f = (struct nft_failure){ 0 };
	nftnl_batch_iovec(bt->b, iov, (uint32_t)n_iov);
	for (size_t i = 0; i < n_iov; i++)
		total += iov[i].iov_len;
	/* Room for the whole batch, and for an acknowledgement per message
	 * (a socket buffer counts each as about a kilobyte). */
	set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, (int)total + 4096);
	set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, (int)(bt->n * 1024 + 65536));
	if (sendmsg(fd, &msg, 0) < 0) {
		*f = (struct nft_failure){ .err = -errno, .obj = OBJ_BATCH };
		return f->err;
	}
	deadline = now_usec() + NFT_ANSWER_TIMEOUT_MS * 1000;
	while (acks < expected && !f->err) {
		ssize_t len = recv_kernel(fd, buf, sizeof(buf), deadline);

		if (len < 0) {
			*f = (struct nft_failure){ .err = (int)len, .obj = OBJ_BATCH, .unknown = true };
			break;
		}
		acks += read_acks(s, bt, buf, (size_t)len, f);
	}
	if (ret_usec)
		*ret_usec = now_usec() - t0;
	/* After an error the other acknowledgements are queued too: read them,
	 * so the socket holds nothing stale for the next transaction. */
	while (f->err && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	return f->err;
}

/* End the batch, send it, free it. Returns batch_send()'s result. */
static int batch_commit(struct batch *bt, struct nft_sock *s, struct nft_failure *f,
			int64_t *ret_usec)
{
	int r;

	nftnl_batch_end(nftnl_batch_buffer(bt->b), s->seq);
	batch_note(bt, s, OBJ_BATCH);
	r = batch_send(s, bt, f, ret_usec);
	batch_free(bt);
	return r;
}

/* What failed and what to do, from the errno and the object alone. */
static char *explain_errno(const struct nft_failure *f, const char *what, const char *table)
{
	int e = -f->err;

	if (f->unknown)
		return xasprintf("%s nftables table %s: no answer from the kernel (%s); the outcome is unknown",
				 what, table, strerror(e));
	if (e == EPERM && f->obj == OBJ_BATCH)
		return xasprintf("%s nftables table %s: permission denied: nftables needs CAP_NET_ADMIN in "
				 "the target's network namespace (run Erebus as root)", what, table);
	if (e == EPERM && f->obj == OBJ_TABLE)
		return xasprintf("%s nftables table %s: a table of that name exists and belongs to another "
				 "netlink socket (another fault of this run whose name reads the same once "
				 "sanitised?); it is left alone", what, table);
	if (e == EEXIST && f->obj == OBJ_TABLE)
		return xasprintf("%s nftables table %s: a table of that name already exists; Erebus did not "
				 "create it and leaves it alone", what, table);
	if ((e == EOPNOTSUPP || e == EPROTONOSUPPORT || e == ENOENT) && f->obj == OBJ_BATCH)
		return xasprintf("nf_tables is not available in this kernel (%s): load it with modprobe "
				 "nf_tables, or use a kernel built with CONFIG_NF_TABLES", strerror(e));
	if (e == EOPNOTSUPP && f->obj == OBJ_TABLE)
		return xasprintf("%s nftables table %s: this kernel's nf_tables does not know the owner "
				 "flag (%s): partitions need Linux 5.12 or later", what, table, strerror(e));
	if ((e == ENOENT || e == EOPNOTSUPP || e == EAFNOSUPPORT) && f->obj == OBJ_CHAIN)
		return xasprintf("%s nftables table %s: this kernel cannot hook an inet filter chain (%s): "
				 "load nf_tables with inet support (CONFIG_NF_TABLES_INET)", what, table,
				 strerror(e));
	if ((e == ENOENT || e == EOPNOTSUPP) && f->obj == OBJ_RULE)
		return xasprintf("%s nftables table %s: this kernel's nf_tables lacks an expression a "
				 "partition uses (meta, payload, bitwise, cmp, counter, immediate): %s",
				 what, table, strerror(e));
	return xasprintf("%s nftables table %s: the kernel refused the %s: %s", what, table,
			 f->obj == OBJ_TABLE ? "table" : f->obj == OBJ_CHAIN ? "chain" :
			 f->obj == OBJ_RULE ? "rule" : "transaction", strerror(e));
}

/* The one place kernel errors become words, the kernel's own last (as
 * tc's messages give them). what: "creating" or "deleting". */
static char *explain(const struct nft_failure *f, const char *what, const char *table)
{
	_cleanup_free_ char *words = explain_errno(f, what, table);
	struct sbuf b = { 0 };

	sbuf_add(&b, words);
	nlack_describe(&f->ack, &b);
	return sbuf_take(&b);
}

/* ---- sockets, tables ----------------------------------------------------- */

int nft_open(int netns_fd, struct nft_sock **ret, char **ret_err)
{
	_cleanup_close_ int fd = netns_socket(netns_fd, AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER);
	struct nft_sock *s;
	int one = 1;

	if (fd < 0) {
		*ret_err = fd == -EPROTONOSUPPORT ?
			xasprintf("nfnetlink is not available in this kernel (%s): load nfnetlink and "
				  "nf_tables (modprobe nf_tables), or use a kernel with CONFIG_NF_TABLES",
				  strerror(-fd)) :
			xasprintf("cannot open a netfilter netlink socket: %s", strerror(-fd));
		return fd;
	}
	s = xcalloc(1, sizeof(*s));
	s->nl = mnl_socket_fdopen(fd);
	if (!s->nl || mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = -errno;
		if (s->nl)
			mnl_socket_close(s->nl);	/* closes fd */
		else
			close(fd);
		fd = -1;
		free(s);
		*ret_err = xasprintf("cannot bind a netfilter netlink socket: %s", strerror(-e));
		return e;
	}
	fd = -1;	/* owned by s->nl now */
	/* Errors with the kernel's words and the offset of what it refused,
	 * without the request echoed. Old kernels lack them: no matter. */
	(void)mnl_socket_setsockopt(s->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(s->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = (uint32_t)now_usec();
	*ret = s;
	return 0;
}

void nft_close(struct nft_sock *s)
{
	if (!s)
		return;
	mnl_socket_close(s->nl);
	free(s);
}

static void add_table(struct batch *bt, struct nft_sock *s, const struct nft_drop *d)
{
	struct nftnl_table *t = nft_nonnull(nftnl_table_alloc());
	struct nftnl_udata_buf *ud = nft_nonnull(nftnl_udata_buf_alloc(256));
	_cleanup_free_ char *comment = xasprintf("erebus pid %d: removed when the fault ends or Erebus exits",
						 (int)getpid());

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, d->table);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, NFT_TABLE_F_OWNER);
	if (nftnl_udata_put_strz(ud, NFTNL_UDATA_TABLE_COMMENT, comment))
		nftnl_table_set_data(t, NFTNL_TABLE_USERDATA, nftnl_udata_buf_data(ud),
				     nftnl_udata_buf_len(ud));
	nftnl_table_nlmsg_build_payload(batch_msg(bt, s, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL), t);
	batch_note(bt, s, OBJ_TABLE);
	nftnl_udata_buf_free(ud);
	nftnl_table_free(t);
}

static void add_chain(struct batch *bt, struct nft_sock *s, const char *table, int input)
{
	struct nftnl_chain *c = nft_nonnull(nftnl_chain_alloc());

	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, nft_chain_names[input]);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, input ? NF_INET_LOCAL_IN : NF_INET_LOCAL_OUT);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, NFT_PRIORITY);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nftnl_chain_nlmsg_build_payload(batch_msg(bt, s, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL), c);
	batch_note(bt, s, OBJ_CHAIN);
	nftnl_chain_free(c);
}

/* The create transaction; on failure *f says where. */
int nft_tx_create(struct nft_sock *s, const struct nft_drop *d, struct nft_failure *f,
		  int64_t *ret_usec)
{
	_cleanup_free_ struct nft_rule *rules = NULL;
	size_t n = nft_drop_rules(d, &rules);
	struct batch bt;

	batch_start(&bt, s);
	add_table(&bt, s, d);
	for (int input = 0; input < 2; input++)
		if (input ? d->ingress : d->egress)
			add_chain(&bt, s, d->table, input);
	for (size_t i = 0; i < n; i++) {
		struct nftnl_rule *nr = nft_rule_build(d, &rules[i]);
		nftnl_rule_nlmsg_build_payload(batch_msg(&bt, s, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND),
					       nr);
		batch_note(&bt, s, OBJ_RULE);
		nftnl_rule_free(nr);
	}
	return batch_commit(&bt, s, f, ret_usec);
}

int nft_drop_create(struct nft_sock *s, const struct nft_drop *d, bool *ret_created, int64_t *ret_usec,
		    char **ret_err)
{
	struct nft_failure f;
	int r = nft_tx_create(s, d, &f, ret_usec);

	*ret_created = r == 0 || f.unknown;
	if (r < 0)
		*ret_err = explain(&f, "creating", d->table);
	return r;
}

/* One DELTABLE transaction; a table already gone is success. */
int nft_tx_delete(struct nft_sock *s, const char *name, int64_t *ret_usec, struct nft_failure *f)
{
	struct nftnl_table *t = nft_nonnull(nftnl_table_alloc());
	struct batch bt;
	int r;

	batch_start(&bt, s);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_nlmsg_build_payload(batch_msg(&bt, s, NFT_MSG_DELTABLE, 0), t);
	batch_note(&bt, s, OBJ_TABLE);
	nftnl_table_free(t);
	r = batch_commit(&bt, s, f, ret_usec);
	return r == -ENOENT && f->obj == OBJ_TABLE ? 0 : r;
}

int nft_table_delete(struct nft_sock *s, const char *name, int64_t *ret_usec, char **ret_err)
{
	struct nft_failure f;
	int r = nft_tx_delete(s, name, ret_usec, &f);

	if (r < 0)
		*ret_err = explain(&f, "deleting", name);
	return r;
}

enum table_state { TABLE_ABSENT, TABLE_OWNED, TABLE_UNOWNED };

static int on_table(const struct nlmsghdr *h, void *data)
{
	struct nftnl_table *t = nft_nonnull(nftnl_table_alloc());
	enum table_state *st = data;

	*st = TABLE_UNOWNED;
	if (nftnl_table_nlmsg_parse(h, t) == 0 &&
	    (nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS) & NFT_TABLE_F_OWNER))
		*st = TABLE_OWNED;
	nftnl_table_free(t);
	return MNL_CB_OK;
}

/* Is there a table of that name, and is it held by an owner socket? A
 * GETTABLE query, outside any transaction. Returns 0 and *ret, or -errno. */
static int table_query(struct nft_sock *s, int family, const char *name, enum table_state *ret)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_table *t = nft_nonnull(nftnl_table_alloc());
	uint32_t seq = s->seq++;
	struct nlmsghdr *h = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, (uint16_t)family, NLM_F_ACK, seq);
	enum table_state st = TABLE_ABSENT;
	int64_t deadline;
	ssize_t len;
	int r;

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nftnl_table_nlmsg_build_payload(h, t);
	nftnl_table_free(t);
	if (mnl_socket_sendto(s->nl, h, h->nlmsg_len) < 0)
		return -errno;
	/* Answered inside sendto(), as a batch is (see batch_send()): the
	 * same bound. mnl_cb_run() checks each message's port and sequence
	 * number, and turns NLMSG_ERROR into errno. */
	deadline = now_usec() + NFT_ANSWER_TIMEOUT_MS * 1000;
	do {	/* the table (if any), then the acknowledgement */
		len = recv_kernel(mnl_socket_get_fd(s->nl), buf, sizeof(buf), deadline);
		if (len < 0)
			return (int)len;
		r = mnl_cb_run(buf, (size_t)len, seq, s->portid, on_table, &st);
	} while (r > 0);
	if (r < 0 && errno != ENOENT)
		return -errno;
	*ret = r < 0 ? TABLE_ABSENT : st;
	return 0;
}

/*
 * The undo record, replayed from a socket of its own in the record's
 * namespace. It verifies rather than deletes: Erebus creates its tables
 * only with the owner flag, so its table either went when the owning
 * socket closed (the fault's stop() deletes it through that socket first;
 * a crash closes it too) or is still held by that socket, which the kernel
 * lets nobody else delete. So: absent is success; owned means the owning
 * socket is still open somewhere (-EBUSY); a table of that name without
 * the owner flag is not one Erebus made, and is left alone (success: ours
 * is gone). A query, unlike a failing transaction, costs the kernel no
 * abort (about 15 ms here).
 */
int nft_undo(const struct undo_rec *r)
{
	int e = nft_exists(r);

	return e < 0 ? e : e ? -EBUSY : 0;
}

/* The check after rollback, and nft_undo()'s answer: 1 while an owned
 * table of that name is there (only an owned table is Erebus'). */
int nft_exists(const struct undo_rec *r)
{
	struct nft_sock *s = NULL;
	_cleanup_free_ char *err = NULL;
	enum table_state st = TABLE_ABSENT;
	int e;

	if (r->kind != UNDO_NFT_TABLE)
		return -EINVAL;
	e = nft_open(r->net.netns_fd, &s, &err);
	if (e < 0)
		return e;
	e = table_query(s, r->net.family, r->net.name, &st);
	nft_close(s);
	if (e < 0)
		return e;
	return st == TABLE_OWNED;
}
