/* SPDX-License-Identifier: MIT */
/*
 * nftables over netlink: libnftnl builds the messages, libmnl owns the
 * socket. See include/erebus/nft.h for what a drop table contains.
 *
 * Kernel errors are translated here, once, into messages a person can act
 * on; the rest of Erebus sees -errno and that text.
 */
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "erebus/netns.h"
#include "erebus/nft.h"
#include "erebus/undo.h"

/* ---- names, masks, rules: pure functions --------------------------------- */

const char *nft_table_name(pid_t pid, const char *fault, char buf[static NFT_NAME_MAX])
{
	int n = pid > 0 ? snprintf(buf, NFT_NAME_MAX, NFT_TABLE_PREFIX "%d_", (int)pid)
			: snprintf(buf, NFT_NAME_MAX, NFT_TABLE_PREFIX "<pid>_");

	for (const char *p = fault; *p && n < NFT_NAME_MAX - 1; p++, n++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_';
		buf[n] = ok ? c : '_';
	}
	buf[n] = '\0';
	return buf;
}

void nft_prefix_mask(unsigned prefix, size_t len, uint8_t *mask)
{
	for (size_t i = 0; i < len; i++) {
		unsigned bits = prefix > i * 8 ? prefix - (unsigned)i * 8 : 0;
		mask[i] = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
	}
}

static size_t addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

/* The protocols one peer needs a rule for; 0 means any. */
static size_t rule_protos(const struct nft_drop *d, const struct cidr *peer, uint8_t out[2])
{
	int fam = peer ? peer->family : AF_UNSPEC;

	switch (d->protocol) {
	case NET_PROTO_TCP:
		out[0] = IPPROTO_TCP;
		return 1;
	case NET_PROTO_UDP:
		out[0] = IPPROTO_UDP;
		return 1;
	case NET_PROTO_ICMP:
		if (fam == AF_INET6) {
			out[0] = IPPROTO_ICMPV6;
			return 1;
		}
		out[0] = IPPROTO_ICMP;
		if (fam == AF_INET)
			return 1;
		out[1] = IPPROTO_ICMPV6;
		return 2;
	case NET_PROTO_ANY:
		break;
	}
	if (!d->port) {
		out[0] = 0;
		return 1;
	}
	out[0] = IPPROTO_TCP;	/* a port without a protocol: both that have ports */
	out[1] = IPPROTO_UDP;
	return 2;
}

size_t nft_drop_rules(const struct nft_drop *d, struct nft_rule **ret)
{
	struct nft_rule *v = NULL;
	size_t n = 0, cap = 0;

	for (int input = 0; input < 2; input++) {
		if (input ? !d->ingress : !d->egress)
			continue;
		for (unsigned i = 0; i < (d->n_peers ? d->n_peers : 1); i++) {
			const struct cidr *peer = d->n_peers ? &d->peers[i] : NULL;
			uint8_t protos[2];
			size_t np = rule_protos(d, peer, protos);

			for (size_t k = 0; k < np; k++) {
				GROW(v, cap, n + 1);
				v[n++] = (struct nft_rule){ .input = input, .peer = peer, .l4proto = protos[k],
							    .port = protos[k] == IPPROTO_TCP ||
									    protos[k] == IPPROTO_UDP ? d->port : 0 };
			}
		}
	}
	*ret = v;
	return n;
}

static const char *l4_name(uint8_t p)
{
	switch (p) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "ipv6-icmp";
	}
	return "?";
}

