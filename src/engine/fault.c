/* SPDX-License-Identifier: MIT */
/*
 * The life of a fault in a run: pick its targets, open the namespace it
 * acts in, apply it, note it in the report, revert it (idempotently) and
 * keep what was undone for the cleanup check.
 */
#include "erebus/netfault.h"
#include "erebus/netns.h"
#include "erebus/replay.h"
#include "internal.h"

/* ---- faults ------------------------------------------------------------ */

static void fault_log(struct fault_ctx *ctx, const char *fmt, ...) _printf_(2, 3);
static void fault_log(struct fault_ctx *ctx, const char *fmt, ...)
{
	struct fault_inst *fi = ctx->owner;
	struct sbuf b = { 0 };
	va_list ap;

	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	engine_event(fi->e, "fault.note", fi->spec->name, "%s", b.s);
	sbuf_free(&b);
}

static void describe_procs(const struct proc_set *ps, struct sbuf *b)
{
	for (size_t i = 0; i < ps->n && i < 8; i++)
		sbuf_addf(b, "%s%d (%s)", i ? ", " : "", (int)ps->v[i].pid, ps->v[i].comm);
	if (ps->n > 8)
		sbuf_addf(b, " and %zu more", ps->n - 8);
}

static void note_targets(struct report_fault *rf, const struct proc_set *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		bool seen = false;
		for (size_t j = 0; j < rf->n_targets; j++)
			seen |= rf->targets[j].pid == ps->v[i].pid;
		if (seen)
			continue;
		rf->targets = xrealloc(rf->targets, (rf->n_targets + 1) * sizeof(*rf->targets));
		rf->targets[rf->n_targets].pid = ps->v[i].pid;
		memcpy(rf->targets[rf->n_targets].comm, ps->v[i].comm, 16);
		rf->n_targets++;
	}
}

static struct target_state *state_of(struct engine *e, const struct target_spec *t)
{
	return &e->targets[t - e->x->targets];
}

/* Keep the records this replay undid (was_done: their done flags before
 * it; a record done before was never the fault's to undo; one left alone
 * names what is not Erebus', which stays), to check after
 * rollback that they stayed undone. A network record keeps a duplicate of
 * the namespace fd, which the fault closes when it is over; -2 when it
 * cannot (the check then cannot tell). Closed by undone_close(). */
void keep_undone(struct fault_inst *fi, const bool *was_done)
{
	struct engine *e = fi->e;

	for (size_t i = 0; i < fi->ctx.undo.n; i++) {
		struct undo_rec u = fi->ctx.undo.v[i];

		if (was_done[i] || !u.done || u.left_alone)
			continue;
		if (u.kind != UNDO_SIGCONT && u.net.netns_fd >= 0) {
			u.net.netns_fd = fcntl(u.net.netns_fd, F_DUPFD_CLOEXEC, 3);
			if (u.net.netns_fd < 0)
				u.net.netns_fd = -2;
		}
		GROW(e->undone, e->cap_undone, e->n_undone + 1);
		e->undone[e->n_undone++] = u;
	}
}

void undone_close(struct engine *e)
{
	for (size_t i = 0; i < e->n_undone; i++)
		if (e->undone[i].kind != UNDO_SIGCONT && e->undone[i].net.netns_fd >= 0) {
			close(e->undone[i].net.netns_fd);
			e->undone[i].net.netns_fd = -2;
		}
}

/* Stop the fault's ongoing work and replay its undo records. Idempotent.
 * Returns 0 or the first -errno of the undo records. */
