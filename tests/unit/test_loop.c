/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the event loop (src/base/loop.c): timer order and
 * repetition, deleting timers and fds from inside callbacks, fd callbacks
 * on pipes, and the code loop_quit() hands back to loop_run().
 *
 * Nothing sleeps: every test ends through loop_quit() from a callback,
 * and a watchdog timer quits with a distinct code if that never happens.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>

#include "erebus/loop.h"
#include "erebus/util.h"

#define WATCHDOG_CODE 99
#define MAX_EVENTS 512

struct lfx {
	struct loop *l;
	int fds[8];		/* pipe ends, closed in teardown */
	size_t n_fds;
	/* what callbacks saw, in order */
	int order[MAX_EVENTS];
	int64_t when[MAX_EVENTS];
	size_t n;
	struct loop_timer *timers[8];
	int counts[8];
};

static int setup(void **state)
{
	struct lfx *f = xcalloc(1, sizeof(*f));

	f->l = loop_new();
	if (!f->l) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct lfx *f = *state;

	loop_free(f->l);
	for (size_t i = 0; i < f->n_fds; i++)
		if (f->fds[i] >= 0)
			close(f->fds[i]);
	free(f);
	return 0;
}

static void record(struct lfx *f, int id, int64_t now)
{
	if (f->n < MAX_EVENTS) {
		f->order[f->n] = id;
		f->when[f->n] = now;
	}
	f->n++;
}

/* A pipe whose ends the fixture closes. */
static void make_pipe(struct lfx *f, int *rd, int *wr)
{
	int p[2];

	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	assert_true(f->n_fds + 2 <= ARRAY_SIZE(f->fds));
	f->fds[f->n_fds++] = *rd = p[0];
	f->fds[f->n_fds++] = *wr = p[1];
}

static int64_t watchdog_cb(struct loop *l, int64_t now, void *ctx)
{
	loop_quit(l, WATCHDOG_CODE);
	return 0;
}

/* Quit with WATCHDOG_CODE if the test's own quit never comes. */
static void watchdog(struct lfx *f, int64_t after_us)
{
	assert_non_null(loop_timer_add(f->l, now_usec() + after_us, watchdog_cb, NULL));
}

/* ---- timers ------------------------------------------------------------ */

struct tctx {
	struct lfx *f;
	int id;
	int64_t at;		/* the deadline it was given */
	int quit_after;		/* quit the loop once this many have fired */
};

static int64_t order_cb(struct loop *l, int64_t now, void *ctx)
{
	struct tctx *t = ctx;

	if (now < t->at)
		fail_msg("timer %d ran at %lld, before its deadline %lld", t->id, (long long)now,
			 (long long)t->at);
	record(t->f, t->id, now);
	if ((int)t->f->n == t->quit_after)
		loop_quit(l, 0);
	return 0;
}

