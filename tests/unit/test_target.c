/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for target selection (src/target/target.c, and src/os/proc.c), without root: the test
 * forks real child processes and matches, picks, opens and signals them.
 *
 * A child is this very binary re-executed in "sleeper" mode
 * (argv: erebus-ut-sleeper --sleeper COMM MARKER FD). After exec it sets
 * its comm to COMM, writes one byte to FD and waits forever, so when the
 * parent has read that byte the child's comm and cmdline are final; no
 * test sleeps or polls /proc. Every child is recorded in the fixture
 * before anything can fail, and the teardown kills and reaps it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "erebus/target.h"

#define MAX_KIDS 12

struct kid {
	pid_t pid;
	bool reaped;
	char comm[16];
	char marker[32];
};

struct tfx {
	struct kid kids[MAX_KIDS];
	size_t n_kids;
	char comm_a[16], comm_b[16];	/* distinctive names for this run */
	char pidfile[64];
	regex_t re;
	bool have_re;
	struct proc_set set, set2;
	char *err;
	int pidfds[4];
	/* a launched command and a target within it */
	struct target_spec launch_spec, within_spec;
	struct target_state launch, within;
};

#include "scratch.h"

static int setup(void **state)
{
	struct tfx *f = xcalloc(1, sizeof(*f));

	snprintf(f->comm_a, sizeof(f->comm_a), "ebt%da", (int)getpid());
	snprintf(f->comm_b, sizeof(f->comm_b), "ebt%db", (int)getpid());
	for (size_t i = 0; i < ARRAY_SIZE(f->pidfds); i++)
		f->pidfds[i] = -1;
	f->launch.child_pidfd = f->within.child_pidfd = -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct tfx *f = *state;

	for (size_t i = 0; i < f->n_kids; i++) {
		struct kid *k = &f->kids[i];

		if (k->pid <= 0 || k->reaped)
			continue;	/* never kill a reaped pid: it may be reused */
		(void)kill(k->pid, SIGKILL);
		(void)waitpid(k->pid, NULL, 0);
	}
	if (f->launch.child && !f->launch.exited)
		target_stop(&f->launch, USEC_PER_SEC);
	else if (f->launch.child_pidfd >= 0)
		close(f->launch.child_pidfd);
	if (f->pidfile[0])
		(void)unlink(f->pidfile);
	if (f->have_re)
		regfree(&f->re);
	proc_set_free(&f->set);
	proc_set_free(&f->set2);
	free(f->err);
	scratch_free();
	for (size_t i = 0; i < ARRAY_SIZE(f->pidfds); i++)
		if (f->pidfds[i] >= 0)
			close(f->pidfds[i]);
	free(f);
	return 0;
}

/* The child's side: become COMM, say we are ready, wait to be killed. */
static _noreturn_ void sleeper(char **argv)
{
	int fd = atoi(argv[4]);

	(void)prctl(PR_SET_NAME, argv[2]);
	(void)!write(fd, "r", 1);
	close(fd);
	for (;;)
		pause();
}

/* Start a sleeper named comm; returns it once it is ready. */
static struct kid *spawn(struct tfx *f, const char *comm)
{
	struct kid *k;
	struct pollfd pfd;
	char fdbuf[16], c;
	int p[2];
	pid_t pid;

	assert_true(f->n_kids < MAX_KIDS);
	k = &f->kids[f->n_kids];
	snprintf(k->comm, sizeof(k->comm), "%s", comm);
	snprintf(k->marker, sizeof(k->marker), "m%d-%zu", (int)getpid(), f->n_kids);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	snprintf(fdbuf, sizeof(fdbuf), "%d", p[1]);

	pid = fork();
	if (pid == 0) {
		char *argv[] = { (char *)"erebus-ut-sleeper", (char *)"--sleeper", k->comm,
				 k->marker, fdbuf, NULL };

		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		(void)fcntl(p[1], F_SETFD, 0);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		fail_msg("fork: %s", strerror(errno));
	}
	k->pid = pid;
	f->n_kids++;	/* from here on the teardown reaps it */

	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	if (poll(&pfd, 1, 10000) != 1 || read(p[0], &c, 1) != 1) {
		close(p[0]);
		fail_msg("sleeper %d did not start", (int)pid);
	}
	close(p[0]);
	return k;
}

