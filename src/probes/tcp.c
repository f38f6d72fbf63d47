/* SPDX-License-Identifier: MIT */
/*
 * The tcp probe: a sample passes when a TCP connection to host:port is
 * established. The connect is non-blocking and watched on the loop
 * (EPOLLOUT, then SO_ERROR); each address of the host is tried in turn
 * until one accepts. The connection is closed right away.
 *
 * The host is resolved with getaddrinfo() at each sample, so a changed
 * name is followed. A numeric address (127.0.0.1, ::1) never blocks; a
 * name is looked up synchronously by the C library (usually /etc/hosts or
 * a local resolver), which is the one place this probe may wait.
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
	struct addrinfo *ai, *cur;	/* the sample's addresses; cur: trying */
	int fd;
	int last_err;
	unsigned tried;
};

static void tcp_release(struct tcp_state *st)
{
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
			(void)close(fd);
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
	(void)close(fd);
	st->fd = -1;
	if (!err) {
		tcp_finish(st, true);
		return;
	}
	st->last_err = err;
	st->cur = st->cur->ai_next;
	tcp_try(st);
}

static int tcp_start(struct probe_ctx *ctx)
{
	struct tcp_state *st = ctx->state;
	const struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};
	char msg[256];
	int rc;

	st->last_err = 0;
	st->tried = 0;
	rc = getaddrinfo(st->host, st->port, &hints, &st->ai);
	if (rc) {
		if (rc == EAI_SYSTEM)
			return -errno;
		st->ai = NULL;
		snprintf(msg, sizeof(msg), "cannot resolve \"%s\": %s", st->host, gai_strerror(rc));
		probe_complete(ctx, false, -1, msg);
		return 0;
	}
	st->cur = st->ai;
	tcp_try(st);
	return 0;
}

static void tcp_cancel(struct probe_ctx *ctx)
{
	tcp_release(ctx->state);
}

static int tcp_init(struct probe_ctx *ctx, char **ret_err)
{
	const struct section *sec = ctx->spec->sec;
	struct tcp_state *st = xcalloc(1, sizeof(*st));
	const char *host;
	size_t n;

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
	ctx->state = st;
	return 0;
}

static void tcp_destroy(struct probe_ctx *ctx)
{
	struct tcp_state *st = ctx->state;

	if (!st)
		return;
	tcp_release(st);
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
