/* SPDX-License-Identifier: MIT */
/*
 * epoll plus one timerfd. Armed timers sit in a binary min-heap on their
 * deadline (ties in the order the timers were made), so finding the next
 * one, arming, moving and deleting one cost O(log n) however many there
 * are: two per probe, and a thousand probes due in the same moment are
 * fired in O(k log n), not by a scan of every timer for each (which made
 * the last of them milliseconds late). The timerfd is armed with the
 * earliest absolute CLOCK_MONOTONIC deadline. Deleting fds and timers
 * from inside callbacks only marks them dead; they are freed after the
 * current dispatch round.
 */
#include <sys/timerfd.h>
#include <time.h>

#include "erebus/loop.h"
#include "erebus/util.h"

struct watch {
	int fd;
	bool dead;
	loop_fd_cb cb;
	void *ctx;
	struct watch *next_dead;
};

#define NOT_QUEUED SIZE_MAX

struct loop_timer {
	int64_t at;	/* 0: disarmed */
	uint64_t round;	/* dispatch round in which it last fired */
	uint64_t seq;	/* order of creation: breaks ties between equal deadlines */
	size_t idx;	/* its place in the heap, NOT_QUEUED if not there */
	bool dead;
	loop_timer_cb cb;
	void *ctx;
};

struct loop {
	int epfd, tfd;
	bool quit;
	int code;
	struct watch **watches;	/* indexed by fd */
	size_t cap_watches;
	struct watch *dead;
	struct loop_timer **timers;	/* every timer, for freeing */
	size_t n_timers, cap_timers;
	struct loop_timer **heap;	/* the armed ones, earliest first */
	size_t n_heap, cap_heap;
	uint64_t seq;
	int64_t armed;		/* deadline the timerfd holds, 0 if none */
	int error;		/* -errno of a timerfd that could not be armed; ends loop_run() */
	uint64_t round;
	int dispatching;
};

static struct watch timer_watch;	/* marks the timerfd's epoll entry */

struct loop *loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof(*l));
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &timer_watch };

	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (l->epfd < 0 || l->tfd < 0 || epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->tfd, &ev) < 0) {
		int e = errno;
		loop_free(l);
		errno = e;
		return NULL;
	}
	return l;
}

static void reap(struct loop *l)
{
	size_t j = 0;

	while (l->dead) {
		struct watch *w = l->dead;
		l->dead = w->next_dead;
		free(w);
	}
	for (size_t i = 0; i < l->n_timers; i++) {
		if (l->timers[i]->dead)
			free(l->timers[i]);
		else
			l->timers[j++] = l->timers[i];
	}
	l->n_timers = j;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->cap_watches; i++)
		free(l->watches[i]);
	free(l->watches);
	reap(l);
	for (size_t i = 0; i < l->n_timers; i++)
		free(l->timers[i]);
	free(l->timers);
	free(l->heap);
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->tfd >= 0)
		close(l->tfd);
	free(l);
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *ctx)
{
	struct watch *w;
	struct epoll_event ev = { .events = events };

	if (fd < 0)
		return -EBADF;
	GROW(l->watches, l->cap_watches, (size_t)fd + 1);
	if (l->watches[fd])
		return -EEXIST;
	w = xcalloc(1, sizeof(*w));
	*w = (struct watch){ .fd = fd, .cb = cb, .ctx = ctx };
	ev.data.ptr = w;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = -errno;
		free(w);
		return e;
	}
	l->watches[fd] = w;
	return 0;
}

int loop_mod_fd(struct loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events };

	if (fd < 0 || (size_t)fd >= l->cap_watches || !l->watches[fd])
		return -ENOENT;
	ev.data.ptr = l->watches[fd];
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

