/* SPDX-License-Identifier: MIT */
#include <signal.h>
#include <sys/pidfd.h>

#include "procsig.h"

/*
 * Drop from ctx->procs the processes already stopped (state T) when the
 * fault comes: someone else stopped them (job control, a debugger; or an
 * earlier fault of the run, which resumes them itself), so this fault
 * must neither resume them at its end nor count them as its leftovers.
 */
static void leave_stopped_alone(struct fault_ctx *ctx)
{
	size_t kept = 0;

	for (size_t i = 0; i < ctx->procs.n; i++) {
		struct proc *p = &ctx->procs.v[i];
		if (proc_state(p) == 'T' && proc_verify(p) == 0) {
			ctx->log(ctx, "pid %d (%s) was already stopped before this fault (job control, a debugger): "
				 "left as it is, and not resumed by it", (int)p->pid, p->comm);
			close(p->pidfd);
			continue;
		}
		ctx->procs.v[kept++] = *p;
	}
	ctx->procs.n = kept;
}

int signal_all(struct fault_ctx *ctx, int sig, bool cont_undo, char **ret_err)
{
	int sent = 0, first = 0;
	pid_t first_pid = 0;

	if (cont_undo)
		leave_stopped_alone(ctx);
	for (size_t i = 0; i < ctx->procs.n; i++) {
		const struct proc *p = &ctx->procs.v[i];
		int e;

		if (cont_undo) {
			e = undo_push(&ctx->undo, &(struct undo_rec){ .kind = UNDO_SIGCONT, .proc = *p });
			if (e < 0) {	/* no record of how to undo it: do not do it */
				*ret_err = xasprintf("cannot write the undo ledger: %s", strerror(-e));
				return e;
			}
		}
		e = proc_signal(p, sig);
		if (e < 0 && cont_undo)	/* refused: nothing was stopped, so nothing to resume */
			undo_disown(&ctx->undo);
		if (e == -ESRCH) {
			ctx->log(ctx, "pid %d (%s) already exited", (int)p->pid, p->comm);
			continue;
		}
		if (e < 0) {
			ctx->log(ctx, "cannot send %s to pid %d (%s): %s", signal_name(sig), (int)p->pid,
				 p->comm, strerror(-e));
			if (!first) {
				first = e;
				first_pid = p->pid;
			}
			continue;
		}
		sent++;
	}
	if (!sent && first) {
		*ret_err = xasprintf("cannot send %s to pid %d: %s%s", signal_name(sig), (int)first_pid,
				     strerror(-first),
				     first == -EPERM ? " (run Erebus as root or as the process's user)" : "");
		return first;
	}
	return 0;
}

int signal_supported(const char **reason)
{
	int fd = pidfd_open(getpid(), 0);

	if (fd < 0) {
		*reason = "pidfd_open is not available: process faults need Linux 5.3 or later";
		return -ENOSYS;
	}
	close(fd);
	return 0;
}

void signal_describe(const struct fault_spec *f, const char *what, struct sbuf *out)
{
	char a[32];

	sbuf_addf(out, "%s to [target %s] at +%s", what, f->target ? f->target->name : "?",
		  format_duration(f->at_us, a, sizeof(a)));
}
