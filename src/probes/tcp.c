/* SPDX-License-Identifier: MIT */
/*
 * The tcp probe: a sample passes when a TCP connection to host:port is
 * established. The connect is non-blocking and watched on the loop
 * (EPOLLOUT, then SO_ERROR); each address of the host is tried in turn
 * until one accepts. The connection is closed right away, with a reset
 * (SO_LINGER 0) rather than a FIN: the probe sends no data, so nothing is
 * lost, and no socket is left in TIME_WAIT on Erebus' side, however fast
 * it samples (the standard behaviour of port checkers; see
 * docs/probes/tcp.md). A socket() or connect() that fails for lack of
 * Erebus' own resources (no local port, no file descriptor) is reported
 * with probe_erebus_error(), not as the service's failure.
 *
 * The host is resolved at each sample, so a changed name is followed. A
 * numeric address (127.0.0.1, ::1) is read at once; a name is looked up in
 * a resolver thread (probe_lookup_start()), so a slow or unreachable name
 * server delays this sample alone, never the loop.
 */
#include <netdb.h>
#include <sys/socket.h>

#include "erebus/netns.h"
#include "erebus/probe.h"
#include "internal.h"

struct tcp_state {
	struct probe_ctx *ctx;
	char *host;			/* without [] around an IPv6 address */
	char port[8];
	bool named;			/* host is a name (looked up off the loop) */
	struct probe_lookup *lookup;	/* the sample's lookup under way */
	struct addrinfo *ai, *cur;	/* the sample's addresses; cur: trying */
	int fd;
	int last_err;
	unsigned tried;
};

static void tcp_release(struct tcp_state *st)
{
	probe_lookup_cancel(st->lookup);
	st->lookup = NULL;
	if (st->fd >= 0) {
		loop_del_fd(st->ctx->env->loop, st->fd);
		(void)close(st->fd);
		st->fd = -1;
	}
	if (st->ai)
		freeaddrinfo(st->ai);
	st->ai = st->cur = NULL;
}

/* End the sample: success, or the error of the last address tried. */
static void tcp_finish(struct tcp_state *st, bool ok)
{
	char e[128], msg[192];
	unsigned tried = st->tried;
	int err = st->last_err;

	tcp_release(st);
	if (ok) {
		probe_complete(st->ctx, true, -1, NULL);
		return;
	}
	if (probe_errno_is_erebus(err)) {
		probe_erebus_error(st->ctx, err);
		return;
	}
	probe_strerror(err ? err : ECONNREFUSED, e, sizeof(e));
	if (tried > 1)
		snprintf(msg, sizeof(msg), "%s (%u addresses tried)", e, tried);
	else
		snprintf(msg, sizeof(msg), "%s", e);
	probe_complete(st->ctx, false, -1, msg);
}

static void tcp_on_writable(struct loop *l, int fd, uint32_t events, void *userdata);

/* Try st->cur and the addresses after it until a connect is under way
 * (returns), succeeds or every one failed (the sample completes). */
static void tcp_try(struct tcp_state *st)
{
	for (; st->cur; st->cur = st->cur->ai_next) {
		const struct addrinfo *a = st->cur;
		int fd, rc;

		st->tried++;
		fd = netns_socket(st->ctx->netns_fd, a->ai_family, a->ai_socktype | SOCK_NONBLOCK,
				  a->ai_protocol);
		if (fd < 0) {
			st->last_err = -fd;
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
			(void)conn_close_reset(fd);
			tcp_finish(st, true);
			return;
		}
		if (errno != EINPROGRESS) {
			st->last_err = errno;
			(void)close(fd);
			continue;
		}
		rc = loop_add_fd(st->ctx->env->loop, fd, EPOLLOUT, tcp_on_writable, st);
		if (rc < 0) {
			st->last_err = -rc;
			(void)close(fd);
			continue;
		}
		st->fd = fd;
		return;
	}
	tcp_finish(st, false);
}

static void tcp_on_writable(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct tcp_state *st = userdata;
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	loop_del_fd(l, fd);
	if (err)
		(void)close(fd);
	else
		(void)conn_close_reset(fd);
	st->fd = -1;
	if (!err) {
		tcp_finish(st, true);
		return;
	}
	st->last_err = err;
	st->cur = st->cur->ai_next;
	tcp_try(st);
}

