/* SPDX-License-Identifier: MIT */
/*
 * Closing connections so the server closes first (internal.h). A probe
 * that is done with a connection whose server has not closed yet hands it
 * here; it is watched on the loop until the server's FIN (end of file),
 * then closed: the server closed first, so the TIME_WAIT is the server's.
 * A server that does not close within CONN_HOLD_MS is closed from here
 * then (a FIN, as usual). Held connections are few and short-lived (the
 * FIN usually follows the response at once), so they are a list.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "internal.h"

/* How long a connection waits for its server's FIN. */
#define CONN_HOLD_MS 1000

struct conn_hold {
	struct conn_held *h;
	int fd;
	struct loop_timer *timer;
	struct conn_hold *next, **pprev;
};

void conn_arm_reset(int fd)
{
	const struct linger rst = { .l_onoff = 1, .l_linger = 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
}

int conn_close_reset(int fd)
{
	conn_arm_reset(fd);
	return close(fd);
}

/* Close fd with a FIN, as usual (undoing conn_arm_reset()). */
static int conn_close_fin(int fd)
{
	const struct linger off = { .l_onoff = 0, .l_linger = 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &off, sizeof(off));
	return close(fd);
}

/* Close a held connection now (reset: with a reset) and forget it. */
static void conn_end(struct conn_hold *c, bool reset)
{
	loop_del_fd(c->h->loop, c->fd);
	loop_timer_del(c->h->loop, c->timer);
	if (reset)
		(void)conn_close_reset(c->fd);
	else
		(void)conn_close_fin(c->fd);
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	free(c);
}

/* The held connection is readable: the server's FIN (end of file), an
 * error, or stray bytes (drained, a bounded number of times per wakeup). */
static void conn_on_fd(struct loop *l, int fd, uint32_t events, void *userdata)
{
	char buf[4096];
	ssize_t n = 1;

	for (int i = 0; i < 16 && n > 0; i++)
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR) && !(events & (EPOLLHUP | EPOLLERR))))
		return;
	conn_end(userdata, false);
}

/* The server did not close in time: close from this side. */
static int64_t conn_on_timer(struct loop *l, int64_t now_us, void *userdata)
{
	conn_end(userdata, false);
	return 0;
}

/* Is fd a TCP connection still established in both directions? */
static bool conn_established(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 && ti.tcpi_state == TCP_ESTABLISHED;
}

bool conn_is_held(const struct conn_held *h, int fd)
{
	for (const struct conn_hold *c = h->list; c; c = c->next)
		if (c->fd == fd)
			return true;
	return false;
}

int conn_close_after_peer(struct conn_held *h, int fd)
{
	struct conn_hold *c;
	int held, rc;

	if (!conn_established(fd))	/* the peer closed first (or never connected) */
		return conn_close_fin(fd);
	if (h->closing)
		return conn_close_reset(fd);
	/* Held on a number of its own: the owner's number is closed now, so
	 * a late close of it by the owner cannot reach the held connection
	 * (libcurl 7.88 to 8.1 close some sockets behind their callback and
	 * announce others after closing them). The owner's loop watch, if it
	 * is still there, goes first, while its fd is open. */
	held = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (held < 0)
		return close(fd);
	loop_del_fd(h->loop, fd);
	(void)close(fd);
	c = xcalloc(1, sizeof(*c));
	c->h = h;
	c->fd = held;
	rc = loop_add_fd(h->loop, held, EPOLLIN | EPOLLRDHUP, conn_on_fd, c);
	if (rc < 0) {
		free(c);
		return conn_close_fin(held);
	}
	c->timer = loop_timer_add(h->loop, now_usec() + CONN_HOLD_MS * USEC_PER_MSEC, conn_on_timer, c);
	c->next = h->list;
	c->pprev = &h->list;
	if (c->next)
		c->next->pprev = &c->next;
	h->list = c;
	return 0;
}

void conn_reset_held(struct conn_held *h)
{
	while (h->list)
		conn_end(h->list, true);
}