/* Kill and reap k; returns its wait status. */
static int reap(struct kid *k)
{
	int st = 0;

	assert_int_equal(kill(k->pid, SIGKILL), 0);
	assert_int_equal(waitpid(k->pid, &st, 0), k->pid);
	k->reaped = true;
	return st;
}

static bool set_has(const struct proc_set *s, pid_t pid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].pid == pid)
			return true;
	return false;
}

static void assert_sorted(const struct proc_set *s)
{
	for (size_t i = 1; i < s->n; i++)
		assert_true(s->v[i - 1].pid < s->v[i].pid);
}

static void set_regex(struct tfx *f, struct target_spec *t, const char *pattern)
{
	if (f->have_re)
		regfree(&f->re);
	assert_int_equal(regcomp(&f->re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	f->have_re = true;
	t->cmdline = &f->re;
	t->cmdline_src = NULL;
}

/* Match spec into f->set (freeing what it held); returns the count. */
static int match(struct tfx *f, const struct target_spec *spec)
{
	const struct target_state ts = { .spec = spec, .child_pidfd = -1, .netns_fd = -1 };
	int r;

	proc_set_free(&f->set);
	free(f->err);
	f->err = NULL;
	r = target_match(&ts, &f->set, &f->err);
	if (r >= 0) {
		assert_null(f->err);
		assert_int_equal((size_t)r, f->set.n);
		assert_sorted(&f->set);
		for (size_t i = 0; i < f->set.n; i++)
			assert_int_equal(f->set.v[i].pidfd, -1);	/* match opens nothing */
	}
	return r;
}

/* ---- matching ---------------------------------------------------------- */

static void test_match_by_pid(void **state)
{
	struct tfx *f = *state;
	struct kid *a = spawn(f, f->comm_a), *b = spawn(f, f->comm_a);
	struct target_spec t = { .name = (char *)"t", .pid = a->pid };

	assert_int_equal(match(f, &t), 1);
	assert_int_equal(f->set.v[0].pid, a->pid);
	assert_string_equal(f->set.v[0].comm, f->comm_a);
	assert_true(f->set.v[0].starttime > 0);

	t.pid = b->pid;
	assert_int_equal(match(f, &t), 1);
	assert_int_equal(f->set.v[0].pid, b->pid);
}

/* A process that has exited (a zombie, still unreaped) no longer matches. */
static void test_match_skips_zombie(void **state)
{
	struct tfx *f = *state;
	struct kid *a = spawn(f, f->comm_a);
	struct target_spec t = { .name = (char *)"t", .pid = a->pid };
	struct proc p;
	siginfo_t si = { 0 };

	assert_int_equal(kill(a->pid, SIGKILL), 0);
	/* wait for the exit but leave the zombie (and its pid) in place */
	assert_int_equal(waitid(P_PID, (id_t)a->pid, &si, WEXITED | WNOWAIT), 0);
	assert_int_equal(si.si_pid, a->pid);
	assert_int_equal(proc_read(a->pid, &p), -ESRCH);
	assert_int_equal(match(f, &t), 0);

	t.pid = 0;
	t.process = f->comm_a;
	assert_int_equal(match(f, &t), 0);
}

static void test_match_by_process(void **state)
{
	struct tfx *f = *state;
	struct kid *a1 = spawn(f, f->comm_a), *b = spawn(f, f->comm_b);
	struct kid *a2 = spawn(f, f->comm_a), *a3 = spawn(f, f->comm_a);
	struct target_spec t = { .name = (char *)"t", .process = f->comm_a };

	assert_int_equal(match(f, &t), 3);
	assert_true(set_has(&f->set, a1->pid));
	assert_true(set_has(&f->set, a2->pid));
	assert_true(set_has(&f->set, a3->pid));
	assert_false(set_has(&f->set, b->pid));
	for (size_t i = 0; i < f->set.n; i++)
		assert_string_equal(f->set.v[i].comm, f->comm_a);

	t.process = f->comm_b;
	assert_int_equal(match(f, &t), 1);
	assert_int_equal(f->set.v[0].pid, b->pid);

	t.process = "ebt-no-such";
	assert_int_equal(match(f, &t), 0);
}

static void test_match_by_cmdline(void **state)
{
	struct tfx *f = *state;
	struct kid *a1 = spawn(f, f->comm_a), *a2 = spawn(f, f->comm_a), *b = spawn(f, f->comm_b);
	struct target_spec t = { .name = (char *)"t" };
	char *one = keep(xasprintf("^erebus-ut-sleeper --sleeper %s %s [0-9]+$", a2->comm,
					     a2->marker));
	char *all_a = keep(xasprintf("--sleeper %s m", f->comm_a));
	char *both = keep(xasprintf(" (%s|%s) ", a1->marker, b->marker));

	set_regex(f, &t, one);
	assert_int_equal(match(f, &t), 1);
	assert_int_equal(f->set.v[0].pid, a2->pid);

	set_regex(f, &t, all_a);
	assert_int_equal(match(f, &t), 2);
	assert_true(set_has(&f->set, a1->pid));
	assert_true(set_has(&f->set, a2->pid));

	set_regex(f, &t, both);
	assert_int_equal(match(f, &t), 2);
	assert_true(set_has(&f->set, a1->pid));
	assert_true(set_has(&f->set, b->pid));
}

static void write_pidfile(struct tfx *f, const char *text)
{
	int fd;

	if (!f->pidfile[0]) {
		snprintf(f->pidfile, sizeof(f->pidfile), "/tmp/erebus-pid-XXXXXX");
		fd = mkstemp(f->pidfile);
	} else {
		fd = open(f->pidfile, O_WRONLY | O_TRUNC | O_CLOEXEC);
	}
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_match_by_pidfile(void **state)
{
	struct tfx *f = *state;
	struct kid *a = spawn(f, f->comm_a), *b = spawn(f, f->comm_a);
	struct target_spec t = { .name = (char *)"t" };
	char *text = keep(xasprintf("%d\n", (int)b->pid));
	char *bad_msg, *missing_msg;

	write_pidfile(f, text);
	t.pidfile = f->pidfile;
	assert_int_equal(match(f, &t), 1);
	assert_int_equal(f->set.v[0].pid, b->pid);
	assert_false(set_has(&f->set, a->pid));

	/* surrounding whitespace is fine */
	text = keep(xasprintf("  %d  \n", (int)a->pid));
	write_pidfile(f, text);
	assert_int_equal(match(f, &t), 1);
	assert_int_equal(f->set.v[0].pid, a->pid);

	write_pidfile(f, "not a pid\n");
	bad_msg = keep(xasprintf("pidfile %s does not hold a process id", f->pidfile));
	assert_int_equal(match(f, &t), -EINVAL);
	assert_non_null(f->err);
	assert_string_equal(f->err, bad_msg);

	t.pidfile = "/nonexistent/erebus.pid";
	missing_msg = keep(xasprintf("cannot read pidfile %s: No such file or directory", t.pidfile));
	assert_int_equal(match(f, &t), -ENOENT);
	assert_non_null(f->err);
	assert_string_equal(f->err, missing_msg);

	/* A FIFO (open() would block) and a symbolic link are refused. */
	{
		char fifo[80], link[80];
		const char *fifo_msg, *link_msg;

		snprintf(fifo, sizeof(fifo), "%s.fifo", f->pidfile);
		snprintf(link, sizeof(link), "%s.link", f->pidfile);
		assert_int_equal(mkfifo(fifo, 0600), 0);
		assert_int_equal(symlink(f->pidfile, link), 0);
		t.pidfile = fifo;
		fifo_msg = keep(xasprintf("pidfile %s is a FIFO, not a regular file: Erebus refuses to read it", fifo));
		assert_int_equal(match(f, &t), -EINVAL);
		assert_string_equal(f->err, fifo_msg);
		t.pidfile = link;
		link_msg = keep(xasprintf("pidfile %s is a symbolic link: Erebus reads it only as a regular file "
					  "(name the file the link points to)", link));
		assert_int_equal(match(f, &t), -ELOOP);
		assert_string_equal(f->err, link_msg);
		(void)unlink(fifo);
		(void)unlink(link);
	}
}

/* Every selector given must match. */
static void test_match_combined(void **state)
{
	struct tfx *f = *state;
	struct kid *a = spawn(f, f->comm_a), *b = spawn(f, f->comm_b), *a2 = spawn(f, f->comm_a);
	struct target_spec t = { .name = (char *)"t" };
	char *re_b = keep(xasprintf(" %s ", b->marker));
	char *re_a2 = keep(xasprintf(" %s ", a2->marker));
	char *pid_a = keep(xasprintf("%d\n", (int)a->pid));

	/* pid and process */
	t.pid = a->pid;
	t.process = f->comm_b;
	assert_int_equal(match(f, &t), 0);
	t.process = f->comm_a;
	assert_int_equal(match(f, &t), 1);
	assert_int_equal(f->set.v[0].pid, a->pid);

	/* process and cmdline */
	t.pid = 0;
	set_regex(f, &t, re_b);
	assert_int_equal(match(f, &t), 0);	/* b is not comm_a */
	set_regex(f, &t, re_a2);
	assert_int_equal(match(f, &t), 1);
	assert_int_equal(f->set.v[0].pid, a2->pid);

	/* pid and cmdline disagree */
	t.process = NULL;
	t.pid = a->pid;
	assert_int_equal(match(f, &t), 0);

	/* pidfile and pid disagree, then agree */
	t.cmdline = NULL;
	write_pidfile(f, pid_a);
	t.pidfile = f->pidfile;
	t.pid = b->pid;
	assert_int_equal(match(f, &t), 0);
	t.pid = a->pid;
	assert_int_equal(match(f, &t), 1);
	assert_int_equal(f->set.v[0].pid, a->pid);
}

/* Our cgroup (v2) holds our children: cgroup and process together. */
static void test_match_by_cgroup(void **state)
{
	struct tfx *f = *state;
	static const char *const roots[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	char *self = NULL, *dir = NULL, *rel;
	struct target_spec t = { .name = (char *)"t" };
	struct kid *a, *b;
	const char *p = NULL;

	if (read_file_max("/proc/self/cgroup", 4096, &self) < 0)
		skip();
	keep(self);
	if (!(p = strstr(self, "0::")))
		skip();	/* no cgroup v2 */
	p += 3;
	rel = keep(xstrndup(p, strcspn(p, "\n")));
	for (size_t i = 0; i < ARRAY_SIZE(roots) && !dir; i++) {
		char *d = keep(xasprintf("%s%s", roots[i], strcmp(rel, "/") ? rel : ""));

		if (access(keep(xasprintf("%s/cgroup.procs", d)), R_OK) == 0)
			dir = d;
	}
	if (!dir)
		skip();
	a = spawn(f, f->comm_a);
	b = spawn(f, f->comm_b);
	t.cgroup = dir;
	t.process = f->comm_a;
	assert_int_equal(match(f, &t), 1);
	assert_int_equal(f->set.v[0].pid, a->pid);
	t.process = f->comm_b;
	assert_int_equal(match(f, &t), 1);
	assert_int_equal(f->set.v[0].pid, b->pid);

	t.cgroup = "erebus-no-such-cgroup";
	assert_int_equal(match(f, &t), -ENOENT);
	assert_non_null(f->err);
	assert_string_equal(f->err, "cannot read cgroup /sys/fs/cgroup/erebus-no-such-cgroup/cgroup.procs: No such file or directory");
}

/* ---- refusals ---------------------------------------------------------- */

static void test_refuse_pid1(void **state)
{
	struct tfx *f = *state;
	struct target_spec t = { .name = (char *)"t", .pid = 1 };

	assert_string_equal(target_refusal(1, NULL), "it is pid 1 (init)");
	if (access("/proc/1/stat", R_OK) != 0)
		skip();	/* pid 1 not visible: nothing to refuse */
	assert_int_equal(match(f, &t), -EPERM);
	assert_non_null(f->err);
	assert_string_equal(f->err, "Erebus refuses pid 1: it is pid 1 (init)");
	assert_int_equal(f->set.n, 0);
}

static void test_refuse_self(void **state)
{
	struct tfx *f = *state;
	struct kid *a = spawn(f, f->comm_a);
	struct target_spec t = { .name = (char *)"t", .pid = getpid() };
	char *want = keep(xasprintf("Erebus refuses pid %d: it is Erebus itself", (int)getpid()));

	assert_string_equal(target_refusal(getpid(), NULL), "it is Erebus itself");
	assert_null(target_refusal(a->pid, NULL));
	assert_int_equal(match(f, &t), -EPERM);
	assert_non_null(f->err);
	assert_string_equal(f->err, want);
}

/* The engine's exclude set (its guardian) is refused with its reason. */
static void test_refuse_excluded(void **state)
{
	struct tfx *f = *state;
	struct kid *a = spawn(f, f->comm_a);
	const struct target_refused no[] = { { a->pid, "it is Erebus' guardian" } };
	const struct target_exclude ex = { no, 1 };
	struct target_spec t = { .name = (char *)"t", .pid = a->pid };
	const struct target_state ts = { .spec = &t, .child_pidfd = -1, .netns_fd = -1, .exclude = &ex };
	char *want = keep(xasprintf("Erebus refuses pid %d: it is Erebus' guardian", (int)a->pid));

	assert_string_equal(target_refusal(a->pid, &ex), "it is Erebus' guardian");
	assert_int_equal(match(f, &t), 1);	/* not excluded without the set */
	proc_set_free(&f->set);
	assert_int_equal(target_match(&ts, &f->set, &f->err), -EPERM);
	assert_non_null(f->err);
	assert_string_equal(f->err, want);
	assert_int_equal(f->set.n, 0);
}

/* Regex-escape s into b. */
static void add_escaped(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		if (strchr("\\^$.|?*+()[]{}", *s))
			sbuf_addn(b, "\\", 1);
		sbuf_addn(b, s, 1);
	}
}

/* A pattern that also matches us skips us instead of failing: a child
 * with our own comm is found, we are not. */
static void test_pattern_skips_self(void **state)
{
	struct tfx *f = *state;
	char *comm = NULL, *cmdline = NULL;
	struct target_spec t = { .name = (char *)"t" };
	struct sbuf re = { 0 };
	ssize_t n;
	struct kid *k;

	assert_true(read_file_max("/proc/self/comm", 64, &comm) > 0);
	keep(comm);
	comm[strcspn(comm, "\n")] = '\0';
	n = read_file_max("/proc/self/cmdline", 4096, &cmdline);
	assert_true(n > 0);
	keep(cmdline);
	for (ssize_t i = 0; i < n; i++)
		if (!cmdline[i])
			cmdline[i] = ' ';
	while (n && cmdline[n - 1] == ' ')
		cmdline[--n] = '\0';

	k = spawn(f, comm);
	sbuf_add(&re, "^(");
	add_escaped(&re, cmdline);
	sbuf_addf(&re, "|erebus-ut-sleeper --sleeper .* %s [0-9]+)$", k->marker);
	set_regex(f, &t, keep(sbuf_take(&re)));
	t.process = comm;

	/* the child, not us; another copy of this test running at the same
	 * time would match too, so only those two facts are checked */
	assert_true(match(f, &t) >= 1);
	assert_true(set_has(&f->set, k->pid));
	assert_false(set_has(&f->set, getpid()));
}

/* ---- picking ----------------------------------------------------------- */

static int pick(struct tfx *f, const struct target_spec *t, uint64_t seed, struct proc_set *out)
{
	const struct target_state ts = { .spec = t, .child_pidfd = -1, .netns_fd = -1 };
	struct rng rng;
	int r;

	rng_seed(&rng, seed);
	proc_set_free(out);
	free(f->err);
	f->err = NULL;
	r = target_pick(&ts, &rng, out, &f->err);
	if (r > 0) {
		assert_int_equal((size_t)r, out->n);
		assert_sorted(out);
		for (size_t i = 0; i < out->n; i++) {
			assert_true(out->v[i].pidfd >= 0);
			assert_int_equal(proc_signal(&out->v[i], 0), 0);
		}
	}
	return r;
}

static bool same_pids(const struct proc_set *a, const struct proc_set *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].pid != b->v[i].pid)
			return false;
	return true;
}

static void spawn_six(struct tfx *f)
{
	for (int i = 0; i < 6; i++)
		spawn(f, f->comm_a);
	(void)spawn(f, f->comm_b);	/* not a match */
}

static bool is_kid_a(const struct tfx *f, pid_t pid)
{
	for (size_t i = 0; i < f->n_kids; i++)
		if (f->kids[i].pid == pid && !strcmp(f->kids[i].comm, f->comm_a))
			return true;
	return false;
}

static void test_pick_one(void **state)
{
	struct tfx *f = *state;
	struct target_spec t = { .name = (char *)"t", .pick = { PICK_COUNT, 1 } };

	spawn_six(f);
	t.process = f->comm_a;
	assert_int_equal(pick(f, &t, 1, &f->set), 1);
	assert_true(is_kid_a(f, f->set.v[0].pid));
	assert_string_equal(f->set.v[0].comm, f->comm_a);

	assert_int_equal(pick(f, &t, 1, &f->set2), 1);
	assert_true(same_pids(&f->set, &f->set2));
}

static void test_pick_share_and_seed(void **state)
{
	struct tfx *f = *state;
	struct target_spec t = { .name = (char *)"t", .pick = { PICK_PERCENT, 50 } };
	bool differs = false;

	spawn_six(f);
	t.process = f->comm_a;
	assert_int_equal(pick(f, &t, 7, &f->set), 3);
	for (size_t i = 0; i < f->set.n; i++)
		assert_true(is_kid_a(f, f->set.v[i].pid));

	/* the same seed picks the same processes */
	assert_int_equal(pick(f, &t, 7, &f->set2), 3);
	assert_true(same_pids(&f->set, &f->set2));

	/* another seed (of 20) picks others: 1 in 20 choose 3 of 6 each */
	for (uint64_t seed = 100; seed < 120 && !differs; seed++) {
		assert_int_equal(pick(f, &t, seed, &f->set2), 3);
		differs = !same_pids(&f->set, &f->set2);
	}
	assert_true(differs);
}

static void test_pick_rounding_and_caps(void **state)
{
	struct tfx *f = *state;
	struct target_spec t = { .name = (char *)"t" };

	spawn_six(f);
	t.process = f->comm_a;
	t.pick = (struct pick){ PICK_ALL, 0 };
	assert_int_equal(pick(f, &t, 1, &f->set), 6);
	t.pick = (struct pick){ PICK_COUNT, 10 };	/* more than there are */
	assert_int_equal(pick(f, &t, 1, &f->set), 6);
	t.pick = (struct pick){ PICK_PERCENT, 10 };	/* 0.6 rounds up to 1 */
	assert_int_equal(pick(f, &t, 1, &f->set), 1);
	t.pick = (struct pick){ PICK_PERCENT, 34 };	/* 2.04 rounds up to 3 */
	assert_int_equal(pick(f, &t, 1, &f->set), 3);
	t.pick = (struct pick){ PICK_PERCENT, 100 };
	assert_int_equal(pick(f, &t, 1, &f->set), 6);
}

static void test_pick_nothing(void **state)
{
	struct tfx *f = *state;
	struct target_spec t = { .name = (char *)"web", .process = "ebt-no-such" };

	assert_int_equal(pick(f, &t, 1, &f->set), -ESRCH);
	assert_non_null(f->err);
	assert_string_equal(f->err, "no process matches [target web] (process = ebt-no-such)");
	assert_int_equal(f->set.n, 0);
}

/* ---- proc_* ------------------------------------------------------------ */

static void test_proc_read_and_state(void **state)
{
	struct tfx *f = *state;
	struct kid *a = spawn(f, f->comm_a);
	struct proc p, other, self;
	int st;
	char c;

	assert_int_equal(proc_read(a->pid, &p), 0);
	assert_int_equal(p.pid, a->pid);
	assert_int_equal(p.pidfd, -1);
	assert_string_equal(p.comm, f->comm_a);
	assert_true(p.starttime > 0);
	other = p;
	c = proc_state(&p);
	assert_true(c == 'R' || c == 'S');	/* running into pause(), or in it */
	assert_true(proc_cpu_ns(&p) >= 0);
	assert_int_equal(proc_read(getpid(), &self), 0);
	assert_true(proc_cpu_ns(&self) > 0);

	assert_int_equal(kill(a->pid, SIGSTOP), 0);
	assert_int_equal(waitpid(a->pid, &st, WUNTRACED), a->pid);
	assert_true(WIFSTOPPED(st));
	assert_int_equal(proc_state(&p), 'T');
	other.starttime++;	/* the same pid, another process's start time */
	assert_int_equal(proc_state(&other), 0);
	assert_int_equal(kill(a->pid, SIGCONT), 0);
	assert_int_equal(waitpid(a->pid, &st, WCONTINUED), a->pid);
	assert_true(WIFCONTINUED(st));

	reap(a);
	assert_int_equal(proc_read(a->pid, &other), -ESRCH);
	assert_int_equal(proc_state(&p), 0);
	assert_true(proc_cpu_ns(&p) < 0);
}

/* Reads through /proc/PID about a held process are verified through its
 * pidfd: once it is reaped (its number free for reuse), they fail. */
static void test_proc_verify_after_reap(void **state)
{
	struct tfx *f = *state;
	struct kid *a = spawn(f, f->comm_a);
	char path[64];
	struct stat want, got;
	struct proc p;
	int fd;

	assert_int_equal(proc_open(a->pid, 0, &p), 0);
	f->pidfds[0] = p.pidfd;
	assert_int_equal(proc_verify(&p), 0);
	assert_true(proc_cpu_ns(&p) >= 0);
	fd = proc_open_netns(&p);
	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)a->pid);
	assert_int_equal(stat(path, &want), 0);
	assert_int_equal(fstat(fd, &got), 0);
	assert_true(got.st_ino == want.st_ino && got.st_dev == want.st_dev);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);

	reap(a);
	assert_int_equal(proc_verify(&p), -ESRCH);
	assert_int_equal(proc_cpu_ns(&p), -ESRCH);
	assert_int_equal(proc_open_netns(&p), -ESRCH);
}