/* The sample's addresses are known (rc 0, ai) or cannot be: connect, or
 * fail the sample. Takes ai. */
static void tcp_resolved(struct tcp_state *st, int rc, struct addrinfo *ai)
{
	char msg[256];

	if (rc) {
		snprintf(msg, sizeof(msg), "cannot resolve \"%s\": %s", st->host, gai_strerror(rc));
		probe_complete(st->ctx, false, -1, msg);
		return;
	}
	st->ai = st->cur = ai;
	tcp_try(st);
}

static void tcp_on_lookup(int rc, struct addrinfo *ai, void *userdata)
{
	struct tcp_state *st = userdata;

	st->lookup = NULL;
	tcp_resolved(st, rc, ai);
}

static int tcp_start(struct probe_ctx *ctx)
{
	struct tcp_state *st = ctx->state;
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV | (st->named ? 0 : AI_NUMERICHOST),
	};
	struct addrinfo *ai = NULL;
	int rc;

	st->last_err = 0;
	st->tried = 0;
	if (st->named)
		rc = probe_lookup_start(st->host, st->port, &hints, tcp_on_lookup, st, &st->lookup);
	else if (!(rc = getaddrinfo(st->host, st->port, &hints, &ai)))
		tcp_resolved(st, 0, ai);	/* a numeric address: nothing waited for */
	if (rc == EAI_SYSTEM)
		return -errno;
	if (rc)
		tcp_resolved(st, rc, NULL);
	return 0;
}

static void tcp_cancel(struct probe_ctx *ctx)
{
	tcp_release(ctx->state);
}

/* Is host an IPv4 or IPv6 address rather than a name? */
static bool tcp_numeric(const char *host)
{
	const struct addrinfo hints = { .ai_flags = AI_NUMERICHOST };
	struct addrinfo *ai = NULL;

	if (getaddrinfo(host, NULL, &hints, &ai))
		return false;
	freeaddrinfo(ai);
	return true;
}

static int tcp_init(struct probe_ctx *ctx, char **ret_err)
{
	const struct section *sec = ctx->spec->sec;
	struct tcp_state *st = xcalloc(1, sizeof(*st));
	const char *host;
	size_t n;
	int rc;

	st->ctx = ctx;
	st->fd = -1;
	host = section_str(sec, "host");
	if (!host) {
		*ret_err = xstrdup("host is not set");
		free(st);
		return -EINVAL;
	}
	n = strlen(host);
	if (n > 2 && host[0] == '[' && host[n - 1] == ']')
		st->host = xstrndup(host + 1, n - 2);
	else
		st->host = xstrdup(host);
	snprintf(st->port, sizeof(st->port), "%d", (int)section_int(sec, "port"));
	st->named = !tcp_numeric(st->host);
	if (st->named && (rc = probe_lookup_attach(ctx->env->loop)) < 0) {
		*ret_err = xasprintf("cannot look names up on the event loop: %s", strerror(-rc));
		free(st->host);
		free(st);
		return rc;
	}
	ctx->state = st;
	return 0;
}

static void tcp_destroy(struct probe_ctx *ctx)
{
	struct tcp_state *st = ctx->state;

	if (!st)
		return;
	tcp_release(st);
	if (st->named)
		probe_lookup_detach(ctx->env->loop);
	free(st->host);
	free(st);
	ctx->state = NULL;
}

static void tcp_describe(const struct probe_spec *p, struct sbuf *out)
{
	const char *host = section_str(p->sec, "host");
	bool v6 = host && host[0] != '[' && strchr(host, ':');

	sbuf_addf(out, "connect to %s%s%s:%d", v6 ? "[" : "", host ? host : "?", v6 ? "]" : "",
		  (int)section_int(p->sec, "port"));
	probe_describe_timing(p, out);
}

static const struct opt_def tcp_options[] = {
	{ "host", OPT_STRING, OPT_REQUIRED, NULL, 0, 0, NULL,
	  "address or name to connect to (names are resolved at each sample)" },
	{ "port", OPT_INT, OPT_REQUIRED, NULL, 1, 65535, NULL, "TCP port" },
	OPT_END,
};

const struct probe_type probe_tcp = {
	.name = "tcp",
	.summary = "TCP connect to host:port",
	.options = tcp_options,
	.init = tcp_init,
	.start = tcp_start,
	.cancel = tcp_cancel,
	.destroy = tcp_destroy,
	.describe = tcp_describe,
};