void nft_rule_describe(const struct nft_drop *d, const struct nft_rule *r, struct sbuf *out)
{
	const char *dir = r->input ? "s" : "d";	/* the peer is the source of what arrives */

	if (d->ifname)
		sbuf_addf(out, "%sifname \"%s\" ", r->input ? "i" : "o", d->ifname);
	if (r->peer) {
		const char *fam = r->peer->family == AF_INET6 ? "ip6" : "ip";
		char a[INET6_ADDRSTRLEN];

		if (!r->peer->prefix) {
			sbuf_addf(out, "meta nfproto %s ", r->peer->family == AF_INET6 ? "ipv6" : "ipv4");
		} else {
			inet_ntop(r->peer->family, r->peer->addr, a, sizeof(a));
			sbuf_addf(out, "%s %saddr %s", fam, dir, a);
			if (r->peer->prefix < addr_len(r->peer->family) * 8)
				sbuf_addf(out, "/%u", r->peer->prefix);
			sbuf_add(out, " ");
		}
	}
	if (r->port)
		sbuf_addf(out, "%s %sport %u ", l4_name(r->l4proto), dir, r->port);
	else if (r->l4proto)
		sbuf_addf(out, "meta l4proto %s ", l4_name(r->l4proto));
	sbuf_add(out, "counter drop");
}

static const char *const chain_names[2] = { "output", "input" };

void nft_drop_describe(const struct nft_drop *d, const char *indent, struct sbuf *out)
{
	_cleanup_free_ struct nft_rule *rules = NULL;
	size_t n = nft_drop_rules(d, &rules);

	sbuf_addf(out, "%stable inet %s { flags owner; } (created with its chains and rules in one transaction)",
		  indent, d->table);
	for (int input = 0; input < 2; input++) {
		if (input ? !d->ingress : !d->egress)
			continue;
		sbuf_addf(out, "\n%s  chain %s { type filter hook %s priority raw; policy accept; }", indent,
			  chain_names[input], chain_names[input]);
		for (size_t i = 0; i < n; i++) {
			if (rules[i].input != input)
				continue;
			sbuf_addf(out, "\n%s    ", indent);
			nft_rule_describe(d, &rules[i], out);
		}
	}
}

/* ---- messages ------------------------------------------------------------ */

struct nft_sock {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
};

static void *nn(void *p)	/* libnftnl allocations: out of memory is fatal, as with xmalloc */
{
	if (!p) {
		fputs("erebus: out of memory\n", stderr);
		abort();
	}
	return p;
}

static void add_meta(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nn(nftnl_expr_alloc("meta"));

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
}

static void add_cmp_eq(struct nftnl_rule *r, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nn(nftnl_expr_alloc("cmp"));

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	nftnl_rule_add_expr(r, e);
}

static void add_payload(struct nftnl_rule *r, uint32_t base, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = nn(nftnl_expr_alloc("payload"));

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_rule_add_expr(r, e);
}

/* reg1 = reg1 & mask (xor 0): keeps the prefix bits of an address. */
static void add_mask(struct nftnl_rule *r, const uint8_t *mask, uint32_t len)
{
	struct nftnl_expr *e = nn(nftnl_expr_alloc("bitwise"));
	static const uint8_t zero[16];

	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	nftnl_rule_add_expr(r, e);
}

/* The expressions of one rule, in the order nft itself emits them. */
static struct nftnl_rule *build_rule(const struct nft_drop *d, const struct nft_rule *nr)
{
	struct nftnl_rule *r = nn(nftnl_rule_alloc());
	struct nftnl_expr *e;

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, d->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain_names[nr->input]);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	if (d->ifname) {
		char name[IFNAMSIZ] = { 0 };

		strncpy(name, d->ifname, IFNAMSIZ - 1);
		add_meta(r, nr->input ? NFT_META_IIFNAME : NFT_META_OIFNAME);
		add_cmp_eq(r, name, IFNAMSIZ);
	}
	if (nr->peer) {
		const struct cidr *p = nr->peer;
		uint8_t nfproto = p->family == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
		uint32_t len = (uint32_t)addr_len(p->family);
		/* ip saddr 12, daddr 16; ip6 saddr 8, daddr 24 */
		uint32_t off = p->family == AF_INET6 ? (nr->input ? 8 : 24) : (nr->input ? 12 : 16);

		add_meta(r, NFT_META_NFPROTO);
		add_cmp_eq(r, &nfproto, sizeof(nfproto));
		if (p->prefix) {
			add_payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, len);
			if (p->prefix < len * 8) {
				uint8_t mask[16];
				nft_prefix_mask(p->prefix, len, mask);
				add_mask(r, mask, len);
			}
			add_cmp_eq(r, p->addr, len);
		}
	}
	if (nr->l4proto) {
		add_meta(r, NFT_META_L4PROTO);
		add_cmp_eq(r, &nr->l4proto, sizeof(nr->l4proto));
	}
	if (nr->port) {
		uint16_t port = htons(nr->port);

		add_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, nr->input ? 0 : 2, sizeof(port));
		add_cmp_eq(r, &port, sizeof(port));
	}
	nftnl_rule_add_expr(r, nn(nftnl_expr_alloc("counter")));
	e = nn(nftnl_expr_alloc("immediate"));
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_DROP);
	nftnl_rule_add_expr(r, e);
	return r;
}

