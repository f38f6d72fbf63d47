/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for undo records and their journal (src/undo/record.c), and
 * undo_exists() (src/rollback/replay.c, with tc_exists() and
 * nft_exists()): the check the engine runs after rollback. They ask the
 * real kernel, in a network namespace of each test's own (on its
 * loopback, so the host is never touched): objects made with Erebus' own
 * tc and nftables code must read as there (1), and as gone (0) once
 * undone, one at a time; records that name something else (another
 * handle, priority, table, namespace) must read as gone. Needs root; skips
 * without it, like the rest of the unit tier's privileged corners.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

#include <linux/if_ether.h>
#include <linux/netfilter.h>

#include "erebus/netns.h"
#include "erebus/nft.h"
#include "erebus/tc.h"
#include "erebus/replay.h"
#include "erebus/undo.h"

struct fx {
	int ns;			/* the test's namespace; closing it removes everything in it */
	struct undo_list u[2];
	struct nft_sock *sock;
	pid_t kid;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->ns = geteuid() == 0 ? netns_new() : -EPERM;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	/* A failed test leaves objects behind: undo them so that the tc
	 * registry forgets this namespace before the next test makes one. */
	for (size_t i = 0; i < ARRAY_SIZE(f->u); i++) {
		char *err = NULL;
		(void)undo_run(&f->u[i], &err, NULL);
		free(err);
		undo_free(&f->u[i]);
	}
	nft_close(f->sock);
	if (f->kid > 0) {
		kill(f->kid, SIGKILL);
		waitpid(f->kid, NULL, 0);
	}
	if (f->ns >= 0)
		close(f->ns);
	free(f);
	return 0;
}

/* Skip unless this test has its namespace and the kernel has needs. */
static void need(const struct fx *f, unsigned needs)
{
	const char *why = NULL;

	if (f->ns < 0) {
		print_message("  (skipped: a network namespace of its own needs root: %s)\n", strerror(-f->ns));
		skip();
	}
	if (needs && tc_supported(needs, &why) < 0) {
		print_message("  (skipped: %s)\n", why);
		skip();
	}
}

static struct cidr cidr(const char *s)
{
	struct cidr c;

	if (parse_cidr(s, &c) < 0)
		fail_msg("parse_cidr(\"%s\") failed", s);
	return c;
}

/* Apply a rate fault on lo in the test's namespace; its records into u. */
static void apply_rate(struct fx *f, enum net_direction dir, const struct cidr *peer, struct undo_list *u)
{
	const struct net_match m = { .interface = "lo", .direction = dir, .destinations = peer,
				     .n_destinations = 1, .port = 80, .protocol = NET_PROTO_TCP };
	const struct tc_leaf leaf = { .kind = TC_LEAF_TBF, .tbf = { .rate_bps = 8000000 } };
	char *err = NULL;
	int r = tc_apply(f->ns, &m, &leaf, u, &err);

	if (r < 0)
		fail_msg("tc_apply: %s", err ? err : strerror(-r));
}

static int count_kind(const struct undo_list *u, enum undo_kind k)
{
	int n = 0;

	for (size_t i = 0; i < u->n; i++)
		n += u->v[i].kind == k;
	return n;
}

/* Undo the records of u one at a time, newest first, as the engine does:
 * each reads as there before and as gone after its own undo, and every
 * older one is still there. */
static void undo_one_by_one(struct undo_list *u)
{
	for (size_t i = u->n; i-- > 0;) {
		struct sbuf what = { 0 };

		undo_describe(&u->v[i], &what);
		print_message("  %s\n", what.s);
		sbuf_free(&what);
		assert_int_equal(undo_exists(&u->v[i]), 1);
		{
			_cleanup_free_ char *why = NULL;
			assert_int_equal(undo_one(&u->v[i], &why), 0);
			assert_null(why);
		}
		u->v[i].done = true;
		assert_int_equal(undo_exists(&u->v[i]), 0);
		for (size_t j = 0; j < i; j++)
			assert_int_equal(undo_exists(&u->v[j]), 1);
	}
}

/* ---- tc ------------------------------------------------------------------ */

static void test_tc_egress_each_object(void **state)
{
	struct fx *f = *state;
	const struct cidr peer = cidr("10.0.0.0/8");
	struct undo_list *u = &f->u[0];

	need(f, TC_NEED_TREE | TC_HAVE_TBF);
	apply_rate(f, NET_EGRESS, &peer, u);
	/* root, class, leaf, one filter */
	assert_int_equal(u->n, 4);
	assert_int_equal(count_kind(u, UNDO_TC_QDISC), 2);
	assert_int_equal(count_kind(u, UNDO_TC_CLASS), 1);
	assert_int_equal(count_kind(u, UNDO_TC_FILTER), 1);
	undo_one_by_one(u);
}

