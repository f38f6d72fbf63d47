/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the guardian (src/rollback/guardian.c): it keeps none of
 * the engine's file descriptors but stdio and its own four (the engine's
 * pidfd, the ledger, the run directory and the run lock), also where
 * close_range() fails (Linux before 5.9; here a seccomp filter makes it
 * fail with ENOSYS). An engine's netlink socket held by the guardian
 * would keep owner-flag nftables tables alive after the engine died.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "erebus/guardian.h"
#include "erebus/ledger.h"
#include "erebus/rundir.h"
#include "erebus/util.h"

#define EXTRA_FD 40

/* From here on, close_range() fails with ENOSYS in this process and its
 * children. */
static int break_close_range(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_close_range, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(f), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0 ? -errno : 0;
}

/* The engine, in a child: an extra fd, the ledger, the guardian; then it
 * tells the test the guardian's pid and waits for the word to end. */
static _noreturn_ void engine(int tell, int wait_for)
{
	pid_t g;
	char *err = NULL, c;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || dup2(fd, EXTRA_FD) < 0 || break_close_range() < 0 ||
	    runlock_take("guard-fds", "test_guardian", 0, &err) < 0 || ledger_open("guard-fds", &err) < 0)
		_exit(10);
	g = guardian_start();
	if (g < 0)
		_exit(11);
	if (write(tell, &g, sizeof(g)) != sizeof(g))
		_exit(12);
	(void)!read(wait_for, &c, 1);
	ledger_close(true);	/* clean: the guardian finds nothing to do */
	_exit(0);
}

/* Has the guardian reached its wait for the engine (poll, ppoll)? */
static bool guardian_waiting(pid_t g)
{
	char path[64];
	_cleanup_free_ char *text = NULL;
	long nr;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)g);
	if (read_file_max(path, 256, &text) <= 0)
		return false;
	nr = strtol(text, NULL, 10);
	return nr == SYS_poll || nr == SYS_ppoll;
}

static void test_guardian_keeps_no_engine_fd(void **state)
{
	char dir[] = "/tmp/erebus-guard-XXXXXX";
	int tell[2], go[2], status;
	pid_t e, g = 0;
	char path[64];
	DIR *d;
	struct dirent *de;
	unsigned tries = 0;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(setenv("EREBUS_RUN_DIR", dir, 1), 0);
	assert_int_equal(pipe2(tell, O_CLOEXEC), 0);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	e = fork();
	assert_true(e >= 0);
	if (e == 0) {
		close(tell[0]);
		close(go[1]);	/* so that the test's end is an end of file here */
		engine(tell[1], go[0]);
	}
	close(tell[1]);
	close(go[0]);
	assert_int_equal(read(tell[0], &g, sizeof(g)), sizeof(g));
	/* It closes the fds before it waits; bounded, it gets there at once. */
	while (!guardian_waiting(g) && ++tries < 100000)
		sched_yield();
	assert_true(guardian_waiting(g));
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)g);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && atoi(de->d_name) > 6)	/* 3-6: its own */
			fail_msg("the guardian still holds fd %s of the engine", de->d_name);
	closedir(d);
	assert_int_equal(write(go[1], "x", 1), 1);
	assert_int_equal(waitpid(e, &status, 0), e);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(go[1]);
	close(tell[0]);
	snprintf(path, sizeof(path), "%s/run.lock", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);	/* nothing else left behind */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guardian_keeps_no_engine_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