/* Deadlines in the future, added latest first, fire earliest first. */
static void test_timers_deadline_order(void **state)
{
	struct lfx *f = *state;
	int64_t base = now_usec();
	struct tctx t[4];

	for (int i = 0; i < 4; i++) {
		int id = 3 - i;	/* ids 3, 2, 1, 0 */

		t[i] = (struct tctx){ .f = f, .id = id, .at = base + (id + 1) * 20 * USEC_PER_MSEC,
				      .quit_after = 4 };
		assert_non_null(loop_timer_add(f->l, t[i].at, order_cb, &t[i]));
	}
	watchdog(f, 5 * USEC_PER_SEC);
	assert_int_equal(loop_run(f->l), 0);
	assert_int_equal(f->n, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(f->order[i], i);
	for (int i = 1; i < 4; i++)
		assert_true(f->when[i] >= f->when[i - 1]);
}

/* Regression, fixed: run_timers() fires every due timer in the order they were added,
 * not by deadline; when the loop is late (a slow callback, a busy machine)
 * and several deadlines have passed, a later deadline can fire before an
 * earlier one. Here all three are overdue when loop_run() starts. */
static void test_timers_overdue_fire_in_deadline_order(void **state)
{
	struct lfx *f = *state;
	int64_t base = now_usec() - 10 * USEC_PER_MSEC;
	struct tctx t[3] = {
		{ .f = f, .id = 2, .at = base + 3000, .quit_after = 3 },
		{ .f = f, .id = 0, .at = base + 1000, .quit_after = 3 },
		{ .f = f, .id = 1, .at = base + 2000, .quit_after = 3 },
	};

	for (int i = 0; i < 3; i++)
		assert_non_null(loop_timer_add(f->l, t[i].at, order_cb, &t[i]));
	watchdog(f, 5 * USEC_PER_SEC);
	assert_int_equal(loop_run(f->l), 0);
	assert_int_equal(f->n, 3);
	assert_int_equal(f->order[0], 0);
	assert_int_equal(f->order[1], 1);
	assert_int_equal(f->order[2], 2);
}

/* Many overdue timers (deadlines shuffled, some equal, some moved and
 * some deleted before the loop runs) fire in deadline order, equal
 * deadlines in the order the timers were made: the heap keeps the scan's
 * order. */
static void test_many_timers_fire_in_deadline_then_creation_order(void **state)
{
	enum { N = 300 };
	struct lfx *f = *state;
	int64_t base = now_usec() - 50 * USEC_PER_MSEC;
	static struct tctx t[N];
	struct loop_timer *h[N];
	int fired = 0;

	for (int i = 0; i < N; i++) {
		t[i] = (struct tctx){ .f = f, .id = i, .at = base + (int64_t)((i * 37) % 50) * 100,
				      .quit_after = N - N / 10 };
		assert_non_null(h[i] = loop_timer_add(f->l, t[i].at, order_cb, &t[i]));
	}
	for (int i = 0; i < N; i += 10)
		loop_timer_del(f->l, h[i]);
	for (int i = 5; i < N; i += 10) {
		t[i].at = base + 4999 - (int64_t)i;	/* moved: distinct, late in the round */
		loop_timer_set(f->l, h[i], t[i].at);
	}
	watchdog(f, 5 * USEC_PER_SEC);
	assert_int_equal(loop_run(f->l), 0);
	assert_int_equal(f->n, N - N / 10);
	for (size_t k = 1; k < f->n && k < MAX_EVENTS; k++) {
		const struct tctx *a = &t[f->order[k - 1]], *b = &t[f->order[k]];
		if (a->at > b->at || (a->at == b->at && a->id > b->id))
			fail_msg("timer %d (at %lld) fired after timer %d (at %lld)", b->id, (long long)b->at,
				 a->id, (long long)a->at);
	}
	for (size_t k = 0; k < f->n && k < MAX_EVENTS; k++)
		fired += f->order[k] % 10 == 0;
	assert_int_equal(fired, 0);	/* the deleted ones never */
}

struct rctx {
	struct lfx *f;
	int fired;
	int64_t period, last_deadline;
};

static int64_t repeat_cb(struct loop *l, int64_t now, void *ctx)
{
	struct rctx *r = ctx;

	assert_true(now >= r->last_deadline);
	record(r->f, 0, now);
	if (++r->fired == 5) {
		loop_quit(l, 5);
		return 0;
	}
	r->last_deadline += r->period;	/* absolute: no drift */
	return r->last_deadline;
}

static void test_timer_repeats(void **state)
{
	struct lfx *f = *state;
	struct rctx r = { .f = f, .period = 2 * USEC_PER_MSEC };

	r.last_deadline = now_usec() + r.period;
	assert_non_null(loop_timer_add(f->l, r.last_deadline, repeat_cb, &r));
	watchdog(f, 5 * USEC_PER_SEC);
	assert_int_equal(loop_run(f->l), 5);
	assert_int_equal(r.fired, 5);
	assert_int_equal(f->n, 5);
}

/* Returning 0 disarms, but the timer stays and can be armed again. */
struct dctx {
	struct lfx *f;
	struct loop_timer *self;
	int fired;
};

static int64_t disarm_cb(struct loop *l, int64_t now, void *ctx)
{
	struct dctx *d = ctx;

	d->fired++;
	if (d->fired == 1) {
		/* re-arm ourselves from inside; the 0 we return must not win */
		loop_timer_set(l, d->self, now + USEC_PER_MSEC);
		return 0;
	}
	loop_quit(l, d->fired);
	return 0;
}

static int64_t rearm_cb(struct loop *l, int64_t now, void *ctx)
{
	struct dctx *d = ctx;

	d->fired++;
	return 0;
}

static void test_timer_disarm_and_rearm(void **state)
{
	struct lfx *f = *state;
	struct dctx d = { .f = f };
	struct dctx once = { .f = f };
	struct loop_timer *t;

	/* a timer created disarmed does not fire until set */
	t = loop_timer_add(f->l, 0, rearm_cb, &once);
	assert_non_null(t);
	loop_timer_set(f->l, t, now_usec() + USEC_PER_MSEC);

	d.self = loop_timer_add(f->l, now_usec() + 5 * USEC_PER_MSEC, disarm_cb, &d);
	assert_non_null(d.self);
	watchdog(f, 5 * USEC_PER_SEC);
	assert_int_equal(loop_run(f->l), 2);
	assert_int_equal(d.fired, 2);
	assert_int_equal(once.fired, 1);
	loop_timer_del(f->l, t);
}

static int64_t quit_now_cb(struct loop *l, int64_t now, void *ctx)
{
	loop_quit(l, 0);
	return 0;
}

/* Setting an armed timer to 0 disarms it (the engine disarms its hold
 * timer this way when a probe relapses): it must not fire. */
static void test_timer_set_zero_disarms(void **state)
{
	struct lfx *f = *state;
	struct dctx armed = { .f = f };
	struct loop_timer *t, *q;

	t = loop_timer_add(f->l, now_usec() + USEC_PER_MSEC, rearm_cb, &armed);
	assert_non_null(t);
	loop_timer_set(f->l, t, 0);
	q = loop_timer_add(f->l, now_usec() + 20 * USEC_PER_MSEC, quit_now_cb, NULL);
	assert_non_null(q);
	watchdog(f, 5 * USEC_PER_SEC);
	assert_int_equal(loop_run(f->l), 0);
	assert_int_equal(armed.fired, 0);
	loop_timer_del(f->l, t);
	loop_timer_del(f->l, q);
}

/* ---- deleting timers inside callbacks ---------------------------------- */

struct kctx {
	struct lfx *f;
	int id;
	struct loop_timer **victim;	/* deleted when this timer fires */
	struct loop_timer **self;
	int64_t again;			/* returned (after deleting) */
};

static int64_t killer_cb(struct loop *l, int64_t now, void *ctx)
{
	struct kctx *k = ctx;

	record(k->f, k->id, now);
	k->f->counts[k->id]++;
	if (k->victim) {
		loop_timer_del(l, *k->victim);
		*k->victim = NULL;
	}
	return k->again ? now + k->again : 0;
}

static int64_t quit_cb(struct loop *l, int64_t now, void *ctx)
{
	struct lfx *f = ctx;

	record(f, 7, now);
	loop_quit(l, 0);
	return 0;
}

/* A timer deletes itself and asks to repeat: it must not fire again. */
static void test_timer_delete_self(void **state)
{
	struct lfx *f = *state;
	struct loop_timer *self;
	struct kctx k = { .f = f, .id = 0, .victim = &self, .again = USEC_PER_MSEC };

	self = loop_timer_add(f->l, now_usec() + USEC_PER_MSEC, killer_cb, &k);
	assert_non_null(self);
	assert_non_null(loop_timer_add(f->l, now_usec() + 30 * USEC_PER_MSEC, quit_cb, f));
	watchdog(f, 5 * USEC_PER_SEC);
	assert_int_equal(loop_run(f->l), 0);
	assert_int_equal(f->counts[0], 1);
	assert_null(self);
	assert_int_equal(f->n, 2);
	assert_int_equal(f->order[1], 7);
}

/* A timer deletes another that is due in the same round (both overdue):
 * the victim must not fire, whichever order they are stored in. */
static void test_timer_delete_other_same_round(void **state)
{
	struct lfx *f = *state;
	int64_t past = now_usec() - USEC_PER_MSEC;
	struct loop_timer *a, *b;
	struct kctx ka = { .f = f, .id = 0, .victim = &b };
	struct kctx kb = { .f = f, .id = 1, .victim = &a };

	a = loop_timer_add(f->l, past, killer_cb, &ka);
	b = loop_timer_add(f->l, past, killer_cb, &kb);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(loop_timer_add(f->l, now_usec() + 20 * USEC_PER_MSEC, quit_cb, f));
	watchdog(f, 5 * USEC_PER_SEC);
	assert_int_equal(loop_run(f->l), 0);
	/* exactly one of them ran, and it deleted the other */
	assert_int_equal(f->counts[0] + f->counts[1], 1);
	assert_true((a == NULL) != (b == NULL));
}

/* A timer deletes a later one, and adds a new one, from its callback. */
static int64_t adder_cb(struct loop *l, int64_t now, void *ctx)
{
	struct kctx *k = ctx;

	record(k->f, k->id, now);
	loop_timer_del(l, *k->victim);
	*k->victim = NULL;
	assert_non_null(loop_timer_add(l, now + USEC_PER_MSEC, quit_cb, k->f));
	return 0;
}

static void test_timer_delete_other_later(void **state)
{
	struct lfx *f = *state;
	struct loop_timer *later;
	struct kctx victim_ctx = { .f = f, .id = 3 };
	struct kctx k = { .f = f, .id = 0, .victim = &later };

	later = loop_timer_add(f->l, now_usec() + 40 * USEC_PER_MSEC, killer_cb, &victim_ctx);
	assert_non_null(later);
	assert_non_null(loop_timer_add(f->l, now_usec() + USEC_PER_MSEC, adder_cb, &k));
	watchdog(f, 5 * USEC_PER_SEC);
	assert_int_equal(loop_run(f->l), 0);
	assert_int_equal(f->counts[3], 0);
	assert_int_equal(f->n, 2);
	assert_int_equal(f->order[0], 0);
	assert_int_equal(f->order[1], 7);
	loop_timer_del(f->l, NULL);	/* NULL is fine */
}

/* ---- fds --------------------------------------------------------------- */

struct fdctx {
	struct lfx *f;
	int id;
	int other;		/* fd to delete, or -1 */
	char got[16];
	uint32_t events;
};

static void read_cb(struct loop *l, int fd, uint32_t events, void *ctx)
{
	struct fdctx *c = ctx;
	ssize_t n = read(fd, c->got, sizeof(c->got) - 1);

	c->events = events;
	assert_true(n > 0);
	c->got[n] = '\0';
	record(c->f, c->id, now_usec());
	loop_quit(l, 7);
}

static void test_fd_pipe(void **state)
{
	struct lfx *f = *state;
	struct fdctx c = { .f = f, .id = 1, .other = -1 };
	int rd, wr;

	make_pipe(f, &rd, &wr);
	assert_int_equal(loop_add_fd(f->l, rd, EPOLLIN, read_cb, &c), 0);
	assert_int_equal(loop_add_fd(f->l, rd, EPOLLIN, read_cb, &c), -EEXIST);
	assert_int_equal(loop_add_fd(f->l, -1, EPOLLIN, read_cb, &c), -EBADF);
	assert_int_equal(write(wr, "hello", 5), 5);
	watchdog(f, 5 * USEC_PER_SEC);
	assert_int_equal(loop_run(f->l), 7);
	assert_string_equal(c.got, "hello");
	assert_true(c.events & EPOLLIN);
	assert_int_equal(f->n, 1);
	loop_del_fd(f->l, rd);
}

static void write_cb(struct loop *l, int fd, uint32_t events, void *ctx)
{
	struct fdctx *c = ctx;

	c->events = events;
	record(c->f, c->id, now_usec());
	loop_quit(l, 8);
}

/* loop_mod_fd switches what is watched. */
static void test_fd_mod(void **state)
{
	struct lfx *f = *state;
	struct fdctx c = { .f = f, .id = 2, .other = -1 };
	int rd, wr;

	make_pipe(f, &rd, &wr);
	/* the write end is writable at once, but we first watch nothing */
	assert_int_equal(loop_add_fd(f->l, wr, 0, write_cb, &c), 0);
	assert_int_equal(loop_mod_fd(f->l, wr, EPOLLOUT), 0);
	assert_int_equal(loop_mod_fd(f->l, rd, EPOLLIN), -ENOENT);
	watchdog(f, 5 * USEC_PER_SEC);
	assert_int_equal(loop_run(f->l), 8);
	assert_true(c.events & EPOLLOUT);
	assert_int_equal(f->n, 1);
}

/* Each callback deletes its own fd and the other one; both pipes are
 * readable in the same round, so the second callback must not run. */
static void del_both_cb(struct loop *l, int fd, uint32_t events, void *ctx)
{
	struct fdctx *c = ctx;

	record(c->f, c->id, now_usec());
	c->f->counts[c->id]++;
	loop_del_fd(l, c->other);
	loop_del_fd(l, fd);
}

static void test_fd_delete_inside_callback(void **state)
{
	struct lfx *f = *state;
	struct fdctx a = { .f = f, .id = 0 }, b = { .f = f, .id = 1 };
	int rd1, wr1, rd2, wr2;

	make_pipe(f, &rd1, &wr1);
	make_pipe(f, &rd2, &wr2);
	a.other = rd2;
	b.other = rd1;
	assert_int_equal(loop_add_fd(f->l, rd1, EPOLLIN, del_both_cb, &a), 0);
	assert_int_equal(loop_add_fd(f->l, rd2, EPOLLIN, del_both_cb, &b), 0);
	assert_int_equal(write(wr1, "x", 1), 1);
	assert_int_equal(write(wr2, "y", 1), 1);
	/* both stay readable (level-triggered): a watch that survived
	 * deletion would fire again before this quits */
	assert_non_null(loop_timer_add(f->l, now_usec() + 30 * USEC_PER_MSEC, quit_cb, f));
	watchdog(f, 5 * USEC_PER_SEC);
	assert_int_equal(loop_run(f->l), 0);
	assert_int_equal(f->counts[0] + f->counts[1], 1);
	assert_int_equal(f->n, 2);
	assert_int_equal(f->order[1], 7);

	/* the fds can be watched again afterwards */
	assert_int_equal(loop_add_fd(f->l, rd1, EPOLLIN, del_both_cb, &a), 0);
	loop_del_fd(f->l, rd1);
	loop_del_fd(f->l, rd1);	/* twice is harmless */
}

/* Delete and close our fd inside the callback, then watch a new pipe that
 * reuses the same number: the stale event must not reach the new watch. */
struct reuse {
	struct lfx *f;
	int wr;
	int new_rd, new_wr;
	int old_calls, new_calls;
};

static void new_cb(struct loop *l, int fd, uint32_t events, void *ctx)
{
	struct reuse *r = ctx;
	char c;

	r->new_calls++;
	assert_int_equal(read(fd, &c, 1), 1);
	assert_int_equal(c, 'n');
	loop_quit(l, 3);
}

static void old_cb(struct loop *l, int fd, uint32_t events, void *ctx)
{
	struct reuse *r = ctx;
	int p[2];

	r->old_calls++;
	loop_del_fd(l, fd);
	close(fd);
	for (size_t i = 0; i < r->f->n_fds; i++)
		if (r->f->fds[i] == fd)
			r->f->fds[i] = -1;
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	r->new_rd = p[0];
	r->new_wr = p[1];
	r->f->fds[r->f->n_fds++] = p[0];
	r->f->fds[r->f->n_fds++] = p[1];
	assert_int_equal(loop_add_fd(l, p[0], EPOLLIN, new_cb, r), 0);
	assert_int_equal(write(p[1], "n", 1), 1);
}

static void test_fd_delete_close_reuse(void **state)
{
	struct lfx *f = *state;
	struct reuse r = { .f = f };
	int rd;

	make_pipe(f, &rd, &r.wr);
	assert_int_equal(loop_add_fd(f->l, rd, EPOLLIN, old_cb, &r), 0);
	assert_int_equal(write(r.wr, "o", 1), 1);
	watchdog(f, 5 * USEC_PER_SEC);
	assert_int_equal(loop_run(f->l), 3);
	assert_int_equal(r.old_calls, 1);
	assert_int_equal(r.new_calls, 1);
}

/* ---- quitting ---------------------------------------------------------- */

static int64_t quit42_cb(struct loop *l, int64_t now, void *ctx)
{
	int *code = ctx;

	assert_false(loop_quitting(l));
	loop_quit(l, *code);
	assert_true(loop_quitting(l));
	return 0;
}

static void test_quit_code(void **state)
{
	struct lfx *f = *state;
	int code = 42;
	struct loop_timer *t = loop_timer_add(f->l, now_usec(), quit42_cb, &code);

	assert_non_null(t);
	assert_int_equal(loop_run(f->l), 42);
	assert_true(loop_quitting(f->l));

	/* run again: the flag is cleared, and the new code comes back */
	code = -5;
	loop_timer_set(f->l, t, now_usec());
	assert_int_equal(loop_run(f->l), -5);
}

/* Timers and callbacks stop as soon as one of them quits. */
static int64_t quit_first_cb(struct loop *l, int64_t now, void *ctx)
{
	struct tctx *t = ctx;

	record(t->f, t->id, now);
	loop_quit(l, 10 + t->id);
	return 0;
}

static void test_quit_stops_round(void **state)
{
	struct lfx *f = *state;
	int64_t past = now_usec() - USEC_PER_MSEC;
	struct tctx a = { .f = f, .id = 1 }, b = { .f = f, .id = 2 };
	int rc;

	assert_non_null(loop_timer_add(f->l, past, quit_first_cb, &a));
	assert_non_null(loop_timer_add(f->l, past, quit_first_cb, &b));
	rc = loop_run(f->l);
	assert_int_equal(f->n, 1);
	assert_int_equal(rc, 10 + f->order[0]);	/* whichever ran first */
}

/* A timer the timerfd refuses (a deadline before the clock's zero): not
 * a silent hang with no timer firing ever again, but an error from
 * loop_run() (SIGALRM ends the test if it hangs). */
static void test_timer_arm_failure_ends_the_loop(void **state)
{
	struct lfx *f = *state;
	struct tctx a = { .f = f, .id = 1, .at = -1 };

	watchdog(f, USEC_PER_SEC);
	assert_non_null(loop_timer_add(f->l, -1, order_cb, &a));
	alarm(30);
	assert_int_equal(loop_run(f->l), -EINVAL);
	alarm(0);
	assert_int_equal(f->n, 0);
}

#define L(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		L(test_timers_deadline_order),
		L(test_timers_overdue_fire_in_deadline_order),
		L(test_many_timers_fire_in_deadline_then_creation_order),
		L(test_timer_repeats),
		L(test_timer_disarm_and_rearm),
		L(test_timer_set_zero_disarms),
		L(test_timer_delete_self),
		L(test_timer_delete_other_same_round),
		L(test_timer_delete_other_later),
		L(test_fd_pipe),
		L(test_fd_mod),
		L(test_fd_delete_inside_callback),
		L(test_fd_delete_close_reuse),
		L(test_quit_code),
		L(test_quit_stops_round),
		L(test_timer_arm_failure_ends_the_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
