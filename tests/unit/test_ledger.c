/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for reading a ledger back (ledger_parse(), src/undo/ledger.c):
 * records as written, done marks applied, and lines that do not parse
 * reported and skipped, never guessed at; every kind of record written by
 * ledger_append() and read back the same, with its namespace's cookie;
 * and which records name objects Erebus tags (undo_is_tagged()).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/if_ether.h>
#include <linux/pkt_sched.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "erebus/ledger.h"
#include "erebus/netns.h"

/* Parse text; returns the count, with the log's text in *ret_log. */
static int parse(const char *text, struct undo_list *u, char **ret_log)
{
	_cleanup_free_ char *copy = xstrdup(text);
	size_t len = 0;
	FILE *log = open_memstream(ret_log, &len);
	int n;

	assert_non_null(log);
	n = ledger_parse(copy, "t.ledger", u, log, "recover: ");
	fclose(log);
	return n;
}

static void test_records_and_done_marks(void **state)
{
	struct undo_list u = { 0 };
	_cleanup_free_ char *log = NULL;

	assert_int_equal(parse("erebus-ledger 1 pid=4242 start=270153 experiment=checkout\n"
			       "guardian pid=4244 start=270154\n"
			       "+ 1 sigcont pid=4250 start=270101 comm=demo-worker\n"
			       "+ 2 tc-qdisc ns=4:4026532291 if=3 parent=ffffffff handle=eb010000 prio=0 "
			       "proto=0 family=0 name=htb\n"
			       "- 1\n", &u, &log), 2);
	assert_string_equal(log, "");
	assert_int_equal(u.v[0].kind, UNDO_SIGCONT);
	assert_true(u.v[0].done);
	assert_int_equal(u.v[0].proc.pid, 4250);
	assert_string_equal(u.v[0].proc.comm, "demo-worker");
	assert_int_equal(u.v[1].kind, UNDO_TC_QDISC);
	assert_false(u.v[1].done);
	assert_int_equal(u.v[1].net.netns_ino, 4026532291u);
	assert_int_equal(u.v[1].net.handle, 0xeb010000u);
	assert_string_equal(u.v[1].net.name, "htb");
	assert_int_equal(u.v[1].net.netns_cookie, 0);	/* written before records had cookies */
	undo_free(&u);
}

/* A record as written, network objects' namespace cookie included. */
static struct undo_rec net_rec(enum undo_kind kind, int ifindex, uint32_t parent, uint32_t handle,
			       uint32_t prio, uint16_t protocol, int family, const char *name)
{
	struct undo_rec r = { .kind = kind };

	r.net = (struct undo_net){ .netns_fd = -1, .ifindex = ifindex, .parent = parent,
				   .handle = handle, .prio = prio, .protocol = protocol,
				   .family = family };
	snprintf(r.net.name, sizeof(r.net.name), "%s", name);
	return r;
}