static int print_expr(struct nftnl_expr *e, void *data)
{
	char buf[512];

	nftnl_expr_snprintf(buf, sizeof(buf), e, NFTNL_OUTPUT_DEFAULT, 0);
	sbuf_addf(data, "[ %s %s ]\n", nftnl_expr_get_str(e, NFTNL_EXPR_NAME), strstrip(buf));
	return 0;
}

void nft_rule_expressions(const struct nft_drop *d, const struct nft_rule *r, struct sbuf *out)
{
	struct nftnl_rule *nr = build_rule(d, r);

	nftnl_expr_foreach(nr, print_expr, out);
	nftnl_rule_free(nr);
}

/* ---- batches ------------------------------------------------------------- */

enum obj { OBJ_BATCH, OBJ_TABLE, OBJ_CHAIN, OBJ_RULE };

/* One transaction: a batch of messages, and what each one is (by its
 * sequence number), so that an error names the object it is about. */
struct batch {
	struct nftnl_batch *b;
	uint32_t seq0;		/* of the batch-begin message */
	enum obj *objs;		/* [seq - seq0] */
	size_t n, cap;		/* messages, with begin and end */
};

static void batch_note(struct batch *bt, struct nft_sock *s, enum obj o)
{
	GROW(bt->objs, bt->cap, bt->n + 1);
	bt->objs[bt->n++] = o;
	s->seq++;
	if (nftnl_batch_update(bt->b) < 0)	/* a new page could not be allocated */
		nn(NULL);
}

