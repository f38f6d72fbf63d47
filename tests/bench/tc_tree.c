/* SPDX-License-Identifier: MIT */
/*
 * `make bench`: apply and revert a targeted shaping tree (htb root, class,
 * tbf leaf, u32 filter: what a `rate` fault to one peer and port makes)
 * through Erebus' tc code, against the peers' ways of making the same four
 * objects: one `tc` process per object, one `tc -batch` per tree, and one
 * `tc -batch` for many trees. Runs in a network namespace of its own (on
 * its loopback), so the host is never touched; needs root.
 *
 * Usage: tc_tree [ITERATIONS]   prints one table.
 */
#include <sched.h>
#include <spawn.h>
#include <sys/wait.h>

#include "erebus/replay.h"
#include "erebus/tc.h"
#include "erebus/util.h"

extern char **environ;

#define OBJECTS 4	/* root, class, leaf, filter */

static const char *const tree_add[] = {
	"qdisc add dev lo root handle eb00: htb default 0 direct_qlen 1000",
	"class add dev lo parent eb00: classid eb00:1 htb rate 1tbit ceil 1tbit quantum 200000 "
	"burst 125000000 cburst 125000000",
	"qdisc add dev lo parent eb00:1 handle eb01: tbf rate 8mbit burst 10000 limit 110000",
	"filter add dev lo parent eb00: prio 60161 protocol ip u32 match ip dst 10.0.0.0/8 "
	"match ip protocol 6 0xff match u8 0x05 0x0f at 0 match u16 0 0x1fff at 6 "
	"match ip dport 80 0xffff classid eb00:1",
};
static const char *const tree_del[] = {
	"filter del dev lo parent eb00: prio 60161 protocol ip",
	"qdisc del dev lo parent eb00:1 handle eb01:",
	"class del dev lo classid eb00:1",
	"qdisc del dev lo root handle eb00:",
};

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static double median_ms(int64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_i64);
	return (double)v[n / 2] / 1000.0;
}

/* Run argv (tc ...), wait; returns its exit status or -1. */
static int run(char **argv)
{
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int tc_line(const char *line)
{
	char **argv = NULL, *cmd = xasprintf("tc %s", line);
	int r = split_command(cmd, &argv) < 0 ? -1 : run(argv);

	strv_free(argv);
	free(cmd);
	return r;
}

static int tc_batch(const char *path)
{
	char *argv[] = { "tc", "-batch", (char *)path, NULL };
	return run(argv);
}

static void write_batch(const char *path, int trees)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(1);
	}
	for (int t = 0; t < trees; t++) {
		for (int i = 0; i < OBJECTS; i++)
			fprintf(f, "%s\n", tree_add[i]);
		for (int i = 0; i < OBJECTS; i++)
			fprintf(f, "%s\n", tree_del[i]);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000, n_tc = n / 20 > 20 ? n / 20 : 20;
	struct cidr dst;
	struct net_match m = { .interface = "lo", .direction = NET_EGRESS, .port = 80,
			       .protocol = NET_PROTO_TCP, .destinations = &dst, .n_destinations = 1 };
	struct tc_leaf leaf = { .kind = TC_LEAF_TBF, .tbf = { .rate_bps = 8000000 } };
	int64_t *ap = xcalloc((size_t)n, sizeof(int64_t)), *rv = xcalloc((size_t)n, sizeof(int64_t));
	int64_t *one = xcalloc((size_t)n_tc, sizeof(int64_t)), *bat = xcalloc((size_t)n_tc, sizeof(int64_t));
	char dir[] = "/tmp/erebus-tcbench.XXXXXX", path1[64], pathn[64];
	double e_ms, t_ms, b_ms, all_ms;
	int64_t t0;

	if (unshare(CLONE_NEWNET) < 0) {
		perror("tc_tree: unshare(CLONE_NEWNET) (needs root)");
		return 1;
	}
	if (parse_cidr("10.0.0.0/8", &dst) < 0 || !mkdtemp(dir))
		return 1;

	/* Erebus: tc_apply() (link lookup, root check, 4 objects), undo_run() (4). */
	for (int i = 0; i < n; i++) {
		struct undo_list u = { 0 };
		char *err = NULL;
		int64_t t1;

		t0 = now_usec();
		if (tc_apply(-1, &m, &leaf, &u, &err) < 0) {
			fprintf(stderr, "tc_tree: apply: %s\n", err);
			return 1;
		}
		t1 = now_usec();
		if (undo_run(&u, &err, NULL) < 0) {
			fprintf(stderr, "tc_tree: revert: %s\n", err);
			return 1;
		}
		ap[i] = t1 - t0;
		rv[i] = now_usec() - t1;
		undo_free(&u);
	}

	/* tc, one process per object. */
	for (int i = 0; i < n_tc; i++) {
		t0 = now_usec();
		for (int j = 0; j < OBJECTS; j++)
			if (tc_line(tree_add[j]) != 0)
				return 1;
		for (int j = 0; j < OBJECTS; j++)
			if (tc_line(tree_del[j]) != 0)
				return 1;
		one[i] = now_usec() - t0;
	}

	/* tc -batch: one process per tree (apply and revert), then one for all. */
	snprintf(path1, sizeof(path1), "%s/one", dir);
	snprintf(pathn, sizeof(pathn), "%s/all", dir);
	write_batch(path1, 1);
	write_batch(pathn, n);
	for (int i = 0; i < n_tc; i++) {
		t0 = now_usec();
		if (tc_batch(path1) != 0)
			return 1;
		bat[i] = now_usec() - t0;
	}
	t0 = now_usec();
	if (tc_batch(pathn) != 0)
		return 1;
	all_ms = (double)(now_usec() - t0) / 1000.0 / n;
	unlink(path1);
	unlink(pathn);
	rmdir(dir);

	{
		double a = median_ms(ap, (size_t)n), r = median_ms(rv, (size_t)n);
		e_ms = a + r;
		t_ms = median_ms(one, (size_t)n_tc);
		b_ms = median_ms(bat, (size_t)n_tc);
		printf("   %-40s %10s %12s %10s\n", "(median per tree: apply + revert)", "per tree", "per object",
		       "vs erebus");
		printf("   %-40s %8.3fms %10.4fms %10s   (apply %.3f, revert %.3f; %d trees)\n",
		       "erebus (src/net/tc, netlink)", e_ms, e_ms / (2 * OBJECTS), "1x", a, r, n);
		printf("   %-40s %8.3fms %10.4fms %9.1fx   (%d trees)\n", "tc, one process per object", t_ms,
		       t_ms / (2 * OBJECTS), t_ms / e_ms, n_tc);
		printf("   %-40s %8.3fms %10.4fms %9.1fx   (%d trees)\n", "tc -batch, one process per tree", b_ms,
		       b_ms / (2 * OBJECTS), b_ms / e_ms, n_tc);
		printf("   %-40s %8.3fms %10.4fms %9.1fx   (mean of %d trees in one batch)\n",
		       "tc -batch, one process for all trees", all_ms, all_ms / (2 * OBJECTS), all_ms / e_ms, n);
	}
	free(ap);
	free(rv);
	free(one);
	free(bat);
	return 0;
}