static void test_every_record_round_trips(void **state)
{
	char dir[] = "/tmp/erebus-test-ledger.XXXXXX";
	struct undo_rec v[] = {
		{ .kind = UNDO_SIGCONT, .proc = { .pid = 4250, .starttime = 270101, .comm = "demo worker" } },
		net_rec(UNDO_LINK, 7, 0, 0, 0, 0, 0, "erebus-in3"),
		net_rec(UNDO_TC_QDISC, 7, TC_H_ROOT, 0xeb000000u, 0, 0, 0, "htb"),
		net_rec(UNDO_TC_QDISC, 3, TC_H_INGRESS, 0xffff0000u, 0, 0, 0, "ingress"),
		net_rec(UNDO_TC_FILTER, 3, 0xffff0000u, 0, 0xeb00, ETH_P_ALL, 0, "u32"),
		net_rec(UNDO_TC_CLASS, 7, 0xeb000000u, 0xeb000001u, 0, 0, 0, "htb"),
		net_rec(UNDO_TC_FILTER, 7, 0xeb000000u, 0, 0xeb01, ETH_P_IPV6, 0, "u32"),
		net_rec(UNDO_NFT_TABLE, 0, 0, 0, 0, 0, 1, "erebus_cut"),
	};
	struct undo_list u = { 0 };
	_cleanup_free_ char *err = NULL, *logtext = NULL;
	size_t loglen = 0;
	uint64_t cookie = 0;
	struct ledger_at at;
	struct stat ns;
	FILE *log;

	assert_non_null(mkdtemp(dir));
	setenv("EREBUS_RUN_DIR", dir, 1);
	assert_int_equal(stat("/proc/thread-self/ns/net", &ns), 0);
	if (netns_cookie(-1, &cookie) < 0)
		cookie = 0;	/* no SO_NETNS_COOKIE here: records carry none */
	assert_int_equal(ledger_open("round trip", &err), 0);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		assert_int_equal(ledger_append(&v[i]), 0);
	ledger_done(v[1].seq);
	assert_non_null(log = open_memstream(&logtext, &loglen));
	assert_int_equal(ledger_current(&at), 0);
	assert_int_equal(ledger_read_fd(at.fd, at.name, &u, NULL, log, ""), (int)ARRAY_SIZE(v));
	fclose(log);
	assert_string_equal(logtext, "");
	ledger_close(true);
	assert_int_equal(rmdir(dir), 0);

	assert_int_equal(u.v[0].proc.pid, 4250);
	assert_int_equal(u.v[0].proc.starttime, 270101);
	assert_string_equal(u.v[0].proc.comm, "demo_worker");	/* one token */
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		const struct undo_rec *a = &v[i], *b = &u.v[i];
		assert_int_equal(b->kind, a->kind);
		assert_int_equal(b->seq, i + 1);
		assert_int_equal(b->done, i == 1);
		if (a->kind == UNDO_SIGCONT)
			continue;
		assert_int_equal(b->net.netns_dev, ns.st_dev);
		assert_int_equal(b->net.netns_ino, ns.st_ino);
		assert_int_equal(b->net.netns_cookie, cookie);
		assert_int_equal(b->net.ifindex, a->net.ifindex);
		assert_int_equal(b->net.parent, a->net.parent);
		assert_int_equal(b->net.handle, a->net.handle);
		assert_int_equal(b->net.prio, a->net.prio);
		assert_int_equal(b->net.protocol, a->net.protocol);
		assert_int_equal(b->net.family, a->net.family);
		assert_string_equal(b->net.name, a->net.name);
	}
	undo_free(&u);
}

static void test_cookie_read_back(void **state)
{
	struct undo_list u = { 0 };
	_cleanup_free_ char *log = NULL;

	assert_int_equal(parse("erebus-ledger 1 pid=1 start=1 experiment=x\n"
			       "+ 1 link ns=4:4026532291 cookie=18446744073709551615 if=7 name=erebus-in3\n"
			       "+ 2 link ns=4:4026532291 cookie=0 if=7 name=erebus-in3\n"
			       "+ 3 link ns=4:4026532291 cookie=x if=7 name=erebus-in3\n", &u, &log), 2);
	assert_string_equal(log, "recover: t.ledger:4: unreadable record skipped\n");
	assert_true(u.v[0].net.netns_cookie == UINT64_MAX);
	assert_int_equal(u.v[1].net.netns_cookie, 0);	/* 0: none */
	undo_free(&u);
}

/* Which records name an object Erebus tags: replay refuses the others
 * before it asks the kernel anything. */