void loop_del_fd(struct loop *l, int fd)
{
	struct watch *w;

	if (fd < 0 || (size_t)fd >= l->cap_watches || !(w = l->watches[fd]))
		return;
	(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->watches[fd] = NULL;
	w->dead = true;
	w->next_dead = l->dead;
	l->dead = w;
	if (!l->dispatching)
		reap(l);
}

/* ---- the heap of armed timers ---- */

static bool earlier(const struct loop_timer *a, const struct loop_timer *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void heap_put(struct loop *l, size_t i, struct loop_timer *t)
{
	l->heap[i] = t;
	t->idx = i;
}

static void sift_up(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	while (i > 0 && earlier(t, l->heap[(i - 1) / 2])) {
		heap_put(l, i, l->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_put(l, i, t);
}

static void sift_down(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= l->n_heap)
			break;
		if (c + 1 < l->n_heap && earlier(l->heap[c + 1], l->heap[c]))
			c++;
		if (!earlier(l->heap[c], t))
			break;
		heap_put(l, i, l->heap[c]);
		i = c;
	}
	heap_put(l, i, t);
}

static void heap_remove(struct loop *l, struct loop_timer *t)
{
	size_t i = t->idx;
	struct loop_timer *last;

	if (i == NOT_QUEUED)
		return;
	t->idx = NOT_QUEUED;
	last = l->heap[--l->n_heap];
	if (i == l->n_heap)
		return;
	heap_put(l, i, last);
	sift_up(l, i);
	sift_down(l, last->idx);
}

/* Set t's deadline (0: disarmed) and its place in the heap to match. */
static void timer_arm(struct loop *l, struct loop_timer *t, int64_t at_us)
{
	heap_remove(l, t);
	t->at = at_us;
	if (!at_us || t->dead)
		return;
	GROW(l->heap, l->cap_heap, l->n_heap + 1);
	heap_put(l, l->n_heap++, t);
	sift_up(l, t->idx);
}

static void rearm(struct loop *l)
{
	int64_t next = l->n_heap ? l->heap[0]->at : 0;
	struct itimerspec its = { 0 };

	if (next == l->armed)
		return;
	l->armed = next;
	if (next) {
		its.it_value.tv_sec = next / USEC_PER_SEC;
		its.it_value.tv_nsec = next % USEC_PER_SEC * NSEC_PER_USEC;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	/* A timer that cannot be armed would never fire: a fault never
	 * reverted at its end. loop_run() returns the error instead. */
	if (timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0 && !l->error) {
		l->error = -errno;
		l->armed = -1;
	}
}

struct loop_timer *loop_timer_add(struct loop *l, int64_t at_us, loop_timer_cb cb, void *ctx)
{
	struct loop_timer *t = xcalloc(1, sizeof(*t));

	*t = (struct loop_timer){ .seq = l->seq++, .idx = NOT_QUEUED, .cb = cb, .ctx = ctx };
	GROW(l->timers, l->cap_timers, l->n_timers + 1);
	l->timers[l->n_timers++] = t;
	timer_arm(l, t, at_us);
	if (!l->dispatching)
		rearm(l);
	return t;
}

void loop_timer_set(struct loop *l, struct loop_timer *t, int64_t at_us)
{
	if (!t || t->dead)
		return;
	timer_arm(l, t, at_us);
	if (!l->dispatching)
		rearm(l);
}

void loop_timer_del(struct loop *l, struct loop_timer *t)
{
	if (!t || t->dead)
		return;
	timer_arm(l, t, 0);
	t->dead = true;
	if (!l->dispatching) {
		reap(l);
		rearm(l);
	}
}

static void run_timers(struct loop *l)
{
	uint64_t expirations;
	int64_t now = now_usec();
	_cleanup_free_ struct loop_timer **waiting = NULL;
	size_t n_waiting = 0, cap_waiting = 0;

	(void)!read(l->tfd, &expirations, sizeof(expirations));
	l->armed = -1;	/* force rearm */
	l->round++;
	/* Fire every due timer once, earliest deadline first (a late loop must
	 * not reorder a timeline); one re-armed into the past waits a round:
	 * it is taken out of the heap (waiting) until this round is over. */
	while (!l->quit && l->n_heap && l->heap[0]->at <= now) {
		struct loop_timer *t = l->heap[0];
		int64_t next;

		heap_remove(l, t);
		if (t->round == l->round) {
			GROW(waiting, cap_waiting, n_waiting + 1);
			waiting[n_waiting++] = t;
			continue;
		}
		t->at = 0;
		t->round = l->round;
		next = t->cb(l, now, t->ctx);
		if (!t->dead && next > 0)
			timer_arm(l, t, next);
	}
	/* Back into the heap, unless a callback armed (or deleted) them since. */
	for (size_t i = 0; i < n_waiting; i++)
		if (waiting[i]->idx == NOT_QUEUED && !waiting[i]->dead && waiting[i]->at)
			timer_arm(l, waiting[i], waiting[i]->at);
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[64];

	l->quit = false;
	l->code = 0;
	rearm(l);
	while (!l->quit) {
		int n;

		if (l->error)
			return l->error;
		n = epoll_wait(l->epfd, evs, (int)ARRAY_SIZE(evs), -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		l->dispatching++;
		for (int i = 0; i < n && !l->quit; i++) {
			struct watch *w = evs[i].data.ptr;
			if (w == &timer_watch)
				run_timers(l);
			else if (!w->dead)
				w->cb(l, w->fd, evs[i].events, w->ctx);
		}
		l->dispatching--;
		reap(l);
		rearm(l);
	}
	return l->code;
}

void loop_quit(struct loop *l, int code)
{
	l->quit = true;
	l->code = code;
}

int loop_quitting(const struct loop *l) { return l->quit; }