static void test_proc_open_starttime(void **state)
{
	struct tfx *f = *state;
	struct kid *a = spawn(f, f->comm_a);
	struct proc p, q = { .pid = 4242, .pidfd = -7 };

	assert_int_equal(proc_read(a->pid, &p), 0);
	/* a different start time: some other process that got the pid */
	assert_int_equal(proc_open(a->pid, p.starttime + 1, &q), -ESRCH);
	assert_int_equal(q.pid, 4242);	/* untouched on failure */
	assert_int_equal(q.pidfd, -7);

	assert_int_equal(proc_open(a->pid, p.starttime, &q), 0);
	f->pidfds[0] = q.pidfd;
	assert_true(q.pidfd >= 0);
	assert_int_equal(q.pid, a->pid);
	assert_int_equal(q.starttime, p.starttime);
	assert_string_equal(q.comm, f->comm_a);

	assert_int_equal(proc_open(a->pid, 0, &q), 0);	/* 0: any */
	f->pidfds[1] = q.pidfd;
	assert_true(q.pidfd >= 0);
}

static void test_proc_signal_reaped(void **state)
{
	struct tfx *f = *state;
	struct kid *a = spawn(f, f->comm_a);
	struct proc p;
	int st;

	assert_int_equal(proc_open(a->pid, 0, &p), 0);
	f->pidfds[0] = p.pidfd;
	assert_int_equal(proc_signal(&p, 0), 0);
	assert_int_equal(proc_signal(&p, SIGTERM), 0);
	assert_int_equal(waitpid(a->pid, &st, 0), a->pid);
	a->reaped = true;
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGTERM);

	/* exited and reaped: the pidfd still refers to it, and says it is gone */
	assert_int_equal(proc_signal(&p, SIGKILL), -ESRCH);
	assert_int_equal(proc_signal(&p, 0), -ESRCH);
	/* and opening by pid fails too (unless the pid was reused already) */
	{
		struct proc q;
		int r = proc_open(a->pid, p.starttime, &q);

		if (r == 0)
			close(q.pidfd);
		assert_int_not_equal(r, 0);
	}
}

