/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for reading a ledger back (ledger_parse(), src/undo/ledger.c):
 * records as written, done marks applied, and lines that do not parse
 * reported and skipped, never guessed at.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erebus/ledger.h"

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
	undo_free(&u);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_and_done_marks),
		cmocka_unit_test(test_damaged_lines_skipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