/* Records that name something else than what is there read as gone: the
 * check matches handles, priorities and the namespace, not "any tree". */
static void test_tc_other_objects_are_not_there(void **state)
{
	struct fx *f = *state;
	const struct cidr peer = cidr("10.0.0.0/8");
	struct undo_list *u = &f->u[0];
	struct undo_rec r;

	need(f, TC_NEED_TREE | TC_HAVE_TBF);
	apply_rate(f, NET_EGRESS, &peer, u);
	for (size_t i = 0; i < u->n; i++) {
		r = u->v[i];
		assert_int_equal(undo_exists(&r), 1);
		/* the same object in Erebus' own namespace: not there */
		r.net.netns_fd = -1;
		assert_int_equal(undo_exists(&r), 0);
		/* a namespace the caller lost: cannot tell */
		r.net.netns_fd = -2;
		assert_int_equal(undo_exists(&r), -EBADF);
		r = u->v[i];
		switch (r.kind) {
		case UNDO_TC_QDISC:
		case UNDO_TC_CLASS:
			r.net.handle += 0x7fu << 16;	/* eb00: -> eb7f:, eb01: -> eb80:, eb00:1 -> eb7f:1 */
			assert_int_equal(undo_exists(&r), 0);
			r = u->v[i];
			r.net.ifindex += 100;		/* no such interface */
			assert_int_equal(undo_exists(&r), 0);
			break;
		case UNDO_TC_FILTER:
			r.net.prio++;
			assert_int_equal(undo_exists(&r), 0);
			r = u->v[i];
			r.net.protocol = ETH_P_IPV6;
			assert_int_equal(undo_exists(&r), 0);
			break;
		default:
			fail_msg("unexpected record kind %d", r.kind);
		}
	}
}

/* Two faults share the root: after the first is undone, the root is still
 * there (the second uses it) and so is the second's class; after the
 * second, nothing. */
static void test_tc_shared_root_until_the_last(void **state)
{
	struct fx *f = *state;
	const struct cidr p1 = cidr("10.1.0.0/16"), p2 = cidr("10.2.0.0/16");
	char *err = NULL;

	need(f, TC_NEED_TREE | TC_HAVE_TBF);
	apply_rate(f, NET_EGRESS, &p1, &f->u[0]);
	apply_rate(f, NET_EGRESS, &p2, &f->u[1]);
	assert_int_equal(undo_run(&f->u[0], &err, NULL), 0);
	for (size_t i = 0; i < f->u[0].n; i++) {
		const struct undo_rec *r = &f->u[0].v[i];
		bool root = r->kind == UNDO_TC_QDISC && r->net.parent == TC_H_ROOT;
		assert_int_equal(undo_exists(r), root ? 1 : 0);
	}
	for (size_t i = 0; i < f->u[1].n; i++)
		assert_int_equal(undo_exists(&f->u[1].v[i]), 1);
	assert_int_equal(undo_run(&f->u[1], &err, NULL), 0);
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < f->u[k].n; i++)
			assert_int_equal(undo_exists(&f->u[k].v[i]), 0);
}

/* Ingress: the ifb link, its root, the ingress qdisc and the redirect
 * filter on lo, and the fault's own class, leaf and filter on the ifb. */
static void test_tc_ingress_link_and_redirect(void **state)
{
	struct fx *f = *state;
	const struct cidr peer = cidr("fd00::/8");
	struct undo_list *u = &f->u[0];

	need(f, TC_NEED_TREE | TC_HAVE_TBF | TC_NEED_INGRESS);
	apply_rate(f, NET_INGRESS, &peer, u);
	assert_int_equal(count_kind(u, UNDO_LINK), 1);
	assert_int_equal(u->v[0].kind, UNDO_LINK);
	assert_true(u->v[0].net.ifindex > 0);
	undo_one_by_one(u);
}

/* ---- nftables ------------------------------------------------------------- */