/* ---- launched commands ------------------------------------------------- */

static void test_launch_command_and_within(void **state)
{
	struct tfx *f = *state;
	int n;

	f->launch_spec = (struct target_spec){ .name = (char *)"app", .command = "sleep 30" };
	f->launch = (struct target_state){ .spec = &f->launch_spec, .child_pidfd = -1, .netns_fd = -1 };
	f->within_spec = (struct target_spec){ .name = (char *)"w", .within = &f->launch_spec };
	f->within = (struct target_state){ .spec = &f->within_spec, .within = &f->launch,
					   .child_pidfd = -1, .netns_fd = -1 };

	/* not launched yet: nothing matches, and that is not an error */
	proc_set_free(&f->set);
	assert_int_equal(target_match(&f->launch, &f->set, &f->err), 0);
	assert_null(f->err);

	assert_int_equal(target_launch(&f->launch, &f->err), 0);
	assert_null(f->err);
	assert_true(f->launch.child > 0);
	assert_true(f->launch.child_pidfd >= 0);
	assert_false(f->launch.exited);

	n = target_match(&f->launch, &f->set, &f->err);
	assert_int_equal(n, 1);
	assert_int_equal(f->set.v[0].pid, f->launch.child);
	proc_set_free(&f->set);

	n = target_match(&f->within, &f->set, &f->err);
	assert_int_equal(n, 1);
	assert_int_equal(f->set.v[0].pid, f->launch.child);
	proc_set_free(&f->set);

	f->within_spec.process = "ebt-no-such";
	assert_int_equal(target_match(&f->within, &f->set, &f->err), 0);
	proc_set_free(&f->set);
	f->within_spec.process = NULL;

	target_stop(&f->launch, USEC_PER_SEC);
	assert_true(f->launch.exited);
	assert_true(WIFSIGNALED(f->launch.exit_status));
	assert_int_equal(f->launch.child_pidfd, -1);
	assert_int_equal(target_match(&f->launch, &f->set, &f->err), 0);
	assert_int_equal(target_match(&f->within, &f->set, &f->err), 0);
}