int fault_revert(struct fault_inst *fi)
{
	_cleanup_free_ char *err = NULL, *left = NULL;
	_cleanup_free_ bool *was_done = NULL;
	/* The fault ends when its removal begins: a sample answered because
	 * of the revert (a SIGCONT) ends after this, never before it. */
	int64_t t = engine_rel(fi->e);
	bool announce;
	int r;

	if (!fi->active) {
		fault_unpick(fi);	/* chosen for a firing that will not come */
		return 0;
	}
	if (fi->spec->type->stop)
		fi->spec->type->stop(&fi->ctx);
	was_done = xcalloc(fi->ctx.undo.n + 1, sizeof(*was_done));
	for (size_t i = 0; i < fi->ctx.undo.n; i++)
		was_done[i] = fi->ctx.undo.v[i].done;
	r = undo_run(&fi->ctx.undo, &err, &left);
	keep_undone(fi, was_done);
	if (left)	/* not a failure: nothing of Erebus' is left there */
		engine_event(fi->e, "fault.left-alone", fi->spec->name, "%s", left);
	if (r < 0) {
		engine_event(fi->e, "fault.revert-failed", fi->spec->name, "%s", err);
		if (!fi->rf->error)
			fi->rf->error = xstrdup(err);
		return r;
	}
	fi->active = false;
	/* an instant fault's end is its firing: nothing to announce */
	announce = fi->took_effect && !(fi->spec->type->flags & FAULT_INSTANT);
	if (fi->took_effect) {	/* one that never took effect was never reverted either */
		fi->took_effect = false;
		fi->rf->reverted_at_us = t;
		report_fault_reverted(fi->rf, fi->rf->reverted_at_us);	/* the report's fault window */
	}
	if (fi->ctx.undo.n) {
		struct sbuf b = { 0 };
		for (size_t i = 0; i < fi->ctx.undo.n; i++) {
			sbuf_add(&b, i ? ", " : "");
			undo_describe(&fi->ctx.undo.v[i], &b);
		}
		if (announce)
			chaos_fault(fi, "reverted", b.s);
		engine_event(fi->e, "fault.reverted", fi->spec->name, "%s", b.s);
		sbuf_free(&b);
	} else if (announce) {
		chaos_fault(fi, "reverted", NULL);
	}
	undo_free(&fi->ctx.undo);
	proc_set_free(&fi->ctx.procs);
	if (fi->ctx.netns_fd >= 0)
		close(fi->ctx.netns_fd);
	fi->ctx.netns_fd = -1;
	return 0;
}

/* The namespace a network fault acts in: the target's netns key, else the
 * first picked process's, else Erebus' own (*ret_fd = -1). Returns 0, or
 * -errno with *ret_err. */
static int fault_netns(struct fault_inst *fi, int *ret_fd, char **ret_err)
{
	const struct target_spec *t = fi->spec->target;
	int fd;

	*ret_fd = -1;
	if (t && t->host >= 0 && !t->netns) {
		fd = fcntl(fi->e->host_fds[t->host], F_DUPFD_CLOEXEC, 3);
		if (fd < 0) {
			int e = errno > 0 ? -errno : -EBADF;
			*ret_err = xasprintf("cannot use the sandbox host's namespace: %s", strerror(-e));
			return e;
		}
		*ret_fd = fd;
		return 0;
	}
	if (!t || (!t->netns && !fi->ctx.procs.n))
		return 0;
	fd = t->netns ? netns_open(t->netns) : proc_open_netns(&fi->ctx.procs.v[0]);
	if (fd < 0) {
		if (!t->netns)
			*ret_err = xasprintf("cannot open the network namespace of pid %d: %s",
					     (int)fi->ctx.procs.v[0].pid, strerror(-fd));
		else if (fd == -ENOTNAM)
			*ret_err = xasprintf("%s is not a network namespace (a FIFO, a plain file?): Erebus refuses it",
					     t->netns);
		else
			*ret_err = xasprintf("cannot open network namespace %s: %s", t->netns, strerror(-fd));
		return fd;
	}
	*ret_fd = fd;
	return 0;
}

/* The fault's interface is in the namespace it acts in (ctx.netns_fd):
 * 0, or -ENODEV with *ret_err naming the file and line, as validate would
 * have, had the namespace been there to look into. */
static int fault_interface(struct fault_inst *fi, char **ret_err)
{
	const struct fault_spec *f = fi->spec;
	_cleanup_free_ char *msg = NULL;
	unsigned line;
	int r = net_match_find_interface(f->sec, fi->ctx.netns_fd,
					 fi->ctx.netns_fd >= 0 ? "the target's network namespace"
							       : "Erebus' own network namespace",
					 &line, &msg);

	if (r != -ENODEV)
		return 0;	/* other errors: apply says them in its words */
	*ret_err = xasprintf("%s:%u: [%s] interface: %s", fi->e->x->file, line, f->sec->label, msg);
	return r;
}

/* fault_netns(), and never Erebus' own namespace by mistake: when the
 * target names a namespace (netns, a sandbox host, picked processes),
 * success must come with an fd for it, whatever errno said on the way. */
static int fault_netns_checked(struct fault_inst *fi, int *ret_fd, char **ret_err)
{
	const struct target_spec *t = fi->spec->target;
	int r = fault_netns(fi, ret_fd, ret_err);

	if (r >= 0 && *ret_fd < 0 && t && (t->netns || t->host >= 0 || fi->ctx.procs.n)) {
		free(*ret_err);
		*ret_err = xstrdup("cannot open the target's network namespace: no error was reported, yet no "
				   "namespace was opened; refusing to act in Erebus' own");
		return -EBADF;
	}
	return r < 0 ? r : 0;
}

/* Pick the fault's targets (and its namespace) now, for an application to
 * come. Returns 0 with them in fi->ctx (fi->picked), -ESRCH when a repeat
 * finds nothing (skipped: an event says so), or another -errno (failed:
 * an event and the fault's error say why). */