static void batch_start(struct batch *bt, struct nft_sock *s)
{
	*bt = (struct batch){ .b = nn(nftnl_batch_alloc(MNL_SOCKET_BUFFER_SIZE, MNL_SOCKET_BUFFER_SIZE)),
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

/* Where a transaction failed: the kernel's errno and the object. */
struct failure {
	int err;
	enum obj obj;
	bool unknown;	/* no verdict from the kernel: the outcome is not known */
};

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
 * Send the batch and collect one acknowledgement per message. nfnetlink
 * processes a batch synchronously inside sendmsg(), so every answer is
 * queued when it returns; the poll() only bounds a kernel that would
 * answer late. Returns 0, or -errno with *f.
 */
static int batch_send(struct nft_sock *s, struct batch *bt, struct failure *f, int64_t *ret_usec)
{
	size_t n_iov = (size_t)nftnl_batch_iovec_len(bt->b);
	_cleanup_free_ struct iovec *iov = xcalloc(n_iov, sizeof(*iov));
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct msghdr msg = { .msg_name = &kernel, .msg_namelen = sizeof(kernel), .msg_iov = iov,
			      .msg_iovlen = n_iov };
	size_t expected = bt->n - 2, acks = 0, total = 0;	/* begin and end are not acknowledged */
	int fd = mnl_socket_get_fd(s->nl);
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int64_t t0 = now_usec();

	*f = (struct failure){ 0 };
	nftnl_batch_iovec(bt->b, iov, (uint32_t)n_iov);
	for (size_t i = 0; i < n_iov; i++)
		total += iov[i].iov_len;
	/* Room for the whole batch, and for an acknowledgement per message
	 * (a socket buffer counts each as about a kilobyte). */
	set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, (int)total + 4096);
	set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, (int)(bt->n * 1024 + 65536));
	if (sendmsg(fd, &msg, 0) < 0) {
		*f = (struct failure){ .err = -errno, .obj = OBJ_BATCH };
		return f->err;
	}
	while (acks < expected && !f->err) {
		ssize_t len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (len < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			if (poll(&p, 1, 5000) == 1)
				continue;
			*f = (struct failure){ .err = -ETIMEDOUT, .obj = OBJ_BATCH, .unknown = true };
			break;
		}
		if (len < 0) {
			if (errno == EINTR)
				continue;
			*f = (struct failure){ .err = -errno, .obj = OBJ_BATCH, .unknown = true };
			break;
		}
		int left = (int)len;
		for (const struct nlmsghdr *h = (void *)buf; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
			uint32_t i = h->nlmsg_seq - bt->seq0;

			if (h->nlmsg_type != NLMSG_ERROR || i >= bt->n)
				continue;
			if (e->error) {
				*f = (struct failure){ .err = e->error, .obj = bt->objs[i] };
				break;
			}
			acks++;
		}
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
static int batch_commit(struct batch *bt, struct nft_sock *s, struct failure *f, int64_t *ret_usec)
{
	int r;

	nftnl_batch_end(nftnl_batch_buffer(bt->b), s->seq);
	batch_note(bt, s, OBJ_BATCH);
	r = batch_send(s, bt, f, ret_usec);
	batch_free(bt);
	return r;
}

/* The one place kernel errors become words. what: "creating" or "deleting". */
static char *explain(const struct failure *f, const char *what, const char *table)
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

/* ---- sockets, tables ----------------------------------------------------- */

int nft_open(int netns_fd, struct nft_sock **ret, char **ret_err)
{
	_cleanup_close_ int fd = netns_socket(netns_fd, AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER);
	struct nft_sock *s;

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
	struct nftnl_table *t = nn(nftnl_table_alloc());
	struct nftnl_udata_buf *ud = nn(nftnl_udata_buf_alloc(256));
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
	struct nftnl_chain *c = nn(nftnl_chain_alloc());

	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chain_names[input]);
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
static int drop_create(struct nft_sock *s, const struct nft_drop *d, struct failure *f, int64_t *ret_usec)
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
		struct nftnl_rule *nr = build_rule(d, &rules[i]);
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
	struct failure f;
	int r = drop_create(s, d, &f, ret_usec);

	*ret_created = r == 0 || f.unknown;
	if (r < 0)
		*ret_err = explain(&f, "creating", d->table);
	return r;
}

/* One DELTABLE transaction; a table already gone is success. */
static int table_delete(struct nft_sock *s, const char *name, int64_t *ret_usec, struct failure *f)
{
	struct nftnl_table *t = nn(nftnl_table_alloc());
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
	struct failure f;
	int r = table_delete(s, name, ret_usec, &f);

	if (r < 0)
		*ret_err = explain(&f, "deleting", name);
	return r;
}

enum table_state { TABLE_ABSENT, TABLE_OWNED, TABLE_UNOWNED };

static int on_table(const struct nlmsghdr *h, void *data)
{
	struct nftnl_table *t = nn(nftnl_table_alloc());
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
	struct nftnl_table *t = nn(nftnl_table_alloc());
	uint32_t seq = s->seq++;
	struct nlmsghdr *h = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, (uint16_t)family, NLM_F_ACK, seq);
	enum table_state st = TABLE_ABSENT;
	ssize_t len;
	int r;

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nftnl_table_nlmsg_build_payload(h, t);
	nftnl_table_free(t);
	if (mnl_socket_sendto(s->nl, h, h->nlmsg_len) < 0)
		return -errno;
	do {	/* the table (if any), then the acknowledgement */
		len = mnl_socket_recvfrom(s->nl, buf, sizeof(buf));
		if (len < 0)
			return -errno;
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

/* ---- support ------------------------------------------------------------- */

enum probe_result {
	PROBE_OK, PROBE_NO_PRIV, PROBE_NO_NFNETLINK, PROBE_NO_NFTABLES, PROBE_NO_OWNER,
	PROBE_NO_INET, PROBE_NO_EXPR, PROBE_FAILED,
};

static const char *const probe_reasons[] = {
	[PROBE_NO_PRIV] = "partition needs root: nftables needs CAP_NET_ADMIN, and the check that "
			  "nf_tables works needs CAP_SYS_ADMIN for a scratch network namespace",
	[PROBE_NO_NFNETLINK] = "nf_tables is not available: nfnetlink is missing; load nf_tables "
			       "(modprobe nf_tables) or use a kernel with CONFIG_NF_TABLES",
	[PROBE_NO_NFTABLES] = "nf_tables is not available: load nf_tables (modprobe nf_tables) or use "
			      "a kernel with CONFIG_NF_TABLES",
	[PROBE_NO_OWNER] = "nf_tables here does not know the table owner flag, which partitions rely "
			   "on to leave nothing behind: use Linux 5.12 or later",
	[PROBE_NO_INET] = "nf_tables here cannot hook inet filter chains: load nf_tables with inet "
			  "support (CONFIG_NF_TABLES_INET)",
	[PROBE_NO_EXPR] = "nf_tables here lacks an expression partitions use (meta, payload, bitwise, "
			  "cmp, counter, immediate): use a kernel with CONFIG_NF_TABLES and its core",
	[PROBE_FAILED] = "nf_tables check failed: a test table could not be created and deleted in a "
			 "scratch network namespace (run `erebus faults` as root to see this again)",
};

static enum probe_result classify(const struct failure *f)
{
	if (f->unknown)
		return PROBE_FAILED;
	switch (f->obj) {
	case OBJ_BATCH:
		return f->err == -EPERM ? PROBE_NO_PRIV : PROBE_NO_NFTABLES;
	case OBJ_TABLE:
		return f->err == -EOPNOTSUPP ? PROBE_NO_OWNER : PROBE_FAILED;
	case OBJ_CHAIN:
		return PROBE_NO_INET;
	case OBJ_RULE:
		return PROBE_NO_EXPR;
	}
	return PROBE_FAILED;
}

/* In the child: a table that uses every expression, created and deleted. */
static enum probe_result probe_child(void)
{
	static const struct cidr peers[] = {
		{ .family = AF_INET, .addr = { 192, 0, 2 }, .prefix = 24 },
		{ .family = AF_INET6, .addr = { 0x20, 0x01, 0x0d, 0xb8 }, .prefix = 32 },
	};
	const struct nft_drop d = { .table = NFT_TABLE_PREFIX "probe", .ifname = "lo", .egress = true,
				    .ingress = true, .peers = peers, .n_peers = 2, .port = 9,
				    .protocol = NET_PROTO_ANY };
	struct nft_sock *s = NULL;
	_cleanup_free_ char *err = NULL;
	struct failure f;

	enum probe_result res = PROBE_OK;

	if (unshare(CLONE_NEWNET) < 0)
		return errno == EPERM ? PROBE_NO_PRIV : PROBE_FAILED;
	if (nft_open(-1, &s, &err) < 0)
		return PROBE_NO_NFNETLINK;
	if (drop_create(s, &d, &f, NULL) < 0 || table_delete(s, d.table, NULL, &f) < 0)
		res = classify(&f);
	nft_close(s);
	return res;
}

int nft_supported(const char **reason)
{
	static int cached = -1;
	int status = 0;
	pid_t pid;

	if (cached < 0) {
		pid = fork();
		if (pid < 0) {
			*reason = probe_reasons[PROBE_FAILED];
			return -errno;
		}
		if (pid == 0)
			_exit(probe_child());
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		cached = WIFEXITED(status) && WEXITSTATUS(status) < (int)ARRAY_SIZE(probe_reasons) ?
				 WEXITSTATUS(status) : PROBE_FAILED;
	}
	if (cached == PROBE_OK)
		return 0;
	*reason = probe_reasons[cached];
	return cached == PROBE_NO_PRIV ? -EPERM : -EOPNOTSUPP;
}
