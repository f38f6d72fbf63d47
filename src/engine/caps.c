/* SPDX-License-Identifier: MIT */
/*
 * Least privilege for one run. Setup needs root's full set: the ledger,
 * the guardian, the sandbox hosts (new namespaces, veth pairs), launched
 * commands (a switch of user). What comes after it, the probes, the
 * faults, their revert, the cleanup check and the report, needs only what
 * this experiment's faults and probes use, so the engine keeps that and
 * drops every other capability at the end of setup, before the first
 * probe sample:
 *
 *   a signal fault (kill, pause, throttle)      CAP_KILL
 *   a network fault                             CAP_NET_ADMIN
 *     in a target's namespace                   + CAP_SYS_ADMIN (setns)
 *     taken from the target's processes         + CAP_SYS_PTRACE (/proc/PID/ns/net,
 *                                                 PIDFD_GET_NET_NAMESPACE)
 *   a target with a pidfile (read at each pick) CAP_DAC_READ_SEARCH
 *   a target's processes, /proc with hidepid     CAP_SYS_PTRACE
 *   a probe from a sandbox host                 CAP_SYS_ADMIN (setns)
 *   a launched command or exec probe that runs
 *   as another user                             CAP_KILL (its process group is ours to stop)
 *     an exec probe (each sample switches)      + CAP_SETUID, CAP_SETGID
 *   the caller's run_opts.keep_caps             (CAP_DAC_OVERRIDE to write a report)
 *
 * The rest goes from the bounding set too, unless an exec probe will start
 * commands: a probe command that runs as root is root (it may well run
 * `ip netns exec`), and one with a file capability (ping) must start.
 */
#include "erebus/privs.h"
#include "internal.h"

/* Would a command started with this user key switch users? */
static bool switches_user(const char *spec)
{
	_cleanup_(privs_user_free) struct privs_user u = { 0 };
	_cleanup_free_ char *err = NULL;

	/* An unresolvable user fails at its launch, not here. */
	return privs_user_resolve(spec, &u, &err) == 0 && u.change;
}

/* /proc mounted with hidepid: other users' processes are visible only
 * with CAP_SYS_PTRACE, and targets are matched again at each firing. */
static bool proc_hidden(void)
{
	_cleanup_free_ char *text = NULL;

	return read_file_max("/proc/self/mountinfo", 1 << 20, &text) > 0 && privs_proc_hides_pids(text);
}

static uint64_t fault_caps(const struct fault_spec *f)
{
	const struct target_spec *t = f->target;
	uint64_t c = 0;

	if (f->type->flags & FAULT_SIGNALS)
		c |= PRIVS_CAP(CAP_KILL);
	if (f->type->flags & FAULT_NETWORK) {
		c |= PRIVS_CAP(CAP_NET_ADMIN);
		if (t)
			c |= PRIVS_CAP(CAP_SYS_ADMIN);
		if (t && !t->netns && t->host < 0)
			c |= PRIVS_CAP(CAP_SYS_PTRACE);
	}
	return c;
}

uint64_t engine_caps_needed(const struct experiment *x, const struct run_opts *o)
{
	uint64_t c = o->keep_caps;
	bool hidden = proc_hidden();

	for (size_t i = 0; i < x->n_faults; i++)
		c |= fault_caps(&x->faults[i]);
	for (size_t i = 0; i < x->n_targets; i++) {
		const struct target_spec *t = &x->targets[i];
		if (hidden && !target_netns_only(t))
			c |= PRIVS_CAP(CAP_SYS_PTRACE);
		if (t->pidfile)
			c |= PRIVS_CAP(CAP_DAC_READ_SEARCH);
		if (t->command && switches_user(t->user))
			c |= PRIVS_CAP(CAP_KILL);
	}
	for (size_t i = 0; i < x->n_probes; i++) {
		const struct probe_spec *p = &x->probes[i];
		if (p->from >= 0)
			c |= PRIVS_CAP(CAP_SYS_ADMIN);
		if (section_get(p->sec, "user") && switches_user(section_str(p->sec, "user")))
			c |= PRIVS_CAP(CAP_KILL) | PRIVS_CAP(CAP_SETUID) | PRIVS_CAP(CAP_SETGID);
	}
	return c;
}

/* Does any probe start commands after setup (a probe type with a user
 * key: exec)? Then the bounding set stays: a probe that runs as root is
 * root, and programs with file capabilities (ping) must start. */
static bool probes_start_commands(const struct experiment *x)
{
	for (size_t i = 0; i < x->n_probes; i++)
		if (section_get(x->probes[i].sec, "user"))
			return true;
	return false;
}

int engine_drop_privileges(struct engine *e, char **ret_reason, enum verdict *ret_v)
{
	uint64_t had = privs_effective(), keep = engine_caps_needed(e->x, e->o);
	char names[512];
	int r;

	if (!had)
		return 0;	/* nothing to drop: not root, no capabilities */
	r = privs_drop(keep, !probes_start_commands(e->x));
	if (r < 0) {
		*ret_reason = xasprintf("cannot drop the capabilities this run does not need: %s",
					r == -EBUSY ? "Erebus has more than one thread" : strerror(-r));
		*ret_v = VERDICT_UNSUPPORTED;
		return r;
	}
	if (keep & had)
		engine_event(e, "privileges", NULL, "kept %s; dropped every other capability",
			     privs_format(keep & had, names, sizeof(names)));
	else
		engine_event(e, "privileges", NULL, "dropped every capability");
	return 0;
}
