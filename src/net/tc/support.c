/* SPDX-License-Identifier: MIT */
/*
 * What this kernel has for tc faults: each piece (htb, tbf, netem, u32,
 * ingress, mirred, ifb) tried once on the loopback of a scratch network
 * namespace, in a child process, and cached.
 */
#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>

#include <linux/if_ether.h>

#include "tc-internal.h"

static const struct {
	unsigned bit;
	const char *module, *hint;
} pieces[] = {
	{ TC_HAVE_NETEM, "sch_netem", TC_MODULE_HINT("sch_netem") },
	{ TC_HAVE_TBF, "sch_tbf", TC_MODULE_HINT("sch_tbf") },
	{ TC_HAVE_HTB, "sch_htb", TC_MODULE_HINT("sch_htb") },
	{ TC_HAVE_U32, "cls_u32", TC_MODULE_HINT("cls_u32") },
	{ TC_HAVE_INGRESS, "sch_ingress", TC_MODULE_HINT("sch_ingress") },
	{ TC_HAVE_MIRRED, "act_mirred", TC_MODULE_HINT("act_mirred") },
	{ TC_HAVE_IFB, "ifb", TC_MODULE_HINT("ifb") },
};

static int probe_cached = -EAGAIN;

/* In the child, in a namespace of its own: try each piece on lo. */
static int probe_here(void)
{
	struct tc_conn *c = NULL;
	struct tc_link lo, ifb;
	struct nl_msg *msg;
	int have = 0, r;
	const struct tc_filter all = { .protocol = ETH_P_ALL, .n_keys = 1 };
	const struct tc_netem ne = { .latency_ns = 1000000 };
	const struct tc_tbf tb = { .rate_bps = 1000000, .burst = 10000, .limit = 10000 };
	const struct undo_net root = { .parent = TC_H_ROOT, .handle = TC_ROOT_HANDLE };

	if ((r = tc_conn_get(-1, &c)) < 0)
		return r;
	if ((r = tc_get_link(c, "lo", &lo)) < 0)
		return r;
	struct undo_net del = root;
	del.ifindex = lo.ifindex;

	r = tc_msg_htb_root(lo.ifindex, TC_DIRECT_QLEN, &msg);
	if (tc_send_built(c, r, &msg) == 0) {
		have |= TC_HAVE_HTB;
		r = tc_msg_u32(lo.ifindex, TC_ROOT_HANDLE, 1, &all, TC_ROOT_HANDLE | 1, &msg);
		if (tc_send_built(c, r, &msg) == 0)
			have |= TC_HAVE_U32;
		if (tc_msg_delete(&del, UNDO_TC_QDISC, &msg) == 0)
			(void)tc_send_built(c, 0, &msg);
	}
	r = tc_msg_tbf(lo.ifindex, TC_H_ROOT, TC_ROOT_HANDLE, &tb, &msg);
	if (tc_send_built(c, r, &msg) == 0) {
		have |= TC_HAVE_TBF;
		if (tc_msg_delete(&del, UNDO_TC_QDISC, &msg) == 0)
			(void)tc_send_built(c, 0, &msg);
	}
	r = tc_msg_netem(lo.ifindex, TC_H_ROOT, TC_ROOT_HANDLE, &ne, &msg);
	if (tc_send_built(c, r, &msg) == 0) {
		have |= TC_HAVE_NETEM;
		if (tc_msg_delete(&del, UNDO_TC_QDISC, &msg) == 0)
			(void)tc_send_built(c, 0, &msg);
	}
	r = tc_msg_ifb("erebus-probe", &msg);
	if (tc_send_built(c, r, &msg) == 0 && tc_get_link(c, "erebus-probe", &ifb) == 0)
		have |= TC_HAVE_IFB;
	r = tc_msg_ingress(lo.ifindex, &msg);
	if (tc_send_built(c, r, &msg) == 0) {
		have |= TC_HAVE_INGRESS;
		r = tc_msg_redirect(lo.ifindex, (have & TC_HAVE_IFB) ? ifb.ifindex : lo.ifindex, &msg);
		if (tc_send_built(c, r, &msg) == 0)
			have |= TC_HAVE_MIRRED | TC_HAVE_U32;
	}
	tc_conn_put(c);
	return have;
}

int tc_probe(void)
{
	int fds[2], status = 0, have = -EIO;
	pid_t pid;

	if (probe_cached != -EAGAIN)
		return probe_cached;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = -errno;
		close(fds[0]);
		close(fds[1]);
		return e;
	}
	if (pid == 0) {
		int v;
		close(fds[0]);
		/* A namespace of our own: the host's interfaces are never touched.
		 * Unprivileged, a user namespace makes the probe possible still. */
		if (unshare(CLONE_NEWNET) < 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
			v = -errno;
		else
			v = probe_here();
		if (write(fds[1], &v, sizeof(v)) != sizeof(v))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	/* Waits for the child, in the caller's process: once per process,
	 * before a run starts (the engine's preflight asks first; later calls
	 * read the cache). The child only makes and deletes objects on its own
	 * loopback, each request bounded as tc_talk() says: tens of ms. */
	if (read(fds[0], &have, sizeof(have)) != sizeof(have))
		have = -EIO;
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	probe_cached = have;
	return have;
}

/* CAP_NET_ADMIN in our effective set. */
static bool have_net_admin(void)
{
	_cleanup_free_ char *s = NULL;
	const char *p;
	unsigned long long eff;

	if (read_file_max("/proc/self/status", 1 << 16, &s) < 0 || !(p = strstr(s, "\nCapEff:")))
		return geteuid() == 0;
	eff = strtoull(p + 8, NULL, 16);
	return eff & (1ULL << 12);
}

int tc_supported(unsigned needs, const char **reason)
{
	int have = tc_probe();

	if (have < 0) {
		*reason = "cannot probe traffic control support: creating a network namespace failed "
			  "(network faults need root)";
		return have;
	}
	for (size_t i = 0; i < ARRAY_SIZE(pieces); i++)
		if ((needs & pieces[i].bit) && !(have & (int)pieces[i].bit)) {
			*reason = pieces[i].hint;
			return -EOPNOTSUPP;
		}
	if (!have_net_admin()) {
		*reason = "network faults need CAP_NET_ADMIN: run Erebus as root";
		return -EPERM;
	}
	return 0;
}