int fault_pick(struct fault_inst *fi)
{
	struct engine *e = fi->e;
	const struct fault_spec *f = fi->spec;
	_cleanup_free_ char *err = NULL;
	int r;

	fi->ctx = (struct fault_ctx){ .spec = f, .loop = e->loop, .log = fault_log, .owner = fi,
				      .netns_fd = -1 };
	if (f->target && !target_netns_only(f->target)) {
		r = target_pick(state_of(e, f->target), &e->rng, &fi->ctx.procs, &err);
		if (r == -ESRCH && fi->rf->applications > 0) {
			/* A repeat finds the service not back yet: nothing to do now. */
			engine_event(e, "fault.skipped", f->name, "%s", err);
			return r;
		}
		if (r < 0) {
			engine_event(e, "fault.failed", f->name, "%s", err);
			if (!fi->rf->error)
				fi->rf->error = xasprintf("could not pick targets: %s", err);
			return r == -ESRCH ? -ENOENT : r;
		}
	}
	if (f->type->flags & FAULT_NETWORK) {
		r = fault_netns_checked(fi, &fi->ctx.netns_fd, &err);
		if (r == 0 && (r = fault_interface(fi, &err)) < 0) {
			if (fi->ctx.netns_fd >= 0)
				close(fi->ctx.netns_fd);
			fi->ctx.netns_fd = -1;
		}
		if (r < 0) {
			engine_event(e, "fault.failed", f->name, "%s", err);
			if (!fi->rf->error)
				fi->rf->error = xstrdup(err);
			proc_set_free(&fi->ctx.procs);
			return r == -ESRCH ? -ENOENT : r;
		}
	}
	fi->picked = true;
	return 0;
}

/* Drop what fault_pick() chose, unused. */
void fault_unpick(struct fault_inst *fi)
{
	if (!fi->picked)
		return;
	fi->picked = false;
	proc_set_free(&fi->ctx.procs);
	if (fi->ctx.netns_fd >= 0)
		close(fi->ctx.netns_fd);
	fi->ctx.netns_fd = -1;
}

/* One application of the fault on the targets fault_pick() chose; due is
 * when it was due (relative to the run's start, -1 if not on a grid). */
void fault_apply_picked(struct fault_inst *fi, int64_t due)
{
	struct engine *e = fi->e;
	const struct fault_spec *f = fi->spec;
	_cleanup_free_ char *err = NULL;
	struct sbuf b = { 0 };
	int r;

	fi->picked = false;	/* the application owns them now */
	r = f->type->apply(&fi->ctx, &err);
	fi->active = true;	/* even half-applied: its undo records must run */
	if (r < 0) {
		engine_event(e, "fault.failed", f->name, "%s", err ? err : strerror(-r));
		if (!fi->rf->error)
			fi->rf->error = xstrdup(err ? err : strerror(-r));
		(void)fault_revert(fi);
		return;
	}
	fi->took_effect = true;
	fi->app_at = engine_rel(e);	/* one moment for every record of it */
	fi->rf->applications++;
	if (fi->rf->applied_at_us < 0)
		fi->rf->applied_at_us = fi->app_at;
	if (e->rep->impact_start_us < 0)
		e->rep->impact_start_us = fi->app_at;
	report_fault_applied(fi->rf, fi->app_at, f->type->flags & FAULT_INSTANT);
	detect_on_apply(e, (size_t)(fi - e->faults), fi->app_at);
	report_fault_due(fi->rf, due);
	note_targets(fi->rf, &fi->ctx.procs);
	if (f->type->flags & FAULT_NETWORK) {
		const struct target_spec *t = f->target;
		sbuf_addf(&b, "%s in ", f->type->name);
		if (t && t->netns)
			sbuf_addf(&b, "network namespace %s", t->netns);
		else if (t && t->host >= 0)
			sbuf_addf(&b, "sandbox host %s", e->x->sandbox.hosts[t->host]);
		else if (fi->ctx.procs.n)
			sbuf_addf(&b, "the network namespace of pid %d (%s)", (int)fi->ctx.procs.v[0].pid,
				  fi->ctx.procs.v[0].comm);
		else
			sbuf_add(&b, "Erebus' own network namespace");
	} else {
		sbuf_addf(&b, "%s to ", f->type->name);
		describe_procs(&fi->ctx.procs, &b);
	}
	chaos_fault(fi, "applied", b.s);	/* before the log line a reader may wait for */
	engine_event(e, "fault.applied", f->name, "%s", b.s);
	sbuf_free(&b);
	if (f->type->flags & FAULT_INSTANT) {
		/* Nothing stays applied: release the pidfds now. */
		(void)fault_revert(fi);	/* notes the end: the firing itself */
		fi->rf->reverted_at_us = -1;
	}
}
