/* SPDX-License-Identifier: MIT */
/*
 * The capabilities a run keeps after setup (src/engine/caps.c), computed
 * from the experiment alone: one experiment per row of the table in
 * docs/safety.md. The drop itself is tested on real processes
 * (tests/integration/test_privs.sh).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "erebus/catalog.h"
#include "erebus/privs.h"
#include "../../src/engine/internal.h"

#define C(x) PRIVS_CAP(CAP_##x)

#define HEAD "[experiment]\nname = x\n"
#define PROBE "[probe up]\ntype = tcp\nhost = 127.0.0.1\nport = 80\n"

/* The set an experiment's text needs, with keep from the caller. */
static uint64_t needed(const char *text, uint64_t keep)
{
	struct diag d = { 0 };
	struct experiment *x = NULL;
	struct run_opts o = { .keep_caps = keep };
	uint64_t c;

	if (experiment_load_string("x.ini", text, &catalog_builtin, &d, &x) != 0) {
		for (size_t i = 0; i < d.n; i++)
			print_error("%s\n", d.msgs[i]);
		fail_msg("the experiment does not load");
	}
	diag_free(&d);
	c = engine_caps_needed(x, &o);
	experiment_free(x);
	return c;
}

static void test_probes_only_need_nothing(void **state)
{
	assert_int_equal(needed(HEAD PROBE, 0), 0);
	/* the caller's, for the report */
	assert_int_equal(needed(HEAD PROBE, C(DAC_OVERRIDE)), C(DAC_OVERRIDE));
}

static void test_signal_faults_need_kill(void **state)
{
	static const char *const types[] = { "pause\nduration = 1s", "kill", "throttle\ncpu = 20%\nduration = 1s" };

	for (size_t i = 0; i < 3; i++) {
		char text[512];
		snprintf(text, sizeof(text),
			 HEAD "[target t]\nprocess = nginx\n[fault f]\ntarget = t\ntype = %s\n" PROBE, types[i]);
		assert_int_equal(needed(text, 0), C(KILL));
	}
}

static void test_network_fault_in_a_process_namespace(void **state)
{
	assert_int_equal(needed(HEAD "[target t]\nprocess = nginx\n"
				     "[fault f]\ntype = partition\ntarget = t\ninterface = lo\nduration = 1s\n" PROBE, 0),
			 C(NET_ADMIN) | C(SYS_ADMIN) | C(SYS_PTRACE));
}

static void test_network_fault_in_a_named_namespace(void **state)
{
	assert_int_equal(needed(HEAD "[target t]\nnetns = erebus-test-none\n"
				     "[fault f]\ntype = partition\ntarget = t\ninterface = lo\nduration = 1s\n" PROBE, 0),
			 C(NET_ADMIN) | C(SYS_ADMIN));
}

static void test_network_fault_here(void **state)
{
	assert_int_equal(needed(HEAD "[fault f]\ntype = partition\ninterface = lo\nduration = 1s\n" PROBE, 0),
			 C(NET_ADMIN));
}

static void test_pidfile_target(void **state)
{
	assert_int_equal(needed(HEAD "[target t]\npidfile = /run/x.pid\n"
				     "[fault f]\ntype = pause\ntarget = t\nduration = 1s\n" PROBE, 0),
			 C(KILL) | C(DAC_READ_SEARCH));
}

static void test_commands_as_another_user(void **state)
{
	/* Launched: ours to stop. */
	assert_int_equal(needed(HEAD "[target t]\ncommand = sleep 100\nuser = nobody\n" PROBE, 0), C(KILL));
	/* Exec probe: each sample switches. */
	assert_int_equal(needed(HEAD "[probe e]\ntype = exec\ncommand = true\nuser = nobody\n", 0),
			 C(KILL) | C(SETUID) | C(SETGID));
	/* As ourselves: nothing. */
	assert_int_equal(needed(HEAD "[probe e]\ntype = exec\ncommand = true\n", 0), 0);
}

static void test_probe_from_a_sandbox_host(void **state)
{
	assert_int_equal(needed("[sandbox]\nhosts = a\n" HEAD
				"[probe up]\ntype = tcp\nhost = 127.0.0.1\nport = 80\nfrom = a\n", 0),
			 C(SYS_ADMIN));
}

/* /proc with hidepid, as /proc/self/mountinfo shows it. */
static void test_proc_hidepid(void **state)
{
	assert_false(privs_proc_hides_pids("22 27 0:21 / /proc rw,relatime - proc proc rw\n"));
	assert_false(privs_proc_hides_pids("22 27 0:21 / /proc rw - proc proc rw,hidepid=0\n"));
	assert_false(privs_proc_hides_pids("22 27 0:21 / /proc rw - proc proc rw,hidepid=off\n"));
	assert_true(privs_proc_hides_pids("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
					  "22 27 0:21 / /proc rw - proc proc rw,hidepid=2,gid=4\n"));
	assert_true(privs_proc_hides_pids("22 27 0:21 / /proc rw - proc proc rw,hidepid=invisible"));
	/* another proc mount elsewhere says nothing about /proc */
	assert_false(privs_proc_hides_pids("40 27 0:50 / /srv/proc rw - proc proc rw,hidepid=2\n"));
	assert_false(privs_proc_hides_pids(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probes_only_need_nothing),
		cmocka_unit_test(test_signal_faults_need_kill),
		cmocka_unit_test(test_network_fault_in_a_process_namespace),
		cmocka_unit_test(test_network_fault_in_a_named_namespace),
		cmocka_unit_test(test_network_fault_here),
		cmocka_unit_test(test_pidfile_target),
		cmocka_unit_test(test_commands_as_another_user),
		cmocka_unit_test(test_probe_from_a_sandbox_host),
		cmocka_unit_test(test_proc_hidepid),
	};
	/* The defaults are the user Erebus runs as: no sudo here. */
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