/* The last lines of a launched command's stderr: empty lines skipped,
 * control characters shown as '?', a line whose start was dropped from
 * the buffer not shown, the last line ended even without its newline. */
static void test_stderr_tail(void **state)
{
	struct target_stderr err = { .fd = -1 };
	struct target_state ts = { .err = &err, .child_pidfd = -1, .netns_fd = -1 };
	char *tail;

	tail = target_stderr_tail(&ts, 5);
	assert_string_equal(tail, "");
	free(tail);

	strcpy(err.buf, "one\n\ntwo\x1b[31m\nthree\n\n\nfour");
	err.len = strlen(err.buf);
	tail = target_stderr_tail(&ts, 3);
	assert_string_equal(tail, "two?[31m\nthree\nfour\n");
	free(tail);
	tail = target_stderr_tail(&ts, 10);
	assert_string_equal(tail, "one\ntwo?[31m\nthree\nfour\n");
	free(tail);

	err.cut = true;	/* "one" may be the end of a longer line */
	tail = target_stderr_tail(&ts, 10);
	assert_string_equal(tail, "two?[31m\nthree\nfour\n");
	free(tail);

	strcpy(err.buf, "the end of a long line\n");	/* and nothing else kept */
	err.len = strlen(err.buf);
	tail = target_stderr_tail(&ts, 5);
	assert_string_equal(tail, "...the end of a long line\n");
	free(tail);
}

