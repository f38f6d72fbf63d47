/* SPDX-License-Identifier: MIT */
/*
 * Commands Erebus launched, while the run goes on: their stderr, read on
 * the loop into a small buffer (forwarded under -v), and their exit. A
 * launched command that exits while the run still needs it is an event,
 * target.exited, with its exit status and the last lines of its stderr,
 * and it ends the run as failed: the probes may be reaching something
 * else by then (another server on the same port), and what they saw no
 * longer says anything about the service under test.
 */
#include "internal.h"

/* Lines of stderr the event shows; the run's reason shows the last. */
#define EXIT_TAIL_LINES 5

void engine_on_child_stderr(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct target_state *ts = userdata;
	struct engine *e = ts->owner;

	if (ts->show_output)
		engine_clear_status(e);
	if (ts->err && ts->err->fd == fd) {
		/* Bounded per wake-up: a chatty command does not starve the loop. */
		ssize_t n = target_read_stderr(ts);
		if (n == 0 || !ts->err || ts->err->fd < 0)
			loop_del_fd(l, fd);	/* fd was closed: no more to come */
	}
	if (ts->show_output)
		engine_draw_status(e);
}

/* Did a fault of this run act on the launched command itself (a kill, a
 * pause)? Then its exit is the experiment's doing; the probes judge it. */
static bool acted_on(const struct engine *e, pid_t pid)
{
	for (size_t i = 0; i < e->x->n_faults; i++)
		for (size_t j = 0; j < e->rep->faults[i].n_targets; j++)
			if (e->rep->faults[i].targets[j].pid == pid)
				return true;
	return false;
}

void engine_on_child(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct target_state *ts = userdata;
	struct engine *e = ts->owner;
	_cleanup_free_ char *tail = NULL, *reason = NULL;
	struct sbuf status = { 0 }, detail = { 0 };
	const char *last;

	int errfd = ts->err ? ts->err->fd : -1;

	if (!target_note_exit(ts))
		return;	/* not exited after all; wait for the next wake-up */
	loop_del_fd(l, fd);
	if (errfd >= 0 && (!ts->err || ts->err->fd < 0))
		loop_del_fd(l, errfd);	/* read to its end (and closed) */
	if (e->state == ST_DONE)
		return;
	target_describe_exit(ts->exit_status, &status);
	tail = target_stderr_tail(ts, EXIT_TAIL_LINES);
	sbuf_addf(&detail, "pid %d exited (%s)", (int)ts->child, status.s);
	if (*tail) {
		sbuf_add(&detail, "; the last lines of its stderr:");
		for (char *p = tail, *nl; (nl = strchr(p, '\n')); p = nl + 1)
			sbuf_addf(&detail, "\n    %.*s", (int)(nl - p), p);
	} else
		sbuf_add(&detail, "; it wrote nothing on stderr");
	engine_event(e, "target.exited", ts->spec->name, "%s", detail.s);
	if (acted_on(e, ts->child)) {
		engine_event(e, "target.note", ts->spec->name,
			     "a fault of this run acted on it: the probes judge what followed");
	} else {
		/* The last line alone: a reason is one line in every report. */
		tail[strlen(tail) ? strlen(tail) - 1 : 0] = '\0';
		last = strrchr(tail, '\n');
		last = last ? last + 1 : tail;
		reason = xasprintf("[target %s] exited while the run needed it (%s)%s%s", ts->spec->name,
				   status.s, *last ? ": " : "", last);
		engine_finish(e, VERDICT_FAILED, reason);
	}
	sbuf_free(&status);
	sbuf_free(&detail);
}
