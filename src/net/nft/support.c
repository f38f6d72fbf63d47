/* SPDX-License-Identifier: MIT */
/*
 * Can this kernel run a partition? A child process in a scratch network
 * namespace creates and deletes a drop table that uses every expression a
 * partition uses; the answer is cached for the process.
 */
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "nft-internal.h"

/* ---- support ------------------------------------------------------------- */

enum probe_result {
	PROBE_OK, PROBE_NO_PRIV, PROBE_NO_NFNETLINK, PROBE_NO_NFTABLES, PROBE_NO_OWNER,
	PROBE_NO_INET, PROBE_NO_EXPR, PROBE_FAILED,
};

static const char *const probe_reasons[] = {
	[PROBE_NO_PRIV] = "partition needs root: nftables needs CAP_NET_ADMIN, and the check that "
			  "nf_tables works needs CAP_SYS_ADMIN for a scratch network namespace",
	[PROBE_NO_NFNETLINK] = "nf_tables is not available: nfnetlink is missing; load nf_tables "
			       "(modprobe nf_tables) or use a kernel with CONFIG_NF_TABLES",
	[PROBE_NO_NFTABLES] = "nf_tables is not available: load nf_tables (modprobe nf_tables) or use "
			      "a kernel with CONFIG_NF_TABLES",
	[PROBE_NO_OWNER] = "nf_tables here does not know the table owner flag, which partitions rely "
			   "on to leave nothing behind: use Linux 5.12 or later",
	[PROBE_NO_INET] = "nf_tables here cannot hook inet filter chains: load nf_tables with inet "
			  "support (CONFIG_NF_TABLES_INET)",
	[PROBE_NO_EXPR] = "nf_tables here lacks an expression partitions use (meta, payload, bitwise, "
			  "cmp, counter, immediate): use a kernel with CONFIG_NF_TABLES and its core",
	[PROBE_FAILED] = "nf_tables check failed: a test table could not be created and deleted in a "
			 "scratch network namespace (run `erebus faults` as root to see this again)",
};

static enum probe_result classify(const struct nft_failure *f)
{
	if (f->unknown)
		return PROBE_FAILED;
	switch (f->obj) {
	case OBJ_BATCH:
		return f->err == -EPERM ? PROBE_NO_PRIV : PROBE_NO_NFTABLES;
	case OBJ_TABLE:
		return f->err == -EOPNOTSUPP ? PROBE_NO_OWNER : PROBE_FAILED;
	case OBJ_CHAIN:
		return PROBE_NO_INET;
	case OBJ_RULE:
		return PROBE_NO_EXPR;
	}
	return PROBE_FAILED;
}

/* In the child: a table that uses every expression, created and deleted. */
static enum probe_result probe_child(void)
{
	static const struct cidr peers[] = {
		{ .family = AF_INET, .addr = { 192, 0, 2 }, .prefix = 24 },
		{ .family = AF_INET6, .addr = { 0x20, 0x01, 0x0d, 0xb8 }, .prefix = 32 },
	};
	const struct nft_drop d = { .table = NFT_TABLE_PREFIX "probe", .ifname = "lo", .egress = true,
				    .ingress = true, .peers = peers, .n_peers = 2, .port = 9,
				    .protocol = NET_PROTO_ANY };
	struct nft_sock *s = NULL;
	_cleanup_free_ char *err = NULL;
	struct nft_failure f;

	enum probe_result res = PROBE_OK;

	if (unshare(CLONE_NEWNET) < 0)
		return errno == EPERM ? PROBE_NO_PRIV : PROBE_FAILED;
	if (nft_open(-1, &s, &err) < 0)
		return PROBE_NO_NFNETLINK;
	if (nft_tx_create(s, &d, &f, NULL) < 0 || nft_tx_delete(s, d.table, NULL, &f) < 0)
		res = classify(&f);
	nft_close(s);
	return res;
}

int nft_supported(const char **reason)
{
	static int cached = -1;
	int status = 0;
	pid_t pid;

	if (cached < 0) {
		pid = fork();
		if (pid < 0) {
			*reason = probe_reasons[PROBE_FAILED];
			return -errno;
		}
		if (pid == 0)
			_exit(probe_child());
		/* Waits for the child, in the caller's process: once per
		 * process, before a run starts (the engine's preflight asks
		 * first; later calls read the cache). The child makes and
		 * deletes one table in its own namespace, two transactions
		 * bounded as batch_send() says. */
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		cached = WIFEXITED(status) && WEXITSTATUS(status) < (int)ARRAY_SIZE(probe_reasons) ?
				 WEXITSTATUS(status) : PROBE_FAILED;
	}
	if (cached == PROBE_OK)
		return 0;
	*reason = probe_reasons[cached];
	return cached == PROBE_NO_PRIV ? -EPERM : -EOPNOTSUPP;
}