static void test_launch_missing_command(void **state)
{
	struct tfx *f = *state;

	f->launch_spec = (struct target_spec){ .name = (char *)"app",
					       .command = "/nonexistent/erebus-cmd --flag" };
	f->launch = (struct target_state){ .spec = &f->launch_spec, .child_pidfd = -1, .netns_fd = -1 };
	assert_int_equal(target_launch(&f->launch, &f->err), -ENOENT);
	assert_non_null(f->err);
	assert_string_equal(f->err, "cannot run /nonexistent/erebus-cmd: No such file or directory");
	assert_int_equal(f->launch.child, 0);

	free(f->err);
	f->err = NULL;
	f->launch_spec.command = "sleep 'unbalanced";
	assert_int_equal(target_launch(&f->launch, &f->err), -EINVAL);
	assert_non_null(f->err);
	assert_string_equal(f->err, "cannot split command \"sleep 'unbalanced\"");
}

#define TT(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TT(test_match_by_pid),
		TT(test_match_skips_zombie),
		TT(test_match_by_process),
		TT(test_match_by_cmdline),
		TT(test_match_by_pidfile),
		TT(test_match_combined),
		TT(test_match_by_cgroup),
		TT(test_refuse_pid1),
		TT(test_refuse_self),
		TT(test_refuse_excluded),
		TT(test_pattern_skips_self),
		TT(test_pick_one),
		TT(test_pick_share_and_seed),
		TT(test_pick_rounding_and_caps),
		TT(test_pick_nothing),
		TT(test_proc_read_and_state),
		TT(test_proc_open_starttime),
		TT(test_proc_verify_after_reap),
		TT(test_proc_signal_reaped),
		TT(test_launch_command_and_within),
		TT(test_launch_missing_command),
		TT(test_stderr_tail),
	};

	if (argc == 5 && !strcmp(argv[1], "--sleeper"))
		sleeper(argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