static void test_tags(void **state)
{
	static const struct {
		struct undo_rec r;
		bool tagged;
	} cases[] = {
		{ { .kind = UNDO_TC_QDISC, .net = { .parent = TC_H_ROOT, .handle = 0xeb000000u, .name = "htb" } }, true },
		{ { .kind = UNDO_TC_QDISC, .net = { .parent = TC_H_ROOT, .handle = 0x10000u, .name = "htb" } }, false },
		{ { .kind = UNDO_TC_QDISC, .net = { .parent = TC_H_INGRESS, .handle = 0xffff0000u, .name = "ingress" } }, true },
		/* Erebus never makes a clsact qdisc */
		{ { .kind = UNDO_TC_QDISC, .net = { .parent = TC_H_INGRESS, .handle = 0xffff0000u, .name = "clsact" } }, false },
		{ { .kind = UNDO_TC_CLASS, .net = { .parent = 0xeb000000u, .handle = 0xeb000001u, .name = "htb" } }, true },
		{ { .kind = UNDO_TC_CLASS, .net = { .parent = 0x10000u, .handle = 0xeb000001u, .name = "htb" } }, false },
		/* filters under ffff: only at Erebus' priority, with no handle of their own */
		{ { .kind = UNDO_TC_FILTER, .net = { .parent = 0xffff0000u, .prio = 0xeb00, .name = "u32" } }, true },
		{ { .kind = UNDO_TC_FILTER, .net = { .parent = 0xffff0000u, .prio = 1, .name = "u32" } }, false },
		{ { .kind = UNDO_TC_FILTER, .net = { .parent = 0xffff0000u, .prio = 0xeb00, .handle = 0x800, .name = "u32" } }, false },
		{ { .kind = UNDO_TC_FILTER, .net = { .parent = 0xeb000000u, .prio = 0xeb81, .name = "u32" } }, true },
		{ { .kind = UNDO_TC_FILTER, .net = { .parent = 0xeb000000u, .prio = 49152, .name = "u32" } }, false },
		{ { .kind = UNDO_LINK, .net = { .name = "erebus-in3" } }, true },
		{ { .kind = UNDO_LINK, .net = { .name = "eth0" } }, false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		print_message("case %zu\n", i);
		assert_int_equal(undo_is_tagged(&cases[i].r), cases[i].tagged);
	}
}

static void test_damaged_lines_skipped(void **state)
{
	struct undo_list u = { 0 };
	_cleanup_free_ char *log = NULL;

	assert_int_equal(parse("not a header\n"
			       "+ 0 sigcont pid=1 start=1\n"
			       "+ 4294967296 sigcont pid=1 start=1\n"
			       "+ 3 bogus ns=1:1\n"
			       "+ 4 sigcont start=1\n"
			       "+ 5 link ns=1:2 if=7 name=erebus-veth0\n"
			       "- x\n"
			       "+ 6 sigcont pid=9", &u, &log), 1);
	assert_string_equal(log, "recover: t.ledger:1: not an erebus-ledger version 1 header; reading its records anyway\n"
				 "recover: t.ledger:2: unreadable record skipped\n"
				 "recover: t.ledger:3: unreadable record skipped\n"
				 "recover: t.ledger:4: unreadable record skipped\n"
				 "recover: t.ledger:5: unreadable record skipped\n"
				 "recover: t.ledger:7: unreadable line skipped\n"
				 "recover: t.ledger:8: truncated last line ignored: \"+ 6 sigcont pid=9\"\n");
	assert_int_equal(u.v[0].kind, UNDO_LINK);
	assert_string_equal(u.v[0].net.name, "erebus-veth0");
	undo_free(&u);
}

/* The header's identities and boot id; every line that does not parse is
 * counted (the header too), a last line cut short is not (its write never
 * finished, so its change was never made). */
static void test_head_and_unreadable_count(void **state)
{
	char text[] = "erebus-ledger 1 pid=4242 start=270153 boot=3f1c7a8e-0d1b-4c39-9a0e-5b7f2d6c8e11 "
		      "experiment=checkout\n"
		      "guardian pid=4244 start=270154\n"
		      "+ 1 sigcont pid=4250 start=270101 comm=w\n"
		      "+ 2 bogus\n"
		      "- x\n"
		      "stray\n"
		      "+ 3 sigcont pid=9";
	char bad[] = "erebus-ledger 2\n+ 1 sigcont pid=4250 start=270101 comm=w\n";
	char noboot[] = "erebus-ledger 1 pid=1 start=0 experiment=x boot=is-not-in-the-header\n";
	struct undo_list u = { 0 };
	struct ledger_head h;
	FILE *log = fopen("/dev/null", "we");

	assert_non_null(log);
	assert_int_equal(ledger_parse_head(text, "t.ledger", &u, &h, log, ""), 1);
	assert_true(h.header_ok);
	assert_int_equal(h.pid, 4242);
	assert_int_equal(h.start, 270153);
	assert_int_equal(h.gpid, 4244);
	assert_int_equal(h.gstart, 270154);
	assert_string_equal(h.boot, "3f1c7a8e-0d1b-4c39-9a0e-5b7f2d6c8e11");
	assert_int_equal(h.unreadable, 3);
	undo_free(&u);
	assert_int_equal(ledger_parse_head(bad, "t.ledger", &u, &h, log, ""), 1);
	assert_false(h.header_ok);
	assert_int_equal(h.unreadable, 1);
	undo_free(&u);
	assert_int_equal(ledger_parse_head(noboot, "t.ledger", &u, &h, log, ""), 0);
	assert_true(h.header_ok);
	assert_string_equal(h.boot, "");
	assert_int_equal(h.unreadable, 0);
	fclose(log);
}

/* The run directory's checks, on directories this test makes. */
static void test_rundir_checks(void **state)
{
	char base[] = "/tmp/erebus-unit.XXXXXX";
	_cleanup_free_ char *good = NULL, *open_dir = NULL, *link = NULL, *fifo = NULL, *err = NULL;
	int dfd, fd;

	assert_non_null(mkdtemp(base));
	good = xasprintf("%s/good", base);
	open_dir = xasprintf("%s/open", base);
	link = xasprintf("%s/link", base);
	fifo = xasprintf("%s/good/1.ledger", base);
	assert_int_equal(mkdir(open_dir, 0700), 0);
	assert_int_equal(chmod(open_dir, 0755), 0);
	assert_int_equal(symlink(base, link), 0);

	dfd = rundir_open(good, geteuid(), true, &err);	/* made 0700 */
	assert_true(dfd >= 0);
	assert_int_equal(rundir_open(good, geteuid() + 1, false, &err), -EPERM);
	assert_non_null(strstr(err, "is owned by uid"));
	free(err);
	assert_int_equal(rundir_open(open_dir, geteuid(), false, &err), -EPERM);
	assert_non_null(strstr(err, "has mode 0755, not 0700"));
	free(err);
	assert_true(rundir_open(link, geteuid(), false, &err) < 0);
	assert_non_null(strstr(err, "is a symbolic link, not a directory"));
	free(err);
	err = NULL;

	assert_int_equal(mkfifo(fifo, 0600), 0);	/* opened without blocking, then refused */
	assert_int_equal(rundir_open_file(dfd, good, "1.ledger", O_RDONLY, 0, geteuid(), &err), -EPERM);
	assert_non_null(strstr(err, "is a FIFO, not a file Erebus wrote"));
	free(err);
	err = NULL;
	assert_int_equal(unlink(fifo), 0);
	fd = rundir_open_file(dfd, good, "2.ledger", O_RDWR | O_CREAT, 0600, geteuid(), &err);
	assert_true(fd >= 0);
	assert_true(rundir_same_file(dfd, "2.ledger", fd));
	close(fd);
	assert_int_equal(unlinkat(dfd, "2.ledger", 0), 0);
	close(dfd);
	assert_int_equal(rmdir(good), 0);
	assert_int_equal(rmdir(open_dir), 0);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(rmdir(base), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_and_done_marks),
		cmocka_unit_test(test_damaged_lines_skipped),
		cmocka_unit_test(test_every_record_round_trips),
		cmocka_unit_test(test_cookie_read_back),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_head_and_unreadable_count),
		cmocka_unit_test(test_rundir_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