static void test_nft_table(void **state)
{
	struct fx *f = *state;
	const struct cidr peer = cidr("192.0.2.0/24");
	char name[NFT_NAME_MAX];
	const struct nft_drop d = { .table = nft_table_name(getpid(), "cut", name), .ifname = "lo",
				    .egress = true, .ingress = true, .peers = &peer, .n_peers = 1 };
	struct undo_rec r = { .kind = UNDO_NFT_TABLE };
	const char *why = NULL;
	char *err = NULL;
	bool created = false;
	int64_t usec;

	need(f, 0);
	if (nft_supported(&why) < 0) {
		print_message("  (skipped: %s)\n", why);
		skip();
	}
	r.net = (struct undo_net){ .netns_fd = f->ns, .family = NFPROTO_INET };
	snprintf(r.net.name, sizeof(r.net.name), "%s", name);
	assert_int_equal(undo_exists(&r), 0);
	if (nft_open(f->ns, &f->sock, &err) < 0 || nft_drop_create(f->sock, &d, &created, &usec, &err) < 0)
		fail_msg("%s", err);
	assert_int_equal(undo_exists(&r), 1);
	{	/* another name, another namespace: not there */
		struct undo_rec o = r;
		o.net.name[strlen(o.net.name) - 1] = 'x';
		assert_int_equal(undo_exists(&o), 0);
		o = r;
		o.net.netns_fd = -1;
		assert_int_equal(undo_exists(&o), 0);
	}
	/* deleted through its socket, as the partition's stop() does */
	assert_int_equal(nft_table_delete(f->sock, name, &usec, &err), 0);
	assert_int_equal(undo_exists(&r), 0);
	/* made again, and gone with the socket that owns it */
	assert_int_equal(nft_drop_create(f->sock, &d, &created, &usec, &err), 0);
	assert_int_equal(undo_exists(&r), 1);
	nft_close(f->sock);
	f->sock = NULL;
	assert_int_equal(undo_exists(&r), 0);
}

/* ---- processes -------------------------------------------------------------- */

static void test_sigcont_stopped_process(void **state)
{
	struct fx *f = *state;
	struct undo_rec r = { .kind = UNDO_SIGCONT };
	siginfo_t si;

	f->kid = fork();
	assert_true(f->kid >= 0);
	if (f->kid == 0) {
		for (;;)
			pause();
	}
	assert_int_equal(proc_read(f->kid, &r.proc), 0);
	assert_int_equal(undo_exists(&r), 0);	/* running */
	assert_int_equal(kill(f->kid, SIGSTOP), 0);
	assert_int_equal(waitid(P_PID, (id_t)f->kid, &si, WSTOPPED), 0);
	assert_int_equal(undo_exists(&r), 1);
	{	/* the same pid with another start time is another process */
		struct undo_rec o = r;
		o.proc.starttime++;
		assert_int_equal(undo_exists(&o), 0);
	}
	assert_int_equal(kill(f->kid, SIGCONT), 0);
	assert_int_equal(waitid(P_PID, (id_t)f->kid, &si, WCONTINUED), 0);
	assert_int_equal(undo_exists(&r), 0);
	assert_int_equal(kill(f->kid, SIGSTOP), 0);
	assert_int_equal(waitid(P_PID, (id_t)f->kid, &si, WSTOPPED), 0);
	kill(f->kid, SIGKILL);
	assert_int_equal(waitpid(f->kid, NULL, 0), f->kid);
	f->kid = 0;
	assert_int_equal(undo_exists(&r), 0);	/* gone */
}

/* A journal that remembers what it was told, as the ledger would write it. */
static struct {
	uint32_t next, appended[8], done[8];
	size_t n_appended, n_done;
} jr;

static int jr_append(struct undo_rec *r)
{
	r->seq = ++jr.next;
	jr.appended[jr.n_appended++] = r->seq;
	return 0;
}

static void jr_done(uint32_t seq) { jr.done[jr.n_done++] = seq; }

/* undo_disown() marks the record done in memory and in the journal, so a
 * replay (the engine's now, the guardian's from the ledger later) skips
 * it; undo_run() writes a done mark for each record it undoes, once. */
static void test_disown_reaches_the_journal(void **state)
{
	static const struct undo_journal j = { jr_append, jr_done };
	struct undo_list u = { 0 };
	struct undo_rec r = { .kind = UNDO_SIGCONT, .proc = { .pid = 0x7ffffff0, .pidfd = -1 } };

	memset(&jr, 0, sizeof(jr));
	undo_journal_set(&j);
	assert_int_equal(undo_push(&u, &r), 0);
	assert_int_equal(undo_push(&u, &r), 0);
	assert_int_equal(jr.n_appended, 2);
	assert_int_equal(u.v[1].seq, 2);
	undo_disown(&u);
	assert_true(u.v[1].done);
	assert_false(u.v[0].done);
	assert_int_equal(jr.n_done, 1);
	assert_int_equal(jr.done[0], 2);
	u.v[0].done = false;
	undo_done(&u.v[0]);	/* what undo_run() does for a record it undid */
	assert_int_equal(jr.n_done, 2);
	assert_int_equal(jr.done[1], 1);
	assert_int_equal(undo_run(&u, NULL, NULL), 0);	/* nothing left to replay */
	assert_int_equal(jr.n_done, 2);
	undo_journal_set(NULL);
	undo_free(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disown_reaches_the_journal),
		cmocka_unit_test_setup_teardown(test_tc_egress_each_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tc_other_objects_are_not_there, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tc_shared_root_until_the_last, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tc_ingress_link_and_redirect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nft_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigcont_stopped_process, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
